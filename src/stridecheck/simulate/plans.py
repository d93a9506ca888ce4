"""Prescribed run-walk plans: durations and steps."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

__all__ = ["GAITS", "PlanStep", "normalize_plan", "parse_duration"]

#: A prescribed step: ``("walk" | "run", duration)``; the duration in seconds
#: or as text understood by :func:`parse_duration`.
PlanStep = tuple[str, float]

#: Step kinds a plan may prescribe.
GAITS: tuple[str, ...] = ("walk", "run")

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d*)?)$")
_SECONDS = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*s?$")


def parse_duration(text: str | float) -> float:
    """Read a duration written as ``"M:SS"``, ``"H:MM:SS"`` or seconds.

    Parameters
    ----------
    text
        ``"0:15"``, ``"5:00"``, ``"1:02:30"``, ``"90"``, ``"90s"`` or a number of
        seconds.

    Returns
    -------
    float
        The duration. [s]

    Raises
    ------
    ValueError
        For negative, non-finite or unreadable durations.
    """
    if isinstance(text, bool):
        raise ValueError(f"not a duration: {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    elif isinstance(text, str):
        s = text.strip().lower()
        clock = _CLOCK.match(s)
        plain = _SECONDS.match(s)
        if clock:
            hours = int(clock.group(1) or 0)
            minutes = int(clock.group(2))
            seconds = float(clock.group(3))
            if seconds >= 60 or (clock.group(1) is not None and minutes >= 60):
                raise ValueError(f"not a duration: {text!r} (minutes and seconds must be < 60)")
            value = hours * 3600.0 + minutes * 60.0 + seconds
        elif plain:
            value = float(plain.group(1))
        else:
            raise ValueError(
                f"not a duration: {text!r}; write 'M:SS', 'H:MM:SS' or a number of seconds"
            )
    else:
        raise ValueError(f"not a duration: {text!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"duration must be finite and >= 0, got {text!r}")
    return value


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
