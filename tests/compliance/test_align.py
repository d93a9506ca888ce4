"""Dynamic-programming alignment on hand-made interval tables."""

from __future__ import annotations

import numpy as np
import pytest

from stridecheck.compliance import comply
from stridecheck.compliance.align import align_steps, fixed_alignment

from .helpers import table

PLAN = [("walk", 60), ("run", 60), ("walk", 60), ("run", 60), ("walk", 60)]


def verdicts(result):
    return [s.verdict for s in result.steps]


def test_done_as_prescribed_matches_exactly():
    result = comply(table(*PLAN), PLAN)
    assert result.score == 100.0
    assert verdicts(result) == ["done"] * 5
    assert [s.start_offset_s for s in result.steps] == [0.0] * 5
    assert result.reasons == ["done as prescribed"]


def test_late_start_is_skipped_not_penalised():
    result = comply(table(("stop", 150), *PLAN), PLAN)
    assert result.score == 100.0
    assert result.late_start_s == 150.0
    assert result.steps[0].start == result.steps[0].start.floor("s")
    assert (result.steps[0].start - table(("stop", 150)).loc[0, "start"]).total_seconds() == 150
    assert result.reasons[0] == "started 2:30 min late (standing still)"


def test_leading_walk_before_warm_up_is_a_late_start():
    result = comply(table(("walk", 100), *PLAN), PLAN)
    assert result.score == 100.0
    assert result.late_start_s == 100.0


def test_missed_bout_walked():
    done = [("walk", 60), ("run", 60), ("walk", 180)]
    result = comply(table(*done), PLAN)
    assert verdicts(result) == ["done", "done", "done", "wrong_kind", "done"]
    assert result.run_compliance_pct == pytest.approx(50.0)
    assert result.walk_compliance_pct == pytest.approx(100.0)
    assert "run 2 walked instead" not in result.reasons  # labels come from the plan
    assert any("walked instead" in r for r in result.reasons)


def test_missed_bout_standing_still():
    done = [("walk", 60), ("run", 60), ("walk", 60), ("stop", 60), ("walk", 60)]
    result = comply(table(*done), PLAN)
    assert result.steps[3].verdict == "missed"
    assert result.steps[3].stop_s == 60.0
    assert "run missed (standing still)" in result.reasons


def test_extra_walk_break_stretches_the_run_window():
    plan = [("walk", 60), ("run", 180), ("walk", 60)]
    done = [("walk", 60), ("run", 90), ("walk", 30), ("run", 90), ("walk", 60)]
    result = comply(table(*done), plan)
    assert verdicts(result) == ["done", "done", "done"]
    run = result.steps[1]
    assert run.matched_s == 180.0
    assert run.window_s == 210.0
    assert run.other_s == 30.0
    assert result.steps[2].start_offset_s == 30.0
    assert result.score == 100.0
    assert "run: extra walk break of 30 s" in result.reasons


def test_merged_bouts_ran_through_the_walk():
    done = [("walk", 60), ("run", 180), ("walk", 60)]
    result = comply(table(*done), PLAN)
    assert verdicts(result) == ["done", "done", "wrong_kind", "done", "done"]
    assert result.walk_break_compliance_pct == 0.0
    assert "walk skipped: ran through" in result.reasons


def test_timer_pause_is_excluded():
    done = [("walk", 60), ("run", 30), ("paused", 120), ("run", 30), *PLAN[2:]]
    result = comply(table(*done), PLAN)
    assert result.score == 100.0
    assert result.paused_s == 120.0
    assert result.active_s == 300.0
    run = result.steps[1]
    assert run.window_s == 60.0
    assert (run.end - run.start).total_seconds() == 180.0  # wall clock, pause inside
    assert "timer paused 2 min in total (left out)" in result.reasons


def test_drift_without_a_timer_is_followed():
    # every bout 10 s longer than prescribed: the alignment follows the drift
    done = [(k, s + 10) for k, s in PLAN]
    result = comply(table(*done), PLAN)
    assert verdicts(result) == ["done"] * 5
    assert result.score == 100.0
    assert 30.0 <= result.steps[4].start_offset_s + result.late_start_s - 10.0 <= 40.0
    fixed = comply(table(*done), PLAN, method="fixed")
    assert fixed.score < result.score


def test_stopped_early_leaves_steps_not_reached():
    done = [("walk", 60), ("run", 60), ("walk", 20)]
    result = comply(table(*done), PLAN)
    assert verdicts(result) == ["done", "done", "short", "not_reached", "not_reached"]
    assert result.reasons[0] == "stopped after 2 of 5 minutes"
    # the step the recording ended in is not reported on its own
    assert not any("cut short" in r for r in result.reasons)


def test_stopped_early_in_a_periodic_block_keeps_steps_in_order():
    plan = [("walk", 300)] + [("run", 15), ("walk", 45)] * 20 + [("walk", 300)]
    done = [("walk", 300)] + [("run", 16), ("walk", 44)] * 7 + [("run", 16), ("walk", 14)]
    result = comply(table(*done), plan)
    reached = [s.verdict for s in result.steps[:16]]
    assert reached == ["done"] * 16
    assert {s.verdict for s in result.steps[17:]} == {"not_reached"}


def test_unknown_and_gaps_are_not_credited():
    done = [("walk", 60), ("unknown", 60), ("walk", 180)]
    result = comply(table(*done), PLAN)
    assert result.steps[1].verdict == "missed"
    assert result.steps[1].unknown_s == 60.0
    assert "run missed (no usable data)" in result.reasons


def test_align_steps_directly():
    kinds = np.array([0] * 10 + [1] * 5 + [0] * 10, dtype=np.intp)
    cumulative = {}
    for code in (0, 1):
        c = np.zeros(len(kinds) + 1, dtype=np.intp)
        np.cumsum(kinds == code, out=c[1:])
        cumulative[code] = c
    result = align_steps(
        np.array([0, 1, 0]), np.array([10, 5, 10]), cumulative, stretch_cost=0.5, max_stretch_s=5
    )
    assert result.bounds.tolist() == [0, 10, 15, 25]
    assert result.objective == pytest.approx(25.0, abs=1e-3)


def test_fixed_alignment_cuts_at_the_end():
    result = fixed_alignment(np.array([10, 10, 10]), start=5, total=20)
    assert result.bounds.tolist() == [5, 15, 20, 20]


def test_method_aliases_and_errors():
    assert comply(table(*PLAN), PLAN, method="DYNAMIC").method == "dp"
    assert comply(table(*PLAN), PLAN, method="clock").method == "fixed"
    with pytest.raises(ValueError, match="not found"):
        comply(table(*PLAN), PLAN, method="magic")
    with pytest.raises(ValueError, match="run"):
        comply(table(*PLAN), [("swim", 60)])
    with pytest.raises(ValueError, match="no steps"):
        comply(table(*PLAN), [])
    with pytest.raises(TypeError):
        comply(42, PLAN)
    with pytest.raises(ValueError, match="lacks"):
        comply(table(*PLAN).drop(columns=["end"]), PLAN)


def test_empty_interval_table_scores_zero():
    result = comply(table(), PLAN)
    assert result.score == 0.0
    assert result.category == "not_completed"
