"""Viterbi decoding in the max-plus semiring, vectorised with parallel scans.

A hidden Markov model with ``S`` states is decoded over ``T`` samples by the
recursion ``delta_t[j] = e_t[j] + max_i (delta_{t-1}[i] - c_t[i, j])``, where
``e_t`` is the log evidence of sample ``t`` and ``c_t`` the cost of moving from
state ``i`` to ``j`` before it. That recursion is a product of ``S x S``
matrices in the max-plus semiring, which is associative, so every prefix
(forward messages) and every suffix (backward messages) is computed with a
Hillis-Steele scan in ``ceil(log2 T)`` numpy steps instead of a Python loop
over samples. The backtrack is a composition of back-pointer maps, again
associative and scanned the same way. A one-hour 1 Hz activity with three
states decodes in a few milliseconds.

The backward messages give max-marginals: for every sample and state, the
score of the best path forced through that state. Their margin over the best
alternative measures how firmly the decoded label is held.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["ViterbiResult", "viterbi_decode"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


class ViterbiResult:
    """Decoded path and max-marginal margins.

    Attributes
    ----------
    states
        Index of the decoded state per sample.
    margin
        Score of the best path through the decoded state minus the best path
        through any other state at that sample (0 where the choice is a tie). [nat]
    score
        Log score of the decoded path. [nat]
    """

    __slots__ = ("margin", "score", "states")

    def __init__(self, states: IntArray, margin: FloatArray, score: float) -> None:
        self.states = states
        self.margin = margin
        self.score = score


def _maxplus(a: FloatArray, b: FloatArray) -> FloatArray:
    """Batched max-plus matrix product: ``out[i, j, ...] = max_k a[i, k, ...] + b[k, j, ...]``.

    The two leading axes are the states, the trailing (batch) axes broadcast.
    Each term ``k`` is one broadcast numpy addition over all ``(i, j)``.
    """
    out: FloatArray = a[:, 0:1] + b[0:1, :]
    for k in range(1, a.shape[0]):
        np.maximum(out, a[:, k : k + 1] + b[k : k + 1, :], out=out)
    return out


def _scan_last_axis(mats: FloatArray, *, reverse: bool) -> FloatArray:
    """Hillis-Steele inclusive scan along the last axis (prefix, or suffix if ``reverse``)."""
    out = mats.copy()
    n = out.shape[-1]
    offset = 1
    while offset < n:
        if reverse:
            out[..., :-offset] = _maxplus(out[..., :-offset], out[..., offset:])
        else:
            out[..., offset:] = _maxplus(out[..., :-offset], out[..., offset:])
        offset *= 2
    return out


def _prefix_maxplus(mats: FloatArray) -> FloatArray:
    """Inclusive prefix products ``M_0 (x) ... (x) M_n`` for every ``n`` (``(S, S, N)``)."""
    return _scan_last_axis(mats, reverse=False)


def _suffix_maxplus(mats: FloatArray) -> FloatArray:
    """Inclusive suffix products ``M_n (x) ... (x) M_last`` for every ``n`` (``(S, S, N)``)."""
    return _scan_last_axis(mats, reverse=True)


def _suffix_compose(maps: IntArray) -> IntArray:
    """Suffix compositions ``f_n o ... o f_last`` of maps stored as ``(S, N)`` index arrays."""
    out = maps.copy()
    n = out.shape[1]
    cols = np.arange(n)
    offset = 1
    while offset < n:
        # (f o g)[j] = f[g[j]]: look up the left map at the right map's values
        out[:, :-offset] = out[:, :-offset][out[:, offset:], cols[: n - offset]]
        offset *= 2
    return out


def viterbi_decode(
    log_evidence: FloatArray,
    cost: FloatArray,
    log_prior: FloatArray | None = None,
    *,
    with_margin: bool = True,
) -> ViterbiResult:
    """Most likely state sequence of an HMM given per-sample evidence and switch costs.

    Parameters
    ----------
    log_evidence
        Shape ``(T, S)``: log evidence for each state at each sample. [nat]
    cost
        Shape ``(T - 1, S, S)`` (or ``(S, S)`` for a constant cost): cost of
        moving from state ``i`` at sample ``t`` to state ``j`` at sample
        ``t + 1``; the diagonal is normally 0. Must be finite. [nat]
    log_prior
        Shape ``(S,)``: log prior of the first state (uniform when ``None``). [nat]
    with_margin
        Compute the max-marginal margins (a second scan). Without, the margins
        are all zero and decoding takes about half the time.

    Returns
    -------
    ViterbiResult
        Decoded states, max-marginal margins and the path score.
    """
    evidence = np.asarray(log_evidence, dtype=np.float64)
    n_samples, n_states = evidence.shape
    if n_samples == 0:
        return ViterbiResult(np.zeros(0, dtype=np.intp), np.zeros(0), 0.0)
    prior = np.zeros(n_states) if log_prior is None else np.asarray(log_prior, dtype=float)
    first = evidence[0] + prior
    if n_samples == 1:
        best = int(np.argmax(first))
        others = np.delete(first, best)
        gap = float(first[best] - others.max()) if others.size else float("inf")
        return ViterbiResult(np.array([best], dtype=np.intp), np.array([gap]), float(first[best]))
    trans = np.asarray(cost, dtype=np.float64)
    ev_t = np.ascontiguousarray(evidence[1:].T)  # (S, T-1)
    # per-step matrices on the (S, S, T-1) layout: from i to j, plus the evidence of j
    if trans.ndim == 2:
        step = ev_t[None, :, :] - trans[:, :, None]
        trans_t = np.broadcast_to(trans[:, :, None], (n_states, n_states, n_samples - 1))
    else:
        trans_t = np.ascontiguousarray(np.transpose(trans, (1, 2, 0)))
        step = ev_t[None, :, :] - trans_t

    # forward messages: delta_t = first (x) M_1 (x) ... (x) M_t
    prefix = _prefix_maxplus(step)
    delta_t = np.empty((n_states, n_samples))
    delta_t[:, 0] = first
    delta_t[:, 1:] = np.max(first[:, None, None] + prefix, axis=0)

    # back-pointers: state at t-1 given state j at t, then composed from the end
    back = np.argmax(delta_t[:, None, :-1] - trans_t, axis=0).astype(np.intp)  # (S, T-1)
    composed = _suffix_compose(back)
    last = int(np.argmax(delta_t[:, -1]))
    states = np.empty(n_samples, dtype=np.intp)
    states[-1] = last
    states[:-1] = composed[last]
    delta = delta_t.T
    score = float(delta[-1, last])
    if not with_margin:
        return ViterbiResult(states, np.zeros(n_samples), score)

    # backward messages: beta_t = M_{t+1} (x) ... (x) M_last (x) 0
    suffix = _suffix_maxplus(step)
    beta_t = np.zeros((n_states, n_samples))
    beta_t[:, :-1] = np.max(suffix, axis=1)
    beta = beta_t.T

    marginal = delta + beta
    rows = np.arange(n_samples)
    chosen = marginal[rows, states]
    rest = marginal.copy()
    rest[rows, states] = -np.inf
    margin = chosen - rest.max(axis=1) if n_states > 1 else np.full(n_samples, np.inf)
    return ViterbiResult(states, np.maximum(margin, 0.0), score)
