"""Import activity files into the store: files, folders and bulk-export zips.

:func:`import_paths` walks what it is given (files, folders recursively,
Garmin and Strava bulk-export zips including zips inside them and ``.gz``
members), skips content already stored (SHA-256 of the decompressed bytes, so
``a.fit`` and ``a.fit.gz`` are one activity), reads and analyses each new
activity (in worker processes when ``workers > 1``) and stores each one with
its analysis in ONE transaction: a process killed at any instant leaves whole
activities only.

Zip archives are unpacked in memory by
:func:`stridecheck.io.containers.zip_members` (no path traversal, size and
ratio limits); nothing is written anywhere but the database.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import io
import itertools
import logging
import multiprocessing
import os
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stridecheck.activity import Activity
from stridecheck.errors import (
    ContainerError,
    EmptyActivityError,
    FitDecodeError,
    GpxError,
    InputError,
    StrideCheckError,
    TcxError,
    UnsupportedFormatError,
    XmlSecurityError,
)
from stridecheck.io import read, sniff_format
from stridecheck.io.containers import MAX_DEPTH, gunzip_layers, zip_members
from stridecheck.pipeline import analyse_activity, refresh_results, update_gait_profile
from stridecheck.programs import Program
from stridecheck.segment.profile import GaitProfile
from stridecheck.store.codec import meta_to_json, samples_to_parquet
from stridecheck.store.repository import ActivityRecord, AnalysisRecord, Enrolment, Store
from stridecheck.store.times import utc_text

__all__ = [
    "ACTIVITY_SUFFIXES",
    "AUTO_POOL_MIN_FILES",
    "REJECTION_KINDS",
    "Candidate",
    "ImportSummary",
    "Prepared",
    "Rejection",
    "activity_record",
    "content_sha256",
    "count_candidates",
    "import_paths",
    "iter_candidates",
    "prepare",
    "process_context",
    "process_pool",
    "read_for_analysis",
    "rejection",
    "rejection_kind",
]

_log = logging.getLogger(__name__)

#: File name endings taken for activity files when walking folders and zips.
ACTIVITY_SUFFIXES: tuple[str, ...] = (".fit", ".gpx", ".tcx", ".gz", ".zip")
#: How deep zips may nest inside zips (Garmin exports hold zips of FIT files): the
#: readers' one container depth limit.
MAX_ZIP_DEPTH = MAX_DEPTH


@dataclass(frozen=True)
class Candidate:
    """One activity file to import: a label (path, or ``archive.zip!member``) and its bytes."""

    label: str
    data: bytes
    #: Containers opened around ``data`` (1 for a member of a zip, 2 in a zip in a zip).
    depth: int = 0


@dataclass(frozen=True)
class Rejection:
    """A file that was not imported, and why.

    Attributes
    ----------
    source
        The file's label (path, or ``archive.zip!member``).
    reason
        What is wrong, in plain (English) words from the reader or check.
    kind
        What sort of problem it is, for a translated lead sentence: one of
        :data:`REJECTION_KINDS` (see :func:`rejection_kind`).
    """

    source: str
    reason: str
    kind: str = "unreadable"


#: Sorts of rejection, from the most to the least specific error class.
REJECTION_KINDS = (
    "unsafe",  # XML entities/DTDs, zip member names that climb out of a folder
    "container",  # a .gz/.zip that is damaged, empty, too large unpacked or nested too deeply
    "format",  # none of FIT, GPX, TCX
    "empty",  # decodes, but holds no timed samples
    "unusable",  # FIT/GPX/TCX that cannot be decoded, or a GPX/TCX without a timed track
    "unreadable",  # any other bad input (missing, unreadable file, ...)
    "analysis",  # read, but the analysis refused it (e.g. too few samples)
    "internal",  # a bug: reported per file so a bulk import goes on
)


def rejection_kind(error: BaseException) -> str:
    """The :data:`REJECTION_KINDS` entry of the error that stopped a file."""
    if isinstance(error, XmlSecurityError):
        return "unsafe"
    if isinstance(error, ContainerError):
        return "container"
    if isinstance(error, UnsupportedFormatError):
        return "format"
    if isinstance(error, EmptyActivityError):
        return "empty"
    if isinstance(error, FitDecodeError | GpxError | TcxError):
        return "unusable"
    if isinstance(error, InputError):
        return "unreadable"
    if isinstance(error, StrideCheckError):
        return "analysis"
    return "internal"


def rejection(label: str, error: BaseException) -> Rejection:
    """The rejection of the file ``label`` stopped by ``error``, with its reason and kind."""
    kind = rejection_kind(error)
    reason = getattr(error, "reason", None) or str(error)
    if kind == "internal":
        reason = f"internal error ({type(error).__name__}: {error})"
    return Rejection(label, reason, kind)


@dataclass(frozen=True)
class Prepared:
    """An activity read, analysed and packed, ready for one store transaction."""

    label: str
    record: ActivityRecord
    analysis: AnalysisRecord


@dataclass
class ImportSummary:
    """What an import did.

    Attributes
    ----------
    imported
        Labels of the activities stored.
    duplicates
        Labels whose content was already stored (or seen earlier in this run).
    duplicate_owners
        For each duplicate label, the athlete its content is stored for (this
        athlete for a file seen earlier in this run).
    rejected
        Files that could not be imported, with reasons.
    skipped
        Files in folders or archives that are not activity files (by name).
    elapsed_s
        Wall-clock time of the import. [s]
    profile_version
        Version of the athlete's gait profile after the import (``None`` while
        no session shows a gait confidently).
    """

    imported: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    duplicate_owners: dict[str, str] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    profile_version: int | None = None

    @property
    def processed(self) -> int:
        """Activity files handled (imported, duplicates and rejected)."""
        return len(self.imported) + len(self.duplicates) + len(self.rejected)

    @property
    def files_per_s(self) -> float:
        """Throughput over activity files handled. [1/s]"""
        return self.processed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "imported": len(self.imported),
            "duplicates": len(self.duplicates),
            "duplicate_files": [
                {"file": label, "athlete": self.duplicate_owners.get(label)}
                for label in self.duplicates
            ],
            "rejected": [
                {"file": r.source, "reason": r.reason, "kind": r.kind} for r in self.rejected
            ],
            "skipped": len(self.skipped),
            "elapsed_s": round(self.elapsed_s, 3),
            "files_per_s": round(self.files_per_s, 2),
        }


def _has_activity_suffix(name: str) -> bool:
    return name.lower().endswith(ACTIVITY_SUFFIXES)


def _expand_zip(label: str, data: bytes, depth: int) -> Iterator[Candidate | Rejection | str]:
    """Activity members of a zip (recursing into nested zips); ``str`` = skipped member."""
    try:
        members = zip_members(data, label)
    except ContainerError as exc:
        yield rejection(label, exc)
        return
    for name in _unsafe_names(data):
        yield Rejection(
            f"{label}!{name}", "unsafe member name (absolute or '..'): refused", "unsafe"
        )
    found = False
    for member in members:
        found = True
        member_label = f"{label}!{member.name}"
        if not _has_activity_suffix(member.name) and sniff_format(member.data) == "unknown":
            yield member_label
            continue
        if sniff_format(member.data) == "zip":
            if depth + 1 >= MAX_ZIP_DEPTH:
                yield Rejection(
                    member_label, "zip archives nested too deeply: refused", "container"
                )
            else:
                yield from _expand_zip(member_label, member.data, depth + 1)
            continue
        yield Candidate(member_label, member.data, depth + 1)
    if not found:
        yield Rejection(label, "zip archive holds no files", "container")


def _unsafe_names(data: bytes) -> list[str]:
    """Member names that would climb out of an extraction folder (never extracted)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [info.filename.replace("\\", "/") for info in archive.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    return [n for n in names if n.startswith("/") or ".." in n.split("/")]


def _walk(path: Path) -> Iterator[tuple[Path, bool]]:
    """Files under ``path`` (``(file, named_explicitly)``), sorted, hidden ones left out."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path)
            if any(part.startswith(".") for part in relative.parts) or not child.is_file():
                continue
            yield child, False
    else:
        yield path, True


def count_candidates(paths: Iterable[str | os.PathLike[str]]) -> int:
    """How many activity files :func:`iter_candidates` will yield, estimated cheaply.

    Counts files named explicitly, activity files by name in folders, and the
    members of zip archives (from their directory, nothing is unpacked). For
    the progress bar's total; the import itself does not depend on it.
    """
    total = 0
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            total += 1
            continue
        for file, explicit in _walk(path):
            if file.name.lower().endswith(".zip"):
                total += _zip_member_count(file)
            elif explicit or _has_activity_suffix(file.name):
                total += 1
    return total


def _zip_member_count(path: Path) -> int:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return 1
    return max(1, sum(1 for name in names if _has_activity_suffix(name)))


def iter_candidates(
    paths: Iterable[str | os.PathLike[str]],
) -> Iterator[Candidate | Rejection | str]:
    """Expand paths into activity candidates, lazily (one file in memory at a time).

    Yields
    ------
    Candidate | Rejection | str
        A file (or zip member) to import; a file refused with its reason; or
        the label of a non-activity file met in a folder or archive (skipped).
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield Rejection(str(path), "no such file or folder")
            continue
        for file, explicit in _walk(path):
            label = str(file)
            if not explicit and not _has_activity_suffix(file.name):
                yield label
                continue
            try:
                data = file.read_bytes()
            except OSError as exc:
                yield Rejection(label, f"cannot be read ({exc.strerror or exc})")
                continue
            if sniff_format(data) == "zip":
                yield from _expand_zip(label, data, 0)
            else:
                yield Candidate(label, data)


def content_sha256(data: bytes, label: str | None = None, depth: int = 0) -> str:
    """SHA-256 (hex) of the activity content: of the decompressed bytes for gzip.

    Gzip layers are unpacked under the limits :func:`stridecheck.read` applies,
    the nesting depth included (``depth``: containers already opened around
    ``data``, e.g. 1 for a zip member), so nothing the reader would refuse is
    expanded here first.

    Raises
    ------
    ContainerError
        For a corrupt or unsafe gzip stream, or one nested too deeply.
    """
    return hashlib.sha256(gunzip_layers(data, label, depth)).hexdigest()


def activity_record(activity: Activity, label: str, sha256: str) -> ActivityRecord:
    """The activity packed for the store: meta as JSON, samples as a Parquet blob."""
    return ActivityRecord(
        sha256=sha256,
        source_path=label,
        source_format=activity.meta.source_format,
        start_time=utc_text(activity.start_time),
        duration_s=activity.duration_s,
        distance_m=activity.distance_m,
        n_samples=len(activity.samples),
        meta_json=meta_to_json(activity.meta),
        samples_parquet=samples_to_parquet(activity.samples),
    )


def read_for_analysis(data: bytes, label: str) -> Activity:
    """Read an activity file's bytes for analysis: quietly, named ``label``, two samples or more.

    Problems met while reading are kept in ``meta.warnings`` (not shown).

    Raises
    ------
    StrideCheckError
        When the bytes are not a readable activity, or hold fewer than two samples.
    """
    activity = read(data, errors="ignore", name=label)
    if len(activity.samples) < 2:
        raise EmptyActivityError(label, "holds fewer than two samples")
    activity.meta.source_path = label
    return activity


def prepare(
    label: str,
    data: bytes,
    sha256: str,
    program: Program | None = None,
    start_date: dt.date | None = None,
    *,
    profile: GaitProfile | None = None,
) -> Prepared | Rejection:
    """Read, analyse and pack one activity (runs in a worker process).

    Never raises for bad input: a file that cannot be read or analysed comes
    back as a :class:`Rejection` with the reason.
    """
    try:
        activity = read_for_analysis(data, label)
        activity.meta.sha256 = sha256
        analysis = analyse_activity(
            activity, program, start_date, errors="ignore", profile=profile
        )
        return Prepared(label, activity_record(activity, label, sha256), analysis.to_record())
    except Exception as exc:  # a bug must not stop a bulk import: report it per file
        return rejection(label, exc)


#: Progress callback: called once per activity file handled with the running summary.
ProgressCallback = Callable[[ImportSummary], None]


class _Committer:
    """Writes prepared activities in the main process, one transaction each."""

    def __init__(
        self,
        store: Store,
        athlete_id: int,
        enrolment: Enrolment | None,
        summary: ImportSummary,
        progress: ProgressCallback | None,
    ) -> None:
        self.store = store
        self.athlete_id = athlete_id
        self.enrolment = enrolment
        self.summary = summary
        self.progress = progress

    def done(self, outcome: Prepared | Rejection) -> None:
        if isinstance(outcome, Rejection):
            self.summary.rejected.append(outcome)
            _log.info("%s: rejected (%s): %s", outcome.source, outcome.kind, outcome.reason)
        else:
            new_id = self.store.add_activity(
                self.athlete_id, outcome.record, outcome.analysis, self.enrolment
            )
            if new_id is not None:
                self.summary.imported.append(outcome.label)
                _log.info("%s: imported (activity %d)", outcome.label, new_id)
            else:
                self.summary.duplicates.append(outcome.label)
                owner = self.store.activity_owner(outcome.record.sha256)
                if owner is not None:
                    self.summary.duplicate_owners[outcome.label] = owner
        self.tick()

    def tick(self) -> None:
        if self.progress is not None:
            self.progress(self.summary)


#: With ``workers=None``, imports of more new files than this run on one process per CPU.
AUTO_POOL_MIN_FILES = 4


def import_paths(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    athlete: str,
    *,
    workers: int | None = 1,
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import activity files for an athlete (added when new).

    Parameters
    ----------
    store
        The open store.
    paths
        Files, folders (walked recursively) and zip archives.
    athlete
        The athlete's name.
    workers
        Processes reading and analysing files; 1 works in this process.
        ``None``: one per CPU once there are more than
        :data:`AUTO_POOL_MIN_FILES` new files (fewer are not worth starting
        processes for), else in this process.
    progress
        Called after each activity file with the running :class:`ImportSummary`.

    Returns
    -------
    ImportSummary
    """
    started = time.perf_counter()
    person = store.ensure_athlete(athlete)
    enrolment = store.current_enrolment(person.id)
    program = enrolment.program() if enrolment is not None else None
    start = enrolment.start_date if enrolment is not None else None
    profile = store.get_gait_profile(person.name)
    summary = ImportSummary()
    committer = _Committer(store, person.id, enrolment, summary, progress)
    seen: set[str] = set()

    def fresh() -> Iterator[tuple[str, bytes, str]]:
        for item in iter_candidates(paths):
            if isinstance(item, str):
                _log.debug("%s: skipped (not an activity file by name or content)", item)
                summary.skipped.append(item)
                continue
            if isinstance(item, Rejection):
                _log.info("%s: rejected (%s): %s", item.source, item.kind, item.reason)
                summary.rejected.append(item)
                committer.tick()
                continue
            try:
                sha = content_sha256(item.data, item.label, item.depth)
            except ContainerError as exc:
                summary.rejected.append(rejection(item.label, exc))
                committer.tick()
                continue
            owner = athlete if sha in seen else store.activity_owner(sha)
            if owner is not None:
                _log.info("%s: duplicate, already stored for %r", item.label, owner)
                summary.duplicates.append(item.label)
                summary.duplicate_owners[item.label] = owner
                committer.tick()
                continue
            seen.add(sha)
            yield item.label, item.data, sha

    items: Iterator[tuple[str, bytes, str]] = fresh()
    if workers is None:
        head = list(itertools.islice(items, AUTO_POOL_MIN_FILES + 1))
        cpus = os.cpu_count() or 1
        workers = cpus if len(head) > AUTO_POOL_MIN_FILES else 1
        items = itertools.chain(head, items)
    _log.debug("import for %r with %d worker process(es)", athlete, workers)
    if workers <= 1:
        for label, data, sha in items:
            committer.done(prepare(label, data, sha, program, start, profile=profile))
    else:
        _run_pool(items, workers, program, start, committer, profile=profile)
    if summary.imported:
        # the new sessions may sharpen the athlete's gait profile: learn it again and
        # recompute the athlete's results where the prior changed
        learnt = update_gait_profile(store, person.name)
        summary.profile_version = None if learnt is None else learnt.version
        refresh_results(store, person.name)
    elif profile is not None:
        summary.profile_version = profile.version
    summary.elapsed_s = time.perf_counter() - started
    return summary


def process_context() -> multiprocessing.context.BaseContext:
    """The start method for worker processes: a fork server with stridecheck preloaded.

    Forking from a clean server is safe with threads in the parent (unlike a
    plain fork) and, with the analysis modules imported once in the server,
    each worker starts in milliseconds instead of re-importing pandas and scipy.
    """
    context = multiprocessing.get_context("forkserver")
    # Workers re-run the main script on start (on Python 3.11 even with "__main__"
    # preloaded), so what the console script imports is preloaded too: re-running
    # it in a worker then costs a few dictionary look-ups.
    context.set_forkserver_preload(
        [
            "__main__",
            "stridecheck.cli",
            "stridecheck.cohort",
            "stridecheck.io.fit",
            "stridecheck.io.fit.decode",
            "stridecheck.io.gpx",
            "stridecheck.io.tcx",
            # else imported by each worker on its first file
            "stridecheck.pipeline",
            "stridecheck.store.codec",
            "pyarrow.parquet",
            "pyarrow.pandas_compat",
        ]
    )
    return context


def process_pool(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> cf.ProcessPoolExecutor:
    """A pool of ``workers`` processes started from :func:`process_context`.

    ``initializer(*initargs)`` runs once in every worker: what all its tasks
    share (the program, dates) travels once per worker, not with every task.
    """
    return cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=process_context(),
        initializer=initializer,
        initargs=initargs,
    )


#: What every task of a worker process shares, set once per worker by :func:`_start_worker`.
_WORKER: dict[str, Any] = {}


def _start_worker(
    program: Program | None, start: dt.date | None, profile: GaitProfile | None = None
) -> None:
    """Worker initialiser: the program arrives once per worker, not with every file."""
    _WORKER["program"] = program
    _WORKER["start"] = start
    _WORKER["profile"] = profile


def _prepare_in_worker(label: str, data: bytes, sha256: str) -> Prepared | Rejection:
    return prepare(
        label,
        data,
        sha256,
        _WORKER.get("program"),
        _WORKER.get("start"),
        profile=_WORKER.get("profile"),
    )


def _run_pool(
    jobs: Iterator[tuple[str, bytes, str]],
    workers: int,
    program: Program | None,
    start: dt.date | None,
    committer: _Committer,
    *,
    profile: GaitProfile | None = None,
) -> None:
    """Prepare in a process pool with a bounded queue; commit in completion order.

    The program is sent to each worker once (pool initialiser); a task carries
    only the file's label, bytes and hash.
    """
    in_flight: set[cf.Future[Prepared | Rejection]] = set()
    with process_pool(workers, _start_worker, (program, start, profile)) as pool:
        for label, data, sha in jobs:
            in_flight.add(pool.submit(_prepare_in_worker, label, data, sha))
            if len(in_flight) >= 4 * workers:
                finished, in_flight = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    committer.done(future.result())
        for future in cf.as_completed(in_flight):
            committer.done(future.result())
