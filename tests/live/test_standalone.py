"""A virtual sensor served over a real bumble transport (TCP), as the devices/ launchers do."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("bumble")
pytest.importorskip("bleak")

from bleak import BleakClient
from bumble.controller import Controller
from bumble.transport import open_transport

from stridecheck.live import gatt
from stridecheck.live.backends.bumble_backend import bumble_backend
from stridecheck.live.standalone import build_parser, make_sensor, samples_for
from stridecheck.live.virtual import VirtualLink, VirtualTreadmill, serve

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_over_tcp_transport_reaches_a_bleak_client() -> None:
    port = _free_port()
    address = "F0:5C:00:00:01:07"

    async def scenario() -> list[bytes]:
        link = VirtualLink()
        # A virtual controller on the link, reachable as an HCI transport over TCP.
        hci = await open_transport(f"tcp-server:127.0.0.1:{port}")
        Controller("tcp", host_source=hci.source, host_sink=hci.sink, link=link.link)
        sensor = VirtualTreadmill("SC-TREAD tcp", address)
        frame = samples_for(build_parser("treadmill").parse_args(["x", "--seconds", "3"]))
        served = asyncio.create_task(serve(sensor, f"tcp-client:127.0.0.1:{port}", frame))
        while sensor.device is None or not sensor.is_advertising:
            await asyncio.sleep(0.05)
        link.sensors[address] = sensor
        got: list[bytes] = []
        async with BleakClient(address, backend=bumble_backend(link).client) as client:
            await client.start_notify(
                gatt.uuid_str(gatt.TREADMILL_DATA), lambda _c, d: got.append(bytes(d))
            )
            delivered = await asyncio.wait_for(served, 30)
        assert delivered == 3
        await link.close()
        await hci.close()
        return got

    got = asyncio.run(scenario())
    assert [gatt.parse_treadmill_data(p).elapsed_time_s for p in got] == [0, 1, 2]


def test_launcher_options() -> None:
    args = build_parser("footpod").parse_args(["usb:0", "--stride-counting", "--seconds", "10"])
    pod = make_sensor("footpod", args)
    assert pod.name == "SC-STRIDEPOD"
    assert len(samples_for(args)) == 10
    mill = make_sensor("treadmill", build_parser("treadmill").parse_args(["usb:0", "--with-hr"]))
    assert mill.with_hr  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        make_sensor("bike", args)
    out = subprocess.run(
        [sys.executable, str(REPO / "devices" / "virtual_hr.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "transport" in out.stdout
