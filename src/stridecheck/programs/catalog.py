"""Built-in programs shipped with stridecheck, and loading a program by name or path.

Built-ins are TOML files in ``stridecheck/programs/builtin/`` (package data),
named by their file stem: ``asteroid-12wk``, ``couch-to-5k``, ``galloway``.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from stridecheck.errors import ProgramError
from stridecheck.programs.model import Program
from stridecheck.programs.toml import load_program_file, loads_program

__all__ = ["builtin_text", "list_builtin", "load_builtin", "load_program"]

_SUFFIX = ".toml"


def _builtin_dir() -> Traversable:
    return resources.files("stridecheck.programs").joinpath("builtin")


def list_builtin() -> list[str]:
    """Names of the built-in programs, sorted."""
    return sorted(
        entry.name[: -len(_SUFFIX)]
        for entry in _builtin_dir().iterdir()
        if entry.is_file() and entry.name.endswith(_SUFFIX)
    )


def builtin_text(name: str) -> str:
    """The TOML source of a built-in program, comments included.

    Raises
    ------
    ProgramError
        When there is no built-in program of that name (the message lists them).
    """
    if name not in list_builtin():
        raise ProgramError(
            name, None, "no such built-in program; built-ins: " + ", ".join(list_builtin())
        )
    return _builtin_dir().joinpath(name + _SUFFIX).read_text(encoding="utf-8")


def load_builtin(name: str) -> Program:
    """Load a built-in program by name (see :func:`list_builtin`).

    Raises
    ------
    ProgramError
        When there is no built-in of that name.
    """
    return loads_program(builtin_text(name), source=f"<builtin {name}>")


def load_program(name_or_path: str | os.PathLike[str]) -> Program:
    """Load a program: a built-in name (``"couch-to-5k"``) or a TOML file path.

    A built-in name wins over a file of the same name in the working folder
    only when the argument has no folder part and no ``.toml`` suffix.

    Raises
    ------
    ProgramError
        When the argument is neither a built-in nor a readable, valid program file.
    """
    text = os.fspath(name_or_path)
    if isinstance(name_or_path, str) and text in list_builtin():
        return load_builtin(text)
    path = Path(text)
    if not path.is_file():
        raise ProgramError(
            text,
            None,
            "is neither a built-in program nor a program file; built-ins: "
            + ", ".join(list_builtin()),
        )
    return load_program_file(path)
