"""Did they do the session they were prescribed? Step-by-step compliance and adherence.

Quick example::

    from stridecheck.compliance import comply
    from stridecheck.programs import load_program

    session = load_program("asteroid-12wk").session("W1S1")
    result = comply(activity, session)          # segments the activity first
    result.score, result.category, result.reasons
    result.to_dict()                            # the "compliance" object of analyze --json

Over a program: :func:`adherence` (activities matched to a calendar of
prescribed sessions; the trial's measures) and :func:`program_calendar`.
"""

from stridecheck.compliance.adherence import (
    AdherenceReport,
    ScoredActivity,
    adherence,
    match_week,
    program_calendar,
    score_activity,
)
from stridecheck.compliance.methods import adherence_methods, compliance_methods
from stridecheck.compliance.params import ComplianceParams
from stridecheck.compliance.result import (
    CATEGORIES,
    VERDICTS,
    SessionCompliance,
    StepCompliance,
)
from stridecheck.compliance.session import (
    ALIGN_METHODS,
    best_session,
    comply,
    comply_intervals,
    harmonic_score,
    score_category,
)

__all__ = [
    "ALIGN_METHODS",
    "CATEGORIES",
    "VERDICTS",
    "AdherenceReport",
    "ComplianceParams",
    "ScoredActivity",
    "SessionCompliance",
    "StepCompliance",
    "adherence",
    "adherence_methods",
    "best_session",
    "compliance_methods",
    "comply",
    "comply_intervals",
    "harmonic_score",
    "match_week",
    "program_calendar",
    "score_activity",
    "score_category",
]
