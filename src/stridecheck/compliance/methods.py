"""The methods paragraph of a coach report, generated from the settings actually used.

Built from translatable messages (:mod:`stridecheck.messages`): the ``*_doc``
functions give the text's tree, :func:`compliance_methods` and
:func:`adherence_methods` word it (English by default).
"""

from __future__ import annotations

from stridecheck.compliance.params import ComplianceParams
from stridecheck.i18n import translator_for
from stridecheck.messages import Join, Num, Text, Translator, msg, render
from stridecheck.programs.model import ProgressionRules

__all__ = [
    "adherence_methods",
    "adherence_methods_doc",
    "compliance_methods",
    "compliance_methods_doc",
    "evidence_methods_doc",
]


def evidence_methods_doc(
    params: ComplianceParams | None = None, *, profile_version: int | None = None
) -> Text:
    """How the step evidence (``p_done``, ``uncertain``) was weighed, as translatable text."""
    e = (params or ComplianceParams()).evidence
    parts: list[Text] = [
        msg(
            "Where the recording's signals were available, each step's window was also "
            "weighed: a likelihood ratio of running against walking from cadence, speed and "
            "(for steps of at least %(hr)s s) heart rate, each modelled as a normal "
            "distribution per gait, capped at %(cap)s nat per reading and counted once per "
            "time over which the signal's errors are correlated (8 s for speed from GPS "
            "positions). With a prior of %(prior)s %% that a prescribed step was done, this "
            "gives the step's probability of having been done (p_done). A step is 'done' "
            "from %(conf)s %%, keeps the verdict of the segmentation at or below "
            "%(low)s %%, and is 'uncertain' in between: the data cannot decide, and the "
            "score is then given as a range (uncertain steps not done / done) around the "
            "expected score.",
            hr=Num(e.heart_rate_min_step_s, ".0f"),
            cap=Num(e.cap_nat),
            prior=Num(100.0 * e.prior_done, ".0f"),
            conf=Num(100.0 * e.confident, ".0f"),
            low=Num(100.0 * (1.0 - e.confident), ".0f"),
        )
    ]
    if profile_version is not None:
        parts.append(
            msg(
                "The walking and running cadence, speed and heart rate of this athlete were "
                "taken from their gait profile (version %(version)s), learnt from their "
                "confidently segmented sessions.",
                version=Num(profile_version, ""),
            )
        )
    else:
        parts.append(
            msg(
                "No gait profile of this athlete was available: the walking and running "
                "signals were taken from the gait model fitted to this recording, or from "
                "published ranges."
            )
        )
    return Join(tuple(parts), " ")


def compliance_methods_doc(
    params: ComplianceParams | None = None,
    *,
    method: str = "dp",
    profile_version: int | None = None,
    evidence: bool = False,
) -> Text:
    """How session compliance was scored, as translatable text (see :func:`compliance_methods`).

    ``evidence``: add the paragraph on the step evidence
    (:func:`evidence_methods_doc`, with ``profile_version``).
    """
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
    if evidence:
        parts.append(evidence_methods_doc(p, profile_version=profile_version))
    return Join(tuple(parts), " ")


def compliance_methods(
    params: ComplianceParams | None = None,
    *,
    method: str = "dp",
    lang: str | Translator = "en",
    profile_version: int | None = None,
    evidence: bool = False,
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
    profile_version
        Version of the athlete's gait profile used, if any.
    evidence
        Whether the step evidence was weighed (adds its paragraph).

    Returns
    -------
    str
        One paragraph naming the formula, thresholds and tolerances.
    """
    doc = compliance_methods_doc(
        params, method=method, profile_version=profile_version, evidence=evidence
    )
    return render(doc, translator_for(lang))


def adherence_methods_doc(
    done_score: float,
    *,
    per_week: int | None,
    min_attended_s: float = 300.0,
    rules: ProgressionRules | None = None,
) -> Text:
    """How program adherence was measured, as translatable text (see :func:`adherence_methods`)."""
    rules = rules or ProgressionRules()
    if rules.min_sessions_completed is not None:
        ready = msg(
            "A week is ready for progression when at least %(n)s of its sessions were completed",
            n=rules.min_sessions_completed,
        )
    elif per_week == 3:
        ready = msg(
            "A week is ready for progression when at least 2 of the week's 3 sessions were "
            "completed"
        )
    else:
        ready = msg(
            "A week is ready for progression when at least two thirds of the week's sessions "
            "were completed"
        )
    conditions: list[Text] = [ready]
    if rules.max_pain_after is not None:
        conditions.append(
            msg(
                "no pain after a session above %(limit)s on the 0-100 scale",
                limit=Num(rules.max_pain_after),
            )
        )
    if rules.pain_settled:
        conditions.append(
            msg(
                "pain before the next session back at or below the pain before the session "
                "(settled)"
            )
        )
    if rules.pain_not_rising:
        conditions.append(msg("the week's highest pain not above the previous week's"))
    if rules.adverse_event_blocks:
        conditions.append(
            msg(
                "no adverse event (a week with one is never ready; later weeks only after a "
                "coach's clearance note)"
            )
        )
    rule_text: list[Text] = [Join((Join(tuple(conditions), "; "), "."), "")]
    if rules.model == "silbernagel-2007":
        rule_text.append(
            msg(
                "The pain rules follow the pain-monitoring model of Silbernagel et al. (Am J "
                "Sports Med 2007), offered as a default: pain up to 5 of 10 during and after "
                "exercise, settled by the next morning, not rising from week to week."
            )
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
            "A prescribed session counts as attended when an activity with at least "
            "%(minutes)s min of walking or running (or half the session's prescribed length, "
            "if shorter) was assigned to it, whatever was done in it; attendance is sessions "
            "attended divided by sessions prescribed.",
            minutes=Num(min_attended_s / 60.0),
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
            "An interruption is 3 or more consecutive prescribed sessions not attended (Nilsen "
            "et al. 2018); a participant discontinued when the sessions due end with such a "
            "run (the discontinuation date is the last attended session's), and an early "
            "termination is a discontinuation once the whole program is due."
        ),
        msg(
            "Relative dose intensity (RDI) is the running time of the activities assigned to "
            "the sessions divided by the prescribed running time of the sessions due; the "
            "FITT time fidelity is the share of run steps done at the prescribed duration "
            "and the share of walk breaks kept (step verdict 'done'), over attended sessions."
        ),
        Join(tuple(rule_text), " "),
        msg(
            "Weekly running time and distance sum the running intervals of every activity in "
            "the week, unplanned ones included."
        ),
    ]
    return Join(tuple(parts), " ")


def adherence_methods(
    done_score: float,
    *,
    per_week: int | None,
    lang: str | Translator = "en",
    min_attended_s: float = 300.0,
    rules: ProgressionRules | None = None,
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
    doc = adherence_methods_doc(
        done_score, per_week=per_week, min_attended_s=min_attended_s, rules=rules
    )
    return render(doc, translator_for(lang))
