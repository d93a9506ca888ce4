"""The command line: info, convert, demo, exit codes and error lines."""

from __future__ import annotations

import csv
import datetime as dt
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
from stridecheck.cli.demo import COMPLIANCE_COLUMNS, SUMMARY_COLUMNS, load_enrollment_start

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


@pytest.fixture(scope="module")
def demo_run(
    sample_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Result, Path]:
    """One full ``stridecheck demo`` with the defaults, run from an empty folder.

    Returns the result and the folder it ran in (outputs in ``out/demo``).
    """
    cwd = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        result = invoke("demo")
    assert result.exit_code == EXIT_OK, result.output
    return result, cwd


def listed_sessions(sample_data_dir: Path) -> list[dict[str, str]]:
    with (sample_data_dir / "manifest.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_demo_runs_every_step(demo_run: tuple[Result, Path]) -> None:
    result, _ = demo_run
    out = result.stdout
    steps = ["1. Import", "2. Intervals", "3. Compliance and adherence", "4. Coach report"]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    # (a) every activity summarised, (b) one interval table, (c) compliance and adherence
    assert "Sample sessions (17)" in out
    assert "athlete_a W1S3 (W1S3.fit): intervals (hmm)" in out
    assert "Prescribed W1S3: walk 5:00 (warm-up), 10 x (run 0:15, walk 0:45)" in out
    for athlete in ("athlete_a", "athlete_b"):
        assert f"{athlete}: compliance with each prescribed session" in out
    for text in ("key reason", "completed", "missed", "done as prescribed"):
        assert text in out
    assert "Adherence to the program" in out
    for measure in ("adherence (done / prescribed)", "weeks ready to progress", "signal"):
        assert measure in out
    assert "8 of 9" in out  # athlete_a missed W2S2 and did the rest
    # the slow jogger's phone GPX (W1S2): an honest 'uncertain', never a false accusation
    assert "(uncertain)" in out
    assert "cannot be" in out and "confirmed from" in out
    w1s2 = out[out.index("athlete_b: compliance") :].split("W1S3")[0]
    assert "walked instead" not in w1s2
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_demo_ends_with_the_report(demo_run: tuple[Result, Path]) -> None:
    result, cwd = demo_run
    last = result.stdout.rstrip("\n").splitlines()[-1]
    assert last == "Wrote out/demo/report.html"
    report = cwd / "out" / "demo" / "report.html"
    html = report.read_text(encoding="utf-8")
    assert len(html) > 100_000  # self-contained: charts and their scripts inline
    assert html.lstrip().lower().startswith("<!doctype html")
    for text in ("athlete_a", "athlete_b", "W3S3", "stridecheck sample run-walk, 3 weeks"):
        assert text in html
    assert "Wrote out/demo/summary.csv" in result.stdout
    assert "Wrote out/demo/compliance.csv" in result.stdout


@pytest.mark.slow
def test_demo_summary_csv(demo_run: tuple[Result, Path], sample_data_dir: Path) -> None:
    _, cwd = demo_run
    listed = [row for row in listed_sessions(sample_data_dir) if row["file"]]
    rows = pd.read_csv(cwd / "out" / "demo" / "summary.csv")
    assert list(rows.columns) == list(SUMMARY_COLUMNS)
    assert rows["file"].tolist() == [row["file"] for row in listed]
    assert rows["session"].tolist() == [row["session_id"] for row in listed]
    assert (rows["duration_s"] > 0).all()
    assert (rows["distance_m"] > 0).all()


@pytest.mark.slow
def test_demo_compliance_csv(demo_run: tuple[Result, Path], sample_data_dir: Path) -> None:
    _, cwd = demo_run
    listed = listed_sessions(sample_data_dir)
    rows = pd.read_csv(cwd / "out" / "demo" / "compliance.csv", keep_default_na=False)
    assert list(rows.columns) == list(COMPLIANCE_COLUMNS)
    # one row per prescribed session, each activity matched to the session it was done for
    assert len(rows) == len(listed) == 18
    assert sorted(zip(rows["athlete"], rows["session"], rows["file"], strict=True)) == sorted(
        (r["athlete"], r["session_id"], r["file"]) for r in listed
    )
    missed = rows[rows["file"] == ""]
    assert missed[["athlete", "session", "status"]].values.tolist() == [
        ["athlete_a", "W2S2", "missed"]
    ]
    done = rows[rows["file"] != ""]
    scores = pd.to_numeric(done["score"])
    assert scores.between(0, 100).all()
    assert set(done["status"]) <= {"completed", "partial", "not_completed"}
    # the as-prescribed watch sessions score as completed
    plain = done[(done["athlete"] == "athlete_a") & done["session"].isin(["W1S1", "W3S1"])]
    assert (plain["status"] == "completed").all()
    assert (plain["reasons"] == "done as prescribed").all()


def test_demo_help_names_the_steps() -> None:
    result = invoke("demo", "--help")
    assert result.exit_code == EXIT_OK
    for word in ("summary.csv", "compliance.csv", "report.html"):
        assert word in result.stdout


def test_demo_without_sample_data(tmp_path: Path) -> None:
    one_error_line(invoke("demo", "--data", tmp_path), tmp_path, "manifest.csv")


def test_demo_manifest_without_required_columns(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text("path,who\nx.fit,me\n")
    result = invoke("demo", "--data", tmp_path, "--out", tmp_path / "out")
    one_error_line(result, tmp_path / "manifest.csv", "file, athlete, session_id")


def minimal_sample_data(folder: Path, sample_data_dir: Path) -> None:
    """A sample-data folder with one (broken) file for athlete ``a``, the sample program
    and an enrolment."""
    (folder / "manifest.csv").write_text("file,athlete,session_id\na/bad.fit,a,W1S1\n")
    (folder / "a").mkdir()
    (folder / "a" / "bad.fit").write_bytes(b"\x0e\x10broken")
    (folder / "a" / "enrollment.toml").write_text("start = 2026-01-05\n")
    shutil.copy(sample_data_dir / "program.toml", folder / "program.toml")


def test_demo_with_a_broken_sample_file(tmp_path: Path, sample_data_dir: Path) -> None:
    minimal_sample_data(tmp_path, sample_data_dir)
    result = invoke("demo", "--data", tmp_path, "--out", tmp_path / "out")
    one_error_line(result, tmp_path / "a" / "bad.fit", "")
    assert not (tmp_path / "out" / "summary.csv").exists()


def test_demo_without_a_program(tmp_path: Path, sample_data_dir: Path) -> None:
    minimal_sample_data(tmp_path, sample_data_dir)
    (tmp_path / "program.toml").unlink()
    result = invoke("demo", "--data", tmp_path, "--out", tmp_path / "out")
    one_error_line(result, tmp_path / "program.toml", "make sample-data")
    assert not (tmp_path / "out").exists()


def test_demo_with_an_invalid_program(tmp_path: Path, sample_data_dir: Path) -> None:
    minimal_sample_data(tmp_path, sample_data_dir)
    (tmp_path / "program.toml").write_text('name = "x"\n')
    result = invoke("demo", "--data", tmp_path, "--out", tmp_path / "out")
    assert result.exit_code == EXIT_INPUT
    assert "program.toml" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "missing"),
        ("start = [1\n", "cannot be read"),
        ('start = "next monday"\n', "start = YYYY-MM-DD"),
        ("program = 'x'\n", "start = YYYY-MM-DD"),
    ],
)
def test_demo_with_a_bad_enrollment(
    tmp_path: Path, sample_data_dir: Path, text: str | None, reason: str
) -> None:
    minimal_sample_data(tmp_path, sample_data_dir)
    enrollment = tmp_path / "a" / "enrollment.toml"
    if text is None:
        enrollment.unlink()
    else:
        enrollment.write_text(text)
    result = invoke("demo", "--data", tmp_path, "--out", tmp_path / "out")
    one_error_line(result, enrollment, reason)
    assert not (tmp_path / "out").exists()


def test_demo_enrollment_start_forms(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for text in ("start = 2026-01-05", 'start = " 2026-01-05 "', "start = 2026-01-05T06:00:00Z"):
        (tmp_path / "a" / "enrollment.toml").write_text(text + "\n")
        assert load_enrollment_start(tmp_path, "a") == dt.date(2026, 1, 5)


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
