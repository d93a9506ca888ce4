"""Coverage-guided fuzzing of the FIT decoder with atheris (libFuzzer).

Anything but a :class:`~stridecheck.errors.StrideCheckError` escaping
:func:`~stridecheck.io.fit.decode.decode_fit` is a crash. Seeds are small corpus
files (``STRIDECHECK_CORPUS``) plus a file built in memory.

Usage (``pip install atheris``)::

    python benchmarks/fit_fuzz_atheris.py [-max_total_time=60] [other libFuzzer flags]

Without flags it fuzzes for 60 s (so ``make bench`` ends); without atheris
installed it says so and exits with status 0.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import tempfile
from pathlib import Path

try:
    import atheris
except ImportError:
    print("atheris is not installed (pip install atheris): FIT fuzzing skipped")
    sys.exit(0)

with atheris.instrument_imports(include=["stridecheck"]):
    from stridecheck.errors import StrideCheckError
    from stridecheck.io.fit.decode import decode_fit
    from stridecheck.io.fit.scan import fit_crc

_SMALL_FILES = (
    "fit/python-fitparse/Activity.fit",
    "fit/python-fitparse/DeveloperData.fit",
    "fit/python-fitparse/compressed-speed-distance.fit",
    "fit/python-fitparse/activity-settings.fit",
    "fit/gpsbabel/garmin-vivosmart-hr.fit",
)


def _built_seed() -> bytes:
    body = bytes([0x40, 0, 1]) + struct.pack(">HB", 20, 3)
    body += bytes([253, 4, 0x86, 3, 1, 2, 6, 2, 0x84])
    for i in range(8):
        body += bytes([0]) + struct.pack(">IBH", 1_000_000_000 + i, 120 + i, 2500 + i)
    header = struct.pack("<BBHI4s", 14, 0x20, 2193, len(body), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    content = header + body
    return content + struct.pack("<H", fit_crc(content))


def _seed_dir() -> str:
    corpus = Path(
        os.environ.get(
            "STRIDECHECK_CORPUS", Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
        )
    )
    folder = Path(tempfile.mkdtemp(prefix="fit-fuzz-"))
    (folder / "built.fit").write_bytes(_built_seed())
    for rel in _SMALL_FILES:
        path = corpus / rel
        if path.is_file():
            (folder / path.name).write_bytes(path.read_bytes())
    return str(folder)


def test_one_input(data: bytes) -> None:
    """Decode under both policies; only StrideCheckError may escape."""
    for policy in ("raise", "ignore"):
        with contextlib.suppress(StrideCheckError):
            decode_fit(data, errors=policy)


def main() -> None:
    """Run libFuzzer with the seed folder first on its command line."""
    flags = sys.argv[1:] or ["-max_total_time=60"]
    argv = [sys.argv[0], *flags, _seed_dir()]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
