"""Update and compile the report / dashboard message catalogs.

``python scripts/compile_catalogs.py`` extracts every translatable message from
``src/stridecheck/report`` and ``src/stridecheck/web`` (code and templates) and
the generated texts of the segmenter and compliance scoring (``msg``/``nmsg``
calls in ``segment/methods.py``, ``segment/notes.py``, ``compliance/methods.py`` and
``explain.py``),
merges new ones into ``src/stridecheck/locales/<lang>/LC_MESSAGES/stridecheck.po``
(existing translations are kept) and compiles each ``.po`` to its ``.mo``.
``--compile-only`` skips the extraction. Commit the ``.po`` and ``.mo`` files.
"""

from __future__ import annotations

import argparse
import sys

from stridecheck.i18n import compile_catalogs, update_catalogs


def main(argv: list[str] | None = None) -> int:
    """Run the script; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile-only", action="store_true", help="only compile .po to .mo")
    args = parser.parse_args(argv)
    if not args.compile_only:
        for path in update_catalogs():
            sys.stdout.write(f"updated {path}\n")
    for path in compile_catalogs():
        sys.stdout.write(f"compiled {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
