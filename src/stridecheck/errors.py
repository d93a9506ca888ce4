"""Exceptions and warnings of stridecheck.

Every error stridecheck raises on purpose derives from :class:`StrideCheckError`,
so a caller needs one ``except`` clause. Subclasses carry the data a caller
needs to report or recover (file, byte offset, identifier), in the manner of
fitdecode's ``FitError`` tree and bleak's ``BleakError`` tree.

Malformed input is handled through an error policy (:class:`ErrorPolicy`):
``"raise"`` stops at the first problem, ``"warn"`` recovers what it can and
emits a :class:`StrideCheckWarning`, ``"ignore"`` recovers silently (the
problem is still recorded in ``Activity.meta.warnings``).
"""

from __future__ import annotations

import enum
import os
import warnings
from pathlib import Path

__all__ = [
    "ActivityTooLongError",
    "ContainerError",
    "EmptyActivityError",
    "ErrorPolicy",
    "FitCRCError",
    "FitDecodeError",
    "FitHeaderError",
    "GattParseError",
    "GpxError",
    "InputError",
    "ProgramError",
    "StrideCheckError",
    "StrideCheckWarning",
    "TcxError",
    "UnsupportedFormatError",
    "XmlSecurityError",
    "handle_problem",
]


class StrideCheckWarning(UserWarning):
    """A recoverable problem with the input (data were kept, something was off)."""


class StrideCheckError(Exception):
    """Root of every error stridecheck raises on purpose."""


def _name(path: str | os.PathLike[str] | None) -> str:
    return str(path) if path is not None else "<bytes>"


class InputError(StrideCheckError):
    """Bad input file or bytes.

    Parameters
    ----------
    path
        The file the problem is in (``None`` for in-memory bytes).
    reason
        What is wrong, in plain words.
    """

    def __init__(self, path: str | os.PathLike[str] | None, reason: str) -> None:
        self.path = None if path is None else Path(path)
        self.reason = reason
        super().__init__(f"{_name(path)}: {reason}")


class UnsupportedFormatError(InputError):
    """The content is none of the formats stridecheck reads (FIT, GPX, TCX, in .gz/.zip)."""


class ContainerError(InputError):
    """A .gz or .zip container is damaged, unsafe or holds no activity."""


class EmptyActivityError(InputError):
    """The file decodes but holds no timed samples (e.g. a route or a settings file)."""


class ActivityTooLongError(InputError):
    """An activity spans more time than a stage that works per second can hold.

    Raised before the allocation (a per-second compliance timeline, for
    instance), so a clock error or a hostile file fails cleanly instead of
    exhausting memory.
    """


class FitDecodeError(InputError):
    """A FIT file cannot be decoded at a byte offset.

    Parameters
    ----------
    path
        File name (``None`` for bytes).
    offset
        Byte offset into the (decompressed) FIT stream where decoding failed. [byte]
    reason
        What is wrong.
    """

    def __init__(self, path: str | os.PathLike[str] | None, offset: int, reason: str) -> None:
        self.offset = offset
        super().__init__(path, f"at byte {offset}: {reason}")
        self.reason = reason


class FitHeaderError(FitDecodeError):
    """The FIT file header is missing or corrupt."""


class FitCRCError(FitDecodeError):
    """A FIT header or file CRC does not match the data."""


class GpxError(InputError):
    """A GPX document is malformed or holds no timed track points."""


class TcxError(InputError):
    """A TCX document is malformed or holds no timed track points."""


class XmlSecurityError(InputError):
    """An XML document uses entities or DTDs that could attack the parser."""


class GattParseError(StrideCheckError):
    """A BLE GATT characteristic value does not follow its specified layout.

    Parameters
    ----------
    characteristic
        The characteristic, as a 16-bit UUID string such as ``"2a37"``.
    payload
        The bytes as received.
    reason
        What is wrong, in plain words.
    """

    def __init__(self, characteristic: str, payload: bytes, reason: str) -> None:
        self.characteristic = characteristic
        self.payload = bytes(payload)
        self.reason = reason
        super().__init__(f"0x{characteristic} value {self.payload.hex(' ')!r}: {reason}")


class ProgramError(StrideCheckError):
    """A program file (TOML) or a workout is not a valid prescription.

    Parameters
    ----------
    path
        The file the problem is in (``None`` for in-memory text or bytes).
    line
        1-based line of the offending session or step (``None`` when unknown).
    problem
        What is wrong, in plain words.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None, line: int | None, problem: str
    ) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.problem = problem
        where = _name(path) if line is None else f"{_name(path)}, line {line}"
        super().__init__(f"{where}: {problem}")


class ErrorPolicy(enum.StrEnum):
    """What to do with malformed input that can be partly recovered."""

    RAISE = "raise"
    WARN = "warn"
    IGNORE = "ignore"

    @classmethod
    def coerce(cls, value: ErrorPolicy | str) -> ErrorPolicy:
        """Accept an ``ErrorPolicy`` or its lower-case name; reject anything else."""
        if isinstance(value, ErrorPolicy):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ValueError(
                f"errors={value!r} not understood; use 'raise', 'warn' or 'ignore'"
            ) from None


def handle_problem(
    policy: ErrorPolicy, error: StrideCheckError, sink: list[str] | None = None
) -> None:
    """Apply an error policy to one recoverable problem.

    Parameters
    ----------
    policy
        ``RAISE`` raises ``error``; ``WARN`` emits a :class:`StrideCheckWarning`;
        ``IGNORE`` does neither.
    error
        The problem, as the exception that ``RAISE`` would raise.
    sink
        A list the message is appended to under every policy but ``RAISE``
        (typically ``Activity.meta.warnings``), so nothing is lost silently.
    """
    if policy is ErrorPolicy.RAISE:
        raise error
    message = str(error)
    if sink is not None:
        sink.append(message)
    if policy is ErrorPolicy.WARN:
        warnings.warn(message, StrideCheckWarning, stacklevel=3)
