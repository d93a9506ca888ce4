"""Live compliance while following a session plan: how much of each finished step was on plan.

:func:`live_compliance` segments the samples recorded so far with
:func:`stridecheck.pipeline.analyse_activity` (about 15 ms per hour of samples) and, for
each step of the :class:`~stridecheck.live.cues.SessionPlan` that has ended,
measures the share of its time spent in the prescribed kind (walk or run).
:func:`format_live_compliance` turns the result into the one-line text the live
display shows (:func:`stridecheck.live.display.render_status`'s ``compliance``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.live.cues import PlannedStep, SessionPlan

__all__ = ["LiveCompliance", "StepCompliance", "format_live_compliance", "live_compliance"]


@dataclass(frozen=True)
class StepCompliance:
    """How a finished step was followed.

    Attributes
    ----------
    step
        The planned step.
    on_plan_s
        Time spent in the prescribed kind. [s]
    share
        ``on_plan_s`` over the step's duration, 0 to 1.
    """

    step: PlannedStep
    on_plan_s: float
    share: float


@dataclass(frozen=True)
class LiveCompliance:
    """Compliance of the session so far.

    Attributes
    ----------
    steps
        One entry per finished step, in plan order.
    percent
        Time on plan over the planned time of the finished steps (``None``
        before the first step ends). [%]
    """

    steps: tuple[StepCompliance, ...]
    percent: float | None


def _kinds(samples: pd.DataFrame) -> pd.Series:
    activity = Activity(finalize_samples(samples), ActivityMeta(source_format="ble"))
    from stridecheck.pipeline import analyse_activity

    return analyse_activity(activity, errors="ignore").segmentation.labels


def live_compliance(
    plan: SessionPlan,
    samples: pd.DataFrame,
    now_s: float,
    start: pd.Timestamp | None = None,
) -> LiveCompliance:
    """Score the finished steps of ``plan`` against the samples recorded so far.

    Parameters
    ----------
    plan
        The session plan (steps with start offsets on the session clock).
    samples
        Samples so far: UTC DatetimeIndex ``time`` with ``cadence_spm`` and/or
        ``speed_mps`` (other canonical columns optional).
    now_s
        Session clock now; steps ending at or before it are scored. [s]
    start
        UTC time of the session clock's zero (default: the first sample).

    Returns
    -------
    LiveCompliance
    """
    finished = [step for step in plan.steps if step.end_s <= now_s]
    if not finished or samples.empty:
        return LiveCompliance((), None)
    labels = _kinds(samples)
    index = pd.DatetimeIndex(labels.index)
    origin = pd.Timestamp(start) if start is not None else pd.Timestamp(index.min())
    offset_s: npt.NDArray[np.float64] = np.asarray(
        (index - origin).total_seconds(), dtype=np.float64
    )
    # Each sample stands for the time until the next one (the last for 1 s).
    span_s = np.append(np.diff(offset_s), 1.0).clip(0.0, 5.0)
    kinds = labels.to_numpy(dtype=object)
    scored: list[StepCompliance] = []
    for step in finished:
        inside = (offset_s >= step.start_s) & (offset_s < step.end_s)
        on_plan = float(span_s[inside & (kinds == step.kind)].sum())
        on_plan = min(on_plan, step.duration_s)
        scored.append(StepCompliance(step, on_plan, on_plan / step.duration_s))
    planned = sum(item.step.duration_s for item in scored)
    percent = 100.0 * sum(item.on_plan_s for item in scored) / planned
    return LiveCompliance(tuple(scored), percent)


def format_live_compliance(result: LiveCompliance) -> str | None:
    """Display text, e.g. ``"87 % (last step 95 %)"``; ``None`` when nothing is scored yet."""
    if result.percent is None or not result.steps:
        return None
    return f"{result.percent:.0f} % (last step {100.0 * result.steps[-1].share:.0f} %)"
