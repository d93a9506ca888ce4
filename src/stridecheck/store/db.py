"""The store's SQLite connection: where it lives, how it is opened, transactions.

The database is one SQLite file, opened in WAL mode (readers never block the
writer, and a crash at any instant leaves the last committed state) with
foreign keys enforced. Its path comes from, in order: the ``--db`` option, the
environment variable :data:`DB_ENV`, the user data folder
(``platformdirs.user_data_path("stridecheck") / "stridecheck.db"``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from stridecheck.errors import InputError

__all__ = ["DB_ENV", "DB_FILENAME", "connect", "default_db_path", "resolve_db_path", "transaction"]

#: Environment variable naming the database file.
DB_ENV = "STRIDECHECK_DB"
#: File name of the database in the user data folder.
DB_FILENAME = "stridecheck.db"
#: How long a writer waits for another writer's lock. [s]
BUSY_TIMEOUT_S = 30.0


def default_db_path() -> Path:
    """The database used when no ``--db`` is given (:data:`DB_ENV`, else the user data folder)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path("stridecheck") / DB_FILENAME


def resolve_db_path(db: str | os.PathLike[str] | None) -> Path:
    """The database path to use: ``db`` when given, else :func:`default_db_path`."""
    if db is not None and os.fspath(db) != "":
        return Path(db).expanduser()
    return default_db_path()


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating if needed) the database file with the store's settings.

    The connection is in autocommit mode: write through :func:`transaction`.
    WAL journal, ``synchronous=NORMAL`` (durable at checkpoints, never corrupt),
    foreign keys on, a busy timeout of :data:`BUSY_TIMEOUT_S`.

    Raises
    ------
    InputError
        When the folder does not exist and cannot be made, or the file is not
        an SQLite database.
    """
    db_path = Path(path)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(db_path, f"cannot create its folder ({exc.strerror or exc})") from None
    if db_path.is_dir():
        raise InputError(db_path, "is a folder; give the database file name")
    try:
        conn = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise InputError(db_path, f"cannot be opened as a database ({exc})") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise InputError(db_path, f"is not a stridecheck database ({exc})") from None
    if str(mode).lower() != "wal":
        conn.close()
        raise InputError(db_path, f"cannot use WAL journal mode (got {mode!r})")
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction: all of it is committed, or none.

    ``BEGIN IMMEDIATE`` takes the write lock at the start, so two importers
    never interleave; any exception rolls everything back and propagates.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
