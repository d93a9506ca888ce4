"""FIT activity writer: round trips through garmin-fit-sdk, fitparse and stridecheck.read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from garmin_fit_sdk import Decoder, Stream

import stridecheck
from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.io.fit_write import PRODUCT_ID, write_fit
from stridecheck.simulate import simulate_session

PLAN = [("walk", 120), *[("run", 30), ("walk", 60)] * 3, ("walk", 60)]
SEMICIRCLE_DEG = 180.0 / 2**31


def decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """Decode with the official SDK, checking integrity first."""
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(
        merge_heart_rates=False
    )
    assert errors == []
    return messages


@pytest.fixture(scope="module")
def watch_session() -> Any:
    return simulate_session(PLAN, sensors="watch", deviations=["timer_pause"], random_state=5)


def test_sdk_round_trip_of_records(watch_session: Any) -> None:
    activity = watch_session.activity
    msgs = decode(write_fit(activity))
    records = pd.DataFrame(msgs["record_mesgs"])
    smp = activity.samples
    assert len(records) == len(smp)
    assert (pd.DatetimeIndex(records["timestamp"]) == smp.index).all()
    assert np.allclose(records["position_lat"] * SEMICIRCLE_DEG, smp["lat_deg"], atol=1e-7)
    assert np.allclose(records["position_long"] * SEMICIRCLE_DEG, smp["lon_deg"], atol=1e-7)
    assert np.allclose(records["distance"], smp["distance_m"], atol=0.005 + 1e-9)
    assert np.allclose(records["enhanced_speed"], smp["speed_mps"], atol=0.0005 + 1e-9)
    assert np.allclose(records["enhanced_altitude"], smp["altitude_m"], atol=0.1 + 1e-9)
    assert (records["heart_rate"].to_numpy() == smp["heart_rate_bpm"].to_numpy()).all()
    spm = 2 * (records["cadence"] + records["fractional_cadence"])
    assert np.allclose(spm, smp["cadence_spm"], atol=1 / 128 + 1e-9)


def test_sdk_round_trip_of_file_structure(watch_session: Any) -> None:
    activity = watch_session.activity
    msgs = decode(write_fit(activity))
    file_id = msgs["file_id_mesgs"][0]
    assert file_id["type"] == "activity"
    assert file_id["manufacturer"] == "development"
    assert file_id["product"] == PRODUCT_ID
    assert msgs["device_info_mesgs"][0]["product_name"] == "stridecheck"
    events = [(e["event"], e["event_type"]) for e in msgs["event_mesgs"]]
    assert events == [
        ("timer", "start"),
        ("timer", "stop_all"),
        ("timer", "start"),
        ("timer", "stop_all"),
    ]
    laps = msgs["lap_mesgs"]
    assert len(laps) == len(activity.laps) >= 1
    session = msgs["session_mesgs"][0]
    assert session["sport"] == "running"
    assert session["num_laps"] == len(laps)
    assert session["total_elapsed_time"] == pytest.approx(activity.duration_s)
    assert session["total_timer_time"] == pytest.approx(activity.timer_s)
    assert session["total_timer_time"] < session["total_elapsed_time"] - 25  # the pause
    assert session["total_distance"] == pytest.approx(activity.distance_m, abs=0.01)
    assert sum(lap["total_distance"] for lap in laps) == pytest.approx(
        activity.distance_m, abs=0.05
    )
    assert msgs["activity_mesgs"][0]["num_sessions"] == 1


def test_single_lap_when_asked_or_without_laps(watch_session: Any) -> None:
    msgs = decode(write_fit(watch_session.activity, laps=False))
    assert len(msgs["lap_mesgs"]) == 1
    assert msgs["lap_mesgs"][0]["lap_trigger"] == "session_end"


def test_writes_the_file_and_returns_its_bytes(tmp_path: Path, watch_session: Any) -> None:
    path = tmp_path / "a.fit"
    data = write_fit(watch_session.activity, path)
    assert path.read_bytes() == data
    assert data[8:12] == b".FIT"


@pytest.mark.parametrize(
    ("sensors", "deviations"),
    [
        ("watch", ["timer_pause", "traffic_stops"]),
        ("watch_smart", ["timer_pause"]),
        ("wrist_dropouts", []),
        ("treadmill_footpod", ["late_start"]),
        ("phone_gpx", []),
    ],
)
def test_round_trip_through_stridecheck_read(sensors: str, deviations: list[str]) -> None:
    original = simulate_session(PLAN, sensors=sensors, deviations=deviations).activity
    back = stridecheck.read(write_fit(original), errors="raise")
    a, b = original.samples, back.samples
    assert b.index.equals(a.index)
    assert back.meta.sport == "running"
    assert back.meta.sub_sport == original.meta.sub_sport
    tolerance = {
        "elapsed_s": 0.0,
        "distance_m": 0.005,
        "speed_mps": 0.0005,
        "lat_deg": 1e-7,
        "lon_deg": 1e-7,
        "altitude_m": 0.1,
        "heart_rate_bpm": 0.0,
        "cadence_spm": 1 / 128,
        "stride_length_m": 0.00005,
    }
    for col, tol in tolerance.items():
        if col not in a:
            assert col not in b or b[col].isna().all(), col
            continue
        assert (a[col].isna() == b[col].isna()).all(), col
        ok = a[col].notna()
        assert np.allclose(a.loc[ok, col], b.loc[ok, col], atol=tol + 1e-9), col
    assert (a["timer_running"] == b["timer_running"]).all()
    assert back.timer_s == pytest.approx(original.timer_s)


def _activity(values: dict[str, list[float]], start: str = "2026-01-05T07:00:00Z") -> Activity:
    n = len(next(iter(values.values())))
    index = pd.date_range(start, periods=n, freq="1s", name="time")
    return Activity(
        samples=finalize_samples(pd.DataFrame(values, index=index)),
        meta=ActivityMeta(source_format="simulated"),
    )


def test_out_of_range_values_are_clamped_not_masked() -> None:
    act = _activity(
        {
            "heart_rate_bpm": [300.0, -5.0, np.nan],
            "speed_mps": [-1.0, 2.0, 5000.0],
            "altitude_m": [-800.0, 10.0, 20.0],
            "cadence_spm": [600.0, 150.0, -3.0],
            "power_w": [250.0, 1e6, np.nan],
            "stride_length_m": [1.1, np.nan, 0.0],
        }
    )
    records = decode(write_fit(act))["record_mesgs"]
    assert [r.get("heart_rate") for r in records] == [254, 0, None]
    assert [r["enhanced_speed"] for r in records] == [0.0, 2.0, 1000.0]
    assert records[0]["enhanced_altitude"] == pytest.approx(-500.0)
    assert records[0]["cadence"] == 254
    assert records[1]["cadence"] == 75
    assert records[1]["fractional_cadence"] == 0.0
    assert records[2]["cadence"] == 0
    assert [r.get("power") for r in records] == [250, 65534, None]
    assert records[0]["step_length"] == pytest.approx(1100.0)


def test_positions_out_of_range_are_left_out() -> None:
    act = _activity({"lat_deg": [48.2, 95.0, np.nan], "lon_deg": [16.3, 16.3, 16.3]})
    records = decode(write_fit(act))["record_mesgs"]
    assert records[0]["position_lat"] * SEMICIRCLE_DEG == pytest.approx(48.2, abs=1e-7)
    assert "position_lat" not in records[1]
    assert "position_lat" not in records[2]


def test_rr_intervals_become_hrv_messages() -> None:
    act = _activity({"heart_rate_bpm": [60.0] * 20})
    beats = pd.date_range("2026-01-05T07:00:00Z", periods=17, freq="1s")
    rr = np.round(np.linspace(0.8, 1.2, 17), 3)
    act.rr_intervals = pd.DataFrame({"time": beats, "rr_s": rr})
    msgs = decode(write_fit(act))
    written = [v for m in msgs["hrv_mesgs"] for v in m["time"]]
    assert np.allclose(written, rr, atol=0.0005)
    assert len(msgs["hrv_mesgs"]) == 4
    back = stridecheck.read(write_fit(act), errors="raise")
    assert back.rr_intervals is not None
    assert np.allclose(back.rr_intervals["rr_s"], rr, atol=0.0005)


def test_bad_activities_are_rejected() -> None:
    empty = Activity(
        samples=finalize_samples(pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC"))),
        meta=ActivityMeta(source_format="simulated"),
    )
    with pytest.raises(ValueError, match="without samples"):
        write_fit(empty)
    naive = pd.DataFrame(
        {"speed_mps": [1.0, 2.0]}, index=pd.date_range("2026-01-05", periods=2, freq="1s")
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        write_fit(Activity(samples=naive, meta=ActivityMeta(source_format="simulated")))
    sub_second = _activity({"speed_mps": [1.0, 2.0, 3.0]})
    sub_second.samples.index = pd.DatetimeIndex(
        ["2026-01-05T07:00:00Z", "2026-01-05T07:00:00.4Z", "2026-01-05T07:00:01Z"], name="time"
    )
    with pytest.raises(ValueError, match="same second"):
        write_fit(sub_second)


def test_fitparse_reads_the_file_too(watch_session: Any) -> None:
    fitparse = pytest.importorskip("fitparse")
    fit = fitparse.FitFile(write_fit(watch_session.activity), check_crc=True)
    records = list(fit.get_messages("record"))
    assert len(records) == len(watch_session.activity.samples)


def _footpod_activity() -> Activity:
    session = simulate_session(PLAN, sensors="treadmill_footpod", random_state=3)
    activity = session.activity
    samples = activity.samples.copy()
    running = (samples["cadence_spm"] > 140).astype(float)
    running.iloc[5:8] = np.nan
    samples["rsc_running"] = running
    meta = activity.meta
    meta.extra["sensors"] = {
        "footpod": {
            "name": "Stryd 4711",
            "manufacturer": "Stryd",
            "model": "Stryd Next Gen",
            "serial_number": "12345",
            "battery_pct": 87,
        },
        "hr": {"name": "Polar H10 1234", "manufacturer": "Polar Electro Oy", "battery_pct": 100},
        "treadmill": {"name": "TREADMILL-01", "serial_number": "A-77"},
    }
    return Activity(samples=samples, meta=meta)


def test_live_sensors_become_device_info_messages() -> None:
    msgs = decode(write_fit(_footpod_activity()))
    devices = {d["device_index"]: d for d in msgs["device_info_mesgs"]}
    assert devices["creator"]["product_name"] == "stridecheck"
    by_descriptor = {d["descriptor"]: d for d in msgs["device_info_mesgs"] if "descriptor" in d}
    assert set(by_descriptor) == {"footpod", "hr", "treadmill"}
    footpod, hr, treadmill = (by_descriptor[k] for k in ("footpod", "hr", "treadmill"))
    assert footpod["source_type"] == hr["source_type"] == "bluetooth_low_energy"
    assert footpod["ble_device_type"] == "footpod"
    assert footpod["manufacturer"] == "stryd"
    assert footpod["product_name"] == "Stryd Next Gen"
    assert footpod["serial_number"] == 12345
    assert footpod["battery_level"] == 87
    assert hr["ble_device_type"] == "heart_rate"
    assert hr["manufacturer"] == "polar_electro"  # longest profile name that leads the string
    assert hr["product_name"] == "Polar H10 1234"  # no model string: the advertised name
    # no FIT device type for a fitness machine, no numeric serial, unknown maker: left out
    assert "ble_device_type" not in treadmill and "serial_number" not in treadmill
    assert "manufacturer" not in treadmill


def test_rsc_running_bit_is_a_developer_field() -> None:
    activity = _footpod_activity()
    msgs = decode(write_fit(activity))
    (description,) = msgs["field_description_mesgs"]
    assert description["field_name"] == "rsc_running"
    assert description["fit_base_type_id"] == 2  # uint8
    (developer,) = msgs["developer_data_id_mesgs"]
    assert developer["developer_data_index"] == 0
    values = [r.get("developer_fields", {}).get(0) for r in msgs["record_mesgs"]]
    expected = activity.samples["rsc_running"].to_numpy()
    assert len(values) == len(expected)
    for got, want in zip(values, expected, strict=True):
        assert got == (255 if np.isnan(want) else int(want))  # the SDK leaves invalids raw


def test_no_developer_field_without_the_bit(watch_session: Any) -> None:
    msgs = decode(write_fit(watch_session.activity))
    assert "field_description_mesgs" not in msgs or msgs["field_description_mesgs"] == []
    assert all("descriptor" not in d for d in msgs["device_info_mesgs"])
