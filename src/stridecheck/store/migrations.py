"""Versioned schema migrations, tracked in ``PRAGMA user_version``.

:data:`MIGRATIONS` is append-only: migration ``n`` (1-based) takes a database
from ``user_version = n - 1`` to ``n``. Each runs in its own transaction with
the version bump, so a crash leaves the database at a whole version. Never
edit a released migration; add a new one.

Schema (version 1)
------------------
``athletes``
    One row per person (``name`` unique).
``programs``
    Each program text stored once: canonical TOML and its SHA-256.
``enrolments``
    Athlete, program and start date (a person may be enrolled more than once).
``activities``
    One row per distinct activity content (``sha256`` unique, of the
    decompressed file bytes), the athlete, where it came from, the reader's
    meta as JSON and the canonical samples as a compressed Parquet blob.
``analyses``
    The segmentation of an activity: method, methods text, the algorithm
    version that produced it and how many interval rows it has.
``intervals``
    The walk / run / stop intervals of each analysed activity.
``compliance``
    The compliance of an activity against its enrolment's program: matched
    session, score, category, the full result as JSON, the program hash and
    the algorithm version used (stale rows are recomputed).
``session_notes``
    What the athlete reported about a prescribed session: pain before / after
    (0-100 visual analogue scale), RPE (Borg 6-20), free text, adverse event.

Version 2
---------
``analyses.methods_json``: the methods paragraph as a translatable message tree
(:func:`stridecheck.messages.to_json`), so reports word it in their language;
``NULL`` for analyses stored by version 1 (reports then read the English text
back, :func:`stridecheck.segment.methods.parse_methods_text`).

Session-note clearance
----------------------
``session_notes.clearance``: 1 when the note is a coach's clearance after an
adverse event (progression is blocked until one is recorded after the event);
0 for every note stored before.

One time text form
------------------
Stored instants (``intervals.start`` / ``"end"``, ``activities.start_time``)
rewritten to the one form of :mod:`stridecheck.store.times`
(``YYYY-MM-DDTHH:MM:SS.fffffffff+00:00``): older versions wrote whole seconds
as ``...:24+00:00`` and fractions as ``...:24.500000+00:00`` in one column.
This migration is Python (a callable), not SQL: it parses each text as ISO 8601.

Gait profiles
-------------
``gait_profiles``: each athlete's gait profiles
(:class:`stridecheck.segment.profile.GaitProfile`), one row per version
(``version`` from 1, the newest is the one in use), the profile as JSON and
the SHA-256 of the activities it was learnt from (``sessions_json``), so a
result can be traced to the sessions behind its prior.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pandas as pd

from stridecheck.errors import InputError
from stridecheck.store.db import transaction
from stridecheck.store.times import utc_texts

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "migrate", "schema_version"]

_V1 = """
CREATE TABLE athletes (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    created_at  TEXT NOT NULL
);
CREATE TABLE programs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    toml        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE enrolments (
    id          INTEGER PRIMARY KEY,
    athlete_id  INTEGER NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,
    program_id  INTEGER NOT NULL REFERENCES programs(id),
    start_date  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (athlete_id, program_id, start_date)
);
CREATE TABLE activities (
    id              INTEGER PRIMARY KEY,
    sha256          TEXT NOT NULL UNIQUE,
    athlete_id      INTEGER NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,
    source_path     TEXT,
    source_format   TEXT,
    start_time      TEXT,
    duration_s      REAL,
    distance_m      REAL,
    n_samples       INTEGER NOT NULL,
    meta_json       TEXT NOT NULL,
    samples_parquet BLOB NOT NULL,
    imported_at     TEXT NOT NULL
);
CREATE INDEX activities_athlete ON activities (athlete_id, start_time);
CREATE TABLE analyses (
    activity_id        INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
    algorithm_version  TEXT NOT NULL,
    method             TEXT NOT NULL,
    methods_text       TEXT NOT NULL,
    n_intervals        INTEGER NOT NULL,
    computed_at        TEXT NOT NULL
);
CREATE TABLE intervals (
    activity_id          INTEGER NOT NULL REFERENCES analyses(activity_id) ON DELETE CASCADE,
    idx                  INTEGER NOT NULL,
    kind                 TEXT NOT NULL,
    start                TEXT NOT NULL,
    "end"                TEXT NOT NULL,
    duration_s           REAL,
    distance_m           REAL,
    mean_speed_mps       REAL,
    pace_s_per_km        REAL,
    mean_heart_rate_bpm  REAL,
    mean_cadence_spm     REAL,
    confidence           REAL,
    PRIMARY KEY (activity_id, idx)
);
CREATE TABLE compliance (
    activity_id          INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    enrolment_id         INTEGER NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    program_sha256       TEXT NOT NULL,
    session_id           TEXT,
    score                REAL,
    category             TEXT,
    run_compliance_pct   REAL,
    walk_compliance_pct  REAL,
    result_json          TEXT NOT NULL,
    algorithm_version    TEXT NOT NULL,
    computed_at          TEXT NOT NULL,
    PRIMARY KEY (activity_id, enrolment_id)
);
CREATE TABLE session_notes (
    id            INTEGER PRIMARY KEY,
    athlete_id    INTEGER NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,
    enrolment_id  INTEGER REFERENCES enrolments(id) ON DELETE SET NULL,
    session_id    TEXT NOT NULL,
    pain_before   REAL CHECK (pain_before IS NULL OR pain_before BETWEEN 0 AND 100),
    pain_after    REAL CHECK (pain_after IS NULL OR pain_after BETWEEN 0 AND 100),
    rpe           INTEGER CHECK (rpe IS NULL OR rpe BETWEEN 6 AND 20),
    adverse_event INTEGER NOT NULL DEFAULT 0 CHECK (adverse_event IN (0, 1)),
    text          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
CREATE INDEX session_notes_athlete ON session_notes (athlete_id, session_id);
"""

_V2 = """
ALTER TABLE analyses ADD COLUMN methods_json TEXT;
"""

_NOTE_CLEARANCE = """
ALTER TABLE session_notes ADD COLUMN clearance INTEGER NOT NULL DEFAULT 0
    CHECK (clearance IN (0, 1));
"""


_GAIT_PROFILES = """
CREATE TABLE IF NOT EXISTS gait_profiles (
    athlete_id     INTEGER NOT NULL REFERENCES athletes(id) ON DELETE CASCADE,
    version        INTEGER NOT NULL CHECK (version >= 1),
    profile_json   TEXT NOT NULL,
    sessions_json  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (athlete_id, version)
);
"""


def _one_time_text(conn: sqlite3.Connection) -> None:
    """Rewrite every stored instant to the one text form (see module docs)."""
    columns = (("intervals", "start"), ("intervals", "end"), ("activities", "start_time"))
    for table, column in columns:
        rows = conn.execute(
            f'SELECT rowid, "{column}" FROM {table} WHERE "{column}" IS NOT NULL'
        ).fetchall()
        if not rows:
            continue
        ids = [int(r[0]) for r in rows]
        try:
            texts = utc_texts(pd.Series([str(r[1]) for r in rows], dtype=object))
        except (ValueError, OverflowError):
            texts = [_one_text_or_same(str(r[1])) for r in rows]
        pairs = list(zip(texts, ids, strict=True))
        conn.executemany(f'UPDATE {table} SET "{column}" = ? WHERE rowid = ?', pairs)


def _one_text_or_same(text: str) -> str:
    """One stored instant in the one form; a text that is no instant stays as it is."""
    try:
        return utc_texts([text])[0]
    except (ValueError, OverflowError):
        return text


#: One migration: an SQL script, or a function of the connection (run in the transaction).
Migration = str | Callable[[sqlite3.Connection], None]
#: The migrations, in order; migration ``n`` (1-based) produces ``user_version = n``.
MIGRATIONS: tuple[Migration, ...] = (
    _V1,
    _V2,
    _NOTE_CLEARANCE,
    _one_time_text,
    _GAIT_PROFILES,
)
#: The schema version this code writes and reads.
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's ``PRAGMA user_version``."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {buffer.strip()[:60]}")
    return out


def migrate(conn: sqlite3.Connection, path: str | None = None) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; return the version.

    Each migration and its version bump commit together (SQLite DDL is
    transactional), so an interrupted migration leaves the previous version.

    Raises
    ------
    InputError
        When the database was written by a newer stridecheck (unknown version).
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise InputError(
            path,
            f"database schema version {current} is newer than this stridecheck "
            f"understands ({SCHEMA_VERSION}); upgrade stridecheck",
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with transaction(conn):
            if schema_version(conn) >= version:  # another process got there first
                continue
            step = MIGRATIONS[version - 1]
            if callable(step):
                step(conn)
            else:
                for statement in _statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(version)}")
    return schema_version(conn)
