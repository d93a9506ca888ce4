"""Virtual BLE sensors on bumble: an HR strap, a footpod and an FTMS treadmill.

Each sensor is a bumble GATT peripheral that replays a samples frame (an
:class:`~stridecheck.activity.Activity`'s ``samples``: ``heart_rate_bpm``,
``speed_mps``, ``cadence_spm``, ``distance_m``) as notifications at the frame's
own times. Payloads come from the encoders of :mod:`stridecheck.live.gatt`, so
what a recorder receives is exactly what a real sensor of that kind sends.

Two ways to run them:

* in-process, on a :class:`VirtualLink` (bumble's ``LocalLink``): the recorder
  reaches them through bleak with the backend of
  :mod:`stridecheck.live.backends.bumble_backend`. Run the event loop with a
  fake clock (looptime) and a 30-minute session replays in about a second;
* standalone, on any bumble transport (``usb:0``, ``serial:/dev/ttyACM0``, ...),
  so a phone, a watch or another computer sees a real BLE sensor: see the
  launchers in the repository's ``devices/`` folder and :func:`serve`.

Timelines (:meth:`VirtualSensor.timeline`) are pure functions of the frame and
are tested without any radio.

bumble is imported here at module level: import this module only where live
recording is wanted (the analysis code never does).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from bumble import gatt
from bumble.att import ATT_Error
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from stridecheck.live import gatt as codec

__all__ = [
    "RUNNING_CADENCE_SPM",
    "VirtualFootpod",
    "VirtualHeartRateStrap",
    "VirtualLink",
    "VirtualSensor",
    "VirtualTreadmill",
    "serve",
]

#: Cadence from which the virtual footpod reports "running" when the frame has
#: no ``rsc_running`` column. [steps/min]
RUNNING_CADENCE_SPM = 140.0

_NOTIFY = gatt.Characteristic.Properties.NOTIFY
_READ = gatt.Characteristic.Properties.READ
_READABLE = gatt.Characteristic.Permissions.READABLE


def _finite(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _column(samples: pd.DataFrame, name: str) -> np.ndarray:
    if name not in samples:
        return np.full(len(samples), np.nan)
    return pd.to_numeric(samples[name], errors="coerce").to_numpy(dtype=float)


def _elapsed(samples: pd.DataFrame) -> np.ndarray:
    index = samples.index
    if isinstance(index, pd.DatetimeIndex) and len(index):
        return np.asarray((index - index[0]).total_seconds(), dtype=float)
    return _column(samples, "elapsed_s")


@dataclass
class VirtualSensor(abc.ABC):
    """Base of the virtual sensors: a bumble peripheral with one measurement stream.

    Parameters
    ----------
    name
        Advertised name (put in the advertising data: the virtual controller
        sends no scan response).
    address
        Static random address, ``"F0:5C:00:00:00:01"`` style.
    battery_pct
        Value of the Battery Level characteristic. [%]
    manufacturer, model
        Device Information strings.
    """

    name: str
    address: str
    battery_pct: int = 87
    manufacturer: str = "stridecheck"
    model: str = "virtual"
    device: Device | None = field(default=None, init=False, repr=False)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    sent: int = field(default=0, init=False)

    kind: ClassVar[str] = ""
    service_uuid: ClassVar[int] = 0
    measurement_uuid: ClassVar[int] = 0

    def __post_init__(self) -> None:
        self._measurement = gatt.Characteristic(
            UUID.from_16_bits(self.measurement_uuid), _NOTIFY, _READABLE, b""
        )
        self._measurement.on(gatt.Characteristic.EVENT_SUBSCRIPTION, self._on_subscription)

    # -- GATT database -------------------------------------------------------------

    def extra_characteristics(self) -> list[gatt.Characteristic[Any]]:
        """Characteristics of the sensor's service besides the measurement."""
        return []

    def services(self) -> list[gatt.Service]:
        """The GATT services: the sensor's own, Battery and Device Information."""
        own = gatt.Service(
            UUID.from_16_bits(self.service_uuid),
            [self._measurement, *self.extra_characteristics()],
        )
        battery = gatt.Service(
            gatt.GATT_BATTERY_SERVICE,
            [
                gatt.Characteristic(
                    gatt.GATT_BATTERY_LEVEL_CHARACTERISTIC,
                    _READ,
                    _READABLE,
                    codec.encode_battery_level(self.battery_pct),
                )
            ],
        )
        info = gatt.Service(
            gatt.GATT_DEVICE_INFORMATION_SERVICE,
            [
                gatt.Characteristic(
                    UUID.from_16_bits(uuid), _READ, _READABLE, text.encode("utf-8")
                )
                for uuid, text in ((0x2A29, self.manufacturer), (0x2A24, self.model))
            ],
        )
        return [own, battery, info]

    def advertising_data(self) -> bytes:
        """Flags, complete local name and the 16-bit service UUID."""
        return bytes(
            AdvertisingData(
                [
                    (AdvertisingData.FLAGS, bytes([0x06])),
                    (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode("utf-8")),
                    (
                        AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                        struct.pack("<H", self.service_uuid),
                    ),
                ]
            )
        )

    # -- lifecycle -----------------------------------------------------------------

    async def attach(self, host: Host) -> None:
        """Create the bumble device on ``host``, power it on and start advertising."""
        self.device = Device(name=self.name, address=Address(self.address), host=host)
        self.device.add_services(self.services())
        await self.device.power_on()
        await self.advertise()

    async def advertise(self) -> None:
        """(Re)start connectable advertising, restarting after each disconnection."""
        device = self._require_device()
        await device.start_advertising(
            advertising_data=self.advertising_data(),
            auto_restart=True,
            advertising_interval_min=100.0,
            advertising_interval_max=100.0,
        )

    def _require_device(self) -> Device:
        if self.device is None:
            raise RuntimeError(f"{self.name}: attach() the sensor to a host first")
        return self.device

    def _on_subscription(self, _bearer: Any, notify: bool, _indicate: bool) -> None:
        if notify:
            self.subscribed.set()

    @property
    def is_advertising(self) -> bool:
        """Whether the sensor is advertising (not while connected, nor while dropped)."""
        return self.device is not None and bool(self.device.is_advertising)

    @property
    def connections(self) -> list[Connection]:
        """Open connections of the peripheral."""
        return [] if self.device is None else list(self.device.connections.values())

    async def drop_link(self, down_s: float = 1.0) -> None:
        """Simulate a lost link: disconnect every central and stay silent for a while.

        Parameters
        ----------
        down_s
            Time without advertising after the drop. [s]
        """
        device = self._require_device()
        await device.stop_advertising()
        for connection in self.connections:
            with contextlib.suppress(Exception):
                # 0x08: connection timeout, as when a strap goes out of range.
                await connection.disconnect(reason=0x08)
        self.subscribed.clear()
        await asyncio.sleep(down_s)
        await self.advertise()

    async def close(self) -> None:
        """Stop advertising and drop connections."""
        if self.device is None:
            return
        with contextlib.suppress(Exception):
            await self.device.stop_advertising()
        for connection in self.connections:
            with contextlib.suppress(Exception):
                await connection.disconnect()

    # -- data ----------------------------------------------------------------------

    @abc.abstractmethod
    def timeline(self, samples: pd.DataFrame) -> list[tuple[float, bytes]]:
        """Notifications for a samples frame: ``(elapsed time [s], payload)`` in order."""

    async def notify(self, payload: bytes) -> None:
        """Send one measurement notification (any bytes, malformed ones included)."""
        await self._require_device().notify_subscribers(self._measurement, payload)
        self.sent += 1

    async def replay(
        self,
        samples: pd.DataFrame,
        *,
        epoch: float | None = None,
        offset_s: float = 0.5,
        wait_subscribed: bool = True,
    ) -> int:
        """Send the frame's notifications at their own times.

        Notification *i* goes out at loop time ``epoch + elapsed_i + offset_s``
        (at once when that is past). While no central is subscribed (e.g. after
        :meth:`drop_link`) notifications are lost, as with a real sensor.

        Parameters
        ----------
        samples
            The frame to replay.
        epoch
            Loop time of elapsed 0 (default: when the first central subscribes).
        offset_s
            Delay of each notification after its sample time, so that it lands
            in the middle of its 1-second bin. [s]
        wait_subscribed
            Wait for a first subscription before starting.

        Returns
        -------
        int
            Notifications sent while someone was connected.
        """
        loop = asyncio.get_running_loop()
        if wait_subscribed:
            await self.subscribed.wait()
        start = loop.time() if epoch is None else epoch
        delivered = 0
        for elapsed_s, payload in self.timeline(samples):
            delay = start + elapsed_s + offset_s - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.connections:
                delivered += 1
            await self.notify(payload)
        return delivered


@dataclass
class VirtualHeartRateStrap(VirtualSensor):
    """Heart-rate strap (service 0x180D): HR from ``heart_rate_bpm`` plus RR intervals.

    The beats are placed at a constant rate within each sample interval (60 /
    HR seconds apart); each notification carries the RR intervals of the beats
    since the previous one, in 1/1024 s as the service defines them.
    """

    kind: ClassVar[str] = "hr"
    service_uuid: ClassVar[int] = codec.HEART_RATE_SERVICE
    measurement_uuid: ClassVar[int] = codec.HEART_RATE_MEASUREMENT
    model: str = "virtual HR strap"
    with_rr: bool = True
    energy_resets: int = field(default=0, init=False)

    def extra_characteristics(self) -> list[gatt.Characteristic[Any]]:
        """Heart Rate Control Point (0x2A39): writing 0x01 resets energy expended."""
        return [
            gatt.Characteristic(
                UUID.from_16_bits(0x2A39),
                gatt.Characteristic.Properties.WRITE,
                gatt.Characteristic.Permissions.WRITEABLE,
                gatt.CharacteristicValue(write=self._on_control_point),
            )
        ]

    def _on_control_point(self, _connection: Any, value: bytes) -> None:
        if bytes(value) != b"\x01":
            raise ATT_Error(0x80)  # Control Point value not supported
        self.energy_resets += 1

    def timeline(self, samples: pd.DataFrame) -> list[tuple[float, bytes]]:
        """HR notifications, one per sample with a heart rate."""
        elapsed = _elapsed(samples)
        hr = _column(samples, "heart_rate_bpm")
        out: list[tuple[float, bytes]] = []
        last_beat = -math.inf
        previous_t = -math.inf
        for t, bpm in zip(elapsed, hr, strict=True):
            value = _finite(bpm)
            if value is None or value <= 0:
                continue
            rr: list[float] = []
            period = round(60.0 / value * 1024) / 1024
            if t - previous_t > 2.0:
                last_beat = float(t)  # first sample, or after a gap: restart the beat train
            while last_beat + period <= t + 1e-9:
                rr.append(period)
                last_beat += period
            previous_t = float(t)
            measurement = codec.HeartRateMeasurement(
                heart_rate_bpm=min(round(value), 0xFFFF),
                sensor_contact=codec.SensorContact.CONTACT,
                rr_intervals_s=tuple(rr[:9]) if self.with_rr else None,
            )
            out.append((float(t), codec.encode_heart_rate_measurement(measurement)))
        return out


@dataclass
class VirtualFootpod(VirtualSensor):
    """Footpod (Running Speed and Cadence service 0x1814, built here).

    Speed from ``speed_mps``, cadence from ``cadence_spm`` (halved when
    ``report_strides``, as some real pods do), step length from both, total
    distance from ``distance_m``, and the walking / running bit from an
    ``rsc_running`` column or, without one, from the cadence
    (:data:`RUNNING_CADENCE_SPM`). Offers the RSC Feature characteristic.
    """

    kind: ClassVar[str] = "footpod"
    service_uuid: ClassVar[int] = codec.RSC_SERVICE
    measurement_uuid: ClassVar[int] = codec.RSC_MEASUREMENT
    model: str = "virtual footpod"
    report_strides: bool = False
    feature: codec.RscFeature = field(default_factory=lambda: codec.RscFeature.from_raw(0b111))

    def extra_characteristics(self) -> list[gatt.Characteristic[Any]]:
        """RSC Feature (0x2A54)."""
        return [
            gatt.Characteristic(
                UUID.from_16_bits(codec.RSC_FEATURE),
                _READ,
                _READABLE,
                codec.encode_rsc_feature(self.feature),
            )
        ]

    def timeline(self, samples: pd.DataFrame) -> list[tuple[float, bytes]]:
        """RSC notifications, one per sample with a speed."""
        elapsed = _elapsed(samples)
        speed = _column(samples, "speed_mps")
        cadence = _column(samples, "cadence_spm")
        distance = _column(samples, "distance_m")
        running_col = _column(samples, "rsc_running") if "rsc_running" in samples else None
        out: list[tuple[float, bytes]] = []
        for i, t in enumerate(elapsed):
            v = _finite(speed[i])
            if v is None:
                continue
            spm = _finite(cadence[i]) or 0.0
            reported = spm / 2.0 if self.report_strides else spm
            step_m = v / (spm / 60.0) if spm > 0 else None
            if running_col is not None and math.isfinite(running_col[i]):
                running = bool(running_col[i])
            else:
                running = spm >= RUNNING_CADENCE_SPM
            d = _finite(distance[i])
            measurement = codec.RscMeasurement(
                speed_mps=min(max(v, 0.0), 0xFFFF / 256),
                cadence_per_min=min(round(reported), 0xFF),
                stride_length_m=None if step_m is None else min(step_m, 0xFFFF / 100),
                total_distance_m=None if d is None else min(max(d, 0.0), 0xFFFFFFFF / 10),
                running=running and self.feature.walking_running,
            )
            out.append((float(t), codec.encode_rsc_measurement(measurement)))
        return out


@dataclass
class VirtualTreadmill(VirtualSensor):
    """FTMS treadmill (service 0x1826): speed, total distance, elapsed time, HR.

    Treadmill Data has no cadence; ``with_hr`` adds the frame's heart rate as
    the FTMS HR field (as treadmills with a hand-grip sensor do).
    """

    kind: ClassVar[str] = "treadmill"
    service_uuid: ClassVar[int] = codec.FITNESS_MACHINE_SERVICE
    measurement_uuid: ClassVar[int] = codec.TREADMILL_DATA
    model: str = "virtual treadmill"
    with_hr: bool = False

    def timeline(self, samples: pd.DataFrame) -> list[tuple[float, bytes]]:
        """Treadmill Data notifications, one per sample with a speed."""
        elapsed = _elapsed(samples)
        speed = _column(samples, "speed_mps")
        distance = _column(samples, "distance_m")
        hr = _column(samples, "heart_rate_bpm")
        out: list[tuple[float, bytes]] = []
        for i, t in enumerate(elapsed):
            v = _finite(speed[i])
            if v is None:
                continue
            d = _finite(distance[i])
            bpm = _finite(hr[i]) if self.with_hr else None
            data = codec.TreadmillData(
                speed_kmh=min(max(v * 3.6, 0.0), 655.35),
                total_distance_m=None if d is None else min(int(max(d, 0.0)), 0xFFFFFF),
                inclination_pct=0.0,
                ramp_angle_deg=0.0,
                heart_rate_bpm=None if bpm is None else min(round(bpm), 0xFF),
                elapsed_time_s=min(int(t), 0xFFFF),
            )
            out.append((float(t), codec.encode_treadmill_data(data)))
        return out


class VirtualLink:
    """An in-process BLE radio: bumble's ``LocalLink`` with virtual sensors on it.

    Create it inside a running event loop (bumble's controllers need one)::

        link = VirtualLink()
        hr = VirtualHeartRateStrap("SC-HR 1", "F0:5C:00:00:00:01")
        await link.add(hr)
        backend = bumble_backend(link)  # stridecheck.live.backends.bumble_backend
        async with BleakClient("F0:5C:00:00:00:01", backend=backend.client) as c:
            ...

    The recorder's side is one bumble central device, created on first use and
    shared by the scanners and the clients of
    :func:`~stridecheck.live.backends.bumble_backend.bumble_backend` (connections are
    made one at a time under :attr:`connect_lock`; the central scans while any
    scanner is started, counted in :attr:`scanners`).
    """

    CENTRAL_ADDRESS = "F0:5C:FF:FF:FF:01"

    def __init__(self) -> None:
        self.link = LocalLink()  # type: ignore[no-untyped-call]
        self.sensors: dict[str, VirtualSensor] = {}
        self._central: Device | None = None
        self._central_lock = asyncio.Lock()
        self.connect_lock = asyncio.Lock()
        self.scan_lock = asyncio.Lock()
        self.scanners = 0

    async def add(self, sensor: VirtualSensor) -> VirtualSensor:
        """Put a sensor on the link and start its advertising."""
        controller = Controller(sensor.name, link=self.link, public_address=sensor.address)
        await sensor.attach(Host(controller, AsyncPipeSink(controller)))
        self.sensors[sensor.address.upper()] = sensor
        return sensor

    async def central(self) -> Device:
        """The recorder-side bumble device (created and powered on once)."""
        async with self._central_lock:
            if self._central is None:
                controller = Controller(
                    "central", link=self.link, public_address=self.CENTRAL_ADDRESS
                )
                device = Device(
                    name="stridecheck",
                    address=Address(self.CENTRAL_ADDRESS),
                    host=Host(controller, AsyncPipeSink(controller)),
                )
                await device.power_on()
                self._central = device
            return self._central

    def find(self, address: str) -> VirtualSensor | None:
        """The sensor with this address, if it is on the link."""
        return self.sensors.get(address.upper())

    async def replay(
        self, samples: pd.DataFrame, sensors: Sequence[VirtualSensor] | None = None
    ) -> dict[str, int]:
        """Replay ``samples`` on several sensors from a common epoch.

        Waits until each sensor has a subscriber, then starts them all at the
        same loop time. Returns notifications delivered per sensor name.
        """
        chosen = list(self.sensors.values()) if sensors is None else list(sensors)
        await asyncio.gather(*(s.subscribed.wait() for s in chosen))
        epoch = asyncio.get_running_loop().time()
        counts = await asyncio.gather(
            *(s.replay(samples, epoch=epoch, wait_subscribed=False) for s in chosen)
        )
        return {s.name: n for s, n in zip(chosen, counts, strict=True)}

    async def close(self) -> None:
        """Close every sensor and the central."""
        for sensor in self.sensors.values():
            await sensor.close()
        if self._central is not None:
            for connection in list(self._central.connections.values()):
                with contextlib.suppress(Exception):
                    await connection.disconnect()


async def serve(sensor: VirtualSensor, transport: str, samples: pd.DataFrame) -> int:
    """Run a virtual sensor on a real bumble transport and replay ``samples``.

    Parameters
    ----------
    sensor
        The sensor to expose.
    transport
        A bumble transport name, e.g. ``"usb:0"``, ``"serial:/dev/ttyACM0"``,
        ``"tcp-client:127.0.0.1:1234"``.
    samples
        The frame to replay once a central subscribes (in real time).

    Returns
    -------
    int
        Notifications delivered.
    """
    from bumble.transport import open_transport

    async with await open_transport(transport) as hci:
        await sensor.attach(Host(hci.source, hci.sink))
        try:
            return await sensor.replay(samples)
        finally:
            await sensor.close()
