"""Replaying a recorded or simulated activity through the live recorder.

``stridecheck record --replay FILE`` uses :func:`run_replay`: virtual sensors
(:mod:`stridecheck.live.virtual`) replay the file's samples on an in-process
link, and the :class:`~stridecheck.live.recorder.Recorder` records them through
bleak with the bumble backend: the code path of real sensors. With
``fast=True`` the event loop runs on a fake clock (looptime), so a session
replays as fast as the machine goes while every time stays what it would be
live.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from stridecheck.activity import Activity
from stridecheck.live.backends.bumble_backend import bumble_backend
from stridecheck.live.cues import SessionPlan, journal_cue, run_cues
from stridecheck.live.recorder import Recorder, RecorderSettings, RecordingResult, SensorRequest
from stridecheck.live.virtual import (
    VirtualFootpod,
    VirtualHeartRateStrap,
    VirtualLink,
    VirtualSensor,
    VirtualTreadmill,
)

__all__ = ["VIRTUAL_ADDRESSES", "replay_session", "roles_for", "run_replay", "virtual_sensor"]

#: Addresses of the virtual sensors, by role.
VIRTUAL_ADDRESSES: dict[str, str] = {
    "hr": "F0:5C:00:00:00:01",
    "footpod": "F0:5C:00:00:00:02",
    "treadmill": "F0:5C:00:00:00:03",
}


def roles_for(activity: Activity) -> list[str]:
    """Sensors worth replaying for an activity: HR strap, footpod, or both.

    A treadmill activity (``sub_sport == "treadmill"``) also gets the FTMS treadmill.
    """
    present = set(activity.fields_present())
    roles = []
    if "heart_rate_bpm" in present:
        roles.append("hr")
    if "speed_mps" in present:
        roles.append("footpod")
        if activity.meta.sub_sport == "treadmill":
            roles.append("treadmill")
    return roles


def virtual_sensor(role: str) -> VirtualSensor:
    """The virtual sensor of a role, at its :data:`VIRTUAL_ADDRESSES` address."""
    address = VIRTUAL_ADDRESSES[role]
    if role == "hr":
        return VirtualHeartRateStrap("SC-HR replay", address)
    if role == "footpod":
        return VirtualFootpod("SC-POD replay", address)
    if role == "treadmill":
        return VirtualTreadmill("SC-TREAD replay", address)
    raise ValueError(f"role={role!r} not understood; use hr, footpod or treadmill")


async def replay_session(
    source: Activity,
    journal_path: str | os.PathLike[str],
    *,
    roles: Sequence[str] | None = None,
    meta: Mapping[str, Any] | None = None,
    settings: RecorderSettings | None = None,
    plan: SessionPlan | None = None,
    tail_s: float = 2.0,
) -> RecordingResult:
    """Record ``source`` replayed by virtual sensors (inside a running loop).

    The recorder's session start is the source's start, so the recorded
    samples fall on the source's seconds.

    Parameters
    ----------
    source
        The activity to replay.
    journal_path
        Journal file to create.
    roles
        Sensors to replay (default: :func:`roles_for`).
    meta
        Session metadata for the journal.
    settings
        Recorder settings.
    plan
        A session plan whose cues are journaled (silently: no sound in a replay).
    tail_s
        Recording time after the last notification. [s]
    """
    chosen = list(roles) if roles is not None else roles_for(source)
    if not chosen:
        raise ValueError("the source has neither heart rate nor speed to replay")
    link = VirtualLink()
    sensors = [await link.add(virtual_sensor(role)) for role in chosen]
    recorder = Recorder(
        [SensorRequest(role, VIRTUAL_ADDRESSES[role]) for role in chosen],
        journal_path,
        backend=bumble_backend(link),
        start_time=source.start_time.to_pydatetime(),
        meta={"replay_of": source.meta.source_path, **(meta or {})},
        settings=settings,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(recorder.run(stop))
    await asyncio.sleep(0)
    cues = None
    if plan is not None:
        cues = asyncio.create_task(run_cues(plan, recorder.now, [], on_cue=journal_cue(recorder)))
    try:
        await asyncio.gather(*(s.subscribed.wait() for s in sensors))
        await asyncio.gather(
            *(
                s.replay(source.samples, epoch=recorder.origin, wait_subscribed=False)
                for s in sensors
            )
        )
        await asyncio.sleep(tail_s)
    finally:
        if cues is not None:
            cues.cancel()
            await asyncio.gather(cues, return_exceptions=True)
        stop.set()
        result = await task
        await link.close()
    return result


def run_replay(
    source: Activity,
    journal_path: str | os.PathLike[str],
    *,
    fast: bool = True,
    **kwargs: Any,
) -> RecordingResult:
    """Run :func:`replay_session` in a new event loop.

    Parameters
    ----------
    fast
        Use a fake loop clock (looptime): as fast as possible, times unchanged.
        ``False`` replays in real time.
    **kwargs
        Passed to :func:`replay_session`.
    """
    if fast:
        import looptime

        loop: asyncio.AbstractEventLoop = looptime.new_event_loop(
            start=time.monotonic, noop_cycles=1
        )
    else:
        loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(replay_session(source, journal_path, **kwargs))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
