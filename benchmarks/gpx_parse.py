"""Benchmark: reading GPX with gpxpy vs the streaming lxml parser, in one run.

Both methods of :func:`stridecheck.io.gpx.parse_gpx` are timed end to end
(bytes in, canonical Activity out) on every corpus GPX file that holds a timed
track and on a large simulated GPX (a 4-hour run at 1 Hz written by
:func:`stridecheck.io.gpx_write.write_gpx`). The methods alternate in order on
every repeat so drifting machine load hits both alike; the best time of each
is kept. Times are CPU time of this process (``time.process_time``): both
methods are single-threaded, so on an idle machine CPU time equals wall time,
and on a shared machine it does not count the time other processes hold the
cores; the corpus totals are printed in wall time too. Prints one line per
document and the ratios gpxpy / stream.

Usage::

    python benchmarks/gpx_parse.py [--repeats 5] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.errors import GpxError, StrideCheckError, StrideCheckWarning
from stridecheck.io.gpx import _read_raw, parse_gpx
from stridecheck.io.gpx_write import write_gpx
from stridecheck.io.xml import prepare_xml

REPO = Path(__file__).resolve().parents[1]


def simulated_gpx(hours: float = 4.0, seed: int = 42) -> bytes:
    """A long running GPX (1 Hz, position, elevation, heart rate, cadence)."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600)
    start = pd.Timestamp(dt.datetime(2024, 5, 4, 7, 0, tzinfo=dt.UTC))
    index = pd.date_range(start, periods=n, freq="1s", name="time")
    heading = np.cumsum(rng.normal(0.0, 0.05, n))
    step_m = 2.8 + rng.normal(0.0, 0.2, n)
    lat = 48.2 + np.cumsum(step_m * np.cos(heading)) / 111_195.0
    lon = 16.37 + np.cumsum(step_m * np.sin(heading)) / (111_195.0 * np.cos(np.radians(48.2)))
    frame = pd.DataFrame(
        {
            "lat_deg": lat,
            "lon_deg": lon,
            "altitude_m": 180.0 + 20.0 * np.sin(np.arange(n) / 600.0),
            "heart_rate_bpm": np.round(145.0 + 10.0 * np.sin(np.arange(n) / 300.0)),
            "cadence_spm": 2.0 * np.round(85.0 + rng.normal(0.0, 1.5, n)),
        },
        index=index,
    )
    activity = Activity(
        samples=finalize_samples(frame),
        meta=ActivityMeta(source_format="simulated", sport="running"),
    )
    return write_gpx(activity)


def corpus_documents(corpus: Path) -> list[tuple[str, bytes]]:
    """Corpus GPX files (decompressed) that both methods read into an Activity."""
    docs = []
    for path in sorted((corpus / "gpx").rglob("*.gpx*")):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        try:
            parse_gpx(data, errors="ignore", method="stream")
            parse_gpx(data, errors="ignore", method="gpxpy")
        except StrideCheckError:
            continue
        docs.append((str(path.relative_to(corpus)), data))
    return docs


def best_times(data: bytes, repeats: int) -> dict[str, float]:
    """Best CPU time per method and stage over ``repeats`` alternating runs. [s]

    Keys ``gpxpy``/``stream``: bytes to Activity; ``gpxpy_read``/``stream_read``:
    the XML reading stage alone (``_parse_gpx_<method>``), without the shared
    conversion to the canonical frame; ``gpxpy_wall``/``stream_wall``: bytes to
    Activity in wall time.
    """
    keys = ("gpxpy", "stream", "gpxpy_read", "stream_read", "gpxpy_wall", "stream_wall")
    best = dict.fromkeys(keys, float("inf"))
    prepared = prepare_xml(data, None, GpxError)
    for rep in range(repeats):
        order = ("gpxpy", "stream") if rep % 2 == 0 else ("stream", "gpxpy")
        for method in order:
            w0, t0 = time.perf_counter(), time.process_time()
            parse_gpx(data, errors="ignore", method=method)
            w1, t1 = time.perf_counter(), time.process_time()
            _read_raw(prepared, None, method)
            t2 = time.process_time()
            best[method] = min(best[method], t1 - t0)
            best[f"{method}_wall"] = min(best[f"{method}_wall"], w1 - w0)
            best[f"{method}_read"] = min(best[f"{method}_read"], t2 - t1)
    return best


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    default = os.environ.get("STRIDECHECK_CORPUS", str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--corpus", type=Path, default=Path(default))
    args = parser.parse_args()
    warnings.simplefilter("ignore", StrideCheckWarning)

    docs = corpus_documents(args.corpus) if args.corpus.is_dir() else []
    large = simulated_gpx()
    docs.append(("simulated 4 h run at 1 Hz", large))
    print(
        f"{'document':50s} {'points':>7s} {'gpxpy ms':>9s} {'stream ms':>9s} {'ratio':>6s}"
        f" {'read ratio':>10s}"
    )
    total = dict.fromkeys(
        ("gpxpy", "stream", "gpxpy_read", "stream_read", "gpxpy_wall", "stream_wall"), 0.0
    )
    ratios = []
    large_ratio = large_read = float("nan")
    for name, data in docs:
        points = len(parse_gpx(data, errors="ignore").samples)
        best = best_times(data, args.repeats)
        ratio = best["gpxpy"] / best["stream"]
        read_ratio = best["gpxpy_read"] / best["stream_read"]
        ratios.append(ratio)
        if name.startswith("simulated"):
            large_ratio, large_read = ratio, read_ratio
        else:
            for key in total:
                total[key] += best[key]
        print(
            f"{name[:50]:50s} {points:7d} {best['gpxpy'] * 1e3:9.1f} "
            f"{best['stream'] * 1e3:9.1f} {ratio:6.1f} {read_ratio:10.1f}",
            flush=True,
        )
    if total["stream"]:
        print(
            "corpus total ratio (sum gpxpy / sum stream): "
            f"{total['gpxpy'] / total['stream']:.1f} end to end, "
            f"{total['gpxpy_read'] / total['stream_read']:.1f} XML reading stage"
            f" (CPU time; end to end in wall time: "
            f"{total['gpxpy_wall'] / total['stream_wall']:.1f})"
        )
    print(f"median per-document ratio (end to end): {float(np.median(ratios)):.1f}")
    print(
        f"large simulated GPX ratio: {large_ratio:.1f} end to end, "
        f"{large_read:.1f} XML reading stage"
    )


if __name__ == "__main__":
    main()
