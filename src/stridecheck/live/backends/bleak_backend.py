"""bleak with the operating system's radio, and scanning for sensors.

:func:`platform_backend` is the :class:`~stridecheck.live.backends.SensorBackend`
of real sensors: bleak picks BlueZ, CoreBluetooth, WinRT or Android itself.
:func:`scan_sensors` lists the fitness sensors in range through any backend
(the virtual link's included), reading each one's battery level when asked.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from stridecheck.errors import GattParseError
from stridecheck.live import gatt
from stridecheck.live.backends import SensorBackend

__all__ = ["SENSOR_SERVICES", "FoundSensor", "platform_backend", "scan_sensors"]

#: Services that make a device a sensor stridecheck records: UUID -> role.
SENSOR_SERVICES: dict[str, str] = {
    gatt.uuid_str(gatt.HEART_RATE_SERVICE): "hr",
    gatt.uuid_str(gatt.RSC_SERVICE): "footpod",
    gatt.uuid_str(gatt.FITNESS_MACHINE_SERVICE): "treadmill",
}


def platform_backend() -> SensorBackend:
    """The operating system's bleak backend (real sensors)."""
    return SensorBackend(name="bleak")


@dataclass(frozen=True)
class FoundSensor:
    """A sensor seen while scanning.

    Attributes
    ----------
    address
        Bluetooth address (a UUID on macOS).
    name
        Advertised name, when any.
    roles
        What it can be recorded as (``hr``, ``footpod``, ``treadmill``).
    rssi
        Received signal strength. [dBm]
    battery_pct
        Battery level, when read. [%]
    """

    address: str
    name: str | None
    roles: tuple[str, ...]
    rssi: int
    battery_pct: int | None = None


async def _battery(backend: SensorBackend, address: str, timeout_s: float) -> int | None:
    with contextlib.suppress(BleakError, TimeoutError, GattParseError):
        async with BleakClient(address, timeout=timeout_s, backend=backend.client) as client:
            char = client.services.get_characteristic(gatt.uuid_str(gatt.BATTERY_LEVEL))
            if char is not None:
                return gatt.parse_battery_level(await client.read_gatt_char(char))
    return None


async def scan_sensors(
    backend: SensorBackend,
    timeout_s: float = 5.0,
    *,
    read_battery: bool = True,
    only_sensors: bool = True,
) -> list[FoundSensor]:
    """Scan for BLE devices and describe the fitness sensors among them.

    Parameters
    ----------
    backend
        Which radio to use.
    timeout_s
        Scan time. [s]
    read_battery
        Connect to each sensor to read its battery level (Battery service).
    only_sensors
        Leave out devices offering none of :data:`SENSOR_SERVICES`.

    Returns
    -------
    list of FoundSensor
        Strongest signal first.
    """
    if backend.scanner is None:
        found = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    else:
        found = await BleakScanner.discover(
            timeout=timeout_s, return_adv=True, scanning_mode="passive", backend=backend.scanner
        )
    sensors: list[FoundSensor] = []
    for device, adv in found.values():
        roles = tuple(
            sorted({SENSOR_SERVICES[u] for u in adv.service_uuids if u in SENSOR_SERVICES})
        )
        if only_sensors and not roles:
            continue
        sensors.append(FoundSensor(device.address, adv.local_name or device.name, roles, adv.rssi))
    if read_battery:
        levels = []
        for s in sensors:  # one connection at a time: adapters dislike parallel connects
            levels.append(await _battery(backend, s.address, max(timeout_s, 5.0)))
        sensors = [
            FoundSensor(s.address, s.name, s.roles, s.rssi, level)
            for s, level in zip(sensors, levels, strict=True)
        ]
    return sorted(sensors, key=lambda s: (-s.rssi, s.address))
