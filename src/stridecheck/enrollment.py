"""An athlete's enrolment file: when their program starts and which program it is.

A folder of one athlete's (or one trial participant's) activity files holds an
``enrollment.toml``::

    start = 2026-03-02          # first day of week 1 (TOML date or "YYYY-MM-DD")
    program = "couch-to-5k"     # optional: built-in name or TOML path (relative to the folder)

``stridecheck cohort`` reads one per participant folder and ``stridecheck demo``
one per sample athlete, both with :func:`read_enrollment`.

>>> from stridecheck.enrollment import read_enrollment
>>> enrollment = read_enrollment("cohort/p01")          # doctest: +SKIP
>>> enrollment.start, enrollment.program(default=None)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from stridecheck.errors import InputError
from stridecheck.programs import Program, load_program

__all__ = ["ENROLLMENT_FILE", "EnrollmentFile", "read_enrollment"]

#: Name of the enrolment file inside an athlete's folder.
ENROLLMENT_FILE = "enrollment.toml"


@dataclass(frozen=True)
class EnrollmentFile:
    """What an ``enrollment.toml`` says.

    Attributes
    ----------
    path
        The file read.
    start
        First day of program week 1.
    program_ref
        The program it names as written (a built-in name or a TOML path relative
        to the folder), or ``None`` when it names none.
    """

    path: Path
    start: dt.date
    program_ref: str | None = None

    def program(self, default: Program | None = None) -> Program:
        """The program the file names (a TOML file beside it first), else ``default``.

        Raises
        ------
        InputError
            When the file names no program and there is no ``default``.
        ProgramError
            When the named program cannot be loaded.
        """
        if self.program_ref is None:
            if default is None:
                raise InputError(self.path, "names no program and the cohort run has no --program")
            return default
        local = self.path.parent / self.program_ref
        return load_program(local if local.is_file() else self.program_ref)


def _start(path: Path, raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise InputError(
                path,
                f"start {raw!r} is not a date like 2026-03-02: "
                "needs 'start = YYYY-MM-DD' (the first day of week 1)",
            ) from None
    raise InputError(path, "needs 'start = YYYY-MM-DD' (the first day of week 1)")


def read_enrollment(folder: str | os.PathLike[str]) -> EnrollmentFile:
    """Read the ``enrollment.toml`` of an athlete's folder.

    Parameters
    ----------
    folder
        The athlete's (participant's) folder.

    Returns
    -------
    EnrollmentFile

    Raises
    ------
    InputError
        When the file is missing or unreadable, has no usable ``start``, or its
        ``program`` is not a string.
    """
    path = Path(folder) / ENROLLMENT_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            path, "missing: every athlete folder needs one with 'start = YYYY-MM-DD'"
        ) from None
    except (OSError, UnicodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(path, f"cannot be read ({exc})") from None
    start = _start(path, data.get("start"))
    raw_program = data.get("program")
    if raw_program is not None and not isinstance(raw_program, str):
        raise InputError(path, "'program' must be a built-in name or a TOML file path")
    return EnrollmentFile(path, start, raw_program)
