"""The crash-safe session journal: raw notifications appended to disk as they arrive.

A journal is a UTF-8 JSON-lines file. The first line is the header; every
other line is a record; nothing is ever rewritten:

* header ``{"k": "h", "format": "stridecheck-live-journal", "version": 1,
  "start_time": ISO-8601 UTC, "sensors": {role: identifier}, "meta": {...}}``;
* notification ``{"k": "n", "t": 12.3456, "s": "hr", "p": "104a6103"}``: time
  since ``start_time`` [s], sensor role, payload as hex, exactly as received;
* event ``{"k": "e", "t": ..., "s": "footpod", "e": "connected", "d": {...}}``:
  ``sensor`` (what the sensor is: name, address, profile, RSC feature, battery),
  ``connected``, ``disconnected``, ``connect_failed``, ``stopped``.

Payloads are journaled raw, before parsing, so a journal keeps even the
notifications the parsers reject, and turning a journal into an activity
(:func:`stridecheck.live.merge.activity_from_journal`) is the same code on a
clean stop and after a crash.

:class:`JournalWriter` buffers records and writes them in small batches
(``flush`` writes and flushes to the operating system, so a killed process
loses nothing already flushed; an ``fsync`` every ``fsync_interval_s`` also
survives a power cut; the recorder runs it in a worker thread so that it
never holds up the event loop). :func:`read_journal` tolerates what a crash leaves: a
cut-off last line is reported, not fatal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from stridecheck.errors import InputError

__all__ = [
    "JOURNAL_FORMAT",
    "JOURNAL_VERSION",
    "Journal",
    "JournalEvent",
    "JournalNotification",
    "JournalWriter",
    "read_journal",
]

JOURNAL_FORMAT = "stridecheck-live-journal"
JOURNAL_VERSION = 1


@dataclass(frozen=True)
class JournalNotification:
    """One notification as journaled.

    Attributes
    ----------
    t
        Arrival time since the journal's ``start_time``. [s]
    role
        Sensor role (``"hr"``, ``"footpod"``, ``"treadmill"``).
    payload
        The bytes as received.
    """

    t: float
    role: str
    payload: bytes


@dataclass(frozen=True)
class JournalEvent:
    """One event (connection change, sensor description, stop).

    Attributes
    ----------
    t
        Time since ``start_time``. [s]
    role
        Sensor role, or ``""`` for session events.
    event
        ``"sensor"``, ``"connected"``, ``"disconnected"``, ``"connect_failed"``,
        ``"stopped"``.
    data
        Event details.
    """

    t: float
    role: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Journal:
    """A journal read back.

    Attributes
    ----------
    path
        File it was read from.
    start_time
        UTC time of ``t = 0``.
    sensors
        Requested sensors: role -> identifier (address or name).
    meta
        Session metadata from the header (program, session, athlete, backend).
    notifications, events
        Records in file order.
    problems
        Lines that could not be read (e.g. the line a crash cut off).
    """

    path: Path
    start_time: dt.datetime
    sensors: dict[str, str]
    meta: dict[str, Any]
    notifications: list[JournalNotification] = field(default_factory=list)
    events: list[JournalEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def stopped_cleanly(self) -> bool:
        """True when the recorder wrote its ``stopped`` event."""
        return any(e.event == "stopped" for e in self.events)


def _dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class JournalWriter:
    """Append-only journal writer with small-batch flushing.

    Parameters
    ----------
    path
        New file to create (an existing file is never overwritten).
    start_time
        UTC time of ``t = 0``.
    sensors
        Requested sensors: role -> identifier.
    meta
        Extra header fields (JSON-serialisable).
    batch_size
        Records buffered before :meth:`add` flushes by itself.
    fsync_interval_s
        Also ``os.fsync`` when this long has passed since the last one
        (``0`` fsyncs every flush, ``None`` never). [s]

    Raises
    ------
    InputError
        The file exists or cannot be created.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        start_time: dt.datetime,
        sensors: Mapping[str, str],
        meta: Mapping[str, Any] | None = None,
        *,
        batch_size: int = 16,
        fsync_interval_s: float | None = 1.0,
    ) -> None:
        if start_time.tzinfo is None:
            raise ValueError("start_time must be timezone-aware (UTC)")
        self.path = Path(path)
        self.batch_size = max(1, batch_size)
        self.fsync_interval_s = fsync_interval_s
        self._buffer: list[str] = []
        self._last_fsync = time.monotonic()
        self.records_written = 0
        try:
            self._file: TextIO | None = self.path.open("x", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise InputError(self.path, f"cannot create journal: {exc.strerror}") from None
        header = {
            "k": "h",
            "format": JOURNAL_FORMAT,
            "version": JOURNAL_VERSION,
            "start_time": start_time.astimezone(dt.UTC).isoformat(),
            "sensors": dict(sensors),
            "meta": dict(meta or {}),
        }
        self._buffer.append(_dumps(header))
        self.flush(force_fsync=True)

    @property
    def pending(self) -> int:
        """Records buffered, not yet written."""
        return len(self._buffer)

    def add_notification(self, t: float, role: str, payload: bytes) -> None:
        """Buffer a notification (flushes when the batch is full)."""
        self._add({"k": "n", "t": round(t, 6), "s": role, "p": payload.hex()})

    def add_event(
        self, t: float, role: str, event: str, data: Mapping[str, Any] | None = None
    ) -> None:
        """Buffer an event (flushes when the batch is full)."""
        record: dict[str, Any] = {"k": "e", "t": round(t, 6), "s": role, "e": event}
        if data:
            record["d"] = dict(data)
        self._add(record)

    def _add(self, record: Mapping[str, Any]) -> None:
        self._buffer.append(_dumps(record))
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self, *, force_fsync: bool = False, auto_fsync: bool = True) -> int:
        """Write buffered records and flush them to the operating system.

        Parameters
        ----------
        force_fsync
            Also ``fsync`` now.
        auto_fsync
            ``fsync`` when :meth:`sync_due` (set False to call :meth:`sync`
            yourself, e.g. from a worker thread).

        Returns
        -------
        int
            Records written by this call.
        """
        if self._file is None:
            raise ValueError(f"journal {self.path} is closed")
        n = len(self._buffer)
        if n:
            self._file.write("\n".join(self._buffer) + "\n")
            self._buffer.clear()
            self._file.flush()
            self.records_written += n
        if force_fsync or (auto_fsync and self.sync_due()):
            self.sync()
        return n

    def sync_due(self) -> bool:
        """True when ``fsync_interval_s`` has passed since the last ``fsync``."""
        interval = self.fsync_interval_s
        return interval is not None and time.monotonic() - self._last_fsync >= interval

    def sync(self) -> None:
        """``fsync`` what has been flushed (safe to call from another thread)."""
        self._last_fsync = time.monotonic()
        if self._file is not None:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Flush, fsync and close (idempotent)."""
        if self._file is None:
            return
        self.flush(force_fsync=True)
        self._file.close()
        self._file = None


def _parse_header(line: str, path: Path) -> tuple[dt.datetime, dict[str, str], dict[str, Any]]:
    try:
        header = json.loads(line)
    except json.JSONDecodeError:
        raise InputError(path, "first line is not a journal header") from None
    if not isinstance(header, dict) or header.get("format") != JOURNAL_FORMAT:
        raise InputError(path, f"not a stridecheck journal (no {JOURNAL_FORMAT!r} header)")
    if header.get("version") != JOURNAL_VERSION:
        raise InputError(path, f"journal version {header.get('version')!r} not supported")
    try:
        start = dt.datetime.fromisoformat(str(header["start_time"]))
    except (KeyError, ValueError):
        raise InputError(path, "journal header has no valid start_time") from None
    if start.tzinfo is None:
        raise InputError(path, "journal start_time has no time zone")
    sensors = header.get("sensors", {})
    meta = header.get("meta", {})
    if not isinstance(sensors, dict) or not isinstance(meta, dict):
        raise InputError(path, "journal header sensors/meta must be objects")
    return start.astimezone(dt.UTC), {str(k): str(v) for k, v in sensors.items()}, meta


def _record(obj: Any) -> JournalNotification | JournalEvent:
    if not isinstance(obj, dict):
        raise ValueError("record is not an object")
    t = float(obj["t"])
    role = str(obj.get("s", ""))
    if obj.get("k") == "n":
        return JournalNotification(t, role, bytes.fromhex(str(obj["p"])))
    if obj.get("k") == "e":
        data = obj.get("d", {})
        if not isinstance(data, dict):
            raise ValueError("event data is not an object")
        return JournalEvent(t, role, str(obj["e"]), data)
    raise ValueError(f"unknown record kind {obj.get('k')!r}")


def read_journal(path: str | os.PathLike[str]) -> Journal:
    """Read a journal, including one left by a crash.

    Unreadable lines (typically the last one, cut off by the crash) are skipped
    and listed in :attr:`Journal.problems`.

    Raises
    ------
    InputError
        The file cannot be read, or has no valid header.
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise InputError(p, f"cannot read journal: {exc.strerror}") from None
    lines = text.split("\n")
    if not lines or not lines[0].strip():
        raise InputError(p, "empty journal")
    start, sensors, meta = _parse_header(lines[0], p)
    journal = Journal(p, start, sensors, meta)
    last = len(lines) - 1
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            record = _record(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            where = "last line (cut off by a crash?)" if number - 1 == last else f"line {number}"
            journal.problems.append(f"{where} skipped: {exc}")
            continue
        if isinstance(record, JournalNotification):
            journal.notifications.append(record)
        else:
            journal.events.append(record)
    return journal
