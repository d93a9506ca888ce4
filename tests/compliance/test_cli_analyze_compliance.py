"""The compliance part of ``analyze --program P --session ID|auto`` (cli.analyze.analysis_of)."""

from __future__ import annotations

import pytest
from rich.console import Console

from stridecheck.activity import Activity
from stridecheck.cli.adherence import format_compliance_table
from stridecheck.cli.analyze import analysis_of
from stridecheck.compliance import SessionCompliance
from stridecheck.errors import StrideCheckError
from stridecheck.simulate import simulate_session

from .helpers import session


@pytest.fixture(scope="module")
def recorded():
    sim = simulate_session(
        session("couch-to-5k:W1S1").to_plan(), deviations=("cut_short",), random_state=4
    )
    return sim.activity


def analyze_compliance(
    activity: Activity, program: str, session: str | None = None
) -> SessionCompliance:
    analysis = analysis_of(activity, program=program, session=session)
    assert analysis.session_compliance is not None
    assert analysis.session_id == analysis.session_compliance.session_id
    return analysis.session_compliance


def test_named_session(recorded):
    activity = recorded
    result = analyze_compliance(activity, "couch-to-5k", "W1S1")
    assert result.session_id == "W1S1"
    assert 70 <= result.score < 95
    assert any("cut short" in r for r in result.reasons)


def test_auto_session(recorded):
    activity = recorded
    result = analyze_compliance(activity, "couch-to-5k", "auto")
    assert result.session_id.startswith("W1")
    assert analyze_compliance(activity, "couch-to-5k").session_id == result.session_id


def test_unknown_session_or_program_is_bad_input(recorded):
    activity = recorded
    with pytest.raises(StrideCheckError, match="no such session"):
        analyze_compliance(activity, "couch-to-5k", "W99S9")
    with pytest.raises(StrideCheckError, match="built-in"):
        analyze_compliance(activity, "no-such-program", "W1S1")


def test_compliance_table_renders(recorded):
    activity = recorded
    result = analyze_compliance(activity, "couch-to-5k", "W1S1")
    console = Console(width=120, record=True)
    console.print(format_compliance_table(result))
    text = console.export_text()
    assert "Compliance with W1S1" in text
    assert "run 1 of 8" in text
    assert "warm-up" in text
    assert result.reasons[0] in text
