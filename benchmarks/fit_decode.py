"""Benchmark: FIT bytes -> full ``record`` DataFrame with four decoders, in one run.

Decoders: fitparse, fitdecode, garmin-fit-sdk (defaults) and stridecheck's
vectorised :func:`~stridecheck.io.fit.decode.decode_fit`. Each is timed end to
end (bytes in, one DataFrame of all record messages out) on the largest
record-heavy corpus files (an hour or more at 1 Hz) and on simulated 1-hour
and 10-hour 1 Hz runs written by :func:`stridecheck.io.fit_write.write_fit`.
The decoders alternate (rotating order) on every repeat so drifting machine
load hits all alike. Each timing is a block of back-to-back calls lasting at
least 0.2 s after ``gc.collect()`` (one call for the slow decoders), as
:mod:`timeit` does, and the best time per call is kept: the steady rate of an
import of many files. Our first call after another decoder's run, which pays
for caches that run evicted, is printed apart ("cold"). Times are CPU time of
this process (``time.process_time``): all four decoders are single-threaded,
so on an idle machine CPU time equals wall time, and on a shared machine it
does not count the time other processes hold the cores (wall time is printed
too).
Peak memory of our decoder (tracemalloc, in a separate pass) is compared with
the memory of the frame it returns.

Usage::

    python benchmarks/fit_decode.py [--repeats 3] [--corpus PATH] [--no-slow]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import os
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.io.fit.decode import decode_fit

REPO = Path(__file__).resolve().parents[1]


def simulated_fit(hours: float, seed: int = 7) -> bytes:
    """A 1 Hz running activity of ``hours`` (position, altitude, HR, cadence, power)."""
    from stridecheck.io.fit_write import write_fit

    rng = np.random.default_rng(seed)
    n = int(hours * 3600)
    start = pd.Timestamp(dt.datetime(2024, 5, 4, 7, 0, tzinfo=dt.UTC))
    index = pd.date_range(start, periods=n, freq="1s", name="time")
    heading = np.cumsum(rng.normal(0.0, 0.05, n))
    step_m = 2.8 + rng.normal(0.0, 0.2, n)
    frame = pd.DataFrame(
        {
            "lat_deg": 48.2 + np.cumsum(step_m * np.cos(heading)) / 111_195.0,
            "lon_deg": 16.37 + np.cumsum(step_m * np.sin(heading)) / 73_000.0,
            "altitude_m": 180.0 + 20.0 * np.sin(np.arange(n) / 600.0),
            "heart_rate_bpm": np.round(145.0 + 10.0 * np.sin(np.arange(n) / 300.0)),
            "cadence_spm": 2.0 * np.round(85.0 + rng.normal(0.0, 1.5, n)),
            "distance_m": np.cumsum(step_m),
            "speed_mps": step_m,
            "power_w": np.round(250 + rng.normal(0, 20, n)),
        },
        index=index,
    )
    activity = Activity(
        samples=finalize_samples(frame),
        meta=ActivityMeta(source_format="simulated", sport="running"),
    )
    return write_fit(activity)


def with_fitparse(data: bytes) -> pd.DataFrame:
    """fitparse: every record's values into a DataFrame."""
    import fitparse

    fit = fitparse.FitFile(io.BytesIO(data))
    return pd.DataFrame([m.get_values() for m in fit.get_messages("record")])


def with_fitdecode(data: bytes) -> pd.DataFrame:
    """fitdecode: every record's fields into a DataFrame."""
    import fitdecode

    rows = []
    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                rows.append({f.name: f.value for f in frame.fields})
    return pd.DataFrame(rows)


def with_sdk(data: bytes) -> pd.DataFrame:
    """garmin-fit-sdk with its default conversions."""
    from garmin_fit_sdk import Decoder, Stream

    messages, _ = Decoder(Stream.from_byte_array(bytearray(data))).read()
    return pd.DataFrame(messages.get("record_mesgs", []))


def with_stridecheck(data: bytes) -> pd.DataFrame:
    """stridecheck's vectorised decoder."""
    return decode_fit(data, errors="ignore").frame("record")


DECODERS: dict[str, Callable[[bytes], pd.DataFrame]] = {
    "fitparse": with_fitparse,
    "fitdecode": with_fitdecode,
    "garmin-fit-sdk": with_sdk,
    "stridecheck": with_stridecheck,
}


def corpus_files(corpus: Path, count: int) -> list[tuple[str, bytes]]:
    """The ``count`` corpus FIT files with the most records (>= 3600), read by all decoders."""
    rows = []
    with (corpus / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["format"] != "fit" or row["path"].endswith(".gz"):
                continue
            if row["decodes_ok_garmin_sdk"] != "True":
                continue
            records = int(row["records_or_points"] or 0)
            if records >= 3600:
                rows.append((records, row["path"]))
    rows.sort(reverse=True)
    return [(path, (corpus / path).read_bytes()) for _, path in rows[:count]]


#: Each timing block runs a decoder this long at least (timeit's autorange idea). [s]
_BLOCK_S = 0.2


def _calls_per_block(decoder: Callable[[bytes], pd.DataFrame], data: bytes) -> int:
    """How many back-to-back calls fill a timing block (one for the slow decoders)."""
    start = time.process_time()
    decoder(data)
    once = max(time.process_time() - start, 1e-6)
    return max(1, min(1000, int(_BLOCK_S / once) + 1))


def best_times(
    data: bytes, repeats: int, names: list[str]
) -> tuple[dict[str, float], dict[str, float], float, int]:
    """Best CPU and wall time per call of each decoder, and our single cold call.

    Every repeat runs each decoder (in rotating order) for one timing block of
    back-to-back calls after ``gc.collect()``, as :mod:`timeit` does: this is
    the steady throughput of importing many files. A decode that takes a few
    milliseconds also pays for caches that the other decoders' runs just
    evicted; that first call of stridecheck after another decoder is kept
    apart as ``cold`` [s].
    """
    calls = {name: _calls_per_block(DECODERS[name], data) for name in names}
    best = dict.fromkeys(names, float("inf"))
    wall = dict.fromkeys(names, float("inf"))
    cold = float("inf")
    n_records = 0
    for r in range(repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            gc.collect()
            decoder = DECODERS[name]
            start, start_wall = time.process_time(), time.perf_counter()
            frame = decoder(data)
            first = time.process_time() - start
            for _ in range(calls[name] - 1):
                decoder(data)
            best[name] = min(best[name], (time.process_time() - start) / calls[name])
            wall[name] = min(wall[name], (time.perf_counter() - start_wall) / calls[name])
            if name == "stridecheck":
                n_records = len(frame)
                cold = min(cold, first)
    return best, wall, cold, n_records


def memory(data: bytes) -> tuple[float, float]:
    """(peak traced memory while decoding, deep size of the record frame). [MB]"""
    gc.collect()
    tracemalloc.start()
    frame = with_stridecheck(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = float(frame.memory_usage(deep=True).sum())
    return peak / 1e6, size / 1e6


def main() -> None:
    """Run the benchmark and print one line per file plus the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path(os.environ.get("STRIDECHECK_CORPUS", REPO.parent / "shared" / "corpus")),
    )
    parser.add_argument("--files", type=int, default=3, help="number of corpus files")
    parser.add_argument("--no-slow", action="store_true", help="skip the 10-hour file")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    inputs = corpus_files(args.corpus, args.files) if args.corpus.is_dir() else []
    inputs.append(("simulated 1 h, 1 Hz", simulated_fit(1.0)))
    if not args.no_slow:
        inputs.append(("simulated 10 h, 1 Hz", simulated_fit(10.0)))
    names = list(DECODERS)
    print(
        f"{'file':58s} {'records':>8s} "
        + " ".join(f"{n:>14s}" for n in names)
        + "   x fitparse  x fitdecode  x sdk   peak MB / frame MB"
    )
    for label, data in inputs:
        best, wall, cold, n_records = best_times(data, args.repeats, names)
        peak, size = memory(data)
        ours = best["stridecheck"]
        print(
            f"{label[-58:]:58s} {n_records:8d} "
            + " ".join(f"{best[n] * 1000:12.1f}ms" for n in names)
            + f"   {best['fitparse'] / ours:9.0f}x {best['fitdecode'] / ours:10.0f}x"
            f" {best['garmin-fit-sdk'] / ours:6.0f}x   {peak:6.1f} / {size:5.1f}"
            f" = {peak / size:.2f}"
        )
        print(
            f"{'  (wall clock)':58s} {'':8s} "
            + " ".join(f"{wall[n] * 1000:12.1f}ms" for n in names)
            + f"   {wall['fitparse'] / wall['stridecheck']:9.0f}x"
            f" {wall['fitdecode'] / wall['stridecheck']:10.0f}x"
            f" {wall['garmin-fit-sdk'] / wall['stridecheck']:6.0f}x"
        )
        print(
            f"{'  (stridecheck cold: first call after another decoder)':58s} {'':8s} "
            + " ".join(
                f"{cold * 1000:12.1f}ms" if n == "stridecheck" else f"{'':14s}" for n in names
            )
            + f"   {best['fitparse'] / cold:9.0f}x {best['fitdecode'] / cold:10.0f}x"
            f" {best['garmin-fit-sdk'] / cold:6.0f}x"
        )


if __name__ == "__main__":
    main()
