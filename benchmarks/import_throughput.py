"""Benchmark: import and cohort throughput on simulated 40-minute FIT files, in one run.

Files are simulated 40-minute run-walk sessions of the ASTEROID-style program
(:func:`stridecheck.simulate.simulate_session` + ``write_session``), written
once; distinct copies (each shifted in time, so each has its own content hash)
make up the workload. The copies fall on the program's session days (three a
week over its 12 weeks, then round again), as a trial's files do; files dated
after the program's end cost more to score (every session of the program is a
candidate), and the breakdown shows that cost separately for the few that
remain. Measured:

- where the CPU time of one file goes, in this process: hash, read (FIT
  decoding), segment, comply (matching the enrolled program's sessions,
  aligning, scoring), pack (Parquet blob, meta and result documents) and store
  (one SQLite transaction). CPU time does not depend on what else runs on the
  machine (much), so this is the number to compare between runs;
- ``stridecheck import`` (read, segment, score against the enrolled program,
  store) with 1 and 2 worker processes: files/s and the ratio, CPU time per
  file in the workers and in the parent (which writes the store: its share
  caps the rate at ``1 / parent CPU per file``);
- ``stridecheck cohort`` with 1 and 2 workers: files/s and the ratio;
- memory as the cohort grows: the peak resident memory of the whole process
  tree (this process plus its workers, sampled every 50 ms with psutil) for a
  cohort of N and of 2N participants;
- the time 10,000 files would take at the measured 2-worker rate, and on an
  idle machine with two cores (CPU time per file / 2).

Each line also gives the cores the run actually obtained (CPU time / wall
time). On a shared machine the wall-clock ratio understates the speed-up,
because other processes hold the cores; the load average is printed before and
after.

Usage::

    python benchmarks/import_throughput.py [--files 48] [--participants 3] [--per-participant 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import statistics
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from stridecheck.cohort import run_cohort
from stridecheck.importer import activity_record, content_sha256, import_paths
from stridecheck.io import read
from stridecheck.pipeline import SEGMENT_METHOD, analyse_activity, program_week
from stridecheck.programs import Program, load_program
from stridecheck.segment import segment
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


#: Weeks of the program the copies are spread over (the ASTEROID-style program's 12).
PROGRAM_WEEKS = 12


def write_copies(activities: list[Any], folder: Path, n: int, offset: int = 0) -> list[Path]:
    """``n`` distinct FIT files on the program's session days, cycling through the base activities.

    Copy ``k`` falls on the ``k``-th Monday / Wednesday / Friday of the program
    (three sessions a week, as prescribed), wrapping round after
    :data:`PROGRAM_WEEKS` weeks, so every file is scored against its own week's
    sessions, as in a trial. Each wrap-around starts one second later (and each
    cohort participant ``offset`` minutes later), so every file has its own
    content hash.
    """
    from stridecheck.io.fit_write import write_fit

    folder.mkdir(parents=True, exist_ok=True)
    per_cycle = 3 * PROGRAM_WEEKS
    paths = []
    for k in range(n):
        base = activities[k % len(activities)]
        samples = base.samples.copy()
        j = k % per_cycle
        shift = pd.Timedelta(days=2 * j + (j // 3), minutes=offset, seconds=k // per_cycle)
        samples.index = samples.index + shift
        meta = dataclasses.replace(base.meta, start_time=samples.index[0].to_pydatetime())
        path = folder / f"s{k:04d}.fit"
        write_fit(dataclasses.replace(base, samples=samples, meta=meta), path)
        paths.append(path)
    return paths


class TreeMonitor:
    """Peak resident memory [byte] and CPU time [s] of this process and its descendants.

    Sampled every ``interval_s`` with psutil (workers started by a fork server
    are not this process's children in the ``os.times`` sense, so they are
    found by walking the process tree). CPU time counts from the start of the
    measurement: processes that already ran (a fork server started earlier)
    count only what they use during it. The sampling thread's own CPU time is
    left out of this process's.
    """

    def __init__(self, interval_s: float = 0.05) -> None:
        import psutil

        self.process = psutil.Process()
        self.interval_s = interval_s
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self.base: dict[int, float] = {}
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            self.base[proc.pid] = times.user + times.system
        self.sampler_cpu_s = 0.0
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
        started = time.thread_time()
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval_s)
        self.sampler_cpu_s = time.thread_time() - started

    def _used(self, pid: int) -> float:
        return max(self.cpu.get(pid, 0.0) - self.base.get(pid, 0.0), 0.0)

    @property
    def parent_cpu_s(self) -> float:
        """CPU time of this process alone during the measurement (sampling left out). [s]"""
        return max(self._used(self.process.pid) - self.sampler_cpu_s, 0.0)

    @property
    def cpu_s(self) -> float:
        """CPU time used during the measurement, this process and its workers. [s]"""
        workers = sum(self._used(pid) for pid in self.cpu if pid != self.process.pid)
        return self.parent_cpu_s + workers

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def timed(func: Callable[[], int]) -> tuple[float, int, TreeMonitor]:
    """Wall time of ``func``, the number of files it handled and the process-tree monitor."""
    with TreeMonitor(interval_s=0.2) as monitor:
        started = time.perf_counter()
        n = func()
        seconds = time.perf_counter() - started
    return seconds, n, monitor


def report(kind: str, workers: int, seconds: float, n: int, monitor: TreeMonitor) -> None:
    """One result line: wall-clock rate, CPU per file and the cores actually obtained."""
    print(
        f"{kind:7} workers={workers}: {n} files in {seconds:6.1f} s = {n / seconds:5.2f} files/s;"
        f" CPU {1000 * monitor.cpu_s / n:5.1f} ms/file"
        f" (parent {1000 * monitor.parent_cpu_s / n:5.1f} ms/file);"
        f" cores obtained {monitor.cpu_s / seconds:4.2f}"
    )


def cpu_s(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Least CPU time of ``repeat`` calls of ``func`` (other load only ever adds) and its value."""
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        value = func()
        best = min(best, time.process_time() - started)
    return best, value


def cpu_breakdown(
    program: Program, folder: Path, workdir: Path, repeat: int = 3
) -> dict[str, float]:
    """Mean CPU time per file of each stage of an import, in this process. [s]

    Each stage is timed ``repeat`` times per file and the least time kept (on a
    busy machine other processes only ever add to it); storing is timed once
    (a second time would find a duplicate). The first analysis in a process
    (module-level caches, first calls into numpy and pandas) is timed apart and
    left out. ``comply`` is :func:`analyse_activity` less its segmentation:
    matching the candidate sessions, aligning and scoring them. It is also
    given apart for files inside the program's weeks (the sessions of their
    week are the candidates) and files after its end (every distinct session
    of the program is a candidate, so several are scored).
    """
    stages: dict[str, list[float]] = {
        k: [] for k in ("hash", "read", "segment", "comply", "pack", "store")
    }
    outside: list[bool] = []
    paths = sorted(folder.glob("*.fit"))
    with Store.open(workdir / "breakdown.db") as store, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store.enroll("bench", program, START)
        athlete = store.ensure_athlete("bench")
        enrolment = store.current_enrolment(athlete.id)
        first = read(paths[0].read_bytes())
        warm_s, _ = cpu_s(lambda: analyse_activity(first, program, START), 1)
        for path in paths:
            data = path.read_bytes()
            seconds, sha = cpu_s(lambda data=data: content_sha256(data), repeat)
            stages["hash"].append(seconds)
            seconds, activity = cpu_s(lambda data=data: read(data, errors="warn"), repeat)
            stages["read"].append(seconds)
            seconds, _ = cpu_s(lambda a=activity: segment(a, method=SEGMENT_METHOD), repeat)
            stages["segment"].append(seconds)
            seconds, analysis = cpu_s(
                lambda a=activity: analyse_activity(a, program, START), repeat
            )
            # analyse_activity segments too: comply is the rest of its time
            stages["comply"].append(max(seconds - stages["segment"][-1], 0.0))
            week = program_week(START, activity.start_time.date())
            outside.append(not program.sessions_in_week(week))
            seconds, (record, packed) = cpu_s(
                lambda a=activity, r=analysis, p=path, h=sha: (
                    activity_record(a, str(p), h),
                    r.to_record(),
                ),
                repeat,
            )
            stages["pack"].append(seconds)
            seconds, _ = cpu_s(
                lambda r=record, k=packed: store.add_activity(athlete.id, r, k, enrolment), 1
            )
            stages["store"].append(seconds)
    means = {k: statistics.fmean(v) for k, v in stages.items()}
    total = sum(means.values())
    parts = "  ".join(f"{k} {1000 * v:5.1f}" for k, v in means.items())
    print(f"CPU per file [ms] ({len(paths)} files, one process): {parts}  = {1000 * total:5.1f}")
    comply = stages["comply"]
    inside_ms = [1000 * c for c, out in zip(comply, outside, strict=True) if not out]
    after_ms = [1000 * c for c, out in zip(comply, outside, strict=True) if out]
    print(
        f"  comply by file: {statistics.fmean(inside_ms) if inside_ms else 0.0:5.1f} ms"
        f" for {len(inside_ms)} files in the program's weeks (their week's sessions),"
        f" {statistics.fmean(after_ms) if after_ms else 0.0:5.1f} ms for {len(after_ms)}"
        f" files after its end (every session a candidate);"
        f" first analysis in the process (warm-up, left out): {1000 * warm_s:5.1f} ms"
    )
    return means


def start_fork_server() -> None:
    """Start the workers' fork server (once per process) and print what that costs.

    Every later pool forks its workers from it in milliseconds; a real import
    or cohort run pays this once, so it is kept out of the per-file figures.
    """
    import concurrent.futures as cf

    from stridecheck.importer import process_context

    with TreeMonitor(interval_s=0.2) as monitor:
        started = time.perf_counter()
        with cf.ProcessPoolExecutor(1, mp_context=process_context()) as pool:
            pool.submit(int).result()
        seconds = time.perf_counter() - started
    print(
        f"worker fork server start-up (once per run): {seconds:4.1f} s, CPU {monitor.cpu_s:4.1f} s"
    )


def bench_import(
    program: Program, folder: Path, workdir: Path
) -> dict[int, tuple[float, TreeMonitor, int]]:
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
        rates[workers] = (n / seconds, monitor, n)
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


def extrapolate(rates: dict[int, tuple[float, TreeMonitor, int]]) -> None:
    """Minutes for 10,000 files: at the measured 2-worker rate and on two idle cores."""
    rate, monitor, n = rates[2]
    worker_cpu = (monitor.cpu_s - monitor.parent_cpu_s) / n
    parent_cpu = monitor.parent_cpu_s / n
    idle_rate = min(2.0 / worker_cpu, 1.0 / parent_cpu) if worker_cpu > 0 else float("inf")
    print(
        f"10,000 files: {10_000 / rate / 60:5.1f} min at the measured {rate:5.2f} files/s;"
        f" {10_000 / idle_rate / 60:5.1f} min ({idle_rate:5.1f} files/s) on two idle cores"
        f" (workers {1000 * worker_cpu:5.1f} ms/file over 2 cores,"
        f" parent {1000 * parent_cpu:5.1f} ms/file); target: 5 min (>= 35 files/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=48, help="files for the import benchmark")
    parser.add_argument("--participants", type=int, default=3, help="cohort size N")
    parser.add_argument("--per-participant", type=int, default=8, help="files per participant")
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
        cpu_breakdown(program, work / "files", work)
        start_fork_server()
        imp = bench_import(program, work / "files", work)
        coh = bench_cohort(program, small)
        bench_memory(program, small, large)
    print(f"import speed-up 1 -> 2 workers: {imp[2][0] / imp[1][0]:.2f}x")
    print(f"cohort speed-up 1 -> 2 workers: {coh[2] / coh[1]:.2f}x")
    extrapolate(imp)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
