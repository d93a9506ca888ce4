"""One activity in, everything stridecheck concludes about it out.

:func:`analyse_activity` is the single place where an activity is segmented
and, given a prescribed session or a program, scored against the session (or
the program's best-matching one): it returns an :class:`Analysis`. The
importer and :func:`refresh_results` store what it returns; ``stridecheck
analyze``, ``demo`` and ``record``, the reports built from activities in
memory, the cohort runner (through :func:`scored_activity`) and the live
recorder call it too. The analysis warns about data problems as
:func:`stridecheck.io.read` does: ``errors="warn" | "ignore" | "raise"``.

Adherence over a program (:func:`athlete_adherence` for a stored athlete, and
the cohort runner) takes the analyses (:meth:`Analysis.scored`) and leaves
matching and the trial's measures to :func:`stridecheck.compliance.adherence`.
:func:`algorithm_version` names what produced a stored result, so stale results
are recomputed.

Quick example::

    from stridecheck import read
    from stridecheck.pipeline import analyse_activity
    from stridecheck.programs import load_program

    week1 = load_program("couch-to-5k").session("W1S1")
    analysis = analyse_activity(read("run.fit"), session=week1)
    analysis.segmentation.intervals, analysis.session_compliance.score
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stridecheck import __version__
from stridecheck.activity import Activity
from stridecheck.compliance import (
    AdherenceReport,
    ComplianceParams,
    ScoredActivity,
    SessionCompliance,
    adherence,
    best_session,
    comply,
    program_calendar,
    score_activity,
)
from stridecheck.compliance.adherence import program_week
from stridecheck.compliance.profile_learning import ProfileSession, learn_profile
from stridecheck.errors import ErrorPolicy, InputError
from stridecheck.messages import to_json
from stridecheck.programs import Program, Session
from stridecheck.segment import (
    INTERVAL_COLUMNS,
    HmmParams,
    Segmentation,
    segment,
    segmenter_settings,
)
from stridecheck.segment.profile import GaitProfile
from stridecheck.store.repository import (
    AnalysisRecord,
    Athlete,
    ComplianceRecord,
    Enrolment,
    Store,
)
from stridecheck.store.times import utc_texts

__all__ = [
    "COMPLY_METHOD",
    "SEGMENT_METHOD",
    "Analysis",
    "AnalysisResult",
    "algorithm_version",
    "analyse_activity",
    "athlete_adherence",
    "candidate_sessions",
    "enrolled_activities",
    "program_week",
    "refresh_results",
    "scored_activity",
    "update_gait_profile",
]

#: Segmentation method used for stored and cohort results.
SEGMENT_METHOD = "hmm"
#: Compliance alignment method used for stored and cohort results.
COMPLY_METHOD = "dp"


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:10]


def algorithm_version(
    segment_params: HmmParams | None = None,
    compliance_params: ComplianceParams | None = None,
    *,
    profile_version: int | None = None,
) -> str:
    """Name of the algorithms producing results, e.g. ``"stridecheck 0.1.0; segment hmm ..."``.

    It holds the package version and digests of every setting of the segmenter
    (:func:`stridecheck.segment.segmenter_settings`: the fields of
    :class:`~stridecheck.segment.HmmParams` and the constants of its modules)
    and of the compliance scorer's settings, so a change to any of them makes
    stored results stale (they are then recomputed). With the version of the
    athlete's gait profile used as prior it ends in ``"; profile v<n>"``: a
    new profile makes the athlete's results stale too.

    Parameters
    ----------
    segment_params, compliance_params
        The settings to name (default: the defaults, which stored results use).
    profile_version
        Version of the athlete's gait profile used, if any.
    """
    segmenter = sorted(segmenter_settings(segment_params).items())
    compliance = sorted(dataclasses.asdict(compliance_params or ComplianceParams()).items())
    text = (
        f"stridecheck {__version__}; segment {SEGMENT_METHOD} {_digest(segmenter)}; "
        f"compliance {COMPLY_METHOD} {_digest(compliance)}"
    )
    return text if profile_version is None else f"{text}; profile v{profile_version}"


@dataclass
class Analysis:
    """What :func:`analyse_activity` concluded about one activity.

    Attributes
    ----------
    activity
        The activity analysed.
    segmentation
        Walk / run / stop intervals (:class:`~stridecheck.segment.Segmentation`).
    session_id
        Id of the prescribed session the activity was scored against (``None``
        without a program or session).
    session_compliance
        The compliance with that session
        (:class:`~stridecheck.compliance.SessionCompliance`), or ``None``.
    algorithm_version
        :func:`algorithm_version` at the time of the analysis.
    profile
        The athlete's gait profile used as prior, or ``None``.
    """

    activity: Activity
    segmentation: Segmentation
    session_id: str | None
    session_compliance: SessionCompliance | None
    algorithm_version: str
    profile: GaitProfile | None = None

    @property
    def compliance(self) -> dict[str, Any] | None:
        """The compliance document, JSON-safe (``SessionCompliance.to_dict()``: score,
        category, run_compliance_pct, walk_compliance_pct, steps, reasons), or ``None``."""
        if self.session_compliance is None:
            return None
        return _clean(self.session_compliance.to_dict())

    @property
    def warnings(self) -> list[str]:
        """Problems met reading the activity, then segmenting it, in plain words."""
        return [*self.activity.meta.warnings, *self.segmentation.warnings]

    def scored(self, name: str | None = None) -> ScoredActivity:
        """The activity with its intervals, ready for :func:`stridecheck.compliance.adherence`.

        ``name`` is its name in reports (default: the source file name, else the
        start time).
        """
        return score_activity(
            self.activity, name=name, segmentation=self.segmentation, profile=self.profile
        )

    def _methods_json(self) -> str | None:
        doc = self.segmentation.methods_doc
        return None if doc is None else json.dumps(to_json(doc), sort_keys=True)

    def to_record(self) -> AnalysisRecord:
        """The result packed for :class:`~stridecheck.store.Store`."""
        frame = self.segmentation.intervals
        columns = [
            _iso_times(frame[key]) if key in ("start", "end") else frame[key].tolist()
            for key in INTERVAL_COLUMNS
        ]
        rows = [
            dict(zip(INTERVAL_COLUMNS, values, strict=True))
            for values in zip(*columns, strict=True)
        ]
        comp: ComplianceRecord | None = None
        doc = self.compliance
        if doc is not None:
            comp = ComplianceRecord(
                session_id=self.session_id,
                score=doc.get("score"),
                category=doc.get("category"),
                run_compliance_pct=doc.get("run_compliance_pct"),
                walk_compliance_pct=doc.get("walk_compliance_pct"),
                result_json=json.dumps(doc, default=str, allow_nan=False, sort_keys=True),
            )
        return AnalysisRecord(
            algorithm_version=self.algorithm_version,
            method=self.segmentation.method,
            methods_text=self.segmentation.methods_text,
            intervals=tuple(rows),
            compliance=comp,
            methods_json=self._methods_json(),
        )


def _iso_times(values: pd.Series) -> list[str]:
    """The store's text of UTC times (:func:`stridecheck.store.times.utc_texts`)."""
    return utc_texts(values)


def candidate_sessions(
    activity: Activity, program: Program, start_date: dt.date | None
) -> tuple[Session, ...]:
    """The sessions an activity may be scored against, nearest on the calendar first.

    With a start date: the sessions of the activity's program week (all
    sessions when that week has none, e.g. before the start or after the end),
    ordered by how far their calendar day
    (:func:`stridecheck.compliance.program_calendar`) is from the activity's, so
    that among sessions that fit equally well (e.g. identical ones) the nearest
    is chosen.
    """
    if start_date is None or len(activity.samples) == 0:
        return program.sessions
    day = activity.start_time.date()
    week = program_week(start_date, day)
    in_week = tuple(program.sessions_in_week(week)) or program.sessions
    dates = _session_dates(program, start_date)
    return tuple(sorted(in_week, key=lambda s: abs((dates[s.id] - day).days)))


#: Calendar days of a program's sessions by (program identity, start date); each entry
#: keeps its program alive, so the identity is not reused while cached.
_CALENDARS: dict[tuple[int, dt.date], tuple[Program, dict[str, dt.date]]] = {}
_CALENDARS_MAX = 64


def _session_dates(program: Program, start_date: dt.date) -> dict[str, dt.date]:
    """Session id -> calendar day (:func:`program_calendar`), computed once per enrolment.

    An import or a cohort scores many activities against one program and start
    date; the calendar is the same for all of them.
    """
    key = (id(program), start_date)
    entry = _CALENDARS.get(key)
    if entry is None or entry[0] is not program:
        calendar = program_calendar(program, start_date)
        dates = dict(zip(calendar["session_id"], calendar["date"], strict=True))
        if len(_CALENDARS) >= _CALENDARS_MAX:
            _CALENDARS.clear()
        entry = (program, dates)
        _CALENDARS[key] = entry
    return entry[1]


def _clean(value: Any) -> Any:
    """Make a compliance document JSON-safe (NaN -> None, numpy scalars -> Python)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def analyse_activity(
    activity: Activity,
    program: Program | None = None,
    start_date: dt.date | None = None,
    *,
    session: Session | None = None,
    method: str = SEGMENT_METHOD,
    errors: ErrorPolicy | str = "warn",
    profile: GaitProfile | None = None,
) -> Analysis:
    """**Segment an activity and score it against what was prescribed.**

    The one orchestration of stridecheck: the importer, the command line
    (``analyze``, ``demo``, ``record``), the reports, the cohort runner, the
    dashboard and the live recorder all analyse an activity through here.

    Parameters
    ----------
    activity
        The activity.
    program
        The prescribed program: the activity is scored against the session
        of it that fits best (see :func:`candidate_sessions`). ``None`` (and no
        ``session``) for segmentation only.
    start_date
        The athlete's program start date: restricts the candidate sessions to
        the activity's program week (see :func:`candidate_sessions`).
    session
        Score against this prescribed session instead (not with ``program``).
    method
        Segmenter method (:data:`stridecheck.segment.METHODS`); stored and
        cohort results use :data:`SEGMENT_METHOD`.
    errors
        What to do with the data problems the segmenter meets: ``"warn"``
        (default), ``"ignore"`` or ``"raise"``, as in
        :func:`stridecheck.segment.segment`. They are kept in
        ``Analysis.segmentation.warnings`` under every policy but ``"raise"``.
    profile
        The athlete's gait profile (:func:`update_gait_profile`, or
        :meth:`Store.get_gait_profile`): the prior of the step evidence (and of
        the segmenter where it takes one); its version is part of
        ``Analysis.algorithm_version``.

    Returns
    -------
    Analysis

    Raises
    ------
    ValueError
        When both ``program`` and ``session`` are given, or for an unknown method.
    StrideCheckError
        When the activity cannot be analysed (e.g. no usable samples), or for a
        data problem with ``errors="raise"``.
    """
    if program is not None and session is not None:
        raise ValueError("give a program (best-fitting session) or a session, not both")
    prior = None if profile is None or profile.is_empty else profile
    seg = _segment(activity, method, errors, prior)
    version = algorithm_version(profile_version=None if prior is None else prior.version)
    if session is not None:
        result = comply(activity, session, segmentation=seg, method=COMPLY_METHOD, profile=prior)
        return Analysis(activity, seg, session.id, result, version, prior)
    if program is None:
        return Analysis(activity, seg, None, None, version, prior)
    candidates = candidate_sessions(activity, program, start_date)
    session_id, result = best_session(
        activity, candidates, segmentation=seg, method=COMPLY_METHOD, profile=prior
    )
    return Analysis(activity, seg, session_id, result, version, prior)


def _segment(
    activity: Activity, method: str, errors: ErrorPolicy | str, profile: GaitProfile | None
) -> Segmentation:
    """:func:`segment`, with the athlete's profile as the prior of the gait model."""
    return segment(activity, method=method, errors=errors, profile=profile)


#: The name :class:`Analysis` had before it kept the activity and the compliance object.
AnalysisResult = Analysis


def refresh_results(store: Store, athlete_name: str) -> int:
    """Recompute an athlete's stale stored results; return how many activities were redone.

    Stale: made by another :func:`algorithm_version`, or (when enrolled) with no
    compliance for the current enrolment's program text. Each activity is
    rewritten in its own transaction.
    """
    athlete = store.athlete(athlete_name)
    enrolment = store.current_enrolment(athlete.id)
    profile = store.get_gait_profile(athlete.name)
    prior = None if profile is None or profile.is_empty else profile
    version = algorithm_version(profile_version=None if prior is None else prior.version)
    stale = store.stale_activity_ids(athlete.id, version, enrolment)
    program = enrolment.program() if enrolment is not None else None
    start = enrolment.start_date if enrolment is not None else None
    for activity_id in stale:
        activity = store.load_activity(activity_id)
        result = analyse_activity(activity, program, start, errors="ignore", profile=prior)
        store.replace_analysis(activity_id, result.to_record(), enrolment)
    return len(stale)


def update_gait_profile(store: Store, athlete_name: str) -> GaitProfile | None:
    """Learn the athlete's gait profile from their stored sessions; store it when it changed.

    The profile (:func:`~stridecheck.compliance.profile_learning.learn_profile`)
    comes from the confidently segmented seconds of every stored activity of
    the athlete, and is kept as a new version with the activities (SHA-256) it
    came from when its figures or sessions differ from the current one. The
    athlete's results then become stale (:func:`algorithm_version` names the
    profile version) and :func:`refresh_results` recomputes them with it.

    Returns
    -------
    GaitProfile or None
        The athlete's current profile (``None`` while no session shows a gait
        confidently).
    """
    athlete = store.athlete(athlete_name)
    current = store.get_gait_profile(athlete.name)
    frame = store.activities_frame(athlete.id)
    sessions = [
        ProfileSession(store.load_activity(int(i)), store.intervals(int(i)), str(sha))
        for i, sha in zip(frame["id"], frame["sha256"], strict=True)
    ]
    learnt = learn_profile(sessions, athlete=athlete.name, previous=current)
    if learnt.is_empty:
        return current
    if current is not None and _same_profile(current, learnt):
        return current
    return store.put_gait_profile(athlete.name, learnt)


def _same_profile(a: GaitProfile, b: GaitProfile) -> bool:
    """Equal figures and sessions (the version and athlete aside)."""
    return dataclasses.replace(a, athlete=b.athlete, version=b.version) == b


def scored_activity(
    activity: Activity, name: str, *, errors: ErrorPolicy | str = "ignore"
) -> ScoredActivity:
    """Segment an activity (:func:`analyse_activity`) for adherence scoring.

    ``errors`` is the segmenter's error policy (default ``"ignore"``: the
    problems stay in the activity's and the segmentation's warnings).
    """
    return analyse_activity(activity, errors=errors).scored(name)


def enrolled_activities(
    store: Store, athlete_name: str, *, numbered: bool
) -> tuple[Athlete, Enrolment, list[ScoredActivity]]:
    """A stored athlete, their current enrolment and their activities, ready to score.

    Stale stored results are recomputed first (:func:`refresh_results`); each
    activity keeps its stored intervals as its segmentation.

    Parameters
    ----------
    store
        The open store.
    athlete_name
        The athlete's name.
    numbered
        Name each activity ``"#<id> <file name>"`` (True) or by its file name
        alone (False); ``"#<id>"`` when it has no source path.

    Raises
    ------
    InputError
        Unknown athlete, or an athlete who is not enrolled.
    """
    refresh_results(store, athlete_name)
    athlete = store.athlete(athlete_name)
    enrolment = store.current_enrolment(athlete.id)
    if enrolment is None:
        raise InputError(
            athlete.name, "is not enrolled in a program; run 'stridecheck enroll' first"
        )
    frame = store.activities_frame(athlete.id)
    profile = store.get_gait_profile(athlete.name)
    prior = None if profile is None or profile.is_empty else profile
    scored: list[ScoredActivity] = []
    for raw_id, source in zip(frame["id"], frame["source_path"], strict=True):
        activity_id = int(raw_id)
        if not source:
            name = f"#{activity_id}"
        elif numbered:
            name = f"#{activity_id} {Path(str(source)).name}"
        else:
            name = Path(str(source)).name
        scored.append(
            score_activity(
                store.load_activity(activity_id),
                name=name,
                segmentation=store.intervals(activity_id),
                profile=prior,
            )
        )
    return athlete, enrolment, scored


def athlete_adherence(
    store: Store,
    athlete_name: str,
    *,
    as_of: dt.date | None = None,
    done_score: float = 50.0,
) -> AdherenceReport:
    """Adherence of a stored athlete to their current enrolment.

    ``as_of`` and ``done_score`` are those of :func:`stridecheck.compliance.adherence`.
    Stale stored results are recomputed first (:func:`refresh_results`); the
    stored intervals are reused, and matching and the trial measures are
    :func:`stridecheck.compliance.adherence`'s.

    Raises
    ------
    InputError
        Unknown athlete, or an athlete who is not enrolled.
    """
    athlete, enrolment, scored = enrolled_activities(store, athlete_name, numbered=True)
    return adherence(
        enrolment.program(),
        enrolment.start_date,
        scored,
        as_of=as_of,
        done_score=done_score,
        method=COMPLY_METHOD,
        notes=store.notes_frame(athlete.id),  # pain, adverse events, clearances (#17)
    )
