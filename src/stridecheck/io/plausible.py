"""Plausible sample times: what every reader keeps of a file's clock.

A sample's time is implausible when it lies before :data:`EARLIEST_TIME`
(before consumer GPS watches; FIT's epoch is 1989-12-31, so a device without a
clock writes times just after it), after now plus :data:`FUTURE_MARGIN`
(a device clock set decades ahead: a public Strava file's last sample is dated
2085), or on the far side of a jump of more than :data:`MAX_GAP` inside one
activity (a clock that jumps years, or one file holding months of tracks).
Kept is the longest plausible stretch: the run of samples between jumps with
the most samples, and of it at most :data:`MAX_SPAN` from its first sample.

Each reader calls :func:`plausible_time_mask` (or :func:`plausible_samples` on
a finished frame) before it derives anything from the times; what is cut is
said under the reader's error policy, naming the file. Downstream stages can
then rely on an activity spanning at most :data:`MAX_SPAN`, and those that
allocate per second bound themselves too (:func:`check_span`).
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from stridecheck.errors import (
    ActivityTooLongError,
    EmptyActivityError,
    ErrorPolicy,
    InputError,
    handle_problem,
)

__all__ = [
    "EARLIEST_TIME",
    "FUTURE_MARGIN",
    "MAX_GAP",
    "MAX_SPAN",
    "check_span",
    "plausible_samples",
    "plausible_time_mask",
]

#: Samples dated before this are refused (no consumer GPS activity recorder existed).
EARLIEST_TIME = pd.Timestamp("1990-01-01T00:00:00Z")
#: Samples dated later than now plus this are refused (clock set ahead; time zones).
FUTURE_MARGIN = pd.Timedelta(days=1)
#: A jump between consecutive samples longer than this splits an activity.
MAX_GAP = pd.Timedelta(days=2)
#: The longest span an activity keeps from its first plausible sample (multi-day ultras fit).
MAX_SPAN = pd.Timedelta(days=8)


def _describe(ns: int) -> str:
    return str(pd.Timestamp(ns, tz="UTC").floor("s"))


def _longest_run(times_ns: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``keep`` reduced to the run (between jumps over :data:`MAX_GAP`) with the most samples."""
    idx = np.flatnonzero(keep)
    if len(idx) < 2:
        return keep
    kept = times_ns[idx]
    order = np.argsort(kept, kind="stable")
    ordered = kept[order]
    breaks = np.flatnonzero(np.diff(ordered) > MAX_GAP.value) + 1
    if not len(breaks):
        return keep
    bounds = np.concatenate(([0], breaks, [len(ordered)]))
    sizes = np.diff(bounds)
    best = int(np.argmax(sizes))  # the earliest of equally long runs
    lo, hi = ordered[bounds[best]], ordered[bounds[best + 1] - 1]
    return keep & (times_ns >= lo) & (times_ns <= hi)


def plausible_time_mask(
    times: pd.DatetimeIndex | np.ndarray,
    *,
    path: str | os.PathLike[str] | None,
    policy: ErrorPolicy | str,
    sink: list[str] | None,
    error_cls: type[InputError] = InputError,
    now: pd.Timestamp | None = None,
) -> np.ndarray | None:
    """Which samples have plausible times (see module docs); ``None`` when all do.

    Parameters
    ----------
    times
        Sample times (UTC ``DatetimeIndex`` or int64 nanoseconds since the epoch;
        NaT entries are left for the reader to handle and kept here).
    path
        The file, named in the messages.
    policy
        The reader's error policy: ``"raise"`` raises ``error_cls`` for the
        first cut, ``"warn"`` warns, ``"ignore"`` cuts quietly; every cut is
        appended to ``sink``.
    sink
        The activity's ``meta.warnings``.
    error_cls
        The reader's :class:`~stridecheck.errors.InputError` subclass.
    now
        The present (default: the clock), for the future limit.

    Returns
    -------
    numpy.ndarray of bool or None
        The samples to keep, or ``None`` when nothing is cut.

    Raises
    ------
    EmptyActivityError
        When no sample has a plausible time.
    """
    policy = ErrorPolicy.coerce(policy)
    if isinstance(times, pd.DatetimeIndex):
        index = times if times.tz is not None else times.tz_localize("UTC")
        ns = np.asarray(index.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)
    else:
        ns = np.asarray(times, dtype=np.int64)
    if not len(ns):
        return None
    nat = ns == np.iinfo(np.int64).min
    now_ns = (now.value if now is not None else time.time_ns()) + FUTURE_MARGIN.value
    early = ~nat & (ns < EARLIEST_TIME.value)
    late = ~nat & (ns > now_ns)
    keep = ~(early | late)
    problems: list[str] = []
    if early.any():
        problems.append(
            f"{int(early.sum())} samples dated before {EARLIEST_TIME.year} "
            f"(from {_describe(int(ns[early].min()))}) cut: implausible device clock"
        )
    if late.any():
        problems.append(
            f"{int(late.sum())} samples dated in the future "
            f"(up to {_describe(int(ns[late].max()))}) cut: implausible device clock"
        )
    timed = keep & ~nat
    if not timed.any():
        raise EmptyActivityError(path, "no sample has a plausible time; " + "; ".join(problems))
    run = _longest_run(ns, timed)
    jumped = int((timed & ~run).sum())
    if jumped:
        problems.append(
            f"{jumped} samples on the far side of a jump of more than "
            f"{MAX_GAP.days} days cut (kept the longest stretch, "
            f"{_describe(int(ns[run].min()))} to {_describe(int(ns[run].max()))})"
        )
    first = int(ns[run].min())
    over = run & (ns > first + MAX_SPAN.value)
    if over.any():
        problems.append(
            f"{int(over.sum())} samples more than {MAX_SPAN.days} days after the first cut"
        )
        run = run & ~over
    if not problems:
        return None
    for problem in problems:
        handle_problem(policy, error_cls(path, problem), sink)
    return run | nat


def plausible_samples(
    samples: pd.DataFrame,
    *,
    path: str | os.PathLike[str] | None,
    policy: ErrorPolicy | str,
    sink: list[str] | None,
    error_cls: type[InputError] = InputError,
) -> pd.DataFrame:
    """A canonical samples frame without its implausibly timed rows (``elapsed_s`` redone).

    See :func:`plausible_time_mask` for the parameters; returns ``samples``
    itself when nothing is cut.
    """
    keep = plausible_time_mask(
        pd.DatetimeIndex(samples.index), path=path, policy=policy, sink=sink, error_cls=error_cls
    )
    if keep is None:
        return samples
    out = samples.loc[keep].copy()
    if "elapsed_s" in out.columns and len(out):
        out["elapsed_s"] = (out.index - out.index[0]).total_seconds().astype("float64")
    return out


def check_span(
    span_s: float, limit_s: float, what: str, path: str | os.PathLike[str] | None = None
) -> None:
    """Refuse a per-second allocation over ``limit_s`` seconds before it is made.

    Parameters
    ----------
    span_s
        Seconds the stage would hold one entry per second for. [s]
    limit_s
        The stage's bound. [s]
    what
        The stage, for the message (e.g. ``"the compliance timeline"``).
    path
        The activity's file, when known.

    Raises
    ------
    ActivityTooLongError
        When ``span_s`` exceeds ``limit_s`` (or is not finite).
    """
    if not np.isfinite(span_s) or span_s > limit_s:
        shown = f"{span_s / 3600:.1f} h" if np.isfinite(span_s) else "an unbounded span"
        raise ActivityTooLongError(
            path,
            f"spans {shown}, more than {what} holds ({limit_s / 3600:.0f} h): "
            "split the recording or check the device clock",
        )
