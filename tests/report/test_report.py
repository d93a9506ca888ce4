"""Coach reports: data model, findings, HTML (self-contained), German, PDF, store, CLI."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from report_helpers import START, simulated_athlete, small_program, write_store
from typer.testing import CliRunner

from stridecheck.cli import app
from stridecheck.outputs import output_mode
from stridecheck.report import (
    AthleteReportData,
    athlete_data_from_store,
    render_html,
    render_report,
    restrict_weeks,
)
from stridecheck.store import Store


def _specs(html: str) -> dict[str, dict[str, object]]:
    match = re.search(
        r'<script type="application/json" id="chart-specs">(.*?)</script>', html, re.S
    )
    assert match is not None
    return json.loads(match.group(1))


def test_model_of_a_compliant_athlete(athlete_ok: AthleteReportData) -> None:
    assert [s.status for s in athlete_ok.sessions].count("missed") == 0
    assert athlete_ok.summary["adherence_pct"] == pytest.approx(100.0)
    assert athlete_ok.interruptions == []
    assert athlete_ok.traffic_light == "green"
    codes = [f.code for f in athlete_ok.findings]
    assert "good_adherence" in codes and "ready" in codes
    first = athlete_ok.sessions[0]
    assert first.has_activity and first.score is not None and first.score >= 80
    assert len(first.prescribed) == 12  # warm-up, 5 x (run, walk), cool-down
    assert first.intervals and first.traces
    assert first.prescribed[0].verdict is not None
    assert len(athlete_ok.weeks) == 3 and athlete_ok.weeks[0].run_min > 0
    assert 0.1 < athlete_ok.weeks[0].run_km < 2.0


def test_findings_of_an_athlete_in_trouble(athlete_trouble: AthleteReportData) -> None:
    by_code = {f.code: f for f in athlete_trouble.findings}
    assert by_code["interruption"].values["n"] == 3
    assert by_code["interruption"].values["week"] == 2
    assert by_code["adverse"].values["session"] == "W1S3"
    assert {f.values["session"] for f in athlete_trouble.findings if f.code == "pain_rise"} == {
        "W1S2",
        "W1S3",
    }
    assert by_code["low_adherence"].severity == "warning"
    assert athlete_trouble.findings[0].severity == "alert"
    assert athlete_trouble.traffic_light == "red"
    assert athlete_trouble.session("W1S2").status in ("not_completed", "partial")


def test_html_is_self_contained_with_group_table(
    tmp_path: Path, athlete_ok: AthleteReportData, athlete_trouble: AthleteReportData
) -> None:
    out = render_report([athlete_ok, athlete_trouble], tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", html)
    assert "cdn" not in html.lower().split("<script>", 1)[0]
    assert "vegaEmbed" in html
    specs = _specs(html)
    n_sessions = sum(s.has_activity for a in (athlete_ok, athlete_trouble) for s in a.sessions)
    # one timeline per session with an activity, weekly charts, a pain chart for the notes
    assert len(specs) == n_sessions + 2 + 1
    assert 'id="group-table"' in html
    for data in (athlete_ok, athlete_trouble):
        assert f'href="#{data.anchor}"' in html and f'id="{data.anchor}"' in html
    assert "3 sessions missed in week 2: an interruption." in html
    assert "Adverse event reported for session W1S3." in html
    assert "Ready to progress" in html
    assert "stridecheck" in html and "Methods" in html
    for session in athlete_trouble.sessions:
        assert f'data-status="{session.status}"' in html
    # written by the one atomic writer: its mode, nothing left beside it
    assert stat.S_IMODE(out.stat().st_mode) == output_mode()
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_german_report(athlete_trouble: AthleteReportData) -> None:
    html = render_html([athlete_trouble], lang="de")
    assert '<html lang="de">' in html
    assert "Adhärenz" in html and "Einheiten nach Woche" in html
    assert "3 Einheiten in Woche 2 verpasst: eine Unterbrechung." in html
    assert START.strftime("%d.%m.%Y") in html
    assert ">Sessions by week<" not in html and ">Weekly running<" not in html  # headings
    assert re.search(r"\d+\u00a0%", html)  # German writes "56 %"


@pytest.mark.slow
def test_pdf(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    data = simulated_athlete("Cleo", weeks=1, skip=("W1S2", "W1S3"))
    render_report([data], tmp_path / "r.html", pdf=tmp_path / "r.pdf", lang="de")
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_restrict_weeks(athlete_trouble: AthleteReportData) -> None:
    part = restrict_weeks(athlete_trouble, 1, 1)
    assert {s.week for s in part.sessions} == {1}
    assert [w.week for w in part.weeks] == [1]
    assert not part.interruptions
    assert all(f.code != "interruption" for f in part.findings)


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    return write_store(folder, {"Ana": ("W1S1", "W1S3"), "Bo": ("W1S1",)})


def test_data_from_store(store_db: Path) -> None:
    with Store.open(store_db) as store:
        store.add_note("Ana", "W1S1", pain_before=10, pain_after=40, rpe=14, text="tired")
        data = athlete_data_from_store(store, "Ana")
    assert data.program == small_program(1).name
    assert [s.status for s in data.sessions].count("missed") == 1  # 2 activities, 3 sessions
    assert data.sessions[0].has_activity and data.sessions[0].intervals
    assert data.notes[0].pain_after == 40 and data.notes[0].rpe == 14
    assert any(f.code == "pain_rise" for f in data.findings)
    assert len(data.methods) == 3 and all(data.methods)


def test_cli_report(tmp_path: Path, store_db: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "all.html"
    result = runner.invoke(
        app, ["report", "--all", "--out", str(out), "--db", str(store_db), "--lang", "de"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"Report written to {out}"
    html = out.read_text(encoding="utf-8")
    assert "Ana" in html and "Bo" in html and "Alle Teilnehmenden" in html
    one = tmp_path / "ana.html"
    result = runner.invoke(
        app, ["report", "-a", "Ana", "--weeks", "1", "--out", str(one), "--db", str(store_db)]
    )
    assert result.exit_code == 0, result.output
    assert 'id="group-table"' not in one.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--athlete", "Nobody"], "no such athlete"),
        (["--all", "--weeks", "3-1"], "--weeks"),
        (["--all", "--lang", "fr"], "--lang"),
        ([], "--athlete"),
    ],
)
def test_cli_report_bad_input(
    tmp_path: Path, store_db: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(
        app, ["report", *args, "--out", str(tmp_path / "x.html"), "--db", str(store_db)]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x.html").exists()
