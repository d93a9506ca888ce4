"""``stridecheck serve``: loopback by default, a printed token on any other host."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stridecheck.cli import app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Capture what ``uvicorn.run`` would serve instead of serving it."""
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(application: Any, **kwargs: Any) -> None:
        seen["app"] = application
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return seen


def test_serve_binds_loopback_without_token(served: dict[str, Any], web_db: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--db", str(web_db), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served["host"] == "127.0.0.1" and served["port"] == 8123
    assert "token" not in result.output
    local = TestClient(served["app"], base_url="http://127.0.0.1:8123")
    assert local.get("/").status_code == 200


def test_serve_on_other_host_requires_printed_token(served: dict[str, Any], web_db: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--db", str(web_db), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    match = re.search(r"\?token=([A-Za-z0-9_-]{20,})", result.output)
    assert match is not None
    client = TestClient(served["app"])
    assert client.get("/").status_code == 401
    assert client.get(f"/?token={match.group(1)}").status_code == 200


def test_serve_bad_language(served: dict[str, Any], web_db: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--db", str(web_db), "--lang", "xx"])
    assert result.exit_code == 2 and "--lang" in result.output
    assert "app" not in served
