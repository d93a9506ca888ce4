"""Build :class:`~stridecheck.report.model.AthleteReportData`: from the store or from memory.

Two entry points, one core:

- :func:`athlete_data_from_store` reads an enrolled athlete's stored
  activities, intervals and notes (stale results are recomputed first);
- :func:`athlete_data_from_activities` takes activities, a program and a start
  date (optionally with ready-made segmentations, e.g. a simulator's truth).

Both hand :class:`~stridecheck.compliance.ScoredActivity` objects to
:func:`assemble`, which runs :func:`stridecheck.compliance.adherence` and turns
its tables into the report's plain data.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stridecheck import __version__
from stridecheck.activity import Activity
from stridecheck.compliance import (
    AdherenceReport,
    ScoredActivity,
    SessionCompliance,
    adherence,
    score_activity,
)
from stridecheck.compliance.explain import step_label
from stridecheck.compliance.methods import compliance_methods_doc
from stridecheck.compliance.profile_learning import with_gait_profile
from stridecheck.errors import InputError
from stridecheck.messages import Deferred, Text, from_json
from stridecheck.programs import Program
from stridecheck.report.findings import derive_findings
from stridecheck.report.model import (
    AthleteReportData,
    DetectedInterval,
    NoteEntry,
    PrescribedStep,
    SessionReport,
    Status,
    TraceSample,
    WeekRow,
)

__all__ = [
    "MAX_TRACE_POINTS",
    "assemble",
    "athlete_data_from_activities",
    "athlete_data_from_store",
    "restrict_weeks",
    "store_athletes",
    "stored_segmentation_methods",
]

#: Heart-rate and speed traces are thinned to at most this many points per session.
MAX_TRACE_POINTS = 400


def _float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def _optional(value: Any) -> float | None:
    number = _float(value)
    return number if math.isfinite(number) else None


def _timestamp(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _traces(activity: Activity | None) -> list[TraceSample]:
    """Heart rate and speed, averaged into at most :data:`MAX_TRACE_POINTS` bins."""
    if activity is None or len(activity.samples) == 0:
        return []
    samples = activity.samples
    cols = [c for c in ("heart_rate_bpm", "speed_mps") if c in samples.columns]
    if not cols:
        return []
    elapsed = (samples.index - samples.index[0]).total_seconds().to_numpy(dtype=float)
    frame = pd.DataFrame({c: samples[c].to_numpy(dtype=float) for c in cols})
    frame["elapsed_s"] = elapsed
    span = float(elapsed[-1]) if len(elapsed) else 0.0
    bin_s = max(1.0, math.ceil(span / MAX_TRACE_POINTS))
    frame["bin"] = np.floor(elapsed / bin_s)
    binned = frame.groupby("bin", sort=True).mean()
    out: list[TraceSample] = []
    for rec in binned.to_dict(orient="records"):
        out.append(
            TraceSample(
                elapsed_s=round(_float(rec["elapsed_s"]), 1),
                heart_rate_bpm=_float(rec.get("heart_rate_bpm")),
                speed_mps=_float(rec.get("speed_mps")),
            )
        )
    return out


def _intervals(intervals: pd.DataFrame, origin: pd.Timestamp) -> list[DetectedInterval]:
    out: list[DetectedInterval] = []
    has_distance = "distance_m" in intervals.columns
    for rec in intervals.to_dict(orient="records"):
        start = (_timestamp(rec["start"]) - origin).total_seconds()
        end = (_timestamp(rec["end"]) - origin).total_seconds()
        distance = _float(rec["distance_m"]) if has_distance else math.nan
        out.append(DetectedInterval(str(rec["kind"]), float(start), float(end), distance))
    return out


def _prescribed(
    program: Program, session_id: str, result: SessionCompliance | None
) -> list[PrescribedStep]:
    verdicts = {s.index: s.verdict for s in result.steps} if result is not None else {}
    return [
        PrescribedStep(
            index=step.index,
            kind=step.kind,
            label=step_label(step.label, step.name),
            start_s=step.start_s,
            duration_s=step.duration_s,
            verdict=verdicts.get(step.index),
        )
        for step in program.session(session_id).flatten()
    ]


def _session_report(
    program: Program,
    rec: dict[str, Any],
    report: AdherenceReport,
    by_name: dict[str, ScoredActivity],
) -> SessionReport:
    session_id = str(rec["session_id"])
    result = report.results.get(session_id) if rec["activity"] is not None else None
    status: Status = rec["status"]
    entry = SessionReport(
        session_id=session_id,
        week=int(rec["week"]),
        slot=int(rec["slot"]),
        date=rec["date"],
        status=status,
        prescribed=_prescribed(program, session_id, result),
        attended=bool(rec.get("attended", False)),
        adverse_event=bool(rec.get("adverse_event", False)),
        performed_run_min=_float(rec.get("performed_run_min", 0.0)),
        prescribed_run_min=_float(rec.get("prescribed_run_min", 0.0)),
    )
    scored = by_name.get(str(rec["activity"])) if rec["activity"] is not None else None
    if scored is None or result is None:
        return entry
    origin = _timestamp(scored.start)
    run_s, run_m = scored.totals()
    entry.score = _optional(result.score)
    entry.compliance_uncertain = bool(result.compliance_uncertain)
    entry.uncertain_steps = int(result.uncertain_steps)
    if result.uncertain_steps:
        entry.score_low = _optional(result.score_low)
        entry.score_high = _optional(result.score_high)
    entry.run_compliance_pct = _optional(result.run_compliance_pct)
    entry.walk_compliance_pct = _optional(result.walk_compliance_pct)
    entry.activity_name = scored.name
    entry.activity_start = origin.to_pydatetime()
    entry.intervals = _intervals(scored.intervals, origin)
    entry.duration_s = (
        scored.activity.duration_s
        if scored.activity is not None
        else sum(i.duration_s for i in entry.intervals)
    )
    entry.run_s = run_s
    entry.run_distance_m = run_m
    entry.offset_s = (
        float((_timestamp(result.start) - origin).total_seconds())
        if result.start is not None
        else 0.0
    )
    entry.traces = _traces(scored.activity)
    if scored.activity is not None:
        offset = scored.activity.meta.extra.get("utc_offset_s")
        entry.utc_offset_s = int(offset) if isinstance(offset, int | float) else None
    entry.reasons = list(result.reason_messages or result.reasons)
    return entry


def _week_rows(weeks: pd.DataFrame, reasons: dict[int, Text] | None = None) -> list[WeekRow]:
    rows: list[WeekRow] = []
    for rec in weeks.to_dict(orient="records"):
        ready = rec["progression_ready"]
        week = int(rec["week"])
        rows.append(
            WeekRow(
                week=int(rec["week"]),
                start_date=rec["start_date"],
                prescribed=int(rec["prescribed"]),
                due=int(rec["due"]),
                done=int(rec["done"]),
                completed=int(rec["completed"]),
                mean_score=_float(rec["mean_score"]),
                run_min=_float(rec["run_min"]),
                run_km=_float(rec["run_km"]),
                progression_ready=None if ready is None else bool(ready),
                attended=int(rec.get("attended", 0)),
                rdi_pct=_optional(rec.get("rdi_pct")),
                adverse_events=int(rec.get("adverse_events", 0)),
                progression_reason=(reasons or {}).get(week, rec.get("progression_reason")),
            )
        )
    return rows


def _interruptions(report: AdherenceReport, week_of: dict[str, int]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rec in report.interruptions.to_dict(orient="records"):
        out.append(
            {
                "first_session": str(rec["first_session"]),
                "last_session": str(rec["last_session"]),
                "sessions": int(rec["sessions"]),
                "week": week_of.get(str(rec["first_session"]), 0),
                "last_week": week_of.get(str(rec["last_session"]), 0),
            }
        )
    return out


def _unique_names(scored: Sequence[ScoredActivity]) -> None:
    seen: dict[str, int] = {}
    for item in scored:
        count = seen.get(item.name, 0)
        seen[item.name] = count + 1
        if count:
            item.name = f"{item.name} ({count + 1})"


def assemble(
    athlete: str,
    program: Program,
    start: dt.date,
    scored: Sequence[ScoredActivity],
    *,
    notes: Sequence[NoteEntry] = (),
    as_of: dt.date | None = None,
    segmentation_methods: Text | None = None,
) -> AthleteReportData:
    """The one core both builders share: adherence, sessions, weeks, findings, methods.

    Parameters
    ----------
    athlete
        The athlete's name.
    program
        The prescribed program.
    start
        First day of week 1.
    scored
        The athlete's activities, segmented (names are made unique in place).
    notes
        Session notes.
    as_of
        Evaluation date (later sessions are upcoming); ``None``: all are due.
    segmentation_methods
        The segmenter's methods paragraph, when known (as a string or
        translatable text, see :mod:`stridecheck.messages`).

    Returns
    -------
    AthleteReportData
    """
    items = list(scored)
    _unique_names(items)
    by_name = {item.name: item for item in items}
    report = adherence(program, start, items, as_of=as_of, notes=list(notes))
    records: list[dict[str, Any]] = report.sessions.to_dict(orient="records")  # type: ignore[assignment]
    sessions = [_session_report(program, rec, report, by_name) for rec in records]
    week_of = {s.session_id: s.week for s in sessions}
    n_weeks = max((w for w in week_of.values()), default=1)
    end = start + dt.timedelta(days=7 * n_weeks - 1)
    profile = next((item.profile for item in items if item.profile is not None), None)
    compliance_doc = compliance_methods_doc(
        evidence=any(item.activity is not None for item in items),
        profile_version=None if profile is None else profile.version,
    )
    methods: list[Text] = [m for m in (segmentation_methods, compliance_doc) if m]
    methods.append(report.methods_doc)
    data = AthleteReportData(
        athlete=athlete,
        program=program.name,
        program_description=program.description,
        start_date=start,
        end_date=end,
        as_of=as_of,
        summary=dict(report.summary),
        weeks=_week_rows(report.weeks, report.progression_docs),
        sessions=sessions,
        notes=sorted(notes, key=lambda n: n.created_at),
        interruptions=_interruptions(report, week_of),
        methods=methods,
        version=__version__,
    )
    data.findings = derive_findings(data)
    return data


def _with_distance(intervals: pd.DataFrame, activity: Activity) -> pd.DataFrame:
    """Add ``distance_m`` to an interval table that lacks it (e.g. a simulator's truth).

    Each interval's distance is the recorded cumulative distance at its end less
    that at its start (linear between samples); NaN without recorded distance.
    """
    if "distance_m" in intervals.columns:
        return intervals
    out = intervals.copy()
    samples = activity.samples
    if "distance_m" not in samples.columns or samples["distance_m"].isna().all():
        out["distance_m"] = math.nan
        return out
    known = samples["distance_m"].dropna()
    times = pd.DatetimeIndex(known.index)
    origin = _timestamp(times[0])
    t = (times - origin).total_seconds().to_numpy(dtype=float)
    d = known.to_numpy(dtype=float)

    def at(values: pd.Series) -> np.ndarray:
        seconds = np.array([(_timestamp(v) - origin).total_seconds() for v in values])
        return np.interp(seconds, t, d)

    out["distance_m"] = at(out["end"]) - at(out["start"])
    return out


def athlete_data_from_activities(
    athlete: str,
    program: Program,
    start: dt.date | str,
    activities: Sequence[Activity],
    *,
    segmentations: Sequence[Any] | None = None,
    names: Sequence[str] | None = None,
    notes: Sequence[NoteEntry] = (),
    as_of: dt.date | None = None,
) -> AthleteReportData:
    """Report data from activities in memory.

    Parameters
    ----------
    athlete
        The athlete's name.
    program
        The prescribed program.
    start
        First day of week 1 (``datetime.date`` or ``"YYYY-MM-DD"``).
    activities
        The athlete's activities (any order).
    segmentations
        One per activity: a :class:`~stridecheck.segment.Segmentation` or an
        interval table with ``kind``, ``start``, ``end`` (e.g. a simulator's
        ``truth_intervals``). Default: the segmentation of
        :func:`stridecheck.pipeline.analyse_activity`.
    names
        Names of the activities in the report (default: source file names).
    notes
        Session notes.
    as_of
        Evaluation date (later sessions are upcoming); ``None``: all are due.

    Returns
    -------
    AthleteReportData
    """
    first = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    if segmentations is not None and len(segmentations) != len(activities):
        raise ValueError("give one segmentation per activity")
    if names is not None and len(names) != len(activities):
        raise ValueError("give one name per activity")
    scored: list[ScoredActivity] = []
    methods_text: Text | None = None
    for i, activity in enumerate(activities):
        seg = segmentations[i] if segmentations is not None else None
        if seg is None:
            from stridecheck.pipeline import analyse_activity

            seg = analyse_activity(activity, errors="ignore").segmentation
        if methods_text is None and not isinstance(seg, pd.DataFrame):
            methods_text = getattr(seg, "methods_doc", None) or getattr(seg, "methods_text", None)
        default = activity.meta.source_path or activity.start_time.strftime("%Y-%m-%d %H:%M")
        name = names[i] if names is not None else Path(str(default)).name
        if isinstance(seg, pd.DataFrame):
            seg = _with_distance(seg, activity)
        scored.append(score_activity(activity, name=name, segmentation=seg))
    # a second pass: the athlete's gait profile, learnt from these sessions, as prior
    scored = with_gait_profile(athlete, scored)
    return assemble(
        athlete,
        program,
        first,
        scored,
        notes=notes,
        as_of=as_of,
        segmentation_methods=methods_text,
    )


def _notes_from_frame(frame: pd.DataFrame) -> list[NoteEntry]:
    out: list[NoteEntry] = []
    for rec in frame.to_dict(orient="records"):
        rpe = _optional(rec.get("rpe"))
        out.append(
            NoteEntry(
                session_id=str(rec["session_id"]),
                created_at=_timestamp(rec["created_at"]).to_pydatetime(),
                pain_before=_optional(rec.get("pain_before")),
                pain_after=_optional(rec.get("pain_after")),
                rpe=None if rpe is None else int(rpe),
                adverse_event=bool(rec.get("adverse_event")),
                text=str(rec.get("text") or ""),
                clearance=bool(rec.get("clearance") or False),
            )
        )
    return out


def stored_segmentation_methods(english: str, tree_json: str | None = None) -> Text:
    """A stored segmentation methods paragraph, translatable.

    Parameters
    ----------
    english
        The paragraph as stored (``analyses.methods_text``).
    tree_json
        Its message tree (``analyses.methods_json``, schema version 2). Without
        one (an analysis stored by an older version) English reports show the
        text as stored and another language reads it back into its tree first
        (:func:`stridecheck.segment.methods.parse_methods_text`).
    """
    if tree_json:
        try:
            return from_json(json.loads(tree_json))
        except ValueError:
            pass  # unreadable tree: fall back to the English text
    from stridecheck.segment.methods import parse_methods_text

    return Deferred(english, lambda: parse_methods_text(english))


def store_athletes(store: Any) -> list[str]:
    """Names of the store's athletes who are enrolled in a program, sorted."""
    return [row["athlete"] for row in store.athletes_summary() if row["program"]]


def athlete_data_from_store(
    store: Any,
    athlete_name: str,
    *,
    as_of: dt.date | None = None,
    weeks: tuple[int, int] | None = None,
) -> AthleteReportData:
    """Report data of an enrolled athlete in the store.

    Stale stored results are recomputed first
    (:func:`stridecheck.pipeline.refresh_results`); the stored intervals are
    reused.

    Parameters
    ----------
    store
        An open :class:`stridecheck.store.Store`.
    athlete_name
        The athlete's name.
    as_of
        Evaluation date (later sessions are upcoming); ``None``: all are due.
    weeks
        Only these program weeks ``(first, last)``, inclusive: sessions after
        the last week are not counted (see :func:`restrict_weeks`).

    Raises
    ------
    InputError
        Unknown athlete, or an athlete who is not enrolled in a program.
    """
    from stridecheck.pipeline import enrolled_activities

    athlete, enrolment, scored = enrolled_activities(store, athlete_name, numbered=False)
    if weeks is not None:
        week_end = enrolment.start_date + dt.timedelta(days=7 * weeks[1] - 1)
        as_of = week_end if as_of is None else min(as_of, week_end)
    row = store.conn.execute(
        "SELECT a.methods_text, a.methods_json FROM analyses a"
        " JOIN activities v ON v.id = a.activity_id"
        " WHERE v.athlete_id = ? ORDER BY v.start_time DESC LIMIT 1",
        (athlete.id,),
    ).fetchone()
    notes = _notes_from_frame(store.notes_frame(athlete.id))
    data = assemble(
        athlete.name,
        enrolment.program(),
        enrolment.start_date,
        scored,
        notes=notes,
        as_of=as_of,
        segmentation_methods=stored_segmentation_methods(str(row[0]), row[1]) if row else None,
    )
    return data if weeks is None else restrict_weeks(data, *weeks)


def restrict_weeks(data: AthleteReportData, first: int, last: int) -> AthleteReportData:
    """Keep only program weeks ``first``-``last`` (inclusive) of the sessions and weeks.

    The summary keeps the measures as computed (use ``as_of`` when building to
    stop counting after a week); findings are derived again for the shown weeks.
    """
    if first < 1 or last < first:
        raise InputError("--weeks", f"not a week range: {first}-{last}")
    weeks = [w for w in data.weeks if first <= w.week <= last]
    sessions = [s for s in data.sessions if first <= s.week <= last]
    shown = {s.session_id for s in sessions}
    out = AthleteReportData(
        athlete=data.athlete,
        program=data.program,
        program_description=data.program_description,
        start_date=data.start_date + dt.timedelta(days=7 * (first - 1)),
        end_date=min(data.end_date, data.start_date + dt.timedelta(days=7 * last - 1)),
        as_of=data.as_of,
        summary=dict(data.summary),
        weeks=weeks,
        sessions=sessions,
        notes=[n for n in data.notes if n.session_id in shown],
        interruptions=[i for i in data.interruptions if first <= int(i["week"]) <= last],
        methods=list(data.methods),
        generated_at=data.generated_at,
        version=data.version,
    )
    out.findings = derive_findings(out)
    return out
