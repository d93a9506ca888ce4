"""Sample data outside the source tree: made on first use, equal to ``make sample-data``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO_ROOT
from stridecheck.cli import app
from stridecheck.cli import demo as demo_module
from stridecheck.errors import InputError
from stridecheck.simulate import sample_data


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def installed_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path, Path]:
    """``stridecheck demo`` as an installed package runs it: no source tree, no sample_data/."""
    root = tmp_path_factory.mktemp("installed")
    data = root / "user-data" / "sample_data"
    cwd = root / "work"
    cwd.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        # the package as if in site-packages: no sample_data/ above it or in the working folder
        mp.setattr(demo_module, "__file__", str(root / "site" / "stridecheck" / "cli" / "demo.py"))
        mp.setenv(sample_data.SAMPLE_DATA_ENV, str(data))
        mp.chdir(cwd)
        result = CliRunner().invoke(app, ["demo"])
    return result, data, cwd


def test_installed_demo_generates_the_sample_data(
    installed_demo: tuple[object, Path, Path],
) -> None:
    result, data, cwd = installed_demo
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"Generating the sample data into {data}" in result.stderr  # type: ignore[attr-defined]
    last = result.stdout.strip().splitlines()[-1]  # type: ignore[attr-defined]
    assert last == "Wrote out/demo/report.html"
    assert (cwd / "out" / "demo" / "report.html").is_file()
    assert (data / "manifest.csv").is_file()


def test_generated_sample_data_equals_make_sample_data(
    installed_demo: tuple[object, Path, Path], tmp_path: Path
) -> None:
    _, data, _ = installed_demo
    script_out = tmp_path / "script"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "make_sample_data.py"), "--out", script_out],
        check=True,
        capture_output=True,
        timeout=300,
    )
    generated, made = _files(data), _files(script_out)
    assert sorted(generated) == sorted(made)
    different = [name for name in made if generated[name] != made[name]]
    assert different == []


def test_second_run_reuses_the_sample_data(installed_demo: tuple[object, Path, Path]) -> None:
    _, data, _ = installed_demo
    before = (data / "manifest.csv").stat().st_mtime_ns
    folder, generated = sample_data.ensure_sample_data(data)
    assert (folder, generated) == (data, False)
    assert (data / "manifest.csv").stat().st_mtime_ns == before


def test_a_foreign_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(InputError, match=r"holds no manifest\.csv"):
        sample_data.ensure_sample_data(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_default_folder_is_versioned_in_the_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import stridecheck

    monkeypatch.delenv(sample_data.SAMPLE_DATA_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    folder = sample_data.user_sample_data_dir()
    assert folder.name == stridecheck.__version__
    assert folder.parent.name == "sample_data"
    assert "stridecheck" in folder.parts


def test_committed_sample_data_is_what_the_generator_writes(
    installed_demo: tuple[object, Path, Path], sample_data_dir: Path
) -> None:
    """make demo (the committed sample_data/) and an installed demo see the same files."""
    _, data, _ = installed_demo
    generated, committed = _files(data), _files(sample_data_dir)
    assert sorted(generated) == sorted(committed)
    stale = [name for name in committed if generated[name] != committed[name]]
    assert stale == [], f"sample_data/ is out of date ({stale}): run 'make sample-data'"
