"""The local store: an SQLite database of athletes, programs, activities and results.

>>> from stridecheck.store import Store
>>> with Store.open(":memory:") as store:  # doctest: +SKIP
...     store.ensure_athlete("ana")

See :mod:`stridecheck.store.migrations` for the schema and
:mod:`stridecheck.store.db` for where the database lives.
"""

from stridecheck.store.db import DB_ENV, connect, default_db_path, resolve_db_path, transaction
from stridecheck.store.migrations import SCHEMA_VERSION, migrate, schema_version
from stridecheck.store.repository import (
    ActivityRecord,
    AnalysisRecord,
    Athlete,
    ComplianceRecord,
    Enrolment,
    Store,
    program_sha256,
    validate_note,
)

__all__ = [
    "DB_ENV",
    "SCHEMA_VERSION",
    "ActivityRecord",
    "AnalysisRecord",
    "Athlete",
    "ComplianceRecord",
    "Enrolment",
    "Store",
    "connect",
    "default_db_path",
    "migrate",
    "program_sha256",
    "resolve_db_path",
    "schema_version",
    "transaction",
    "validate_note",
]
