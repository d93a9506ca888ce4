"""The bleak backend over bumble, exercised only through bleak's public API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

pytest.importorskip("bumble")
pytest.importorskip("bleak")

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError

from stridecheck.live import gatt
from stridecheck.live.backends.bumble_backend import bumble_backend
from stridecheck.live.virtual import (
    VirtualFootpod,
    VirtualHeartRateStrap,
    VirtualLink,
    VirtualTreadmill,
)

Run = Callable[[Coroutine[Any, Any, Any]], Any]
HR, POD, MILL = "F0:5C:00:00:00:01", "F0:5C:00:00:00:02", "F0:5C:00:00:00:03"


async def _link() -> VirtualLink:
    link = VirtualLink()
    await link.add(VirtualHeartRateStrap("SC-HR 1", HR, battery_pct=64))
    await link.add(VirtualFootpod("SC-POD 1", POD))
    await link.add(VirtualTreadmill("SC-TREAD 1", MILL))
    return link


def test_scan_finds_names_and_services_passively(run_fast: Run) -> None:
    async def scenario() -> dict[str, Any]:
        link = await _link()
        found = await BleakScanner.discover(
            timeout=1.0, return_adv=True, backend=bumble_backend(link).scanner
        )
        only_rsc = await BleakScanner.discover(
            timeout=1.0,
            service_uuids=[gatt.uuid_str(gatt.RSC_SERVICE)],
            backend=bumble_backend(link).scanner,
        )
        await link.close()
        return {"all": found, "rsc": [d.address for d in only_rsc]}

    result = run_fast(scenario())
    names = {addr: (d.name, ad.service_uuids) for addr, (d, ad) in result["all"].items()}
    assert names[HR] == ("SC-HR 1", [gatt.uuid_str(0x180D)])
    assert names[POD] == ("SC-POD 1", [gatt.uuid_str(0x1814)])
    assert names[MILL][1] == [gatt.uuid_str(0x1826)]
    assert result["rsc"] == [POD]


def test_connect_discover_read_write_and_notify(run_fast: Run) -> None:
    async def scenario() -> dict[str, Any]:
        link = await _link()
        got: list[bytes] = []
        async with BleakClient(HR, backend=bumble_backend(link).client) as client:
            assert client.is_connected
            uuids = {s.uuid for s in client.services}
            battery = await client.read_gatt_char(gatt.uuid_str(gatt.BATTERY_LEVEL))
            maker = await client.read_gatt_char(gatt.uuid_str(0x2A29))
            char = client.services.get_characteristic(gatt.uuid_str(gatt.HEART_RATE_MEASUREMENT))
            assert char is not None and "notify" in char.properties
            cccd = char.get_descriptor("2902")
            assert cccd is not None
            await client.start_notify(char, lambda _c, data: got.append(bytes(data)))
            cccd_value = await client.read_gatt_descriptor(cccd.handle)
            sensor = link.find(HR)
            assert sensor is not None
            for bpm in (70, 71, 72):
                await sensor.notify(bytes([0x00, bpm]))
            await asyncio.sleep(0.1)
            await client.stop_notify(char)
            await sensor.notify(bytes([0x00, 99]))
            await asyncio.sleep(0.1)
            await client.write_gatt_char(gatt.uuid_str(0x2A39), b"\x01", response=True)
            with pytest.raises(BleakError):
                await client.write_gatt_char(gatt.uuid_str(0x2A39), b"\x07", response=True)
            resets = sensor.energy_resets  # type: ignore[attr-defined]
            mtu, name = client.mtu_size, client.name
        await link.close()
        return {
            "uuids": uuids,
            "battery": battery,
            "maker": maker,
            "got": got,
            "cccd": cccd_value,
            "resets": resets,
            "mtu": mtu,
            "name": name,
            "connected": client.is_connected,
        }

    r = run_fast(scenario())
    assert gatt.uuid_str(gatt.HEART_RATE_SERVICE) in r["uuids"]
    assert gatt.parse_battery_level(r["battery"]) == 64
    assert bytes(r["maker"]) == b"stridecheck"
    assert r["got"] == [b"\x00F", b"\x00G", b"\x00H"]
    assert bytes(r["cccd"]) == b"\x01\x00"
    assert r["resets"] == 1
    assert r["mtu"] >= 23
    assert r["name"] == "SC-HR 1"
    assert r["connected"] is False


def test_unknown_address_and_unbound_backend(run_fast: Run) -> None:
    async def scenario() -> None:
        link = await _link()
        with pytest.raises(BleakDeviceNotFoundError):
            await BleakClient("F0:5C:00:00:00:77", backend=bumble_backend(link).client).connect()
        await link.close()

    run_fast(scenario())


def test_link_drop_calls_back_and_aborts_inflight_gatt(run_fast: Run) -> None:
    async def scenario() -> dict[str, Any]:
        link = await _link()
        dropped = asyncio.Event()
        client = BleakClient(
            POD,
            disconnected_callback=lambda _c: dropped.set(),
            backend=bumble_backend(link).client,
        )
        await client.connect()
        sensor = link.find(POD)
        assert sensor is not None
        loop = asyncio.get_running_loop()
        # Freeze the peripheral's GATT server so a read stays in flight, then drop the link.
        server = sensor.device.gatt_server  # type: ignore[union-attr]
        server.on_gatt_pdu = lambda *args: None
        read = asyncio.create_task(client.read_gatt_char(gatt.uuid_str(gatt.RSC_FEATURE)))
        await asyncio.sleep(0.05)
        t0 = loop.time()
        await sensor.drop_link(down_s=0.5)
        error: BaseException | None = None
        try:
            await read
        except BleakError as exc:
            error = exc
        waited = loop.time() - t0
        await dropped.wait()
        connected_after = client.is_connected
        await client.disconnect()
        await link.close()
        return {"error": error, "waited": waited, "connected": connected_after}

    r = run_fast(scenario())
    assert isinstance(r["error"], BleakError)
    assert r["waited"] < 2.0  # not bumble's 30-s request timeout
    assert r["connected"] is False


def test_a_30_minute_session_streams_in_seconds(run_fast: Run) -> None:
    import numpy as np
    import pandas as pd

    n = 1800
    frame = pd.DataFrame(
        {"heart_rate_bpm": np.linspace(90, 160, n)},
        index=pd.date_range("2026-01-05", periods=n, freq="1s", tz="UTC"),
    )

    async def scenario() -> tuple[int, int, float]:
        link = VirtualLink()
        await link.add(VirtualHeartRateStrap("SC-HR 1", HR))
        got: list[float] = []
        loop = asyncio.get_running_loop()
        async with BleakClient(HR, backend=bumble_backend(link).client) as client:
            await client.start_notify(
                gatt.uuid_str(gatt.HEART_RATE_MEASUREMENT), lambda _c, _d: got.append(loop.time())
            )
            sensor = link.find(HR)
            assert sensor is not None
            sent = await sensor.replay(frame)
        await link.close()
        return sent, len(got), got[-1] - got[0]

    t0 = time.perf_counter()
    sent, received, span = run_fast(scenario())
    assert sent == received == n
    assert span == pytest.approx(n - 1, abs=0.01)
    assert time.perf_counter() - t0 < 20
