"""Browser tests: Playwright driving the system Chromium, the dashboard served by uvicorn.

No browser is downloaded: Chromium comes from the Debian package ``chromium``
(``scripts/ci_system_packages.sh``) at ``$STRIDECHECK_CHROMIUM`` (default
``/usr/bin/chromium``). Without it the tests are skipped (under ``CI=true``
they fail). Screenshots go to ``$STRIDECHECK_SCREENSHOTS`` (default: a
temporary folder, printed).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))

from report_helpers import write_store

CHROMIUM = Path(os.environ.get("STRIDECHECK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots are saved."""
    folder = os.environ.get("STRIDECHECK_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless system Chromium with a fresh profile.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop running
    in this thread while it is active, which would break every later test in the
    same worker that runs a loop of its own (the live recorder tests).
    """
    if not CHROMIUM.is_file():
        _missing(f"Chromium not found at {CHROMIUM}: install the Debian package 'chromium'")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1200, "height": 900},
        )
        yield context
        context.close()


@dataclass
class Console:
    """Console errors and uncaught exceptions of a page."""

    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Console]]:
    """A new tab recording console errors and page errors."""
    tab = browser.new_page()
    console = Console()
    tab.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: console.errors.append(str(e)))
    tab.set_default_timeout(30_000)
    yield tab, console
    tab.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard on 127.0.0.1 (free port) over a small store; ``(base url, db)``."""
    import uvicorn

    from stridecheck.web import WebConfig, create_app

    db = write_store(tmp_path_factory.mktemp("browser-store"), {"Ana": ("W1S1", "W1S3")})
    port = _free_port()
    config = uvicorn.Config(
        create_app(WebConfig(db=db)), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db
    srv.should_exit = True
    thread.join(timeout=10)
