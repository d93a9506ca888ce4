"""Hand-made interval tables and simulated sessions for the compliance tests."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import pandas as pd

from stridecheck.compliance import SessionCompliance, comply
from stridecheck.programs import Session, load_program
from stridecheck.simulate import simulate_session

T0 = pd.Timestamp("2026-01-05T07:00:00Z")


def table(*bouts: tuple[str, float], start: pd.Timestamp = T0) -> pd.DataFrame:
    """An interval table from ``(kind, seconds)`` bouts laid end to end."""
    rows = []
    clock = start
    for kind, seconds in bouts:
        end = clock + pd.Timedelta(seconds=seconds)
        rows.append({"kind": kind, "start": clock, "end": end, "duration_s": float(seconds)})
        clock = end
    return pd.DataFrame(rows, columns=["kind", "start", "end", "duration_s"])


def session(ref: str) -> Session:
    """``"asteroid-12wk:W1S1"`` -> the built-in session."""
    program, _, session_id = ref.partition(":")
    return load_program(program).session(session_id)


def simulated_score(
    ref: str,
    *,
    seed: int,
    deviations: Sequence[str] | Mapping[str, Mapping[str, float] | None] = (),
    sensors: str = "watch",
    against: str | None = None,
    truth: bool = False,
) -> SessionCompliance:
    """Simulate ``ref`` and score it (through the real segmenter unless ``truth``)."""
    plan = session(ref)
    sim = simulate_session(
        plan.to_plan(), sensors=sensors, deviations=deviations, random_state=seed
    )
    target = session(against) if against else plan
    if truth:
        return comply(sim.truth_intervals, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return comply(sim.activity, target)
