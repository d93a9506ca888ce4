"""The live recorder: BLE sensors -> journal -> canonical activity.

One task per sensor keeps it connected (``async with BleakClient(...)``,
reconnecting with exponential backoff after a drop); its notification callback
only timestamps the bytes and puts ``(time, role, payload)`` on an
``asyncio.Queue``. One consumer task drains the queue into the
:class:`~stridecheck.live.journal.JournalWriter` (flushed in small batches: as
soon as the queue is empty, or every ``batch_size`` records) and keeps the
latest parsed values for a live display. On stop the journal is closed and
turned into an :class:`~stridecheck.activity.Activity` by
:func:`~stridecheck.live.merge.activity_from_journal`, the same code that
recovers a journal after a crash.

The recorder speaks only bleak's public API; which radio it reaches is the
``backend`` (:class:`~stridecheck.live.backends.SensorBackend`): the platform's
for real sensors, or the bumble backend for the virtual ones. All times come
from the event loop's clock, so a fake clock (looptime) replays a session as
fast as the machine goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from stridecheck.activity import Activity
from stridecheck.errors import GattParseError, StrideCheckError
from stridecheck.live import gatt
from stridecheck.live.backends import SensorBackend
from stridecheck.live.journal import JournalWriter, read_journal
from stridecheck.live.merge import activity_from_journal
from stridecheck.live.profiles import DeviceProfile, SensorKind, load_profiles, match_profile

__all__ = [
    "ROLES",
    "Recorder",
    "RecorderSettings",
    "RecordingResult",
    "SensorNotFoundError",
    "SensorRequest",
    "SensorState",
]

#: Sensor roles and the characteristic each one streams.
ROLES: dict[str, int] = {
    "hr": gatt.HEART_RATE_MEASUREMENT,
    "footpod": gatt.RSC_MEASUREMENT,
    "treadmill": gatt.TREADMILL_DATA,
}

_SERVICE_OF_ROLE = {
    "hr": gatt.HEART_RATE_SERVICE,
    "footpod": gatt.RSC_SERVICE,
    "treadmill": gatt.FITNESS_MACHINE_SERVICE,
}

_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")


class SensorNotFoundError(StrideCheckError):
    """No sensor with this address or name was found while scanning.

    Parameters
    ----------
    identifier
        The address or name asked for.
    """

    def __init__(self, identifier: str) -> None:
        self.identifier = identifier
        super().__init__(f"no BLE sensor {identifier!r} found")


@dataclass(frozen=True)
class SensorRequest:
    """A sensor to record.

    Attributes
    ----------
    role
        ``"hr"``, ``"footpod"`` or ``"treadmill"``.
    identifier
        Address (``AA:BB:CC:DD:EE:FF``, or a UUID on macOS) or advertised name
        (case-insensitive prefix).
    """

    role: str
    identifier: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role={self.role!r} not understood; use one of {sorted(ROLES)}")


@dataclass(frozen=True)
class RecorderSettings:
    """Tuning of the recorder.

    Attributes
    ----------
    batch_size
        Journal records per write at most. [1]
    fsync_interval_s
        Journal ``fsync`` period (``None``: never). [s]
    scan_timeout_s
        Time to find a sensor by name. [s]
    connect_timeout_s
        Time to connect and discover. [s]
    reconnect_initial_s, reconnect_max_s
        First and largest wait between reconnection attempts (doubling). [s]
    stop_grace_s
        On stop, time given to sensor tasks to disconnect cleanly before a
        scan or connection still in progress is cancelled. [s]
    track_latency
        Keep notification-to-journal latencies (for benchmarks).
    """

    batch_size: int = 16
    fsync_interval_s: float | None = 1.0
    scan_timeout_s: float = 10.0
    connect_timeout_s: float = 10.0
    reconnect_initial_s: float = 0.1
    reconnect_max_s: float = 2.0
    stop_grace_s: float = 3.0
    track_latency: bool = False


@dataclass
class SensorState:
    """Live state of one sensor, for displays and the final report.

    Attributes
    ----------
    connected
        Whether the link is up.
    name, address
        What the sensor turned out to be.
    notifications, malformed, reconnects
        Counts so far.
    latest
        The last parsed value.
    latest_t
        When it arrived, since the session start. [s]
    profile
        The device profile matched when it connected.
    """

    connected: bool = False
    name: str | None = None
    address: str | None = None
    notifications: int = 0
    malformed: int = 0
    reconnects: int = 0
    latest: Any = None
    latest_t: float | None = None
    profile: DeviceProfile | None = None


@dataclass
class RecordingResult:
    """What a recording produced.

    Attributes
    ----------
    activity
        The merged activity.
    journal_path
        The journal on disk.
    states
        Role -> final :class:`SensorState`.
    latencies_s
        Notification-to-journal latencies when tracked. [s]
    """

    activity: Activity
    journal_path: Path
    states: dict[str, SensorState]
    latencies_s: list[float] = field(default_factory=list)


class Recorder:
    """Record BLE sensors into a journal and an activity.

    Parameters
    ----------
    sensors
        The sensors to record (one per role).
    journal_path
        Journal file to create.
    backend
        bleak backend classes (:func:`~stridecheck.live.backends.bleak_backend.platform_backend`
        or :func:`~stridecheck.live.backends.bumble_backend.bumble_backend`).
    start_time
        UTC time of the session start (default: now).
    meta
        Session metadata for the journal header (program, session, athlete).
    settings
        :class:`RecorderSettings`.
    profiles
        Device profiles (default: :func:`~stridecheck.live.profiles.load_profiles`).

    Examples
    --------
    ::

        recorder = Recorder([SensorRequest("hr", "Polar H10")], "s.journal",
                            backend=platform_backend())
        stop = asyncio.Event()
        result = await recorder.run(stop)   # until stop.set()
    """

    def __init__(
        self,
        sensors: Sequence[SensorRequest],
        journal_path: str | os.PathLike[str],
        *,
        backend: SensorBackend,
        start_time: dt.datetime | None = None,
        meta: Mapping[str, Any] | None = None,
        settings: RecorderSettings | None = None,
        profiles: Mapping[str, DeviceProfile] | None = None,
    ) -> None:
        roles = [s.role for s in sensors]
        if not sensors:
            raise ValueError("give at least one sensor to record")
        if len(set(roles)) != len(roles):
            raise ValueError(f"one sensor per role, got {roles}")
        self.sensors = list(sensors)
        self.journal_path = Path(journal_path)
        self.backend = backend
        self.start_time = start_time or dt.datetime.now(dt.UTC)
        if self.start_time.tzinfo is None:
            raise ValueError("start_time must be timezone-aware (UTC)")
        self.meta = {"backend": backend.name, **(meta or {})}
        self.settings = settings or RecorderSettings()
        self.profiles = dict(load_profiles() if profiles is None else profiles)
        self.states: dict[str, SensorState] = {s.role: SensorState() for s in sensors}
        self.latencies_s: list[float] = []
        self._features: dict[str, gatt.RscFeature | None] = {}
        self._queue: asyncio.Queue[tuple[str, float, str, Any]] = asyncio.Queue()
        self._origin: float | None = None
        self._stop = asyncio.Event()
        self.listeners: list[Callable[[str, float, Any], None]] = []

    # -- clock ---------------------------------------------------------------------

    @property
    def origin(self) -> float:
        """Event-loop time of the session start (set when :meth:`run` starts). [s]"""
        if self._origin is None:
            raise RuntimeError("the recorder has not started")
        return self._origin

    def now(self) -> float:
        """Time since the session start, on the event loop's clock. [s]"""
        return asyncio.get_running_loop().time() - self.origin

    # -- running -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> RecordingResult:
        """Record until ``stop`` is set (or :meth:`stop` is called).

        Returns
        -------
        RecordingResult
            The activity (merged from the journal), the journal path and stats.

        Raises
        ------
        stridecheck.errors.EmptyActivityError
            Nothing usable was received.
        """
        if stop is not None:
            self._stop = stop
        self._origin = asyncio.get_running_loop().time()
        writer = JournalWriter(
            self.journal_path,
            self.start_time,
            {s.role: s.identifier for s in self.sensors},
            self.meta,
            batch_size=self.settings.batch_size,
            fsync_interval_s=self.settings.fsync_interval_s,
        )
        consumer = asyncio.create_task(self._consume(writer), name="journal-consumer")
        tasks = [
            asyncio.create_task(self._keep_connected(s), name=f"sensor-{s.role}")
            for s in self.sensors
        ]
        try:
            await self._stop.wait()
        finally:
            self._stop.set()
            _, pending = await asyncio.wait(tasks, timeout=self.settings.stop_grace_s)
            for t in pending:  # still scanning or connecting: abandon
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._queue.put_nowait(("e", self.now(), "", ("stopped", {})))
            self._queue.put_nowait(("end", 0.0, "", None))
            await consumer
            writer.close()
        activity = activity_from_journal(read_journal(self.journal_path), self.profiles)
        return RecordingResult(activity, self.journal_path, self.states, self.latencies_s)

    def stop(self) -> None:
        """Ask :meth:`run` to finish."""
        self._stop.set()

    def note(self, event: str, data: Mapping[str, Any] | None = None) -> None:
        """Journal a session event now (e.g. ``"cue"``), as a record with role ``""``."""
        self._event("", event, data)

    # -- sensors -------------------------------------------------------------------

    def _event(self, role: str, event: str, data: Mapping[str, Any] | None = None) -> None:
        self._queue.put_nowait(("e", self.now(), role, (event, dict(data or {}))))

    async def _resolve(self, request: SensorRequest) -> BLEDevice | str:
        if _ADDRESS.match(request.identifier):
            return request.identifier
        wanted = request.identifier.lower()
        service = gatt.uuid_str(_SERVICE_OF_ROLE[request.role])

        def match(device: BLEDevice, adv: AdvertisementData) -> bool:
            name = (adv.local_name or device.name or "").lower()
            return name.startswith(wanted) or (
                wanted == "*" and service in [u.lower() for u in adv.service_uuids]
            )

        if self.backend.scanner is None:
            found = await BleakScanner.find_device_by_filter(
                match, timeout=self.settings.scan_timeout_s
            )
        else:
            found = await BleakScanner.find_device_by_filter(
                match,
                timeout=self.settings.scan_timeout_s,
                scanning_mode="passive",
                backend=self.backend.scanner,
            )
        if found is None:
            raise SensorNotFoundError(request.identifier)
        return found

    async def _describe(self, request: SensorRequest, client: BleakClient) -> None:
        state = self.states[request.role]
        name = client.name if client.name else None
        info: dict[str, Any] = {"address": client.address, "name": name}
        kind: SensorKind = request.role  # type: ignore[assignment]
        profile = match_profile(kind, name, self.profiles)
        info["profile"] = profile.key
        battery = await _read_optional(client, gatt.BATTERY_LEVEL)
        if battery is not None:
            with contextlib.suppress(GattParseError):
                info["battery_pct"] = gatt.parse_battery_level(battery)
        dis: dict[int, bytes] = {}
        for short in gatt.DEVICE_INFORMATION_CHARACTERISTICS:
            value = await _read_optional(client, short)
            if value is not None:
                dis[short] = value
        with contextlib.suppress(GattParseError):
            described = gatt.parse_device_information(dis)
            info.update({k: v for k, v in vars(described).items() if v is not None})
        if request.role == "footpod":
            raw = await _read_optional(client, gatt.RSC_FEATURE)
            feature = None
            if raw is not None:
                with contextlib.suppress(GattParseError):
                    feature = gatt.parse_rsc_feature(raw)
            if profile.walking_running is not None:
                feature = gatt.RscFeature.from_raw(4 if profile.walking_running else 0)
            self._features["footpod"] = feature
            info["rsc_feature"] = None if feature is None else feature.raw
        state.name, state.address, state.profile = name, client.address, profile
        self._event(request.role, "sensor", info)

    async def _keep_connected(self, request: SensorRequest) -> None:
        role = request.role
        state = self.states[role]
        attempt = 0
        connections = 0
        while not self._stop.is_set():
            lost = asyncio.Event()
            try:
                target = await self._resolve(request)

                def on_disconnect(_client: BleakClient, lost: asyncio.Event = lost) -> None:
                    if not lost.is_set():
                        self._event(role, "disconnected")
                        state.connected = False
                        lost.set()

                async with BleakClient(
                    target,
                    disconnected_callback=on_disconnect,
                    timeout=self.settings.connect_timeout_s,
                    backend=self.backend.client,
                ) as client:
                    await self._describe(request, client)
                    await client.start_notify(
                        gatt.uuid_str(ROLES[role]),
                        lambda _char, data: self._on_notification(role, data),
                    )
                    state.connected = True
                    connections += 1
                    state.reconnects = connections - 1
                    self._event(role, "connected")
                    attempt = 0
                    await _first(self._stop.wait(), lost.wait())
            except Exception as exc:
                # Journaled, then retried: a session must outlive any one sensor's
                # failure (BleakError, timeouts, OS errors, a backend's own errors).
                if not lost.is_set() and state.connected:
                    self._event(role, "disconnected")
                state.connected = False
                self._event(role, "connect_failed", {"reason": f"{type(exc).__name__}: {exc}"})
            if self._stop.is_set():
                break
            delay = min(
                self.settings.reconnect_initial_s * 2**attempt, self.settings.reconnect_max_s
            )
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
        state.connected = False

    def _on_notification(self, role: str, data: bytearray) -> None:
        self._queue.put_nowait(("n", self.now(), role, bytes(data)))

    # -- consumer ------------------------------------------------------------------

    async def _consume(self, writer: JournalWriter) -> None:
        loop = asyncio.get_running_loop()
        batch_times: list[float] = []
        syncing: asyncio.Future[None] | None = None
        running = True
        while running:
            item = await self._queue.get()
            while True:
                kind, t, role, value = item
                if kind == "end":
                    running = False
                    break
                if kind == "n":
                    writer.add_notification(t, role, value)
                    self._digest(t, role, value)
                    if self.settings.track_latency:
                        batch_times.append(t)
                else:
                    event, data = value
                    writer.add_event(t, role, event, data)
                if writer.pending == 0 or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            writer.flush(auto_fsync=False)
            if batch_times:
                done = loop.time() - self.origin
                self.latencies_s += [done - t for t in batch_times]
                batch_times.clear()
            if (syncing is None or syncing.done()) and writer.sync_due():
                syncing = loop.run_in_executor(None, writer.sync)  # fsync off the loop
        if syncing is not None:
            await syncing

    def _digest(self, t: float, role: str, payload: bytes) -> None:
        state = self.states[role]
        state.notifications += 1
        try:
            if role == "hr":
                parsed: Any = gatt.parse_heart_rate_measurement(payload)
            elif role == "footpod":
                parsed = gatt.parse_rsc_measurement(payload, self._features.get("footpod"))
            else:
                parsed = gatt.parse_treadmill_data(payload)
        except GattParseError:
            state.malformed += 1
            return
        state.latest, state.latest_t = parsed, t
        for listener in self.listeners:
            listener(role, t, parsed)


async def _read_optional(client: BleakClient, short: int) -> bytes | None:
    char = client.services.get_characteristic(gatt.uuid_str(short))
    if char is None or "read" not in char.properties:
        return None
    return bytes(await client.read_gatt_char(char))


async def _first(*aws: Any) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
