"""Adherence of a whole cohort: one folder per participant in, tidy tables out.

The cohort folder holds one folder per participant with their activity files
(FIT, GPX, TCX, also ``.gz`` and zips) and an ``enrollment.toml``
(:func:`stridecheck.enrollment.read_enrollment`)::

    start = 2026-03-02          # first day of week 1 (TOML date or "YYYY-MM-DD")
    program = "couch-to-5k"     # optional: built-in name or TOML path (relative to the folder)

Each participant is one task, run in a local process pool (default) or on a
Dask cluster (:mod:`distributed`): read and segment every file, match the
activities to the calendar and compute the trial's measures with
:func:`stridecheck.compliance.adherence`. A second pass per participant learns
their gait profile from all their sessions and scores the sessions again with
it as prior (:func:`with_gait_profile`). A file that cannot be read becomes a
row of the ``errors`` table; it never stops the run.

Tables (:func:`run_cohort`):

``sessions``
    participant x prescribed session: the calendar, the matched activity, its
    score and category (columns of ``AdherenceReport.sessions``).
``weekly``
    participant x program week (columns of ``AdherenceReport.weeks``).
``participants``
    one row per participant: :data:`PARTICIPANT_COLUMNS`.
``errors``
    ``participant, file, error, reason``.
``interruptions``
    participant x interruption (3 or more sessions in a row not attended):
    ``first_session, last_session, first_date, last_date, sessions``.
``consort``
    participants through the programme, CONSORT style (enrolled, analysed,
    attended at least once, completed, discontinued, early termination, and
    per week attending, retained and ready to progress).

:func:`write_tables` also writes ``datapackage.json``, the data dictionary: a
Frictionless Data Package with a Table Schema per table (column names, types,
units, definitions, missing-value code), see :mod:`stridecheck.cohort_dictionary`.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as dt
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stridecheck.cohort_dictionary import consort_table, datapackage
from stridecheck.compliance import ScoredActivity, adherence
from stridecheck.compliance.adherence import program_week, week_sessions
from stridecheck.compliance.profile_learning import with_gait_profile
from stridecheck.enrollment import ENROLLMENT_FILE, read_enrollment
from stridecheck.errors import InputError, StrideCheckError
from stridecheck.importer import (
    Candidate,
    Rejection,
    content_sha256,
    iter_candidates,
    process_pool,
    read_for_analysis,
)
from stridecheck.outputs import atomic_output
from stridecheck.pipeline import COMPLY_METHOD, scored_activity
from stridecheck.programs import Program, Session

__all__ = [
    "DATAPACKAGE_FILE",
    "ENROLLMENT_FILE",
    "ERROR_COLUMNS",
    "INTERRUPTION_COLUMNS",
    "PARTICIPANT_COLUMNS",
    "TABLES",
    "CohortResult",
    "ParticipantOutput",
    "ParticipantTask",
    "cohort_tasks",
    "process_participant",
    "run_cohort",
    "write_tables",
]

#: The tables a cohort run writes, in order.
TABLES: tuple[str, ...] = (
    "sessions",
    "weekly",
    "participants",
    "errors",
    "interruptions",
    "consort",
)
#: File name of the data dictionary written beside the tables.
DATAPACKAGE_FILE = "datapackage.json"
#: Columns of the ``participants`` table.
PARTICIPANT_COLUMNS: tuple[str, ...] = (
    "participant",
    "program",
    "start",
    "activities",
    "unplanned_activities",
    "sessions_prescribed",
    "sessions_done",
    "sessions_completed",
    "adherence_pct",
    "completion_pct",
    "sessions_per_week",
    "interruptions",
    "longest_missed_run",
    "mean_score",
    "weekly_run_km",
    "weekly_run_km_first",
    "weekly_run_km_last",
    "weeks_progression_ready",
    "files_rejected",
    "sessions_attended",
    "attendance_pct",
    "first_attended_date",
    "last_attended_date",
    "discontinued",
    "discontinuation_date",
    "discontinuation_week",
    "early_termination",
    "completed_program",
    "prescribed_run_min",
    "performed_run_min",
    "prescribed_run_km",
    "performed_run_km",
    "rdi_pct",
    "run_steps_done_pct",
    "walk_breaks_kept_pct",
    "adverse_events",
    "adverse_events_uncleared",
)
#: Columns of the ``interruptions`` table.
INTERRUPTION_COLUMNS: tuple[str, ...] = (
    "participant",
    "first_session",
    "last_session",
    "first_date",
    "last_date",
    "sessions",
)
#: Columns of the ``errors`` table.
ERROR_COLUMNS: tuple[str, ...] = ("participant", "file", "error", "reason")


@dataclass(frozen=True)
class ParticipantTask:
    """One participant's work: their folder and the cohort-wide settings."""

    participant: str
    folder: str
    program: Program | None
    as_of: dt.date | None = None


@dataclass
class ParticipantOutput:
    """One participant's rows of the cohort tables."""

    participant: str
    sessions: pd.DataFrame
    weekly: pd.DataFrame
    summary: dict[str, Any] | None
    errors: list[dict[str, str]] = field(default_factory=list)
    files: int = 0
    interruptions: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class CohortResult:
    """The cohort tables and how the run went."""

    tables: dict[str, pd.DataFrame]
    participants: int
    files: int
    elapsed_s: float

    @property
    def files_per_s(self) -> float:
        """Activity files handled per second. [1/s]"""
        return self.files / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _error(participant: str, file: str, error: str, reason: str) -> dict[str, str]:
    return {"participant": participant, "file": file, "error": error, "reason": reason}


def _enrollment(task: ParticipantTask) -> tuple[Program, dt.date]:
    """A participant's program and start (:func:`read_enrollment`).

    Raises :class:`InputError` when the enrolment file is unusable.
    """
    enrollment = read_enrollment(task.folder)
    return enrollment.program(default=task.program), enrollment.start


def _activities(task: ParticipantTask, out: ParticipantOutput) -> Iterator[tuple[str, Candidate]]:
    """The participant's activity candidates (deduplicated); problems go to ``out.errors``."""
    seen: set[str] = set()
    prefix = task.folder.rstrip(os.sep) + os.sep
    for item in iter_candidates([task.folder]):
        if isinstance(item, str):
            continue
        label = item.label.removeprefix(prefix) if isinstance(item, Candidate) else ""
        if isinstance(item, Rejection):
            out.files += 1
            name = item.source.removeprefix(prefix)
            out.errors.append(_error(task.participant, name, "Rejected", item.reason))
            continue
        out.files += 1
        try:
            sha = content_sha256(item.data, label, item.depth)
        except StrideCheckError as exc:
            out.errors.append(
                _error(task.participant, label, type(exc).__name__, getattr(exc, "reason", ""))
            )
            continue
        if sha in seen:
            continue
        seen.add(sha)
        yield label, item


def process_participant(task: ParticipantTask) -> ParticipantOutput:
    """Read, segment and score one participant's activities (runs in a worker).

    Never raises for bad input: unreadable files and enrolment problems become
    rows of ``errors``.
    """
    out = ParticipantOutput(task.participant, pd.DataFrame(), pd.DataFrame(), None)
    try:
        program, start = _enrollment(task)
    except StrideCheckError as exc:
        out.errors.append(_error(task.participant, ENROLLMENT_FILE, type(exc).__name__, str(exc)))
        return out
    scored: list[ScoredActivity] = []
    weeks = week_sessions(program, start)
    for label, candidate in _activities(task, out):
        outcome = _score_file(task.participant, label, candidate.data, start, weeks)
        if isinstance(outcome, ScoredActivity):
            scored.append(outcome)
        else:
            out.errors.append(outcome)
    return _summarise(task, program, start, scored, out)


def _score_file(
    participant: str,
    label: str,
    data: bytes,
    start: dt.date,
    weeks: dict[int, list[Session]],
) -> ScoredActivity | dict[str, str]:
    """Read and segment one file and score it against its week's sessions; or an error row.

    The scores are kept in the :class:`ScoredActivity` (its cache), so that
    :func:`stridecheck.compliance.adherence` only looks them up: a pool can
    score the files of one participant in parallel.
    """
    try:
        activity = read_for_analysis(data, label)
        scored = scored_activity(activity, label, errors="ignore")
        week = program_week(start, scored.start.date())
        for session in weeks.get(week, []):
            scored.score_against(session, method=COMPLY_METHOD)
        scored.totals()
        return scored
    except StrideCheckError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        return _error(participant, label, type(exc).__name__, reason)
    except Exception as exc:  # a bug on one file must not stop the cohort
        return _error(participant, label, type(exc).__name__, f"internal error: {exc}")


def _summarise(
    task: ParticipantTask,
    program: Program,
    start: dt.date,
    scored: list[ScoredActivity],
    out: ParticipantOutput,
) -> ParticipantOutput:
    """The participant's rows from their scored activities (the adherence measures).

    A second pass per participant: their gait profile is learnt from the
    confident seconds of all their sessions, and every session is scored again
    with it as the prior of the step evidence.
    """
    scored = with_gait_profile(task.participant, scored)
    report = adherence(program, start, scored, as_of=task.as_of, method=COMPLY_METHOD)
    out.sessions = report.sessions.assign(participant=task.participant)
    out.weekly = report.weeks.assign(participant=task.participant)
    out.interruptions = report.interruptions.assign(participant=task.participant)
    out.summary = _participant_row(task.participant, report.summary, report.weeks, out)
    return out


def _participant_row(
    participant: str, summary: dict[str, Any], weeks: pd.DataFrame, out: ParticipantOutput
) -> dict[str, Any]:
    elapsed = weeks[weeks["due"] > 0] if len(weeks) else weeks
    first = float(elapsed["run_km"].iloc[0]) if len(elapsed) else math.nan
    last_km = float(elapsed["run_km"].iloc[-1]) if len(elapsed) else math.nan
    row = {key: summary.get(key) for key in PARTICIPANT_COLUMNS}
    stop = summary.get("discontinuation_date")
    start = dt.date.fromisoformat(str(summary["start"]))
    all_due = bool(len(weeks)) and bool((weeks["due"] == weeks["prescribed"]).all())
    last_week = int(weeks["week"].max()) if len(weeks) else 0
    last = summary.get("last_attended_date")
    row |= {
        "participant": participant,
        "weekly_run_km_first": first,
        "weekly_run_km_last": last_km,
        "files_rejected": len(out.errors),
        "discontinuation_week": None if stop is None else program_week(start, stop),
        "completed_program": bool(
            all_due
            and not summary.get("discontinued")
            and last is not None
            and program_week(start, last) >= last_week
        ),
    }
    return row


def cohort_tasks(
    cohort_dir: str | os.PathLike[str], program: Program | None, as_of: dt.date | None = None
) -> list[ParticipantTask]:
    """One task per participant folder (sorted by name; hidden folders left out).

    Raises
    ------
    InputError
        When ``cohort_dir`` is not a folder or holds no participant folders.
    """
    root = Path(cohort_dir)
    if not root.is_dir():
        raise InputError(root, "is not a folder (expected one folder per participant)")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise InputError(root, "holds no participant folders")
    return [ParticipantTask(p.name, str(p.resolve()), program, as_of) for p in folders]


def _frame(parts: Iterable[pd.DataFrame], first: str) -> pd.DataFrame:
    frames = [p for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=[first])
    table = pd.concat(frames, ignore_index=True)
    return table[[first, *[c for c in table.columns if c != first]]]


def _assemble(outputs: list[ParticipantOutput]) -> dict[str, pd.DataFrame]:
    outputs = sorted(outputs, key=lambda o: o.participant)
    sessions = _frame((o.sessions for o in outputs), "participant")
    weekly = _frame((o.weekly for o in outputs), "participant")
    rows = [o.summary for o in outputs if o.summary is not None]
    participants = pd.DataFrame(rows, columns=list(PARTICIPANT_COLUMNS))
    # a whole number or empty: written "3" or "" (not "3.0"), in CSV and Parquet alike
    participants["discontinuation_week"] = pd.to_numeric(
        participants["discontinuation_week"]
    ).astype("Int64")
    errors = pd.DataFrame(
        [e for o in outputs for e in o.errors], columns=list(ERROR_COLUMNS)
    ).sort_values(["participant", "file"], kind="stable", ignore_index=True)
    breaks = [o.interruptions for o in outputs if len(o.interruptions)]
    interruptions = (
        pd.concat(breaks, ignore_index=True)[list(INTERRUPTION_COLUMNS)]
        if breaks
        else pd.DataFrame(columns=list(INTERRUPTION_COLUMNS))
    )
    return {
        "sessions": sessions,
        "weekly": weekly,
        "participants": participants,
        "errors": errors,
        "interruptions": interruptions,
        "consort": consort_table(len(outputs), participants, weekly),
    }


#: Progress callback: ``(participants done, participants total, files done)``.
CohortProgress = Callable[[int, int, int], None]


def run_cohort(
    cohort_dir: str | os.PathLike[str],
    program: Program | None = None,
    *,
    workers: int | None = None,
    dask_address: str | None = None,
    dask_client: Any = None,
    as_of: dt.date | None = None,
    progress: CohortProgress | None = None,
) -> CohortResult:
    """Process a cohort folder into the tidy tables (see the module docs).

    Parameters
    ----------
    cohort_dir
        One folder per participant.
    program
        Program for participants whose ``enrollment.toml`` names none.
    workers
        Local worker processes (default: the number of CPUs); 1 runs in this process.
    dask_address
        Scheduler address of a Dask cluster (``tcp://host:8786``) to run on instead.
    dask_client
        An existing :class:`distributed.Client` to run on (e.g. a ``LocalCluster``'s).
    as_of
        Evaluation date: later sessions are ``upcoming`` (default: all are due).
    progress
        Called as each participant finishes.

    Returns
    -------
    CohortResult
    """
    started = time.perf_counter()
    tasks = cohort_tasks(cohort_dir, program, as_of)
    outputs: list[ParticipantOutput] = []
    files = 0

    def done(output: ParticipantOutput) -> None:
        nonlocal files
        outputs.append(output)
        files += output.files
        if progress is not None:
            progress(len(outputs), len(tasks), files)

    if dask_client is not None or dask_address is not None:
        _run_dask(tasks, dask_client, dask_address, done)
    elif (workers or os.cpu_count() or 1) <= 1:
        for task in tasks:
            done(process_participant(task))
    else:
        _run_pool(tasks, workers or os.cpu_count() or 1, done)
    return CohortResult(_assemble(outputs), len(tasks), files, time.perf_counter() - started)


#: What the tasks of a worker process share (see :func:`_run_pool`).
_WORKER: dict[str, Any] = {}


def _start_worker(program: Program | None, as_of: dt.date | None) -> None:
    """Pool initialiser: the cohort-wide program arrives once per worker."""
    _WORKER["program"] = program
    _WORKER["as_of"] = as_of
    _WORKER["enrolments"] = {}


def _worker_enrollment(
    participant: str, folder: str
) -> tuple[Program, dt.date, dict[int, list[Session]]]:
    """A participant's program, start and weeks, read once per worker (not sent per file)."""
    enrolments: dict[str, tuple[Program, dt.date, dict[int, list[Session]]]] = _WORKER[
        "enrolments"
    ]
    if folder not in enrolments:
        task = ParticipantTask(participant, folder, _WORKER["program"], _WORKER["as_of"])
        program, start = _enrollment(task)
        enrolments[folder] = (program, start, week_sessions(program, start))
    return enrolments[folder]


def _score_file_in_worker(
    participant: str, folder: str, label: str, data: bytes
) -> ScoredActivity | dict[str, str]:
    try:
        _, start, weeks = _worker_enrollment(participant, folder)
    except StrideCheckError as exc:
        return _error(participant, label, type(exc).__name__, str(exc))
    outcome = _score_file(participant, label, data, start, weeks)
    if isinstance(outcome, ScoredActivity):
        # scored against its week's sessions and totalled: adherence needs no samples
        # any more, and the result travels back to the parent without them
        outcome = dataclasses.replace(outcome, activity=None)
    return outcome


def _summarise_in_worker(
    task: ParticipantTask, scored: list[ScoredActivity], out: ParticipantOutput
) -> ParticipantOutput:
    program, start, _ = _worker_enrollment(task.participant, task.folder)
    return _summarise(task, program, start, scored, out)


@dataclass
class _Pending:
    """A participant whose files are being scored in the pool."""

    task: ParticipantTask
    out: ParticipantOutput
    results: dict[int, ScoredActivity | dict[str, str]] = field(default_factory=dict)
    submitted: int = 0
    listed: bool = False  # every file of the participant has been submitted

    @property
    def complete(self) -> bool:
        return self.listed and len(self.results) == self.submitted


def _run_pool(
    tasks: list[ParticipantTask], workers: int, done: Callable[[ParticipantOutput], None]
) -> None:
    """Score the files of all participants in a local process pool, file by file.

    A participant is a task too coarse to share out: with three participants
    on two workers, one worker would idle a third of the time. So every file is
    a task (read, segment, score against its week's sessions); when all of a
    participant's files are back, their adherence is a last, light task. At most
    ``4 * workers`` tasks are in flight, so memory does not grow with the cohort.
    """
    task_program = tasks[0].program if tasks else None
    as_of = tasks[0].as_of if tasks else None
    in_flight: dict[cf.Future[Any], tuple[str, _Pending, int]] = {}
    with process_pool(workers, _start_worker, (task_program, as_of)) as pool:

        def settle(block: bool) -> None:
            if not in_flight:
                return
            finished, _ = cf.wait(
                list(in_flight),
                timeout=None if block else 0,
                return_when=cf.FIRST_COMPLETED,
            )
            for future in finished:
                kind, pending, index = in_flight.pop(future)
                if kind == "summary":
                    done(future.result())
                    continue
                pending.results[index] = future.result()
                if pending.complete:
                    summarise(pending)

        def summarise(pending: _Pending) -> None:
            scored: list[ScoredActivity] = []
            for index in range(pending.submitted):
                outcome = pending.results[index]
                if isinstance(outcome, ScoredActivity):
                    scored.append(outcome)
                else:
                    pending.out.errors.append(outcome)
            future = pool.submit(_summarise_in_worker, pending.task, scored, pending.out)
            in_flight[future] = ("summary", pending, -1)

        for task in tasks:
            out = ParticipantOutput(task.participant, pd.DataFrame(), pd.DataFrame(), None)
            try:
                _enrollment(task)
            except StrideCheckError as exc:
                out.errors.append(
                    _error(task.participant, ENROLLMENT_FILE, type(exc).__name__, str(exc))
                )
                done(out)
                continue
            pending = _Pending(task, out)
            for label, candidate in _activities(task, out):
                future = pool.submit(
                    _score_file_in_worker, task.participant, task.folder, label, candidate.data
                )
                in_flight[future] = ("file", pending, pending.submitted)
                pending.submitted += 1
                while len(in_flight) >= 4 * workers:
                    settle(block=True)
            pending.listed = True
            if pending.complete:
                summarise(pending)
        while in_flight:
            settle(block=True)


def _run_dask(
    tasks: list[ParticipantTask],
    client: Any,
    address: str | None,
    done: Callable[[ParticipantOutput], None],
) -> None:
    """Run the tasks on a Dask cluster, collecting results as they finish."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError(
            "--dask", "needs dask.distributed: pip install 'stridecheck[dask]'"
        ) from None
    own = client is None
    if own:
        try:
            client = Client(address, timeout="20s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise InputError(
                "--dask", f"cannot reach the scheduler at {address} ({exc})"
            ) from None
    try:
        futures = client.map(process_participant, tasks, pure=False)
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            done(future.result())
            future.release()
    finally:
        if own:
            client.close()


def write_tables(
    tables: dict[str, pd.DataFrame],
    out_dir: str | os.PathLike[str],
    fmt: str = "csv",
    *,
    force: bool = False,
) -> list[Path]:
    """Write each table to ``out_dir/<name>.<fmt>`` atomically, then ``datapackage.json``.

    Returns the paths of the tables and, last, of the data dictionary.

    Raises
    ------
    InputError
        Unknown format, or an existing output without ``force``.
    """
    kind = fmt.strip().lower()
    if kind not in ("csv", "parquet"):
        raise InputError("--format", f"unknown table format {fmt!r}; choose csv or parquet")
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(folder, f"cannot be created ({exc.strerror or exc})") from None
    paths: list[Path] = []
    for name in TABLES:
        target = folder / f"{name}.{kind}"
        table = _portable(tables[name])
        with atomic_output(target, force=force) as tmp:
            if kind == "csv":
                table.to_csv(tmp, index=False)
            else:
                table.to_parquet(tmp, index=False)
        paths.append(target)
    descriptor = datapackage({name: tables[name] for name in TABLES}, kind)
    target = folder / DATAPACKAGE_FILE
    with atomic_output(target, force=force) as tmp:
        Path(tmp).write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    paths.append(target)
    return paths


def _portable(table: pd.DataFrame) -> pd.DataFrame:
    """Dates and times as ISO 8601 text (UTC) so CSV and Parquet hold the same values."""
    out = table.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif series.dtype == object:
            out[col] = series.map(_iso_or_same)
    return out


def _iso_or_same(value: Any) -> Any:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
