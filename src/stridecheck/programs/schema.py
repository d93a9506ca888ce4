"""The JSON Schema of program files, shipped for editors.

``program.schema.json`` (package data) describes the TOML form that
:mod:`stridecheck.programs.toml` accepts, so editors with TOML schema support
(e.g. Taplo / Even Better TOML, via a ``#:schema`` comment) can complete and
check program files. The schema checks shapes; a few rules need the whole
document and only the loader checks them (unique session ids, low < high in
ranges, the limit on unrolled bouts).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["SCHEMA_FILE", "program_schema", "schema_text"]

#: File name of the schema in the ``stridecheck.programs`` package.
SCHEMA_FILE = "program.schema.json"


def schema_text() -> str:
    """The schema as JSON text."""
    return resources.files("stridecheck.programs").joinpath(SCHEMA_FILE).read_text("utf-8")


def program_schema() -> dict[str, Any]:
    """The schema as a dict (JSON Schema draft 2020-12)."""
    schema: dict[str, Any] = json.loads(schema_text())
    return schema
