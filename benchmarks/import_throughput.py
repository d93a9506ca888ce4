"""Benchmark: import and cohort throughput on simulated 40-minute FIT files, in one run.

Files are simulated 40-minute run-walk sessions of the ASTEROID-style program
(:func:`stridecheck.simulate.simulate_session` + ``write_session``), written
once; distinct copies (each shifted in time, so each has its own content hash)
make up the workload. Measured:

- ``stridecheck import`` (read, segment, score against the enrolled program,
  store) with 1 and 2 worker processes: files/s and the ratio;
- ``stridecheck cohort`` with 1 and 2 workers: files/s and the ratio;
- memory as the cohort grows: the peak resident memory of the whole process
  tree (this process plus its workers, sampled every 50 ms with psutil) for a
  cohort of N and of 2N participants.

Each line also gives the CPU time per file and the cores the run actually
obtained (CPU time / wall time). On a shared machine the wall-clock ratio
understates the speed-up, because other processes hold the cores; the load
average is printed before and after.

Usage::

    python benchmarks/import_throughput.py [--files 16] [--participants 3] [--per-participant 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from stridecheck.cohort import run_cohort
from stridecheck.importer import import_paths
from stridecheck.programs import Program, load_program
from stridecheck.store import Store

# The simulator and the FIT writer are imported where used: worker processes re-run
# this script's top level, and should not pay for modules only the set-up needs.

PROGRAM = "asteroid-12wk"
START = dt.date(2026, 3, 2)
SESSION_MINUTES = 40


def forty_minute_plan(program: Program, session_id: str) -> list[tuple[str, float]]:
    """The session's plan stretched to 40 minutes with more run-walk repeats."""
    plan = program.session(session_id).to_plan()
    warm, body, cool = plan[0], plan[1:-1], plan[-1]
    out = [warm]
    target = SESSION_MINUTES * 60 - warm[1] - cool[1]
    while sum(d for _, d in out[1:]) < target:
        out.extend(body[:2])
    return [*out, cool]


def base_activities(program: Program, n: int) -> list[Any]:
    """``n`` simulated 40-minute sessions (as activities), different seeds and sessions."""
    from stridecheck.simulate import simulate_session

    ids = ["W1S1", "W2S1", "W3S1", "W4S1"]
    out = []
    for k in range(n):
        plan = forty_minute_plan(program, ids[k % len(ids)])
        start = dt.datetime.combine(START, dt.time(7, 0), tzinfo=dt.UTC)
        out.append(simulate_session(plan, start=start, random_state=k).activity)
    return out


def write_copies(activities: list[Any], folder: Path, n: int, offset: int = 0) -> list[Path]:
    """``n`` distinct FIT files, two days apart, cycling through the base activities."""
    from stridecheck.io.fit_write import write_fit

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        base = activities[k % len(activities)]
        samples = base.samples.copy()
        samples.index = samples.index + pd.Timedelta(days=2 * k + (k // 3), minutes=offset)
        meta = dataclasses.replace(base.meta, start_time=samples.index[0].to_pydatetime())
        path = folder / f"s{k:04d}.fit"
        write_fit(dataclasses.replace(base, samples=samples, meta=meta), path)
        paths.append(path)
    return paths


class TreeMonitor:
    """Peak resident memory [byte] and CPU time [s] of this process and its descendants.

    Sampled every 50 ms with psutil (workers started by a fork server are not
    this process's children in the ``os.times`` sense, so they are found by
    walking the process tree).
    """

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self._cpu0 = sum(self.process.cpu_times()[:2])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                with proc.oneshot():
                    total += proc.memory_info().rss
                    times = proc.cpu_times()
                    self.cpu[proc.pid] = max(
                        self.cpu.get(proc.pid, 0.0), times.user + times.system
                    )
            except psutil.Error:
                continue
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.05)

    @property
    def cpu_s(self) -> float:
        """CPU time used during the measurement, this process and its workers. [s]"""
        own = self.cpu.get(self.process.pid, self._cpu0) - self._cpu0
        return own + sum(v for pid, v in self.cpu.items() if pid != self.process.pid)

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()


def timed(func: Callable[[], int]) -> tuple[float, int, TreeMonitor]:
    """Wall time of ``func``, the number of files it handled and the process-tree monitor."""
    with TreeMonitor() as monitor:
        started = time.perf_counter()
        n = func()
        seconds = time.perf_counter() - started
    return seconds, n, monitor


def report(kind: str, workers: int, seconds: float, n: int, monitor: TreeMonitor) -> None:
    """One result line: wall-clock rate, CPU per file and the cores actually obtained."""
    print(
        f"{kind:7} workers={workers}: {n} files in {seconds:6.1f} s = {n / seconds:5.2f} files/s;"
        f" CPU {monitor.cpu_s / n:5.2f} s/file; cores obtained {monitor.cpu_s / seconds:4.2f}"
    )


def bench_import(program: Program, folder: Path, workdir: Path) -> dict[int, float]:
    rates = {}
    for workers in (1, 2):
        db = workdir / f"import-{workers}.db"
        with Store.open(db) as store:
            store.enroll("bench", program, START)

            def run(store: Store = store, workers: int = workers) -> int:
                summary = import_paths(store, [folder], "bench", workers=workers)
                assert not summary.rejected, summary.rejected[:3]
                return len(summary.imported)

            seconds, n, monitor = timed(run)
        rates[workers] = n / seconds
        report("import", workers, seconds, n, monitor)
    return rates


def make_cohort(activities: list[Any], root: Path, participants: int, per: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for p in range(participants):
        folder = root / f"p{p:03d}"
        write_copies(activities, folder, per, offset=p)
        (folder / "enrollment.toml").write_text(f"start = {START.isoformat()}\n")
    return root


def bench_cohort(program: Program, cohort: Path) -> dict[int, float]:
    rates = {}
    for workers in (1, 2):

        def run(workers: int = workers) -> int:
            result = run_cohort(cohort, program, workers=workers)
            assert result.tables["errors"].empty, result.tables["errors"].head()
            return result.files

        seconds, n, monitor = timed(run)
        rates[workers] = n / seconds
        report("cohort", workers, seconds, n, monitor)
    return rates


def bench_memory(program: Program, small: Path, large: Path) -> None:
    for label, cohort in (("N", small), ("2N", large)):
        with TreeMonitor() as mem:
            result = run_cohort(cohort, program, workers=2)
        print(
            f"memory  cohort {label:>2} ({result.participants} participants,"
            f" {result.files} files):"
            f" peak RSS of process tree {mem.peak / 2**20:7.1f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=16, help="files for the import benchmark")
    parser.add_argument("--participants", type=int, default=3, help="cohort size N")
    parser.add_argument("--per-participant", type=int, default=4, help="files per participant")
    args = parser.parse_args()
    program = load_program(PROGRAM)
    print(f"load average before: {os.getloadavg()}; CPUs: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="stridecheck-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        activities = base_activities(program, 4)
        write_copies(activities, work / "files", args.files)
        small = make_cohort(activities, work / "cohort-n", args.participants, args.per_participant)
        large = make_cohort(
            activities, work / "cohort-2n", 2 * args.participants, args.per_participant
        )
        print(f"simulated and wrote the files in {time.perf_counter() - started:.1f} s")
        imp = bench_import(program, work / "files", work)
        coh = bench_cohort(program, small)
        bench_memory(program, small, large)
    print(f"import speed-up 1 -> 2 workers: {imp[2] / imp[1]:.2f}x")
    print(f"cohort speed-up 1 -> 2 workers: {coh[2] / coh[1]:.2f}x")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
