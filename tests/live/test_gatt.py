"""GATT parsers: worked examples, every flag combination, malformed payloads."""

from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stridecheck.errors import GattParseError, StrideCheckError
from stridecheck.live import gatt
from stridecheck.live.gatt import (
    HeartRateMeasurement,
    RscFeature,
    RscMeasurement,
    SensorContact,
    TreadmillData,
)

# ----------------------------------------------------------------------------- examples


def test_heart_rate_worked_example() -> None:
    m = gatt.parse_heart_rate_measurement(bytes.fromhex("10 4A 61 03"))
    assert m.heart_rate_bpm == 74
    assert m.rr_intervals_s is not None
    assert len(m.rr_intervals_s) == 1
    assert m.rr_intervals_s[0] * 1000 == pytest.approx(844.7, abs=0.05)
    assert m.sensor_contact is SensorContact.NOT_SUPPORTED
    assert m.energy_expended_kj is None


@pytest.mark.parametrize(
    ("flags", "contact"),
    [
        (0b000, SensorContact.NOT_SUPPORTED),
        (0b010, SensorContact.NOT_SUPPORTED),
        (0b100, SensorContact.NO_CONTACT),
        (0b110, SensorContact.CONTACT),
    ],
)
def test_sensor_contact_not_supported_is_not_no_contact(
    flags: int, contact: SensorContact
) -> None:
    assert gatt.parse_heart_rate_measurement(bytes([flags, 60])).sensor_contact is contact


def test_heart_rate_uint16_energy_and_several_rr() -> None:
    payload = bytes([0x19]) + struct.pack("<HHHHH", 300, 1234, 1024, 512, 2048)
    m = gatt.parse_heart_rate_measurement(payload)
    assert m.heart_rate_bpm == 300
    assert m.hr_uint16
    assert m.energy_expended_kj == 1234
    assert m.rr_intervals_s == (1.0, 0.5, 2.0)


def test_heart_rate_little_endian() -> None:
    # 0x0102 little-endian is 258, not 513.
    assert gatt.parse_heart_rate_measurement(bytes([0x01, 0x02, 0x01])).heart_rate_bpm == 258


def test_heart_rate_reserved_bits_tolerated() -> None:
    assert gatt.parse_heart_rate_measurement(bytes([0xE0, 70])).heart_rate_bpm == 70


def test_rsc_example_and_running_bit_trusted_only_with_feature() -> None:
    payload = bytes([0x07]) + struct.pack("<HBHI", 3 * 256, 85, 120, 12345)
    plain = gatt.parse_rsc_measurement(payload)
    assert plain.speed_mps == 3.0
    assert plain.cadence_per_min == 85
    assert plain.stride_length_m == pytest.approx(1.2)
    assert plain.total_distance_m == pytest.approx(1234.5)
    assert plain.running is None
    no_status = RscFeature.from_raw(0b011)
    assert gatt.parse_rsc_measurement(payload, no_status).running is None
    with_status = RscFeature.from_raw(0b111)
    assert gatt.parse_rsc_measurement(payload, with_status).running is True
    walking = bytes([0x00]) + struct.pack("<HB", 384, 110)
    assert gatt.parse_rsc_measurement(walking, with_status).running is False


def test_rsc_feature() -> None:
    f = gatt.parse_rsc_feature(bytes([0x1F, 0x00]))
    assert (f.stride_length, f.total_distance, f.walking_running) == (True, True, True)
    assert (f.calibration, f.multiple_locations) == (True, True)
    assert gatt.parse_rsc_feature(bytes([0x04, 0x00])) == RscFeature.from_raw(4)


def test_treadmill_example_qdomyos() -> None:
    # flags 0x0484: speed (bit0 clear), distance, energy, elapsed time; 14 bytes.
    payload = struct.pack("<HH", 0x0484, 1050) + (1234).to_bytes(3, "little")
    payload += struct.pack("<HHB", 150, 600, 10) + struct.pack("<H", 725)
    assert len(payload) == 14
    m = gatt.parse_treadmill_data(payload)
    assert m.speed_kmh == 10.5
    assert m.speed_mps == pytest.approx(10.5 / 3.6)
    assert m.total_distance_m == 1234
    assert (m.total_energy_kcal, m.energy_per_hour_kcal, m.energy_per_minute_kcal) == (
        150,
        600,
        10,
    )
    assert m.elapsed_time_s == 725
    assert m.heart_rate_bpm is None


def test_treadmill_more_data_bit_means_no_speed() -> None:
    m = gatt.parse_treadmill_data(struct.pack("<HB", 0x0101, 140))
    assert m.speed_kmh is None
    assert m.speed_mps is None
    assert m.heart_rate_bpm == 140


def test_treadmill_negative_incline() -> None:
    m = gatt.parse_treadmill_data(struct.pack("<HHhh", 0x0008, 800, -15, -9))
    assert m.inclination_pct == -1.5
    assert m.ramp_angle_deg == pytest.approx(-0.9)


def test_treadmill_reserved_bits_tolerated() -> None:
    m = gatt.parse_treadmill_data(struct.pack("<HH", 0x2000, 900) + b"\x01\x02")
    assert m.speed_kmh == 9.0
    assert m.flags & 0x2000


def test_battery_and_device_information() -> None:
    assert gatt.parse_battery_level(b"\x57") == 87
    info = gatt.parse_device_information(
        {0x2A29: b"Polar\x00", 0x2A24: b"H10", 0x2A23: bytes(range(8)), 0x9999: b"x"}
    )
    assert info.manufacturer == "Polar"
    assert info.model == "H10"
    assert info.system_id == "0001020304050607"
    assert info.serial_number is None


def test_uuid_helpers() -> None:
    assert gatt.uuid_str(0x2A37) == "00002a37-0000-1000-8000-00805f9b34fb"
    assert gatt.uuid16(gatt.uuid_str(0x2ACD)) == 0x2ACD
    assert gatt.uuid16("2A19") == 0x2A19
    assert gatt.uuid16("6e400001-b5a3-f393-e0a9-e50e24dcca9e") is None


# ----------------------------------------------------------------------------- round trips

rr_raw = st.integers(0, 0xFFFF)


@st.composite
def heart_rates(draw: st.DrawFn) -> HeartRateMeasurement:
    u16 = draw(st.booleans())
    hr = draw(st.integers(0, 0xFFFF if u16 else 0xFF))
    rr = draw(st.none() | st.lists(rr_raw, max_size=9).map(lambda v: tuple(x / 1024 for x in v)))
    return HeartRateMeasurement(
        heart_rate_bpm=hr,
        sensor_contact=draw(st.sampled_from(SensorContact)),
        energy_expended_kj=draw(st.none() | st.integers(0, 0xFFFF)),
        rr_intervals_s=rr,
        hr_uint16=u16,
    )


@given(heart_rates())
def test_heart_rate_round_trip(m: HeartRateMeasurement) -> None:
    assert gatt.parse_heart_rate_measurement(gatt.encode_heart_rate_measurement(m)) == m


@given(st.integers(0, 0xFFFF))
def test_rsc_feature_round_trip(raw: int) -> None:
    f = RscFeature.from_raw(raw)
    assert gatt.parse_rsc_feature(gatt.encode_rsc_feature(f)) == f


@st.composite
def rsc_measurements(draw: st.DrawFn) -> tuple[RscMeasurement, RscFeature | None]:
    feature = draw(st.none() | st.integers(0, 0x1F).map(RscFeature.from_raw))
    trusted = feature is not None and feature.walking_running
    m = RscMeasurement(
        speed_mps=draw(st.integers(0, 0xFFFF)) / 256,
        cadence_per_min=draw(st.integers(0, 0xFF)),
        stride_length_m=draw(st.none() | st.integers(0, 0xFFFF).map(lambda v: v / 100)),
        total_distance_m=draw(st.none() | st.integers(0, 0xFFFFFFFF).map(lambda v: v / 10)),
        running=draw(st.booleans()) if trusted else None,
    )
    return m, feature


@given(rsc_measurements())
def test_rsc_round_trip(case: tuple[RscMeasurement, RscFeature | None]) -> None:
    m, feature = case
    assert gatt.parse_rsc_measurement(gatt.encode_rsc_measurement(m), feature) == m


def _opt(strategy: st.SearchStrategy[int], scale: float = 1) -> st.SearchStrategy[float | None]:
    return st.none() | strategy.map(lambda v: v / scale if scale != 1 else v)


@st.composite
def treadmill_data(draw: st.DrawFn) -> TreadmillData:
    u8, u16, s16 = st.integers(0, 0xFF), st.integers(0, 0xFFFF), st.integers(-32768, 32767)
    fields: dict[str, float | int | None] = {
        "speed_kmh": draw(_opt(u16, 100)),
        "average_speed_kmh": draw(_opt(u16, 100)),
        "total_distance_m": draw(st.none() | st.integers(0, 0xFFFFFF)),
        "instantaneous_pace_kmpmin": draw(_opt(u8, 10)),
        "average_pace_kmpmin": draw(_opt(u8, 10)),
        "heart_rate_bpm": draw(st.none() | u8),
        "metabolic_equivalent": draw(_opt(u8, 10)),
        "elapsed_time_s": draw(st.none() | u16),
        "remaining_time_s": draw(st.none() | u16),
    }
    if draw(st.booleans()):
        fields["inclination_pct"] = draw(s16) / 10
        fields["ramp_angle_deg"] = draw(s16) / 10
    if draw(st.booleans()):
        fields["elevation_gain_positive_m"] = draw(u16) / 10
        fields["elevation_gain_negative_m"] = draw(u16) / 10
    if draw(st.booleans()):
        fields["total_energy_kcal"] = draw(u16)
        fields["energy_per_hour_kcal"] = draw(u16)
        fields["energy_per_minute_kcal"] = draw(u8)
    if draw(st.booleans()):
        fields["force_on_belt_n"] = draw(s16)
        fields["power_output_w"] = draw(s16)
    reserved = draw(st.sampled_from([0, 0x2000, 0xE000]))
    encoded = gatt.encode_treadmill_data(TreadmillData(flags=reserved, **fields))  # type: ignore[arg-type]
    flags = struct.unpack_from("<H", encoded)[0]
    return TreadmillData(flags=flags, **fields)  # type: ignore[arg-type]


@given(treadmill_data())
def test_treadmill_round_trip(m: TreadmillData) -> None:
    assert gatt.parse_treadmill_data(gatt.encode_treadmill_data(m)) == m


@given(st.integers(0, 0x1FFF))
def test_every_treadmill_flag_combination_parses_when_long_enough(flags: int) -> None:
    # Exactly the bytes the flags call for must parse.
    m = gatt.parse_treadmill_data(struct.pack("<H", flags) + _zeros_for(flags))
    assert m.flags == flags
    assert (m.speed_kmh is None) == bool(flags & 1)


def _zeros_for(flags: int) -> bytes:
    sizes = [(0x1, 2, True), (0x2, 2, False), (0x4, 3, False), (0x8, 4, False), (0x10, 4, False)]
    sizes += [(0x20, 1, False), (0x40, 1, False), (0x80, 5, False), (0x100, 1, False)]
    sizes += [(0x200, 1, False), (0x400, 2, False), (0x800, 2, False), (0x1000, 4, False)]
    n = 0
    for bit, size, inverted in sizes:
        if bool(flags & bit) != inverted:
            n += size
    return bytes(n)


@given(st.integers(0, 0xFF))
def test_every_heart_rate_flag_combination(flags: int) -> None:
    body = bytes(2 if flags & 1 else 1) + (bytes(2) if flags & 8 else b"")
    body += bytes(4) if flags & 16 else b""
    m = gatt.parse_heart_rate_measurement(bytes([flags]) + body)
    assert (m.rr_intervals_s is not None) == bool(flags & 16)


# ----------------------------------------------------------------------------- malformed

PARSERS = [
    gatt.parse_heart_rate_measurement,
    gatt.parse_rsc_measurement,
    gatt.parse_rsc_feature,
    gatt.parse_treadmill_data,
    gatt.parse_battery_level,
]


@pytest.mark.parametrize(
    ("parser", "payload"),
    [
        (gatt.parse_heart_rate_measurement, b""),
        (gatt.parse_heart_rate_measurement, b"\x01\x48"),  # u16 HR cut short
        (gatt.parse_heart_rate_measurement, b"\x08\x48\x01"),  # energy cut short
        (gatt.parse_heart_rate_measurement, b"\x10\x48\x01\x02\x03"),  # odd RR bytes
        (gatt.parse_heart_rate_measurement, b"\x00\x48\x00"),  # trailing byte
        (gatt.parse_rsc_measurement, b"\x00\x00\x01"),
        (gatt.parse_rsc_measurement, b"\x03\x00\x01\x50\x01\x00"),
        (gatt.parse_rsc_feature, b"\x01"),
        (gatt.parse_treadmill_data, b"\x00"),
        (gatt.parse_treadmill_data, b"\x04\x00\x10\x00\x01"),
        (gatt.parse_treadmill_data, b"\x01\x00\x99"),
        (gatt.parse_battery_level, b""),
        (gatt.parse_battery_level, b"\x65"),
        (gatt.parse_battery_level, b"\x50\x00"),
    ],
)
def test_malformed_payloads_raise_gatt_parse_error(parser, payload: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GattParseError) as info:
        parser(payload)
    assert isinstance(info.value, StrideCheckError)
    assert info.value.payload == payload


@given(st.sampled_from(PARSERS), st.binary(max_size=40))
def test_random_bytes_never_raise_anything_else(parser, payload: bytes) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(GattParseError):
        parser(payload)


def test_device_information_errors() -> None:
    with pytest.raises(GattParseError):
        gatt.parse_device_information({0x2A29: b"\xff\xfe"})
    with pytest.raises(GattParseError):
        gatt.parse_device_information({0x2A23: b"\x01"})


def test_encoders_reject_out_of_range() -> None:
    with pytest.raises(ValueError, match="u8"):
        gatt.encode_rsc_measurement(RscMeasurement(1.0, 300))
    with pytest.raises(ValueError, match="together"):
        gatt.encode_treadmill_data(TreadmillData(inclination_pct=1.0))
    with pytest.raises(ValueError):
        gatt.encode_battery_level(101)
