"""The live terminal display of a recording (rich).

Shows the current step of the plan and the time left in it, the next step,
heart rate, pace, cadence and the state of each sensor, refreshed once a
second. :func:`render_status` builds the picture from plain values (tested);
:class:`LiveDisplay` feeds it from a running
:class:`~stridecheck.live.recorder.Recorder`.

Live compliance: while following a plan, :class:`LiveDisplay` keeps the values
it shows (one row per refresh) and, at each change of step, scores the finished
steps with :func:`stridecheck.live.live_compliance.live_compliance`; the text
goes to :func:`render_status` as ``compliance`` (a row is shown when given).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from stridecheck.live import gatt
from stridecheck.live.cues import SessionPlan
from stridecheck.live.live_compliance import format_live_compliance, live_compliance

if TYPE_CHECKING:
    from stridecheck.live.recorder import Recorder, SensorState

__all__ = ["STALE_AFTER_S", "LiveDisplay", "current_values", "render_status"]

#: A value older than this is shown as missing. [s]
STALE_AFTER_S = 5.0


def _clock(seconds: float) -> str:
    total = max(0, math.ceil(seconds))
    return f"{total // 60}:{total % 60:02d}"


def _pace(speed_mps: float | None) -> str:
    if speed_mps is None or speed_mps < 0.3:
        return "-"
    per_km = 1000.0 / speed_mps
    return f"{int(per_km // 60)}:{int(per_km % 60):02d} /km"


def current_values(states: Mapping[str, SensorState], t_s: float) -> dict[str, float | None]:
    """Latest fresh heart rate [1/min], speed [m/s] and cadence [steps/min]."""
    out: dict[str, float | None] = {"heart_rate_bpm": None, "speed_mps": None, "cadence_spm": None}

    def fresh(role: str) -> object | None:
        state = states.get(role)
        if state is None or state.latest_t is None or t_s - state.latest_t > STALE_AFTER_S:
            return None
        return state.latest

    hr = fresh("hr")
    if isinstance(hr, gatt.HeartRateMeasurement):
        out["heart_rate_bpm"] = float(hr.heart_rate_bpm)
    mill = fresh("treadmill")
    if isinstance(mill, gatt.TreadmillData):
        out["speed_mps"] = mill.speed_mps
        if out["heart_rate_bpm"] is None and mill.heart_rate_bpm is not None:
            out["heart_rate_bpm"] = float(mill.heart_rate_bpm)
    pod = fresh("footpod")
    if isinstance(pod, gatt.RscMeasurement):
        if out["speed_mps"] is None:
            out["speed_mps"] = pod.speed_mps
        profile = states["footpod"].profile
        factor = profile.cadence_factor if profile is not None else 1.0
        out["cadence_spm"] = pod.cadence_per_min * (factor if factor != "auto" else 1.0)
    return out


def render_status(
    t_s: float,
    states: Mapping[str, SensorState],
    plan: SessionPlan | None = None,
    compliance: str | None = None,
) -> Panel:
    """The display at session time ``t_s``.

    Parameters
    ----------
    t_s
        Time since the session start. [s]
    states
        Sensor role -> state (from the recorder).
    plan
        The session plan, if any.
    compliance
        Live compliance text, when a scorer provides one.
    """
    rows = Table.grid(padding=(0, 2))
    rows.add_column(justify="right", style="bold")
    rows.add_column()
    rows.add_row("elapsed", _clock(t_s))
    if plan is not None:
        step = plan.step_at(t_s)
        if step is None:
            rows.add_row("step", "session complete" if t_s >= plan.total_s else "starting")
        else:
            style = "bold red" if step.kind == "run" else "bold green"
            rows.add_row(
                "step",
                Text(f"{step.kind.upper()}  {_clock(step.end_s - t_s)} left", style=style),
            )
            following = plan.next_step(t_s)
            rows.add_row(
                "next",
                "end" if following is None else f"{following.kind} {_clock(following.duration_s)}",
            )
    values = current_values(states, t_s)
    hr = values["heart_rate_bpm"]
    cadence = values["cadence_spm"]
    rows.add_row("heart rate", "-" if hr is None else f"{hr:.0f} /min")
    rows.add_row("pace", _pace(values["speed_mps"]))
    rows.add_row("cadence", "-" if cadence is None else f"{cadence:.0f} steps/min")
    if compliance is not None:
        rows.add_row("compliance", compliance)
    sensors = Table("sensor", "name", "link", "received", "bad", box=None, padding=(0, 1))
    for role, state in states.items():
        link = Text("up", style="green") if state.connected else Text("down", style="red")
        sensors.add_row(
            role, state.name or "-", link, str(state.notifications), str(state.malformed)
        )
    return Panel(Group(rows, Text(""), sensors), title="stridecheck record", expand=False)


class LiveDisplay:
    """Refreshes :func:`render_status` from a running recorder.

    Parameters
    ----------
    recorder
        The recorder (its ``now()`` and ``states``).
    plan
        The session plan, if any.
    console
        Where to draw (standard error by default).
    refresh_s
        Refresh period. [s]
    """

    def __init__(
        self,
        recorder: Recorder,
        plan: SessionPlan | None = None,
        console: Console | None = None,
        refresh_s: float = 1.0,
    ) -> None:
        self.recorder = recorder
        self.plan = plan
        self.console = console if console is not None else Console(stderr=True)
        self.refresh_s = refresh_s
        self._seen: list[tuple[float, dict[str, float | None]]] = []
        self._scored_step: int | None = None
        self.compliance: str | None = None

    def _score(self, t_s: float) -> None:
        """Keep the values shown at ``t_s``; rescore compliance when the step changed."""
        if self.plan is None:
            return
        self._seen.append((t_s, current_values(self.recorder.states, t_s)))
        step = self.plan.step_at(t_s)
        index = step.index if step is not None else len(self.plan.steps)
        if index == self._scored_step:
            return
        self._scored_step = index
        epoch = pd.Timestamp(0, unit="s", tz="UTC")
        times = pd.DatetimeIndex(
            [epoch + pd.Timedelta(seconds=t) for t, _ in self._seen], name="time"
        )
        frame = pd.DataFrame([values for _, values in self._seen], index=times, dtype=float)
        self.compliance = format_live_compliance(
            live_compliance(self.plan, frame, t_s, start=epoch)
        )

    def render(self) -> Panel:
        """The current picture (recording the values shown, for live compliance)."""
        t_s = self.recorder.now()
        self._score(t_s)
        return render_status(t_s, self.recorder.states, self.plan, compliance=self.compliance)

    async def run(self, stop: asyncio.Event) -> None:
        """Redraw every ``refresh_s`` until ``stop`` is set."""
        with Live(console=self.console, auto_refresh=False, transient=False) as live:
            while not stop.is_set():
                live.update(self.render(), refresh=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.refresh_s)
            live.update(self.render(), refresh=True)
