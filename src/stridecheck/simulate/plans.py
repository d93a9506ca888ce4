"""Prescribed run-walk plans: durations and steps."""

from __future__ import annotations

from collections.abc import Sequence

from stridecheck.programs.durations import parse_duration as program_duration

__all__ = ["GAITS", "PlanStep", "normalize_plan", "parse_duration"]

#: A prescribed step: ``("walk" | "run", duration)``; the duration in seconds
#: or as text understood by :func:`parse_duration`.
PlanStep = tuple[str, float]

#: Step kinds a plan may prescribe.
GAITS: tuple[str, ...] = ("walk", "run")


def parse_duration(text: str | float) -> float:
    """Read a plan step's duration: as a program file writes it, or zero.

    Parameters
    ----------
    text
        ``"0:15"``, ``"5:00"``, ``"1:02:30"``, ``"90"``, ``"90s"`` or a number of
        seconds (see :func:`stridecheck.programs.parse_duration`).

    Returns
    -------
    float
        The duration, >= 0. [s]

    Raises
    ------
    ValueError
        For negative, non-finite or unreadable durations.
    """
    return program_duration(text, allow_zero=True)


def normalize_plan(plan: Sequence[tuple[str, float | str]]) -> list[PlanStep]:
    """Check a plan and return it as ``(kind, seconds)`` steps.

    Parameters
    ----------
    plan
        Steps ``(kind, duration)``; ``kind`` is ``"walk"`` or ``"run"`` (any case),
        ``duration`` anything :func:`parse_duration` reads.

    Returns
    -------
    list of PlanStep
        The steps with lower-case kinds and durations in seconds.

    Raises
    ------
    ValueError
        For an empty plan, an unknown kind or a duration that is not positive.
    """
    if isinstance(plan, str | bytes) or len(plan) == 0:
        raise ValueError("a plan needs at least one ('walk' | 'run', duration) step")
    steps: list[PlanStep] = []
    for i, step in enumerate(plan):
        if not isinstance(step, Sequence) or isinstance(step, str) or len(step) != 2:
            raise ValueError(f"plan step {i} must be a (kind, duration) pair, got {step!r}")
        kind = str(step[0]).strip().lower()
        if kind not in GAITS:
            raise ValueError(f"plan step {i}: kind {step[0]!r} is not one of {', '.join(GAITS)}")
        seconds = parse_duration(step[1])
        if seconds <= 0:
            raise ValueError(f"plan step {i}: duration must be > 0 s")
        steps.append((kind, seconds))
    return steps
