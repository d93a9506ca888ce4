"""Opt-in radio test: a virtual strap on a real bumble transport, recorded via the OS's bleak.

Set ``STRIDECHECK_BLE_TRANSPORT`` to a bumble transport driving a second radio
(e.g. ``usb:0`` for a USB dongle) while the machine's own adapter is available
to bleak; the test serves a virtual HR strap on that radio and records it with
the platform backend, as a real session would. Skipped otherwise (no test run
needs hardware by default).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

TRANSPORT_ENV = "STRIDECHECK_BLE_TRANSPORT"

pytestmark = pytest.mark.skipif(
    not os.environ.get(TRANSPORT_ENV),
    reason=f"no BLE transport given: set {TRANSPORT_ENV} (e.g. usb:0) to run radio tests",
)


def test_virtual_strap_over_a_real_radio_is_recorded(tmp_path: Path) -> None:
    from stridecheck.live.backends.bleak_backend import platform_backend
    from stridecheck.live.recorder import Recorder, RecorderSettings, SensorRequest
    from stridecheck.live.virtual import VirtualHeartRateStrap, serve

    frame = pd.DataFrame(
        {"heart_rate_bpm": np.linspace(100, 110, 15)},
        index=pd.date_range("2026-01-05", periods=15, freq="1s", tz="UTC"),
    )

    async def scenario() -> int:
        strap = VirtualHeartRateStrap("SC-HR radio", "F0:5C:00:00:02:01")
        served = asyncio.create_task(serve(strap, os.environ[TRANSPORT_ENV], frame))
        recorder = Recorder(
            [SensorRequest("hr", "SC-HR radio")],
            tmp_path / "radio.journal",
            backend=platform_backend(),
            settings=RecorderSettings(scan_timeout_s=20.0, connect_timeout_s=20.0),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(recorder.run(stop))
        delivered = await asyncio.wait_for(served, 90)
        await asyncio.sleep(2.0)
        stop.set()
        result = await task
        assert result.states["hr"].notifications == delivered
        return delivered

    assert asyncio.run(scenario()) > 0
