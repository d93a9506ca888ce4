"""Notification-to-journal latency of the live recorder with three sensors.

Three virtual sensors (HR strap, footpod, FTMS treadmill) stream in real time
over bumble's in-process link; the recorder receives them through bleak (the
bumble backend), journals them (small-batch flushes, fsync once a second) and
records, for every notification, the time from its arrival in the bleak
callback to the end of the write that put it in the journal file.

Run::

    python benchmarks/ble_latency.py --seconds 30 --rate-hz 4

Prints p50 / p99 / max latency [ms] and the notification counts. Real time,
real clock: it takes ``--seconds`` plus a second or two.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from stridecheck.live.backends.bumble_backend import bumble_backend
from stridecheck.live.recorder import Recorder, RecorderSettings, SensorRequest
from stridecheck.live.replay import VIRTUAL_ADDRESSES, virtual_sensor
from stridecheck.live.virtual import VirtualLink


def _frame(seconds: float, rate_hz: float) -> pd.DataFrame:
    n = int(seconds * rate_hz)
    t = np.arange(n) / rate_hz
    index = pd.Timestamp("2026-01-05T07:00:00Z") + pd.to_timedelta(t, unit="s")
    speed = np.where((t // 60) % 2 == 1, 2.7, 1.4)
    return pd.DataFrame(
        {
            "heart_rate_bpm": 120 + 20 * np.sin(t / 30),
            "speed_mps": speed,
            "cadence_spm": np.where(speed > 2, 165.0, 110.0),
            "distance_m": np.cumsum(speed / rate_hz),
        },
        index=pd.DatetimeIndex(index, name="time"),
    )


async def _run(
    seconds: float, rate_hz: float, folder: Path, fsync_s: float | None
) -> tuple[list[float], dict[str, int]]:
    link = VirtualLink()
    roles = ("hr", "footpod", "treadmill")
    sensors = [await link.add(virtual_sensor(role)) for role in roles]
    recorder = Recorder(
        [SensorRequest(role, VIRTUAL_ADDRESSES[role]) for role in roles],
        folder / "bench.journal",
        backend=bumble_backend(link),
        settings=RecorderSettings(track_latency=True, fsync_interval_s=fsync_s),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(recorder.run(stop))
    await asyncio.gather(*(s.subscribed.wait() for s in sensors))
    frame = _frame(seconds, rate_hz)
    await asyncio.gather(*(s.replay(frame, wait_subscribed=False) for s in sensors))
    await asyncio.sleep(0.5)
    stop.set()
    result = await task
    await link.close()
    return result.latencies_s, {r: s.notifications for r, s in result.states.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="session length [s]")
    parser.add_argument("--rate-hz", type=float, default=4.0, help="notifications per sensor [Hz]")
    parser.add_argument(
        "--fsync-interval", type=float, default=1.0, help="journal fsync period [s]; <0: never"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        fsync_s = None if args.fsync_interval < 0 else args.fsync_interval
        latencies, counts = asyncio.run(_run(args.seconds, args.rate_hz, Path(folder), fsync_s))
        wall = time.perf_counter() - t0
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    print(f"notifications: {counts} ({len(ms)} timed) in {wall:.1f} s")
    print(
        f"notification-to-journal latency: p50 {statistics.median(ms):.2f} ms, "
        f"p99 {p99:.2f} ms, max {ms[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
