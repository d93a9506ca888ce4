"""``stridecheck devices``: find BLE fitness sensors and show the known device profiles.

- ``devices scan`` lists the heart-rate straps, footpods and FTMS treadmills in
  range: name, address, what they can record, signal strength, battery level.
  ``--virtual`` scans stridecheck's in-process virtual sensors instead (no
  hardware needed).
- ``devices profiles`` lists the device profiles (quirks of known sensors).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from stridecheck.cli._common import fail, guarded, out_console, require_extra

if TYPE_CHECKING:
    from stridecheck.live.backends.bleak_backend import FoundSensor

__all__ = ["register", "sensors_table"]

devices_app = typer.Typer(
    name="devices",
    help="Find BLE sensors and list the device profiles.",
    no_args_is_help=True,
)


def sensors_table(sensors: list[FoundSensor]) -> Table:
    """The scan result as a rich table."""
    table = Table("name", "address", "records as", "RSSI", "battery", box=None)
    for s in sensors:
        table.add_row(
            s.name or "-",
            s.address,
            ", ".join(s.roles) or "-",
            f"{s.rssi} dBm",
            "-" if s.battery_pct is None else f"{s.battery_pct} %",
        )
    return table


async def _scan_virtual(timeout_s: float, battery: bool) -> list[FoundSensor]:
    from stridecheck.live.backends.bleak_backend import scan_sensors
    from stridecheck.live.backends.bumble_backend import bumble_backend
    from stridecheck.live.replay import VIRTUAL_ADDRESSES, virtual_sensor
    from stridecheck.live.virtual import VirtualLink

    link = VirtualLink()
    for role in VIRTUAL_ADDRESSES:
        await link.add(virtual_sensor(role))
    try:
        return await scan_sensors(bumble_backend(link), timeout_s, read_battery=battery)
    finally:
        await link.close()


def scan(
    *,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Scan time in seconds.", min=0.5)
    ] = 5.0,
    battery: Annotated[
        bool,
        typer.Option("--battery/--no-battery", help="Connect to each sensor to read its battery."),
    ] = True,
    virtual: Annotated[
        bool, typer.Option("--virtual", help="Scan the virtual sensors (no hardware).")
    ] = False,
) -> None:
    """List the BLE fitness sensors in range."""
    require_extra("devices scan", "live")
    if virtual:
        import looptime

        loop = looptime.new_event_loop(start=time.monotonic, noop_cycles=1)
        try:
            sensors = loop.run_until_complete(_scan_virtual(timeout, battery))
        finally:
            loop.close()
    else:
        from bleak.exc import BleakError

        from stridecheck.live.backends.bleak_backend import platform_backend, scan_sensors

        try:
            sensors = asyncio.run(scan_sensors(platform_backend(), timeout, read_battery=battery))
        except (BleakError, OSError) as exc:
            fail(None, f"cannot scan: {exc}")
    if not sensors:
        out_console.print("no sensor found")
        return
    out_console.print(sensors_table(sensors))


def profiles(
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON: every field of each profile (the device-profile TOML keys).",
        ),
    ] = False,
) -> None:
    """List the device profiles (built-in plus STRIDECHECK_DEVICE_PROFILES files)."""
    from stridecheck.live.profiles import load_profiles

    if as_json:
        rows = [dataclasses.asdict(p) for p in load_profiles().values()]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("key", "kind", "names", "cadence x", "walk/run bit", "verified", box=None)
    for p in load_profiles().values():
        table.add_row(
            p.key,
            p.kind,
            ", ".join(p.name_patterns) or "(fallback)",
            str(p.cadence_factor) if p.kind == "footpod" else "-",
            {None: "from 0x2A54", True: "yes", False: "no"}[p.walking_running]
            if p.kind == "footpod"
            else "-",
            "yes" if p.verified else "no",
        )
    out_console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``devices`` group to the command line."""
    devices_app.command("scan")(guarded(scan))
    devices_app.command("profiles")(guarded(profiles))
    app.add_typer(devices_app, name="devices")
