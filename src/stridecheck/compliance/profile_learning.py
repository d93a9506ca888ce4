"""Learn an athlete's gait profile from their confidently segmented sessions.

A :class:`~stridecheck.segment.profile.GaitProfile` says what this athlete's
walking and running look like: cadence, speed and heart rate per gait. It is
learnt from the seconds the segmenter was sure of, in the middle of walk and
run bouts long enough to settle, over every session given; then it is the
prior for that athlete's other sessions (the step evidence of
:mod:`stridecheck.compliance.evidence`, and the segmenter where it takes one).

Only confident seconds count: intervals with ``confidence >= min_confidence``
and at least ``min_bout_s`` long, without their first and last
``edge_s`` seconds (cadence and speed lag a change of gait). Heart rate is
taken late in bouts only (from ``heart_rate_settle_s`` after the bout's
start), where it has settled. A quantity with fewer than ``min_support_s``
seconds of support is left out (``None``): a profile never claims more than
the data show.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stridecheck.activity import Activity
from stridecheck.compliance.adherence import ScoredActivity
from stridecheck.segment.profile import GaitProfile, GaitStats

__all__ = ["ProfileLearningParams", "ProfileSession", "learn_profile", "with_gait_profile"]

FloatArray = NDArray[np.float64]

#: Signals of the profile: (sample column, profile field prefix, lowest plausible value).
_SIGNALS: tuple[tuple[str, str, float], ...] = (
    ("cadence_spm", "cadence_spm", 40.0),
    ("speed_mps", "speed_mps", 0.3),
    ("heart_rate_bpm", "heart_rate_bpm", 30.0),
)


@dataclass(frozen=True)
class ProfileLearningParams:
    """Which seconds count for a profile.

    Attributes
    ----------
    min_confidence
        Least interval confidence (the segmenter's, 0-1).
    min_bout_s
        Shortest walk or run interval used. [s]
    edge_s
        Seconds left out at each end of an interval (the signals lag a change). [s]
    heart_rate_settle_s
        Heart rate is used from this long after the start of a bout. [s]
    min_support_s
        Least seconds of data behind a statistic. [s]
    """

    min_confidence: float = 0.95
    min_bout_s: float = 12.0
    edge_s: float = 3.0
    heart_rate_settle_s: float = 60.0
    min_support_s: float = 60.0


@dataclass(frozen=True)
class ProfileSession:
    """One session to learn from: the recording, its intervals and an identifier.

    Attributes
    ----------
    activity
        The recording.
    intervals
        Its interval table (``Segmentation.intervals``: ``kind``, ``start``,
        ``end``, ``confidence``).
    session_key
        Identifier kept in the profile (e.g. the file's sha256).
    """

    activity: Activity
    intervals: pd.DataFrame
    session_key: str


def _as_session(item: Any, position: int) -> ProfileSession:
    if isinstance(item, ProfileSession):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3):
        activity, seg = item[0], item[1]
        key = str(item[2]) if len(item) == 3 else str(position)
        intervals = getattr(seg, "intervals", seg)
        if isinstance(activity, Activity) and isinstance(intervals, pd.DataFrame):
            return ProfileSession(activity, intervals, key)
    raise TypeError(
        "learn_profile() takes ProfileSession objects or (activity, segmentation[, key]) tuples"
    )


def _ns(values: Any) -> NDArray[np.int64]:
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    return np.asarray(index.as_unit("ns").asi8, dtype=np.int64)


def _sample_weights(times_ns: NDArray[np.int64]) -> FloatArray:
    """Seconds each sample stands for (half the spacing to each neighbour, at most 10 s)."""
    n = len(times_ns)
    if n < 2:
        return np.ones(n)
    gaps = np.minimum(np.diff(times_ns) / 1e9, 10.0)
    w = np.empty(n)
    w[0], w[-1] = gaps[0], gaps[-1]
    w[1:-1] = 0.5 * (gaps[:-1] + gaps[1:])
    return np.maximum(w, 0.0)


def _collect(
    session: ProfileSession, params: ProfileLearningParams
) -> dict[tuple[str, str], tuple[FloatArray, FloatArray]]:
    """Values and their weights per (gait, signal) from one session's confident seconds."""
    out: dict[tuple[str, str], tuple[FloatArray, FloatArray]] = {}
    samples = session.activity.samples
    frame = session.intervals
    if len(samples) == 0 or len(frame) == 0 or "confidence" not in frame.columns:
        return out
    times = _ns(samples.index)
    order = np.argsort(times, kind="stable")
    times = times[order]
    weights = _sample_weights(times)
    starts, ends = _ns(frame["start"]), _ns(frame["end"])
    kinds = frame["kind"].astype(str).to_numpy()
    confidence = pd.to_numeric(frame["confidence"], errors="coerce").to_numpy(dtype=float)
    length_s = (ends - starts) / 1e9
    edge = int(params.edge_s * 1e9)
    settle = int(params.heart_rate_settle_s * 1e9)
    for gait in ("walk", "run"):
        chosen = (kinds == gait) & (confidence >= params.min_confidence)
        chosen &= length_s >= params.min_bout_s
        if not chosen.any():
            continue
        lo = np.searchsorted(times, starts[chosen] + edge, side="left")
        hi = np.searchsorted(times, ends[chosen] - edge, side="left")
        lo_hr = np.searchsorted(times, starts[chosen] + settle, side="left")
        for column, name, lowest in _SIGNALS:
            if column not in samples.columns:
                continue
            values = samples[column].to_numpy(dtype=float)[order]
            first = lo_hr if column == "heart_rate_bpm" else lo
            take = np.concatenate(
                [np.arange(a, b) for a, b in zip(first, hi, strict=True) if b > a]
                or [np.zeros(0, dtype=np.intp)]
            ).astype(np.intp)
            v, w = values[take], weights[take]
            ok = np.isfinite(v) & (v >= lowest)
            if ok.any():
                out[(gait, name)] = (v[ok], w[ok])
    return out


def _stats(
    values: list[FloatArray], weights: list[FloatArray], min_support_s: float
) -> GaitStats | None:
    if not values:
        return None
    v = np.concatenate(values)
    w = np.concatenate(weights)
    total = float(w.sum())
    if total < min_support_s:
        return None
    mean = float(w @ v / total)
    sd = math.sqrt(float(w @ (v - mean) ** 2) / total)
    return GaitStats(mean=mean, sd=sd, n_s=total)


def learn_profile(
    sessions: Iterable[ProfileSession | tuple[Any, ...]],
    *,
    athlete: str | None = None,
    previous: GaitProfile | None = None,
    params: ProfileLearningParams | None = None,
) -> GaitProfile:
    """Learn a gait profile from an athlete's sessions.

    Parameters
    ----------
    sessions
        :class:`ProfileSession` objects, or ``(activity, segmentation[, key])``
        tuples (a :class:`~stridecheck.segment.Segmentation` or its interval
        table). Only their confidently segmented seconds are used.
    athlete
        The athlete's id, kept in the profile.
    previous
        The athlete's current profile: the new one is its next version.
    params
        Which seconds count (:class:`ProfileLearningParams`).

    Returns
    -------
    GaitProfile
        Walking and running cadence [steps/min], speed [m/s] and heart rate
        [1/min] as mean, spread and seconds of support, ``None`` where the
        sessions do not show a gait confidently; ``sessions`` lists the keys of
        the sessions that contributed.

    Raises
    ------
    TypeError
        For an item that is neither a ProfileSession nor an (activity, segmentation) tuple.
    """
    p = params or ProfileLearningParams()
    pooled: dict[tuple[str, str], tuple[list[FloatArray], list[FloatArray]]] = {}
    used: list[str] = []
    for position, item in enumerate(sessions):
        session = _as_session(item, position)
        found = _collect(session, p)
        if found:
            used.append(session.session_key)
        for key, (v, w) in found.items():
            vs, ws = pooled.setdefault(key, ([], []))
            vs.append(v)
            ws.append(w)
    fields: dict[str, GaitStats | None] = {}
    for gait in ("walk", "run"):
        for _, name, _ in _SIGNALS:
            vs, ws = pooled.get((gait, name), ([], []))
            fields[f"{gait}_{name}"] = _stats(vs, ws, p.min_support_s)
    for name in ("cadence_spm", "speed_mps", "heart_rate_bpm"):
        walk, run = fields[f"walk_{name}"], fields[f"run_{name}"]
        if walk is not None and run is not None and run.mean <= walk.mean:
            # the gaits are not told apart by this signal: claim neither
            fields[f"walk_{name}"] = fields[f"run_{name}"] = None
    version = 1 if previous is None else previous.version + 1
    return GaitProfile(
        walk_cadence_spm=fields["walk_cadence_spm"],
        run_cadence_spm=fields["run_cadence_spm"],
        walk_speed_mps=fields["walk_speed_mps"],
        run_speed_mps=fields["run_speed_mps"],
        walk_heart_rate_bpm=fields["walk_heart_rate_bpm"],
        run_heart_rate_bpm=fields["run_heart_rate_bpm"],
        athlete=athlete if athlete is not None else (previous.athlete if previous else None),
        version=version,
        sessions=tuple(used),
    )


def with_gait_profile(athlete: str, scored: list[ScoredActivity]) -> list[ScoredActivity]:
    """The activities again, with the athlete's gait profile (learnt from them) as prior.

    The profile is learnt from every activity's confident seconds
    (:func:`learn_profile`); compliance results computed without it are
    dropped, so they are computed again with it. Without a confident session
    the activities come back as they are.
    """
    sessions = [
        ProfileSession(item.activity, item.intervals, item.name)
        for item in scored
        if item.activity is not None
    ]
    profile = learn_profile(sessions, athlete=athlete)
    if profile.is_empty:
        return scored
    return [dataclasses.replace(item, profile=profile, cache={}) for item in scored]
