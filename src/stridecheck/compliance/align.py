"""Align prescribed steps to what was done: dynamic programming on a 1 s grid.

Each prescribed step ``i`` (kind ``k_i``, duration ``p_i``) gets a window
``[b_i, b_{i+1})`` of active seconds; the windows follow each other without gaps
and in order. Time before the first window (a late start) and after the last
one is left out at no cost. The alignment maximises

    sum_i  min(M_i, p_i)  -  c * | (b_{i+1} - b_i) - p_i |

where ``M_i`` is the number of seconds of kind ``k_i`` inside the window and
``c`` the stretch cost (0 < c < 1). Credit is capped at the prescription, so a
window never grows to collect more than its step asked for; it grows or
shrinks (paying ``c`` per second) only where that lets it, or the steps after
it, catch up with what was done: a late start, an extra walk break, a person
without a timer drifting off the prescribed clock. A step that was not done
keeps its prescribed length and scores nothing. When the recording ends
early, the remaining steps are left *not reached* (empty windows at the end)
at 5 % of the cost of squeezing them, so it never pays to skip a step in the
middle of a repeated block to "reach" one more at the end, nor to squeeze one
to collect a stray second.

Window lengths are searched in ``[0, p_i + max(p_i, max_stretch_s)]``; the
work is ``O(sum_i W_i * T)`` for ``T`` active seconds, vectorised over ``T``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

__all__ = ["Alignment", "align_steps", "fixed_alignment"]

IntArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]

#: Tiny cost per second of leading time, so ties start a session as early as possible.
_LEAD_EPS = 1e-6
#: Cost of a step left unreached at the end, as a share of squeezing it to nothing.
_END_FACTOR = 0.05
#: Extra cost per second of squeezing step i, times (n - i) / n (tie-breaking only).
_ORDER_EPS = 1e-7
#: Cells (window lengths x end seconds) evaluated at once: bounds the working memory.
_BLOCK_CELLS = 1 << 21


@dataclass(frozen=True)
class Alignment:
    """Windows of the steps on the active timeline.

    Attributes
    ----------
    bounds
        ``n + 1`` boundaries in active seconds: step ``i`` is ``[bounds[i], bounds[i+1])``.
    objective
        Value of the objective at the optimum (credited seconds less stretch costs).
    reached
        Number of steps aligned; steps from this index on were not reached (the
        recording ended) and have empty windows at the end of the last one.
    """

    bounds: IntArray
    objective: float
    reached: int


def align_steps(
    step_kinds: IntArray,
    step_s: IntArray,
    cumulative: dict[int, IntArray],
    *,
    stretch_cost: float,
    max_stretch_s: int,
) -> Alignment:
    """Find the step windows that maximise the objective (see module docs).

    Parameters
    ----------
    step_kinds
        Kind code of each prescribed step.
    step_s
        Prescribed duration of each step, whole seconds >= 0. [s]
    cumulative
        For each kind code used by the steps, the number of active seconds of
        that kind before each second (length ``T + 1``, from
        :meth:`ActiveTimeline.cumulative`).
    stretch_cost
        Cost per second of window length away from the prescription, in
        credited seconds (0 < c < 1).
    max_stretch_s
        A window may grow by ``max(p_i, max_stretch_s)`` at most. [s]

    Returns
    -------
    Alignment
    """
    n = len(step_kinds)
    total = 0 if not cumulative else len(next(iter(cumulative.values()))) - 1
    grid = np.arange(total + 1, dtype=np.intp)
    value = -_LEAD_EPS * grid.astype(float)
    choice = np.zeros((n, total + 1), dtype=np.intp)
    # steps i.. not reached (the recording ended) cost a twentieth of squeezing them, so
    # a recording that ends early never pays for skipping steps in the middle
    unreached = (
        _END_FACTOR
        * stretch_cost
        * np.concatenate([np.cumsum(np.asarray(step_s, dtype=float)[::-1])[::-1], [0.0]])
    )
    stop_step, stop_at = 0, int(np.argmax(value))
    stop_value = float(value[stop_at]) - float(unreached[0])
    for i in range(n):
        p = int(step_s[i])
        # squeezing an earlier step costs a hair more: ties drop the later steps
        shrink_cost = stretch_cost + _ORDER_EPS * (n - i) / n
        cum = cumulative[int(step_kinds[i])].astype(float)
        widest = min(total, p + max(p, max_stretch_s))
        best = value - shrink_cost * p  # window length d = 0
        arg = np.zeros(total + 1, dtype=np.intp)
        # row r of a view holds x[t - (widest - r)] for t = 0..T (-inf / 0 before the start)
        value_rows = sliding_window_view(
            np.concatenate([np.full(widest, -np.inf), value]), total + 1
        )
        cum_rows = sliding_window_view(np.concatenate([np.zeros(widest), cum]), total + 1)
        block = max(8, _BLOCK_CELLS // (total + 1))
        for first in range(1, widest + 1, block):
            lengths = np.arange(first, min(widest, first + block - 1) + 1, dtype=np.intp)
            rows = widest - lengths
            penalty = np.where(lengths > p, stretch_cost, shrink_cost) * np.abs(lengths - p)
            cand = value_rows[rows] + np.minimum(cum[None, :] - cum_rows[rows], p)
            cand -= penalty[:, None]
            top = np.argmax(cand, axis=0)
            top_value = cand[top, grid]
            better = top_value > best
            best = np.where(better, top_value, best)
            arg = np.where(better, lengths[top], arg)
        value = best
        choice[i] = arg
        at = int(np.argmax(value))
        if float(value[at]) - float(unreached[i + 1]) >= stop_value:
            stop_step, stop_at = i + 1, at
            stop_value = float(value[at]) - float(unreached[i + 1])
    bounds = np.full(n + 1, stop_at, dtype=np.intp)
    for i in range(stop_step - 1, -1, -1):
        bounds[i] = bounds[i + 1] - choice[i, bounds[i + 1]]
    return Alignment(bounds=bounds, objective=stop_value, reached=stop_step)


def fixed_alignment(step_s: IntArray, start: int, total: int) -> Alignment:
    """Windows at the prescribed times from ``start``, cut at the end of the data.

    The baseline the dynamic programme is compared with (``method="fixed"``).
    """
    edges = np.concatenate([[0], np.cumsum(step_s)]).astype(np.intp) + start
    return Alignment(bounds=np.minimum(edges, total), objective=float("nan"), reached=len(step_s))
