"""best_session skips sessions that cannot win and shares work between them: same answer."""

from __future__ import annotations

import numpy as np
import pytest

from stridecheck.compliance import ComplianceParams, best_session, comply
from stridecheck.compliance.align import AlignContext, align_steps
from stridecheck.compliance.session import _distinct_sessions
from stridecheck.programs import load_program
from stridecheck.simulate import simulate_session


def _exhaustive(intervals: object, program_name: str) -> tuple[str, dict[str, object]]:
    """Score every distinct session; the best score, then closest totals, then the first."""
    program = load_program(program_name)
    candidates = _distinct_sessions(program.sessions)
    results = [comply(intervals, s) for s in candidates]
    run_s, walk_s = results[0].run_s, results[0].walk_s
    ranks = []
    for i, (session, result) in enumerate(zip(candidates, results, strict=True)):
        misfit = abs(run_s - session.time_in("run")) + abs(walk_s - session.time_in("walk"))
        ranks.append((result.score, -misfit, -i))
    best = max(range(len(candidates)), key=lambda i: ranks[i])
    return candidates[best].id, results[best].to_dict()


@pytest.mark.parametrize(
    ("program_name", "session_id", "seed", "scale"),
    [
        ("asteroid-12wk", "W2S3", 1, 1.0),
        ("asteroid-12wk", "W7S1", 2, 1.0),
        ("asteroid-12wk", "W4S2", 3, 1.6),  # ran more than any session prescribes
        ("asteroid-12wk", "W10S1", 4, 0.5),  # cut short
        ("couch-to-5k", "W3S1", 5, 1.0),
    ],
)
def test_best_session_is_the_exhaustive_best(
    program_name: str, session_id: str, seed: int, scale: float
) -> None:
    program = load_program(program_name)
    plan = [(kind, seconds * scale) for kind, seconds in program.session(session_id).to_plan()]
    sim = simulate_session(plan, random_state=seed)
    found_id, found = best_session(sim.truth_intervals, program)
    expected_id, expected = _exhaustive(sim.truth_intervals, program_name)
    assert found_id == expected_id
    assert found.to_dict() == expected


def test_shared_context_gives_the_same_alignment() -> None:
    rng = np.random.default_rng(3)
    kinds = rng.choice([0, 1], size=900, p=[0.4, 0.6])
    cumulative = {
        code: np.concatenate([[0], np.cumsum(kinds == code)]).astype(np.intp) for code in (0, 1)
    }
    params = ComplianceParams()
    context = AlignContext(cumulative, params.stretch_cost)
    for plan in ([0, 1, 0, 1, 0], [1, 0, 1], [0, 1, 0, 1, 0, 1, 0]):
        step_kinds = np.array(plan, dtype=np.intp)
        step_s = rng.integers(20, 200, size=len(plan)).astype(np.intp)
        args = (step_kinds, step_s, cumulative)
        options = {"stretch_cost": params.stretch_cost, "max_stretch_s": params.max_stretch_s}
        alone = align_steps(*args, **options)
        shared = align_steps(*args, **options, context=context)
        assert np.array_equal(alone.bounds, shared.bounds)
        assert alone.objective == shared.objective
        assert alone.reached == shared.reached
    # a context built for other counts is not used
    other = AlignContext({0: cumulative[0][:100], 1: cumulative[1][:100]}, params.stretch_cost)
    step_kinds = np.array([0, 1], dtype=np.intp)
    step_s = np.array([60, 60], dtype=np.intp)
    options = {"stretch_cost": params.stretch_cost, "max_stretch_s": params.max_stretch_s}
    assert np.array_equal(
        align_steps(step_kinds, step_s, cumulative, **options, context=other).bounds,
        align_steps(step_kinds, step_s, cumulative, **options).bounds,
    )
