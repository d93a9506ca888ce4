"""Reasons text, the JSON contract, the methods paragraph, intensity targets."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from stridecheck.compliance import (
    ComplianceParams,
    best_session,
    compliance_methods,
    comply,
    harmonic_score,
    score_category,
)
from stridecheck.compliance.explain import format_span
from stridecheck.programs import Repeat, Session, Step, Targets, load_program
from stridecheck.simulate import simulate_session

from .helpers import session, table

TEN = Session(
    id="T",
    steps=(
        Step("walk", 300.0, name="warm-up"),
        Repeat(10, (Step("run", 15.0), Step("walk", 45.0))),
        Step("walk", 300.0, name="cool-down"),
    ),
)


def _done(*changes: tuple[int, list[tuple[str, float]]]) -> pd.DataFrame:
    """The TEN session as done, with pass ``k`` (1-based) of the repeat replaced."""
    replaced = dict(changes)
    bouts: list[tuple[str, float]] = [("walk", 300)]
    for k in range(1, 11):
        bouts.extend(replaced.get(k, [("run", 15), ("walk", 45)]))
    bouts.append(("walk", 300))
    return table(*bouts)


def test_run_cut_short_reason():
    result = comply(_done((4, [("run", 9), ("walk", 51)])), TEN)
    assert "run 4 of 10 cut short: 9 s of 15 s" in result.reasons
    assert result.steps[7].verdict == "short"
    assert result.steps[7].matched_s == 9.0


def test_walk_breaks_skipped_from_minute_reason():
    # from pass 3 on the walks are run through until the cool-down
    done = _done(*[(k, [("run", 60)]) for k in range(3, 11)])
    result = comply(done, TEN)
    assert "walk breaks skipped from minute 7: ran continuously" in result.reasons
    assert result.walk_break_compliance_pct is not None
    assert result.walk_break_compliance_pct < 30


def test_walk_breaks_skipped_in_the_middle_reason():
    done = _done(*[(k, [("run", 60)]) for k in (3, 4, 5)])
    result = comply(done, TEN)
    assert "walk breaks skipped from minute 7 to minute 10: ran continuously" in result.reasons


def test_runs_walked_reasons():
    done = _done(*[(k, [("walk", 60)]) for k in (2, 3, 4)])
    result = comply(done, TEN)
    assert "runs 2-4 of 10 walked instead (from minute 6)" in result.reasons
    everything = comply(table(("walk", 1200)), TEN)
    assert everything.reasons == ["all 10 runs walked: no running"]
    assert everything.score == 0.0


def test_late_start_and_stop_reasons():
    done = table(("stop", 180), ("walk", 300), *([("run", 15), ("walk", 45)] * 9))
    result = comply(done, TEN)
    assert result.reasons[0] == "started 3 min late (standing still)"
    assert result.reasons[1] == "stopped after 14 of 20 minutes"
    assert result.category == "partial"


def test_many_single_reasons_are_counted():
    done = _done(*[(k, [("run", 8), ("walk", 52)]) for k in range(1, 11)])
    result = comply(done, TEN)
    assert len([r for r in result.reasons if "cut short" in r]) == 8
    assert "2 more steps not as prescribed" in result.reasons


def test_format_span():
    assert format_span(9) == "9 s"
    assert format_span(180) == "3 min"
    assert format_span(86) == "1:26 min"
    assert format_span(3725) == "1:02:05 h"


def test_score_formula_and_categories():
    assert harmonic_score(1.0, 1.0) == 100.0
    assert harmonic_score(0.0, 1.0) == 0.0
    assert harmonic_score(0.5, 0.5) == pytest.approx(50.0)
    assert harmonic_score(1.0, 0.6) == pytest.approx(75.0)
    assert harmonic_score(None, 0.7) == pytest.approx(70.0)
    assert harmonic_score(None, None) == 0.0
    assert score_category(80.0) == "completed"
    assert score_category(79.96) == "completed"  # rounded to 0.1 first
    assert score_category(79.9) == "partial"
    assert score_category(50.0) == "partial"
    assert score_category(49.9) == "not_completed"
    strict = ComplianceParams(completed_score=90.0)
    assert score_category(85.0, strict) == "partial"


def test_params_are_validated():
    with pytest.raises(ValueError, match="stretch_cost"):
        ComplianceParams(stretch_cost=1.0)
    with pytest.raises(ValueError, match="missed_pct"):
        ComplianceParams(missed_pct=90.0)
    with pytest.raises(ValueError, match="partial_score"):
        ComplianceParams(partial_score=90.0)
    with pytest.raises(ValueError, match="max_stretch_s"):
        ComplianceParams(max_stretch_s=-1)


def test_to_dict_is_the_public_contract():
    result = comply(_done((4, [("run", 9), ("walk", 51)])), TEN)
    doc = result.to_dict()
    assert list(doc)[:6] == [
        "score", "category", "run_compliance_pct", "walk_compliance_pct", "steps", "reasons",
    ]  # fmt: skip
    assert list(doc["steps"][0])[:5] == ["index", "kind", "prescribed_s", "matched_s", "verdict"]
    assert doc["steps"][7]["verdict"] == "short"
    assert doc["steps"][7]["label"] == "run 4 of 10"
    assert doc["steps"][0]["start"] == "2026-01-05T07:00:00+00:00"
    assert doc["verdicts"]["short"] == 1
    json.dumps(doc, allow_nan=False)
    frame = result.steps_frame()
    assert len(frame) == 22
    assert str(frame["start"].dtype) == "datetime64[ns, UTC]"


def test_methods_text_follows_the_parameters():
    text = compliance_methods()
    assert "harmonic mean" in text
    assert "at least 80 %" in text
    assert "0.5 s for every second" in text
    custom = compliance_methods(ComplianceParams(done_pct=90.0, stretch_cost=0.25))
    assert "at least 90 %" in custom
    assert "0.25 s for every second" in custom
    assert "prescribed clock" in compliance_methods(method="fixed")
    result = comply(table(("walk", 60)), [("walk", 60)])
    assert result.methods_text == compliance_methods()


def test_walk_only_session_scores_walk_compliance():
    result = comply(table(("walk", 45), ("stop", 15)), [("walk", 60)])
    assert result.run_compliance_pct is None
    assert result.score == pytest.approx(75.0)


def test_intensity_targets_from_the_activity():
    targeted = Session(
        id="HR",
        steps=(
            Step("walk", 120.0),
            Step("run", 120.0, targets=Targets(hr_bpm=(60, 250), pace_s_per_km=(60.0, 1000.0))),
            Step("walk", 120.0),
        ),
    )
    sim = simulate_session(targeted.to_plan(), random_state=1)
    result = comply(sim.activity, targeted, segmentation=sim.truth_intervals)
    run = result.steps[1]
    assert run.hr_in_range_pct == pytest.approx(100.0)
    assert run.pace_in_range_pct is not None and run.pace_in_range_pct > 90
    assert result.intensity_compliance_pct is not None and result.intensity_compliance_pct > 90
    assert result.steps[0].hr_in_range_pct is None
    narrow = Session(
        id="HR2",
        steps=(
            Step("walk", 120.0),
            Step("run", 120.0, targets=Targets(hr_bpm=(30, 40))),
            Step("walk", 120.0),
        ),
    )
    low = comply(sim.activity, narrow, segmentation=sim.truth_intervals)
    assert low.intensity_compliance_pct == 0.0
    assert "intensity targets met 0% of the time" in low.reasons
    assert "run: HR in range 0% of the time" in low.reasons
    assert low.score == result.score  # intensity is reported, not scored


def test_intensity_from_interval_means_without_activity():
    targeted = [("walk", 60.0)]
    frame = table(("walk", 60)).assign(mean_heart_rate_bpm=100.0, mean_speed_mps=1.4)
    s = Session(id="w", steps=(Step("walk", 60.0, targets=Targets(hr_bpm=(90, 110))),))
    result = comply(frame, s)
    assert result.steps[0].hr_in_range_pct == 100.0
    assert comply(frame, targeted).intensity_compliance_pct is None


def test_builtin_sessions_accept_program_sessions_and_plans():
    plan = session("couch-to-5k:W1S1")
    sim = simulate_session(plan.to_plan(), random_state=3)
    by_session = comply(sim.truth_intervals, plan)
    by_plan = comply(sim.truth_intervals, plan.to_plan())
    assert by_session.score == by_plan.score == 100.0
    assert by_session.session_id == "W1S1"
    assert by_session.steps[1].label == "run 1 of 8"
    assert math.isnan(by_session.run_distance_m)  # intervals alone carry no distance
    with_activity = comply(sim.activity, plan, segmentation=sim.truth_intervals)
    assert with_activity.score == 100.0
    assert 100 < with_activity.run_distance_m < 8 * 60 * 4


def test_best_session_breaks_ties_by_closest_totals():
    program = load_program("couch-to-5k")
    session_id, result = best_session(table(("run", 40 * 60)), program)
    assert session_id == "W9S1"  # every session scores 0 (no walking): W9 is the closest
    assert result.score == 0.0
    assert "warm-up skipped: ran through" in result.reasons
