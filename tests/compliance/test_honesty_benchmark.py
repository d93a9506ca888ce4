"""The honesty benchmark's per-stratum tables: pooled per cell, the worst cell named."""

from __future__ import annotations

import pytest

from conftest import load_benchmark

bench = load_benchmark("compliance_honesty")


def _outcome(signal, sensors, gait, *, done, not_done, fa, fc, unc, right):
    steps = done + not_done
    pairs = [(0.95, True)] * done + [(0.05, False)] * not_done
    return bench.Outcome(
        strata={"signal": signal, "sensors": sensors, "gait_type": gait},
        done_steps=done,
        not_done_steps=not_done,
        steps=steps,
        false_accusations={"with": fa},
        false_credits={"with": fc},
        uncertain={"with": unc},
        category_right={"with": right},
        calibration={"with": pairs},
        seconds=0.0,
    )


@pytest.fixture
def outcomes():
    return [
        # watch x novice: two people, pooled 1 false accusation in 200 done steps (0.5 %)
        _outcome(
            "cadence", "watch", "novice", done=100, not_done=0, fa=1, fc=0, unc=0, right=True
        ),
        _outcome(
            "cadence", "watch", "novice", done=100, not_done=10, fa=0, fc=0, unc=1, right=True
        ),
        # phone x slow jogger: 1 false credit in 20 steps not done (5 %), uncertain not counted
        _outcome(
            "gps_only",
            "phone_gpx",
            "slow_jogger",
            done=40,
            not_done=20,
            fa=0,
            fc=1,
            unc=30,
            right=False,
        ),
        # watch x shuffle: wrong category in one of two sessions, 3 of 50 steps uncertain
        _outcome(
            "cadence", "watch", "shuffle", done=25, not_done=0, fa=0, fc=0, unc=3, right=True
        ),
        _outcome(
            "cadence", "watch", "shuffle", done=25, not_done=0, fa=0, fc=0, unc=0, right=False
        ),
    ]


def test_cells_pool_steps_and_count_cadence_targets_on_cadence_files(outcomes):
    cells = {c.name: c for c in bench.stratify(outcomes, ("sensors", "gait_type"), "with")}
    assert set(cells) == {"watch x novice", "phone_gpx x slow_jogger", "watch x shuffle"}
    fa, fc, unc, cat, _ = (t.name for t in bench.TARGETS)
    assert cells["watch x novice"].values[fa][:3] == (0.005, 1, 200)
    assert cells["phone_gpx x slow_jogger"].values[fc][0] == pytest.approx(0.05)
    # GPS-only files have no uncertain / category target: no value
    assert cells["phone_gpx x slow_jogger"].values[unc][2] == 0
    assert cells["watch x shuffle"].values[unc][0] == pytest.approx(0.06)
    assert cells["watch x shuffle"].values[cat][0] == pytest.approx(0.5)


def test_worst_cell_is_named_with_how_many_cells_hold(outcomes):
    worst = bench.worst_cells(bench.stratify(outcomes, ("sensors", "gait_type"), "with"))
    fa, fc, unc, cat, _ = (t.name for t in bench.TARGETS)
    cell, held, total = worst[fc]
    # the shuffle cell has no step not done: no false-credit rate to hold
    assert cell.name == "phone_gpx x slow_jogger" and (held, total) == (1, 2)
    cell, held, total = worst[unc]
    # only the two cadence cells count; the shuffle cell misses 2 %
    assert cell.name == "watch x shuffle" and (held, total) == (1, 2)
    cell, held, total = worst[cat]
    assert cell.name == "watch x shuffle" and (held, total) == (1, 2)
    assert worst[fa][1:] == (3, 3)


def test_a_mixed_stratum_counts_its_cadence_files(outcomes):
    cells = {c.name: c for c in bench.stratify(outcomes, ("gait_type",), "with")}
    cat = bench.TARGETS[3].name
    assert cells["slow_jogger"].values[cat][2] == 0
    report = bench.stratum_report(outcomes, "with")
    assert "worst stratum by sensors x gait_type" in report
    assert "phone_gpx x slow_jogger" in report
    assert "held in 1 of 2" in report
