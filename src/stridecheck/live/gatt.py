"""Pure parsers and encoders for the BLE GATT characteristics a run-walk session uses.

Every ``parse_*`` function takes the bytes of one characteristic value (a
notification or a read), returns a frozen dataclass in SI-friendly units, and
raises :class:`~stridecheck.errors.GattParseError` (never anything else) when the
bytes do not follow the layout. Every ``encode_*`` function is the exact inverse,
used by the virtual sensors: ``parse_x(encode_x(m)) == m`` for every value a
parser can return.

Layouts (all little-endian) follow the Bluetooth SIG characteristic definitions;
see ``DOMAIN.md`` section 2 of the project notes:

* Heart Rate Measurement ``0x2A37``: flags, u8/u16 heart rate, energy expended
  [kJ], any number of RR intervals [1/1024 s].
* RSC Measurement ``0x2A53``: speed [1/256 m/s], cadence [1/min], stride length
  [1/100 m], total distance [1/10 m], walking / running status bit.
* RSC Feature ``0x2A54``.
* FTMS Treadmill Data ``0x2ACD``: u16 flags with the inverted *More Data* bit 0.
* Battery Level ``0x2A19`` and the Device Information ``0x180A`` strings.

This module imports neither bleak nor bumble.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from stridecheck.errors import GattParseError

__all__ = [
    "BATTERY_LEVEL",
    "BATTERY_SERVICE",
    "DEVICE_INFORMATION_CHARACTERISTICS",
    "DEVICE_INFORMATION_SERVICE",
    "FITNESS_MACHINE_SERVICE",
    "HEART_RATE_MEASUREMENT",
    "HEART_RATE_SERVICE",
    "RSC_FEATURE",
    "RSC_MEASUREMENT",
    "RSC_SERVICE",
    "TREADMILL_DATA",
    "DeviceInformation",
    "HeartRateMeasurement",
    "RscFeature",
    "RscMeasurement",
    "SensorContact",
    "TreadmillData",
    "encode_battery_level",
    "encode_heart_rate_measurement",
    "encode_rsc_feature",
    "encode_rsc_measurement",
    "encode_treadmill_data",
    "parse_battery_level",
    "parse_device_information",
    "parse_heart_rate_measurement",
    "parse_rsc_feature",
    "parse_rsc_measurement",
    "parse_treadmill_data",
    "parse_utf8_string",
    "uuid16",
    "uuid_str",
]

# ----------------------------------------------------------------------------- UUIDs

HEART_RATE_SERVICE = 0x180D
HEART_RATE_MEASUREMENT = 0x2A37
RSC_SERVICE = 0x1814
RSC_MEASUREMENT = 0x2A53
RSC_FEATURE = 0x2A54
FITNESS_MACHINE_SERVICE = 0x1826
TREADMILL_DATA = 0x2ACD
BATTERY_SERVICE = 0x180F
BATTERY_LEVEL = 0x2A19
DEVICE_INFORMATION_SERVICE = 0x180A

#: Device Information characteristics: 16-bit UUID -> :class:`DeviceInformation` field.
DEVICE_INFORMATION_CHARACTERISTICS: dict[int, str] = {
    0x2A29: "manufacturer",
    0x2A24: "model",
    0x2A25: "serial_number",
    0x2A27: "hardware_revision",
    0x2A26: "firmware_revision",
    0x2A28: "software_revision",
}
_SYSTEM_ID = 0x2A23

_BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"


def uuid_str(short: int) -> str:
    """Full 128-bit UUID string (bleak's form) of a 16-bit SIG UUID."""
    return f"0000{short:04x}{_BASE_UUID_SUFFIX}"


def uuid16(uuid: str) -> int | None:
    """The 16-bit SIG UUID inside a 128-bit UUID string, or ``None`` for vendor UUIDs."""
    text = uuid.lower()
    if len(text) == 4:
        return int(text, 16)
    if len(text) == 36 and text.startswith("0000") and text.endswith(_BASE_UUID_SUFFIX):
        return int(text[4:8], 16)
    return None


# ----------------------------------------------------------------------------- reading


class _Reader:
    """Cursor over a payload that raises :class:`GattParseError` on underflow."""

    def __init__(self, characteristic: int, payload: bytes | bytearray | memoryview) -> None:
        self.char = f"{characteristic:04x}"
        self.data = bytes(payload)
        self.pos = 0

    def fail(self, reason: str) -> GattParseError:
        return GattParseError(self.char, self.data, reason)

    def take(self, fmt: str, what: str) -> int:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise self.fail(
                f"{what} needs {size} byte(s) at offset {self.pos}, "
                f"only {len(self.data) - self.pos} left"
            )
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return int(value)

    def u24(self, what: str) -> int:
        if self.pos + 3 > len(self.data):
            raise self.fail(f"{what} needs 3 bytes at offset {self.pos}")
        value = int.from_bytes(self.data[self.pos : self.pos + 3], "little")
        self.pos += 3
        return value

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def finish(self) -> None:
        if self.remaining:
            raise self.fail(f"{self.remaining} unexpected trailing byte(s)")


def _check_uint(value: int, bits: int, what: str) -> int:
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{what}={value} does not fit in u{bits}")
    return value


def _check_sint(value: int, bits: int, what: str) -> int:
    if not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
        raise ValueError(f"{what}={value} does not fit in s{bits}")
    return value


def _scaled(value: float, scale: float, bits: int, what: str, signed: bool = False) -> int:
    raw = round(value * scale)
    return _check_sint(raw, bits, what) if signed else _check_uint(raw, bits, what)


# ----------------------------------------------------------------------------- heart rate


class SensorContact(enum.Enum):
    """Sensor contact status of a heart-rate strap (flags bits 1-2).

    ``NOT_SUPPORTED`` (bits ``0b00`` / ``0b01``) means the strap cannot tell; it is
    not the same as ``NO_CONTACT`` (``0b10``).
    """

    NOT_SUPPORTED = "not_supported"
    NO_CONTACT = "no_contact"
    CONTACT = "contact"


@dataclass(frozen=True)
class HeartRateMeasurement:
    """One Heart Rate Measurement (0x2A37) value.

    Attributes
    ----------
    heart_rate_bpm
        Heart rate. [1/min]
    sensor_contact
        Contact status; ``NOT_SUPPORTED`` is not ``NO_CONTACT``.
    energy_expended_kj
        Accumulated energy expended, when sent. [kJ]
    rr_intervals_s
        RR intervals in order of arrival, in steps of 1/1024 s; ``None`` when
        the flag is clear, ``()`` when set with no interval. [s]
    hr_uint16
        True when the heart rate was sent as a u16 (kept so encoding is exact).
    """

    heart_rate_bpm: int
    sensor_contact: SensorContact = SensorContact.NOT_SUPPORTED
    energy_expended_kj: int | None = None
    rr_intervals_s: tuple[float, ...] | None = None
    hr_uint16: bool = False


def parse_heart_rate_measurement(payload: bytes | bytearray) -> HeartRateMeasurement:
    """Parse a Heart Rate Measurement (0x2A37) value.

    Parameters
    ----------
    payload
        The characteristic value as received.

    Returns
    -------
    HeartRateMeasurement

    Raises
    ------
    GattParseError
        Payload too short, or an odd number of bytes where RR intervals go.

    Examples
    --------
    >>> m = parse_heart_rate_measurement(bytes.fromhex("104a6103"))
    >>> m.heart_rate_bpm, round(m.rr_intervals_s[0] * 1000, 1)
    (74, 844.7)
    """
    r = _Reader(HEART_RATE_MEASUREMENT, payload)
    flags = r.take("<B", "flags")
    hr_uint16 = bool(flags & 0x01)
    hr = r.take("<H", "heart rate (u16)") if hr_uint16 else r.take("<B", "heart rate (u8)")
    contact_bits = (flags >> 1) & 0x03
    contact = {2: SensorContact.NO_CONTACT, 3: SensorContact.CONTACT}.get(
        contact_bits, SensorContact.NOT_SUPPORTED
    )
    energy = r.take("<H", "energy expended") if flags & 0x08 else None
    rr: tuple[float, ...] | None = None
    if flags & 0x10:
        if r.remaining % 2:
            raise r.fail(f"{r.remaining} byte(s) of RR intervals is not a whole number of u16")
        rr = tuple(r.take("<H", "RR interval") / 1024.0 for _ in range(r.remaining // 2))
    r.finish()
    return HeartRateMeasurement(hr, contact, energy, rr, hr_uint16)


def encode_heart_rate_measurement(m: HeartRateMeasurement) -> bytes:
    """Encode a :class:`HeartRateMeasurement` (inverse of the parser).

    Raises
    ------
    ValueError
        A value does not fit its field.
    """
    hr_uint16 = m.hr_uint16 or m.heart_rate_bpm > 0xFF
    flags = 0x01 if hr_uint16 else 0
    flags |= {
        SensorContact.NOT_SUPPORTED: 0,
        SensorContact.NO_CONTACT: 4,
        SensorContact.CONTACT: 6,
    }[m.sensor_contact]
    body = struct.pack(
        "<H" if hr_uint16 else "<B", _check_uint(m.heart_rate_bpm, 16, "heart_rate_bpm")
    )
    if m.energy_expended_kj is not None:
        flags |= 0x08
        body += struct.pack("<H", _check_uint(m.energy_expended_kj, 16, "energy_expended_kj"))
    if m.rr_intervals_s is not None:
        flags |= 0x10
        body += b"".join(
            struct.pack("<H", _scaled(rr, 1024, 16, "rr_interval")) for rr in m.rr_intervals_s
        )
    return bytes([flags]) + body


# ----------------------------------------------------------------------------- RSC


@dataclass(frozen=True)
class RscFeature:
    """RSC Feature (0x2A54): what a footpod supports.

    Attributes
    ----------
    stride_length
        Instantaneous stride length measurement supported (bit 0).
    total_distance
        Total distance measurement supported (bit 1).
    walking_running
        Walking or running status supported (bit 2).
    calibration
        Calibration procedure supported (bit 3).
    multiple_locations
        Multiple sensor locations supported (bit 4).
    raw
        The whole u16, reserved bits included.
    """

    stride_length: bool
    total_distance: bool
    walking_running: bool
    calibration: bool
    multiple_locations: bool
    raw: int

    @classmethod
    def from_raw(cls, raw: int) -> RscFeature:
        """Build from the u16 flags."""
        return cls(bool(raw & 1), bool(raw & 2), bool(raw & 4), bool(raw & 8), bool(raw & 16), raw)


def parse_rsc_feature(payload: bytes | bytearray) -> RscFeature:
    """Parse an RSC Feature (0x2A54) value (u16; longer values keep the first two bytes).

    Raises
    ------
    GattParseError
        Fewer than two bytes.
    """
    r = _Reader(RSC_FEATURE, payload)
    return RscFeature.from_raw(r.take("<H", "feature flags"))


def encode_rsc_feature(feature: RscFeature) -> bytes:
    """Encode an :class:`RscFeature` (inverse of the parser)."""
    return struct.pack("<H", _check_uint(feature.raw, 16, "raw"))


@dataclass(frozen=True)
class RscMeasurement:
    """One RSC Measurement (0x2A53) value.

    Attributes
    ----------
    speed_mps
        Instantaneous speed, in steps of 1/256 m/s. [m/s]
    cadence_per_min
        Cadence as the pod reports it: steps or strides per minute depending on
        the device (see the device profiles). [1/min]
    stride_length_m
        Instantaneous stride length, when sent. [m]
    total_distance_m
        Total distance, when sent. [m]
    running
        Walking (False) or running (True) status; ``None`` unless the RSC
        Feature says the pod supports the status bit.
    """

    speed_mps: float
    cadence_per_min: int
    stride_length_m: float | None = None
    total_distance_m: float | None = None
    running: bool | None = None


def parse_rsc_measurement(
    payload: bytes | bytearray, feature: RscFeature | None = None
) -> RscMeasurement:
    """Parse an RSC Measurement (0x2A53) value.

    Parameters
    ----------
    payload
        The characteristic value as received.
    feature
        The pod's RSC Feature. The walking / running bit is trusted only when
        ``feature.walking_running`` is set; otherwise ``running`` is ``None``.

    Raises
    ------
    GattParseError
        Payload too short or too long for its flags.
    """
    r = _Reader(RSC_MEASUREMENT, payload)
    flags = r.take("<B", "flags")
    speed = r.take("<H", "speed") / 256.0
    cadence = r.take("<B", "cadence")
    stride = r.take("<H", "stride length") / 100.0 if flags & 0x01 else None
    distance = r.take("<I", "total distance") / 10.0 if flags & 0x02 else None
    r.finish()
    running = bool(flags & 0x04) if feature is not None and feature.walking_running else None
    return RscMeasurement(speed, cadence, stride, distance, running)


def encode_rsc_measurement(m: RscMeasurement) -> bytes:
    """Encode an :class:`RscMeasurement` (inverse of the parser).

    ``running=None`` encodes as walking (bit clear), as a pod without the
    feature does.
    """
    flags = 0
    body = struct.pack("<H", _scaled(m.speed_mps, 256, 16, "speed_mps"))
    body += struct.pack("<B", _check_uint(m.cadence_per_min, 8, "cadence_per_min"))
    if m.stride_length_m is not None:
        flags |= 0x01
        body += struct.pack("<H", _scaled(m.stride_length_m, 100, 16, "stride_length_m"))
    if m.total_distance_m is not None:
        flags |= 0x02
        body += struct.pack("<I", _scaled(m.total_distance_m, 10, 32, "total_distance_m"))
    if m.running:
        flags |= 0x04
    return bytes([flags]) + body


# ----------------------------------------------------------------------------- FTMS


@dataclass(frozen=True)
class TreadmillData:
    """One FTMS Treadmill Data (0x2ACD) value; absent fields are ``None``.

    Attributes
    ----------
    speed_kmh
        Instantaneous speed, in steps of 0.01 km/h. [km/h]
    average_speed_kmh
        Average speed. [km/h]
    total_distance_m
        Total distance (u24). [m]
    inclination_pct
        Inclination, in steps of 0.1 %. [%]
    ramp_angle_deg
        Ramp angle setting, in steps of 0.1 degree. [degree]
    elevation_gain_positive_m, elevation_gain_negative_m
        Elevation gained and lost, in steps of 0.1 m. [m]
    instantaneous_pace_kmpmin, average_pace_kmpmin
        Pace as the 2017 layout defines it (u8, 0.1 km/min). [km/min]
    total_energy_kcal, energy_per_hour_kcal, energy_per_minute_kcal
        Expended energy. [kcal], [kcal/h], [kcal/min]
    heart_rate_bpm
        Heart rate. [1/min]
    metabolic_equivalent
        MET, in steps of 0.1. [1]
    elapsed_time_s, remaining_time_s
        Elapsed and remaining time. [s]
    force_on_belt_n
        Force on belt. [N]
    power_output_w
        Power output. [W]
    flags
        The u16 flags as received (reserved bits 13-15 included).
    """

    speed_kmh: float | None = None
    average_speed_kmh: float | None = None
    total_distance_m: int | None = None
    inclination_pct: float | None = None
    ramp_angle_deg: float | None = None
    elevation_gain_positive_m: float | None = None
    elevation_gain_negative_m: float | None = None
    instantaneous_pace_kmpmin: float | None = None
    average_pace_kmpmin: float | None = None
    total_energy_kcal: int | None = None
    energy_per_hour_kcal: int | None = None
    energy_per_minute_kcal: int | None = None
    heart_rate_bpm: int | None = None
    metabolic_equivalent: float | None = None
    elapsed_time_s: int | None = None
    remaining_time_s: int | None = None
    force_on_belt_n: int | None = None
    power_output_w: int | None = None
    flags: int = 0

    @property
    def speed_mps(self) -> float | None:
        """Instantaneous speed. [m/s]"""
        return None if self.speed_kmh is None else self.speed_kmh / 3.6


_FTMS_RESERVED = 0xE000


def parse_treadmill_data(payload: bytes | bytearray) -> TreadmillData:
    """Parse an FTMS Treadmill Data (0x2ACD) value.

    Bit 0 (*More Data*) is inverted: instantaneous speed is present when it is 0.
    Reserved flag bits 13-15 are tolerated: their fields are unknown, so bytes
    after the known fields are then ignored; without reserved bits set,
    trailing bytes are an error.

    Raises
    ------
    GattParseError
        Payload too short for its flags, or unexplained trailing bytes.
    """
    r = _Reader(TREADMILL_DATA, payload)
    flags = r.take("<H", "flags")
    f: dict[str, float | int | None] = {}
    if not flags & 0x0001:
        f["speed_kmh"] = r.take("<H", "instantaneous speed") / 100.0
    if flags & 0x0002:
        f["average_speed_kmh"] = r.take("<H", "average speed") / 100.0
    if flags & 0x0004:
        f["total_distance_m"] = r.u24("total distance")
    if flags & 0x0008:
        f["inclination_pct"] = r.take("<h", "inclination") / 10.0
        f["ramp_angle_deg"] = r.take("<h", "ramp angle") / 10.0
    if flags & 0x0010:
        f["elevation_gain_positive_m"] = r.take("<H", "positive elevation gain") / 10.0
        f["elevation_gain_negative_m"] = r.take("<H", "negative elevation gain") / 10.0
    if flags & 0x0020:
        f["instantaneous_pace_kmpmin"] = r.take("<B", "instantaneous pace") / 10.0
    if flags & 0x0040:
        f["average_pace_kmpmin"] = r.take("<B", "average pace") / 10.0
    if flags & 0x0080:
        f["total_energy_kcal"] = r.take("<H", "total energy")
        f["energy_per_hour_kcal"] = r.take("<H", "energy per hour")
        f["energy_per_minute_kcal"] = r.take("<B", "energy per minute")
    if flags & 0x0100:
        f["heart_rate_bpm"] = r.take("<B", "heart rate")
    if flags & 0x0200:
        f["metabolic_equivalent"] = r.take("<B", "metabolic equivalent") / 10.0
    if flags & 0x0400:
        f["elapsed_time_s"] = r.take("<H", "elapsed time")
    if flags & 0x0800:
        f["remaining_time_s"] = r.take("<H", "remaining time")
    if flags & 0x1000:
        f["force_on_belt_n"] = r.take("<h", "force on belt")
        f["power_output_w"] = r.take("<h", "power output")
    if not flags & _FTMS_RESERVED:
        r.finish()
    return TreadmillData(flags=flags, **f)  # type: ignore[arg-type]


def encode_treadmill_data(m: TreadmillData) -> bytes:
    """Encode a :class:`TreadmillData` (inverse of the parser).

    The flags are recomputed from which fields are set; reserved bits of
    ``m.flags`` are kept (with no bytes for them).

    Raises
    ------
    ValueError
        A pair of fields that travel together is half set, or a value does not fit.
    """
    flags = m.flags & _FTMS_RESERVED
    body = b""
    if m.speed_kmh is None:
        flags |= 0x0001
    else:
        body += struct.pack("<H", _scaled(m.speed_kmh, 100, 16, "speed_kmh"))
    if m.average_speed_kmh is not None:
        flags |= 0x0002
        body += struct.pack("<H", _scaled(m.average_speed_kmh, 100, 16, "average_speed_kmh"))
    if m.total_distance_m is not None:
        flags |= 0x0004
        body += _check_uint(m.total_distance_m, 24, "total_distance_m").to_bytes(3, "little")
    pairs: tuple[tuple[int, tuple[str, ...]], ...] = (
        (0x0008, ("inclination_pct", "ramp_angle_deg")),
        (0x0010, ("elevation_gain_positive_m", "elevation_gain_negative_m")),
        (0x0080, ("total_energy_kcal", "energy_per_hour_kcal", "energy_per_minute_kcal")),
        (0x1000, ("force_on_belt_n", "power_output_w")),
    )
    group_set = {}
    for bit, names in pairs:
        present = [getattr(m, n) is not None for n in names]
        if any(present) and not all(present):
            raise ValueError(f"fields {names} travel together: set all or none")
        group_set[bit] = all(present)
    if group_set[0x0008]:
        flags |= 0x0008
        body += struct.pack("<h", _scaled(m.inclination_pct or 0.0, 10, 16, "incl", True))
        body += struct.pack("<h", _scaled(m.ramp_angle_deg or 0.0, 10, 16, "ramp", True))
    if group_set[0x0010]:
        flags |= 0x0010
        body += struct.pack("<H", _scaled(m.elevation_gain_positive_m or 0.0, 10, 16, "elev+"))
        body += struct.pack("<H", _scaled(m.elevation_gain_negative_m or 0.0, 10, 16, "elev-"))
    if m.instantaneous_pace_kmpmin is not None:
        flags |= 0x0020
        body += struct.pack("<B", _scaled(m.instantaneous_pace_kmpmin, 10, 8, "inst pace"))
    if m.average_pace_kmpmin is not None:
        flags |= 0x0040
        body += struct.pack("<B", _scaled(m.average_pace_kmpmin, 10, 8, "avg pace"))
    if group_set[0x0080]:
        flags |= 0x0080
        body += struct.pack("<H", _check_uint(m.total_energy_kcal or 0, 16, "total_energy"))
        body += struct.pack("<H", _check_uint(m.energy_per_hour_kcal or 0, 16, "energy/h"))
        body += struct.pack("<B", _check_uint(m.energy_per_minute_kcal or 0, 8, "energy/min"))
    if m.heart_rate_bpm is not None:
        flags |= 0x0100
        body += struct.pack("<B", _check_uint(m.heart_rate_bpm, 8, "heart_rate_bpm"))
    if m.metabolic_equivalent is not None:
        flags |= 0x0200
        body += struct.pack("<B", _scaled(m.metabolic_equivalent, 10, 8, "MET"))
    if m.elapsed_time_s is not None:
        flags |= 0x0400
        body += struct.pack("<H", _check_uint(m.elapsed_time_s, 16, "elapsed_time_s"))
    if m.remaining_time_s is not None:
        flags |= 0x0800
        body += struct.pack("<H", _check_uint(m.remaining_time_s, 16, "remaining_time_s"))
    if group_set[0x1000]:
        flags |= 0x1000
        body += struct.pack("<h", _check_sint(m.force_on_belt_n or 0, 16, "force_on_belt_n"))
        body += struct.pack("<h", _check_sint(m.power_output_w or 0, 16, "power_output_w"))
    return struct.pack("<H", flags) + body


# ----------------------------------------------------------------------------- battery, DIS


def parse_battery_level(payload: bytes | bytearray) -> int:
    """Parse a Battery Level (0x2A19) value. [%]

    Raises
    ------
    GattParseError
        Not exactly one byte, or a reserved value above 100.
    """
    r = _Reader(BATTERY_LEVEL, payload)
    level = r.take("<B", "battery level")
    r.finish()
    if level > 100:
        raise r.fail(f"battery level {level} % is a reserved value (0-100 allowed)")
    return level


def encode_battery_level(level_pct: int) -> bytes:
    """Encode a battery level. [%]

    Raises
    ------
    ValueError
        Outside 0-100.
    """
    if not 0 <= level_pct <= 100:
        raise ValueError(f"battery level {level_pct} outside 0-100 %")
    return bytes([level_pct])


def parse_utf8_string(characteristic: int, payload: bytes | bytearray) -> str:
    """Decode a UTF-8 string characteristic, dropping trailing NUL padding.

    Raises
    ------
    GattParseError
        The bytes are not valid UTF-8.
    """
    try:
        return bytes(payload).rstrip(b"\x00").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GattParseError(
            f"{characteristic:04x}", bytes(payload), f"not UTF-8: {exc}"
        ) from None


@dataclass(frozen=True)
class DeviceInformation:
    """Device Information service (0x180A) strings; ``None`` where not offered.

    Attributes
    ----------
    manufacturer, model, serial_number, hardware_revision, firmware_revision, software_revision
        The strings of 0x2A29, 0x2A24, 0x2A25, 0x2A27, 0x2A26 and 0x2A28.
    system_id
        System ID (0x2A23) as hex, when offered.
    """

    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    hardware_revision: str | None = None
    firmware_revision: str | None = None
    software_revision: str | None = None
    system_id: str | None = None


def parse_device_information(values: Mapping[int, bytes | bytearray]) -> DeviceInformation:
    """Build :class:`DeviceInformation` from characteristic values read from 0x180A.

    Parameters
    ----------
    values
        16-bit characteristic UUID -> value read. Unknown UUIDs are ignored.

    Raises
    ------
    GattParseError
        A string is not UTF-8, or the System ID is not 8 bytes.
    """
    fields: dict[str, str] = {}
    for short, name in DEVICE_INFORMATION_CHARACTERISTICS.items():
        if short in values:
            fields[name] = parse_utf8_string(short, values[short])
    if _SYSTEM_ID in values:
        raw = bytes(values[_SYSTEM_ID])
        if len(raw) != 8:
            raise GattParseError(f"{_SYSTEM_ID:04x}", raw, "System ID must be 8 bytes")
        fields["system_id"] = raw.hex()
    return DeviceInformation(**fields)
