"""Cues for a prescribed run-walk session: when to tell the person to run or walk.

A :class:`SessionPlan` is the session's ``(kind, duration_s)`` steps (as
``stridecheck.programs.Session.to_plan()`` gives them) laid out on the session
clock. :func:`cue_schedule` turns it into :class:`Cue` objects (pure, tested);
:func:`run_cues` plays them on the event loop's clock through cue players:

* :class:`TerminalBell` -- the terminal bell (``\\a``), always available;
* :class:`SpokenCue` -- the words spoken by a text-to-speech command found on
  the machine (``spd-say``, ``espeak-ng``, ``espeak``, ``say``), or
* :class:`BeepCue` -- a short beep through a sound player (``paplay``,
  ``aplay``, ``afplay``) when no speech command exists.

Live compliance of the finished steps is scored by
:mod:`stridecheck.live.live_compliance` and shown by the display
(:mod:`stridecheck.live.display`) at each change of step.
"""

from __future__ import annotations

import asyncio
import io
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

__all__ = [
    "BeepCue",
    "Cue",
    "CuePlayer",
    "PlannedStep",
    "SessionPlan",
    "SpokenCue",
    "TerminalBell",
    "cue_schedule",
    "default_players",
    "journal_cue",
    "run_cues",
]


@dataclass(frozen=True)
class PlannedStep:
    """One step of the plan on the session clock.

    Attributes
    ----------
    index
        Position in the plan (0-based).
    kind
        ``"run"`` or ``"walk"``.
    start_s, duration_s
        Start since the session start, and length. [s]
    """

    index: int
    kind: str
    start_s: float
    duration_s: float

    @property
    def end_s(self) -> float:
        """End since the session start. [s]"""
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class SessionPlan:
    """A session's steps laid end to end from ``t = 0``."""

    steps: tuple[PlannedStep, ...]

    @classmethod
    def from_steps(cls, plan: Sequence[tuple[str, float]]) -> SessionPlan:
        """Build from ``(kind, duration_s)`` pairs.

        Raises
        ------
        ValueError
            Empty plan, unknown kind, or a duration that is not positive.
        """
        if not plan:
            raise ValueError("the plan has no steps")
        steps = []
        t = 0.0
        for i, (kind, duration) in enumerate(plan):
            if kind not in ("run", "walk"):
                raise ValueError(f"step {i}: kind {kind!r} is not 'run' or 'walk'")
            if not (math.isfinite(duration) and duration > 0):
                raise ValueError(f"step {i}: duration {duration!r} s is not positive")
            steps.append(PlannedStep(i, kind, t, float(duration)))
            t += float(duration)
        return cls(tuple(steps))

    @property
    def total_s(self) -> float:
        """Planned length. [s]"""
        return self.steps[-1].end_s

    def step_at(self, t_s: float) -> PlannedStep | None:
        """The step running at ``t_s`` (``None`` before the start or after the end)."""
        for step in self.steps:
            if step.start_s <= t_s < step.end_s:
                return step
        return None

    def next_step(self, t_s: float) -> PlannedStep | None:
        """The step after the one running at ``t_s``, if any."""
        current = self.step_at(t_s)
        if current is None or current.index + 1 >= len(self.steps):
            return None
        return self.steps[current.index + 1]


@dataclass(frozen=True)
class Cue:
    """One cue to give.

    Attributes
    ----------
    t_s
        When, since the session start. [s]
    step_index
        The step it announces (``len(plan.steps)`` for the end).
    kind
        ``"run"``, ``"walk"`` or ``"end"``.
    text
        What to say, e.g. ``"Run for 1 minute"``.
    """

    t_s: float
    step_index: int
    kind: str
    text: str


def _spoken_duration(seconds: float) -> str:
    total = round(seconds)
    minutes, secs = divmod(total, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute" + ("s" if minutes != 1 else ""))
    if secs:
        parts.append(f"{secs} second" + ("s" if secs != 1 else ""))
    return " ".join(parts) or "0 seconds"


def cue_schedule(plan: SessionPlan) -> list[Cue]:
    """A cue at each change of step (consecutive same-kind steps merge) and at the end."""
    cues: list[Cue] = []
    previous: str | None = None
    for step in plan.steps:
        if step.kind == previous:
            continue
        run_length = 0.0
        for later in plan.steps[step.index :]:
            if later.kind != step.kind:
                break
            run_length += later.duration_s
        verb = "Run" if step.kind == "run" else "Walk"
        cues.append(
            Cue(step.start_s, step.index, step.kind, f"{verb} for {_spoken_duration(run_length)}")
        )
        previous = step.kind
    cues.append(Cue(plan.total_s, len(plan.steps), "end", "Session complete"))
    return cues


class _Notes(Protocol):
    def note(self, event: str, data: Mapping[str, Any] | None = None) -> None: ...


class CuePlayer(Protocol):
    """Something that gives a cue to the person (sound, speech, ...)."""

    def play(self, cue: Cue) -> None:
        """Give the cue; must not block."""


class TerminalBell:
    """Rings the terminal bell and prints the cue's words.

    Parameters
    ----------
    stream
        Where to write (standard error by default).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr

    def play(self, cue: Cue) -> None:
        """Write ``\\a`` and the cue text."""
        self.stream.write(f"\a{cue.text}\n")
        self.stream.flush()


_SPEECH_COMMANDS = ("spd-say", "espeak-ng", "espeak", "say")
_SOUND_PLAYERS = ("paplay", "aplay", "afplay")


def _first_on_path(commands: Iterable[str]) -> str | None:
    """Full path of the first of ``commands`` found on ``PATH``, or ``None``."""
    for name in commands:
        path = shutil.which(name)
        if path:
            return path
    return None


class SpokenCue:
    """Speaks the cue with a text-to-speech command (in the background).

    Parameters
    ----------
    command
        The program, e.g. ``"espeak-ng"`` (see :meth:`find`).
    """

    def __init__(self, command: str) -> None:
        self.command = command

    @classmethod
    def find(cls) -> SpokenCue | None:
        """A player for the first speech command on ``PATH``, or ``None``."""
        path = _first_on_path(_SPEECH_COMMANDS)
        return cls(path) if path else None

    def play(self, cue: Cue) -> None:
        """Start speaking ``cue.text`` without waiting."""
        subprocess.Popen(
            [self.command, cue.text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )


def beep_wav(frequency_hz: float = 880.0, duration_s: float = 0.25, rate_hz: int = 16000) -> bytes:
    """A sine beep as WAV bytes (16-bit mono).

    Parameters
    ----------
    frequency_hz
        Pitch. [Hz]
    duration_s
        Length. [s]
    rate_hz
        Sample rate. [Hz]
    """
    n = int(duration_s * rate_hz)
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency_hz * i / rate_hz)))
        for i in range(n)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes(frames)
    return buffer.getvalue()


class BeepCue:
    """Plays a beep (high for run, low for walk, two for the end) with a sound player.

    Parameters
    ----------
    command
        The player, e.g. ``"aplay"`` (see :meth:`find`).
    folder
        Where to keep the beep files (a temporary folder by default).
    """

    def __init__(self, command: str, folder: Path | None = None) -> None:
        self.command = command
        self.folder = folder if folder is not None else Path(tempfile.mkdtemp(prefix="sc-cues-"))
        self.files = {
            "run": self.folder / "run.wav",
            "walk": self.folder / "walk.wav",
            "end": self.folder / "end.wav",
        }
        self.files["run"].write_bytes(beep_wav(1320.0))
        self.files["walk"].write_bytes(beep_wav(660.0))
        self.files["end"].write_bytes(beep_wav(990.0, 0.6))

    @classmethod
    def find(cls) -> BeepCue | None:
        """A player for the first sound command on ``PATH``, or ``None``."""
        path = _first_on_path(_SOUND_PLAYERS)
        return cls(path) if path else None

    def play(self, cue: Cue) -> None:
        """Start playing the beep of ``cue.kind`` without waiting."""
        subprocess.Popen(
            [self.command, str(self.files.get(cue.kind, self.files["end"]))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def default_players(*, bell: bool = True, audio: bool = True) -> list[CuePlayer]:
    """The terminal bell, plus speech (or else a beep) where the machine has it."""
    players: list[CuePlayer] = [TerminalBell()] if bell else []
    if audio:
        sound: CuePlayer | None = SpokenCue.find() or BeepCue.find()
        if sound is not None:
            players.append(sound)
    return players


def journal_cue(recorder: _Notes) -> Callable[[Cue], None]:
    """An ``on_cue`` callback that journals each cue as a ``cue`` event of ``recorder``."""

    def on_cue(cue: Cue) -> None:
        recorder.note(
            "cue", {"kind": cue.kind, "text": cue.text, "step": cue.step_index, "at_s": cue.t_s}
        )

    return on_cue


async def run_cues(
    plan: SessionPlan,
    clock: Callable[[], float],
    players: Sequence[CuePlayer],
    on_cue: Callable[[Cue], None] | None = None,
) -> list[Cue]:
    """Give each cue of ``plan`` when the session clock reaches it.

    Parameters
    ----------
    plan
        The session plan.
    clock
        Time since the session start (e.g. ``Recorder.now``). [s]
    players
        Where cues go; a player that fails is skipped (the cue still counts).
    on_cue
        Called with each cue as it is given (e.g. to journal it).

    Returns
    -------
    list of Cue
        The cues given (cues already past at the start are skipped).
    """
    given: list[Cue] = []
    for cue in cue_schedule(plan):
        delay = cue.t_s - clock()
        if delay < -1.0:
            continue
        if delay > 0:
            await asyncio.sleep(delay)
        for player in players:
            try:
                player.play(cue)
            except OSError:
                continue
        if on_cue is not None:
            on_cue(cue)
        given.append(cue)
    return given
