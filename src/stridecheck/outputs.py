"""Writing output files all at once: the one atomic writer of stridecheck.

Every file stridecheck writes (reports, PDFs, cohort tables, converted and
recorded activities, program files, the demo's tables, the chart script cache)
goes through :func:`atomic_output`: the content is written to a temporary file
beside the target and renamed onto it, so a failure never leaves a partial or
damaged file behind, and every output gets the same mode (``0o666`` less the
process's umask, as a plain ``open()`` gives).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from stridecheck.errors import InputError

__all__ = ["atomic_output", "output_mode"]


def output_mode() -> int:
    """The mode of the files stridecheck writes: ``0o666`` less the process's umask."""
    mask = os.umask(0)  # read the mask without changing it for good
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Write a file all at once: yield a temporary path beside ``path``, then rename.

    The caller writes the complete content to the yielded path; when the block
    ends without an exception the file gets :func:`output_mode` and is renamed
    onto ``path`` (atomic on one file system), otherwise it is removed.

    Parameters
    ----------
    path
        Final output path.
    force
        Replace ``path`` when it already exists (otherwise that is an error).

    Raises
    ------
    InputError
        When ``path`` exists and ``force`` is false, is a folder, its folder does
        not exist, or it cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a folder; give a file name")
    if path.exists() and not force:
        raise InputError(path, "already exists (use --force to overwrite)")
    if not path.parent.is_dir():
        raise InputError(path, f"folder {path.parent} does not exist")
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise InputError(path, f"cannot be written ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(output_mode())  # mkstemp makes 0600; outputs get the usual mode
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(path, f"cannot be written ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
