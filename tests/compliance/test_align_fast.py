"""The fast alignment against the exact reference (every window length at every end second)."""

from __future__ import annotations

import numpy as np
import pytest

from stridecheck.compliance import comply
from stridecheck.compliance.align import (
    _END_FACTOR,
    _LEAD_EPS,
    _ORDER_EPS,
    Alignment,
    _align_steps_dense,
    align_steps,
)

from .helpers import table

WALK, RUN, STOP, UNKNOWN = 0, 1, 2, 3


def cumulative_of(kinds: np.ndarray) -> dict[int, np.ndarray]:
    out = {}
    for code in (WALK, RUN):
        cum = np.zeros(len(kinds) + 1, dtype=np.intp)
        np.cumsum(kinds == code, out=cum[1:])
        out[code] = cum
    return out


def objective_of(
    alignment: Alignment,
    kinds: np.ndarray,
    step_s: np.ndarray,
    cumulative: dict[int, np.ndarray],
    stretch_cost: float,
) -> float:
    """The objective of given windows, computed from the definition (module docs)."""
    n = len(step_s)
    bounds = alignment.bounds
    value = -_LEAD_EPS * float(bounds[0])
    for i in range(alignment.reached):
        a, b, p = int(bounds[i]), int(bounds[i + 1]), int(step_s[i])
        d = b - a
        matched = int(cumulative[int(kinds[i])][b] - cumulative[int(kinds[i])][a])
        shrink = stretch_cost + _ORDER_EPS * (n - i) / n
        value += min(matched, p) - (stretch_cost if d > p else shrink) * abs(d - p)
    value -= _END_FACTOR * stretch_cost * float(np.sum(step_s[alignment.reached :]))
    return value


def random_case(
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, int]:
    """A plan, and a timeline that follows it loosely (drift, gaps, other kinds, early end)."""
    n = int(rng.integers(1, 14))
    kinds = rng.integers(0, 2, n).astype(np.intp)
    step_s = rng.integers(0 if rng.random() < 0.2 else 1, 100, n).astype(np.intp)
    bouts = []
    if rng.random() < 0.3:
        bouts.append(np.full(int(rng.integers(0, 80)), STOP))
    for kind, seconds in zip(kinds, step_s, strict=True):
        length = max(0, int(seconds) + int(rng.integers(-25, 26)))
        done = kind if rng.random() > 0.2 else int(rng.integers(0, 4))
        bouts.append(np.full(length, done))
        if rng.random() < 0.15:
            bouts.append(np.full(int(rng.integers(1, 40)), int(rng.integers(0, 4))))
    timeline = np.concatenate([*bouts, np.zeros(0)]).astype(np.intp)
    if rng.random() < 0.2:
        timeline = timeline[: int(rng.integers(0, len(timeline) + 1))]
    stretch_cost = float(rng.choice([0.1, 0.3, 0.5, 0.9]))
    max_stretch_s = int(rng.choice([0, 5, 30, 120]))
    return kinds, step_s, timeline, stretch_cost, max_stretch_s


@pytest.mark.parametrize("seed", range(12))
def test_fast_alignment_reaches_the_exact_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(40):
        kinds, step_s, timeline, cost, stretch = random_case(rng)
        cumulative = cumulative_of(timeline)
        fast = align_steps(kinds, step_s, cumulative, stretch_cost=cost, max_stretch_s=stretch)
        exact = _align_steps_dense(
            kinds, step_s, cumulative, stretch_cost=cost, max_stretch_s=stretch
        )
        assert fast.objective == pytest.approx(exact.objective, abs=1e-9)
        # the windows it returns really score the optimum (not only the number)
        assert objective_of(fast, kinds, step_s, cumulative, cost) == pytest.approx(
            exact.objective, abs=1e-9
        )
        bounds = fast.bounds
        assert len(bounds) == len(step_s) + 1
        assert bounds[0] >= 0 and bounds[-1] <= len(timeline)
        assert np.all(np.diff(bounds) >= 0)
        widest = np.minimum(len(timeline), step_s + np.maximum(step_s, stretch))
        assert np.all(np.diff(bounds) <= widest)
        assert np.all(bounds[fast.reached :] == bounds[fast.reached])


def test_fast_alignment_matches_the_reference_windows_without_ties() -> None:
    # a session done a little differently from the plan: one best alignment
    plan_kinds = np.array([WALK, RUN, WALK, RUN, WALK], dtype=np.intp)
    plan_s = np.array([300, 60, 90, 60, 300], dtype=np.intp)
    done = np.concatenate(
        [
            np.full(20, STOP),
            np.full(290, WALK),
            np.full(70, RUN),
            np.full(85, WALK),
            np.full(40, RUN),
            np.full(15, STOP),
            np.full(200, WALK),
        ]
    ).astype(np.intp)
    cumulative = cumulative_of(done)
    fast = align_steps(plan_kinds, plan_s, cumulative, stretch_cost=0.5, max_stretch_s=120)
    exact = _align_steps_dense(plan_kinds, plan_s, cumulative, stretch_cost=0.5, max_stretch_s=120)
    assert fast.bounds.tolist() == exact.bounds.tolist()
    assert fast.reached == exact.reached
    assert fast.objective == pytest.approx(exact.objective, abs=1e-9)


def test_equally_good_windows_are_chosen_the_same_way_every_time() -> None:
    # every bout 10 s long: stretching any of the first three steps costs the same; the
    # shortest windows traced from the end are taken, so the windows follow the bouts
    plan = [("walk", 60), ("run", 60), ("walk", 60), ("run", 60), ("walk", 60)]
    done = [(kind, seconds + 10) for kind, seconds in plan]
    result = comply(table(*done), plan)
    assert result.late_start_s == 10.0
    assert [s.window_s for s in result.steps] == [70.0, 70.0, 70.0, 60.0, 60.0]


@pytest.mark.parametrize(
    ("timeline", "step_s"),
    [
        (np.zeros(0, dtype=np.intp), np.array([30, 30])),  # nothing recorded
        (np.full(10, RUN, dtype=np.intp), np.array([60, 60])),  # shorter than one step
        (np.full(50, WALK, dtype=np.intp), np.array([0, 20, 0])),  # zero-length steps
        (np.full(300, UNKNOWN, dtype=np.intp), np.array([60, 60])),  # nothing usable
    ],
)
def test_edge_cases_match_the_reference(timeline: np.ndarray, step_s: np.ndarray) -> None:
    kinds = np.array([WALK, RUN, WALK][: len(step_s)], dtype=np.intp)
    cumulative = cumulative_of(timeline)
    for stretch in (0, 120):
        fast = align_steps(kinds, step_s, cumulative, stretch_cost=0.5, max_stretch_s=stretch)
        exact = _align_steps_dense(
            kinds, step_s, cumulative, stretch_cost=0.5, max_stretch_s=stretch
        )
        assert fast.objective == pytest.approx(exact.objective, abs=1e-9)
        assert fast.reached == exact.reached
        assert fast.bounds.tolist() == exact.bounds.tolist()


def test_long_session_is_aligned_like_the_reference() -> None:
    # a 40-minute run-walk session, drifting: the size the importer sees
    rng = np.random.default_rng(7)
    kinds = np.array([WALK] + [RUN, WALK] * 20 + [WALK], dtype=np.intp)
    step_s = np.array([300] + [30, 60] * 20 + [300], dtype=np.intp)
    bouts = [
        np.full(int(s) + int(rng.integers(-8, 9)), k) for k, s in zip(kinds, step_s, strict=True)
    ]
    timeline = np.concatenate(bouts).astype(np.intp)
    cumulative = cumulative_of(timeline)
    fast = align_steps(kinds, step_s, cumulative, stretch_cost=0.5, max_stretch_s=120)
    exact = _align_steps_dense(kinds, step_s, cumulative, stretch_cost=0.5, max_stretch_s=120)
    assert fast.objective == pytest.approx(exact.objective, abs=1e-9)
    assert objective_of(fast, kinds, step_s, cumulative, 0.5) == pytest.approx(
        exact.objective, abs=1e-9
    )
