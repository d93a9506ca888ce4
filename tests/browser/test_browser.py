"""In a real browser: the report's charts render offline, the dashboard's upload and notes work."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from report_helpers import simulated_athlete, upload_file

from stridecheck.report import NoteEntry, render_report
from stridecheck.store import Store

#: A chart has rendered when its SVG holds Vega marks.
CHARTS_DRAWN = """() => {
  const charts = document.querySelectorAll('.chart');
  return charts.length > 0 && Array.from(charts).every(
    c => c.querySelector('svg g.role-mark path, svg g.role-mark rect, svg g.role-mark line'));
}"""


def _wait_for_charts(tab: Any) -> int:
    tab.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    return int(tab.evaluate("document.querySelectorAll('.chart svg').length"))


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    notes = (NoteEntry("W1S2", dt.datetime(2026, 1, 7, 9, tzinfo=dt.UTC), 10, 40, 15, True),)
    ana = simulated_athlete("Ana", weeks=1)
    bo = simulated_athlete("Bo", weeks=1, skip=("W1S2",), notes=notes)
    out = tmp_path_factory.mktemp("report") / "report.html"
    return render_report([ana, bo], out)


def test_report_renders_offline(
    page: tuple[Any, Any], report_file: Path, screenshot_dir: Path
) -> None:
    tab, console = page
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(report_file.as_uri())
    n_charts = _wait_for_charts(tab)
    assert n_charts == tab.locator(".chart").count() >= 5
    assert tab.locator("svg g.mark-rect").count() > 0  # timeline bands and weekly bars
    assert tab.locator("svg g.mark-line").count() > 0  # heart rate and pace traces
    assert [u for u in requests if not u.startswith("file:")] == []
    assert console.errors == []
    # the group table sorts by adherence when its header is clicked
    column = tab.locator("#group-table th", has_text="Adherence")
    names = tab.locator("#group-table tbody tr td:first-child")
    column.click()
    ascending = names.all_inner_texts()
    column.click()
    assert names.all_inner_texts() == list(reversed(ascending))
    assert ascending == ["Bo", "Ana"]
    tab.screenshot(path=str(screenshot_dir / "report.png"), full_page=True)


def test_dashboard_upload_and_note(
    page: tuple[Any, Any], server: tuple[str, Path], screenshot_dir: Path, tmp_path: Path
) -> None:
    base, db = server
    tab, console = page
    tab.goto(base + "/")
    assert tab.locator("[data-light]").count() == 1
    tab.click("text=Ana")
    _wait_for_charts(tab)
    tab.screenshot(path=str(screenshot_dir / "athlete.png"), full_page=True)

    # a bad file: a clear message, nothing stored
    bad = tmp_path / "broken.fit"
    bad.write_bytes(b"this is not a FIT file" * 10)
    tab.set_input_files("input[type=file]", str(bad))
    tab.click("[data-testid=upload-form] button")
    assert "not stored" in tab.locator("[data-testid=error]").inner_text()
    with Store.open(db) as store:
        assert store.conn.execute("SELECT count(*) FROM activities").fetchone()[0] == 2
    tab.screenshot(path=str(screenshot_dir / "upload-error.png"))
    # the browser logs the refused upload's status 400 itself; nothing else may be logged
    assert all("status of 400" in e for e in console.errors), console.errors
    console.errors.clear()
    tab.go_back()

    # a good file: stored, scored, shown in the grid
    good = upload_file(tmp_path, "W1S2")
    tab.set_input_files("input[type=file]", str(good))
    tab.click("[data-testid=upload-form] button")
    tab.wait_for_selector("div.flash-ok")
    assert "uploaded" in tab.locator("div.flash-ok").inner_text()
    with Store.open(db) as store:
        assert store.conn.execute("SELECT count(*) FROM activities").fetchone()[0] == 3
    assert tab.locator("[data-testid=session-grid] td[data-status=missed]").count() == 0

    # the session page: timeline, then a note
    tab.click("[data-testid=session-grid] a >> text=W1S2")
    _wait_for_charts(tab)
    assert tab.locator("[data-chart=timeline] svg g.mark-rect").count() > 0
    tab.fill("input[name=pain_before]", "20")
    tab.fill("input[name=pain_after]", "45")
    tab.fill("input[name=rpe]", "15")
    tab.check("input[name=adverse]")
    tab.fill("input[name=text]", "calf cramp")
    tab.click("[data-testid=note-form] button")
    tab.wait_for_selector("div.flash-ok")
    assert "calf cramp" in tab.locator("[data-testid=notes]").inner_text()
    _wait_for_charts(tab)
    tab.screenshot(path=str(screenshot_dir / "session.png"), full_page=True)
    with Store.open(db) as store:
        notes = store.notes_frame(store.athlete("Ana").id)
    assert list(notes["rpe"]) == [15] and bool(notes["adverse_event"].iloc[0])
    assert console.errors == []
