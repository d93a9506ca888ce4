"""Ways a person departs from the prescribed plan, applied to a per-second timeline.

A timeline is an array with one label per second: ``"walk"``, ``"run"``,
``"stop"`` (standing still, the recording running) or ``"paused"`` (the
recording timer stopped). Deviations rewrite it; what remains is exactly what
the simulated person did, second by second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["DEVIATIONS", "DEVIATION_DEFAULTS", "apply_deviations", "normalize_deviations"]

#: Deviations the simulator knows, in the order they are applied.
DEVIATIONS: tuple[str, ...] = (
    "walked_everything",
    "skipped_runs",
    "cut_short",
    "ran_through_walks",
    "traffic_stops",
    "timer_pause",
    "late_start",
    "stopped_halfway",
)

#: Tunable parameters of each deviation and their defaults.
DEVIATION_DEFAULTS: dict[str, dict[str, float]] = {
    "walked_everything": {},
    # share of the run steps walked instead (at least one)
    "skipped_runs": {"fraction": 0.4},
    # share of the run steps ended early, and how much of such a step is run
    "cut_short": {"fraction": 0.5, "keep_min": 0.35, "keep_max": 0.7},
    # share of the walk breaks between runs that are run through (one contiguous block)
    "ran_through_walks": {"fraction": 0.5},
    # number of standing stops and their length range [s]
    "traffic_stops": {"count": 3, "min_s": 10, "max_s": 60},
    # number of timer pauses and their length range [s]
    "timer_pause": {"count": 1, "min_s": 30, "max_s": 180},
    # standing before the first step, length range [s]
    "late_start": {"min_s": 60, "max_s": 240},
    # where in the session the recording ends, as a share of its length
    "stopped_halfway": {"at_min": 0.4, "at_max": 0.6},
}


def normalize_deviations(
    deviations: Sequence[str] | Mapping[str, Mapping[str, float] | None] | str,
) -> dict[str, dict[str, float]]:
    """Return ``{name: parameters}`` with defaults filled in, in application order.

    Parameters
    ----------
    deviations
        Names (``["traffic_stops", "cut_short"]``), a single name, or a mapping
        from name to parameter overrides (``{"traffic_stops": {"count": 2}}``).

    Raises
    ------
    ValueError
        For an unknown deviation or parameter.
    """
    given: dict[str, Mapping[str, float]] = {}
    if isinstance(deviations, str):
        deviations = [deviations] if deviations.strip() else []
    if isinstance(deviations, Mapping):
        for name, params in deviations.items():
            given[str(name).strip().lower()] = dict(params or {})
    else:
        for name in deviations:
            given[str(name).strip().lower()] = {}
    out: dict[str, dict[str, float]] = {}
    for name in given:
        if name not in DEVIATION_DEFAULTS:
            raise ValueError(f"unknown deviation {name!r}; choose from {', '.join(DEVIATIONS)}")
    for name in DEVIATIONS:
        if name not in given:
            continue
        params = dict(DEVIATION_DEFAULTS[name])
        for key, value in given[name].items():
            if key not in params:
                valid = ", ".join(params) or "none"
                raise ValueError(f"deviation {name!r} has no parameter {key!r} (valid: {valid})")
            params[key] = float(value)
        out[name] = params
    return out


def _choose(rng: np.random.Generator, items: list[int], fraction: float) -> list[int]:
    if not items:
        return []
    k = int(np.clip(round(fraction * len(items)), 1 if fraction > 0 else 0, len(items)))
    return sorted(int(i) for i in rng.choice(items, size=k, replace=False))


def apply_deviations(
    labels: np.ndarray,
    step_of: np.ndarray,
    plan_kinds: Sequence[str],
    deviations: Mapping[str, Mapping[str, float]],
    rng: np.random.Generator,
) -> np.ndarray:
    """Rewrite a per-second timeline according to the deviations.

    Parameters
    ----------
    labels
        One label per second of the plan as prescribed.
    step_of
        For each second, the index of the plan step it belongs to.
    plan_kinds
        Kind of each plan step.
    deviations
        Output of :func:`normalize_deviations`.
    rng
        Random generator (the only source of randomness).

    Returns
    -------
    numpy.ndarray
        The performed timeline (a new array; its length changes with
        ``timer_pause``, ``late_start`` and ``stopped_halfway``).
    """
    out = labels.astype(object).copy()
    runs = [i for i, k in enumerate(plan_kinds) if k == "run"]
    breaks = [
        i
        for i, k in enumerate(plan_kinds)
        if k == "walk" and "run" in plan_kinds[:i] and "run" in plan_kinds[i + 1 :]
    ]
    for name, p in deviations.items():
        if name == "walked_everything":
            out[out == "run"] = "walk"
        elif name == "skipped_runs":
            for i in _choose(rng, runs, p["fraction"]):
                out[step_of == i] = "walk"
        elif name == "cut_short":
            for i in _choose(rng, runs, p["fraction"]):
                secs = np.flatnonzero(step_of == i)
                keep = round(len(secs) * rng.uniform(p["keep_min"], p["keep_max"]))
                keep = int(np.clip(keep, 1, max(1, len(secs) - 1)))
                tail = secs[keep:]
                out[tail[out[tail] == "run"]] = "walk"
        elif name == "ran_through_walks":
            if breaks:
                low = 1 if p["fraction"] > 0 else 0
                k = int(np.clip(round(p["fraction"] * len(breaks)), low, len(breaks)))
                first = int(rng.integers(0, len(breaks) - k + 1))
                for i in breaks[first : first + k]:
                    secs = np.flatnonzero(step_of == i)
                    out[secs[out[secs] == "walk"]] = "run"
        elif name == "traffic_stops":
            out = _traffic_stops(out, p, rng)
        elif name == "timer_pause":
            out = _timer_pauses(out, p, rng)
        elif name == "late_start":
            n = round(rng.uniform(p["min_s"], p["max_s"]))
            out = np.concatenate([np.full(max(n, 1), "stop", dtype=object), out])
        elif name == "stopped_halfway":
            cut = round(len(out) * rng.uniform(p["at_min"], p["at_max"]))
            out = out[: max(cut, 1)]
    return out


def _traffic_stops(
    out: np.ndarray, p: Mapping[str, float], rng: np.random.Generator
) -> np.ndarray:
    n = len(out)
    margin = min(60, n // 4)
    for _ in range(int(p["count"])):
        for _attempt in range(50):
            length = round(rng.uniform(p["min_s"], p["max_s"]))
            if n - margin - length <= margin:
                continue
            start = int(rng.integers(margin, n - margin - length))
            lo, hi = max(0, start - 20), min(n, start + length + 20)
            if np.any(out[lo:hi] == "stop"):
                continue
            out[start : start + length] = "stop"
            break
    return out


def _timer_pauses(out: np.ndarray, p: Mapping[str, float], rng: np.random.Generator) -> np.ndarray:
    for _ in range(int(p["count"])):
        n = len(out)
        if n < 8:
            break
        length = max(1, round(rng.uniform(p["min_s"], p["max_s"])))
        at = int(rng.integers(n // 4, max(n // 4 + 1, (3 * n) // 4)))
        if out[at - 1] == "paused" or out[at] == "paused":
            continue
        out = np.concatenate([out[:at], np.full(length, "paused", dtype=object), out[at:]])
    return out
