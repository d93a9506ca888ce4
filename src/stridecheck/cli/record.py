"""``stridecheck record``: record BLE sensors (or a replay) into a FIT activity file.

Three ways in, one way out (a FIT file written atomically, plus the journal):

- live: ``--hr``, ``--footpod``, ``--treadmill`` name sensors by address or by
  advertised name; recording runs until Ctrl-C, ``--duration`` or the end of
  the ``--program`` / ``--session`` plan;
- ``--replay FILE``: virtual sensors replay FILE over an in-process link,
  through the same bleak code path, as fast as possible (``--realtime``: at
  the file's own pace);
- ``--recover JOURNAL``: the journal a crashed recording left becomes a FIT file.

bleak and bumble are imported only when a command needs them
(``pip install stridecheck[live]``).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stridecheck.activity import Activity
from stridecheck.cli._common import (
    atomic_output,
    fail,
    format_distance,
    format_duration,
    guarded,
    out_console,
    report_warning,
    require_extra,
)
from stridecheck.cli.store import DbOption, print_import_summary

if TYPE_CHECKING:
    from rich.console import Console

    from stridecheck.compliance import SessionCompliance
    from stridecheck.live.backends import SensorBackend
    from stridecheck.live.cues import CuePlayer, SessionPlan
    from stridecheck.live.recorder import RecordingResult, SensorRequest
    from stridecheck.segment.profile import GaitProfile

__all__ = ["default_journal_path", "print_compliance", "record_live", "register"]


def default_journal_path(out: Path) -> Path:
    """The journal beside the FIT output: ``session.fit`` -> ``session.fit.journal``."""
    return out.with_name(out.name + ".journal")


def _plan(program: str | None, session: str | None) -> SessionPlan | None:
    if program is None and session is None:
        return None
    if program is None or session is None:
        fail(None, "--program and --session go together")
    from stridecheck.live.cues import SessionPlan
    from stridecheck.programs import load_program

    return SessionPlan.from_steps(load_program(program).session(session).to_plan())


def _write(activity: Activity, out: Path, force: bool) -> None:
    from stridecheck.io.fit_write import write_fit

    with atomic_output(out, force=force) as tmp:
        write_fit(activity, tmp)


def _summary(activity: Activity, out: Path, journal: Path | None) -> None:
    extra = activity.meta.extra
    out_console.print(f"wrote {out}")
    out_console.print(
        f"  samples {len(activity.samples)}, duration {format_duration(activity.duration_s)}, "
        f"distance {format_distance(activity.distance_m)}"
    )
    counts = extra.get("notifications", {})
    if counts:
        out_console.print(
            "  notifications " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
    malformed = extra.get("malformed_notifications", {})
    if malformed:
        out_console.print(
            "  malformed (skipped) " + ", ".join(f"{k} {v}" for k, v in sorted(malformed.items()))
        )
    gaps = extra.get("link_gaps", [])
    if gaps:
        out_console.print(f"  link gaps {len(gaps)}")
    if journal is not None:
        out_console.print(f"  journal {journal}")


def _import(out: Path, athlete: str | None, db: Path | None) -> None:
    """Import the written file into the store for ``athlete`` (nothing without one)."""
    if athlete is None:
        return
    from stridecheck.importer import import_paths
    from stridecheck.store import Store

    with Store.open(db) as store:
        summary = import_paths(store, [out], athlete)
    print_import_summary(summary, athlete)


def _stored_profile(athlete: str | None, db: Path | None) -> GaitProfile | None:
    """The athlete's gait profile in the store (``None`` without an athlete or a profile)."""
    if athlete is None:
        return None
    from stridecheck.errors import InputError
    from stridecheck.store import Store

    with Store.open(db) as store:
        try:
            return store.get_gait_profile(athlete)
        except InputError:
            return None


def print_compliance(
    activity: Activity, program: str, session: str, profile: GaitProfile | None = None
) -> SessionCompliance:
    """Segment the recorded activity, score it against the prescribed session and print it.

    Parameters
    ----------
    activity
        The recorded activity.
    program
        Program: built-in name or TOML file.
    session
        Session id within ``program``.
    profile
        The athlete's gait profile (prior of the step evidence), if known.

    Returns
    -------
    SessionCompliance
        The score that was printed.
    """
    from stridecheck.cli.adherence import format_compliance_table
    from stridecheck.pipeline import analyse_activity
    from stridecheck.programs import load_program

    prescribed = load_program(program).session(session)
    result = analyse_activity(activity, session=prescribed, profile=profile).session_compliance
    assert result is not None  # a session was given
    out_console.print(format_compliance_table(result))
    return result


def _requests(hr: str | None, footpod: str | None, treadmill: str | None) -> list[SensorRequest]:
    from stridecheck.live.recorder import SensorRequest

    pairs = (("hr", hr), ("footpod", footpod), ("treadmill", treadmill))
    return [SensorRequest(role, ident) for role, ident in pairs if ident]


async def record_live(
    requests: list[SensorRequest],
    journal: Path,
    *,
    meta: dict[str, Any],
    plan: SessionPlan | None = None,
    duration_s: float | None = None,
    display: bool = False,
    backend: SensorBackend | None = None,
    players: list[CuePlayer] | None = None,
    console: Console | None = None,
) -> RecordingResult:
    """Record until Ctrl-C / SIGTERM, ``duration_s``, or the end of ``plan`` (+2 s).

    Parameters
    ----------
    requests
        Sensors to record.
    journal
        Journal file to create.
    meta
        Session metadata for the journal.
    plan
        Session plan to cue (and to stop at its end).
    duration_s
        Stop after this long (overrides the plan's length). [s]
    display
        Show the live display.
    backend
        Sensor backend (default: the platform's bleak backend).
    players
        Cue players (default: bell plus speech or beep where available).
    console
        Console of the display (default: standard error).
    """
    from stridecheck.live.backends.bleak_backend import platform_backend
    from stridecheck.live.cues import default_players, journal_cue, run_cues
    from stridecheck.live.display import LiveDisplay
    from stridecheck.live.recorder import Recorder

    recorder = Recorder(requests, journal, backend=backend or platform_backend(), meta=meta)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    limit = (
        duration_s
        if duration_s is not None
        else (plan.total_s + 2.0 if plan is not None else None)
    )
    if limit is not None:
        loop.call_later(limit, stop.set)
    helpers: list[asyncio.Task[Any]] = []
    task = asyncio.create_task(recorder.run(stop))
    await asyncio.sleep(0)
    if plan is not None:
        chosen = default_players() if players is None else players
        helpers.append(
            asyncio.create_task(run_cues(plan, recorder.now, chosen, on_cue=journal_cue(recorder)))
        )
    if display:
        helpers.append(asyncio.create_task(LiveDisplay(recorder, plan, console).run(stop)))
    try:
        return await task
    finally:
        for helper in helpers:
            helper.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        for signum in handled:
            loop.remove_signal_handler(signum)


def record(
    *,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="FIT activity file to write.", show_default=False)
    ],
    hr: Annotated[
        str | None,
        typer.Option(
            "--hr", help="Heart-rate strap: address or advertised name.", show_default=False
        ),
    ] = None,
    footpod: Annotated[
        str | None,
        typer.Option("--footpod", help="Footpod (RSC): address or name.", show_default=False),
    ] = None,
    treadmill: Annotated[
        str | None,
        typer.Option("--treadmill", help="FTMS treadmill: address or name.", show_default=False),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            "--replay",
            help="Replay this activity file through virtual sensors instead of real ones.",
            show_default=False,
        ),
    ] = None,
    realtime: Annotated[
        bool, typer.Option("--realtime", help="With --replay: replay at the file's own pace.")
    ] = False,
    recover: Annotated[
        Path | None,
        typer.Option(
            "--recover",
            help="Turn the journal of a crashed recording into the FIT file.",
            show_default=False,
        ),
    ] = None,
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="Journal file (default: OUT.journal).", show_default=False),
    ] = None,
    keep_journal: Annotated[
        bool,
        typer.Option(
            "--keep-journal",
            help="Keep the journal after the FIT file is written (default: removed then; "
            "a crashed or interrupted recording always keeps it for --recover).",
        ),
    ] = False,
    program: Annotated[
        str | None,
        typer.Option(
            "--program", help="Program (built-in name or TOML file) to cue.", show_default=False
        ),
    ] = None,
    session: Annotated[
        str | None,
        typer.Option(
            "--session", help="Session id within --program (e.g. W1S1).", show_default=False
        ),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration", help="Stop after this many seconds (live).", min=1.0, show_default=False
        ),
    ] = None,
    display: Annotated[
        bool | None,
        typer.Option(
            "--display/--no-display",
            help="Live terminal display (default: on when recording live on a terminal).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT if it exists.")] = False,
    athlete: Annotated[
        str | None,
        typer.Option(
            "--athlete",
            "-a",
            help="Import the written FIT file into the store for this athlete.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Record BLE sensors into a FIT activity file (or replay a file, or recover a journal)."""
    sources = [x is not None for x in (replay, recover)] + [any((hr, footpod, treadmill))]
    if sum(sources) != 1:
        fail(
            None,
            "give sensors (--hr/--footpod/--treadmill), or --replay FILE, or --recover JOURNAL",
        )
    if out.exists() and not force:
        fail(out, "already exists (use --force to overwrite)")
    if recover is not None:
        from stridecheck.live.journal import read_journal
        from stridecheck.live.merge import activity_from_journal

        recovered = read_journal(recover)
        activity = activity_from_journal(recovered)
        for problem in recovered.problems:
            report_warning(recover, problem)
        _write(activity, out, force)
        _summary(activity, out, None)
        _import(out, athlete, db)
        return
    require_extra("record", "live")
    plan = _plan(program, session)
    journal_path = journal if journal is not None else default_journal_path(out)
    meta: dict[str, Any] = {"program": program, "session": session}
    if replay is not None:
        import stridecheck
        from stridecheck.live.replay import run_replay

        source = stridecheck.read(replay)
        result = run_replay(source, journal_path, fast=not realtime, meta=meta, plan=plan)
    else:
        show = display if display is not None else sys.stdout.isatty()
        result = asyncio.run(
            record_live(
                _requests(hr, footpod, treadmill),
                journal_path,
                meta=meta,
                plan=plan,
                duration_s=duration,
                display=show,
            )
        )
    for warning in result.activity.meta.warnings:
        report_warning(journal_path, warning)
    _write(result.activity, out, force)
    if not keep_journal:  # the FIT file holds everything now
        journal_path.unlink(missing_ok=True)
    _summary(result.activity, out, journal_path if keep_journal else None)
    _import(out, athlete, db)
    if program is not None and session is not None:
        profile = _stored_profile(athlete, db)
        print_compliance(result.activity, program, session, profile)


def register(app: typer.Typer) -> None:
    """Add ``record`` to the command line."""
    app.command("record")(guarded(record))
