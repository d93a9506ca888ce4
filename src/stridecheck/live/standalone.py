"""Run one virtual sensor on a real bumble transport (the ``devices/`` launchers).

A phone, a watch or another computer then sees a real BLE heart-rate strap,
footpod or treadmill, which replays an activity file (or a simulated run-walk
session) in real time once something subscribes::

    python devices/virtual_hr.py usb:0 --file morning.fit
    python devices/virtual_footpod.py serial:/dev/ttyACM0 --stride-counting
    python devices/virtual_treadmill.py tcp-client:127.0.0.1:9001

The transport is any bumble transport name (``usb:0``, ``serial:...``,
``tcp-client:host:port``, ``vhci`` on Linux, ...); see bumble's documentation.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

import pandas as pd

from stridecheck.live.virtual import (
    VirtualFootpod,
    VirtualHeartRateStrap,
    VirtualSensor,
    VirtualTreadmill,
    serve,
)

__all__ = ["KINDS", "build_parser", "main", "make_sensor", "samples_for"]

#: Sensor kinds a launcher can run.
KINDS: tuple[str, ...] = ("hr", "footpod", "treadmill")

_DEFAULT_NAMES = {"hr": "SC-HR", "footpod": "SC-POD", "treadmill": "SC-TREAD"}
_DEFAULT_PLAN = [("walk", 300.0)] + [("run", 60.0), ("walk", 90.0)] * 8 + [("walk", 300.0)]


def build_parser(kind: str) -> argparse.ArgumentParser:
    """Command-line options of the launcher for ``kind``."""
    parser = argparse.ArgumentParser(
        description=f"Virtual BLE {kind} sensor replaying an activity over a bumble transport."
    )
    parser.add_argument("transport", help="bumble transport, e.g. usb:0 or serial:/dev/ttyACM0")
    parser.add_argument("--file", help="activity file to replay (default: a simulated session)")
    parser.add_argument("--name", default=_DEFAULT_NAMES[kind], help="advertised name")
    parser.add_argument("--address", default="F0:5C:00:00:01:01", help="static random address")
    parser.add_argument("--seconds", type=float, help="replay only the first SECONDS")
    if kind == "footpod":
        parser.add_argument(
            "--stride-counting",
            action="store_true",
            help="report strides/min, as some pods do (advertise as SC-STRIDEPOD)",
        )
    if kind == "treadmill":
        parser.add_argument("--with-hr", action="store_true", help="add the FTMS HR field")
    return parser


def make_sensor(kind: str, args: argparse.Namespace) -> VirtualSensor:
    """The virtual sensor the options describe."""
    if kind == "hr":
        return VirtualHeartRateStrap(args.name, args.address)
    if kind == "footpod":
        strides = bool(args.stride_counting)
        name = "SC-STRIDEPOD" if strides and args.name == _DEFAULT_NAMES[kind] else args.name
        return VirtualFootpod(name, args.address, report_strides=strides)
    if kind == "treadmill":
        return VirtualTreadmill(args.name, args.address, with_hr=bool(args.with_hr))
    raise ValueError(f"kind={kind!r} not understood; use one of {KINDS}")


def samples_for(args: argparse.Namespace) -> pd.DataFrame:
    """The samples to replay: the file's, or a simulated run-walk session's."""
    if args.file:
        import stridecheck

        samples = stridecheck.read(args.file).samples
    else:
        from stridecheck.simulate import simulate_session

        samples = simulate_session(_DEFAULT_PLAN, sensors="treadmill_footpod").activity.samples
    if args.seconds is not None:
        elapsed = (samples.index - samples.index[0]).total_seconds()
        samples = samples[elapsed < args.seconds]
    return samples


def main(kind: str, argv: Sequence[str] | None = None) -> int:
    """Run a launcher; returns the process exit status."""
    args = build_parser(kind).parse_args(argv)
    sensor = make_sensor(kind, args)
    samples = samples_for(args)
    print(f"{sensor.name} ({sensor.address}) on {args.transport}: waiting for a subscriber")
    delivered = asyncio.run(serve(sensor, args.transport, samples))
    print(f"{delivered} notifications delivered")
    return 0
