"""Clients of the events REST API: eventchat's own contract and the original Event Chat one."""

from eventchat.client.base import EventsClient
from eventchat.client.rest import RestEventsClient

__all__ = ["EventsClient", "RestEventsClient"]
