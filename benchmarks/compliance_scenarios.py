"""Compliance scores of simulated sessions with known deviations.

Each scenario simulates a built-in session (ASTEROID-style week 1: 15 s runs;
Couch-to-5K week 1: 60 s runs) done in a known way, segments the recording
with the real segmenter and scores it against the session with
:func:`stridecheck.compliance.comply` (dynamic-programming alignment and, for
comparison, the fixed prescribed clock). The same is done on the simulator's
ground-truth intervals (a perfect segmentation). Several seeds per scenario;
the table shows the mean score, its range, the categories and the mean run /
walk / walk-break compliance.

Usage::

    python benchmarks/compliance_scenarios.py [--seeds 3] [--truth-only]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from stridecheck.compliance import SessionCompliance, comply
from stridecheck.programs import Session, load_program
from stridecheck.simulate import simulate_session


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A way of doing a session, and the session it is scored against."""

    name: str
    program: str
    session: str
    deviations: Sequence[str] | Mapping[str, Mapping[str, float] | None] = ()
    sensors: str = "watch"
    athlete: str = "typical"
    score_against: str | None = None
    expect: str = ""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("as prescribed (15 s runs)", "asteroid-12wk", "W1S1", expect=">= 90"),
    Scenario("as prescribed (60 s runs)", "couch-to-5k", "W1S1", expect=">= 90"),
    Scenario("as prescribed (3 min runs)", "asteroid-12wk", "W12S1", expect=">= 90"),
    Scenario("smart recording", "asteroid-12wk", "W1S1", sensors="watch_smart", expect=">= 90"),
    Scenario("GPS-only phone", "asteroid-12wk", "W1S1", sensors="phone_gpx", expect=">= 90"),
    Scenario(
        "treadmill footpod", "couch-to-5k", "W1S1", sensors="treadmill_footpod", expect=">= 90"
    ),
    Scenario("slow jogger", "couch-to-5k", "W1S1", athlete="slow_jogger"),
    Scenario("late start", "asteroid-12wk", "W1S1", ("late_start",), expect=">= 90"),
    Scenario("timer pause", "couch-to-5k", "W1S1", ("timer_pause",), expect=">= 90"),
    Scenario("traffic stops", "couch-to-5k", "W1S1", ("traffic_stops",)),
    Scenario("cut short (half the runs)", "couch-to-5k", "W1S1", ("cut_short",)),
    Scenario("skipped 40 % of runs", "couch-to-5k", "W1S1", ("skipped_runs",)),
    Scenario(
        "ran through all walk breaks",
        "couch-to-5k",
        "W1S1",
        {"ran_through_walks": {"fraction": 1.0}},
        expect="breaks < 20 %",
    ),
    Scenario("stopped halfway", "asteroid-12wk", "W1S1", ("stopped_halfway",), expect="35-65"),
    Scenario(
        "walked everything",
        "couch-to-5k",
        "W1S1",
        ("walked_everything",),
        expect="run < 10 %, not_completed",
    ),
    Scenario(
        "wrong session (C25K W1 vs ASTEROID W12)",
        "couch-to-5k",
        "W1S1",
        score_against="asteroid-12wk:W12S1",
        expect="<= as prescribed - 15",
    ),
    Scenario(
        "wrong session (ASTEROID W12 vs W1)",
        "asteroid-12wk",
        "W12S1",
        score_against="asteroid-12wk:W1S1",
        expect="<= as prescribed - 15",
    ),
)


def _session(ref: str) -> Session:
    program, _, session = ref.partition(":")
    return load_program(program).session(session)


def _run(scenario: Scenario, seed: int, *, truth_only: bool) -> dict[str, Any]:
    plan_session = _session(f"{scenario.program}:{scenario.session}")
    target = _session(scenario.score_against) if scenario.score_against else plan_session
    sim = simulate_session(
        plan_session.to_plan(),
        athlete=scenario.athlete,
        sensors=scenario.sensors,
        deviations=scenario.deviations,
        random_state=seed,
    )
    out: dict[str, Any] = {"truth": comply(sim.truth_intervals, target, method="dp")}
    if not truth_only:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["dp"] = comply(sim.activity, target, method="dp")
            out["fixed"] = comply(sim.activity, target, method="fixed")
    return out


def _cell(results: list[SessionCompliance]) -> str:
    scores = [r.score for r in results]
    return f"{np.mean(scores):5.1f} [{min(scores):5.1f}-{max(scores):5.1f}]"


def _pct(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{np.mean(known):5.1f}" if known else "    -"


def _categories(results: list[SessionCompliance]) -> str:
    short = {"completed": "C", "partial": "P", "not_completed": "N"}
    return "".join(short[r.category] for r in results)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the scenario table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="Random seeds per scenario.")
    parser.add_argument(
        "--truth-only", action="store_true", help="Score the ground truth only (no segmenter)."
    )
    args = parser.parse_args(argv)
    seeds = list(range(1, args.seeds + 1))
    key = "truth" if args.truth_only else "dp"
    header = (
        f"{'scenario':42s} {'score (segmented)':19s} cat  {'run%':>5s} {'walk%':>5s} "
        f"{'brk%':>5s} | {'truth score':19s} | {'fixed clock':19s} | expect"
    )
    print(f"seeds {seeds}; cat: one letter per seed (C completed, P partial, N not_completed)")
    print(header)
    print("-" * len(header))
    started = time.perf_counter()
    for scenario in SCENARIOS:
        runs = [_run(scenario, seed, truth_only=args.truth_only) for seed in seeds]
        main_results = [r[key] for r in runs]
        truth = _cell([r["truth"] for r in runs])
        fixed = "-" if args.truth_only else _cell([r["fixed"] for r in runs])
        print(
            f"{scenario.name:42s} {_cell(main_results):19s} {_categories(main_results):4s} "
            f"{_pct([r.run_compliance_pct for r in main_results])} "
            f"{_pct([r.walk_compliance_pct for r in main_results])} "
            f"{_pct([r.walk_break_compliance_pct for r in main_results])} | {truth:19s} | "
            f"{fixed:19s} | {scenario.expect}"
        )
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
