"""The command line: info, convert, demo, exit codes and error lines."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import stridecheck
from stridecheck.cli import app
from stridecheck.cli import convert as convert_module
from stridecheck.cli import info as info_module
from stridecheck.cli._common import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, format_duration
from stridecheck.cli.convert import OutputFormat, default_output_path
from stridecheck.cli.demo import SUMMARY_COLUMNS

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(result: Result, path: Path | str, reason: str) -> None:
    """Exit status 2 and exactly one line ``stridecheck: error: <path>: <reason...>``."""
    assert result.exit_code == EXIT_INPUT, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"stridecheck: error: {path}: "), lines[0]
    assert reason in lines[0]
    assert "Traceback" not in result.output


@pytest.fixture
def fit_file(activity_files: dict[str, Path], tmp_path: Path) -> Path:
    """A private copy of the simulated FIT file (outputs land beside it)."""
    path = tmp_path / "session.fit"
    shutil.copy(activity_files["fit"], path)
    return path


# --- version and help ----------------------------------------------------------------


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == EXIT_OK
    assert result.stdout.strip() == f"stridecheck {stridecheck.__version__}"


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == EXIT_OK
    for command in ("info", "convert", "demo"):
        assert command in result.stdout
    for command in ("info", "convert", "demo"):
        sub = invoke(command, "--help")
        assert sub.exit_code == EXIT_OK
        assert "Usage" in sub.stdout


# --- info ------------------------------------------------------------------------------


def test_info_table(fit_file: Path) -> None:
    result = invoke("info", fit_file)
    assert result.exit_code == EXIT_OK, result.output
    for text in ("fit", "running", "heart_rate_bpm", "duration", "laps"):
        assert text in result.stdout
    assert result.stderr == ""


def test_info_json_one_file(fit_file: Path, simulated_activity: stridecheck.Activity) -> None:
    result = invoke("info", fit_file, "--json")
    assert result.exit_code == EXIT_OK, result.output
    obj = json.loads(result.stdout)
    assert isinstance(obj, dict)
    assert set(obj) >= {
        "file",
        "format",
        "device",
        "sport",
        "start",
        "duration_s",
        "timer_s",
        "distance_m",
        "fields",
        "laps",
        "device_splits",
        "warnings",
    }
    assert obj["file"] == str(fit_file)
    assert obj["format"] == "fit"
    assert set(obj["device"]) == {"manufacturer", "product", "serial_number"}
    assert obj["duration_s"] == pytest.approx(simulated_activity.duration_s)
    assert obj["distance_m"] == pytest.approx(simulated_activity.distance_m, rel=1e-3)
    assert pd.Timestamp(obj["start"]) == simulated_activity.start_time
    assert "heart_rate_bpm" in obj["fields"]
    assert isinstance(obj["warnings"], list)


def test_info_json_several_files(activity_files: dict[str, Path]) -> None:
    files = [activity_files[f] for f in ("fit", "gpx", "tcx")]
    result = invoke("info", "--json", *files)
    assert result.exit_code == EXIT_OK, result.output
    objs = json.loads(result.stdout)
    assert [o["format"] for o in objs] == ["fit", "gpx", "tcx"]
    assert [o["file"] for o in objs] == [str(f) for f in files]


def test_info_several_files_table_and_summary(activity_files: dict[str, Path]) -> None:
    result = invoke("info", activity_files["fit"], activity_files["gpx"])
    assert result.exit_code == EXIT_OK, result.output
    assert "2 files: 2 read, 0 failed." in result.stdout


def test_info_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.fit"
    bad.write_bytes(b"this is not an activity")
    one_error_line(invoke("info", bad), bad, "not a FIT, GPX or TCX")


def test_info_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.fit"
    one_error_line(invoke("info", missing), missing, "no such file")


def test_info_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gpx"
    empty.write_bytes(b"")
    one_error_line(invoke("info", empty), empty, "empty")


def test_info_unsupported_zip(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "no activity here")
    one_error_line(invoke("info", path), path, "holds no FIT, GPX or TCX")


def test_info_damaged_fit(fit_file: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.fit"
    damaged.write_bytes(b"\x0e\x10" + fit_file.read_bytes()[2:10] + b"XXXX")
    one_error_line(invoke("info", damaged), damaged, "")


def test_info_mixed_good_and_bad(fit_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gpx"
    bad.write_text("<gpx")
    result = invoke("info", fit_file, bad)
    assert result.exit_code == EXIT_INPUT
    assert "2 files: 1 read, 1 failed." in result.stdout
    assert len(result.stderr.splitlines()) == 1
    as_json = invoke("info", "--json", fit_file, bad)
    assert as_json.exit_code == EXIT_INPUT
    objs = json.loads(as_json.stdout)
    assert objs[0]["format"] == "fit"
    assert objs[1]["file"] == str(bad)
    assert str(bad) in objs[1]["error"]


def test_internal_error_is_exit_1_without_traceback(
    fit_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path, *, strict: bool = False) -> stridecheck.Activity:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(info_module, "read_quietly", broken)
    result = invoke("info", fit_file)
    assert result.exit_code == EXIT_INTERNAL
    assert "stridecheck: internal error: ZeroDivisionError: boom" in result.stderr
    assert "Traceback" not in result.stderr
    monkeypatch.setenv("STRIDECHECK_DEBUG", "1")
    assert "Traceback" in invoke("info", fit_file).stderr


# --- convert ---------------------------------------------------------------------------


def test_default_output_path() -> None:
    assert default_output_path(Path("a/run.fit"), OutputFormat.CSV) == Path("a/run.csv")
    assert default_output_path(Path("a/run.fit.gz"), OutputFormat.GPX) == Path("a/run.gpx")
    assert default_output_path(Path("export.zip"), OutputFormat.PARQUET) == Path("export.parquet")


def test_convert_csv(fit_file: Path) -> None:
    result = invoke("convert", fit_file, "--to", "csv")
    assert result.exit_code == EXIT_OK, result.output
    out = fit_file.with_suffix(".csv")
    assert result.stdout.strip().splitlines()[-1] == f"Wrote {out}"
    activity = stridecheck.read(fit_file)
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["time", *activity.samples.columns]
    assert frame["time"].str.endswith("Z").all()
    times = pd.DatetimeIndex(pd.to_datetime(frame["time"], utc=True))
    assert (times == activity.samples.index).all()
    for col in activity.samples.columns:
        if col == "timer_running":
            assert frame[col].tolist() == activity.samples[col].tolist()
        else:
            np.testing.assert_allclose(
                frame[col].to_numpy(float), activity.samples[col].to_numpy(float), rtol=1e-12
            )


def test_convert_parquet_round_trip(fit_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "samples.parquet"
    out.parent.mkdir()
    result = invoke("convert", fit_file, "--to", "parquet", "--out", out)
    assert result.exit_code == EXIT_OK, result.output
    activity = stridecheck.read(fit_file)
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, activity.samples, check_freq=False)
    import pyarrow.parquet as pq

    meta = json.loads(pq.read_schema(out).metadata[b"stridecheck"])
    assert meta["source_format"] == "fit"


def test_convert_gpx_reads_back(fit_file: Path) -> None:
    result = invoke("convert", fit_file, "--to", "gpx")
    assert result.exit_code == EXIT_OK, result.output
    back = stridecheck.read(fit_file.with_suffix(".gpx"))
    original = stridecheck.read(fit_file)
    assert back.meta.source_format == "gpx"
    assert len(back.samples) == len(original.samples)
    assert back.start_time == original.start_time


def test_convert_to_gpx_needs_positions(tmp_path: Path) -> None:
    from stridecheck.io.fit_write import write_fit
    from stridecheck.simulate import simulate_session

    treadmill = tmp_path / "treadmill.fit"
    plan = [("walk", 30), ("run", 30)]
    write_fit(simulate_session(plan, sensors="treadmill_footpod").activity, treadmill)
    result = invoke("convert", treadmill, "--to", "gpx")
    one_error_line(result, treadmill, "has no positions")
    assert not treadmill.with_suffix(".gpx").exists()
    assert invoke("convert", treadmill, "--to", "csv").exit_code == EXIT_OK


def test_convert_gzipped_input(fit_file: Path) -> None:
    gz = fit_file.with_name("session.fit.gz")
    gz.write_bytes(gzip.compress(fit_file.read_bytes()))
    result = invoke("convert", gz, "--to", "csv")
    assert result.exit_code == EXIT_OK, result.output
    assert fit_file.with_name("session.csv").is_file()


def test_convert_never_overwrites_without_force(fit_file: Path) -> None:
    out = fit_file.with_suffix(".csv")
    out.write_text("keep me")
    one_error_line(invoke("convert", fit_file, "--to", "csv"), out, "--force")
    assert out.read_text() == "keep me"
    result = invoke("convert", fit_file, "--to", "csv", "--force")
    assert result.exit_code == EXIT_OK, result.output
    assert out.read_text().startswith("time,")


def test_convert_refuses_to_replace_its_input(
    activity_files: dict[str, Path], tmp_path: Path
) -> None:
    gpx = tmp_path / "run.gpx"
    shutil.copy(activity_files["gpx"], gpx)
    one_error_line(invoke("convert", gpx, "--to", "gpx", "--force"), gpx, "is the input")


def test_convert_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.fit"
    bad.write_bytes(b"\x0e\x10junk")
    one_error_line(invoke("convert", bad, "--to", "csv"), bad, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.fit"]


def test_convert_missing_output_folder(fit_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "x.csv"
    one_error_line(invoke("convert", fit_file, "--to", "csv", "--out", out), out, "does not exist")


def test_convert_failure_leaves_no_partial_file(
    fit_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_then_crash(activity: stridecheck.Activity, path: Path) -> None:
        path.write_text("time,speed_mps\n2024-01-01T00:00:00Z,1.0\n")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(convert_module, "write_csv", half_then_crash)
    result = invoke("convert", fit_file, "--to", "csv")
    assert result.exit_code == EXIT_INTERNAL
    assert "disk on fire" in result.stderr
    assert sorted(p.name for p in fit_file.parent.iterdir()) == ["session.fit"]


def test_convert_unknown_format_is_a_usage_error(fit_file: Path) -> None:
    result = invoke("convert", fit_file, "--to", "xlsx")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --- demo ------------------------------------------------------------------------------


def test_demo(sample_data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = invoke("demo", "--data", sample_data_dir, "--out", out)
    assert result.exit_code == EXIT_OK, result.output
    summary = out / "summary.csv"
    assert result.stdout.rstrip("\n").splitlines()[-1] == f"Wrote {summary}"
    with (sample_data_dir / "manifest.csv").open(newline="") as fh:
        listed = [row for row in csv.DictReader(fh) if row["file"]]
    rows = pd.read_csv(summary)
    assert list(rows.columns) == list(SUMMARY_COLUMNS)
    assert rows["file"].tolist() == [row["file"] for row in listed]
    assert rows["session"].tolist() == [row["session_id"] for row in listed]
    assert (rows["duration_s"] > 0).all()
    assert (rows["distance_m"] > 0).all()
    assert "Sample sessions" in result.stdout


def test_demo_default_finds_the_sample_data(
    sample_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("demo")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.rstrip("\n").splitlines()[-1] == "Wrote out/demo/summary.csv"
    assert (tmp_path / "out" / "demo" / "summary.csv").is_file()


def test_demo_without_sample_data(tmp_path: Path) -> None:
    one_error_line(invoke("demo", "--data", tmp_path), tmp_path, "manifest.csv")


def test_demo_manifest_without_required_columns(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text("path,who\nx.fit,me\n")
    result = invoke("demo", "--data", tmp_path, "--out", tmp_path / "out")
    one_error_line(result, tmp_path / "manifest.csv", "file, athlete, session_id")


def test_demo_with_a_broken_sample_file(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text("file,athlete,session_id\nbad.fit,a,W1S1\n")
    (tmp_path / "bad.fit").write_bytes(b"\x0e\x10broken")
    result = invoke("demo", "--data", tmp_path, "--out", tmp_path / "out")
    one_error_line(result, tmp_path / "bad.fit", "")
    assert not (tmp_path / "out" / "summary.csv").exists()


# --- the installed entry points --------------------------------------------------------


def test_python_dash_m(tmp_path: Path) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "stridecheck", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert version.returncode == 0
    assert version.stdout.strip() == f"stridecheck {stridecheck.__version__}"
    bad = tmp_path / "bad.tcx"
    bad.write_text("nothing to see")
    failed = subprocess.run(
        [sys.executable, "-m", "stridecheck", "info", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == EXIT_INPUT
    assert failed.stderr.splitlines() == [
        f"stridecheck: error: {bad}: not a FIT, GPX or TCX file (nor one of those in "
        ".gz/.zip): content not recognised"
    ]
    assert failed.stdout == ""


def test_format_duration() -> None:
    assert format_duration(0) == "0:00:00"
    assert format_duration(3725.4) == "1:02:05"
    assert format_duration(float("nan")) == "-"
