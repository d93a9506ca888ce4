"""What the dashboard tests read back from pages and the store."""

from __future__ import annotations

import re
from pathlib import Path

from stridecheck.store import Store


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match is not None
    return match.group(1)


def error_text(html: str) -> str:
    """The text of the page's error box."""
    match = re.search(r'data-testid="error">(.*?)</div>', html, re.S)
    assert match is not None
    return match.group(1).strip()


def stored_counts(db: Path) -> tuple[int, int]:
    """How many activities and session notes the store at ``db`` holds."""
    with Store.open(db) as store:
        activities = store.conn.execute("SELECT count(*) FROM activities").fetchone()[0]
        notes = store.conn.execute("SELECT count(*) FROM session_notes").fetchone()[0]
    return int(activities), int(notes)
