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

Window lengths are searched in ``[0, p_i + max(p_i, max_stretch_s)]``.

**How it is computed.** With ``V_i(t)`` the best value of steps ``0..i-1``
ending at active second ``t``, step ``i`` ending at ``t`` after a window starting
at ``s`` adds ``min(C(t) - C(s), p) - pen(t - s)`` (``C`` the cumulative count of
the step's kind, ``pen`` the piecewise linear stretch cost). A window no longer
than ``p`` cannot hold more than ``p`` seconds, so there the credit is
``C(t) - C(s)``. Longer windows split at ``s*(t)``, the latest start whose
window holds ``p`` seconds of the kind (``C`` never decreases): at or before it
the credit is the constant ``p``, after it ``C(t) - C(s)``. With ``pen`` linear
on either side of ``p``, each of these three pieces is a function of ``s``
alone plus a function of ``t`` alone, so ``V_{i+1}(t)`` is the largest of three
range maxima, answered from sparse tables: ``O(T log W_i)`` per step instead of
the ``O(W_i T)`` of trying every window length (kept as
:func:`_align_steps_dense`, the reference the tests compare with; about 20 times
slower on a 40-minute session). Only the ``n`` windows of the optimum are then
traced back, by trying every length at those ``n`` end seconds. Both reach the
same optimum. Where several alignments are exactly as good, objective values
closer than :data:`_TIE` count as equal and the shortest windows traced from the
end are taken, so rounding never decides between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

__all__ = ["AlignContext", "Alignment", "align_steps", "fixed_alignment"]

IntArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]

#: Tiny cost per second of leading time, so ties start a session as early as possible.
_LEAD_EPS = 1e-6
#: Cost of a step left unreached at the end, as a share of squeezing it to nothing.
_END_FACTOR = 0.05
#: Extra cost per second of squeezing step i, times (n - i) / n (tie-breaking only).
_ORDER_EPS = 1e-7
#: Objective values closer than this are taken as equal: below the tie-breaking costs
#: above (the least, 1e-7 / n per second, for sessions of fewer than 1000 steps), far
#: above rounding (~1e-12 for a day of seconds). Among equally good windows the
#: shortest, traced from the end, is taken, so rounding never decides between them.
_TIE = 1e-10
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


@dataclass(frozen=True)
class _Kind:
    """Cumulative count of one kind on the timeline, and where each of its seconds is."""

    cum: FloatArray
    cum_int: IntArray
    #: position of the k-th second of the kind (from 0), then ``T`` for "past the last"
    seconds_at: IntArray

    @classmethod
    def of(cls, cumulative: IntArray) -> _Kind:
        cum_int = np.asarray(cumulative, dtype=np.intp)
        seconds_at = np.append(np.flatnonzero(np.diff(cum_int)), len(cum_int) - 1)
        return cls(cum=cum_int.astype(float), cum_int=cum_int, seconds_at=seconds_at)

    def latest_full(self, p: int, grid: IntArray) -> IntArray:
        """``s*(t)``: the latest ``s <= t`` with ``p`` seconds of the kind in ``[s, t)``, else -1.

        ``grid`` is ``0..T``.
        """
        need = self.cum_int - p  # never more than the seconds of the kind
        found = self.seconds_at[np.maximum(need, 0)]
        return np.where(need >= 0, np.minimum(found, grid), -1)


@dataclass(frozen=True)
class _Costs:
    """What scoring one step needs: its kind and its stretch costs."""

    kind: _Kind
    p: int
    widest: int
    stretch: float
    shrink: float


def _step_costs(
    i: int,
    step_kinds: IntArray,
    step_s: IntArray,
    kinds: dict[int, _Kind],
    *,
    total: int,
    stretch_cost: float,
    max_stretch_s: int,
) -> _Costs:
    n = len(step_kinds)
    p = int(step_s[i])
    return _Costs(
        kind=kinds[int(step_kinds[i])],
        p=p,
        widest=min(total, p + max(p, max_stretch_s)),
        stretch=stretch_cost,
        # squeezing an earlier step costs a hair more: ties drop the later steps
        shrink=stretch_cost + _ORDER_EPS * (n - i) / n,
    )


def _unreached_costs(step_s: IntArray, stretch_cost: float) -> FloatArray:
    """Cost of leaving steps ``i..`` not reached, for each ``i`` (length ``n + 1``)."""
    # a twentieth of squeezing them, so a recording that ends early never pays for
    # skipping steps in the middle
    tail = np.cumsum(np.asarray(step_s, dtype=float)[::-1])[::-1]
    return _END_FACTOR * stretch_cost * np.concatenate([tail, [0.0]])


def _floor_log2(limit: int) -> IntArray:
    """``floor(log2(k))`` for ``k = 0..limit`` (0 for ``k = 0``)."""
    out = np.zeros(limit + 1, dtype=np.intp)
    out[1:] = np.frexp(np.arange(1, limit + 1, dtype=float))[1] - 1
    return out


@dataclass(frozen=True)
class _Lookups:
    """Where to look in the sparse tables of a step, for every end second ``t``.

    Three functions of the window start ``s`` are maximised over a range of
    ``s`` each (see :func:`_next_values`). Their sparse tables are stored in
    one flat array, ``table[j, k, s] = max f_j[s..s + 2^k - 1]``, followed by
    one ``-inf`` for empty ranges; the maximum over ``[lo, hi]`` is the larger
    of the entries at ``first`` and ``second``. They depend on the step's kind,
    length and widest window only, so steps repeating a bout share them.
    """

    levels: int
    first: IntArray
    second: IntArray
    #: the terms of ``t`` of the two pieces with ``d > p`` (rows 1 and 2), shape ``(2, T + 1)``
    long_terms: FloatArray

    @classmethod
    def build(
        cls, lo: IntArray, hi: IntArray, levels: int, log2: IntArray, long_terms: FloatArray
    ) -> _Lookups:
        rows, size = lo.shape
        empty = hi < lo
        hi = np.maximum(hi, 0)
        lo = np.minimum(lo, hi)
        k = log2[hi - lo + 1]
        base = (np.arange(rows, dtype=np.intp)[:, None] * levels + k) * size
        sentinel = rows * levels * size
        first = np.where(empty, sentinel, base + lo)
        second = np.where(empty, sentinel, base + hi - np.left_shift(1, k) + 1)
        return cls(levels=levels, first=first, second=second, long_terms=long_terms)


class _Grid:
    """What every step of one alignment shares: the time grid and per-kind look-ups."""

    def __init__(self, total: int, stretch_cost: float) -> None:
        self.grid = np.arange(total + 1, dtype=np.intp)
        self.grid_f = self.grid.astype(float)
        self.stretch_grid = stretch_cost * self.grid_f
        self.log2 = _floor_log2(total + 1)
        self._lookups: dict[tuple[int, int, int], _Lookups] = {}
        self._credit_less_stretch: dict[int, FloatArray] = {}

    def credit_less_stretch(self, kind: _Kind) -> FloatArray:
        """``C(t) - c t`` for a kind."""
        key = id(kind)
        if key not in self._credit_less_stretch:
            self._credit_less_stretch[key] = kind.cum - self.stretch_grid
        return self._credit_less_stretch[key]

    def lookups(self, costs: _Costs, code: int) -> _Lookups:
        """The look-ups of a step (computed once per kind, length and widest window)."""
        p, widest = costs.p, costs.widest
        key = (code, p, widest)
        found = self._lookups.get(key)
        if found is None:
            grid = self.grid
            full = costs.kind.latest_full(p, grid)  # s*(t); -1: no window holds p seconds
            short = min(p, widest)
            lo_long = np.maximum(grid - widest, 0)
            hi_long = grid - p - 1
            lo = np.stack([np.maximum(grid - short, 0), np.maximum(lo_long, full + 1), lo_long])
            hi = np.stack([grid, hi_long, np.minimum(full, hi_long)])
            levels = max(short + 1, widest - p, 1).bit_length()
            c = costs.stretch
            long_terms = np.stack(
                [
                    self.credit_less_stretch(costs.kind) + c * p,
                    (p + c * p) - self.stretch_grid,
                ]
            )
            found = _Lookups.build(lo, hi, levels, self.log2, long_terms)
            self._lookups[key] = found
        return found


def _next_values(value: FloatArray, costs: _Costs, code: int, grid: _Grid) -> FloatArray:
    """``V_{i+1}(t) = max_d V_i(t - d) + min(M, p) - pen(d)`` by three range maxima.

    Window ``[s, t)`` of length ``d = t - s``. For ``d <= p`` the window cannot
    hold more than ``p`` seconds, so the credit is ``C(t) - C(s)`` and the cost
    ``sc (p - d)``. For ``d > p`` the cost is ``c (d - p)`` and the credit is
    ``p`` for ``s <= s*(t)``, ``C(t) - C(s)`` after it. Each of the three pieces
    is ``max_s f(s)`` over a range of ``s`` plus a term of ``t``:

    - ``d <= p``: ``f = V(s) - C(s) - sc s`` plus ``C(t) + sc t - sc p``;
    - ``d > p``, ``s > s*``: ``f = V(s) - C(s) + c s`` plus ``C(t) - c t + c p``;
    - ``d > p``, ``s <= s*``: ``f = V(s) + c s`` plus ``p + c p - c t``.
    """
    p, sc = costs.p, costs.shrink
    cum = costs.kind.cum
    look = grid.lookups(costs, code)
    size = len(value)
    flat = np.empty(3 * look.levels * size + 1)
    flat[-1] = -np.inf
    table = flat[:-1].reshape(3, look.levels, size)
    shrink_grid = sc * grid.grid_f
    credit_less = value - cum
    np.subtract(credit_less, shrink_grid, out=table[0, 0])
    np.add(credit_less, grid.stretch_grid, out=table[1, 0])
    np.add(value, grid.stretch_grid, out=table[2, 0])
    half = 1
    for k in range(1, look.levels):
        np.maximum(
            table[:, k - 1, : size - half], table[:, k - 1, half:], out=table[:, k, : size - half]
        )
        half *= 2
    best = np.maximum(flat.take(look.first), flat.take(look.second))
    best[0] += cum + shrink_grid - sc * p
    best[1:] += look.long_terms
    return np.asarray(best.max(axis=0))


def _best_length(previous: FloatArray, costs: _Costs, end: int) -> int:
    """The window length of the step ending at ``end`` (shortest of the best)."""
    lengths = np.arange(min(costs.widest, end) + 1, dtype=np.intp)
    starts = end - lengths
    p = costs.p
    credit = np.minimum(costs.kind.cum[end] - costs.kind.cum[starts], p)
    penalty = np.where(lengths > p, costs.stretch, costs.shrink) * np.abs(lengths - p)
    return _first_best(previous[starts] + credit - penalty)


def _first_best(values: FloatArray) -> int:
    """Index of the first value within :data:`_TIE` of the largest."""
    return int(np.argmax(values >= values.max() - _TIE))


class AlignContext:
    """What aligning several sessions to one timeline shares (see :func:`align_steps`).

    The per-kind cumulative counts and the look-ups of each step shape (kind,
    length, widest window) depend on the timeline and the stretch cost only, so
    scoring many candidate sessions against one activity builds them once.

    Parameters
    ----------
    cumulative
        For each kind code, the number of active seconds of that kind before
        each second (length ``T + 1``, from :meth:`ActiveTimeline.cumulative`).
    stretch_cost
        As for :func:`align_steps`.
    """

    def __init__(self, cumulative: dict[int, IntArray], stretch_cost: float) -> None:
        self.cumulative = cumulative
        self.stretch_cost = stretch_cost
        self.total = 0 if not cumulative else len(next(iter(cumulative.values()))) - 1
        self.kinds = {code: _Kind.of(values) for code, values in cumulative.items()}
        self.grid = _Grid(self.total, stretch_cost)


def align_steps(
    step_kinds: IntArray,
    step_s: IntArray,
    cumulative: dict[int, IntArray],
    *,
    stretch_cost: float,
    max_stretch_s: int,
    context: AlignContext | None = None,
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
    context
        Shared work of earlier alignments to the same ``cumulative`` and
        ``stretch_cost`` (:class:`AlignContext`); ignored when it was built for
        other ones.

    Returns
    -------
    Alignment
    """
    n = len(step_kinds)
    if (
        context is None
        or context.cumulative is not cumulative
        or context.stretch_cost != stretch_cost
    ):
        context = AlignContext(cumulative, stretch_cost)
    total = context.total
    grid = context.grid
    values = np.empty((n + 1, total + 1))
    values[0] = -_LEAD_EPS * grid.grid_f
    unreached = _unreached_costs(step_s, stretch_cost)
    stop_step, stop_at = 0, _first_best(values[0])
    stop_value = float(values[0, stop_at]) - float(unreached[0])
    kinds = context.kinds
    costs = [
        _step_costs(
            i,
            step_kinds,
            step_s,
            kinds,
            total=total,
            stretch_cost=stretch_cost,
            max_stretch_s=max_stretch_s,
        )
        for i in range(n)
    ]
    for i in range(n):
        values[i + 1] = _next_values(values[i], costs[i], int(step_kinds[i]), grid)
        at = _first_best(values[i + 1])
        if float(values[i + 1, at]) - float(unreached[i + 1]) >= stop_value - _TIE:
            stop_step, stop_at = i + 1, at
            stop_value = float(values[i + 1, at]) - float(unreached[i + 1])
    bounds = np.full(n + 1, stop_at, dtype=np.intp)
    for i in range(stop_step - 1, -1, -1):
        bounds[i] = bounds[i + 1] - _best_length(values[i], costs[i], int(bounds[i + 1]))
    return Alignment(bounds=bounds, objective=stop_value, reached=stop_step)


def _align_steps_dense(
    step_kinds: IntArray,
    step_s: IntArray,
    cumulative: dict[int, IntArray],
    *,
    stretch_cost: float,
    max_stretch_s: int,
) -> Alignment:
    """:func:`align_steps` by trying every window length at every end second.

    ``O(sum_i W_i * T)``, vectorised over ``T``: the reference the fast
    version is tested against.
    """
    n = len(step_kinds)
    total = 0 if not cumulative else len(next(iter(cumulative.values()))) - 1
    grid = np.arange(total + 1, dtype=np.intp)
    value = -_LEAD_EPS * grid.astype(float)
    choice = np.zeros((n, total + 1), dtype=np.intp)
    kinds = {code: _Kind.of(cumulative[code]) for code in {int(k) for k in step_kinds}}
    unreached = _unreached_costs(step_s, stretch_cost)
    stop_step, stop_at = 0, int(np.argmax(value))
    stop_value = float(value[stop_at]) - float(unreached[0])
    for i in range(n):
        costs = _step_costs(
            i,
            step_kinds,
            step_s,
            kinds,
            total=total,
            stretch_cost=stretch_cost,
            max_stretch_s=max_stretch_s,
        )
        p, widest, cum = costs.p, costs.widest, costs.kind.cum
        best = value - costs.shrink * p  # window length d = 0
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
            penalty = np.where(lengths > p, stretch_cost, costs.shrink) * np.abs(lengths - p)
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
