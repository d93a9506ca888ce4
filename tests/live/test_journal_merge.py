"""Journal files (including crash leftovers) and the stream merge, without any radio."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stridecheck.errors import EmptyActivityError, InputError, StrideCheckError
from stridecheck.live import gatt
from stridecheck.live.journal import JournalWriter, read_journal
from stridecheck.live.merge import activity_from_journal
from stridecheck.live.profiles import load_profiles

START = dt.datetime(2026, 1, 5, 7, 0, tzinfo=dt.UTC)


def _writer(path: Path, **kwargs: object) -> JournalWriter:
    return JournalWriter(path, START, {"hr": "AA:BB:CC:DD:EE:FF"}, {"program": "p"}, **kwargs)  # type: ignore[arg-type]


def test_writer_batches_and_reader_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "a.journal"
    w = _writer(path, batch_size=3, fsync_interval_s=0)
    w.add_event(0.01, "hr", "sensor", {"name": "SC-HR 1"})
    w.add_notification(0.5, "hr", b"\x10\x4a\x61\x03")
    assert w.pending == 2  # not yet written
    assert path.read_text().count("\n") == 1  # the header only
    w.add_notification(1.5, "hr", b"\x00\x4b")
    assert w.pending == 0  # batch full: flushed
    w.add_event(2.0, "", "stopped")
    w.close()
    w.close()
    j = read_journal(path)
    assert j.start_time == START
    assert j.sensors == {"hr": "AA:BB:CC:DD:EE:FF"}
    assert j.meta == {"program": "p"}
    assert [n.payload for n in j.notifications] == [b"\x10\x4a\x61\x03", b"\x00\x4b"]
    assert [e.event for e in j.events] == ["sensor", "stopped"]
    assert j.stopped_cleanly and not j.problems
    with pytest.raises(InputError, match="cannot create"):
        _writer(path)  # never overwrites
    with pytest.raises(ValueError):
        w.flush()


def test_reader_tolerates_a_cut_off_last_line(tmp_path: Path) -> None:
    path = tmp_path / "b.journal"
    w = _writer(path)
    for i in range(5):
        w.add_notification(i + 0.5, "hr", bytes([0, 60 + i]))
    w.flush()
    with path.open("a") as f:
        f.write('{"k":"n","t":5.5,"s":"hr","p":"00')  # what SIGKILL mid-write leaves
    j = read_journal(path)
    assert len(j.notifications) == 5
    assert j.problems and "cut off" in j.problems[0]
    activity = activity_from_journal(j, load_profiles(use_env=False))
    assert activity.samples["heart_rate_bpm"].tolist() == [60, 61, 62, 63, 64]
    assert any("crash" in w for w in activity.meta.warnings)
    assert any("cut off" in w for w in activity.meta.warnings)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", "empty"),
        ("nonsense\n", "header"),
        ('{"format": "other"}\n', "not a stridecheck journal"),
        ('{"format": "stridecheck-live-journal", "version": 9}\n', "version"),
        ('{"format": "stridecheck-live-journal", "version": 1, "start_time": "x"}\n', "start"),
        (
            '{"format": "stridecheck-live-journal", "version": 1, '
            '"start_time": "2026-01-05T07:00:00"}\n',
            "time zone",
        ),
    ],
)
def test_bad_journals(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "bad.journal"
    path.write_text(content)
    with pytest.raises(InputError, match=match):
        read_journal(path)
    with pytest.raises(InputError, match="cannot read"):
        read_journal(tmp_path / "absent")


def _journal(tmp_path: Path, records: list[dict[str, object]]) -> Path:
    path = tmp_path / "m.journal"
    header = {
        "k": "h",
        "format": "stridecheck-live-journal",
        "version": 1,
        "start_time": START.isoformat(),
        "sensors": {},
        "meta": {},
    }
    path.write_text("\n".join(json.dumps(r) for r in [header, *records]) + "\n")
    return path


def _n(t: float, role: str, payload: bytes) -> dict[str, object]:
    return {"k": "n", "t": t, "s": role, "p": payload.hex()}


def test_merge_bins_means_sources_and_running_totals(tmp_path: Path) -> None:
    pod = {
        "k": "e",
        "t": 0.0,
        "s": "footpod",
        "e": "sensor",
        "d": {"name": "Stryd", "rsc_feature": 0b111},
    }
    rsc = [
        # t, speed, cadence (strides: a Stryd-like "auto" pod), total distance
        (0.2, 3.0, 80, 1000.0),
        (0.7, 3.2, 82, 1001.0),
        (1.5, 3.0, 80, 1004.0),
        (2.5, 3.0, 80, 2.0),  # the pod reset its total: continue from the last value
        (3.5, 3.0, 80, 5.0),
    ]
    records: list[dict[str, object]] = [pod]
    for t, v, c, d in rsc:
        payload = gatt.encode_rsc_measurement(gatt.RscMeasurement(v, c, 1.1, d, running=True))
        records.append(_n(t, "footpod", payload))
    records += [
        _n(0.4, "hr", gatt.encode_heart_rate_measurement(gatt.HeartRateMeasurement(100))),
        _n(0.9, "hr", gatt.encode_heart_rate_measurement(gatt.HeartRateMeasurement(102))),
        _n(1.9, "zzz", b"\x00"),
    ]
    j = read_journal(_journal(tmp_path, records))
    a = activity_from_journal(j, load_profiles(use_env=False))
    s = a.samples
    assert s["heart_rate_bpm"].iloc[0] == 101.0  # mean of the bin
    assert s["speed_mps"].iloc[0] == pytest.approx(3.1, abs=1 / 256)
    assert a.meta.extra["cadence_factor"] == 2.0  # auto: 80/min at 3 m/s is strides
    assert s["cadence_spm"].iloc[0] == 162.0
    assert s["stride_length_m"].iloc[0] == pytest.approx(0.55)
    assert s["distance_m"].tolist() == [1.0, 4.0, 6.0, 9.0]
    assert s["rsc_running"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert a.meta.extra["malformed_notifications"] == {"zzz": 1}
    assert any("strides/min" in w for w in a.meta.warnings)


def test_merge_integrates_speed_without_distance_and_keeps_rr(tmp_path: Path) -> None:
    records = [
        _n(t + 0.5, "treadmill", gatt.encode_treadmill_data(gatt.TreadmillData(speed_kmh=7.2)))
        for t in range(4)
    ] + [
        _n(
            2.5,
            "hr",
            gatt.encode_heart_rate_measurement(
                gatt.HeartRateMeasurement(120, rr_intervals_s=(0.5, 0.5))
            ),
        )
    ]
    a = activity_from_journal(read_journal(_journal(tmp_path, records)))
    assert a.samples["distance_m"].tolist() == [0.0, 2.0, 4.0, 6.0]
    assert any("integrated" in w for w in a.meta.warnings)
    assert a.meta.sub_sport == "treadmill"
    rr = a.rr_intervals
    assert rr is not None
    assert rr["rr_s"].tolist() == [0.5, 0.5]
    offsets = (rr["time"] - pd.Timestamp(START)).dt.total_seconds().tolist()
    assert offsets == [2.0, 2.5]  # the last beat ends at the notification


def test_gaps_become_events_and_empty_journals_fail(tmp_path: Path) -> None:
    hr = gatt.encode_heart_rate_measurement(gatt.HeartRateMeasurement(90))
    records = [
        _n(0.5, "hr", hr),
        {"k": "e", "t": 1.1, "s": "hr", "e": "disconnected"},
        {"k": "e", "t": 1.5, "s": "hr", "e": "connect_failed", "d": {"reason": "BleakError: x"}},
        {"k": "e", "t": 3.0, "s": "hr", "e": "connected"},
        _n(3.5, "hr", hr),
        {"k": "e", "t": 4.0, "s": "hr", "e": "disconnected"},
    ]
    a = activity_from_journal(read_journal(_journal(tmp_path, records)))
    assert a.meta.extra["link_gaps"] == [
        {"sensor": "hr", "lost_s": 1.1, "restored_s": 3.0},
        {"sensor": "hr", "lost_s": 4.0, "restored_s": None},
    ]
    assert list(a.events["event_type"]) == ["lost", "restored", "lost"]
    assert "hr: 1 failed connection attempt(s), last: BleakError: x" in a.meta.warnings
    assert np.isclose(a.samples["elapsed_s"].iloc[-1], 3.0)
    with pytest.raises(EmptyActivityError):
        activity_from_journal(read_journal(_journal(tmp_path, [_n(0.5, "hr", b"")])))


def test_analysis_code_never_imports_bleak_or_bumble() -> None:
    code = (
        "import sys, importlib, pkgutil, stridecheck\n"
        "skip = ('stridecheck.live.', 'stridecheck.cli.record', 'stridecheck.cli.devices')\n"
        "for m in pkgutil.walk_packages(stridecheck.__path__, 'stridecheck.'):\n"
        "    if not m.name.startswith(skip):\n"
        "        importlib.import_module(m.name)\n"
        "for m in ('stridecheck.live', 'stridecheck.live.gatt', 'stridecheck.live.profiles',\n"
        "          'stridecheck.live.journal', 'stridecheck.live.merge',\n"
        "          'stridecheck.live.backends', 'stridecheck.live.cues',\n"
        "          'stridecheck.live.display'):\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('bleak', 'bumble'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-5, 600, allow_nan=False),
            st.sampled_from(["hr", "footpod", "treadmill", "other"]),
            st.binary(max_size=24),
        ),
        max_size=40,
    )
)
def test_any_notifications_give_an_activity_or_a_stridecheck_error(
    tmp_path_factory: pytest.TempPathFactory, notes: list[tuple[float, str, bytes]]
) -> None:
    folder = tmp_path_factory.mktemp("j")
    journal = read_journal(_journal(folder, [_n(t, role, p) for t, role, p in notes]))
    try:
        activity = activity_from_journal(journal, load_profiles(use_env=False))
    except StrideCheckError:
        return
    assert activity.samples.index.is_monotonic_increasing
    assert activity.samples["elapsed_s"].iloc[0] == 0.0


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_read_as_a_journal_or_input_error(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    path = tmp_path_factory.mktemp("b") / "x.journal"
    header = (
        b'{"k":"h","format":"stridecheck-live-journal","version":1,'
        b'"start_time":"2026-01-05T07:00:00+00:00"}\n'
    )
    for data in (content, header + content):
        path.write_bytes(data)
        with contextlib.suppress(InputError):
            read_journal(path)
