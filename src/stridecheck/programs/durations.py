"""Durations and paces as program files write them: ``"M:SS"``, ``"H:MM:SS"`` or seconds."""

from __future__ import annotations

import math
import re

__all__ = ["format_duration", "format_pace", "parse_duration", "parse_pace"]

_MIN_SEC = re.compile(r"^(\d+):([0-5]\d(?:\.\d+)?)$")
_HOUR_MIN_SEC = re.compile(r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$")
_SECONDS = re.compile(r"^(\d+(?:\.\d+)?)\s*s?$")


def parse_duration(value: object, *, allow_zero: bool = False) -> float:
    """Read a duration: ``"M:SS"``, ``"H:MM:SS"`` or a number of seconds.

    Parameters
    ----------
    value
        ``"0:15"``, ``"5:00"``, ``"45:30"``, ``"1:02:30"``, ``90``, ``12.5``,
        ``"90"`` or ``"90s"``. Minutes in ``"M:SS"`` may exceed 59; seconds (and
        minutes in ``"H:MM:SS"``) are two digits below 60.
    allow_zero
        Accept a duration of zero (the simulator's plans may hold empty steps);
        programs require strictly positive durations.

    Returns
    -------
    float
        The duration, positive (or zero with ``allow_zero``). [s]

    Raises
    ------
    ValueError
        With a plain-language reason when the value is not a positive duration.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; write 'M:SS', 'H:MM:SS' or seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if match := _MIN_SEC.match(text):
            seconds = int(match.group(1)) * 60.0 + float(match.group(2))
        elif match := _HOUR_MIN_SEC.match(text):
            seconds = (
                int(match.group(1)) * 3600.0 + int(match.group(2)) * 60.0 + float(match.group(3))
            )
        elif match := _SECONDS.match(text.lower()):
            seconds = float(match.group(1))
        else:
            raise ValueError(
                f"duration {value!r} is not 'M:SS', 'H:MM:SS' or a number of seconds "
                "(seconds and minutes after a colon must be two digits below 60)"
            )
    else:
        raise ValueError(f"{value!r} is not a duration; write 'M:SS', 'H:MM:SS' or seconds")
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise ValueError(f"duration {value!r} must be {'>= 0' if allow_zero else 'positive'}")
    return seconds


def parse_pace(value: object) -> float:
    """Read a pace per kilometre (``"7:30"`` or seconds). [s/km]

    Raises
    ------
    ValueError
        When the value is not a positive duration (see :func:`parse_duration`).
    """
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ValueError(str(exc).replace("duration", "pace", 1)) from None


def format_duration(seconds: float) -> str:
    """Write a duration as program files do: ``"M:SS"`` below one hour, else ``"H:MM:SS"``.

    Whole seconds only; fractions are kept as decimals (``"0:12.5"``). [s]
    """
    whole = math.floor(seconds)
    frac = seconds - whole
    hours, rest = divmod(int(whole), 3600)
    minutes, secs = divmod(rest, 60)
    sec_text = f"{secs:02d}"
    if frac > 1e-9:
        sec_text = f"{secs + frac:06.3f}".rstrip("0").rstrip(".")
        if len(sec_text.split(".")[0]) < 2:
            sec_text = "0" + sec_text
    if hours:
        return f"{hours}:{minutes:02d}:{sec_text}"
    return f"{minutes}:{sec_text}"


def format_pace(seconds_per_km: float) -> str:
    """Write a pace as ``"M:SS"`` (per kilometre). [s/km]"""
    return format_duration(seconds_per_km)
