"""The compliance part of ``analyze --program P --session ID|auto``."""

from __future__ import annotations

import warnings

import pytest
from rich.console import Console

from stridecheck.cli.adherence import analyze_compliance, format_compliance_table
from stridecheck.errors import StrideCheckError
from stridecheck.segment import segment
from stridecheck.simulate import simulate_session

from .helpers import session


@pytest.fixture(scope="module")
def recorded():
    sim = simulate_session(
        session("couch-to-5k:W1S1").to_plan(), deviations=("cut_short",), random_state=4
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sim.activity, segment(sim.activity)


def test_named_session(recorded):
    activity, seg = recorded
    result = analyze_compliance(activity, seg, "couch-to-5k", "W1S1")
    assert result.session_id == "W1S1"
    assert 70 <= result.score < 95
    assert any("cut short" in r for r in result.reasons)


def test_auto_session(recorded):
    activity, seg = recorded
    result = analyze_compliance(activity, seg, "couch-to-5k", "auto")
    assert result.session_id.startswith("W1")
    assert analyze_compliance(activity, seg, "couch-to-5k").session_id == result.session_id


def test_unknown_session_or_program_is_bad_input(recorded):
    activity, seg = recorded
    with pytest.raises(StrideCheckError, match="no such session"):
        analyze_compliance(activity, seg, "couch-to-5k", "W99S9")
    with pytest.raises(StrideCheckError, match="built-in"):
        analyze_compliance(activity, seg, "no-such-program", "W1S1")


def test_compliance_table_renders(recorded):
    activity, seg = recorded
    result = analyze_compliance(activity, seg, "couch-to-5k", "W1S1")
    console = Console(width=120, record=True)
    console.print(format_compliance_table(result))
    text = console.export_text()
    assert "Compliance with W1S1" in text
    assert "run 1 of 8" in text
    assert "warm-up" in text
    assert result.reasons[0] in text
