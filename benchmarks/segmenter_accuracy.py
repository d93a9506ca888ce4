"""Accuracy and speed of the walk / run / stop segmenter, HMM beside the threshold baseline.

Runs over simulator ground truth covering every sensor set-up, athlete and
deviation the simulator has, for several run-walk plans (C25K week 1, 15 s
bouts, 3:1 minutes), and over corpus files that carry device run/walk labels.
Prints per condition: per-second accuracy (mean and worst file), macro F1,
median and p90 boundary error, interval-count error and run bouts of at least
15 s missed, for both methods side by side; then checks the targets of issue #3
and times a one-hour 1 Hz activity.

Usage::

    python benchmarks/segmenter_accuracy.py            # 1 seed per condition
    python benchmarks/segmenter_accuracy.py --seeds 3  # more sessions per condition
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stridecheck.segment import segment
from stridecheck.simulate import ATHLETES, DEVIATIONS, SENSORS, simulate_session

PLANS: dict[str, list[tuple[str, float]]] = {
    "c25k_w1": [("walk", 300.0)] + [("run", 60.0), ("walk", 90.0)] * 8 + [("walk", 300.0)],
    "bouts_15s": [("walk", 300.0)] + [("run", 15.0), ("walk", 45.0)] * 10 + [("walk", 300.0)],
    "run3_walk1": [("walk", 300.0)] + [("run", 180.0), ("walk", 60.0)] * 5 + [("walk", 180.0)],
}
METHODS = ("hmm", "threshold")
CADENCE_SENSORS = ("watch", "watch_smart", "wrist_dropouts", "treadmill_footpod")
GPS_ONLY_SENSORS = ("phone_gpx",)
#: A truth boundary with no predicted boundary into the same kind this close counts as this. [s]
MAX_BOUNDARY_S = 60.0


@dataclass
class FileScore:
    """Scores of one method on one session."""

    method: str
    condition: str
    sensors: str
    athlete: str
    deviation: str
    plan: str
    accuracy: float
    macro_f1: float
    boundary_errors: list[float]
    count_error: int
    runs_15s: int
    runs_missed: int


def macro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    """Mean F1 over the labels present in the truth."""
    f1s = []
    for label in np.unique(truth):
        tp = float(np.sum((pred == label) & (truth == label)))
        fp = float(np.sum((pred == label) & (truth != label)))
        fn = float(np.sum((pred != label) & (truth == label)))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    return float(np.mean(f1s))


def boundary_errors(truth_iv: pd.DataFrame, pred_iv: pd.DataFrame) -> list[float]:
    """For each true boundary: distance to the nearest predicted boundary into the same kind."""
    errors = []
    p_start = pred_iv["start"].iloc[1:]
    p_kind = pred_iv["kind"].iloc[1:].to_numpy()
    for start, kind in zip(truth_iv["start"].iloc[1:], truth_iv["kind"].iloc[1:], strict=True):
        same = p_start[p_kind == kind]
        if len(same) == 0:
            errors.append(MAX_BOUNDARY_S)
            continue
        d = np.abs((same - start).dt.total_seconds().to_numpy())
        errors.append(float(min(d.min(), MAX_BOUNDARY_S)))
    return errors


def run_bouts_missed(
    truth_iv: pd.DataFrame, labels_1hz: np.ndarray, t0: pd.Timestamp
) -> tuple[int, int]:
    """Run bouts of at least 15 s, and how many of them had under half their seconds as run."""
    runs = truth_iv[(truth_iv["kind"] == "run") & (truth_iv["duration_s"] >= 15.0)]
    missed = 0
    for start, end in zip(runs["start"], runs["end"], strict=True):
        a = int((start - t0).total_seconds())
        b = int((end - t0).total_seconds())
        if np.mean(labels_1hz[a:b] == "run") < 0.5:
            missed += 1
    return len(runs), missed


def score_session(
    sensors: str, athlete: str, deviation: str, plan: str, seed: int
) -> list[FileScore]:
    """Simulate one session and score both methods on it."""
    devs = () if deviation == "as_prescribed" else (deviation,)
    session = simulate_session(
        PLANS[plan], athlete=athlete, sensors=sensors, deviations=devs, random_state=seed
    )
    truth = session.truth_1hz.to_numpy(dtype=object)
    out = []
    for method in METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seg = segment(session.activity, method=method)
        pred = seg.label_at(pd.DatetimeIndex(session.truth_1hz.index)).to_numpy(dtype=object)
        n_runs, n_missed = run_bouts_missed(
            session.truth_intervals, pred, session.truth_1hz.index[0]
        )
        out.append(
            FileScore(
                method=method,
                condition=session.condition,
                sensors=sensors,
                athlete=athlete,
                deviation=deviation,
                plan=plan,
                accuracy=float(np.mean(pred == truth)),
                macro_f1=macro_f1(truth, pred),
                boundary_errors=boundary_errors(session.truth_intervals, seg.intervals),
                count_error=abs(len(seg.intervals) - len(session.truth_intervals)),
                runs_15s=n_runs,
                runs_missed=n_missed,
            )
        )
    return out


def _fmt_group(scores: list[FileScore]) -> str:
    acc = np.array([s.accuracy for s in scores])
    f1 = np.array([s.macro_f1 for s in scores])
    errs = np.array([e for s in scores for e in s.boundary_errors], dtype=float)
    med = float(np.median(errs)) if errs.size else float("nan")
    p90 = float(np.percentile(errs, 90)) if errs.size else float("nan")
    cnt = float(np.mean([s.count_error for s in scores]))
    runs = sum(s.runs_15s for s in scores)
    missed = sum(s.runs_missed for s in scores)
    return (
        f"{100 * acc.mean():6.2f} {100 * acc.min():6.2f} {f1.mean():5.3f} "
        f"{med:5.1f} {p90:5.1f} {cnt:5.1f} {missed:3d}/{runs:<4d}"
    )


def print_table(title: str, key: str, rows: list[FileScore], order: Iterable[str]) -> None:
    """One line per value of ``key``, HMM and baseline side by side."""
    head = "acc%   min%   F1    med   p90   #err  missed  "
    print(f"\n## {title}")
    print(f"{'':28s} | {'HMM':^44s} | {'threshold baseline':^44s}")
    print(f"{key:28s} | {head:44s} | {head:44s}")
    for value in order:
        parts = []
        for method in METHODS:
            group = [s for s in rows if getattr(s, key) == value and s.method == method]
            parts.append(_fmt_group(group) if group else "-")
        n = len([s for s in rows if getattr(s, key) == value and s.method == "hmm"])
        print(f"{value + f' (n={n})':28s} | {parts[0]:44s} | {parts[1]:44s}")


def check_targets(rows: list[FileScore]) -> list[str]:
    """Compare the HMM's scores with the targets of issue #3; return one line per target."""
    hmm = [s for s in rows if s.method == "hmm"]
    lines = []

    def acc_line(name: str, group: list[FileScore], mean_t: float, min_t: float) -> None:
        acc = np.array([s.accuracy for s in group])
        worst = min(group, key=lambda s: s.accuracy)
        ok = acc.mean() >= mean_t and acc.min() >= min_t
        below = int(np.sum(acc < min_t))
        lines.append(
            f"[{'ok' if ok else 'MISS'}] {name}: mean accuracy {100 * acc.mean():.2f} % "
            f"(target >= {100 * mean_t:g}), worst {100 * acc.min():.2f} % "
            f"(target >= {100 * min_t:g}; {worst.condition} {worst.plan}); "
            f"{below} of {len(acc)} files below {100 * min_t:g} %"
        )

    def boundary_line(name: str, group: list[FileScore], target: float) -> None:
        errs = np.array([e for s in group for e in s.boundary_errors], dtype=float)
        med = float(np.median(errs))
        lines.append(
            f"[{'ok' if med <= target else 'MISS'}] {name}: median boundary error {med:.1f} s "
            f"(target <= {target:g} s)"
        )

    cad = [s for s in hmm if s.sensors in CADENCE_SENSORS]
    gps = [s for s in hmm if s.sensors in GPS_ONLY_SENSORS]
    if cad:
        acc_line("with cadence", cad, 0.99, 0.97)
        boundary_line("with cadence", cad, 2.0)
    if gps:
        acc_line("GPS only", gps, 0.95, 0.90)
        boundary_line("GPS only", gps, 5.0)
    for name, group in (("with cadence", cad), ("GPS only", gps)):
        if not group:
            continue
        missed = sum(s.runs_missed for s in group)
        total = sum(s.runs_15s for s in group)
        lines.append(
            f"[{'ok' if missed == 0 else 'MISS'}] {name}: run bouts >= 15 s missed: "
            f"{missed} of {total} (target 0)"
        )
    return lines


def time_one_hour() -> list[str]:
    """Time segmenting a one-hour 1 Hz activity, watch and GPS-only phone (best of 25 runs)."""
    plan = [("walk", 300.0)] + [("run", 60.0), ("walk", 90.0)] * 22
    lines = []
    for sensors in ("watch", *GPS_ONLY_SENSORS):
        session = simulate_session(plan, sensors=sensors, random_state=1)
        for method in METHODS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                segment(session.activity, method=method)
                wall, cpu = [], []
                for _ in range(25):
                    w0, c0 = time.perf_counter(), time.process_time()
                    segment(session.activity, method=method)
                    wall.append(time.perf_counter() - w0)
                    cpu.append(time.process_time() - c0)
            lines.append(
                f"{sensors:9s} {method:9s}: {len(session.activity.samples)} samples, "
                f"best {1000 * min(wall):.1f} ms wall / {1000 * min(cpu):.1f} ms CPU, "
                f"median {1000 * float(np.median(wall)):.1f} ms wall / "
                f"{1000 * float(np.median(cpu)):.1f} ms CPU (target <= 20 ms)"
            )
    return lines


def corpus_device_labels(corpus: Path) -> list[str]:
    """Agreement with the device's own ``rwd_*`` labels on corpus files that carry them.

    The segmenter runs with the device splits' weight set to 0, so the labels it is
    scored against are not also evidence.
    """
    from stridecheck.io import read

    manifest = corpus / "manifest.csv"
    if not manifest.is_file():
        return [f"corpus not found at {corpus} (set STRIDECHECK_CORPUS)"]
    rows = pd.read_csv(manifest)
    lines = []
    for rel in rows.loc[rows["notes"].str.contains("split msgs", na=False), "path"]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                activity = read(corpus / rel, errors="ignore")
        except Exception as exc:  # a reader failure is reported, not fatal here
            lines.append(f"{rel}: not readable ({type(exc).__name__}: {exc})")
            continue
        splits = activity.device_splits
        kinds = {"rwd_run": "run", "rwd_walk": "walk", "rwd_stand": "stop"}
        splits = splits[splits["split_type"].astype(str).isin(kinds)]
        if len(splits) == 0 or len(activity.samples) == 0:
            continue
        times = activity.samples.index
        expected = pd.Series(pd.NA, index=times, dtype=object)
        for kind, start, end in zip(
            splits["split_type"], splits["start"], splits["end"], strict=True
        ):
            expected[(times >= pd.Timestamp(start)) & (times < pd.Timestamp(end))] = kinds[kind]
        mask = expected.notna().to_numpy()
        parts = []
        for method in METHODS:
            extra = {"split_weight": 0.0} if method == "hmm" else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seg = segment(activity, method=method, **extra)
            agree = np.mean(seg.labels.to_numpy()[mask] == expected.to_numpy()[mask])
            parts.append(f"{method} {100 * agree:.1f} %")
        lines.append(
            f"{rel}: {int(mask.sum())} samples inside device labels "
            f"({', '.join(sorted(set(expected.dropna())))}); agreement: " + ", ".join(parts)
        )
    return lines or ["no corpus file carries rwd_* labels"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="sessions per condition")
    parser.add_argument("--plans", nargs="*", default=list(PLANS), choices=list(PLANS))
    parser.add_argument("--sensors", nargs="*", default=list(SENSORS), choices=list(SENSORS))
    parser.add_argument("--athletes", nargs="*", default=list(ATHLETES), choices=list(ATHLETES))
    parser.add_argument("--quick", action="store_true", help="skip the timing and corpus sections")
    args = parser.parse_args()

    deviations = ["as_prescribed", *DEVIATIONS]
    rows: list[FileScore] = []
    t_start = time.perf_counter()
    for sensors in args.sensors:
        for athlete in args.athletes:
            for deviation in deviations:
                for plan in args.plans:
                    for seed in range(args.seeds):
                        rows.extend(score_session(sensors, athlete, deviation, plan, 100 + seed))
    elapsed = time.perf_counter() - t_start
    n_files = len(rows) // len(METHODS)
    print(f"# Segmenter accuracy: {n_files} simulated sessions ({elapsed:.0f} s)")
    print(
        "acc% = mean per-second accuracy, min% = worst file, F1 = macro F1, med/p90 = "
        "boundary error [s], #err = mean |interval count error|, missed = run bouts >= 15 s "
        "missed / total"
    )
    print_table("By sensor set-up", "sensors", rows, args.sensors)
    print_table("By athlete", "athlete", rows, args.athletes)
    print_table("By deviation", "deviation", rows, deviations)
    print_table("By plan", "plan", rows, args.plans)
    print("\n## Targets (HMM)")
    for line in check_targets(rows):
        print(line)
    if args.quick:
        return
    print("\n## Speed, one-hour 1 Hz activity")
    for line in time_one_hour():
        print(line)
    corpus = Path(
        os.environ.get(
            "STRIDECHECK_CORPUS", Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
        )
    )
    print("\n## Corpus files with device run/walk labels")
    for line in corpus_device_labels(corpus):
        print(line)


if __name__ == "__main__":
    main()
