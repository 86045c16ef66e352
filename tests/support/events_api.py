"""Fixtures for the real events API and store (owned by the store/service work)."""
