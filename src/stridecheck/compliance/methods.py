"""The methods paragraph of a coach report, generated from the settings actually used."""

from __future__ import annotations

from stridecheck.compliance.params import ComplianceParams

__all__ = ["adherence_methods", "compliance_methods"]


def _pct(value: float) -> str:
    return f"{value:g} %"


def compliance_methods(params: ComplianceParams | None = None, *, method: str = "dp") -> str:
    """Describe how session compliance was scored, in plain language.

    Parameters
    ----------
    params
        The settings used (default settings when ``None``).
    method
        ``"dp"`` or ``"fixed"``.

    Returns
    -------
    str
        One paragraph naming the formula, thresholds and tolerances.
    """
    p = params or ComplianceParams()
    if method == "fixed":
        alignment = (
            "Each prescribed step was placed on the prescribed clock, starting at the first "
            "walking or running second (no tolerance for drift, extra breaks or late starts "
            "beyond that)."
        )
    else:
        grow = f"max(prescribed, {p.max_stretch_s} s)"
        alignment = (
            "Each prescribed step was aligned to a window of the recording by dynamic "
            "programming: the windows follow each other in order, time before the first "
            "step (a late start) and after the last is ignored, and the alignment maximises "
            "the time spent in each step's prescribed kind (credited up to the prescribed "
            f"duration) minus {p.stretch_cost:g} s for every second a window is longer or "
            f"shorter than prescribed (a window may grow by at most {grow}). This tolerates "
            "late starts, missed or merged bouts, extra walk breaks and drift off the "
            "prescribed clock."
        )
    return (
        "Compliance was scored on the walk, run and stop intervals of the recording, on "
        "a 1-second grid; timer pauses were left out, as a watch's interval timer stops "
        f"with the recording. {alignment} For every step, the matched time is the time spent "
        "in the prescribed kind (running for a run step, walking for a walk step) inside "
        "its window, and the credited time is the matched time capped at the prescribed "
        f"duration. A step is 'done' when at least {_pct(p.done_pct)} of it was credited, "
        f"'short' from {_pct(p.missed_pct)}, and below that 'wrong_kind' when the other kind "
        f"of exercise filled at least {_pct(p.wrong_kind_pct)} of its window, otherwise "
        "'missed'; steps after the end of the exercise are 'not_reached'. Run compliance R is "
        "the credited share of the prescribed running time and walk compliance W the same "
        "for walking (warm-up and cool-down included). The session score is the harmonic "
        "mean 100 x 2RW / (R + W), high only when both the runs and the walks were done as "
        "prescribed (with one kind prescribed, that kind's compliance). Sessions scoring "
        f"at least {p.completed_score:g} are 'completed', at least {p.partial_score:g} "
        f"'partial', otherwise 'not_completed' (bands after TrainingPeaks' ±20 % and 50 % "
        "colour thresholds). Intensity, when a step has heart-rate or pace targets, is the "
        "share of the step's matched time within the target range; it is reported "
        "separately and does not enter the score."
    )


def adherence_methods(done_score: float, *, per_week: int | None) -> str:
    """Describe how program adherence was measured, in plain language.

    Parameters
    ----------
    done_score
        Lowest session score counted as a session done.
    per_week
        Prescribed sessions per week, when the program declares it.

    Returns
    -------
    str
    """
    ready = "2 of the week's 3" if per_week == 3 else "two thirds of the week's"
    return (
        "Each activity was assigned to a prescribed session of the program week it fell "
        "in (weeks counted from the start date), keeping the order of the week's sessions "
        "and choosing, among order-preserving assignments with the most sessions matched, "
        "the one with the highest total compliance score (on equal scores, the activity "
        "closest to the session's calendar day); activities left over, or outside "
        "the program's weeks, are listed as unplanned. A prescribed session counts as done "
        f"when its activity scored at least {done_score:g}, and as completed at 80 or "
        "more. Adherence is sessions done divided by sessions prescribed (sessions after "
        "the evaluation date are not counted). An interruption is 3 or more consecutive "
        "prescribed sessions not done (Nilsen et al. 2018). A week is ready for "
        f"progression when at least {ready} sessions were completed. Weekly "
        "running time and distance sum the running intervals of every activity in the "
        "week, unplanned ones included."
    )
