"""The plain install, end to end: the wheel into a fresh venv with base dependencies only.

Runs ``scripts/check_plain_install.py`` (the check ``.ci/run`` runs after
``make test``). It builds a wheel and installs its dependencies, which takes a
minute or two, so it runs only with ``STRIDECHECK_INSTALL_TEST=1``; CI runs the
script itself.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, corpus_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("STRIDECHECK_INSTALL_TEST") != "1",
        reason="builds and installs the wheel (minutes): set STRIDECHECK_INSTALL_TEST=1; "
        ".ci/run runs scripts/check_plain_install.py itself",
    ),
]


def test_wheel_in_a_fresh_venv_with_base_dependencies() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "check_plain_install.py"),
            "--corpus",
            str(corpus_path()),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "install check: ok: no optional extra installed" in out
    assert "install check: ok: stridecheck " in out
    assert "pip install 'stridecheck[web]'" in out
    assert "install check: ok: demo: Wrote out/demo/report.html" in out
