"""The package's shape: names that do not shadow modules, i18n in the core, one atomic writer."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from stridecheck.errors import InputError
from stridecheck.outputs import atomic_output, output_mode


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_segment_name_never_shadows_the_package() -> None:
    out = run_python(
        "import types, stridecheck\n"
        "first = stridecheck.segment\n"  # the root's name first, then the package
        "import stridecheck.segment as s\n"
        "from stridecheck import segment\n"
        "from stridecheck.segment import segment as fn\n"
        "print(isinstance(s, types.ModuleType), s is first is segment, s.HmmParams.__name__,\n"
        "      callable(s), fn.__module__, fn is s.segment)\n"
    )
    assert out == "True True HmmParams True stridecheck.segment True"


def test_calling_the_package_segments(simulated_activity: object) -> None:
    import stridecheck
    from stridecheck.segment import segment

    called = stridecheck.segment(simulated_activity, method="threshold", errors="ignore")
    direct = segment(simulated_activity, method="threshold", errors="ignore")  # type: ignore[arg-type]
    assert called.method == "threshold"
    assert called.intervals.equals(direct.intervals)


def test_i18n_is_core_and_messages_needs_no_report() -> None:
    out = run_python(
        "import sys\n"
        "import stridecheck.messages, stridecheck.i18n, stridecheck.segment, "
        "stridecheck.compliance\n"
        "from stridecheck.i18n import translator_for\n"
        "print(translator_for('de').code, any(m.startswith('stridecheck.report') "
        "for m in sys.modules))\n"
    )
    assert out == "de False"


def test_report_i18n_names_the_core_objects() -> None:
    import stridecheck.i18n as core
    import stridecheck.report.i18n as report_i18n

    assert report_i18n.get_lang is core.get_lang and report_i18n.Lang is core.Lang
    assert all(not name.startswith("_") for name in report_i18n.__all__)
    assert Path(core.__file__).parent / "locales" == core.LOCALE_DIR


# --- the one atomic writer -----------------------------------------------------------------


def test_atomic_output_writes_all_at_once_with_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_output(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_text("hello", encoding="utf-8")
        assert not target.exists()
    assert target.read_text(encoding="utf-8") == "hello"
    assert stat.S_IMODE(target.stat().st_mode) == output_mode()
    assert output_mode() == 0o666 & ~_umask()
    with pytest.raises(InputError, match="already exists"), atomic_output(target):
        pass
    with atomic_output(target, force=True) as tmp:
        tmp.write_text("again", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "again"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_output_leaves_nothing_behind_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match="is a folder"), atomic_output(tmp_path):
        pass
    with pytest.raises(InputError, match="does not exist"), atomic_output(tmp_path / "no" / "x"):
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
