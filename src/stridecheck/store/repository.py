"""Queries over the store: athletes, programs, enrolments, activities, results, notes.

:class:`Store` owns one connection. Every write that belongs together is one
transaction (an activity with its analysis, intervals and compliance; a
recomputed analysis), so a process killed at any instant leaves either all of
an activity's rows or none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from stridecheck.activity import Activity
from stridecheck.errors import InputError
from stridecheck.programs import Program, dumps_program, loads_program
from stridecheck.segment.intervals import INTERVAL_COLUMNS
from stridecheck.segment.profile import GaitProfile
from stridecheck.store.codec import activity_from_blobs
from stridecheck.store.db import connect, resolve_db_path, transaction
from stridecheck.store.migrations import migrate
from stridecheck.store.times import parse_utc_texts

__all__ = [
    "INTERVAL_FIELDS",
    "PAIN_RANGE",
    "RPE_RANGE",
    "ActivityRecord",
    "AnalysisRecord",
    "Athlete",
    "ComplianceRecord",
    "Enrolment",
    "Store",
    "note_problem",
    "program_sha256",
    "validate_note",
]

#: Interval columns stored per analysed activity (the segmenter's public columns).
INTERVAL_FIELDS: tuple[str, ...] = INTERVAL_COLUMNS
#: Visual analogue scale for pain. [0-100]
PAIN_RANGE: tuple[float, float] = (0.0, 100.0)
#: Borg rating of perceived exertion. [6-20]
RPE_RANGE: tuple[int, int] = (6, 20)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _finite(value: Any) -> float | None:
    """A float for the database (``None`` for missing or non-finite values)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def program_sha256(program: Program) -> tuple[str, str]:
    """The canonical TOML text of a program and its SHA-256 (hex)."""
    text = dumps_program(program)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Athlete:
    """A person in the store."""

    id: int
    name: str
    created_at: str


@dataclass(frozen=True)
class Enrolment:
    """An athlete's enrolment in a program from a start date."""

    id: int
    athlete_id: int
    athlete: str
    program_name: str
    program_sha256: str
    program_toml: str
    start_date: dt.date

    def program(self) -> Program:
        """The enrolled program, parsed from its stored TOML."""
        return loads_program(self.program_toml, source=f"<stored program {self.program_name}>")


@dataclass(frozen=True)
class ActivityRecord:
    """An activity packed for the store (see :mod:`stridecheck.store.codec`)."""

    sha256: str
    source_path: str | None
    source_format: str | None
    start_time: str | None
    duration_s: float | None
    distance_m: float | None
    n_samples: int
    meta_json: str
    samples_parquet: bytes


@dataclass(frozen=True)
class ComplianceRecord:
    """The compliance of one activity against its matched prescribed session."""

    session_id: str | None
    score: float | None
    category: str | None
    run_compliance_pct: float | None
    walk_compliance_pct: float | None
    result_json: str


@dataclass(frozen=True)
class AnalysisRecord:
    """What the pipeline computed for one activity, ready to store."""

    algorithm_version: str
    method: str
    methods_text: str
    intervals: tuple[dict[str, Any], ...]
    compliance: ComplianceRecord | None = None
    methods_json: str | None = None


def note_problem(
    pain_before: float | None, pain_after: float | None, rpe: int | None, text: str
) -> tuple[str, float | None] | None:
    """The first thing wrong with a session note's values, or ``None``.

    Pain is on a 0-100 visual analogue scale, RPE on Borg's 6-20 scale, and a
    note needs at least one of them or a text.

    Returns
    -------
    tuple or None
        ``(field, value)``: field ``"pain_before"`` or ``"pain_after"`` (pain
        out of range), ``"rpe"`` (RPE out of range) or ``"empty"`` (nothing
        given; value ``None``). Callers word it (CLI options, dashboard labels).
    """
    for field_name, value in (("pain_before", pain_before), ("pain_after", pain_after)):
        if value is None:
            continue
        if not math.isfinite(value) or not PAIN_RANGE[0] <= value <= PAIN_RANGE[1]:
            return field_name, value
    if rpe is not None and not RPE_RANGE[0] <= rpe <= RPE_RANGE[1]:
        return "rpe", rpe
    if pain_before is None and pain_after is None and rpe is None and not text.strip():
        return "empty", None
    return None


def validate_note(
    pain_before: float | None, pain_after: float | None, rpe: int | None, text: str
) -> None:
    """Check a session note's values; raise :class:`InputError` naming the bad option.

    The rules are :func:`note_problem`'s, worded for the command line.
    """
    problem = note_problem(pain_before, pain_after, rpe, text)
    if problem is None:
        return
    field_name, value = problem
    if field_name == "rpe":
        raise InputError("--rpe", f"RPE must be 6-20 on the Borg scale, not {value}")
    if field_name == "empty":
        raise InputError("note", "give at least one of --pain-before, --pain-after, --rpe or text")
    raise InputError(
        "--" + field_name.replace("_", "-"),
        f"pain must be 0-100 on the visual analogue scale, not {value}",
    )


class Store:
    """The local stridecheck database (see :mod:`stridecheck.store`).

    Parameters
    ----------
    conn
        An open connection at the current schema version (use :meth:`open`).
    path
        The database file.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, db: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
        """Open (creating and migrating as needed) the store at ``db`` or the default path.

        With ``create=False`` (what only reads) a missing store is an
        :class:`InputError` instead of a new empty file.
        """
        path = resolve_db_path(db)
        if not create and not path.exists():
            raise InputError(
                path,
                "no store here yet; 'stridecheck import FILES --athlete NAME' creates it "
                "(or give --db / $STRIDECHECK_DB)",
            )
        conn = connect(path)
        try:
            migrate(conn, str(path))
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- athletes --------------------------------------------------------------

    def ensure_athlete(self, name: str) -> Athlete:
        """The athlete of this name, added when new."""
        clean = name.strip()
        if not clean:
            raise InputError("--athlete", "an athlete name cannot be empty")
        with transaction(self.conn):
            self.conn.execute(
                "INSERT OR IGNORE INTO athletes (name, created_at) VALUES (?, ?)", (clean, _now())
            )
        return self.athlete(clean)

    def athlete(self, name: str) -> Athlete:
        """The athlete of this name; :class:`InputError` (listing the known ones) if unknown."""
        row = self.conn.execute(
            "SELECT id, name, created_at FROM athletes WHERE name = ?", (name.strip(),)
        ).fetchone()
        if row is None:
            known = [r[0] for r in self.conn.execute("SELECT name FROM athletes ORDER BY name")]
            listing = ", ".join(known[:20]) if known else "none yet"
            raise InputError(name, f"no such athlete in {self.path} (known: {listing})")
        return Athlete(int(row[0]), str(row[1]), str(row[2]))

    def athletes_summary(self) -> list[dict[str, Any]]:
        """One dict per athlete: name, activities, first / last activity, program, start, notes."""
        rows = self.conn.execute(
            """
            SELECT a.id, a.name,
                   (SELECT count(*) FROM activities v WHERE v.athlete_id = a.id),
                   (SELECT min(start_time) FROM activities v WHERE v.athlete_id = a.id),
                   (SELECT max(start_time) FROM activities v WHERE v.athlete_id = a.id),
                   (SELECT count(*) FROM session_notes n WHERE n.athlete_id = a.id),
                   (SELECT count(*) FROM session_notes n
                     WHERE n.athlete_id = a.id AND n.adverse_event = 1)
            FROM athletes a ORDER BY a.name
            """
        ).fetchall()
        out: list[dict[str, Any]] = []
        for athlete_id, name, n_act, first, last, n_notes, n_adverse in rows:
            enrolment = self.current_enrolment(int(athlete_id))
            out.append(
                {
                    "athlete": name,
                    "activities": int(n_act),
                    "first_activity": first,
                    "last_activity": last,
                    "program": enrolment.program_name if enrolment else None,
                    "start_date": enrolment.start_date.isoformat() if enrolment else None,
                    "notes": int(n_notes),
                    "adverse_events": int(n_adverse),
                }
            )
        return out

    # -- programs and enrolments ---------------------------------------------------

    def put_program(self, program: Program) -> tuple[int, str]:
        """Store a program's canonical TOML once; return ``(program id, sha256)``."""
        text, sha = program_sha256(program)
        with transaction(self.conn):
            self.conn.execute(
                "INSERT OR IGNORE INTO programs (name, sha256, toml, created_at) "
                "VALUES (?, ?, ?, ?)",
                (program.name, sha, text, _now()),
            )
        row = self.conn.execute("SELECT id FROM programs WHERE sha256 = ?", (sha,)).fetchone()
        return int(row[0]), sha

    def enroll(self, athlete_name: str, program: Program, start: dt.date) -> Enrolment:
        """Enrol an athlete (added when new) in a program from ``start``; idempotent."""
        athlete = self.ensure_athlete(athlete_name)
        program_id, _ = self.put_program(program)
        with transaction(self.conn):
            self.conn.execute(
                "INSERT OR IGNORE INTO enrolments (athlete_id, program_id, start_date, created_at)"
                " VALUES (?, ?, ?, ?)",
                (athlete.id, program_id, start.isoformat(), _now()),
            )
            # re-enrolling in an existing enrolment makes it the current one again
            self.conn.execute(
                "UPDATE enrolments SET created_at = ? "
                "WHERE athlete_id = ? AND program_id = ? AND start_date = ?",
                (_now(), athlete.id, program_id, start.isoformat()),
            )
        enrolment = self.current_enrolment(athlete.id)
        assert enrolment is not None
        return enrolment

    _ENROLMENT_SQL = """
        SELECT e.id, e.athlete_id, a.name, p.name, p.sha256, p.toml, e.start_date
        FROM enrolments e JOIN athletes a ON a.id = e.athlete_id
                          JOIN programs p ON p.id = e.program_id
    """

    @staticmethod
    def _enrolment(row: tuple[Any, ...]) -> Enrolment:
        return Enrolment(
            id=int(row[0]),
            athlete_id=int(row[1]),
            athlete=str(row[2]),
            program_name=str(row[3]),
            program_sha256=str(row[4]),
            program_toml=str(row[5]),
            start_date=dt.date.fromisoformat(str(row[6])),
        )

    def current_enrolment(self, athlete_id: int) -> Enrolment | None:
        """The athlete's latest enrolment (last made), or ``None``."""
        row = self.conn.execute(
            self._ENROLMENT_SQL + " WHERE e.athlete_id = ? ORDER BY e.created_at DESC, e.id DESC"
            " LIMIT 1",
            (athlete_id,),
        ).fetchone()
        return None if row is None else self._enrolment(row)

    # -- activities ---------------------------------------------------------------

    def has_activity(self, sha256: str) -> bool:
        """True when an activity with this content hash is stored."""
        row = self.conn.execute("SELECT 1 FROM activities WHERE sha256 = ?", (sha256,)).fetchone()
        return row is not None

    def activity_owner(self, sha256: str) -> str | None:
        """The athlete an activity with this content hash is stored for (name), or ``None``."""
        row = self.conn.execute(
            "SELECT a.name FROM activities AS x JOIN athletes AS a ON a.id = x.athlete_id "
            "WHERE x.sha256 = ?",
            (sha256,),
        ).fetchone()
        return None if row is None else str(row[0])

    def add_activity(
        self,
        athlete_id: int,
        record: ActivityRecord,
        analysis: AnalysisRecord | None,
        enrolment: Enrolment | None,
    ) -> int | None:
        """Store an activity with its analysis in ONE transaction; ``None`` if a duplicate."""
        with transaction(self.conn):
            cursor = self.conn.execute(
                """
                INSERT OR IGNORE INTO activities (sha256, athlete_id, source_path, source_format,
                    start_time, duration_s, distance_m, n_samples, meta_json, samples_parquet,
                    imported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    record.sha256,
                    athlete_id,
                    record.source_path,
                    record.source_format,
                    record.start_time,
                    _finite(record.duration_s),
                    _finite(record.distance_m),
                    record.n_samples,
                    record.meta_json,
                    sqlite3.Binary(record.samples_parquet),
                    _now(),
                ),
            )
            if cursor.rowcount == 0:
                return None
            activity_id = int(cursor.lastrowid or 0)
            if analysis is not None:
                self._write_analysis(activity_id, analysis, enrolment)
        return activity_id

    def replace_analysis(
        self, activity_id: int, analysis: AnalysisRecord, enrolment: Enrolment | None
    ) -> None:
        """Replace an activity's stored analysis (and its compliance) in one transaction."""
        with transaction(self.conn):
            self._write_analysis(activity_id, analysis, enrolment)

    def _write_analysis(
        self, activity_id: int, analysis: AnalysisRecord, enrolment: Enrolment | None
    ) -> None:
        now = _now()
        self.conn.execute("DELETE FROM analyses WHERE activity_id = ?", (activity_id,))
        self.conn.execute(
            "INSERT INTO analyses (activity_id, algorithm_version, method, methods_text, "
            "methods_json, n_intervals, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                activity_id,
                analysis.algorithm_version,
                analysis.method,
                analysis.methods_text,
                analysis.methods_json,
                len(analysis.intervals),
                now,
            ),
        )
        self.conn.executemany(
            'INSERT INTO intervals (activity_id, idx, kind, start, "end", duration_s, distance_m,'
            " mean_speed_mps, pace_s_per_km, mean_heart_rate_bpm, mean_cadence_spm, confidence)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    activity_id,
                    i,
                    str(row["kind"]),
                    str(row["start"]),
                    str(row["end"]),
                    *(_finite(row.get(key)) for key in INTERVAL_FIELDS[3:]),
                )
                for i, row in enumerate(analysis.intervals)
            ],
        )
        if enrolment is None:
            return
        self.conn.execute(
            "DELETE FROM compliance WHERE activity_id = ? AND enrolment_id = ?",
            (activity_id, enrolment.id),
        )
        comp = analysis.compliance
        if comp is None:
            return
        self.conn.execute(
            "INSERT INTO compliance (activity_id, enrolment_id, program_sha256, session_id, score,"
            " category, run_compliance_pct, walk_compliance_pct, result_json, algorithm_version,"
            " computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                activity_id,
                enrolment.id,
                enrolment.program_sha256,
                comp.session_id,
                _finite(comp.score),
                comp.category,
                _finite(comp.run_compliance_pct),
                _finite(comp.walk_compliance_pct),
                comp.result_json,
                analysis.algorithm_version,
                now,
            ),
        )

    def activity_ids(self, athlete_id: int) -> list[int]:
        """The athlete's activity ids, oldest first."""
        rows = self.conn.execute(
            "SELECT id FROM activities WHERE athlete_id = ? ORDER BY start_time, id", (athlete_id,)
        )
        return [int(r[0]) for r in rows]

    def load_activity(self, activity_id: int) -> Activity:
        """Rebuild a stored activity (samples and meta)."""
        row = self.conn.execute(
            "SELECT meta_json, samples_parquet FROM activities WHERE id = ?", (activity_id,)
        ).fetchone()
        if row is None:
            raise InputError(f"activity {activity_id}", "no such activity in the store")
        return activity_from_blobs(str(row[0]), bytes(row[1]))

    def activities_frame(self, athlete_id: int) -> pd.DataFrame:
        """The athlete's activities (id, sha256, source, start_time, duration_s, distance_m)."""
        return pd.read_sql_query(
            "SELECT id, sha256, source_path, source_format, start_time, duration_s, distance_m,"
            " n_samples FROM activities WHERE athlete_id = ? ORDER BY start_time, id",
            self.conn,
            params=(athlete_id,),
        )

    def stale_activity_ids(
        self, athlete_id: int, algorithm_version: str, enrolment: Enrolment | None
    ) -> list[int]:
        """Activities whose stored results are missing or were made by another version.

        Stale means: no analysis, an analysis by another algorithm version, or
        (when enrolled) no compliance row for the enrolment, or one computed for
        another program text or algorithm version.
        """
        params: list[Any] = [algorithm_version]
        compliance_clause = ""
        if enrolment is not None:
            compliance_clause = """
                OR NOT EXISTS (SELECT 1 FROM compliance c WHERE c.activity_id = v.id
                               AND c.enrolment_id = ? AND c.program_sha256 = ?
                               AND c.algorithm_version = ?)"""
            params += [enrolment.id, enrolment.program_sha256, algorithm_version]
        rows = self.conn.execute(
            f"""
            SELECT v.id FROM activities v LEFT JOIN analyses a ON a.activity_id = v.id
            WHERE v.athlete_id = ? AND (a.activity_id IS NULL OR a.algorithm_version != ?
            {compliance_clause})
            ORDER BY v.start_time, v.id
            """,
            [athlete_id, *params],
        )
        return [int(r[0]) for r in rows]

    def intervals(self, activity_id: int) -> pd.DataFrame:
        """The stored intervals of an activity (columns :data:`INTERVAL_FIELDS`)."""
        frame = pd.read_sql_query(
            'SELECT kind, start, "end", duration_s, distance_m, mean_speed_mps, pace_s_per_km,'
            " mean_heart_rate_bpm, mean_cadence_spm, confidence FROM intervals"
            " WHERE activity_id = ? ORDER BY idx",
            self.conn,
            params=(activity_id,),
        )
        for col in ("start", "end"):
            frame[col] = parse_utc_texts(frame[col])
        return frame

    def compliance_frame(self, enrolment: Enrolment) -> pd.DataFrame:
        """Stored compliance of the enrolment's activities, one row per activity."""
        frame = pd.read_sql_query(
            "SELECT c.activity_id, v.start_time, v.source_path, c.session_id, c.score,"
            " c.category, c.run_compliance_pct, c.walk_compliance_pct, c.algorithm_version"
            " FROM compliance c JOIN activities v ON v.id = c.activity_id"
            " WHERE c.enrolment_id = ? AND c.program_sha256 = ? ORDER BY v.start_time, v.id",
            self.conn,
            params=(enrolment.id, enrolment.program_sha256),
        )
        return frame

    def compliance_results(self, enrolment: Enrolment) -> dict[int, dict[str, Any]]:
        """Stored compliance documents of the enrolment, by activity id."""
        rows = self.conn.execute(
            "SELECT activity_id, result_json FROM compliance"
            " WHERE enrolment_id = ? AND program_sha256 = ?",
            (enrolment.id, enrolment.program_sha256),
        )
        return {int(r[0]): json.loads(r[1]) for r in rows}

    # -- gait profiles --------------------------------------------------------------

    def put_gait_profile(self, athlete_name: str, profile: GaitProfile) -> GaitProfile:
        """Store a new version of an athlete's gait profile; return it as stored.

        The version is the next one for the athlete (1 for the first), whatever
        ``profile.version`` says; the profile keeps the athlete's name and the
        sessions (activity SHA-256) it was learnt from.

        Raises
        ------
        InputError
            For an unknown athlete.
        """
        athlete = self.athlete(athlete_name)
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM gait_profiles WHERE athlete_id = ?",
                (athlete.id,),
            ).fetchone()
            version = int(row[0]) + 1
            stored = dataclasses.replace(profile, athlete=athlete.name, version=version)
            self.conn.execute(
                "INSERT INTO gait_profiles (athlete_id, version, profile_json, sessions_json,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (
                    athlete.id,
                    version,
                    json.dumps(stored.to_dict(), sort_keys=True, allow_nan=False),
                    json.dumps(list(stored.sessions)),
                    _now(),
                ),
            )
        return stored

    def get_gait_profile(
        self, athlete_name: str, version: int | None = None
    ) -> GaitProfile | None:
        """An athlete's gait profile: the newest, or ``version``; ``None`` when there is none.

        Raises
        ------
        InputError
            For an unknown athlete.
        """
        athlete = self.athlete(athlete_name)
        if version is None:
            row = self.conn.execute(
                "SELECT profile_json FROM gait_profiles WHERE athlete_id = ?"
                " ORDER BY version DESC LIMIT 1",
                (athlete.id,),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT profile_json FROM gait_profiles WHERE athlete_id = ? AND version = ?",
                (athlete.id, int(version)),
            ).fetchone()
        return None if row is None else GaitProfile.from_dict(json.loads(row[0]))

    def gait_profile_versions(self, athlete_name: str) -> list[tuple[int, tuple[str, ...]]]:
        """Every stored version of an athlete's profile with the sessions it came from."""
        athlete = self.athlete(athlete_name)
        rows = self.conn.execute(
            "SELECT version, sessions_json FROM gait_profiles WHERE athlete_id = ?"
            " ORDER BY version",
            (athlete.id,),
        )
        return [(int(r[0]), tuple(json.loads(r[1]))) for r in rows]

    # -- notes ----------------------------------------------------------------------

    def add_note(
        self,
        athlete_name: str,
        session_id: str,
        *,
        pain_before: float | None = None,
        pain_after: float | None = None,
        rpe: int | None = None,
        adverse_event: bool = False,
        text: str = "",
        clearance: bool = False,
    ) -> int:
        """Record a session note for an enrolled athlete; return its id.

        ``clearance`` marks a coach's clearance after an adverse event (it needs
        a text saying who cleared and why); progression stays blocked until one
        is recorded after the event.

        Raises
        ------
        InputError
            Unknown athlete, athlete not enrolled, a session id not in the
            enrolled program, or values out of range (see :func:`validate_note`).
        """
        if clearance and not text.strip():
            raise InputError("--clear", "a clearance needs a text: who cleared it and why")
        validate_note(pain_before, pain_after, rpe, text)
        athlete = self.athlete(athlete_name)
        enrolment = self.current_enrolment(athlete.id)
        if enrolment is None:
            raise InputError(
                athlete.name, "is not enrolled in a program; run 'stridecheck enroll' first"
            )
        program = enrolment.program()
        if session_id not in program.session_ids:
            ids = program.session_ids
            shown = ", ".join(ids[:6]) + (", ..." if len(ids) > 6 else "")
            raise InputError(
                "--session", f"no session {session_id!r} in {program.name!r} (sessions: {shown})"
            )
        with transaction(self.conn):
            cursor = self.conn.execute(
                "INSERT INTO session_notes (athlete_id, enrolment_id, session_id, pain_before,"
                " pain_after, rpe, adverse_event, text, created_at, clearance)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    athlete.id,
                    enrolment.id,
                    session_id,
                    pain_before,
                    pain_after,
                    rpe,
                    int(adverse_event),
                    text.strip(),
                    _now(),
                    int(clearance),
                ),
            )
        return int(cursor.lastrowid or 0)

    def notes_frame(self, athlete_id: int) -> pd.DataFrame:
        """The athlete's session notes, oldest first."""
        frame = pd.read_sql_query(
            "SELECT id, session_id, pain_before, pain_after, rpe, adverse_event, text, created_at,"
            " clearance FROM session_notes WHERE athlete_id = ? ORDER BY created_at, id",
            self.conn,
            params=(athlete_id,),
        )
        frame["adverse_event"] = frame["adverse_event"].astype(bool)
        frame["clearance"] = frame["clearance"].astype(bool)
        return frame
