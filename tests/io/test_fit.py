"""FIT activity reading: :mod:`stridecheck.io.fit` and :mod:`stridecheck.io.fit.sdk`.

Small FIT files are built here with ``garmin_fit_sdk.Encoder`` (physical values,
aware UTC datetimes; sub-field names are not understood by the Encoder, so the
main field is written). The corpus tests compare every decodable real file with
garmin-fit-sdk itself (and a few running files with fitparse).
"""

from __future__ import annotations

import datetime as dt
import gzip
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from conftest import assert_canonical, corpus_files
from stridecheck.activity import EVENT_COLUMNS, LAP_COLUMNS, SPLIT_COLUMNS, Activity
from stridecheck.errors import (
    EmptyActivityError,
    ErrorPolicy,
    FitCRCError,
    FitDecodeError,
    FitHeaderError,
    StrideCheckError,
    StrideCheckWarning,
)
from stridecheck.io import read
from stridecheck.io.fit import (
    STEP_SPORTS,
    STEP_SUB_SPORTS,
    activity_from_messages,
    parse_fit,
    read_fit,
)
from stridecheck.io.fit.messages import FitMessages, snake_case
from stridecheck.io.fit.scan import read_fit_header
from stridecheck.io.fit.sdk import decode_fit_sdk
from stridecheck.io.plausible import plausible_time_mask

START = dt.datetime(2024, 5, 4, 7, 30, tzinfo=dt.UTC)
SEMICIRCLE = 180.0 / 2**31
FR955 = next(k for k, v in Profile["types"]["garmin_product"].items() if v == "fr955")


# --------------------------------------------------------------------------- builders


def t(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


def file_id(file_type: str = "activity") -> dict[str, Any]:
    return {
        "mesg_num": 0,
        "type": file_type,
        "manufacturer": "garmin",
        "product": FR955,
        "serial_number": 3_456_789_012,
        "time_created": START,
    }


def record(i: int, **fields: Any) -> dict[str, Any]:
    """A record ``i`` seconds after START heading north at 2.5 m/s."""
    lat = 48.2 + i * 2.5 / 111_195.0
    out: dict[str, Any] = {
        "mesg_num": 20,
        "timestamp": t(i),
        "position_lat": round(lat / SEMICIRCLE),
        "position_long": round(16.37 / SEMICIRCLE),
        "distance": 2.5 * i,
        "heart_rate": 120 + i % 20,
    }
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


def timer(seconds: float, event_type: str) -> dict[str, Any]:
    return {"mesg_num": 21, "timestamp": t(seconds), "event": "timer", "event_type": event_type}


def session(start: float, end: float, sport: str = "running", **fields: Any) -> dict[str, Any]:
    return {
        "mesg_num": 18,
        "timestamp": t(end),
        "start_time": t(start),
        "total_elapsed_time": float(end - start),
        "total_timer_time": float(end - start),
        "sport": sport,
        "sub_sport": "generic",
        **fields,
    }


def encode(messages: list[dict[str, Any]], dev: dict[int, dict[str, Any]] | None = None) -> bytes:
    """Encode messages (``mesg_num`` plus profile field names) into FIT bytes."""
    encoder = Encoder()
    for key, desc in (dev or {}).items():
        encoder.write_mesg({"mesg_num": 207, **desc["developer_data_id_mesg"]})
        encoder.write_mesg({"mesg_num": 206, **desc["field_description_mesg"]})
        encoder.add_developer_field(
            key, desc["developer_data_id_mesg"], desc["field_description_mesg"]
        )
    for message in messages:
        encoder.write_mesg(message)
    return bytes(encoder.close())


def run_file(n: int = 60, sport: str = "running", **record_fields: Any) -> bytes:
    records = [record(i, **record_fields) for i in range(n)]
    return encode(
        [
            file_id(),
            timer(0, "start"),
            *records,
            timer(n - 1, "stop_all"),
            session(0, n - 1, sport),
        ]
    )


def parse(data: bytes, **kwargs: Any) -> Activity:
    """Parse through the reference decoder, so these tests pin the mapping itself."""
    msgs = decode_fit_sdk(data, errors=kwargs.get("errors", "raise"))
    return activity_from_messages(msgs, policy=kwargs.get("errors", "raise"), source_path=None)


# --------------------------------------------------------------------------- unit tests


def test_basic_record_mapping_and_meta() -> None:
    data = run_file(30, step_length=1200.0, power=250)
    activity = parse(data)
    assert_canonical(activity)
    s = activity.samples
    assert len(s) == 30
    assert s.index[0] == pd.Timestamp(START)
    assert s["lat_deg"].iloc[10] == pytest.approx(48.2 + 25 / 111_195.0, abs=1e-6)
    assert s["lon_deg"].iloc[0] == pytest.approx(16.37, abs=1e-6)
    assert s["distance_m"].iloc[-1] == pytest.approx(72.5)
    assert s["heart_rate_bpm"].iloc[3] == 123
    assert s["stride_length_m"].iloc[0] == pytest.approx(1.2)  # FIT step_length is mm
    assert s["power_w"].iloc[0] == 250
    meta = activity.meta
    assert (meta.source_format, meta.sport, meta.sub_sport) == ("fit", "running", "generic")
    assert (meta.manufacturer, meta.product, meta.serial_number) == (
        "garmin",
        "fr955",
        "3456789012",
    )
    assert meta.start_time == START
    assert meta.extra["file_type"] == "activity"
    assert meta.extra["n_sessions"] == 1
    assert meta.warnings == []


def test_parse_fit_adds_header_versions_and_read_fit(tmp_path: Path) -> None:
    data = run_file(10)
    activity = parse_fit(data)
    header = read_fit_header(data)
    assert header is not None
    assert activity.meta.extra["fit_protocol_version"] == header.protocol_version
    assert activity.meta.extra["fit_profile_version"] == header.profile_version
    path = tmp_path / "run.fit"
    path.write_bytes(data)
    assert read_fit(path).samples.equals(activity.samples)
    with pytest.raises(StrideCheckError, match="no such file"):
        read_fit(tmp_path / "missing.fit")


def test_running_cadence_doubled_with_fractional_cadence() -> None:
    activity = parse(run_file(10, cadence=85, fractional_cadence=0.5))
    assert activity.samples["cadence_spm"].iloc[0] == pytest.approx(171.0)
    assert "cadence_rpm" not in activity.samples


@pytest.mark.parametrize("sport", ["walking", "hiking"])
def test_walking_like_sports_doubled(sport: str) -> None:
    assert sport in STEP_SPORTS
    activity = parse(run_file(5, sport=sport, cadence=60))
    assert activity.samples["cadence_spm"].iloc[0] == 120.0


def test_treadmill_sub_sport_doubled() -> None:
    assert "treadmill" in STEP_SUB_SPORTS
    records = [record(i, cadence=80) for i in range(5)]
    data = encode([file_id(), *records, session(0, 4, "fitness_equipment", sub_sport="treadmill")])
    assert parse(data).samples["cadence_spm"].iloc[0] == 160.0


def test_cycling_cadence_kept_as_rpm_not_steps() -> None:
    activity = parse(run_file(10, sport="cycling", cadence=90))
    assert "cadence_spm" not in activity.samples
    assert activity.samples["cadence_rpm"].iloc[0] == 90.0
    assert_canonical(activity)


def test_timer_pause_marks_samples_not_running() -> None:
    records = [record(i) for i in range(60)]
    messages = [
        file_id(),
        timer(0, "start"),
        *records[:21],
        timer(20, "stop_all"),
        *records[21:40],
        timer(40, "start"),
        *records[40:],
        timer(59, "stop_disable_all"),
        session(0, 59),
    ]
    activity = parse(encode(messages))
    running = activity.samples["timer_running"]
    # boundary convention: the flag is the state from the sample on, so the sample at
    # the stop is False and the sample at the restart is True
    assert running.iloc[:20].all()
    assert not running.iloc[20:40].any()
    assert running.iloc[40:59].all()
    assert not running.iloc[59]
    # Activity.timer_s counts the steps that start at a running sample: 0-20 s, 40-59 s
    assert activity.timer_s == pytest.approx(39.0)
    assert activity.duration_s == 59.0
    events = activity.events
    assert list(events.columns) == list(EVENT_COLUMNS)
    assert list(events["event_type"]) == ["start", "stop_all", "start", "stop_disable_all"]


def test_samples_before_first_start_are_not_running() -> None:
    records = [record(i) for i in range(10)]
    activity = parse(encode([file_id(), *records[:3], timer(3, "start"), *records[3:]]))
    assert list(activity.samples["timer_running"].iloc[:4]) == [False, False, False, True]


def test_no_timer_events_means_running_throughout() -> None:
    activity = parse(encode([file_id(), *[record(i) for i in range(5)]]))
    assert activity.samples["timer_running"].all()


def test_enhanced_fields_used() -> None:
    records = [record(i, enhanced_speed=3.25, enhanced_altitude=4321.4) for i in range(5)]
    records.append(record(5, speed=2.0, altitude=100.0))
    activity = parse(encode([file_id(), *records]))
    s = activity.samples
    assert list(s["speed_mps"]) == [3.25] * 5 + [2.0]
    assert list(s["altitude_m"]) == [4321.4] * 5 + [100.0]
    assert activity.meta.speed_derived is False


def test_enhanced_fields_preferred_in_mapping() -> None:
    # garmin-fit-sdk expands speed into enhanced_speed, so real frames agree; the
    # preference only shows when they differ, as here
    times = pd.Series(pd.date_range(START, periods=3, freq="s"))
    frame = pd.DataFrame(
        {
            "_seq": pd.Series([0, 1, 2], dtype="int64"),
            "_file": pd.Series([0, 0, 0], dtype="int64"),
            "timestamp": times,
            "speed": [2.0, 2.0, 2.0],
            "enhanced_speed": [3.0, np.nan, 3.0],
            "altitude": [100.0, 100.0, np.nan],
            "enhanced_altitude": [4000.0, np.nan, np.nan],
        }
    )
    activity = activity_from_messages(
        FitMessages(frames={"record": frame}), policy="raise", source_path=None
    )
    assert list(activity.samples["speed_mps"]) == [3.0, 2.0, 3.0]
    assert activity.samples["altitude_m"].tolist()[:2] == [4000.0, 100.0]
    assert any("no file_id" in w for w in activity.meta.warnings)


def test_missing_speed_derived_from_positions_and_flagged() -> None:
    activity = parse(run_file(60, distance=None))
    s = activity.samples
    assert activity.meta.speed_derived is True
    assert s["speed_mps"].iloc[5:-5].to_numpy() == pytest.approx(2.5, rel=0.01)


def test_laps_with_workout_step_index() -> None:
    laps = [
        {
            "mesg_num": 19,
            "timestamp": t(end),
            "start_time": t(start),
            "total_elapsed_time": float(end - start),
            "total_timer_time": float(end - start),
            "total_distance": 2.5 * (end - start),
            "intensity": intensity,
            "lap_trigger": "time",
            "wkt_step_index": step,
        }
        for start, end, intensity, step in [(0, 15, "active", 1), (15, 59, "recovery", 2)]
    ]
    activity = parse(encode([file_id(), *[record(i) for i in range(60)], *laps]))
    lap = activity.laps
    assert list(lap.columns) == list(LAP_COLUMNS)
    assert list(lap["wkt_step_index"]) == [1, 2]
    assert list(lap["intensity"]) == ["active", "recovery"]
    assert list(lap["trigger"]) == ["time", "time"]
    assert list(lap["duration_s"]) == [15.0, 44.0]
    assert lap["start"].iloc[1] == pd.Timestamp(t(15))
    assert lap["end"].iloc[1] == pd.Timestamp(t(59))


def test_split_messages_run_walk_detection() -> None:
    splits = [
        {
            "mesg_num": 312,
            "split_type": kind,
            "start_time": t(start),
            "end_time": t(end),
            "total_elapsed_time": float(end - start),
            "total_timer_time": float(end - start),
            "total_distance": distance,
            "avg_speed": speed,
        }
        for kind, start, end, distance, speed in [
            ("rwd_run", 0, 30, 90.0, 3.0),
            ("rwd_walk", 30, 59, 43.5, 1.5),
        ]
    ]
    activity = parse(encode([file_id(), *[record(i) for i in range(60)], *splits]))
    sp = activity.device_splits
    assert list(sp.columns) == list(SPLIT_COLUMNS)
    assert list(sp["split_type"]) == ["rwd_run", "rwd_walk"]
    assert list(sp["avg_speed_mps"]) == [3.0, 1.5]
    assert list(sp["distance_m"]) == [90.0, 43.5]
    assert sp["end"].iloc[0] == pd.Timestamp(t(30))


def test_hrv_rr_intervals() -> None:
    messages: list[dict[str, Any]] = [file_id()]
    for i in range(4):
        messages.append(record(i))
        messages.append({"mesg_num": 78, "time": [0.5, 0.5]})
    messages.append({"mesg_num": 78, "time": [0.4, 65.535]})  # 0xFFFF: invalid
    activity = parse(encode(messages))
    rr = activity.rr_intervals
    assert rr is not None
    assert list(rr.columns) == ["time", "rr_s"]
    assert list(rr["rr_s"]) == [0.5] * 8 + [0.4]
    # beat times: running sum from the first record, never behind the preceding record
    expected = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.4]
    got = [(x - pd.Timestamp(START)).total_seconds() for x in rr["time"]]
    assert got == pytest.approx(expected)
    assert str(rr["time"].dt.tz) == "UTC"


def test_no_hrv_means_no_rr_intervals() -> None:
    assert parse(run_file(5)).rr_intervals is None


def test_developer_fields_become_dev_columns() -> None:
    dev = {
        0: {
            "developer_data_id_mesg": {
                "developer_data_index": 0,
                "application_id": list(range(16)),
            },
            "field_description_mesg": {
                "developer_data_index": 0,
                "field_definition_number": 3,
                "fit_base_type_id": 0x88,  # float32
                "field_name": "Leg Spring Stiffness",
                "units": "kN/m",
            },
        }
    }
    records = [{**record(i), "developer_fields": {0: 9.5 + i}} for i in range(5)]
    data = encode([file_id(), *records], dev=dev)
    msgs = decode_fit_sdk(data)
    field = msgs.developer_fields["dev_leg_spring_stiffness"]
    assert (field.name, field.units, field.field_definition_number) == (
        "Leg Spring Stiffness",
        "kN/m",
        3,
    )
    assert field.application_id == bytes(range(16)).hex()
    activity = activity_from_messages(msgs, policy="raise", source_path=None)
    assert list(activity.samples["dev_leg_spring_stiffness_kn_m"]) == [9.5, 10.5, 11.5, 12.5, 13.5]
    assert_canonical(activity)


def test_snake_case() -> None:
    assert snake_case("Leg Spring Stiffness") == "leg_spring_stiffness"
    assert snake_case("FormPower") == "form_power"
    assert snake_case("  ") == "field"


def test_several_sessions_multisport() -> None:
    run = [record(i, cadence=85) for i in range(30)]
    ride = [record(i, cadence=90) for i in range(40, 70)]
    messages = [
        file_id(),
        timer(0, "start"),
        *run,
        timer(29, "stop_all"),
        session(0, 29, "running"),
        timer(40, "start"),
        *ride,
        timer(69, "stop_all"),
        session(40, 69, "cycling"),
    ]
    activity = parse(encode(messages))
    s = activity.samples
    assert activity.meta.sport == "multisport"
    assert activity.meta.extra["n_sessions"] == 2
    assert [x["sport"] for x in activity.meta.extra["sessions"]] == ["running", "cycling"]
    assert (s["cadence_spm"].iloc[:30] == 170.0).all()
    assert s["cadence_spm"].iloc[30:].isna().all()
    assert (s["cadence_rpm"].iloc[30:] == 90.0).all()
    assert not s["timer_running"].iloc[29] and s["timer_running"].iloc[30]
    assert activity.timer_s == pytest.approx(58.0)  # the 11 s between sessions excluded


def test_workout_carried_in_activity() -> None:
    messages = [
        file_id(),
        {"mesg_num": 26, "wkt_name": "Run-walk 8x", "sport": "running", "num_valid_steps": 2},
        {
            "mesg_num": 27,
            "message_index": 0,
            "duration_type": "time",
            "duration_value": 15000,
            "intensity": "active",
        },
        {
            "mesg_num": 27,
            "message_index": 1,
            "duration_type": "time",
            "duration_value": 45000,
            "intensity": "recovery",
        },
        *[record(i) for i in range(5)],
    ]
    activity = parse(encode(messages))
    workout = activity.workout
    assert workout is not None
    assert workout.attrs["name"] == "Run-walk 8x"
    assert list(workout["intensity"]) == ["active", "recovery"]
    assert list(workout["duration_time"]) == [15.0, 45.0]  # the SDK's sub-field, seconds
    assert parse(run_file(5)).workout is None


def test_workout_file_rejected_but_decodable() -> None:
    data = encode(
        [
            file_id("workout"),
            {"mesg_num": 26, "wkt_name": "C25K W1", "sport": "running", "num_valid_steps": 1},
            {"mesg_num": 27, "message_index": 0, "duration_type": "time", "duration_value": 60000},
        ]
    )
    with pytest.raises(EmptyActivityError, match="FIT file of type workout holds no activity"):
        parse_fit(data, source_path="w.fit")
    msgs = decode_fit_sdk(data)
    assert msgs.frame("workout")["wkt_name"].tolist() == ["C25K W1"]
    assert msgs.frame("workout_step")["duration_time"].tolist() == [60.0]


def test_activity_without_records_rejected() -> None:
    data = encode([file_id(), session(0, 60)])
    with pytest.raises(EmptyActivityError, match=r"no record messages \(only session/lap"):
        parse_fit(data, source_path="x.fit")


def test_duplicate_timestamps_merged() -> None:
    messages = [
        file_id(),
        record(0),
        record(1, heart_rate=None),
        {"mesg_num": 20, "timestamp": t(1), "heart_rate": 99},
        record(2),
    ]
    activity = parse(encode(messages))
    s = activity.samples
    assert len(s) == 3
    assert s["heart_rate_bpm"].iloc[1] == 99
    assert s["distance_m"].iloc[1] == 2.5
    assert any("share a timestamp" in w for w in activity.meta.warnings)


def test_gzip_through_read(tmp_path: Path) -> None:
    path = tmp_path / "run.fit.gz"
    path.write_bytes(gzip.compress(run_file(20, cadence=80)))
    activity = read(path)
    assert activity.meta.container == "gzip"
    assert activity.meta.source_format == "fit"
    assert activity.samples["cadence_spm"].iloc[0] == 160.0
    assert len(activity.samples) == 20


# --------------------------------------------------------------------------- decoder


def test_fit_messages_conventions() -> None:
    data = run_file(10, cadence=80)
    msgs = decode_fit_sdk(data)
    rec = msgs.frame("record")
    assert rec["_seq"].dtype == "int64" and rec["_file"].dtype == "int64"
    assert rec["_seq"].is_monotonic_increasing
    assert str(rec["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert rec["heart_rate"].dtype == "float64"
    assert rec["position_lat"].dtype == "float64"  # semicircles as the SDK gives them
    assert msgs.frame("event")["event"].dtype == object
    assert msgs.frame("file_id")["garmin_product"].tolist() == ["fr955"]
    seqs = sorted(int(x) for f in msgs.frames.values() for x in f["_seq"])
    assert seqs == list(range(len(seqs)))
    assert msgs.n_files == 1 and msgs.profile_version


def test_chained_files() -> None:
    data = run_file(5) + run_file(7)
    msgs = decode_fit_sdk(data)
    assert msgs.n_files == 2
    assert msgs.frame("record")["_file"].tolist() == [0] * 5 + [1] * 7
    assert parse_fit(data).meta.extra["n_fit_files"] == 2


def test_not_fit_raises_header_error() -> None:
    with pytest.raises(FitHeaderError):
        decode_fit_sdk(b"<gpx></gpx>" * 3, source_path="x.gpx")


def _corrupt_crc(data: bytes) -> bytes:
    return data[:-2] + bytes([data[-2] ^ 0xFF, data[-1]])


def test_crc_error_policy() -> None:
    data = _corrupt_crc(run_file(10))
    with pytest.raises(FitCRCError):
        decode_fit_sdk(data, errors="raise")
    with pytest.warns(StrideCheckWarning, match="CRC"):
        activity = parse_fit(data, errors="warn")
    assert len(activity.samples) == 10
    assert any("CRC" in w for w in activity.meta.warnings)


def test_crc_error_in_first_of_chained_files_keeps_both() -> None:
    data = _corrupt_crc(run_file(5)) + run_file(7)
    msgs = decode_fit_sdk(data, errors="ignore")
    assert len(msgs.frame("record")) == 12
    assert len(msgs.warnings) == 1


def test_bad_header_crc() -> None:
    data = bytearray(run_file(5))
    data[12] ^= 0xFF
    with pytest.raises(FitCRCError, match="header CRC"):
        decode_fit_sdk(bytes(data), errors="raise")


def test_truncated_file_policy() -> None:
    data = run_file(30)
    cut = data[: len(data) // 2]
    with pytest.raises(FitDecodeError, match="truncated"):
        decode_fit_sdk(cut, errors="raise")
    msgs = decode_fit_sdk(cut, errors="ignore")
    assert 0 < len(msgs.frame("record")) < 30
    assert any("truncated" in w for w in msgs.warnings)


def test_trailing_junk_policy() -> None:
    data = run_file(5) + b"\x00" * 40
    with pytest.raises(FitHeaderError):
        decode_fit_sdk(data, errors="raise")
    msgs = decode_fit_sdk(data, errors="ignore")
    assert len(msgs.frame("record")) == 5


def test_compressed_timestamps_rejected_by_sdk_decoder() -> None:
    data = run_file(3)
    header = read_fit_header(data)
    assert header is not None
    body = data[header.header_size : len(data) - 2]
    # a compressed-timestamp header (bit 7) for local message 0, time offset 5
    with pytest.raises(FitDecodeError, match="compressed-timestamp"):
        decode_fit_sdk(_refit(body + bytes([0x80 | 5])), errors="ignore")


def _refit(body: bytes) -> bytes:
    from garmin_fit_sdk import CrcCalculator

    head = bytearray(14)
    head[0] = 14
    head[1] = 0x20
    head[2:4] = (21218).to_bytes(2, "little")
    head[4:8] = len(body).to_bytes(4, "little")
    head[8:12] = b".FIT"
    head[12:14] = CrcCalculator.calculate_crc(bytes(head[:12]), 0, 12).to_bytes(2, "little")
    out = bytes(head) + body
    return out + CrcCalculator.calculate_crc(out, 0, len(out)).to_bytes(2, "little")


def test_parse_fit_method_selects_the_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """``method="sdk"`` decodes with garmin-fit-sdk, ``"fast"`` (default) with ours: same data."""
    from stridecheck.io.fit import mapping

    data = run_file(5)
    expected = parse(data).samples
    used: list[str] = []

    def spy(name: str, decoder: Any) -> Any:
        def decode(*args: Any, **kwargs: Any) -> Any:
            used.append(name)
            return decoder(*args, **kwargs)

        return decode

    monkeypatch.setattr(mapping, "decode_fit", spy("fast", mapping.decode_fit))
    monkeypatch.setattr(mapping, "decode_fit_sdk", spy("sdk", mapping.decode_fit_sdk))
    assert mapping.decode_fit_sdk(data, errors=ErrorPolicy.RAISE).n_files == 1
    pd.testing.assert_frame_equal(parse_fit(data, method="sdk").samples, expected)
    pd.testing.assert_frame_equal(parse_fit(data, method="SDK").samples, expected)
    pd.testing.assert_frame_equal(parse_fit(data).samples, expected)
    assert used == ["sdk", "sdk", "sdk", "fast"]
    with pytest.raises(ValueError, match="method"):
        parse_fit(data, method="fitparse")


# --------------------------------------------------------------------------- corpus


def _manifest_row(manifest: list[dict[str, str]], relpath: Path) -> dict[str, str]:
    return next(r for r in manifest if r["path"] == relpath.as_posix())


def _quiet_read(path: Path) -> Activity | StrideCheckError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        try:
            return read(path, errors="warn")
        except StrideCheckError as exc:
            return exc


@pytest.mark.corpus
@pytest.mark.parametrize("relpath", corpus_files("fit"))
def test_corpus_fit_activity_or_clean_error(
    relpath: Path | None, corpus_dir: Path, manifest: list[dict[str, str]]
) -> None:
    assert relpath is not None
    row = _manifest_row(manifest, relpath)
    result = _quiet_read(corpus_dir / relpath)
    is_course = "course" in row["sport"]
    if (
        row["decodes_ok_garmin_sdk"] == "True"
        and int(row["records_or_points"] or 0)
        and (not is_course)
    ):
        # records need a timestamp to be samples (a pool swim over ANT-FS has none)
        if _sdk_timed_records(corpus_dir / relpath):
            assert isinstance(result, Activity), f"{relpath}: {result}"
        else:
            assert isinstance(result, EmptyActivityError), f"{relpath}: {result}"
            assert "none with a timestamp" in str(result)
    if isinstance(result, Activity):
        assert_canonical(result)
        assert len(result.samples) > 0
    else:
        assert isinstance(result, StrideCheckError)
        assert str(result).startswith(str(corpus_dir / relpath))


def _sdk_timed_records(path: Path) -> int:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    messages, _errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    return sum(
        isinstance(m.get("timestamp"), dt.datetime) for m in messages.get("record_mesgs", [])
    )


def _sdk_expected(data: bytes) -> pd.DataFrame:
    """Record values straight from garmin-fit-sdk, in our units, one row per timestamp."""
    messages, _errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    rows = []
    for m in messages.get("record_mesgs", []):
        ts = m.get("timestamp")
        if not isinstance(ts, dt.datetime):
            continue
        speed = m.get("enhanced_speed", m.get("speed"))
        lat, lon = m.get("position_lat"), m.get("position_long")
        if lat == 0 and lon == 0:
            lat = lon = None
        cadence = m.get("cadence")
        if cadence is not None:
            cadence = cadence + (m.get("fractional_cadence") or 0.0)
        rows.append(
            {
                "time": pd.Timestamp(ts),
                "heart_rate_bpm": m.get("heart_rate"),
                "speed_mps": speed,
                "lat_deg": None if lat is None else lat * SEMICIRCLE,
                "lon_deg": None if lon is None else lon * SEMICIRCLE,
                "cadence": cadence,
            }
        )
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).set_index("time").astype("float64")
    return frame.sort_index(kind="stable").groupby(level=0).last()


def _sdk_decodable_fit() -> list[Any]:
    from conftest import corpus_path, read_manifest

    manifest = corpus_path() / "manifest.csv"
    if not manifest.is_file():
        return corpus_files("fit")
    return [
        pytest.param(Path(r["path"]), id=r["path"])
        for r in read_manifest(manifest)
        if r["format"] == "fit"
        and r["decodes_ok_garmin_sdk"] == "True"
        and int(r["records_or_points"] or 0) > 0
        and "course" not in r["sport"]
    ]


def _assert_matches_sdk(activity: Activity, expected: pd.DataFrame, label: str) -> None:
    s = activity.samples
    assert s.index.equals(expected.index.as_unit("ns")), f"{label}: timestamps differ"
    for column in ("heart_rate_bpm", "speed_mps", "lat_deg", "lon_deg"):
        want = expected[column].to_numpy()
        got = s[column].to_numpy() if column in s else np.full(len(s), np.nan)
        if column == "speed_mps" and activity.meta.speed_derived:
            assert np.isnan(want).all(), label
            continue
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=f"{label} {column}")
    cadence = (
        np.where(np.isnan(s["cadence_spm"]), np.nan, s["cadence_spm"] / 2.0)
        if ("cadence_spm" in s)
        else np.full(len(s), np.nan)
    )
    if "cadence_rpm" in s:
        cadence = np.where(np.isnan(cadence), s["cadence_rpm"].to_numpy(), cadence)
    np.testing.assert_allclose(
        cadence, expected["cadence"].to_numpy(), rtol=1e-9, atol=1e-9, err_msg=f"{label} cadence"
    )


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("relpath", _sdk_decodable_fit())
def test_corpus_records_equal_garmin_sdk(relpath: Path | None, corpus_dir: Path) -> None:
    assert relpath is not None
    data = (corpus_dir / relpath).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    expected = _sdk_expected(data)
    if len(expected):  # the SDK's records less those dated implausibly (io/plausible.py)
        keep = plausible_time_mask(expected.index, path=None, policy="ignore", sink=None)
        expected = expected if keep is None else expected[keep]
    if len(expected) == 0:
        with pytest.raises(EmptyActivityError, match="none with a timestamp"):
            parse_fit(data, errors="ignore", source_path=str(relpath))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        reference = activity_from_messages(
            decode_fit_sdk(data, errors="ignore"), policy="ignore", source_path=str(relpath)
        )
        _assert_matches_sdk(reference, expected, f"{relpath} via decode_fit_sdk")
        production = parse_fit(data, errors="ignore", source_path=str(relpath))
    _assert_matches_sdk(production, expected, f"{relpath} via parse_fit")


FITPARSE_FILES = [
    "fit/activitylog2/310xt-run.fit",
    "fit/python-fitparse/activity-small-fenix2-run.fit",
    "fit/python-fitparse/garmin-fenix-5-run.fit",
    "fit/python-fitparse/garmin-fenix-5-walk.fit",
]


@pytest.mark.corpus
@pytest.mark.parametrize("relpath", FITPARSE_FILES)
def test_running_files_equal_fitparse(relpath: str, corpus_dir: Path) -> None:
    fitparse = pytest.importorskip("fitparse")
    path = corpus_dir / relpath
    rows = []
    for message in fitparse.FitFile(str(path)).get_messages("record"):
        values = message.get_values()
        ts = values.get("timestamp")
        if ts is None:
            continue
        lat, lon = values.get("position_lat"), values.get("position_long")
        cadence = values.get("cadence")
        frac = values.get("fractional_cadence")
        rows.append(
            {
                "time": pd.Timestamp(ts, tz="UTC"),
                "heart_rate_bpm": values.get("heart_rate"),
                "speed_mps": values.get("enhanced_speed", values.get("speed")),
                "lat_deg": None if lat is None else lat * SEMICIRCLE,
                "lon_deg": None if lon is None else lon * SEMICIRCLE,
                "cadence_spm": None if cadence is None else 2.0 * (cadence + (frac or 0.0)),
            }
        )
    expected = pd.DataFrame(rows).set_index("time").astype("float64").groupby(level=0).last()
    activity = read_fit(path, errors="ignore")
    s = activity.samples
    assert s.index.equals(expected.index.as_unit("ns"))
    for column in expected.columns:
        np.testing.assert_allclose(
            s[column].to_numpy(),
            expected[column].to_numpy(),
            rtol=1e-6,
            atol=1e-6,
            err_msg=column,
        )


@pytest.mark.corpus
def test_corpus_summary(corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Imported / rejected counts over the FIT corpus (printed for the record)."""
    import corpus_report

    summary = corpus_report.summarise(corpus_dir)
    with capsys.disabled():
        print()
        print(corpus_report.format_summary(summary))
    assert summary.imported > 0
    assert summary.imported + sum(summary.rejected.values()) == summary.total
    assert not math.isnan(summary.imported)
