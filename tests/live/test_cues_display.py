"""Cues and the live display: schedules, players, rendering, and cues journaled by a replay."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from stridecheck.live import gatt
from stridecheck.live.cues import (
    BeepCue,
    Cue,
    SessionPlan,
    SpokenCue,
    TerminalBell,
    beep_wav,
    cue_schedule,
    default_players,
    run_cues,
)
from stridecheck.live.display import current_values, render_status
from stridecheck.live.profiles import load_profiles
from stridecheck.live.recorder import SensorState

Run = Callable[[Coroutine[Any, Any, Any]], Any]

PLAN = SessionPlan.from_steps([("walk", 300), ("run", 60), ("run", 30), ("walk", 90)])


def test_plan_layout_and_lookup() -> None:
    assert PLAN.total_s == 480
    assert PLAN.step_at(0).kind == "walk"  # type: ignore[union-attr]
    assert PLAN.step_at(359.9).index == 1  # type: ignore[union-attr]
    assert PLAN.step_at(480) is None
    assert PLAN.next_step(10).kind == "run"  # type: ignore[union-attr]
    assert PLAN.next_step(400) is None
    for bad in ([], [("swim", 10)], [("run", 0)], [("run", float("nan"))]):
        with pytest.raises(ValueError):
            SessionPlan.from_steps(bad)


def test_schedule_merges_same_kind_steps_and_ends() -> None:
    cues = cue_schedule(PLAN)
    assert [(c.t_s, c.kind, c.text) for c in cues] == [
        (0.0, "walk", "Walk for 5 minutes"),
        (300.0, "run", "Run for 1 minute 30 seconds"),
        (390.0, "walk", "Walk for 1 minute 30 seconds"),
        (480.0, "end", "Session complete"),
    ]


def test_run_cues_on_the_loop_clock(run_fast: Run) -> None:
    played: list[tuple[float, str]] = []

    class Recording:
        def play(self, cue: Cue) -> None:
            played.append((round(clock(), 3), cue.kind))

    class Broken:
        def play(self, cue: Cue) -> None:
            raise OSError("no audio device")

    origin = 0.0

    def clock() -> float:
        return asyncio.get_running_loop().time() - origin

    async def scenario() -> list[Cue]:
        nonlocal origin
        origin = asyncio.get_running_loop().time()
        noted: list[Cue] = []
        given = await run_cues(PLAN, clock, [Broken(), Recording()], on_cue=noted.append)
        assert noted == given
        return given

    given = run_fast(scenario())
    assert len(given) == 4
    assert played == [(0.0, "walk"), (300.0, "run"), (390.0, "walk"), (480.0, "end")]


def test_players(tmp_path: Path) -> None:
    stream = io.StringIO()
    TerminalBell(stream).play(Cue(0, 0, "run", "Run for 1 minute"))
    assert stream.getvalue() == "\aRun for 1 minute\n"
    with wave.open(io.BytesIO(beep_wav(880, 0.1)), "rb") as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (1, 16000, 1600)
    true_cmd = "/bin/true"
    BeepCue(true_cmd, tmp_path).play(Cue(0, 0, "walk", "x"))
    assert (tmp_path / "walk.wav").stat().st_size > 1000
    SpokenCue(true_cmd).play(Cue(0, 0, "run", "Run"))
    players = default_players(audio=False)
    assert len(players) == 1 and isinstance(players[0], TerminalBell)


def _states(t: float) -> dict[str, SensorState]:
    profiles = load_profiles(use_env=False)
    hr = SensorState(connected=True, name="SC-HR 1", notifications=10)
    hr.latest, hr.latest_t = gatt.HeartRateMeasurement(151), t - 1
    pod = SensorState(connected=False, name="SC-STRIDEPOD 1", notifications=9, malformed=2)
    pod.latest, pod.latest_t = gatt.RscMeasurement(2.5, 82), t - 0.5
    pod.profile = profiles["stridecheck-virtual-stride-footpod"]
    return {"hr": hr, "footpod": pod}


def test_current_values_apply_profile_and_staleness() -> None:
    values = current_values(_states(100.0), 100.0)
    assert values == {"heart_rate_bpm": 151.0, "speed_mps": 2.5, "cadence_spm": 164.0}
    stale = current_values(_states(100.0), 110.0)
    assert stale == {"heart_rate_bpm": None, "speed_mps": None, "cadence_spm": None}


def test_render_status_shows_step_time_left_and_sensors() -> None:
    console = Console(width=80, record=True, color_system=None)
    console.print(render_status(310.2, _states(310.2), PLAN, compliance="92 %"))
    text = console.export_text()
    assert "RUN  0:50 left" in text
    assert "next" in text and "run 0:30" in text
    assert "151 /min" in text
    assert "6:40 /km" in text
    assert "164 steps/min" in text
    assert "92 %" in text
    assert "down" in text and "up" in text
    console = Console(width=80, record=True, color_system=None)
    console.print(render_status(500, {}, PLAN))
    assert "session complete" in console.export_text()


def test_replay_with_a_program_journals_its_cues(run_fast: Run, tmp_path: Path) -> None:
    pytest.importorskip("bumble")
    from stridecheck.live.replay import replay_session
    from stridecheck.simulate import simulate_session

    plan = [("walk", 60), ("run", 60), ("walk", 60)]
    source = simulate_session(plan, sensors="treadmill_footpod", random_state=1).activity
    result = run_fast(
        replay_session(source, tmp_path / "c.j", roles=["hr"], plan=SessionPlan.from_steps(plan))
    )
    cues = result.activity.events[result.activity.events["event"] == "cue"]
    assert list(cues["event_type"]) == ["walk", "run", "walk", "end"]
    offsets = (cues["time"] - source.start_time).dt.total_seconds().round(3).tolist()
    assert offsets == [0.0, 60.0, 120.0, 180.0]
