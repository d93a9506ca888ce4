"""Fuzzing the whole path: mutated real files through read, segment, comply, store, report.

Seeds are the repository's ``sample_data/`` files and the small files of the
shared corpus (``STRIDECHECK_CORPUS``, default ``../shared/corpus``). Each
input is a seed with one to four mutations (bytes flipped, overwritten with
boundary values, deleted, repeated, inserted; the file cut short; digits of
times and numbers rewritten, e.g. years 1901 and 2085; wrapped in gzip or a
zip) and goes through the whole product in a worker process whose address
space is limited (:data:`MEMORY_LIMIT_BYTES` above what the worker holds after
start-up): :func:`stridecheck.read`, :func:`stridecheck.pipeline.analyse_activity`
(segmentation and compliance against a run-walk session), the store, and the
coach report. Anything but a :class:`~stridecheck.errors.StrideCheckError` is
a failure, and so is an input taking more than :data:`TIME_LIMIT_S`.

The test ``tests/test_pipeline_fuzz.py`` drives the same mutations from
hypothesis; this script runs many more.

Usage::

    python benchmarks/fuzz_pipeline.py                      # 60 s on 2 processes
    python benchmarks/fuzz_pipeline.py --seconds 3600 --workers 4 --seed 7

Prints the inputs run, how many were refused (by error class), the failures
(with the seed and mutations to replay them) and the slowest input.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import gzip
import importlib
import io
import os
import re
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Most memory one input may take above the worker's start-up footprint. [byte]
MEMORY_LIMIT_BYTES = 500 * 1024 * 1024
#: Longest one input may take through the whole path. [s]
TIME_LIMIT_S = 2.0
#: Corpus files larger than this are not used as seeds (fuzzing wants many quick inputs). [byte]
MAX_SEED_BYTES = 120_000

REPO = Path(__file__).resolve().parents[1]

#: One mutation: (kind, position as a fraction of the data, length, value).
Mutation = tuple[str, float, int, int]
KINDS = ("flip", "set", "delete", "repeat", "insert", "truncate", "digits", "gzip", "zip")
_BOUNDARY = (0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)
_DIGITS_RE = re.compile(rb"\d{2,}")


@dataclass(frozen=True)
class Seed:
    """A file to mutate: its name and bytes."""

    name: str
    data: bytes


def seeds(corpus: Path | None = None, max_bytes: int = MAX_SEED_BYTES) -> list[Seed]:
    """The seed files: ``sample_data/`` activities and the corpus's small activity files."""
    found: list[Seed] = []
    folders = [REPO / "sample_data"]
    corpus = corpus if corpus is not None else _corpus()
    if corpus is not None:
        folders.append(corpus)
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in (".fit", ".gpx", ".tcx", ".gz", ".zip"):
                continue
            if path.is_file() and path.stat().st_size <= max_bytes:
                found.append(Seed(str(path.relative_to(folder)), path.read_bytes()))
    return found


def _corpus() -> Path | None:
    path = Path(os.environ.get("STRIDECHECK_CORPUS", str(REPO.parent / "shared" / "corpus")))
    return path if (path / "manifest.csv").is_file() else None


def _digits(data: bytes, at: int, value: int) -> bytes:
    """Rewrite the run of digits at or after ``at`` (years, counts, coordinates)."""
    match = _DIGITS_RE.search(data, at) or _DIGITS_RE.search(data)
    if match is None:
        return data
    choices = (b"1901", b"2085", b"0", b"9" * 40, b"1e309", b"-1", b"NaN", b"99999999999")
    return data[: match.start()] + choices[value % len(choices)] + data[match.end() :]


def mutate(data: bytes, mutations: Sequence[Mutation]) -> bytes:
    """Apply mutations in order (see module docs); deterministic, so failures replay."""
    out = bytes(data)
    for kind, where, length, value in mutations:
        size = len(out)
        at = min(int(where * size), max(size - 1, 0))
        length = max(length, 1)
        if kind == "flip" and size:
            chunk = bytes(b ^ (1 << (value % 8)) for b in out[at : at + length])
            out = out[:at] + chunk + out[at + len(chunk) :]
        elif kind == "set" and size:
            byte = _BOUNDARY[value % len(_BOUNDARY)]
            out = out[:at] + bytes([byte]) * length + out[at + length :]
        elif kind == "delete":
            out = out[:at] + out[at + length :]
        elif kind == "repeat":
            out = out[: at + length] + out[at : at + length] * (1 + value % 8) + out[at + length :]
        elif kind == "insert":
            filler = bytes((value + i * 37) % 256 for i in range(length))
            out = out[:at] + filler + out[at:]
        elif kind == "truncate":
            out = out[:at]
        elif kind == "digits":
            out = _digits(out, at, value)
        elif kind == "gzip":
            out = gzip.compress(out, compresslevel=1)
        elif kind == "zip":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(f"member{value % 3}.fit", out)
            out = buf.getvalue()
    return out


def random_mutations(rng: np.random.Generator) -> list[Mutation]:
    """One to four random mutations (the benchmark's; the test draws them with hypothesis)."""
    out: list[Mutation] = []
    for _ in range(int(rng.integers(1, 5))):
        kind = str(rng.choice(KINDS, p=_KIND_WEIGHTS))
        out.append((kind, float(rng.random()), int(rng.integers(1, 64)), int(rng.integers(256))))
    return out


_KIND_WEIGHTS = np.array([0.2, 0.15, 0.12, 0.08, 0.1, 0.08, 0.21, 0.03, 0.03])


class Pipeline:
    """The whole product for one athlete enrolled in a short run-walk program.

    Each :meth:`run` uses a fresh store in a temporary folder, so inputs do not
    interact and the cost of an input does not grow with the ones before it.
    """

    def __init__(self, folder: Path) -> None:
        from stridecheck.programs import Program, Repeat, Session, Step

        steps = (Step("walk", 120.0), Repeat(3, (Step("run", 60.0), Step("walk", 60.0))))
        self.program = Program(
            name="Fuzz run-walk",
            sessions=(Session(id="W1S1", week=1, steps=steps),),
            weeks=1,
            sessions_per_week=1,
        )
        self.folder = folder
        self.count = 0

    def run(self, data: bytes) -> str:
        """Push one input through; return ``"stored"`` or the refusing error's class name.

        Raises
        ------
        Exception
            Anything that is not a :class:`~stridecheck.errors.StrideCheckError`.
        """
        import stridecheck
        from stridecheck.errors import StrideCheckError
        from stridecheck.importer import activity_record
        from stridecheck.pipeline import analyse_activity
        from stridecheck.report import athlete_data_from_store, render_report
        from stridecheck.store import Store

        self.count += 1
        db = self.folder / f"fuzz-{os.getpid()}-{self.count}.db"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", stridecheck.StrideCheckWarning)
                activity = stridecheck.read(data)
                start = activity.start_time.date() - dt.timedelta(days=1)
                result = analyse_activity(activity, self.program, start)
                with Store.open(db) as store:
                    store.enroll("fuzz", self.program, start)
                    person = store.athlete("fuzz")
                    store.add_activity(
                        person.id,
                        activity_record(activity, "fuzz.bin", activity.meta.sha256 or "x"),
                        result.to_record(),
                        store.current_enrolment(person.id),
                    )
                    report_data = athlete_data_from_store(store, "fuzz")
                render_report([report_data], self.folder / f"fuzz-{os.getpid()}.html")
        except StrideCheckError as exc:
            return type(exc).__name__
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        return "stored"


# --------------------------------------------------------------------------- the run

_STATE: dict[str, object] = {}


def _limit_memory() -> None:
    """Cap this process's address space at its current size plus the per-input budget."""
    import resource

    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
    current = pages * os.sysconf("SC_PAGE_SIZE")
    limit = current + MEMORY_LIMIT_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _start_worker(folder: str, limit_memory: bool) -> None:
    for module in ("stridecheck.pipeline", "stridecheck.report", "stridecheck.store"):
        importlib.import_module(module)  # before the memory limit is set

    warnings.simplefilter("ignore")
    pipeline = Pipeline(Path(folder))
    pool = seeds()
    _STATE["pipeline"] = pipeline
    _STATE["seeds"] = pool
    for seed in pool[:3]:  # warm up: lazy imports and caches are not an input's time
        pipeline.run(seed.data)
    if limit_memory:
        _limit_memory()


@dataclass(frozen=True)
class Outcome:
    """One input's result."""

    seed: str
    mutations: list[Mutation]
    result: str
    seconds: float
    failure: str | None = None


def _run_batch(seed_value: int, n: int) -> list[Outcome]:
    pipeline = _STATE["pipeline"]
    pool = _STATE["seeds"]
    assert isinstance(pipeline, Pipeline) and isinstance(pool, list)
    rng = np.random.default_rng(seed_value)
    out = []
    for _ in range(n):
        seed = pool[int(rng.integers(len(pool)))]
        mutations = random_mutations(rng)
        data = mutate(seed.data, mutations)
        started = time.perf_counter()
        try:
            result, failure = pipeline.run(data), None
        except BaseException as exc:  # every escape is a finding
            result = type(exc).__name__
            failure = "".join(traceback.format_exception(exc)[-3:])
        seconds = time.perf_counter() - started
        out.append(Outcome(seed.name, mutations, result, seconds, failure))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fuzzer (see module docs); exit status 1 when anything escaped."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz [s]")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--batch", type=int, default=20, help="inputs per task")
    parser.add_argument(
        "--no-memory-limit", action="store_true", help="do not cap the workers' address space"
    )
    args = parser.parse_args(argv)
    pool_seeds = seeds()
    if not pool_seeds:
        print("no seed files (sample_data/ and the corpus are both missing)")
        return 0
    memory = "no memory limit"
    if not args.no_memory_limit:
        memory = f"{MEMORY_LIMIT_BYTES >> 20} MB per input"
    print(f"{len(pool_seeds)} seed files; {args.workers} workers; {memory}")
    results: Counter[str] = Counter()
    failures: list[Outcome] = []
    slow: list[Outcome] = []
    slowest: Outcome | None = None
    total = 0
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as folder,
        cf.ProcessPoolExecutor(
            args.workers, initializer=_start_worker, initargs=(folder, not args.no_memory_limit)
        ) as pool,
    ):
        task = 0
        running: set[cf.Future[list[Outcome]]] = set()
        while True:
            while len(running) < 2 * args.workers and time.perf_counter() - started < args.seconds:
                running.add(pool.submit(_run_batch, args.seed * 1_000_003 + task, args.batch))
                task += 1
            if not running:
                break
            done, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                for outcome in future.result():
                    total += 1
                    results[outcome.result] += 1
                    if outcome.failure is not None:
                        failures.append(outcome)
                    if outcome.seconds > TIME_LIMIT_S:
                        slow.append(outcome)
                    if slowest is None or outcome.seconds > slowest.seconds:
                        slowest = outcome
    elapsed = time.perf_counter() - started
    print(f"\n{total} inputs in {elapsed:.0f} s ({total / elapsed:.1f}/s)")
    for result, count in results.most_common():
        print(f"  {result:28s} {count:8d}")
    if slowest is not None:
        print(
            f"slowest input: {slowest.seconds:.2f} s ({slowest.seed}, {slowest.mutations}) "
            f"-> {slowest.result}"
        )
    print(f"inputs over {TIME_LIMIT_S:.0f} s: {len(slow)}")
    for outcome in slow[:5]:
        print(f"  {outcome.seconds:.2f} s {outcome.seed} {outcome.mutations}")
    print(f"escaped (not a StrideCheckError): {len(failures)}")
    for outcome in failures[:10]:
        print(f"\n{outcome.seed} {outcome.mutations}\n{outcome.failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
