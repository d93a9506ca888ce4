"""The recorder end to end, hardware-free: virtual sensors -> bleak -> journal -> activity."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("bumble")
pytest.importorskip("bleak")

import stridecheck
from stridecheck.activity import Activity
from stridecheck.io.fit_write import write_fit
from stridecheck.live.backends.bumble_backend import bumble_backend
from stridecheck.live.journal import read_journal
from stridecheck.live.merge import activity_from_journal
from stridecheck.live.recorder import (
    Recorder,
    RecorderSettings,
    RecordingResult,
    SensorRequest,
)
from stridecheck.live.replay import VIRTUAL_ADDRESSES, replay_session, virtual_sensor
from stridecheck.live.virtual import VirtualFootpod, VirtualLink
from stridecheck.simulate import simulate_session

Run = Callable[[Coroutine[Any, Any, Any]], Any]

PLAN = [("walk", 60), ("run", 60), ("walk", 60), ("run", 60), ("walk", 60)]


@pytest.fixture(scope="module")
def source() -> Activity:
    return simulate_session(PLAN, sensors="treadmill_footpod", random_state=7).activity


def _compare(source: Activity, recorded: Activity) -> dict[str, float]:
    joined = source.samples.join(recorded.samples, how="inner", suffixes=("", "_rec"))
    out = {"rows": float(len(joined))}
    for col in ("heart_rate_bpm", "speed_mps", "cadence_spm", "distance_m", "stride_length_m"):
        out[col] = float(np.nanmax(np.abs(joined[col] - joined[f"{col}_rec"])))
    return out


def test_replayed_session_matches_source_and_fit_reads_back(
    run_fast: Run, source: Activity, tmp_path: Path
) -> None:
    result: RecordingResult = run_fast(
        replay_session(source, tmp_path / "s.journal", roles=["hr", "footpod", "treadmill"])
    )
    recorded = result.activity
    assert len(recorded.samples) == len(source.samples)
    assert recorded.start_time == source.start_time
    diff = _compare(source, recorded)
    assert diff["rows"] == len(source.samples)
    assert diff["heart_rate_bpm"] == 0
    assert diff["speed_mps"] <= 0.01 / 3.6 / 2 + 1e-9  # treadmill: 0.01 km/h
    assert diff["cadence_spm"] <= 0.5  # RSC: whole steps/min
    assert diff["distance_m"] < 1.0  # FTMS: whole metres
    assert diff["stride_length_m"] <= 0.005 + 1e-9  # RSC: 1 cm
    assert recorded.meta.sub_sport == "treadmill"
    assert set(recorded.samples["rsc_running"].unique()) == {0.0, 1.0}
    assert recorded.rr_intervals is not None and len(recorded.rr_intervals) > 400
    assert recorded.meta.extra["malformed_notifications"] == {}
    assert recorded.meta.extra["link_gaps"] == []
    assert recorded.meta.extra["sensors"]["footpod"]["profile"] == "stridecheck-virtual-footpod"

    out = tmp_path / "s.fit"
    write_fit(recorded, out)
    back = stridecheck.read(out)
    diff = _compare(source, back)
    assert diff["rows"] == len(source.samples)
    assert diff["heart_rate_bpm"] == 0
    assert diff["speed_mps"] <= 0.01 / 3.6 / 2 + 0.0005 + 1e-9
    assert diff["cadence_spm"] <= 0.5 + 1 / 64
    assert diff["distance_m"] < 1.01
    assert back.rr_intervals is not None
    assert len(back.rr_intervals) == len(recorded.rr_intervals)


def test_stride_counting_pod_is_doubled_by_its_profile(
    run_fast: Run, source: Activity, tmp_path: Path
) -> None:
    async def scenario() -> RecordingResult:
        link = VirtualLink()
        pod = await link.add(
            VirtualFootpod("SC-STRIDEPOD 1", "F0:5C:00:00:00:12", report_strides=True)
        )
        recorder = Recorder(
            [SensorRequest("footpod", "sc-stridepod")],  # found by name, by scanning
            tmp_path / "p.journal",
            backend=bumble_backend(link),
            start_time=source.start_time.to_pydatetime(),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(recorder.run(stop))
        await pod.subscribed.wait()
        await pod.replay(source.samples.iloc[:120], epoch=recorder.origin, wait_subscribed=False)
        await asyncio.sleep(1.5)
        stop.set()
        result: RecordingResult = await task
        await link.close()
        return result

    recorded = run_fast(scenario()).activity
    joined = source.samples.join(recorded.samples, how="inner", suffixes=("", "_rec"))
    assert len(joined) == 120
    # Strides reported as whole numbers, doubled: within 1 step/min of the truth.
    assert np.nanmax(np.abs(joined["cadence_spm"] - joined["cadence_spm_rec"])) <= 1.0
    assert (
        recorded.meta.extra["sensors"]["footpod"]["profile"]
        == "stridecheck-virtual-stride-footpod"
    )
    assert recorded.meta.extra["cadence_factor"] == 2.0
    # The profile says this pod's walking/running bit is meaningless.
    assert "rsc_running" not in recorded.samples


def test_link_dropped_twice_reconnects_without_losing_samples(
    run_fast: Run, source: Activity, tmp_path: Path
) -> None:
    drops = {"footpod": 100.2, "hr": 200.2}

    async def scenario() -> tuple[RecordingResult, dict[str, int]]:
        link = VirtualLink()
        sensors = {role: await link.add(virtual_sensor(role)) for role in ("hr", "footpod")}
        recorder = Recorder(
            [SensorRequest(role, VIRTUAL_ADDRESSES[role]) for role in sensors],
            tmp_path / "d.journal",
            backend=bumble_backend(link),
            start_time=source.start_time.to_pydatetime(),
            settings=RecorderSettings(batch_size=4),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(recorder.run(stop))
        await asyncio.gather(*(s.subscribed.wait() for s in sensors.values()))
        replays = asyncio.gather(
            *(
                s.replay(source.samples, epoch=recorder.origin, wait_subscribed=False)
                for s in sensors.values()
            )
        )
        loop = asyncio.get_running_loop()
        for role, at in sorted(drops.items(), key=lambda kv: kv[1]):
            await asyncio.sleep(recorder.origin + at - loop.time())
            await sensors[role].drop_link(down_s=1.0)
        delivered = await replays
        await asyncio.sleep(1.5)
        stop.set()
        result: RecordingResult = await task
        await link.close()
        return result, dict(zip(sensors, delivered, strict=True))

    result, delivered = run_fast(scenario())
    recorded = result.activity
    journal = read_journal(result.journal_path)
    for role in ("hr", "footpod"):
        # Every notification a sensor delivered while connected is in the journal.
        assert sum(n.role == role for n in journal.notifications) == delivered[role]
        assert result.states[role].reconnects == 1
    gaps = recorded.meta.extra["link_gaps"]
    assert [g["sensor"] for g in gaps] == ["footpod", "hr"]
    column = {"hr": "heart_rate_bpm", "footpod": "cadence_spm"}
    elapsed = recorded.samples["elapsed_s"]
    for role, at in drops.items():
        seconds = elapsed[recorded.samples[column[role]].notna()].to_numpy()
        before = seconds[seconds < at - 0.5]
        assert np.array_equal(before, np.arange(int(at - 0.5) + 1)), role  # nothing lost
        after = seconds[seconds > at]
        assert after[0] - before[-1] <= 3.0, role  # gap at most 3 s
    events = recorded.events
    assert list(events["event_type"]) == ["lost", "restored", "lost", "restored"]
    assert any("link lost" in w for w in recorded.meta.warnings)


def test_malformed_notifications_are_counted_and_skipped(
    run_fast: Run, source: Activity, tmp_path: Path
) -> None:
    async def scenario() -> RecordingResult:
        link = VirtualLink()
        hr = await link.add(virtual_sensor("hr"))
        recorder = Recorder(
            [SensorRequest("hr", VIRTUAL_ADDRESSES["hr"])],
            tmp_path / "m.journal",
            backend=bumble_backend(link),
            start_time=source.start_time.to_pydatetime(),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(recorder.run(stop))
        await hr.subscribed.wait()
        frame = source.samples.iloc[:30]
        replay = asyncio.create_task(
            hr.replay(frame, epoch=recorder.origin, wait_subscribed=False)
        )
        for bad in (b"", b"\x01\x48", b"\x10\x48\x01"):
            await asyncio.sleep(3.0)
            await hr.notify(bad)
        await replay
        await asyncio.sleep(1.5)
        stop.set()
        result: RecordingResult = await task
        await link.close()
        return result

    result = run_fast(scenario())
    assert result.states["hr"].malformed == 3
    assert result.activity.meta.extra["malformed_notifications"] == {"hr": 3}
    assert len(result.activity.samples) == 30
    assert any("3 malformed" in w for w in result.activity.meta.warnings)
    # The journal keeps the raw bytes of the bad ones too.
    payloads = [n.payload for n in read_journal(result.journal_path).notifications]
    assert b"\x01\x48" in payloads


def test_journal_recovers_to_same_activity(
    run_fast: Run, source: Activity, tmp_path: Path
) -> None:
    result = run_fast(
        replay_session(source.__class__(source.samples.iloc[:90], source.meta), tmp_path / "r.j")
    )
    again = activity_from_journal(read_journal(result.journal_path))
    pd.testing.assert_frame_equal(again.samples, result.activity.samples)
    assert result.activity.meta.extra["journal_stopped_cleanly"] is True


def test_sensor_not_found_is_retried_until_stop(run_fast: Run, tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        link = VirtualLink()
        recorder = Recorder(
            [SensorRequest("hr", "nobody")],
            tmp_path / "n.journal",
            backend=bumble_backend(link),
            settings=RecorderSettings(scan_timeout_s=4.0),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(recorder.run(stop))
        await asyncio.sleep(10)
        loop = asyncio.get_running_loop()
        stop.set()
        stopped_at = loop.time()
        with pytest.raises(stridecheck.EmptyActivityError):
            await task
        assert loop.time() - stopped_at <= 3.0 + 0.1  # a scan in progress is abandoned
        return [e.event for e in read_journal(tmp_path / "n.journal").events]

    events = run_fast(scenario())
    assert events.count("connect_failed") >= 3
    assert events[-1] == "stopped"


def test_requests_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="role"):
        SensorRequest("bike", "x")
    backend = pytest.importorskip("stridecheck.live.backends.bleak_backend").platform_backend()
    with pytest.raises(ValueError, match="one sensor per role"):
        Recorder(
            [SensorRequest("hr", "a"), SensorRequest("hr", "b")], tmp_path / "x", backend=backend
        )
    with pytest.raises(ValueError, match="at least one"):
        Recorder([], tmp_path / "x", backend=backend)


def test_whole_session_recorded_then_segmented_matches_truth(
    run_fast: Run, tmp_path: Path
) -> None:
    """Virtual HR + footpod replay a simulated session with known truth; the FIT the
    recorder writes, read back and segmented, agrees with the truth second by second.
    (The compliance score on top of this: the test below.)"""
    from stridecheck.segment import segment

    plan = [("walk", 180)] + [("run", 60), ("walk", 90)] * 4 + [("walk", 120)]
    simulated = simulate_session(plan, sensors="treadmill_footpod", random_state=11)
    result = run_fast(
        replay_session(simulated.activity, tmp_path / "w.journal", roles=["hr", "footpod"])
    )
    out = tmp_path / "w.fit"
    write_fit(result.activity, out)
    labels = segment(stridecheck.read(out)).labels
    truth = simulated.truth.reindex(labels.index)
    agreement = float((labels == truth).mean())
    print(f"segment vs truth agreement: {agreement:.3f}")
    assert agreement >= 0.9, agreement


def test_whole_prescribed_session_recorded_then_scored_completed(
    run_fast: Run, tmp_path: Path
) -> None:
    """A simulated couch-to-5k W1S1 done as prescribed, recorded through virtual HR +
    footpod, written to FIT, read back, segmented and scored: completed, score >= 90."""
    from stridecheck.compliance import comply
    from stridecheck.programs import load_program
    from stridecheck.segment import segment

    session = load_program("couch-to-5k").session("W1S1")
    simulated = simulate_session(session.to_plan(), sensors="treadmill_footpod", random_state=11)
    result = run_fast(
        replay_session(simulated.activity, tmp_path / "c.journal", roles=["hr", "footpod"])
    )
    out = tmp_path / "c.fit"
    write_fit(result.activity, out)
    recorded = stridecheck.read(out)
    scored = comply(recorded, session, segmentation=segment(recorded))
    print(f"recorded W1S1 compliance: {scored.score:.1f} {scored.category}")
    assert scored.category == "completed", scored.to_dict()
    assert scored.score >= 90, scored.to_dict()


def test_replay_in_real_time(source: Activity, tmp_path: Path) -> None:
    from stridecheck.live.replay import run_replay

    short = Activity(source.samples.iloc[:3], source.meta)
    t0 = time.monotonic()
    result = run_replay(short, tmp_path / "rt.journal", fast=False, roles=["hr"], tail_s=0.6)
    took = time.monotonic() - t0
    assert (
        result.activity.samples["heart_rate_bpm"].tolist()
        == short.samples["heart_rate_bpm"].tolist()
    )
    assert 2.5 < took < 30  # the samples' own pace, not a fake clock


def test_two_sensors_found_by_name_at_once(
    run_fast: Run, source: Activity, tmp_path: Path
) -> None:
    async def scenario() -> RecordingResult:
        link = VirtualLink()
        sensors = [await link.add(virtual_sensor(role)) for role in ("hr", "footpod")]
        recorder = Recorder(
            [SensorRequest("hr", "SC-HR"), SensorRequest("footpod", "SC-POD")],
            tmp_path / "names.journal",
            backend=bumble_backend(link),
            start_time=source.start_time.to_pydatetime(),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(recorder.run(stop))
        await asyncio.sleep(0)  # let run() start the session clock
        frame = source.samples.iloc[:20]
        await asyncio.gather(*(s.replay(frame, epoch=recorder.origin) for s in sensors))
        await asyncio.sleep(1.5)
        stop.set()
        result: RecordingResult = await task
        await link.close()
        return result

    result = run_fast(scenario())
    assert {r: s.name for r, s in result.states.items()} == {
        "hr": "SC-HR replay",
        "footpod": "SC-POD replay",
    }
    samples = result.activity.samples
    assert samples["heart_rate_bpm"].notna().sum() >= 19
    assert samples["cadence_spm"].notna().sum() >= 19
