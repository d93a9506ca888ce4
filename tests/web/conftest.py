"""Fixtures of the dashboard tests: a small store and a client."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))

from report_helpers import write_store


@pytest.fixture(scope="module")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store: Ana did W1S1 and W1S3, Bo did W1S1 (both enrolled in a 1-week program)."""
    return write_store(tmp_path_factory.mktemp("web"), {"Ana": ("W1S1", "W1S3"), "Bo": ("W1S1",)})
