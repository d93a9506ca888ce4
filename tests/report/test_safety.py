"""Safety first in every view: an adverse event shows on the card, the grid and the chart,
its week is never "ready to progress", and a coach's clearance frees the later weeks (#17)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from report_helpers import simulated_athlete

from stridecheck.i18n import get_lang
from stridecheck.report import AthleteReportData, NoteEntry
from stridecheck.report.charts import pain_chart, to_svg, weekly_chart
from stridecheck.report.render import render_html

FELL = NoteEntry("W2S2", dt.datetime(2026, 1, 14, 9, tzinfo=dt.UTC), adverse_event=True,
                 text="fell on ice")  # fmt: skip
CLEARED = NoteEntry("W2S2", dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC), clearance=True,
                    text="GP: wrist bruised only")  # fmt: skip


@pytest.fixture(scope="module")
def fell() -> AthleteReportData:
    return simulated_athlete("Cleo", notes=(FELL,))


@pytest.fixture(scope="module")
def cleared() -> AthleteReportData:
    return simulated_athlete("Cleo", notes=(FELL, CLEARED))


def _ready_cells(html: str) -> list[str]:
    return re.findall(r'data-ready="([^"]+)"', html)


def test_adverse_event_in_the_model_and_findings(fell: AthleteReportData) -> None:
    assert fell.session("W2S2").status == "completed"  # done as prescribed, yet ...
    assert fell.session("W2S2").adverse_event
    assert [w.progression_ready for w in fell.weeks] == [True, False, False]
    assert fell.weeks[1].adverse_events == 1
    assert fell.traffic_light == "red"
    assert fell.findings[0].code == "adverse" and fell.findings[0].severity == "alert"
    last = next(f for f in fell.findings if f.code == "not_ready")
    assert last.severity in ("warning", "alert")


def test_report_shows_it_on_card_grid_and_chart(fell: AthleteReportData) -> None:
    html = render_html([fell], interactive=True)
    assert _ready_cells(html) == ["yes", "no", "no"]
    assert html.count('data-adverse="yes"') == 1
    card = html.split('data-session="W2S2"', 1)[1].split('<div class="session', 1)[0]
    assert 'data-testid="adverse-event"' in card
    assert "Adverse event reported for this session" in card
    assert "Not ready to progress: adverse event reported for session W2S2" in html
    assert "not yet cleared by a coach" in html
    assert 'data-testid="adverse-uncleared"' in html
    # the chart plots the event although the note gives no pain and no RPE
    spec = pain_chart(fell, get_lang("en"))
    assert spec is not None
    assert "Adverse event" in json.dumps(spec)
    weekly = weekly_chart(fell, get_lang("en"))
    assert "AE" in json.dumps(weekly)
    # both specs are valid Vega-Lite: they render to SVG (as the PDF report does)
    assert "AE" in to_svg(weekly)
    assert "<svg" in to_svg(spec)
    # times say their time zone
    assert re.search(r"\d{2}:\d{2}:\d{2} UTC", html)


def test_clearance_frees_later_weeks_only(cleared: AthleteReportData) -> None:
    assert [w.progression_ready for w in cleared.weeks] == [True, False, True]
    assert cleared.traffic_light != "red" or cleared.interruptions
    assert {f.code for f in cleared.findings} >= {"adverse_cleared"}
    html = render_html([cleared], interactive=True)
    assert _ready_cells(html) == ["yes", "no", "yes"]
    assert "cleared by the coach" in html
    spec = json.dumps(pain_chart(cleared, get_lang("en")))
    assert "Cleared by the coach" in spec and "Adverse event" in spec


def test_german_report_words_the_reasons(fell: AthleteReportData) -> None:
    html = render_html([fell], lang="de", interactive=True)
    assert "Nicht bereit zur Steigerung: unerwünschtes Ereignis zu Einheit W2S2" in html
    assert "Bereit zur Steigerung: 3 von 3 Einheiten vollständig (2 nötig)" in html
    assert "Not ready to progress" not in html


def test_times_say_their_time_zone() -> None:
    lang = get_lang("en")
    when = dt.datetime(2026, 1, 5, 7, tzinfo=dt.UTC)
    assert lang.datetime(when).endswith("07:00:00 UTC")
    assert lang.local_datetime(when, 3600).endswith("08:00:00 UTC+01:00")
    assert lang.local_datetime(when, -5 * 3600).endswith("02:00:00 UTC-05:00")
    assert lang.local_datetime(when, None) == lang.datetime(when)
    assert get_lang("de").local_datetime(when, 3600) == "05.01.2026, 08:00:00 UTC+01:00"


def test_fit_local_time_reaches_the_session_card(corpus_dir: Path) -> None:
    from stridecheck import read
    from stridecheck.programs import Program, Session, Step
    from stridecheck.report import athlete_data_from_activities

    walk = next(corpus_dir.rglob("Walk.fit"), None)
    if walk is None:
        pytest.skip("Walk.fit not in the corpus")
    activity = read(walk)
    assert activity.meta.extra["utc_offset_s"] == -5 * 3600  # local_timestamp of the file
    start = activity.start_time.date()
    program = Program("walk", (Session("W1S1", (Step("walk", 600.0),), week=1),))
    data = athlete_data_from_activities("Dee", program, start, [activity])
    assert data.sessions[0].utc_offset_s == -5 * 3600
    html = render_html([data], interactive=True)
    assert "UTC-05:00" in html
