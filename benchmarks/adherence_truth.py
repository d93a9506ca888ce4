"""Trial adherence measures against simulated truth, over a population of participants.

Each participant follows a random pattern over a 4-week, 3-sessions-a-week
run-walk program (per session: done as prescribed, walked all through, half of
every run, or missed; a quarter of the participants drop out after a random
session), recorded by a random sensor set-up and athlete of the simulator and
segmented by the real segmenter. Prints how often attendance, sessions done
and interruptions match the truth exactly, and the error of the relative dose
intensity (RDI) in percentage points: mean, 90th percentile and worst case,
overall and per sensor set-up.

Usage::

    python benchmarks/adherence_truth.py                  # 40 participants
    python benchmarks/adherence_truth.py --participants 100 --seed 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import warnings

import numpy as np

from stridecheck.compliance import adherence, score_activity
from stridecheck.programs import Program, Repeat, Session, Step
from stridecheck.simulate import ATHLETES, simulate_session

START = dt.date(2026, 1, 5)
KINDS = ("done", "walked", "half", "missed")
DEVIATIONS = {
    "done": (),
    "walked": ("walked_everything",),
    "half": {"cut_short": {"fraction": 1.0, "keep_min": 0.5, "keep_max": 0.5}},
}
SENSOR_SETUPS = ("watch", "watch_smart", "wrist_dropouts", "treadmill_footpod", "phone_gpx")


def program(weeks: int = 4) -> Program:
    """Three sessions a week: walk 3:00, 6 x (run, walk 1:00), walk 2:00; runs grow weekly."""
    sessions = []
    for week in range(1, weeks + 1):
        run_s = 30.0 * week
        for n in range(1, 4):
            steps = (
                Step("walk", 180.0),
                Repeat(6, (Step("run", run_s), Step("walk", 60.0))),
                Step("walk", 120.0),
            )
            sessions.append(Session(f"W{week}S{n}", steps, week=week))
    return Program("benchmark", tuple(sessions), weeks=weeks, sessions_per_week=3)


def truth_interruptions(pattern: list[str]) -> int:
    count = run = 0
    for kind in [*pattern, "end"]:
        if kind == "missed":
            run += 1
            continue
        count += run >= 3
        run = 0
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    plan = program()
    athletes = list(ATHLETES)
    exact = {"attended": 0, "done": 0, "interruptions": 0, "discontinued": 0}
    rdi_errors: list[float] = []
    by_sensor: dict[str, list[float]] = {}
    started = time.perf_counter()
    n_sessions = 0
    done_wrong = done_wrong_flagged = 0  # sessions, and those flagged compliance_uncertain
    for p in range(args.participants):
        pattern = [
            str(k) for k in rng.choice(KINDS, size=len(plan.sessions), p=[0.55, 0.15, 0.15, 0.15])
        ]
        if rng.random() < 0.25:  # a drop-out
            stop = int(rng.integers(1, len(pattern) - 3))
            pattern[stop:] = ["missed"] * (len(pattern) - stop)
        sensors = SENSOR_SETUPS[p % len(SENSOR_SETUPS)]
        athlete = athletes[p % len(athletes)]
        scored, truth_run_s = [], 0.0
        for i, (session, kind) in enumerate(zip(plan.sessions, pattern, strict=True)):
            if kind == "missed":
                continue
            day = START + dt.timedelta(days=7 * (i // 3) + 2 * (i % 3))
            sim = simulate_session(
                session.to_plan(),
                athlete=athlete,
                sensors=sensors,
                deviations=DEVIATIONS[kind],
                start=f"{day.isoformat()}T07:00Z",
                random_state=int(rng.integers(0, 2**31)),
            )
            t = sim.truth_intervals
            truth_run_s += float(
                (t["end"] - t["start"])[t["kind"] == "run"].dt.total_seconds().sum()
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scored.append(score_activity(sim.activity, name=f"{session.id}.fit"))
            n_sessions += 1
        report = adherence(plan, START, scored)
        s = report.summary
        attended = [k != "missed" for k in pattern]
        exact["attended"] += report.sessions["attended"].tolist() == attended
        truth_done = [k in ("done", "half") for k in pattern]
        exact["done"] += report.sessions["done"].tolist() == truth_done
        wrong = report.sessions["done"].to_numpy() != np.array(truth_done)
        done_wrong += int(wrong.sum())
        done_wrong_flagged += int(
            (wrong & report.sessions["compliance_uncertain"].to_numpy()).sum()
        )
        exact["interruptions"] += s["interruptions"] == truth_interruptions(pattern)
        trailing = len(pattern) - len("".join("x" if a else "." for a in attended).rstrip("."))
        exact["discontinued"] += s["discontinued"] == (trailing >= 3)
        prescribed_s = sum(sess.run_s for sess in plan.sessions)
        rdi_errors.append(float(s["rdi_pct"]) - 100.0 * truth_run_s / prescribed_s)
        by_sensor.setdefault(sensors, []).append(rdi_errors[-1])
    elapsed = time.perf_counter() - started
    n = args.participants
    errors = np.abs(np.array(rdi_errors))
    print(f"{n} participants, {n_sessions} simulated sessions, {elapsed:.1f} s")
    for key, hits in exact.items():
        print(f"  {key:<14} exact for {hits}/{n} participants ({100 * hits / n:.0f} %)")
    print(
        f"  done, per session: {n_sessions - done_wrong}/{n_sessions} right; "
        f"of the {done_wrong} wrong, {done_wrong_flagged} flagged compliance_uncertain"
    )
    print(
        f"  RDI error [percentage points]: mean {np.mean(rdi_errors):+.2f}, "
        f"mean |e| {errors.mean():.2f}, p90 |e| {np.percentile(errors, 90):.2f}, "
        f"worst {errors.max():.2f}"
    )
    for sensors, values in sorted(by_sensor.items()):
        e = np.abs(np.array(values))
        print(
            f"    {sensors:<18} n={len(e):>3}  mean |e| {e.mean():.2f}  "
            f"p90 |e| {np.percentile(e, 90):.2f}  worst {e.max():.2f}"
        )


if __name__ == "__main__":
    main()
