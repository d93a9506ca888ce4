"""Adherence over a program: a calendar of sessions, activities matched to it, trial measures.

The measures follow how exercise trials report adherence (DOMAIN.md section 4),
keeping attendance and fidelity apart:

- attendance: a prescribed session with a matched activity of at least
  ``min_attended_s`` of walking or running, whatever was done in it
  (``sessions_attended``, ``attendance_pct``);
- sessions done (score >= 50) and completed (score >= 80); adherence = sessions
  done / sessions prescribed (ASTEROID: 70 %, 2.1 of 3 a week);
- interruptions = 3 or more consecutive prescribed sessions not attended
  (Nilsen et al. 2018), permanent discontinuation (nothing attended after a
  date, through the end of the due sessions) and early termination (a
  discontinuation with the programme over);
- dose: prescribed and performed running time and distance, relative dose
  intensity ``rdi_pct`` = performed / prescribed running time
  (:mod:`stridecheck.compliance.dose`);
- FITT fidelity: run steps at the prescribed duration, walk breaks kept;
- progression readiness by the programme's ``[progression]`` rules, with the
  reasons in words (:mod:`stridecheck.compliance.progression`);
- honest uncertainty: a session whose steps the data cannot all confirm
  (verdict ``uncertain``, :mod:`stridecheck.compliance.evidence`) is attended
  like any other; ``compliance_uncertain`` says when its score range
  (``score_low`` - ``score_high``) spans more than one category.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stridecheck.activity import Activity
from stridecheck.compliance.dose import DOSE_COLUMNS, MIN_ATTENDED_S, moving_seconds, session_dose
from stridecheck.compliance.methods import adherence_methods_doc
from stridecheck.compliance.params import ComplianceParams
from stridecheck.compliance.progression import assess_weeks, cleared, notes_table
from stridecheck.compliance.result import SessionCompliance
from stridecheck.compliance.session import comply_intervals
from stridecheck.compliance.timeline import RUN, build_timeline
from stridecheck.errors import ErrorPolicy
from stridecheck.messages import Text, render
from stridecheck.programs.model import Program, ProgressionRules, Session
from stridecheck.segment.hmm import GaitModel
from stridecheck.segment.profile import GaitProfile

__all__ = [
    "AdherenceReport",
    "ScoredActivity",
    "adherence",
    "adherence_measures",
    "match_week",
    "program_calendar",
    "program_week",
    "score_activity",
    "week_sessions",
]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Default day offsets (from the week's first day) for k sessions without a ``day``.
_SPREAD: dict[int, tuple[int, ...]] = {1: (0,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4)}
#: Score points given up per day between an activity and its session's date (ties only).
_DAY_TIE_BREAK = 1e-3
#: Sessions in a row not attended that make an interruption (Nilsen et al. 2018).
INTERRUPTION_RUN = 3

SESSION_COLUMNS = (
    "order",
    "week",
    "slot",
    "session_id",
    "date",
    "due",
    "status",
    "done",
    "score",
    "category",
    "run_compliance_pct",
    "walk_compliance_pct",
    "activity",
    "activity_start",
    *DOSE_COLUMNS,
    "pain_after",
    "adverse_event",
    "compliance_uncertain",
    "uncertain_steps",
    "score_low",
    "score_high",
)


def _spread(k: int) -> tuple[int, ...]:
    return _SPREAD.get(k, tuple(min(6, round(j * 7 / k)) for j in range(k)))


def _as_date(value: dt.date | str | pd.Timestamp) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _session_weeks(program: Program) -> list[int]:
    per_week = program.sessions_per_week or 3
    weeks: list[int] = []
    unweeked = 0
    for s in program.sessions:
        if s.week is not None:
            weeks.append(s.week)
        else:
            weeks.append(unweeked // per_week + 1)
            unweeked += 1
    return weeks


def program_calendar(program: Program, start: dt.date | str) -> pd.DataFrame:
    """The prescribed sessions on a calendar.

    Week ``w`` runs from ``start + 7 (w - 1)`` days for 7 days. A session with a
    ``day`` (1 = Monday ... 7 = Sunday) goes on that weekday of its week; the
    others are spread over the week from its first day (3 sessions: days 1, 3
    and 5, i.e. Mon/Wed/Fri for a Monday start). Sessions without a ``week``
    fill weeks in order, ``sessions_per_week`` (default 3) at a time.

    Parameters
    ----------
    program
        The program.
    start
        First day of week 1 (``datetime.date`` or ``"YYYY-MM-DD"``).

    Returns
    -------
    pandas.DataFrame
        One row per session in program order: ``order`` (from 0), ``week``,
        ``slot`` (order within the week, from 1), ``session_id``, ``date``
        (``datetime.date``), ``weekday`` (``"Mon"``...).
    """
    first = _as_date(start)
    weeks = _session_weeks(program)
    rows: list[dict[str, Any]] = []
    for week in sorted(set(weeks)):
        members = [i for i, w in enumerate(weeks) if w == week]
        week_start = first + dt.timedelta(days=7 * (week - 1))
        free = [i for i in members if program.sessions[i].day is None]
        offsets = dict(zip(free, _spread(len(free)), strict=True)) if free else {}
        for slot, i in enumerate(members, start=1):
            session = program.sessions[i]
            if session.day is not None:
                offset = (session.day - 1 - week_start.weekday()) % 7
            else:
                offset = offsets[i]
            day = week_start + dt.timedelta(days=offset)
            rows.append(
                {
                    "order": i,
                    "week": week,
                    "slot": slot,
                    "session_id": session.id,
                    "date": day,
                    "weekday": _DAY_NAMES[day.weekday()],
                }
            )
    frame = pd.DataFrame(rows, columns=["order", "week", "slot", "session_id", "date", "weekday"])
    return frame.sort_values("order", kind="stable").reset_index(drop=True)


@dataclass
class ScoredActivity:
    """An activity ready to be scored against sessions (segmented once).

    Attributes
    ----------
    name
        How reports name it (usually the file name).
    start
        Start time (UTC).
    intervals
        Its walk / run / stop intervals.
    activity
        The recording (for heart rate, speed, distance), or ``None``.
    profile
        The athlete's gait profile, the prior of the step evidence, or ``None``.
    gait
        The gait model the segmenter fitted to the activity, when known.
    cache
        Compliance results by session steps, method and settings.
    """

    name: str
    start: pd.Timestamp
    intervals: pd.DataFrame
    activity: Activity | None = None
    profile: GaitProfile | None = None
    gait: GaitModel | None = None
    cache: dict[Any, SessionCompliance] = field(default_factory=dict, repr=False)
    _totals: tuple[float, float] | None = field(default=None, repr=False)
    _moving_s: float | None = field(default=None, repr=False)

    def moving_s(self) -> float:
        """Time spent walking or running (from the intervals). [s]"""
        if self._moving_s is None:
            self._moving_s = moving_seconds(self.intervals)
        return self._moving_s

    def score_against(
        self, session: Session, *, method: str = "dp", params: ComplianceParams | None = None
    ) -> SessionCompliance:
        """Compliance with ``session`` (computed once per distinct session and settings)."""
        key = (session.steps, method, params)
        if key not in self.cache:
            self.cache[key] = comply_intervals(
                self.intervals,
                session,
                activity=self.activity,
                method=method,
                params=params,
                gait=self.gait,
                profile=self.profile,
            )
        result = self.cache[key]
        if result.session_id != session.id:
            result = dataclasses.replace(result, session_id=session.id)
        return result

    def totals(self) -> tuple[float, float]:
        """Running time [s] and running distance [m] of the whole activity (pauses excluded)."""
        if self._totals is None:
            timeline = build_timeline(self.intervals, self.activity)
            run = timeline.kinds == RUN
            distance = timeline.distance_m[run]
            run_m = float(np.nansum(distance)) if np.isfinite(distance).any() else math.nan
            self._totals = (float(np.count_nonzero(run)), run_m if run.any() else 0.0)
        return self._totals


def score_activity(
    activity: Activity,
    *,
    name: str | None = None,
    segmentation: Any = None,
    segment_method: str = "hmm",
    errors: ErrorPolicy | str = "ignore",
    profile: GaitProfile | None = None,
) -> ScoredActivity:
    """Segment an activity once, for scoring against many sessions.

    Parameters
    ----------
    activity
        The recording.
    name
        Name in reports (default: the source file name, else the start time).
    segmentation
        Intervals to use (a Segmentation or an interval DataFrame); default:
        :func:`stridecheck.segment.segment` with ``segment_method``.
    segment_method
        Segmenter method when ``segmentation`` is not given.
    errors
        Error policy of that segmentation (as in :func:`stridecheck.segment.segment`);
        default ``"ignore"``.
    profile
        The athlete's gait profile: the prior of the step evidence.
    """
    gait: GaitModel | None = None
    if segmentation is None:
        from stridecheck.segment import segment

        seg = segment(activity, method=segment_method, errors=errors)
        intervals, gait = seg.intervals, seg.model
    elif isinstance(segmentation, pd.DataFrame):
        intervals = segmentation
    else:
        intervals = segmentation.intervals
        model = getattr(segmentation, "model", None)
        gait = model if isinstance(model, GaitModel) else None
    label = name or activity.meta.source_path or activity.start_time.isoformat()
    return ScoredActivity(
        name=str(label),
        start=activity.start_time,
        intervals=intervals,
        activity=activity,
        profile=profile,
        gait=gait,
    )


def match_week(scores: np.ndarray) -> list[tuple[int, int]]:
    """Assign a week's activities to its sessions, keeping both in order.

    Among order-preserving assignments (activity ``a`` before ``a'`` gets a
    session before the one ``a'`` gets), the one matching the most activities
    wins, then the one with the highest total score, then the earliest sessions.

    Parameters
    ----------
    scores
        ``scores[a, s]``: score of activity ``a`` (time order) against session
        ``s`` (program order).

    Returns
    -------
    list of (activity index, session index)
    """
    m, k = scores.shape
    # best[a][s] = (matches, total score) using activities >= a and sessions >= s
    best = [[(0, 0.0)] * (k + 1) for _ in range(m + 1)]
    move = [[0] * (k + 1) for _ in range(m + 1)]
    for a in range(m - 1, -1, -1):
        for s in range(k - 1, -1, -1):
            take = (best[a + 1][s + 1][0] + 1, best[a + 1][s + 1][1] + float(scores[a, s]))
            options = [(take, 0), (best[a][s + 1], 1), (best[a + 1][s], 2)]
            value, choice = max(options, key=lambda o: (o[0][0], round(o[0][1], 6), -o[1]))
            best[a][s] = value
            move[a][s] = choice
    pairs: list[tuple[int, int]] = []
    a = s = 0
    while a < m and s < k:
        if move[a][s] == 0:
            pairs.append((a, s))
            a, s = a + 1, s + 1
        elif move[a][s] == 1:
            s += 1
        else:
            a += 1
    return pairs


def _attended(frame: pd.DataFrame) -> pd.Series:
    """Attendance of each session row (an activity matched when no ``attended`` column)."""
    if "attended" in frame.columns:
        return frame["attended"].fillna(False).astype(bool)
    return pd.to_numeric(frame["score"], errors="coerce").notna()


def _streaks(frame: pd.DataFrame, hit: pd.Series) -> list[list[dict[str, Any]]]:
    """Runs of consecutive due sessions (program order) where ``hit`` is False."""
    due = frame[frame["due"].astype(bool)].assign(_hit=hit).sort_values("order")
    runs: list[list[dict[str, Any]]] = []
    streak: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = due.to_dict(orient="records")  # type: ignore[assignment]
    for rec in [*records, None]:
        if rec is not None and not rec["_hit"]:
            streak.append(rec)
            continue
        if streak:
            runs.append(streak)
        streak = []
    return runs


INTERRUPTION_COLUMNS = ("first_session", "last_session", "first_date", "last_date", "sessions")


def _interruptions(frame: pd.DataFrame) -> pd.DataFrame:
    """Runs of :data:`INTERRUPTION_RUN` or more due sessions in a row not attended."""
    rows = [
        {
            "first_session": streak[0]["session_id"],
            "last_session": streak[-1]["session_id"],
            "first_date": streak[0]["date"],
            "last_date": streak[-1]["date"],
            "sessions": len(streak),
        }
        for streak in _streaks(frame, _attended(frame))
        if len(streak) >= INTERRUPTION_RUN
    ]
    return pd.DataFrame(rows, columns=list(INTERRUPTION_COLUMNS))


def _longest(frame: pd.DataFrame, hit: pd.Series) -> int:
    return max((len(run) for run in _streaks(frame, hit)), default=0)


def _longest_streak(frame: pd.DataFrame) -> int:
    return _longest(frame, _attended(frame))


def _discontinuation(frame: pd.DataFrame) -> dict[str, Any]:
    """Permanent discontinuation and early termination from the session rows.

    Discontinued: the due sessions end with :data:`INTERRUPTION_RUN` or more
    not attended. The date is the last attended session's (``None`` when none
    was attended). Early termination: discontinued with every session due.
    """
    ordered = frame.sort_values("order")
    attended = _attended(ordered)
    due = ordered["due"].astype(bool)
    dates = [d for d, a in zip(ordered["date"], attended, strict=True) if a]
    last = dates[-1] if dates else None
    trailing = 0
    for is_due, went in zip(due.tolist()[::-1], attended.tolist()[::-1], strict=True):
        if not is_due:
            continue
        if went:
            break
        trailing += 1
    discontinued = trailing >= INTERRUPTION_RUN
    return {
        "first_attended_date": dates[0] if dates else None,
        "last_attended_date": last,
        "discontinued": bool(discontinued),
        "discontinuation_date": last if discontinued else None,
        "early_termination": bool(discontinued and bool(due.all())),
    }


def _pct(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


def _num_sum(frame: pd.DataFrame, column: str) -> float:
    if column not in frame.columns:
        return 0.0
    return float(pd.to_numeric(frame[column], errors="coerce").fillna(0.0).sum())


def _km_sum(frame: pd.DataFrame, column: str) -> float:
    """Sum of a distance column; NaN when any value is unknown (e.g. no pace target). [km]"""
    if column not in frame.columns or len(frame) == 0:
        return 0.0 if column in frame.columns else math.nan
    values = pd.to_numeric(frame[column], errors="coerce")
    return math.nan if values.isna().any() else float(values.sum())


def _dose(members: pd.DataFrame) -> dict[str, Any]:
    """Dose and fidelity of some due session rows."""
    prescribed_min = _num_sum(members, "prescribed_run_min")
    performed_min = _num_sum(members, "performed_run_min")
    went = members[_attended(members)] if len(members) else members
    run_steps = _num_sum(went, "run_steps")
    breaks = _num_sum(went, "walk_breaks")
    return {
        "prescribed_run_min": prescribed_min,
        "performed_run_min": performed_min,
        "prescribed_run_km": _km_sum(members, "prescribed_run_km"),
        "performed_run_km": _km_sum(members[members["activity"].notna()], "performed_run_km")
        if "activity" in members.columns and "performed_run_km" in members.columns
        else math.nan,
        "rdi_pct": _pct(performed_min, prescribed_min),
        "run_steps_done_pct": _pct(_num_sum(went, "run_steps_done"), run_steps),
        "walk_breaks_kept_pct": _pct(_num_sum(went, "walk_breaks_kept"), breaks),
    }


def _measures(
    sessions: pd.DataFrame,
    activity_weeks: pd.DataFrame,
    *,
    n_weeks: int,
    notes: Any = None,
    rules: ProgressionRules | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], dict[int, Text]]:
    rules = rules or ProgressionRules()
    attended_all = _attended(sessions)
    due_all = sessions["due"].astype(bool)
    rows: list[dict[str, Any]] = []
    for week in range(1, n_weeks + 1):
        in_week = sessions["week"] == week
        members = sessions[in_week]
        acts = activity_weeks[activity_weeks["week"] == week]
        prescribed = len(members)
        due = int(members["due"].sum())
        done = int((members["done"] & members["due"]).sum())
        completed = int(((members["status"] == "completed") & members["due"]).sum())
        attended = int((attended_all[in_week] & due_all[in_week]).sum())
        scored = pd.to_numeric(members["score"], errors="coerce").dropna()
        run_m = pd.to_numeric(acts["run_distance_m"], errors="coerce")
        rows.append(
            {
                "week": week,
                "start_date": members["date"].min() if prescribed else None,
                "prescribed": prescribed,
                "due": due,
                "done": done,
                "completed": completed,
                "mean_score": float(scored.mean()) if len(scored) else math.nan,
                "run_min": float(pd.to_numeric(acts["run_s"]).sum()) / 60.0,
                "run_km": float(run_m.sum()) / 1000.0 if run_m.notna().any() else 0.0,
                "progression_ready": None,
                "attended": attended,
                "attendance_pct": _pct(attended, due),
                **_dose(members[members["due"].astype(bool)]),
            }
        )
    weeks = pd.DataFrame(rows)
    verdicts = assess_weeks(weeks, sessions, notes, rules) if len(weeks) else []
    docs: dict[int, Text] = {}
    if len(weeks):
        weeks["progression_ready"] = pd.Series([v.ready for v in verdicts], dtype=object)
        weeks["progression_reason"] = [v.text for v in verdicts]
        weeks["max_pain_after"] = [v.max_pain_after for v in verdicts]
        weeks["adverse_events"] = [v.adverse_events for v in verdicts]
        docs = {v.week: v.doc for v in verdicts}
    interruptions = _interruptions(sessions)
    due_total = int(due_all.sum())
    done_total = int((sessions["done"] & sessions["due"]).sum())
    completed_total = int(((sessions["status"] == "completed") & sessions["due"]).sum())
    attended_total = int((attended_all & due_all).sum())
    elapsed = weeks[weeks["due"] > 0] if len(weeks) else weeks
    n_elapsed = len(elapsed)
    scores = pd.to_numeric(sessions["score"], errors="coerce").dropna()
    ready_weeks = weeks["progression_ready"].dropna() if len(weeks) else pd.Series(dtype=object)
    table = notes_table(notes)
    known = table[table["session_id"].isin(set(sessions["session_id"].astype(str)))]
    events = known[known["adverse_event"]]
    uncleared = int((~cleared(known)[known["adverse_event"]]).sum())
    last_assessed = verdicts and [v for v in verdicts if v.ready is not None]
    summary: dict[str, Any] = {
        "weeks": n_weeks,
        "weeks_elapsed": n_elapsed,
        "sessions_prescribed": due_total,
        "sessions_done": done_total,
        "sessions_completed": completed_total,
        "adherence_pct": 100.0 * done_total / due_total if due_total else None,
        "completion_pct": 100.0 * completed_total / due_total if due_total else None,
        "sessions_per_week": done_total / n_elapsed if n_elapsed else None,
        "mean_score": float(scores.mean()) if len(scores) else None,
        "total_run_min": float(weeks["run_min"].sum()) if len(weeks) else 0.0,
        "total_run_km": float(weeks["run_km"].sum()) if len(weeks) else 0.0,
        "weekly_run_km": float(elapsed["run_km"].mean()) if n_elapsed else None,
        "weekly_run_min": float(elapsed["run_min"].mean()) if n_elapsed else None,
        "interruptions": len(interruptions),
        "longest_missed_run": _longest_streak(sessions),
        "weeks_progression_ready": int(sum(bool(x) for x in ready_weeks)),
        "weeks_assessed": len(ready_weeks),
        "sessions_attended": attended_total,
        "attendance_pct": _pct(attended_total, due_total),
        "longest_not_done_run": _longest(sessions, sessions["done"].astype(bool)),
        "interruption_dates": [
            f"{_iso(r['first_date'])}/{_iso(r['last_date'])}"
            for r in interruptions.to_dict(orient="records")
        ],
        **_discontinuation(sessions),
        **_dose(sessions[due_all]),
        "adverse_events": len(events),
        "adverse_events_uncleared": uncleared,
        "progression_ready_last": last_assessed[-1].ready if last_assessed else None,
        "progression_reason_last": last_assessed[-1].text if last_assessed else None,
    }
    return weeks, interruptions, summary, docs


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def adherence_measures(
    sessions: pd.DataFrame,
    activity_weeks: pd.DataFrame,
    *,
    n_weeks: int,
    notes: Any = None,
    rules: ProgressionRules | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The per-week table, the interruptions and the summary from per-session results.

    Parameters
    ----------
    sessions
        One row per prescribed session with at least ``order``, ``week``,
        ``session_id``, ``date``, ``due`` (bool), ``done`` (bool), ``status``
        (``completed``, ``partial``, ``not_completed``, ``missed`` or
        ``upcoming``) and ``score`` (NaN when no activity); optionally the
        attendance, dose and fidelity columns of
        :data:`stridecheck.compliance.dose.DOSE_COLUMNS` (without
        ``attended``, a session with an activity counts as attended).
    activity_weeks
        One row per activity inside the program weeks: ``week``, ``run_s`` [s],
        ``run_distance_m`` [m].
    n_weeks
        Number of program weeks.
    notes
        Session notes (pain, adverse events, clearances), see
        :func:`stridecheck.compliance.progression.notes_table`.
    rules
        Progression rules (default: :class:`~stridecheck.programs.model.ProgressionRules`).

    Returns
    -------
    weeks, interruptions, summary
        ``weeks``: ``week``, ``start_date``, ``prescribed``, ``due``, ``done``,
        ``completed``, ``mean_score`` (of the sessions with an activity),
        ``run_min``, ``run_km`` (every activity of the week), ``progression_ready``
        (``None`` while the week is not over and nothing unsafe was reported),
        ``attended``, ``attendance_pct``, ``prescribed_run_min``,
        ``performed_run_min``, ``prescribed_run_km``, ``performed_run_km``,
        ``rdi_pct``, ``run_steps_done_pct``, ``walk_breaks_kept_pct``,
        ``progression_reason``, ``max_pain_after``, ``adverse_events``.
        ``interruptions``: ``first_session``, ``last_session``, ``first_date``,
        ``last_date``, ``sessions``. ``summary``: the measures.
    """
    weeks, interruptions, summary, _ = _measures(
        sessions, activity_weeks, n_weeks=n_weeks, notes=notes, rules=rules
    )
    return weeks, interruptions, summary


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2) if math.isfinite(value) else None
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return _jsonable(value.item())
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or value is pd.NaT:
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rec in frame.to_dict(orient="records"):
        out.append({str(k): _jsonable(v) for k, v in rec.items()})
    return out


@dataclass
class AdherenceReport:
    """Adherence of one person to one program.

    Attributes
    ----------
    program
        Program name.
    start
        First day of week 1.
    as_of
        Evaluation date: sessions after it are ``upcoming`` (``None``: whole program).
    sessions
        One row per prescribed session (columns :data:`SESSION_COLUMNS`).
    weeks
        One row per program week (see :func:`adherence_measures`).
    unplanned
        Activities not matched to a session: ``activity``, ``start``, ``week``,
        ``reason``, ``run_min``, ``run_km``.
    interruptions
        Runs of 3+ consecutive prescribed sessions not done.
    summary
        The trial's measures (adherence %, sessions per week, weekly running
        distance, interruptions, progression readiness, ...).
    results
        Compliance of each matched activity, by session id.
    methods_doc
        How it was measured, as a message tree (worded in any catalog language);
        ``methods_text`` is its English wording.
    progression_docs
        Why each week is or is not ready to progress, by week, as translatable
        text (its English wording is the ``progression_reason`` column of
        ``weeks``).
    """

    program: str
    start: dt.date
    as_of: dt.date | None
    sessions: pd.DataFrame
    weeks: pd.DataFrame
    unplanned: pd.DataFrame
    interruptions: pd.DataFrame
    summary: dict[str, Any]
    results: dict[str, SessionCompliance]
    methods_doc: Text
    progression_docs: dict[int, Text] = field(default_factory=dict)

    @property
    def methods_text(self) -> str:
        """How adherence was measured, in plain English."""
        return render(self.methods_doc)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready document: ``program, start, as_of, summary, weeks, sessions, ...``."""
        return {
            "program": self.program,
            "start": self.start.isoformat(),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "summary": {k: _jsonable(v) for k, v in self.summary.items()},
            "weeks": _records(self.weeks),
            "sessions": _records(self.sessions),
            "unplanned": _records(self.unplanned),
            "interruptions": _records(self.interruptions),
            "methods_text": self.methods_text,
        }


def program_week(start_date: dt.date, when: dt.date) -> int:
    """Program week of a day, counting the start date's week as 1 (may be < 1 or past the end)."""
    return (when - start_date).days // 7 + 1


def _week_of(start: dt.date, when: pd.Timestamp) -> int:
    return program_week(start, when.tz_convert("UTC").date())


def _calendar_rows_by_week(calendar: pd.DataFrame) -> dict[int, list[int]]:
    """Rows of a :func:`program_calendar` (positions, in order) by program week."""
    weeks: dict[int, list[int]] = {}
    for row, week in enumerate(calendar["week"].tolist()):
        weeks.setdefault(int(week), []).append(row)
    return weeks


def week_sessions(program: Program, start: dt.date | str) -> dict[int, list[Session]]:
    """The sessions of each program week, as :func:`adherence` places them on the calendar.

    Scoring an activity against its week's sessions ahead of time (in a worker
    process) leaves the results cached where :func:`adherence` looks them up.
    """
    calendar = program_calendar(program, start)
    orders = calendar["order"].tolist()
    return {
        week: [program.sessions[int(orders[row])] for row in rows]
        for week, rows in _calendar_rows_by_week(calendar).items()
    }


def adherence(
    program: Program,
    start: dt.date | str,
    activities: Sequence[Activity | ScoredActivity],
    *,
    as_of: dt.date | str | None = None,
    done_score: float = 50.0,
    method: str = "dp",
    params: ComplianceParams | None = None,
    notes: Any = None,
    rules: ProgressionRules | None = None,
    min_attended_s: float = MIN_ATTENDED_S,
) -> AdherenceReport:
    """**Adherence of a person to a program, from their activities.**

    Parameters
    ----------
    program
        The prescribed program.
    start
        First day of week 1.
    activities
        The person's activities (any order), or :class:`ScoredActivity` objects
        from :func:`score_activity` (to reuse a segmentation).
    as_of
        Evaluation date: sessions dated after it are ``upcoming`` and not
        counted. ``None`` (default): every session is due.
    done_score
        Lowest compliance score of a session counted as done (default 50: a
        ``partial`` or ``completed`` session).
    method, params
        Passed to :func:`~stridecheck.compliance.comply`.
    notes
        Session notes (pain before / after on 0-100, adverse events, coach
        clearances): a DataFrame like :meth:`stridecheck.store.Store.notes_frame`
        or note objects (see :func:`stridecheck.compliance.progression.notes_table`).
    rules
        Progression rules (default: the program's ``[progression]`` table, else
        :class:`~stridecheck.programs.model.ProgressionRules`).
    min_attended_s
        Least walking and running time of a matched activity for the session to
        count as attended (default :data:`~stridecheck.compliance.dose.MIN_ATTENDED_S`). [s]

    Returns
    -------
    AdherenceReport
    """
    first = _as_date(start)
    until = None if as_of is None else _as_date(as_of)
    calendar = program_calendar(program, first)
    n_weeks = int(max(program.n_weeks or 0, int(calendar["week"].max()) if len(calendar) else 0))
    scored = [a if isinstance(a, ScoredActivity) else score_activity(a) for a in activities]
    scored.sort(key=lambda a: a.start)
    by_week: dict[int, list[int]] = {}
    unplanned: list[dict[str, Any]] = []
    for idx, act in enumerate(scored):
        week = _week_of(first, act.start)
        if 1 <= week <= n_weeks:
            by_week.setdefault(week, []).append(idx)
        else:
            reason = "before the program start" if week < 1 else "after the program end"
            unplanned.append({"index": idx, "week": None, "reason": reason})
    assigned: dict[int, int] = {}  # calendar row -> activity index
    rows_by_week = _calendar_rows_by_week(calendar)
    orders, days = calendar["order"].tolist(), calendar["date"].tolist()
    for week, members in by_week.items():
        rows = rows_by_week.get(week, [])
        planned = [program.sessions[int(orders[r])] for r in rows]
        dates = [days[r] for r in rows]
        # equal scores: the activity closest to the session's calendar day wins
        grid = np.array(
            [
                [
                    scored[a].score_against(s, method=method, params=params).score
                    - _DAY_TIE_BREAK * abs((scored[a].start.date() - day).days)
                    for s, day in zip(planned, dates, strict=True)
                ]
                for a in members
            ],
            dtype=float,
        ).reshape(len(members), len(planned))
        pairs = match_week(grid) if planned else []
        matched = set()
        for a_pos, s_pos in pairs:
            assigned[rows[s_pos]] = members[a_pos]
            matched.add(a_pos)
        for a_pos, a_idx in enumerate(members):
            if a_pos not in matched:
                unplanned.append(
                    {"index": a_idx, "week": week, "reason": f"extra activity in week {week}"}
                )
    note_rows = notes_table(notes)
    pain_after = {
        str(k): float(v)
        for k, v in note_rows.groupby("session_id")["pain_after"].max().dropna().items()
    }
    adverse = set(note_rows.loc[note_rows["adverse_event"], "session_id"].astype(str))
    records: list[dict[str, Any]] = []
    results: dict[str, SessionCompliance] = {}
    calendar_rows: list[dict[str, Any]] = calendar.to_dict(orient="records")  # type: ignore[assignment]
    for r, row in enumerate(calendar_rows):
        due = until is None or row["date"] <= until
        rec: dict[str, Any] = {
            "order": int(row["order"]),
            "week": int(row["week"]),
            "slot": int(row["slot"]),
            "session_id": row["session_id"],
            "date": row["date"],
            "due": bool(due),
        }
        if r in assigned:
            act = scored[assigned[r]]
            res = act.score_against(program.sessions[rec["order"]], method=method, params=params)
            results[rec["session_id"]] = res
            run_s, run_m = act.totals()
            rec |= {
                "status": res.category,
                "done": bool(res.score >= done_score),
                "score": res.score,
                "category": res.category,
                "run_compliance_pct": res.run_compliance_pct,
                "walk_compliance_pct": res.walk_compliance_pct,
                "activity": act.name,
                "activity_start": act.start,
                "compliance_uncertain": bool(res.compliance_uncertain),
                "uncertain_steps": int(res.uncertain_steps),
                "score_low": res.score if res.score_low is None else res.score_low,
                "score_high": res.score if res.score_high is None else res.score_high,
                **session_dose(
                    program.sessions[rec["order"]],
                    res,
                    moving_s=act.moving_s(),
                    run_s=run_s,
                    run_m=run_m,
                    min_attended_s=min_attended_s,
                ),
            }
            rec["due"] = True
        else:
            rec |= {
                "status": "missed" if due else "upcoming",
                "done": False,
                "score": math.nan,
                "category": None,
                "run_compliance_pct": math.nan,
                "walk_compliance_pct": math.nan,
                "activity": None,
                "activity_start": None,
                "compliance_uncertain": False,
                "uncertain_steps": 0,
                "score_low": math.nan,
                "score_high": math.nan,
                **session_dose(program.sessions[rec["order"]], None),
            }
        pain = pain_after.get(rec["session_id"])
        rec["pain_after"] = math.nan if pain is None else pain
        rec["adverse_event"] = rec["session_id"] in adverse
        records.append(rec)
    sessions = pd.DataFrame(records, columns=list(SESSION_COLUMNS))
    act_rows = []
    for act in scored:
        run_s, run_m = act.totals()
        act_rows.append(
            {"week": _week_of(first, act.start), "run_s": run_s, "run_distance_m": run_m}
        )
    activity_weeks = pd.DataFrame(act_rows, columns=["week", "run_s", "run_distance_m"])
    in_force = rules if rules is not None else program.progression_rules
    weeks, interruptions, summary, docs = _measures(
        sessions, activity_weeks, n_weeks=n_weeks, notes=note_rows, rules=in_force
    )
    summary = {
        "program": program.name,
        "start": first.isoformat(),
        "as_of": None if until is None else until.isoformat(),
        **summary,
        "activities": len(scored),
        "unplanned_activities": len(unplanned),
        "min_attended_min": min_attended_s / 60.0,
    }
    unplanned_rows = []
    for item in sorted(unplanned, key=lambda u: int(u["index"])):
        act = scored[int(item["index"])]
        run_s, run_m = act.totals()
        unplanned_rows.append(
            {
                "activity": act.name,
                "start": act.start,
                "week": item["week"],
                "reason": item["reason"],
                "run_min": run_s / 60.0,
                "run_km": run_m / 1000.0,
            }
        )
    return AdherenceReport(
        program=program.name,
        start=first,
        as_of=until,
        sessions=sessions,
        weeks=weeks,
        unplanned=pd.DataFrame(
            unplanned_rows, columns=["activity", "start", "week", "reason", "run_min", "run_km"]
        ),
        interruptions=interruptions,
        summary=summary,
        results=results,
        methods_doc=adherence_methods_doc(
            done_score,
            per_week=program.sessions_per_week,
            min_attended_s=min_attended_s,
            rules=in_force,
        ),
        progression_docs=docs,
    )
