"""Honest uncertainty end to end: adherence, the cohort's second pass, the report's colour."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from stridecheck import read
from stridecheck.compliance import adherence, score_activity
from stridecheck.compliance.profile_learning import with_gait_profile
from stridecheck.enrollment import read_enrollment
from stridecheck.messages import render
from stridecheck.programs import load_program
from stridecheck.report import athlete_data_from_activities, render_html

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def athlete_b():
    """The demo's slow jogger: GPX from a phone and FIT from a watch."""
    program = load_program(SAMPLE / "program.toml")
    start = read_enrollment(SAMPLE / "athlete_b").start
    files = sorted(p for p in (SAMPLE / "athlete_b").iterdir() if p.suffix in (".fit", ".gpx"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        activities = [read(p) for p in files]
    return program, start, activities


def test_adherence_counts_an_uncertain_session_as_attended(athlete_b):
    program, start, activities = athlete_b
    gpx = next(a for a in activities if str(a.meta.source_path).endswith("W1S2.gpx"))
    report = adherence(program, start, [score_activity(gpx, name="W1S2.gpx")])
    row = report.sessions.set_index("session_id").loc["W1S2"]
    assert row["attended"]
    assert row["uncertain_steps"] >= 1
    assert row["score_low"] <= row["score"] <= row["score_high"]
    assert bool(row["compliance_uncertain"]) == (row["score_high"] - row["score_low"] > 0) or (
        not row["compliance_uncertain"]
    )


def test_second_pass_sets_the_profile(athlete_b):
    _, _, activities = athlete_b
    scored = [score_activity(a) for a in activities]
    again = with_gait_profile("athlete_b", scored)
    profiles = {id(item.profile) for item in again}
    assert len(profiles) == 1 and again[0].profile is not None
    assert len(again[0].profile.sessions) >= 1
    assert all(item.cache == {} for item in again)


def test_report_shows_uncertain_compliance_in_its_own_colour(athlete_b):
    program, start, activities = athlete_b
    data = athlete_data_from_activities("athlete_b", program, start, activities)
    w1s2 = next(s for s in data.sessions if s.session_id == "W1S2")
    assert w1s2.uncertain_steps >= 1
    assert w1s2.score_low is not None and w1s2.score_high is not None
    html = render_html([data], lang="en")
    assert ".st-uncertain" in html  # the colour, in the page's style
    assert "compliance uncertain" in html  # the legend
    worded = [render(r) if not isinstance(r, str) else r for r in w1s2.reasons]
    assert any("cannot be confirmed" in r for r in worded)
    assert not any("walked instead" in r for r in worded)
    assert "cannot be confirmed" in html
    # the methods say how the steps were weighed and which profile was the prior
    assert "p_done" in html
    assert "gait profile (version 1)" in html
    german = render_html([data], lang="de")
    assert "Umsetzung unsicher" in german
