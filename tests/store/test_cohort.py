"""Cohort runs: tidy tables, a corrupt file in ``errors``, pool and Dask agree."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stridecheck.cohort import (
    ERROR_COLUMNS,
    PARTICIPANT_COLUMNS,
    run_cohort,
    write_tables,
)
from stridecheck.errors import InputError
from stridecheck.outputs import output_mode
from stridecheck.programs import Program


@pytest.fixture(scope="module")
def serial_tables(cohort_dir: Path, short_program: Program) -> dict[str, pd.DataFrame]:
    return run_cohort(cohort_dir, short_program, workers=1).tables


def test_tables(serial_tables: dict[str, pd.DataFrame]) -> None:
    parts = serial_tables["participants"].set_index("participant")
    assert list(serial_tables["participants"].columns) == list(PARTICIPANT_COLUMNS)
    assert list(parts.index) == ["p01", "p02", "p03"]
    assert parts.loc["p01", "sessions_prescribed"] == 4
    assert parts.loc["p01", "sessions_done"] == 4
    assert parts.loc["p01", "adherence_pct"] == pytest.approx(100.0)
    assert parts.loc["p01", "sessions_per_week"] == pytest.approx(2.0)
    assert parts.loc["p01", "mean_score"] >= 90
    assert parts.loc["p02", "sessions_done"] == 2
    assert parts.loc["p02", "adherence_pct"] == pytest.approx(50.0)
    assert parts.loc["p02", "files_rejected"] == 1
    assert parts.loc["p03", "sessions_done"] == 1
    assert parts.loc["p01", "weekly_run_km_last"] > parts.loc["p01", "weekly_run_km_first"] > 0
    assert parts.loc["p02", "weekly_run_km_last"] == 0
    sessions = serial_tables["sessions"]
    assert len(sessions) == 12  # 3 participants x 4 prescribed sessions
    assert {"participant", "session_id", "score", "category", "activity"} <= set(sessions)
    p02 = sessions[sessions["participant"] == "p02"]
    assert p02["status"].tolist()[2:] == ["missed", "missed"]
    assert len(serial_tables["weekly"]) == 6
    errors = serial_tables["errors"]
    assert list(errors.columns) == list(ERROR_COLUMNS)
    assert errors[["participant", "file"]].values.tolist() == [["p02", "broken.fit"]]
    assert errors["reason"].iloc[0]


def test_process_pool_gives_the_same_tables(
    cohort_dir: Path, short_program: Program, serial_tables: dict[str, pd.DataFrame]
) -> None:
    pooled = run_cohort(cohort_dir, short_program, workers=2)
    assert pooled.participants == 3
    for name, table in serial_tables.items():
        pd.testing.assert_frame_equal(pooled.tables[name], table, obj=name)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_tables(
    cohort_dir: Path, short_program: Program, serial_tables: dict[str, pd.DataFrame]
) -> None:
    distributed = pytest.importorskip("distributed", reason="dask.distributed not installed")
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = run_cohort(cohort_dir, short_program, dask_client=client)
    for name, table in serial_tables.items():
        pd.testing.assert_frame_equal(result.tables[name], table, obj=name)


def test_missing_enrollment_and_program(tmp_path: Path) -> None:
    (tmp_path / "p1").mkdir()
    (tmp_path / "p1" / "enrollment.toml").write_text("start = 2026-03-02\n")
    (tmp_path / "p2").mkdir()
    (tmp_path / "p2" / "enrollment.toml").write_text('start = "March"\n')
    (tmp_path / "p3").mkdir()
    result = run_cohort(tmp_path, None, workers=1)
    errors = result.tables["errors"].set_index("participant")["reason"]
    assert "no program" in errors["p1"]
    assert "not a date" in errors["p2"]
    assert "missing" in errors["p3"]
    assert result.tables["participants"].empty
    with pytest.raises(InputError, match="no participant folders"):
        run_cohort(tmp_path / "p3", None)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_tables(tmp_path: Path, serial_tables: dict[str, pd.DataFrame], fmt: str) -> None:
    paths = write_tables(serial_tables, tmp_path / "out", fmt)
    assert [p.name for p in paths] == [f"{n}.{fmt}" for n in serial_tables] + ["datapackage.json"]
    assert all(stat.S_IMODE(p.stat().st_mode) == output_mode() for p in paths)
    reader = pd.read_csv if fmt == "csv" else pd.read_parquet
    back = reader(tmp_path / "out" / f"participants.{fmt}")
    assert back["participant"].tolist() == ["p01", "p02", "p03"]
    assert len(reader(tmp_path / "out" / f"sessions.{fmt}")) == 12
    with pytest.raises(InputError, match="already exists"):
        write_tables(serial_tables, tmp_path / "out", fmt)
    write_tables(serial_tables, tmp_path / "out", fmt, force=True)


def test_new_measures_and_consort(serial_tables: dict[str, pd.DataFrame]) -> None:
    parts = serial_tables["participants"].set_index("participant")
    assert parts.loc["p01", "sessions_attended"] == 4
    assert parts.loc["p01", "attendance_pct"] == pytest.approx(100.0)
    assert parts.loc["p01", "rdi_pct"] == pytest.approx(100.0, abs=15.0)
    assert bool(parts.loc["p01", "completed_program"])
    assert not bool(parts.loc["p01", "discontinued"])
    assert parts.loc["p02", "sessions_attended"] == 2
    consort = serial_tables["consort"]
    whole = consort[consort["week"].isna()].set_index("stage")["participants"]
    assert whole["enrolled"] == 3
    assert whole["analysed"] == 3
    assert whole["attended_at_least_once"] == 3
    assert whole["completed_program"] == int(parts["completed_program"].sum())
    attending = consort[consort["stage"] == "attending"].set_index("week")["participants"]
    assert attending.to_dict() == {1: 3, 2: 1}  # p02 and p03 came only in week 1


def _read_back(folder: Path, name: str, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""])
    return pd.read_parquet(folder / f"{name}.{fmt}")


def test_csv_and_parquet_hold_the_same_values(
    tmp_path: Path, serial_tables: dict[str, pd.DataFrame]
) -> None:
    write_tables(serial_tables, tmp_path / "csv", "csv")
    write_tables(serial_tables, tmp_path / "parquet", "parquet")
    for name in serial_tables:
        csv = _read_back(tmp_path / "csv", name, "csv")
        parquet = _read_back(tmp_path / "parquet", name, "parquet")
        assert list(csv.columns) == list(parquet.columns), name
        assert len(csv) == len(parquet), name
        for col in csv.columns:
            a, b = csv[col], parquet[col]
            if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
                np.testing.assert_allclose(
                    a.to_numpy(dtype=float), pd.to_numeric(b).to_numpy(dtype=float),
                    rtol=1e-12, err_msg=f"{name}.{col}",
                )  # fmt: skip
            else:
                left = a.map(lambda v: None if pd.isna(v) else str(v)).tolist()
                right = b.map(lambda v: None if v is None or pd.isna(v) else str(v)).tolist()
                assert left == right, f"{name}.{col}"


def test_datapackage_is_valid_frictionless(
    tmp_path: Path, serial_tables: dict[str, pd.DataFrame]
) -> None:
    frictionless = pytest.importorskip("frictionless")
    out = tmp_path / "csv"
    write_tables(serial_tables, out, "csv")
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert [r["name"] for r in descriptor["resources"]] == list(serial_tables)
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    fields = {
        r["name"]: {f["name"]: f for f in r["schema"]["fields"]} for r in descriptor["resources"]
    }
    assert fields["participants"]["rdi_pct"]["unit"] == "%"
    assert fields["participants"]["rdi_pct"]["type"] == "number"
    assert fields["sessions"]["attended"]["type"] == "boolean"
    assert fields["sessions"]["date"]["type"] == "date"
    assert "attended" in fields["sessions"]["attended"]["description"].lower()
    for resource in descriptor["resources"]:
        assert resource["schema"]["missingValues"] == [""]
        for item in resource["schema"]["fields"]:
            assert item.get("description"), (resource["name"], item["name"])
    # the Parquet package descriptor is valid too (the data are checked above against CSV)
    write_tables(serial_tables, tmp_path / "pq", "parquet")
    package = frictionless.Package(str(tmp_path / "pq" / "datapackage.json"))
    assert [r.name for r in package.resources] == list(serial_tables)
