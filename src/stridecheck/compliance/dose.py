"""Dose and FITT fidelity of one prescribed session: what was prescribed, what was done.

Attendance, dose and fidelity are separate measures (DOMAIN.md section 4):

- attendance: an activity of at least a minimum moving time was matched to
  the session, whatever was done in it (the minimum is ``min_attended_s``, 5
  minutes by default, or half the session's prescribed length when that is
  shorter);
- dose: prescribed and performed running time and distance; the relative dose
  intensity (RDI) is performed / prescribed running time (Nilsen et al. 2018);
- FITT fidelity (Phys-Can, BMC SSMR 2022;14:155): the share of run steps done
  at the prescribed duration and the share of walk breaks kept (a step's
  verdict ``done``: at least ``done_pct`` of it credited in its kind).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from stridecheck.compliance.result import SessionCompliance
from stridecheck.programs.model import Session

__all__ = [
    "DOSE_COLUMNS",
    "MIN_ATTENDED_S",
    "attendance_threshold_s",
    "moving_seconds",
    "prescribed_run_km",
    "session_dose",
]

#: Default least moving time (walking or running) of an activity that counts as attendance. [s]
MIN_ATTENDED_S = 300.0

#: Columns :func:`session_dose` adds to a session row.
DOSE_COLUMNS: tuple[str, ...] = (
    "attended",
    "moving_min",
    "prescribed_run_min",
    "performed_run_min",
    "prescribed_run_km",
    "performed_run_km",
    "run_steps",
    "run_steps_done",
    "walk_breaks",
    "walk_breaks_kept",
)


def moving_seconds(intervals: pd.DataFrame) -> float:
    """Time spent walking or running in an interval table (``kind``, ``start``, ``end``). [s]"""
    if len(intervals) == 0 or "kind" not in intervals.columns:
        return 0.0
    moving = intervals[intervals["kind"].isin(("walk", "run"))]
    if len(moving) == 0:
        return 0.0
    if "duration_s" in moving.columns and moving["duration_s"].notna().all():
        return float(pd.to_numeric(moving["duration_s"]).sum())
    span = pd.to_datetime(moving["end"], utc=True) - pd.to_datetime(moving["start"], utc=True)
    return float(span.dt.total_seconds().sum())


def prescribed_run_km(session: Session) -> float:
    """Prescribed running distance: each run step's time at the middle of its pace range. [km]

    NaN when a run step has no pace target (the prescription is by time only).
    """
    total_m = 0.0
    for step in session.iter_concrete():
        if step.kind != "run":
            continue
        pace = step.targets.pace_s_per_km
        if pace is None:
            return math.nan
        total_m += 1000.0 * step.duration_s / (0.5 * (pace[0] + pace[1]))
    return total_m / 1000.0


def _fidelity(result: SessionCompliance | None, session: Session) -> dict[str, int]:
    runs = sum(1 for s in session.iter_concrete() if s.kind == "run")
    if result is None:
        breaks = _walk_breaks(session)
        return {
            "run_steps": runs,
            "run_steps_done": 0,
            "walk_breaks": breaks,
            "walk_breaks_kept": 0,
        }
    return {
        "run_steps": runs,
        "run_steps_done": sum(1 for s in result.steps if s.kind == "run" and s.verdict == "done"),
        "walk_breaks": sum(1 for s in result.steps if s.walk_break),
        "walk_breaks_kept": sum(1 for s in result.steps if s.walk_break and s.verdict == "done"),
    }


def _walk_breaks(session: Session) -> int:
    kinds = [s.kind for s in session.iter_concrete()]
    return sum(
        1
        for i, kind in enumerate(kinds)
        if kind == "walk" and "run" in kinds[:i] and "run" in kinds[i + 1 :]
    )


def attendance_threshold_s(session: Session, min_attended_s: float = MIN_ATTENDED_S) -> float:
    """Least moving time attending ``session`` takes: ``min_attended_s``, or half the
    session's prescribed length when that is shorter. [s]"""
    return min(min_attended_s, 0.5 * session.duration_s)


def session_dose(
    session: Session,
    result: SessionCompliance | None,
    *,
    moving_s: float = 0.0,
    run_s: float = 0.0,
    run_m: float = math.nan,
    min_attended_s: float = MIN_ATTENDED_S,
) -> dict[str, Any]:
    """Attendance, dose and fidelity of one prescribed session (:data:`DOSE_COLUMNS`).

    Parameters
    ----------
    session
        The prescribed session.
    result
        Compliance of the activity matched to it (``None``: no activity).
    moving_s
        Walking and running time of the matched activity. [s]
    run_s, run_m
        Running time [s] and distance [m] of the matched activity.
    min_attended_s
        Least moving time that counts as attending (capped at half the
        session's prescribed length, :func:`attendance_threshold_s`). [s]
    """
    attended = result is not None and moving_s >= attendance_threshold_s(session, min_attended_s)
    performed_km = run_m / 1000.0 if result is not None else 0.0
    return {
        "attended": bool(attended),
        "moving_min": moving_s / 60.0 if result is not None else 0.0,
        "prescribed_run_min": session.run_s / 60.0,
        "performed_run_min": run_s / 60.0 if result is not None else 0.0,
        "prescribed_run_km": prescribed_run_km(session),
        "performed_run_km": performed_km,
        **_fidelity(result, session),
    }
