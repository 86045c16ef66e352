"""Fixtures for the importer tests: the sample files under ``data/``."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """The directory of sample import files."""
    return DATA
