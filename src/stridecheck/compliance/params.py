"""Settings of compliance scoring, in one place (the methods text is generated from them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from stridecheck.compliance.evidence import EvidenceParams

__all__ = ["ComplianceParams"]


@dataclass(frozen=True)
class ComplianceParams:
    """Thresholds and tolerances of :func:`stridecheck.compliance.comply`.

    Attributes
    ----------
    stretch_cost
        Cost of one second of a step window longer or shorter than prescribed,
        in credited seconds (0 < c < 1): the alignment moves a boundary only
        when that gains more than it costs.
    max_stretch_s
        A step window may grow by at most ``max(prescribed, max_stretch_s)``. [s]
    done_pct
        A step is ``done`` when at least this share of it was done in the
        prescribed kind. [%]
    missed_pct
        Below this share a step is ``missed`` (or ``wrong_kind`` when the other
        kind of exercise filled most of its window). [%]
    wrong_kind_pct
        Share of the window spent in the other kind of exercise that makes a
        step ``wrong_kind``. [%]
    completed_score
        Lowest score of a ``completed`` session.
    partial_score
        Lowest score of a ``partial`` session (below: ``not_completed``).
    late_start_s
        Leading time before the first step from which a late start is reported. [s]
    extra_break_s
        Time of the other kind inside a ``done`` step from which an extra break
        (or an extra run) is reported. [s]
    intensity_pct
        Time in the target range below which a step's intensity is reported. [%]
    evidence
        Settings of the step evidence (``p_done``, ``uncertain``):
        :class:`~stridecheck.compliance.evidence.EvidenceParams`.
    """

    stretch_cost: float = 0.5
    max_stretch_s: int = 120
    done_pct: float = 80.0
    missed_pct: float = 20.0
    wrong_kind_pct: float = 50.0
    completed_score: float = 80.0
    partial_score: float = 50.0
    late_start_s: float = 30.0
    extra_break_s: float = 10.0
    intensity_pct: float = 80.0
    evidence: EvidenceParams = field(default_factory=EvidenceParams)

    def __post_init__(self) -> None:
        if not 0.0 < self.stretch_cost < 1.0:
            raise ValueError(f"stretch_cost must be in (0, 1), got {self.stretch_cost}")
        if self.max_stretch_s < 0:
            raise ValueError(f"max_stretch_s must be >= 0, got {self.max_stretch_s}")
        if not 0.0 <= self.missed_pct <= self.done_pct <= 100.0:
            raise ValueError("need 0 <= missed_pct <= done_pct <= 100")
        if not 0.0 <= self.partial_score <= self.completed_score <= 100.0:
            raise ValueError("need 0 <= partial_score <= completed_score <= 100")
