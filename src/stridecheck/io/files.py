"""Reading a file's bytes with errors that name the file and say why."""

from __future__ import annotations

import os
from pathlib import Path

from stridecheck.errors import InputError

__all__ = ["read_file_bytes"]


def read_file_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a file, or :class:`~stridecheck.errors.InputError` saying why not."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
