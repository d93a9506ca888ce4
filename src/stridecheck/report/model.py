"""The plain data a coach report is made from: no store, no pandas objects to render.

Everything a report or the dashboard shows about one athlete is an
:class:`AthleteReportData`. It is built by exactly one of two functions in
:mod:`stridecheck.report.build`: from the store
(:func:`~stridecheck.report.build.athlete_data_from_store`) or from in-memory
activities, a program and a start date
(:func:`~stridecheck.report.build.athlete_data_from_activities`). Both go
through the same core, so a report looks the same whichever way it was made.

Times are UTC; per-session times are seconds from the session's start.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from stridecheck.messages import Text

__all__ = [
    "STATUSES",
    "AthleteReportData",
    "DetectedInterval",
    "Finding",
    "NoteEntry",
    "PrescribedStep",
    "SessionReport",
    "Severity",
    "Status",
    "TraceSample",
    "TrafficLight",
    "WeekRow",
]

#: Status of a prescribed session on the calendar.
Status = Literal["completed", "partial", "not_completed", "missed", "upcoming"]
#: The statuses, best first.
STATUSES: tuple[Status, ...] = ("completed", "partial", "not_completed", "missed", "upcoming")
#: How urgent a finding is.
Severity = Literal["good", "info", "warning", "alert"]
#: The dashboard's overall signal for an athlete.
TrafficLight = Literal["green", "amber", "red"]


@dataclass(frozen=True)
class PrescribedStep:
    """One prescribed bout, on the session's clock.

    Attributes
    ----------
    index
        Position in the flattened session, from 0.
    kind
        ``"run"`` or ``"walk"``.
    label
        Short label (``"warm-up"``, ``"run 4 of 10"``), translatable
        (:mod:`stridecheck.messages`).
    start_s
        Prescribed start from the session start. [s]
    duration_s
        Prescribed duration. [s]
    verdict
        How it was done (``done``, ``short``, ``wrong_kind``, ``missed``,
        ``not_reached``, ``uncertain``), or ``None`` without an activity.
    """

    index: int
    kind: str
    label: Text
    start_s: float
    duration_s: float
    verdict: str | None = None

    @property
    def end_s(self) -> float:
        """Prescribed end from the session start. [s]"""
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class DetectedInterval:
    """One detected walk / run / stop / paused / unknown interval.

    Attributes
    ----------
    kind
        ``walk``, ``run``, ``stop``, ``paused`` or ``unknown``.
    start_s, end_s
        Start and end from the activity's first sample. [s]
    distance_m
        Distance covered (NaN when unknown). [m]
    """

    kind: str
    start_s: float
    end_s: float
    distance_m: float = math.nan

    @property
    def duration_s(self) -> float:
        """Length of the interval. [s]"""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class TraceSample:
    """One point of the heart-rate and pace traces (thinned for charts).

    Attributes
    ----------
    elapsed_s
        Time from the activity's first sample. [s]
    heart_rate_bpm
        Heart rate (NaN when not recorded). [1/min]
    speed_mps
        Ground speed (NaN when not recorded). [m/s]
    """

    elapsed_s: float
    heart_rate_bpm: float
    speed_mps: float


@dataclass
class SessionReport:
    """One prescribed session and what happened to it.

    Attributes
    ----------
    session_id
        Id in the program (``"W1S1"``).
    week, slot
        Program week (from 1) and position within the week (from 1).
    date
        Calendar day the session was planned for.
    status
        Category of the matched activity, or ``missed`` / ``upcoming``.
    score
        Compliance score 0-100 (``None`` without an activity).
    run_compliance_pct, walk_compliance_pct
        Shares of the prescribed run and walk time done. [%]
    activity_name
        The matched activity (file name), if any.
    activity_start
        When it started (UTC), if any.
    duration_s
        Recorded wall-clock span of the activity. [s]
    run_s
        Time detected as running over the whole activity. [s]
    run_distance_m
        Distance detected as running (NaN when unknown). [m]
    prescribed
        The prescribed steps, on the session's clock.
    offset_s
        Where the prescribed clock starts on the activity's clock (the first
        step's aligned start). [s]
    intervals
        Detected intervals on the activity's clock.
    traces
        Heart-rate and speed, thinned to a few hundred points.
    reasons
        Plain-language findings of the compliance scoring, as translatable text
        (:mod:`stridecheck.messages`; plain English for results stored before
        reason trees), worded in the report's language.
    attended
        An activity of at least the minimum moving time was matched to it.
    adverse_event
        A note reports an adverse event for this session (shown first, in red).
    performed_run_min, prescribed_run_min
        Running time done (matched activity) and prescribed. [min]
    utc_offset_s
        The activity's local time zone as an offset from UTC, when the file
        gives it (FIT ``local_timestamp``); ``None``: times are shown in UTC. [s]
    compliance_uncertain
        Attended, but the data cannot tell how well: the score range spans
        more than one category (shown in its own colour).
    uncertain_steps
        Steps the data can neither confirm nor refute.
    score_low, score_high
        The score with the uncertain steps not done / done (``None`` without
        an activity).
    """

    session_id: str
    week: int
    slot: int
    date: dt.date
    status: Status
    score: float | None = None
    run_compliance_pct: float | None = None
    walk_compliance_pct: float | None = None
    activity_name: str | None = None
    activity_start: dt.datetime | None = None
    duration_s: float = math.nan
    run_s: float = 0.0
    run_distance_m: float = math.nan
    prescribed: list[PrescribedStep] = field(default_factory=list)
    offset_s: float = 0.0
    intervals: list[DetectedInterval] = field(default_factory=list)
    traces: list[TraceSample] = field(default_factory=list)
    reasons: list[Text] = field(default_factory=list)
    attended: bool = False
    adverse_event: bool = False
    performed_run_min: float = 0.0
    prescribed_run_min: float = 0.0
    compliance_uncertain: bool = False
    uncertain_steps: int = 0
    score_low: float | None = None
    score_high: float | None = None
    utc_offset_s: int | None = None

    @property
    def has_activity(self) -> bool:
        """True when an activity was matched to the session."""
        return self.activity_name is not None

    @property
    def anchor(self) -> str:
        """HTML id fragment of the session (unique within an athlete)."""
        return f"s-{self.session_id}"


@dataclass(frozen=True)
class WeekRow:
    """One program week.

    Attributes
    ----------
    week
        Program week, from 1.
    start_date
        First day of the week.
    prescribed, due, done, completed
        Sessions prescribed, due by the evaluation date, done (score >= the
        done threshold) and completed (score >= 80).
    mean_score
        Mean score of the week's sessions with an activity (NaN when none).
    run_min
        Detected running time of the week's activities. [min]
    run_km
        Detected running distance of the week's activities. [km]
    progression_ready
        Ready to progress by the program's progression rules (``None`` while
        the week is not over and nothing unsafe was reported); never True for a
        week with an adverse event.
    attended
        Sessions attended (an activity of at least the minimum moving time).
    rdi_pct
        Relative dose intensity: running time done / prescribed (``None``
        without sessions due). [%]
    adverse_events
        Adverse events reported for the week's sessions.
    progression_reason
        Why the week is or is not ready, translatable (``None``: not known).
    """

    week: int
    start_date: dt.date | None
    prescribed: int
    due: int
    done: int
    completed: int
    mean_score: float
    run_min: float
    run_km: float
    progression_ready: bool | None
    attended: int = 0
    rdi_pct: float | None = None
    adverse_events: int = 0
    progression_reason: Text | None = None


@dataclass(frozen=True)
class NoteEntry:
    """A session note: what the athlete reported.

    Attributes
    ----------
    session_id
        Prescribed session the note is about.
    created_at
        When it was written (UTC).
    pain_before, pain_after
        Pain on the 0-100 visual analogue scale (``None`` when not given).
    rpe
        Borg rating of perceived exertion, 6-20 (``None`` when not given).
    adverse_event
        True when an adverse event was flagged.
    text
        Free text.
    clearance
        A coach's clearance after an adverse event.
    """

    session_id: str
    created_at: dt.datetime
    pain_before: float | None = None
    pain_after: float | None = None
    rpe: int | None = None
    adverse_event: bool = False
    text: str = ""
    clearance: bool = False


@dataclass(frozen=True)
class Finding:
    """A plain-language finding, kept as a message code and its values.

    The text is produced at rendering time in the report's language
    (:func:`stridecheck.report.findings.finding_text`).

    Attributes
    ----------
    code
        What was found (``interruption``, ``missed_week``, ``ready``,
        ``not_ready``, ``low_adherence``, ``good_adherence``, ``adverse``,
        ``pain_rise``, ``no_activity``).
    severity
        ``good``, ``info``, ``warning`` or ``alert``.
    values
        The numbers and ids the text names.
    """

    code: str
    severity: Severity
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class AthleteReportData:
    """Everything a report shows about one athlete.

    Attributes
    ----------
    athlete
        The athlete's name.
    program
        Program name.
    program_description
        The program in a sentence, if it has one.
    start_date, end_date
        First and last day of the program.
    as_of
        Evaluation date (later sessions are upcoming), or ``None``.
    summary
        The trial's measures (see :func:`stridecheck.compliance.adherence`):
        ``adherence_pct``, ``completion_pct``, ``sessions_per_week``,
        ``weekly_run_km``, ``weekly_run_min``, ``interruptions``,
        ``weeks_progression_ready``, ``weeks_assessed``, ``sessions_prescribed``,
        ``sessions_done``, ``sessions_completed``, ``mean_score``, ...
    weeks
        One row per program week.
    sessions
        One entry per prescribed session, in program order.
    notes
        Session notes, oldest first.
    interruptions
        Runs of 3 or more sessions in a row not done: ``first_session``,
        ``last_session``, ``sessions``, ``week``.
    findings
        Plain-language findings, most important first.
    methods
        Methods paragraphs (segmentation, compliance, adherence), translatable
        (:mod:`stridecheck.messages`).
    generated_at
        When the data was assembled (UTC).
    version
        The stridecheck version that made it.
    """

    athlete: str
    program: str
    start_date: dt.date
    end_date: dt.date
    summary: dict[str, Any]
    weeks: list[WeekRow]
    sessions: list[SessionReport]
    notes: list[NoteEntry] = field(default_factory=list)
    interruptions: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    methods: list[Text] = field(default_factory=list)
    program_description: str | None = None
    as_of: dt.date | None = None
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    version: str = ""

    @property
    def anchor(self) -> str:
        """HTML id of the athlete's section (letters, digits and dashes only)."""
        safe = "".join(ch if ch.isalnum() else "-" for ch in self.athlete.lower())
        return f"athlete-{safe}"

    @property
    def adherence_pct(self) -> float | None:
        """Sessions done / sessions due (``None`` when none were due). [%]"""
        value = self.summary.get("adherence_pct")
        return None if value is None else float(value)

    @property
    def adverse_events(self) -> int:
        """Number of notes flagging an adverse event."""
        return sum(1 for n in self.notes if n.adverse_event)

    @property
    def adverse_events_uncleared(self) -> int:
        """Adverse events with no coach's clearance note after them."""
        count = 0
        for i, note in enumerate(self.notes):
            if note.adverse_event and not any(n.clearance for n in self.notes[i + 1 :]):
                count += 1
        return count

    @property
    def traffic_light(self) -> TrafficLight:
        """Overall signal: red for an adverse event not yet cleared by a coach, an
        interruption or adherence < 50 %; amber for adherence < 70 % (ASTEROID's mean) or
        a warning finding (a cleared adverse event among them); else green."""
        pct = self.adherence_pct
        if self.adverse_events_uncleared or self.interruptions or (pct is not None and pct < 50.0):
            return "red"
        if (pct is not None and pct < 70.0) or any(
            f.severity in ("warning", "alert") for f in self.findings
        ):
            return "amber"
        return "green"

    def session(self, session_id: str) -> SessionReport:
        """The session with this id (``KeyError`` when unknown)."""
        for s in self.sessions:
            if s.session_id == session_id:
                return s
        raise KeyError(session_id)

    def notes_for(self, session_id: str) -> list[NoteEntry]:
        """The notes about one session, oldest first."""
        return [n for n in self.notes if n.session_id == session_id]
