"""The methods paragraph of a coach report, generated from the settings actually used.

Built from translatable messages (:mod:`stridecheck.messages`): the ``*_doc``
functions give the text's tree, :func:`compliance_methods` and
:func:`adherence_methods` word it (English by default).
"""

from __future__ import annotations

from stridecheck.compliance.params import ComplianceParams
from stridecheck.messages import Join, Num, Text, Translator, msg, render, translator_for

__all__ = [
    "adherence_methods",
    "adherence_methods_doc",
    "compliance_methods",
    "compliance_methods_doc",
]


def compliance_methods_doc(params: ComplianceParams | None = None, *, method: str = "dp") -> Text:
    """How session compliance was scored, as translatable text (see :func:`compliance_methods`)."""
    p = params or ComplianceParams()
    if method == "fixed":
        alignment = msg(
            "Each prescribed step was placed on the prescribed clock, starting at the first "
            "walking or running second (no tolerance for drift, extra breaks or late starts "
            "beyond that)."
        )
    else:
        alignment = msg(
            "Each prescribed step was aligned to a window of the recording by dynamic "
            "programming: the windows follow each other in order, time before the first "
            "step (a late start) and after the last is ignored, and the alignment maximises "
            "the time spent in each step's prescribed kind (credited up to the prescribed "
            "duration) minus %(cost)s s for every second a window is longer or shorter than "
            "prescribed (a window may grow by at most max(prescribed, %(grow)s s)). This "
            "tolerates late starts, missed or merged bouts, extra walk breaks and drift off "
            "the prescribed clock.",
            cost=Num(p.stretch_cost),
            grow=Num(p.max_stretch_s, ""),
        )
    parts: list[Text] = [
        msg(
            "Compliance was scored on the walk, run and stop intervals of the recording, on "
            "a 1-second grid; timer pauses were left out, as a watch's interval timer stops "
            "with the recording."
        ),
        alignment,
        msg(
            "For every step, the matched time is the time spent in the prescribed kind "
            "(running for a run step, walking for a walk step) inside its window, and the "
            "credited time is the matched time capped at the prescribed duration."
        ),
        msg(
            "A step is 'done' when at least %(done)s %% of it was credited, 'short' from "
            "%(short)s %%, and below that 'wrong_kind' when the other kind of exercise filled "
            "at least %(wrong_kind)s %% of its window, otherwise 'missed'; steps after the "
            "end of the exercise are 'not_reached'.",
            done=Num(p.done_pct),
            short=Num(p.missed_pct),
            wrong_kind=Num(p.wrong_kind_pct),
        ),
        msg(
            "Run compliance R is the credited share of the prescribed running time and walk "
            "compliance W the same for walking (warm-up and cool-down included)."
        ),
        msg(
            "The session score is the harmonic mean 100 x 2RW / (R + W), high only when both "
            "the runs and the walks were done as prescribed (with one kind prescribed, that "
            "kind's compliance)."
        ),
        msg(
            "Sessions scoring at least %(completed)s are 'completed', at least %(partial)s "
            "'partial', otherwise 'not_completed' (bands after TrainingPeaks' ±20 %% and "
            "50 %% colour thresholds).",
            completed=Num(p.completed_score),
            partial=Num(p.partial_score),
        ),
        msg(
            "Intensity, when a step has heart-rate or pace targets, is the share of the "
            "step's matched time within the target range; it is reported separately and "
            "does not enter the score."
        ),
    ]
    return Join(tuple(parts), " ")


def compliance_methods(
    params: ComplianceParams | None = None,
    *,
    method: str = "dp",
    lang: str | Translator = "en",
) -> str:
    """Describe how session compliance was scored, in plain language.

    Parameters
    ----------
    params
        The settings used (default settings when ``None``).
    method
        ``"dp"`` or ``"fixed"``.
    lang
        Language code (``"en"``, ``"de"``) or a translator.

    Returns
    -------
    str
        One paragraph naming the formula, thresholds and tolerances.
    """
    return render(compliance_methods_doc(params, method=method), translator_for(lang))


def adherence_methods_doc(done_score: float, *, per_week: int | None) -> Text:
    """How program adherence was measured, as translatable text (see :func:`adherence_methods`)."""
    if per_week == 3:
        ready = msg(
            "A week is ready for progression when at least 2 of the week's 3 sessions were "
            "completed."
        )
    else:
        ready = msg(
            "A week is ready for progression when at least two thirds of the week's sessions "
            "were completed."
        )
    parts: list[Text] = [
        msg(
            "Each activity was assigned to a prescribed session of the program week it fell "
            "in (weeks counted from the start date), keeping the order of the week's sessions "
            "and choosing, among order-preserving assignments with the most sessions matched, "
            "the one with the highest total compliance score (on equal scores, the activity "
            "closest to the session's calendar day); activities left over, or outside the "
            "program's weeks, are listed as unplanned."
        ),
        msg(
            "A prescribed session counts as done when its activity scored at least "
            "%(done_score)s, and as completed at 80 or more.",
            done_score=Num(done_score),
        ),
        msg(
            "Adherence is sessions done divided by sessions prescribed (sessions after the "
            "evaluation date are not counted)."
        ),
        msg(
            "An interruption is 3 or more consecutive prescribed sessions not done (Nilsen "
            "et al. 2018)."
        ),
        ready,
        msg(
            "Weekly running time and distance sum the running intervals of every activity in "
            "the week, unplanned ones included."
        ),
    ]
    return Join(tuple(parts), " ")


def adherence_methods(
    done_score: float, *, per_week: int | None, lang: str | Translator = "en"
) -> str:
    """Describe how program adherence was measured, in plain language.

    Parameters
    ----------
    done_score
        Lowest session score counted as a session done.
    per_week
        Prescribed sessions per week, when the program declares it.
    lang
        Language code (``"en"``, ``"de"``) or a translator.

    Returns
    -------
    str
    """
    return render(adherence_methods_doc(done_score, per_week=per_week), translator_for(lang))
