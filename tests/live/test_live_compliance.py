"""Live compliance of the finished steps of a session plan."""

from __future__ import annotations

import io
import time
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from stridecheck.live import gatt
from stridecheck.live.cues import SessionPlan
from stridecheck.live.display import LiveDisplay
from stridecheck.live.live_compliance import format_live_compliance, live_compliance
from stridecheck.live.recorder import SensorState

START = pd.Timestamp("2026-01-01T08:00:00Z")


def _frame(kinds: list[tuple[str, int]]) -> pd.DataFrame:
    """1 Hz samples: walking (cadence 110, 1.4 m/s) or running (cadence 165, 2.8 m/s)."""
    rng = np.random.default_rng(1)
    cadence: list[float] = []
    speed: list[float] = []
    for kind, seconds in kinds:
        c, v = (110.0, 1.4) if kind == "walk" else (165.0, 2.8)
        cadence += list(c + rng.normal(0, 2, seconds))
        speed += list(v + rng.normal(0, 0.05, seconds))
    index = pd.date_range(START, periods=len(cadence), freq="1s", name="time")
    return pd.DataFrame({"cadence_spm": cadence, "speed_mps": speed}, index=index)


def test_walk_done_as_walk_and_run_walked() -> None:
    plan = SessionPlan.from_steps([("walk", 120), ("run", 120), ("walk", 60)])
    samples = _frame([("walk", 240), ("walk", 30)])  # the run was walked
    result = live_compliance(plan, samples, now_s=250.0, start=START)
    assert [item.step.index for item in result.steps] == [0, 1]
    assert result.steps[0].share == pytest.approx(1.0, abs=0.05)
    assert result.steps[1].share == pytest.approx(0.0, abs=0.05)
    assert result.percent == pytest.approx(50.0, abs=3.0)
    text = format_live_compliance(result)
    assert text is not None and text.endswith("(last step 0 %)")


def test_followed_plan_scores_high() -> None:
    plan = SessionPlan.from_steps([("walk", 120), ("run", 120), ("walk", 120)])
    samples = _frame([("walk", 120), ("run", 120), ("walk", 120)])
    result = live_compliance(plan, samples, now_s=360.0)
    assert len(result.steps) == 3
    assert result.percent is not None and result.percent > 90.0


def test_nothing_finished_yet() -> None:
    plan = SessionPlan.from_steps([("walk", 120), ("run", 60)])
    result = live_compliance(plan, _frame([("walk", 60)]), now_s=60.0, start=START)
    assert result.steps == () and result.percent is None
    assert format_live_compliance(result) is None


def test_fast_enough_for_an_hour() -> None:
    plan = SessionPlan.from_steps([("walk", 60), ("run", 60)] * 30)
    samples = _frame([("walk", 60), ("run", 60)] * 30)
    started = time.perf_counter()
    result = live_compliance(plan, samples, now_s=3600.0)
    assert time.perf_counter() - started < 1.0
    assert result.percent is not None and result.percent > 90.0


class _FakeRecorder:
    """What the display reads from a recorder: the clock and the sensor states."""

    def __init__(self) -> None:
        self.t = 0.0
        self.states = {"footpod": SensorState(connected=True, name="pod")}

    def now(self) -> float:
        return self.t


def test_display_scores_at_each_step_change() -> None:
    plan = SessionPlan.from_steps([("walk", 120), ("run", 120), ("walk", 60)])
    recorder = _FakeRecorder()
    display = LiveDisplay(cast(Any, recorder), plan, Console(file=io.StringIO(), width=100))
    texts: dict[int, str | None] = {}
    for t in range(0, 250):
        recorder.t = float(t)
        pod = recorder.states["footpod"]
        pod.latest, pod.latest_t = gatt.RscMeasurement(1.4, 110), float(t)  # walks throughout
        display.render()
        texts[t] = display.compliance
    assert texts[119] is None  # nothing finished yet
    assert texts[120] is not None and texts[120].endswith("(last step 100 %)")
    assert texts[240] is not None and texts[240].endswith("(last step 0 %)")
    console = Console(file=io.StringIO(), width=100)
    console.print(display.render())
    assert "compliance" in cast(io.StringIO, console.file).getvalue()
