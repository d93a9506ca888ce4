"""The scanned Viterbi decoder against a plain loop."""

from __future__ import annotations

import numpy as np
import pytest

from stridecheck.segment.viterbi import viterbi_decode


def reference(evidence: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, float]:
    n, s = evidence.shape
    delta = evidence[0].copy()
    back = np.zeros((n, s), dtype=int)
    for t in range(1, n):
        cand = delta[:, None] - cost[t - 1]
        back[t] = cand.argmax(axis=0)
        delta = cand.max(axis=0) + evidence[t]
    path = np.zeros(n, dtype=int)
    path[-1] = int(delta.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t][path[t]]
    return path, float(delta.max())


@pytest.mark.parametrize("seed", range(12))
def test_matches_the_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400)) if seed < 8 else int(rng.integers(400, 1500))
    states = int(rng.integers(2, 5))
    evidence = rng.normal(size=(n, states)) * 2
    cost = np.abs(rng.normal(size=(n - 1, states, states))) * 3
    for k in range(states):
        cost[:, k, k] = 0.0
    result = viterbi_decode(evidence, cost)
    path, score = reference(evidence, cost)
    assert result.score == pytest.approx(score)
    np.testing.assert_array_equal(result.states, path)
    assert (result.margin >= 0).all()
    # the path alone (no margins) is the same path
    quick = viterbi_decode(evidence, cost, with_margin=False)
    np.testing.assert_array_equal(quick.states, path)
    assert quick.score == pytest.approx(score)
    assert not quick.margin.any()


def test_margins_are_max_marginals() -> None:
    """The margin at a sample is the loss of the best path forced through another state."""
    rng = np.random.default_rng(0)
    evidence = rng.normal(size=(30, 3))
    cost = np.full((3, 3), 1.5)
    np.fill_diagonal(cost, 0.0)
    result = viterbi_decode(evidence, cost)
    t = 12
    big = 1e6
    forced = []
    for k in range(3):
        if k == result.states[t]:
            continue
        ev = evidence.copy()
        ev[t] -= big
        ev[t, k] += big
        forced.append(viterbi_decode(ev, cost).score)
    assert result.margin[t] == pytest.approx(result.score - max(forced), abs=1e-6)


def test_edge_sizes() -> None:
    assert len(viterbi_decode(np.zeros((0, 3)), np.zeros((3, 3))).states) == 0
    one = viterbi_decode(np.array([[0.0, 2.0, 1.0]]), np.zeros((3, 3)))
    assert one.states.tolist() == [1]
    assert one.margin[0] == pytest.approx(1.0)
