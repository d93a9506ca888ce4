"""Split an activity into walk, run and stop intervals, the way a coach marks them.

Quick example::

    import stridecheck
    seg = stridecheck.segment(stridecheck.read("session.fit"))
    seg.intervals[["kind", "start", "duration_s", "pace_s_per_km"]]
    print(seg.methods_text)

``stridecheck.segment`` is this package, and calling it calls :func:`segment`:
``import stridecheck.segment as s`` gives the package (``s.HmmParams``,
``s.segment``) whatever was imported before, and ``stridecheck.segment(activity)``
segments.

Methods (``method=``):

``"hmm"`` (aliases ``"viterbi"``, ``"default"``)
    Three-state hidden Markov model over every signal there is, thresholds
    fitted to the athlete, decoded with Viterbi (:mod:`.hmm`).
``"threshold"`` (aliases ``"baseline"``, ``"cut"``)
    Fixed literature cuts per sample, no smoothing (:mod:`.threshold`).
"""

from __future__ import annotations

import dataclasses
import math
import sys
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stridecheck.activity import Activity
from stridecheck.errors import EmptyActivityError, ErrorPolicy, InputError, StrideCheckWarning
from stridecheck.i18n import translator_for
from stridecheck.messages import Text, Translator, render
from stridecheck.segment.features import Evidence, extract_evidence
from stridecheck.segment.hmm import (
    RUN,
    STOP,
    WALK,
    GaitModel,
    HmmParams,
    changing_gait,
    segment_hmm,
    unusable_stretches,
)
from stridecheck.segment.intervals import (
    INTERVAL_COLUMNS,
    KINDS,
    PAUSED_CODE,
    RUN_CODE,
    STOP_CODE,
    UNKNOWN_CODE,
    WALK_CODE,
    build_intervals,
    give_changing_to_new_gait,
    labels_at,
    summarize_intervals,
)
from stridecheck.segment.methods import segment_methods_doc
from stridecheck.segment.notes import NO_SIGNAL
from stridecheck.segment.profile import GaitProfile, GaitStats
from stridecheck.segment.threshold import ThresholdParams, segment_threshold

__all__ = [
    "INTERVAL_COLUMNS",
    "KINDS",
    "METHODS",
    "GaitProfile",
    "GaitStats",
    "HmmParams",
    "Segmentation",
    "ThresholdParams",
    "segment",
    "segmenter_settings",
]

#: Accepted ``method=`` values -> canonical method name.
METHODS: dict[str, str] = {
    "hmm": "hmm",
    "viterbi": "hmm",
    "default": "hmm",
    "threshold": "threshold",
    "baseline": "threshold",
    "cut": "threshold",
}

#: Kind code of each HMM state, indexed by state (``STOP``, ``WALK``, ``RUN``).
_STATE_TO_CODE = np.zeros(3, dtype=np.int8)
_STATE_TO_CODE[[STOP, WALK, RUN]] = [STOP_CODE, WALK_CODE, RUN_CODE]


@dataclass
class Segmentation:
    """The result of :func:`segment`.

    Attributes
    ----------
    labels
        Kind per sample (``walk``, ``run``, ``stop``, ``paused``, ``unknown``),
        same index and row order as ``activity.samples``.
    intervals
        Contiguous, non-overlapping intervals covering the activity from its
        first to its last sample; columns :data:`INTERVAL_COLUMNS`.
    methods_text
        Plain-language account of what was done and the thresholds used.
    method
        Canonical name of the method used.
    params
        Settings used (field name -> value).
    warnings
        Problems met, in plain words (also emitted as
        :class:`~stridecheck.errors.StrideCheckWarning`).
    model
        The gait model the HMM fitted to this activity (``None`` for the baseline).
    methods_doc
        ``methods_text`` as translatable text (:mod:`stridecheck.messages`).
    """

    labels: pd.Series
    intervals: pd.DataFrame
    methods_text: str
    method: str
    params: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    model: GaitModel | None = None
    methods_doc: Text | None = None

    def methods_text_for(self, lang: str | Translator = "en") -> str:
        """``methods_text`` in another language (``"de"``) or through a translator."""
        if self.methods_doc is None:
            return self.methods_text
        return render(self.methods_doc, translator_for(lang))

    @property
    def summary(self) -> dict[str, Any]:
        """Totals per kind (time, distance, counts), run bouts, mean confidence."""
        out = summarize_intervals(self.intervals)
        out["method"] = self.method
        return out

    def label_at(self, times: pd.DatetimeIndex) -> pd.Series:
        """Kind of the interval holding each time (``unknown`` outside the activity)."""
        return labels_at(self.intervals, times)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready document ``{"intervals": [...], "summary": {...}}``.

        Times are ISO 8601 in UTC; missing numbers are ``None``. The summary
        also carries ``methods_text`` and ``warnings``.
        """
        rows: list[dict[str, Any]] = []
        for rec in self.intervals.to_dict(orient="records"):
            row: dict[str, Any] = {}
            for key in INTERVAL_COLUMNS:
                value = rec[key]
                if key in ("start", "end"):
                    row[key] = pd.Timestamp(value).tz_convert("UTC").isoformat()
                elif key == "kind":
                    row[key] = str(value)
                else:
                    number = float(value)
                    row[key] = number if math.isfinite(number) else None
            rows.append(row)
        summary = self.summary
        summary["methods_text"] = self.methods_text
        summary["warnings"] = list(self.warnings)
        return {"intervals": rows, "summary": summary}


def segmenter_settings(params: HmmParams | None = None) -> dict[str, float]:
    """Every number that shapes an HMM segmentation, by name.

    The fields of ``params`` (default :class:`HmmParams`), then the numeric
    constants of the evidence, model, interval and decoding modules
    (``"features.MAX_CADENCE_SPM"``, ...). :func:`stridecheck.pipeline.algorithm_version`
    digests them, so a change to any of them marks stored results stale.
    """
    from stridecheck.segment import features, hmm, intervals, viterbi

    settings = {
        f.name: float(getattr(params or HmmParams(), f.name))
        for f in dataclasses.fields(HmmParams)
    }
    for module in (features, hmm, intervals, viterbi):
        short = module.__name__.rsplit(".", 1)[-1]
        for name, value in sorted(vars(module).items()):
            if name.lstrip("_").isupper() and type(value) is float:
                settings[f"{short}.{name}"] = value
    return settings


def _resolve_method(method: str) -> str:
    key = str(method).strip().lower()
    if key not in METHODS:
        choices = ", ".join(repr(m) for m in METHODS)
        raise ValueError(f"`method` {method!r} not found. Must be one of {choices}.")
    return METHODS[key]


def _make_params(
    cls: type[HmmParams] | type[ThresholdParams], method: str, given: dict[str, Any]
) -> HmmParams | ThresholdParams:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(given) - names)
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)} for method={method!r}; "
            f"valid: {', '.join(sorted(names))}"
        )
    return cls(**{k: float(v) for k, v in given.items()})


def _finish(
    activity: Activity,
    ev: Evidence,
    codes: NDArray[np.int8],
    confidence: NDArray[np.float64],
    *,
    bridge_s: float,
    lag_s: float,
    changing: NDArray[np.bool_] | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    intervals, _, _ = build_intervals(
        ev, codes, confidence, bridge_s=bridge_s, lag_s=lag_s, changing=changing
    )
    per_sample = np.empty(len(ev), dtype=object)
    per_sample[ev.order] = np.array(KINDS, dtype=object)[codes]
    labels = pd.Series(per_sample, index=activity.samples.index, name="label", dtype=object)
    return labels, intervals


def segment(
    activity: Activity,
    method: str = "hmm",
    *,
    errors: ErrorPolicy | str = "warn",
    profile: GaitProfile | None = None,
    **params: Any,
) -> Segmentation:
    """**Split an activity into walk, run, stop, paused and unknown intervals.**

    Parameters
    ----------
    activity
        Any activity (FIT, GPX, TCX, live or simulated). Samples may come in
        any row order and at irregular times.
    method
        ``"hmm"`` (default; aliases ``"viterbi"``, ``"default"``) or
        ``"threshold"`` (aliases ``"baseline"``, ``"cut"``). Case-insensitive.
    errors
        What to do with the data problems met (the notes of
        ``Segmentation.warnings``), as ``read(..., errors=)`` does: ``"warn"``
        (default) emits each as a :class:`~stridecheck.errors.StrideCheckWarning`,
        ``"ignore"`` only keeps them in ``Segmentation.warnings``, ``"raise"``
        raises the first as an :class:`~stridecheck.errors.InputError`.
    profile
        The athlete's :class:`~stridecheck.segment.profile.GaitProfile`, learnt
        from their confident sessions: their own walking and running cadence
        and speed become the prior of the gait clusters (HMM only; the weight
        is ``profile_prior_seconds``). ``None``: published ranges only.
    **params
        Settings of the method: fields of :class:`HmmParams` or
        :class:`ThresholdParams` (e.g. ``run_walk_cost=12``).

    Returns
    -------
    Segmentation
        Per-sample labels, the interval table and a methods paragraph.

    Raises
    ------
    ValueError
        For an unknown method or parameter, or an unknown ``errors`` policy.
    stridecheck.errors.EmptyActivityError
        When the activity holds no samples.
    stridecheck.errors.InputError
        With ``errors="raise"``, for the first data problem met.

    Warns
    -----
    StrideCheckWarning
        With ``errors="warn"``, when the activity has neither speed nor cadence
        (everything is ``unknown``: no guess is made) or other data problems
        were met.
    """
    policy = ErrorPolicy.coerce(errors)
    name = _resolve_method(method)
    if len(activity.samples) == 0:
        raise EmptyActivityError(activity.meta.source_path, "no samples to segment")
    ev = extract_evidence(activity)
    settings = _make_params(HmmParams if name == "hmm" else ThresholdParams, name, params)
    bridge_s = settings.bridge_s
    blocked_unknown = unusable_stretches(ev, bridge_s)
    has_signal = bool(ev.usable.any())
    model: GaitModel | None = None
    if not has_signal:
        ev.notes.append(NO_SIGNAL)
        blocked_unknown = ~ev.paused
        states = np.full(len(ev), WALK, dtype=np.intp)
        confidence = np.zeros(len(ev))
    elif isinstance(settings, HmmParams):
        result = segment_hmm(ev, settings, ev.paused | blocked_unknown, profile)
        states = result.states
        confidence = 1.0 / (1.0 + np.exp(-np.minimum(result.margin, 50.0)))
        model = result.model
        if ev.speed_source == "positions" and model.cadence is None:
            confidence = confidence * settings.gps_only_confidence
    else:
        states, confidence = segment_threshold(ev, settings)
    codes = _STATE_TO_CODE[states]
    codes[blocked_unknown] = UNKNOWN_CODE
    codes[ev.paused] = PAUSED_CODE
    changing = None
    if model is not None and isinstance(settings, HmmParams):
        changing = changing_gait(ev, model, settings)
        codes = give_changing_to_new_gait(codes, changing)
    labels, intervals = _finish(
        activity,
        ev,
        codes,
        confidence,
        bridge_s=bridge_s,
        lag_s=settings.sensor_lag_s,
        changing=changing,
    )
    doc = segment_methods_doc(name, ev, settings, model)
    english = ev.warnings
    if policy is ErrorPolicy.RAISE and english:
        raise InputError(activity.meta.source_path, english[0])
    if policy is ErrorPolicy.WARN:
        for message in english:
            warnings.warn(message, StrideCheckWarning, stacklevel=2)
    return Segmentation(
        labels=labels,
        intervals=intervals,
        methods_text=render(doc),
        method=name,
        params=dataclasses.asdict(settings),
        warnings=english,
        model=model,
        methods_doc=doc,
    )


class _CallablePackage(types.ModuleType):
    """This package, callable as :func:`segment` (``stridecheck.segment(activity)``).

    The package root offers the function as ``stridecheck.segment``; giving the
    package itself that name (callable) keeps ``import stridecheck.segment``
    and ``stridecheck.segment.<name>`` meaning the package.
    """

    def __call__(self, activity: Activity, method: str = "hmm", **kwargs: Any) -> Segmentation:
        return segment(activity, method, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
