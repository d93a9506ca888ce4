"""Score one activity against one prescribed session.

The formula (also in :func:`comply` and the methods text):

1. **Timeline.** The activity's intervals (walk / run / stop / unknown) are put
   on a 1 s grid; timer pauses are removed (the watch's interval timer stops
   with the recording timer).
2. **Alignment.** Every prescribed step gets a window of that timeline by
   dynamic programming (:mod:`stridecheck.compliance.align`), tolerating a late
   start, missed or merged bouts, extra breaks and drift off the prescribed clock.
3. **Steps.** ``matched_s`` is the time spent in the prescribed kind inside the
   window; ``credited_s = min(matched_s, prescribed_s)``. The verdict follows
   from ``credited_s / prescribed_s``: ``done`` (>= 80 %), ``short`` (20-80 %),
   below 20 % ``wrong_kind`` (when the other kind of exercise filled at least
   half the window) or ``missed``; steps after the end of the exercise are
   ``not_reached``.
4. **Session.** Run compliance ``R`` = credited run time / prescribed run time;
   walk compliance ``W`` the same for walking (warm-up and cool-down included).
   ``score = 100 * 2RW / (R + W)`` (harmonic mean: high only when both halves
   were done; 0 when either was not done at all); with only one kind prescribed,
   the score is that kind's compliance. ``completed`` >= 80, ``partial`` 50-79.9,
   ``not_completed`` < 50 (scores rounded to 0.1 first).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stridecheck.activity import Activity
from stridecheck.compliance.align import (
    AlignContext,
    Alignment,
    align_steps,
    fixed_alignment,
)
from stridecheck.compliance.evidence import (
    EvidenceModel,
    EvidenceParams,
    evidence_model,
    heart_rate_log_ratio,
    per_second_log_ratio,
    step_evidence,
)
from stridecheck.compliance.explain import explain_messages
from stridecheck.compliance.params import ComplianceParams
from stridecheck.compliance.result import Category, SessionCompliance, StepCompliance, Verdict
from stridecheck.compliance.timeline import (
    RUN,
    STOP,
    UNKNOWN,
    WALK,
    ActiveTimeline,
    build_timeline,
)
from stridecheck.errors import ErrorPolicy
from stridecheck.messages import render
from stridecheck.programs.model import ConcreteStep, Program, Session, Step, Targets
from stridecheck.segment.hmm import GaitModel
from stridecheck.segment.profile import GaitProfile

__all__ = [
    "ALIGN_METHODS",
    "best_session",
    "comply",
    "comply_intervals",
    "harmonic_score",
    "score_category",
]

#: Accepted ``method=`` values -> canonical alignment method.
ALIGN_METHODS: dict[str, str] = {"dp": "dp", "dynamic": "dp", "fixed": "fixed", "clock": "fixed"}

_KIND_CODE = {"run": RUN, "walk": WALK}

#: What :func:`comply` accepts as the prescription.
SessionLike = Session | Sequence[tuple[str, float]]


def _as_session(session: SessionLike) -> Session:
    if isinstance(session, Session):
        return session
    steps: list[Step] = []
    for item in session:
        kind, seconds = item
        key = str(kind).strip().lower()
        if key not in _KIND_CODE:
            raise ValueError(f"a plan step must be 'run' or 'walk', got {kind!r}")
        steps.append(Step(kind="run" if key == "run" else "walk", duration_s=float(seconds)))
    if not steps:
        raise ValueError("the prescribed session has no steps")
    return Session(id="plan", steps=tuple(steps))


@dataclass(frozen=True)
class _Unrolled:
    """A session's concrete steps and what scoring needs of them, computed once."""

    steps: tuple[ConcreteStep, ...]
    #: Seconds each step counts for in scoring (whole seconds, at least 1). [s]
    step_s: np.ndarray
    #: Prescribed seconds per kind. [s]
    prescribed: dict[str, float]
    #: Prescribed seconds per kind as scoring counts them (sums of ``step_s``). [s]
    scored: dict[str, float]


#: Sessions unrolled (see :func:`_unrolled`), by identity; the entry keeps its session alive.
_UNROLLED: dict[int, tuple[Session, _Unrolled]] = {}
_UNROLLED_MAX = 512


def _unrolled(session: Session) -> _Unrolled:
    """The session's concrete steps, their scored seconds and its totals, computed once.

    A program is scored against many activities; unrolling its sessions is pure
    Python work, remembered per session object (sessions are immutable).
    """
    entry = _UNROLLED.get(id(session))
    if entry is not None and entry[0] is session:
        return entry[1]
    steps = tuple(session.flatten())
    step_s = np.array([max(1, round(s.duration_s)) for s in steps], dtype=np.intp)
    step_s.flags.writeable = False  # shared by every scoring of the session
    prescribed = {k: float(sum(s.duration_s for s in steps if s.kind == k)) for k in _KIND_CODE}
    scored = dict.fromkeys(("run", "walk"), 0.0)
    for step, seconds in zip(steps, step_s.tolist(), strict=True):
        if step.kind in scored:
            scored[step.kind] += float(seconds)
    unrolled = _Unrolled(steps, step_s, prescribed, scored)
    if len(_UNROLLED) >= _UNROLLED_MAX:
        _UNROLLED.clear()
    _UNROLLED[id(session)] = (session, unrolled)
    return unrolled


def _intervals_of(obj: Any) -> pd.DataFrame | None:
    if isinstance(obj, pd.DataFrame):
        return obj
    intervals = getattr(obj, "intervals", None)
    return intervals if isinstance(intervals, pd.DataFrame) else None


def _gait_of(obj: Any) -> GaitModel | None:
    model = getattr(obj, "model", None)
    return model if isinstance(model, GaitModel) else None


def _resolve_inputs(
    activity_or_segmentation: Any,
    segmentation: Any,
    segment_method: str,
    errors: ErrorPolicy | str = "ignore",
    profile: GaitProfile | None = None,
) -> tuple[pd.DataFrame, Activity | None, GaitModel | None]:
    activity = activity_or_segmentation if isinstance(activity_or_segmentation, Activity) else None
    gait = _gait_of(segmentation if segmentation is not None else activity_or_segmentation)
    intervals = _intervals_of(segmentation) if segmentation is not None else None
    if segmentation is not None and intervals is None:
        raise TypeError("segmentation must be a Segmentation or an interval DataFrame")
    if intervals is None and activity is None:
        intervals = _intervals_of(activity_or_segmentation)
        if intervals is None:
            raise TypeError(
                "comply() needs an Activity, a Segmentation or an interval DataFrame, "
                f"got {type(activity_or_segmentation).__name__}"
            )
    if intervals is None:
        from stridecheck.segment import segment

        assert activity is not None
        seg = _segment_with_profile(segment, activity, segment_method, profile, errors)
        intervals, gait = seg.intervals, seg.model
    missing = {"kind", "start", "end"} - set(intervals.columns)
    if missing:
        raise ValueError(f"the interval table lacks column(s): {', '.join(sorted(missing))}")
    return intervals, activity, gait


def _segment_with_profile(
    segment: Any,
    activity: Activity,
    method: str,
    profile: GaitProfile | None,
    errors: ErrorPolicy | str,
) -> Any:
    """``segment(activity, method=..., profile=...)`` where the segmenter takes a profile."""
    import inspect

    if profile is not None and "profile" in inspect.signature(segment).parameters:
        return segment(activity, method=method, errors=errors, profile=profile)
    return segment(activity, method=method, errors=errors)


def harmonic_score(run_fraction: float | None, walk_fraction: float | None) -> float:
    """Session score 0-100 from run and walk compliance (fractions 0-1).

    The harmonic mean ``2RW / (R + W)``; with one kind not prescribed
    (``None``), that kind is left out.
    """
    parts = [x for x in (run_fraction, walk_fraction) if x is not None]
    if not parts:
        return 0.0
    if len(parts) == 1:
        return 100.0 * parts[0]
    r, w = parts
    return 0.0 if r + w <= 0 else 100.0 * 2.0 * r * w / (r + w)


def score_category(score: float, params: ComplianceParams | None = None) -> Category:
    """``completed``, ``partial`` or ``not_completed`` for a score (rounded to 0.1)."""
    p = params or ComplianceParams()
    value = round(score, 1)
    if value >= p.completed_score:
        return "completed"
    if value >= p.partial_score:
        return "partial"
    return "not_completed"


def _in_range(values: np.ndarray, low: float, high: float) -> tuple[int, int]:
    known = np.isfinite(values)
    inside = known & (values >= low) & (values <= high)
    return int(np.count_nonzero(inside)), int(np.count_nonzero(known))


def _intensity(
    timeline: ActiveTimeline, mask: np.ndarray, targets: Targets
) -> tuple[float | None, float | None, float | None, float]:
    """HR-in-range, pace-in-range and all-targets-met shares of the masked seconds."""
    if targets.is_empty or not mask.any():
        return None, None, None, 0.0
    hr_pct = pace_pct = None
    met = np.ones(int(mask.sum()), dtype=bool)
    evaluable = np.zeros(int(mask.sum()), dtype=bool)
    if targets.hr_bpm is not None:
        hr = timeline.heart_rate_bpm[mask]
        inside, known = _in_range(hr, *targets.hr_bpm)
        hr_pct = 100.0 * inside / known if known else None
        ok = np.isfinite(hr)
        evaluable |= ok
        met &= ~ok | ((hr >= targets.hr_bpm[0]) & (hr <= targets.hr_bpm[1]))
    if targets.pace_s_per_km is not None:
        speed = timeline.speed_mps[mask]
        with np.errstate(divide="ignore", invalid="ignore"):
            pace = np.where(speed > 0.2, 1000.0 / speed, np.nan)
        inside, known = _in_range(pace, *targets.pace_s_per_km)
        pace_pct = 100.0 * inside / known if known else None
        ok = np.isfinite(pace)
        evaluable |= ok
        met &= ~ok | ((pace >= targets.pace_s_per_km[0]) & (pace <= targets.pace_s_per_km[1]))
    n_eval = int(np.count_nonzero(evaluable))
    overall = 100.0 * np.count_nonzero(met & evaluable) / n_eval if n_eval else None
    return hr_pct, pace_pct, overall, float(n_eval)


def _verdict(
    *,
    credited: float,
    prescribed: float,
    other: float,
    window: float,
    reached: bool,
    params: ComplianceParams,
) -> Verdict:
    share = 100.0 * credited / prescribed if prescribed > 0 else 100.0
    if share >= params.done_pct:
        return "done"
    if not reached:
        return "not_reached"
    if share >= params.missed_pct:
        return "short"
    if window > 0 and 100.0 * other / window >= params.wrong_kind_pct:
        return "wrong_kind"
    return "missed"


@dataclass(frozen=True)
class _EvidenceContext:
    """What weighing the steps of any session against one timeline needs (built once)."""

    model: EvidenceModel
    params: EvidenceParams
    #: per second, log likelihood ratio run vs walk (errors' correlation counted) [nat]
    log_ratio: NDArray[np.float64]
    #: cumulative sums of ``log_ratio`` over the seconds labelled walk / run (length T + 1)
    cumulative: dict[int, NDArray[np.float64]]
    profile_version: int | None
    #: cumulative counts of seconds labelled walk / run that look like standing still
    standing: dict[int, NDArray[np.intp]]
    #: cumulative count of unknown seconds (length T + 1)
    unknown: NDArray[np.intp]


#: Least share of active seconds with cadence for cadence to count as present.
_MIN_SIGNAL_SHARE = 0.2
#: Ground speed below which a second without steps looks like standing still. [m/s]
_STANDING_MPS = 0.5


def evidence_context(
    timeline: ActiveTimeline,
    activity: Activity | None,
    *,
    gait: GaitModel | None = None,
    profile: GaitProfile | None = None,
    params: ComplianceParams | None = None,
) -> _EvidenceContext | None:
    """The signal models and per-second evidence of a timeline (``None`` without a recording).

    Scored from intervals alone (no activity, e.g. a simulator's truth), there
    are no signals to weigh: the segmentation is taken as certain.
    """
    if activity is None or len(timeline) == 0:
        return None
    p = (params or ComplianceParams()).evidence
    cadence = timeline.cadence_spm
    if len(cadence) != len(timeline):
        cadence = np.full(len(timeline), np.nan)
    moving = (timeline.kinds == WALK) | (timeline.kinds == RUN)
    n_moving = max(int(np.count_nonzero(moving)), 1)
    has_cadence = int(np.count_nonzero(moving & (cadence >= 40.0))) >= _MIN_SIGNAL_SHARE * n_moving
    has_speed = bool(np.isfinite(timeline.speed_mps).any())
    has_hr = bool(np.isfinite(timeline.heart_rate_bpm).any())
    if not (has_cadence or has_speed or has_hr):
        return None
    model = evidence_model(
        has_cadence=has_cadence,
        has_speed=has_speed,
        has_heart_rate=has_hr,
        from_positions=bool(activity.meta.speed_derived),
        gait=gait,
        profile=profile,
        params=p,
    )
    ratio = per_second_log_ratio(
        model, cadence if has_cadence else np.zeros(0), timeline.speed_mps, p
    )
    cumulative = {}
    standing = {}
    # no steps and (nearly) no ground speed: standing, whatever the label says
    still = (timeline.speed_mps < _STANDING_MPS) & ~(cadence >= 40.0)
    for code in (WALK, RUN):
        out = np.zeros(len(ratio) + 1)
        np.cumsum(np.where(timeline.kinds == code, ratio, 0.0), out=out[1:])
        cumulative[code] = out
        count = np.zeros(len(ratio) + 1, dtype=np.intp)
        np.cumsum(still & (timeline.kinds == code), out=count[1:])
        standing[code] = count
    version = None if profile is None or profile.is_empty else profile.version
    return _EvidenceContext(
        model, p, ratio, cumulative, version, standing, timeline.cumulative(UNKNOWN)
    )


def _walk_breaks(steps: list[ConcreteStep]) -> list[bool]:
    kinds = [s.kind for s in steps]
    return [
        k == "walk" and "run" in kinds[:i] and "run" in kinds[i + 1 :] for i, k in enumerate(kinds)
    ]


def _align(
    timeline: ActiveTimeline,
    steps: list[ConcreteStep],
    step_s: np.ndarray,
    method: str,
    params: ComplianceParams,
    *,
    context: AlignContext | None = None,
) -> Alignment:
    total = len(timeline)
    if method == "fixed":
        exercise = np.flatnonzero((timeline.kinds == WALK) | (timeline.kinds == RUN))
        start = int(exercise[0]) if len(exercise) else 0
        return fixed_alignment(step_s, start, total)
    codes = np.array([_KIND_CODE[s.kind] for s in steps], dtype=np.intp)
    if context is None or context.stretch_cost != params.stretch_cost or context.total != total:
        context = align_context(timeline, params)
    return align_steps(
        codes,
        step_s,
        context.cumulative,
        stretch_cost=params.stretch_cost,
        max_stretch_s=params.max_stretch_s,
        context=context,
    )


def align_context(timeline: ActiveTimeline, params: ComplianceParams) -> AlignContext:
    """What aligning sessions to one timeline shares (build once, score many sessions)."""
    cumulative = {code: timeline.cumulative(code) for code in (WALK, RUN)}
    return AlignContext(cumulative, params.stretch_cost)


def _fraction(steps: list[StepCompliance], keep: list[bool]) -> float | None:
    prescribed = sum(s.prescribed_s for s, k in zip(steps, keep, strict=True) if k)
    if prescribed <= 0:
        return None
    return sum(s.credited_s for s, k in zip(steps, keep, strict=True) if k) / prescribed


def comply_intervals(
    intervals: pd.DataFrame,
    session: SessionLike,
    *,
    activity: Activity | None = None,
    method: str = "dp",
    params: ComplianceParams | None = None,
    gait: GaitModel | None = None,
    profile: GaitProfile | None = None,
) -> SessionCompliance:
    """Score an interval table against a prescribed session (see :func:`comply`).

    ``gait`` is the gait model the segmenter fitted (``Segmentation.model``)
    and ``profile`` the athlete's gait profile; with ``activity`` they give
    the step evidence (``p_done``, ``uncertain``).
    """
    key = str(method).strip().lower()
    if key not in ALIGN_METHODS:
        raise ValueError(
            f"`method` {method!r} not found. Must be one of {', '.join(map(repr, ALIGN_METHODS))}."
        )
    sess = _as_session(session)
    if not _unrolled(sess).steps:
        raise ValueError(f"session {sess.id!r} has no steps")
    p = params or ComplianceParams()
    timeline = build_timeline(intervals, activity)
    evidence = evidence_context(timeline, activity, gait=gait, profile=profile, params=p)
    return _score_timeline(timeline, sess, ALIGN_METHODS[key], p, evidence=evidence)


@dataclass(frozen=True)
class _Aligned:
    """A session aligned to a timeline, and the score that follows (all a ranking needs)."""

    steps: list[ConcreteStep]
    step_s: NDArray[np.intp]
    alignment: Alignment
    #: seconds of each kind code in each step's window
    in_window: dict[int, list[int]]
    run_fraction: float | None
    walk_fraction: float | None
    score: float


def _kind_fraction(
    steps: list[ConcreteStep], step_s: NDArray[np.intp], matched: list[int], kind: str
) -> float | None:
    """Credited share of the prescribed time of one kind (``None``: none prescribed)."""
    chosen = [i for i, step in enumerate(steps) if step.kind == kind]
    prescribed = sum(float(step_s[i]) for i in chosen)
    if prescribed <= 0:
        return None
    return sum(min(float(matched[i]), float(step_s[i])) for i in chosen) / prescribed


def _align_session(
    timeline: ActiveTimeline,
    sess: Session,
    method_name: str,
    p: ComplianceParams,
    context: AlignContext | None = None,
) -> _Aligned:
    """Align a session to a timeline and score it, without the per-step report."""
    unrolled = _unrolled(sess)
    steps, step_s = list(unrolled.steps), unrolled.step_s
    alignment = _align(timeline, steps, step_s, method_name, p, context=context)
    bounds = alignment.bounds
    in_window = {
        code: (cum[bounds[1:]] - cum[bounds[:-1]]).tolist()
        for code, cum in ((c, timeline.cumulative(c)) for c in (WALK, RUN))
    }
    run_f = _kind_fraction(steps, step_s, in_window[RUN], "run")
    walk_f = _kind_fraction(steps, step_s, in_window[WALK], "walk")
    score = round(harmonic_score(run_f, walk_f), 1)
    return _Aligned(steps, step_s, alignment, in_window, run_f, walk_f, score)


def _score_timeline(
    timeline: ActiveTimeline,
    sess: Session,
    method_name: str,
    p: ComplianceParams,
    *,
    context: AlignContext | None = None,
    aligned: _Aligned | None = None,
    evidence: _EvidenceContext | None = None,
) -> SessionCompliance:
    """Score a timeline against a session (the work of :func:`comply_intervals`).

    ``context``: from :func:`align_context` for this timeline and ``p``, shared
    when several sessions are scored against it; ``aligned``: the session's
    :func:`_align_session` result when it is already known; ``evidence``: from
    :func:`evidence_context` (``None``: the segmentation is taken as certain).
    """
    if aligned is None:
        aligned = _align_session(timeline, sess, method_name, p, context=context)
    steps, step_s, alignment = aligned.steps, aligned.step_s, aligned.alignment
    kinds = timeline.kinds
    bounds = alignment.bounds
    exercise_idx = np.flatnonzero((kinds == WALK) | (kinds == RUN))
    exercise_end = int(exercise_idx[-1]) + 1 if len(exercise_idx) else 0
    breaks = _walk_breaks(steps)
    origin_b = int(bounds[0])
    starts, ends = timeline.step_times(bounds[:-1], bounds[1:])
    # seconds of each kind in each window, for all steps at once
    in_window = dict(aligned.in_window)
    for code in (STOP, UNKNOWN):
        cum = timeline.cumulative(code)
        in_window[code] = (cum[bounds[1:]] - cum[bounds[:-1]]).tolist()
    results: list[StepCompliance] = []
    for i, step in enumerate(steps):
        a, b = int(bounds[i]), int(bounds[i + 1])
        code = _KIND_CODE[step.kind]
        other_code = RUN if code == WALK else WALK
        matched = float(in_window[code][i])
        other = float(in_window[other_code][i])
        prescribed = float(step_s[i])
        credited = min(matched, prescribed)
        reached = i < alignment.reached and a < exercise_end
        if step.targets.is_empty:
            hr_pct = pace_pct = intensity = None
            evaluated = 0.0
        else:
            mask = np.zeros(len(kinds), dtype=bool)
            mask[a:b] = kinds[a:b] == code
            hr_pct, pace_pct, intensity, evaluated = _intensity(timeline, mask, step.targets)
        verdict = _verdict(
            credited=credited,
            prescribed=prescribed,
            other=other,
            window=float(b - a),
            reached=reached,
            params=p,
        )
        p_done: float | None = None
        limit: str | None = None
        if evidence is not None:
            verdict, p_done, limit, credited = _weigh_step(
                evidence,
                step,
                verdict,
                a=a,
                b=b,
                matched=matched,
                other=other,
                stop=float(in_window[STOP][i]),
                unknown=float(in_window[UNKNOWN][i]),
                prescribed=prescribed,
                credited=credited,
                params=p,
                heart_rate=timeline.heart_rate_bpm,
                kinds_cum={c: timeline.cumulative(c) for c in (WALK, RUN, STOP, UNKNOWN)},
            )
        results.append(
            StepCompliance(
                index=step.index,
                kind=step.kind,
                name=step.name,
                label=step.label,
                prescribed_s=prescribed,
                matched_s=matched,
                credited_s=credited,
                window_s=float(b - a),
                other_s=other,
                stop_s=float(in_window[STOP][i]),
                unknown_s=float(in_window[UNKNOWN][i]),
                prescribed_start_s=float(step.start_s),
                start_offset_s=float(a - origin_b) - float(step.start_s),
                start=starts[i],
                end=ends[i],
                verdict=verdict,
                walk_break=breaks[i],
                hr_in_range_pct=hr_pct,
                pace_in_range_pct=pace_pct,
                intensity_pct=intensity,
                intensity_evaluated_s=evaluated,
                p_done=p_done,
                evidence_limit=limit,
            )
        )
    if evidence is not None:
        # a window cut off by the end of the exercise in the recording is not squeezed
        cut_by_end = [int(bounds[i + 1]) >= exercise_end for i in range(len(steps))]
        results = _unsupported_shifts(results, evidence.params, at_end=cut_by_end)
    run_f, walk_f = aligned.run_fraction, aligned.walk_fraction
    break_f = _fraction(results, breaks)
    score = aligned.score
    score_low = score_high = score
    if evidence is not None:
        expected = _credit_fractions(results, "expected")
        run_f, walk_f = expected
        score = round(harmonic_score(*expected), 1)
        score_low = round(harmonic_score(*_credit_fractions(results, "low")), 1)
        score_high = round(harmonic_score(*_credit_fractions(results, "high")), 1)
        break_f = _fraction(results, breaks)
    evaluated_s = sum(s.intensity_evaluated_s for s in results if s.intensity_pct is not None)
    intensity_pct = (
        sum(
            (s.intensity_pct or 0.0) * s.intensity_evaluated_s
            for s in results
            if s.intensity_pct is not None
        )
        / evaluated_s
        if evaluated_s > 0
        else None
    )
    dist = timeline.distance_m
    run_mask, walk_mask = kinds == RUN, kinds == WALK
    result = SessionCompliance(
        session_id=sess.id,
        score=score,
        category=score_category(score, p),
        run_compliance_pct=None if run_f is None else 100.0 * run_f,
        walk_compliance_pct=None if walk_f is None else 100.0 * walk_f,
        walk_break_compliance_pct=None if break_f is None else 100.0 * break_f,
        intensity_compliance_pct=intensity_pct,
        steps=results,
        reasons=[],
        late_start_s=float(origin_b),
        paused_s=timeline.paused_s,
        active_s=float(len(kinds)),
        prescribed_s=float(step_s.sum()),
        exercise_s=float(np.count_nonzero((kinds[origin_b:] == WALK) | (kinds[origin_b:] == RUN))),
        run_s=float(np.count_nonzero(run_mask)),
        walk_s=float(np.count_nonzero(walk_mask)),
        stop_s=float(np.count_nonzero(kinds == STOP)),
        run_distance_m=_masked_sum(dist, run_mask),
        walk_distance_m=_masked_sum(dist, walk_mask),
        start=timeline.time_at(origin_b) if len(kinds) else None,
        method=method_name,
        params=p,
        uncertain_steps=sum(1 for r in results if r.verdict == "uncertain"),
        score_low=score_low,
        score_high=score_high,
        compliance_uncertain=score_category(score_low, p) != score_category(score_high, p),
        evidence=None if evidence is None else evidence.model.to_dict(),
        profile_version=None if evidence is None else evidence.profile_version,
    )
    lead = kinds[:origin_b]
    result.reason_messages = explain_messages(
        result,
        lead_stop_s=float(np.count_nonzero(lead == STOP)),
        exercise_end_s=float(exercise_end),
    )
    result.reasons = [render(text) for text in result.reason_messages]
    return result


def _weigh_step(
    evidence: _EvidenceContext,
    step: ConcreteStep,
    verdict: Verdict,
    *,
    a: int,
    b: int,
    matched: float,
    other: float,
    stop: float,
    unknown: float,
    prescribed: float,
    credited: float,
    params: ComplianceParams,
    heart_rate: NDArray[np.float64],
    kinds_cum: dict[int, NDArray[np.intp]] | None = None,
) -> tuple[Verdict, float, str | None, float]:
    """The verdict, ``p_done``, what limits it and the credited seconds, from the evidence."""
    if verdict == "not_reached":
        total = len(evidence.unknown) - 1
        after = total - a
        unknown_after = float(evidence.unknown[total] - evidence.unknown[a])
        needed = params.done_pct / 100.0 * prescribed
        if after >= needed and unknown_after >= 0.5 * after:
            # the recording goes on, without usable data: not a step left undone
            return "uncertain", evidence.params.prior_done, "no_data", credited
        return verdict, 0.0, None, credited
    code = _KIND_CODE[step.kind]
    other_code = RUN if code == WALK else WALK
    if verdict != "done" and b - a < prescribed and kinds_cum is not None:
        # a window squeezed below the prescription says nothing about the time the
        # step should have taken: weigh the prescribed length from its start instead
        b = min(a + round(prescribed), len(evidence.unknown) - 1)
        matched = float(kinds_cum[code][b] - kinds_cum[code][a])
        other = float(kinds_cum[other_code][b] - kinds_cum[other_code][a])
        stop = float(kinds_cum[STOP][b] - kinds_cum[STOP][a])
        unknown = float(kinds_cum[UNKNOWN][b] - kinds_cum[UNKNOWN][a])
        credited = min(matched, prescribed)
        verdict = _verdict(
            credited=credited,
            prescribed=prescribed,
            other=other,
            window=float(b - a),
            reached=True,
            params=params,
        )
        if verdict == "done":
            return "done", 1.0, None, credited
    cum = evidence.cumulative
    in_kind = float(cum[code][b] - cum[code][a])
    out_kind = float(cum[other_code][b] - cum[other_code][a])
    window = max(b - a, 1)
    hr = heart_rate_log_ratio(evidence.model, heart_rate, a, b, evidence.params)
    done = verdict == "done"
    # heart rate speaks for the whole window: its share goes to the seconds in question
    in_question = matched if done else other
    hr_part = hr * in_question / window
    # run-vs-walk ratios of the seconds in question (positive: running)
    found = step_evidence(
        kind=step.kind,
        segmented_done=done,
        in_kind_s=matched,
        other_s=other,
        stop_s=stop,
        unknown_s=unknown,
        prescribed_s=prescribed,
        standing_s=float(evidence.standing[code][b] - evidence.standing[code][a]),
        log_ratio_in_kind=in_kind + (hr_part if done else 0.0),
        log_ratio_other=out_kind + (0.0 if done else hr_part),
        model=evidence.model,
        done_share=params.done_pct / 100.0,
        params=evidence.params,
    )
    confident = evidence.params.confident
    p_done = found.p_done
    if p_done >= confident:
        if done:
            return "done", p_done, None, credited
        return "done", p_done, None, prescribed
    if p_done <= 1.0 - confident:
        if done:
            return "uncertain", p_done, "contradiction", credited
        return verdict, p_done, None, credited
    return "uncertain", p_done, found.limit, credited


def _unsupported_shifts(
    steps: list[StepCompliance],
    params: EvidenceParams,
    *,
    at_end: Sequence[bool] | None = None,
) -> list[StepCompliance]:
    """Steps credited only by moving them past steps squeezed without doing them: uncertain.

    The alignment may shorten a step's window (a run done shorter, a drift off
    the clock). Shortening a step that was *not done* (or cannot be confirmed)
    is supported by nothing
    in the data: it only moves the later steps onto time that happened to fit
    them (a session cut short and walked throughout would otherwise have its
    later walk steps credited minutes early, in the time of the runs). Once
    such shortening adds up to more than ``params.max_unsupported_shift_s``, a
    later step credited by its window is ``uncertain`` (``"shifted"``), with no
    credit in the low score. A window short because the exercise in the
    recording ends there (``at_end``, per step) is not squeezed: the steps after
    it were not reached, as the data say.
    """
    out: list[StepCompliance] = []
    unsupported = 0.0
    ends = [False] * len(steps) if at_end is None else list(at_end)
    for step, ended in zip(steps, ends, strict=True):
        if unsupported > params.max_unsupported_shift_s and step.verdict == "not_reached":
            # the recording may well have gone on: the squeezing ran the plan out early
            step = dataclasses.replace(
                step, verdict="uncertain", evidence_limit="shifted", p_done=0.5
            )
        if unsupported > params.max_unsupported_shift_s and step.verdict == "done":
            step = dataclasses.replace(
                step,
                verdict="uncertain",
                evidence_limit="shifted",
                credited_s=0.0,
                p_done=min(step.p_done if step.p_done is not None else 1.0, 0.5),
            )
        out.append(step)
        if not ended and step.verdict in ("short", "wrong_kind", "missed", "uncertain"):
            unsupported += max(0.0, step.prescribed_s - step.window_s)
    return out


def _credit_fractions(
    steps: list[StepCompliance], which: str
) -> tuple[float | None, float | None]:
    """Run and walk compliance (fractions) with uncertain steps credited low, expected or high."""
    out: list[float | None] = []
    for kind in ("run", "walk"):
        prescribed = 0.0
        credit = 0.0
        for s in steps:
            if s.kind != kind:
                continue
            prescribed += s.prescribed_s
            if s.verdict != "uncertain":
                credit += s.credited_s
            elif which == "high":
                credit += s.prescribed_s
            elif which == "low":
                credit += s.credited_s
            else:
                pd_ = 0.0 if s.p_done is None else s.p_done
                credit += s.credited_s + pd_ * (s.prescribed_s - s.credited_s)
        out.append(None if prescribed <= 0 else credit / prescribed)
    return out[0], out[1]


def _masked_sum(values: np.ndarray, mask: np.ndarray) -> float:
    if not mask.any():
        return 0.0
    chosen = values[mask]
    if not np.isfinite(chosen).any():
        return float("nan")
    return float(np.nansum(chosen))


def comply(
    activity_or_segmentation: Any,
    session: SessionLike,
    *,
    segmentation: Any = None,
    method: str = "dp",
    params: ComplianceParams | None = None,
    segment_method: str = "hmm",
    errors: ErrorPolicy | str = "ignore",
    profile: GaitProfile | None = None,
) -> SessionCompliance:
    """**Score one activity against one prescribed session.**

    Parameters
    ----------
    activity_or_segmentation
        An :class:`~stridecheck.activity.Activity` (segmented with
        ``segment_method`` unless ``segmentation`` is given), a
        :class:`~stridecheck.segment.Segmentation`, or an interval DataFrame with
        ``kind``, ``start``, ``end`` (e.g. a simulator's ``truth_intervals``).
    session
        A :class:`~stridecheck.programs.Session`, or a plan of
        ``("run" | "walk", seconds)`` pairs.
    segmentation
        Intervals to use with an activity (a Segmentation or a DataFrame); the
        activity then only supplies heart rate, speed and distance.
    method
        ``"dp"`` (dynamic-programming alignment, default) or ``"fixed"`` (windows
        on the prescribed clock from the first walk or run; a baseline).
    params
        Thresholds and tolerances (:class:`ComplianceParams`).
    segment_method
        Segmenter used when only an activity is given.
    errors
        Error policy of that segmentation (``"ignore"``, ``"warn"`` or
        ``"raise"``, as in :func:`stridecheck.segment.segment`); default
        ``"ignore"``: the score is what is asked for, not the data notes.
    profile
        The athlete's :class:`~stridecheck.segment.profile.GaitProfile`: the
        prior of the step evidence (and of the segmenter, when it segments).

    Returns
    -------
    SessionCompliance

    Notes
    -----
    Timer pauses are left out; every step gets a window of the remaining time by
    dynamic programming (see :mod:`stridecheck.compliance.align`). Per step,
    ``credited_s = min(matched_s, prescribed_s)`` where ``matched_s`` is the time in
    the prescribed kind inside the window. ``R`` and ``W`` are the credited shares
    of the prescribed run and walk time; ``score = 100 * 2RW / (R + W)``;
    ``completed`` >= 80, ``partial`` >= 50, else ``not_completed``.

    With a recording, each step's window is also weighed run vs walk
    (:mod:`stridecheck.compliance.evidence`): ``p_done`` per step, ``uncertain``
    where the evidence cannot decide at 90 %; the score is then the expected
    score and ``score_low`` / ``score_high`` bound it.

    Raises
    ------
    TypeError
        When the first argument is none of the accepted inputs.
    ValueError
        For an unknown method, an empty session or an interval table without
        ``kind``/``start``/``end``.
    """
    intervals, activity, gait = _resolve_inputs(
        activity_or_segmentation, segmentation, segment_method, errors, profile
    )
    return comply_intervals(
        intervals,
        session,
        activity=activity,
        method=method,
        params=params,
        gait=gait,
        profile=profile,
    )


#: Added to a score's upper bound before rounding it like scores, against float rounding.
_CAP_SLACK = 1e-9


def _distinct_sessions(sessions: Sequence[Session]) -> list[Session]:
    seen: dict[tuple[Any, ...], Session] = {}
    for s in sessions:
        seen.setdefault(s.steps, s)
    return list(seen.values())


def best_session(
    activity_or_segmentation: Any,
    program: Program | Sequence[Session],
    *,
    segmentation: Any = None,
    method: str = "dp",
    params: ComplianceParams | None = None,
    segment_method: str = "hmm",
    errors: ErrorPolicy | str = "ignore",
    profile: GaitProfile | None = None,
) -> tuple[str, SessionCompliance]:
    """The session of a program an activity fits best (``--session auto``).

    Every distinct session (sessions with identical steps are scored once, the
    first id kept) is scored; the highest score wins; on equal scores, the session
    whose prescribed run and walk times are closest to the times run and walked,
    then the earliest.
    Sessions whose score cannot beat the best so far (the time run and walked
    caps their run and walk compliance) are skipped.

    ``segmentation``, ``method``, ``params``, ``segment_method``, ``errors`` and
    ``profile`` are those of :func:`comply` (the ranking uses the segmentation;
    the winner's steps are weighed).

    Returns
    -------
    (session_id, SessionCompliance)

    Raises
    ------
    ValueError
        When the program has no sessions.
    """
    sessions = list(program.sessions if isinstance(program, Program) else program)
    if not sessions:
        raise ValueError("the program has no sessions")
    key = str(method).strip().lower()
    if key not in ALIGN_METHODS:
        raise ValueError(
            f"`method` {method!r} not found. Must be one of {', '.join(map(repr, ALIGN_METHODS))}."
        )
    p = params or ComplianceParams()
    intervals, activity, gait = _resolve_inputs(
        activity_or_segmentation, segmentation, segment_method, errors, profile
    )
    # one timeline for every candidate: the sessions differ, what was done does not
    timeline = build_timeline(intervals, activity)
    kinds = timeline.kinds
    done = {
        "run": float(np.count_nonzero(kinds == RUN)),
        "walk": float(np.count_nonzero(kinds == WALK)),
    }

    candidates = _distinct_sessions(sessions)
    prescribed = [_unrolled(c).prescribed for c in candidates]
    scored = [_unrolled(c).scored for c in candidates]

    def misfit(i: int) -> float:
        # equal scores: the session whose run and walk totals are closest to what was done
        return sum(abs(done[k] - prescribed[i][k]) for k in ("run", "walk"))

    def cap(i: int) -> float:
        # credited time never exceeds the time done: the highest score the session can get
        shares = [
            None if scored[i][k] <= 0 else min(1.0, done[k] / scored[i][k])
            for k in ("run", "walk")
        ]
        return round(harmonic_score(shares[0], shares[1]) + _CAP_SLACK, 1)

    caps = [cap(i) for i in range(len(candidates))]
    misfits = [misfit(i) for i in range(len(candidates))]
    # likely winners first (highest cap, then closest totals), so the rest are mostly skipped
    order = sorted(range(len(candidates)), key=lambda i: (-caps[i], misfits[i], i))
    method_name = ALIGN_METHODS[key]
    context = align_context(timeline, p) if method_name != "fixed" else None
    # rank by score alone; the full report is written for the winner only
    best: tuple[tuple[float, float, int], _Aligned, Session] | None = None
    for i in order:
        if best is not None and (caps[i], -misfits[i], -i) < best[0]:
            continue  # even its highest score would not rank above the best so far
        if not _unrolled(candidates[i]).steps:
            raise ValueError(f"session {candidates[i].id!r} has no steps")
        aligned = _align_session(timeline, candidates[i], method_name, p, context)
        rank = (aligned.score, -misfits[i], -i)
        if best is None or rank > best[0]:
            best = (rank, aligned, candidates[i])
    assert best is not None
    evidence = evidence_context(timeline, activity, gait=gait, profile=profile, params=p)
    result = _score_timeline(timeline, best[2], method_name, p, aligned=best[1], evidence=evidence)
    return result.session_id, result
