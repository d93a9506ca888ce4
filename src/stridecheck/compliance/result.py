"""Result objects of compliance scoring: one row per step, one object per session."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from stridecheck.compliance.params import ComplianceParams
from stridecheck.i18n import translator_for
from stridecheck.messages import Text, Translator, render, to_json

__all__ = ["CATEGORIES", "VERDICTS", "Category", "SessionCompliance", "StepCompliance", "Verdict"]

#: Verdict of one step.
Verdict = Literal["done", "short", "wrong_kind", "missed", "not_reached", "uncertain"]
#: The verdicts: the decided ones best first, then ``uncertain`` (the data cannot decide).
VERDICTS: tuple[Verdict, ...] = (
    "done",
    "short",
    "wrong_kind",
    "missed",
    "not_reached",
    "uncertain",
)
#: Category of a session.
Category = Literal["completed", "partial", "not_completed"]
#: The categories, best first.
CATEGORIES: tuple[Category, ...] = ("completed", "partial", "not_completed")

_ZERO = dt.timedelta(0)


def _number(value: float | None, digits: int = 1) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _iso(value: pd.Timestamp | None) -> str | None:
    if value is None:
        return None
    if value.utcoffset() == _ZERO:  # already UTC (the usual case): no conversion needed
        return value.isoformat()
    return value.tz_convert("UTC").isoformat()


@dataclass(frozen=True)
class StepCompliance:
    """How one prescribed step was done.

    Attributes
    ----------
    index
        Position in the flattened session, from 0.
    kind
        Prescribed kind, ``"run"`` or ``"walk"``.
    name
        The step's name, if any (``"warm-up"``).
    label
        Short label: the name, or e.g. ``"run 4 of 10"``.
    prescribed_s
        Prescribed duration. [s]
    matched_s
        Seconds spent in the prescribed kind within the aligned window. [s]
    credited_s
        ``min(matched_s, prescribed_s)``: what counts towards compliance; the
        whole prescription when the step evidence confirms a step the
        segmentation missed (verdict ``done``). [s]
    window_s
        Length of the aligned window, timer pauses excluded. [s]
    other_s
        Seconds of the other kind of exercise in the window (running in a walk
        step, walking in a run step). [s]
    stop_s
        Seconds standing still in the window. [s]
    unknown_s
        Seconds the segmentation could not classify in the window. [s]
    prescribed_start_s
        Prescribed start from the start of the session. [s]
    start_offset_s
        Aligned start less prescribed start, both from the aligned start of the
        session (positive: later than the prescribed clock; ``None`` in
        :meth:`to_dict` for an empty window). [s]
    start, end
        Wall-clock window (UTC), ``None`` for an empty window.
    verdict
        ``done``, ``short``, ``wrong_kind``, ``missed``, ``not_reached`` or
        ``uncertain`` (the evidence cannot decide at 90 %: see
        :mod:`stridecheck.compliance.evidence`).
    walk_break
        True for a walk between two runs (a recovery break).
    hr_in_range_pct
        Share of the matched seconds with heart rate in the step's range
        (``None`` without an HR target or HR data). [%]
    pace_in_range_pct
        Same for the pace range. [%]
    intensity_pct
        Share of the matched seconds meeting every target with data. [%]
    intensity_evaluated_s
        Matched seconds with data for the step's targets. [s]
    p_done
        Probability that the step was done as prescribed, from the evidence of
        its window (0-1; ``None`` when scored from intervals alone).
    evidence_limit
        For an ``uncertain`` step, what is missing: ``"gps"`` (GPS speed
        alone cannot tell), ``"speed"`` (speed alone), ``"signals"`` (the
        signals overlap), ``"no_data"`` (no usable data) or ``"contradiction"``
        (the segmentation and the athlete's gait disagree), ``"heart_rate"``
        (heart rate alone cannot tell), ``"standing"`` (part of it looks like
        standing still), ``"borderline"`` (short of done by a second or two) or
        ``"shifted"`` (credited only by moving it past steps not done).
    """

    index: int
    kind: str
    name: str | None
    label: str
    prescribed_s: float
    matched_s: float
    credited_s: float
    window_s: float
    other_s: float
    stop_s: float
    unknown_s: float
    prescribed_start_s: float
    start_offset_s: float
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    verdict: Verdict
    walk_break: bool = False
    hr_in_range_pct: float | None = None
    pace_in_range_pct: float | None = None
    intensity_pct: float | None = None
    intensity_evaluated_s: float = 0.0
    p_done: float | None = None
    evidence_limit: str | None = None

    @property
    def compliance_pct(self) -> float:
        """Credited share of the prescription. [%]"""
        return 100.0 * self.credited_s / self.prescribed_s if self.prescribed_s > 0 else 100.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``index, kind, prescribed_s, matched_s, verdict`` then extras."""
        return {
            "index": self.index,
            "kind": self.kind,
            "prescribed_s": _number(self.prescribed_s),
            "matched_s": _number(self.matched_s),
            "verdict": self.verdict,
            "label": self.label,
            "name": self.name,
            "credited_s": _number(self.credited_s),
            "compliance_pct": _number(self.compliance_pct),
            "window_s": _number(self.window_s),
            "other_s": _number(self.other_s),
            "stop_s": _number(self.stop_s),
            "unknown_s": _number(self.unknown_s),
            "prescribed_start_s": _number(self.prescribed_start_s),
            "start_offset_s": _number(self.start_offset_s) if self.window_s > 0 else None,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "walk_break": self.walk_break,
            "hr_in_range_pct": _number(self.hr_in_range_pct),
            "pace_in_range_pct": _number(self.pace_in_range_pct),
            "intensity_pct": _number(self.intensity_pct),
            "p_done": _number(self.p_done, 3),
            "evidence_limit": self.evidence_limit,
        }


@dataclass
class SessionCompliance:
    """How one activity followed one prescribed session.

    Attributes
    ----------
    session_id
        Id of the prescribed session.
    score
        0-100, the harmonic mean of run and walk compliance (see
        :func:`stridecheck.compliance.comply`).
    category
        ``completed`` (score >= 80), ``partial`` (50-79.9), ``not_completed`` (< 50).
    run_compliance_pct
        Share of the prescribed running time that was run. [%]
    walk_compliance_pct
        Same for walking, warm-up and cool-down included. [%]
    walk_break_compliance_pct
        Same for the walk breaks between runs only (``None`` without breaks). [%]
    intensity_compliance_pct
        Share of the matched time of steps with targets that met them (``None``
        when no step has targets or there is no data for them). [%]
    steps
        One :class:`StepCompliance` per prescribed step.
    reasons
        Plain-language findings, most important first.
    late_start_s
        Active time before the first step. [s]
    paused_s
        Timer pauses, left out of the alignment. [s]
    active_s
        Recorded time with the timer running. [s]
    prescribed_s
        Prescribed session length. [s]
    exercise_s
        Walking and running time from the aligned start. [s]
    run_s, walk_s, stop_s
        Time of each kind over the whole activity, pauses excluded. [s]
    run_distance_m, walk_distance_m
        Distance of each kind (NaN when unknown). [m]
    start
        Wall-clock start of the first step (UTC), ``None`` when nothing aligned.
    method
        Alignment method (``"dp"`` or ``"fixed"``).
    params
        The settings used.
    reason_messages
        ``reasons`` as translatable text (:mod:`stridecheck.messages`), when known.
    uncertain_steps
        Number of steps with verdict ``uncertain``.
    score_low, score_high
        The score with every uncertain step not done beyond what the
        segmentation saw / done in full; ``score`` is the expected score
        (uncertain steps credited by their ``p_done``). Equal to ``score``
        without uncertain steps.
    compliance_uncertain
        True when ``score_low`` and ``score_high`` fall in different
        categories: the session was attended, how well cannot be told.
    evidence
        The signal models the step evidence used (per signal: walk and run
        means and spreads, their separation, where they came from), or ``None``.
    profile_version
        Version of the athlete's gait profile used as prior, or ``None``.
    """

    session_id: str
    score: float
    category: Category
    run_compliance_pct: float | None
    walk_compliance_pct: float | None
    walk_break_compliance_pct: float | None
    intensity_compliance_pct: float | None
    steps: list[StepCompliance]
    reasons: list[str]
    late_start_s: float
    paused_s: float
    active_s: float
    prescribed_s: float
    exercise_s: float
    run_s: float
    walk_s: float
    stop_s: float
    run_distance_m: float
    walk_distance_m: float
    start: pd.Timestamp | None
    method: str
    params: ComplianceParams = field(default_factory=ComplianceParams)
    reason_messages: list[Text] = field(default_factory=list)
    uncertain_steps: int = 0
    score_low: float | None = None
    score_high: float | None = None
    compliance_uncertain: bool = False
    evidence: dict[str, Any] | None = None
    profile_version: int | None = None

    @property
    def methods_text(self) -> str:
        """Plain-language account of how this result was computed (for reports)."""
        return self.methods_text_for("en")

    def methods_text_for(self, lang: str | Translator = "en") -> str:
        """:attr:`methods_text` in another language (``"de"``) or through a translator."""
        from stridecheck.compliance.methods import compliance_methods

        return compliance_methods(
            self.params,
            method=self.method,
            lang=lang,
            profile_version=self.profile_version,
            evidence=self.evidence is not None,
        )

    def reasons_for(self, lang: str | Translator = "en") -> list[str]:
        """:attr:`reasons` in another language (English ones when no messages are kept)."""
        if not self.reason_messages:
            return list(self.reasons)
        translator = translator_for(lang)
        return [render(text, translator) for text in self.reason_messages]

    def steps_frame(self) -> pd.DataFrame:
        """The steps as a tidy DataFrame (one row per step, columns as in :meth:`to_dict`)."""
        rows = [step.to_dict() for step in self.steps]
        frame = pd.DataFrame(rows)
        for col in ("start", "end"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col], utc=True).dt.as_unit("ns")
        return frame

    def verdict_counts(self) -> dict[str, int]:
        """Number of steps per verdict (every verdict present, zeros included)."""
        counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
        for step in self.steps:
            counts[step.verdict] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """The public ``"compliance"`` document of ``analyze --json``.

        Keys ``score, category, run_compliance_pct, walk_compliance_pct, steps,
        reasons`` come first; the rest are extras (keys are only ever added).
        """
        return {
            "score": _number(self.score),
            "category": self.category,
            "run_compliance_pct": _number(self.run_compliance_pct),
            "walk_compliance_pct": _number(self.walk_compliance_pct),
            "steps": [step.to_dict() for step in self.steps],
            "reasons": list(self.reasons),
            "session_id": self.session_id,
            "walk_break_compliance_pct": _number(self.walk_break_compliance_pct),
            "intensity_compliance_pct": _number(self.intensity_compliance_pct),
            "verdicts": self.verdict_counts(),
            "late_start_s": _number(self.late_start_s),
            "paused_s": _number(self.paused_s),
            "active_s": _number(self.active_s),
            "prescribed_s": _number(self.prescribed_s),
            "exercise_s": _number(self.exercise_s),
            "run_s": _number(self.run_s),
            "walk_s": _number(self.walk_s),
            "stop_s": _number(self.stop_s),
            "run_distance_m": _number(self.run_distance_m),
            "walk_distance_m": _number(self.walk_distance_m),
            "start": _iso(self.start),
            "method": self.method,
            "methods_text": self.methods_text,
            "reason_messages": [to_json(text) for text in self.reason_messages],
            "uncertain_steps": self.uncertain_steps,
            "score_low": _number(self.score if self.score_low is None else self.score_low),
            "score_high": _number(self.score if self.score_high is None else self.score_high),
            "compliance_uncertain": self.compliance_uncertain,
            "evidence": self.evidence,
            "profile_version": self.profile_version,
        }
