"""Import: idempotent, deduplicated, rejected files with reasons, zips, results stored."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stridecheck.importer import content_sha256, import_paths
from stridecheck.pipeline import algorithm_version, refresh_results
from stridecheck.programs import Program
from stridecheck.store import Store


def _counts(store: Store) -> dict[str, int]:
    return {
        table: int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for table in ("activities", "analyses", "intervals", "compliance")
    }


def test_import_idempotent_and_scored(
    tmp_path: Path, activity_dir: Path, short_program: Program
) -> None:
    with Store.open(tmp_path / "s.db") as store:
        store.enroll("ana", short_program, dt.date(2026, 3, 2))
        first = import_paths(store, [activity_dir], "ana")
        assert len(first.imported) == 4 and not first.rejected and not first.duplicates
        counts = _counts(store)
        assert counts["activities"] == counts["analyses"] == counts["compliance"] == 4
        second = import_paths(store, [activity_dir], "ana")
        assert not second.imported and len(second.duplicates) == 4
        assert _counts(store) == counts
        comp = store.compliance_frame(store.current_enrolment(1))  # type: ignore[arg-type]
        assert comp["session_id"].tolist() == short_program.session_ids
        assert (comp["category"] == "completed").all()
        profile = store.get_gait_profile("ana")
        expected = algorithm_version(profile_version=None if profile is None else profile.version)
        assert set(comp["algorithm_version"]) == {expected}
        # stored samples come back in canonical form
        activity = store.load_activity(1)
        assert str(activity.samples.index.tz) == "UTC"
        assert activity.samples.index.name == "time"
        assert len(activity.samples) == store.activities_frame(1)["n_samples"].iloc[0]


def test_same_content_gzipped_is_a_duplicate(tmp_path: Path, activity_dir: Path) -> None:
    fit = activity_dir / "W1S1.fit"
    gz = tmp_path / "copy.fit.gz"
    gz.write_bytes(gzip.compress(fit.read_bytes()))
    assert content_sha256(gz.read_bytes()) == content_sha256(fit.read_bytes())
    with Store.open(tmp_path / "s.db") as store:
        summary = import_paths(store, [fit, gz, fit], "ana")
        assert len(summary.imported) == 1
        assert len(summary.duplicates) == 2


def test_rejected_with_reasons(tmp_path: Path, activity_dir: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.fit").write_bytes(b"")
    (bad / "text.gpx").write_text("hello, not a track")
    (bad / "broken.fit").write_bytes(b"\x0e\x10\xd9\x07" + b"\x00" * 4 + b".FIT" + b"\x01" * 50)
    (bad / "notes.txt").write_text("not an activity file")
    (bad / ".hidden.fit").write_bytes(b"ignored")
    with Store.open(tmp_path / "s.db") as store:
        summary = import_paths(
            store, [bad, tmp_path / "missing.fit", activity_dir / "W1S1.fit"], "ana"
        )
        reasons = {Path(r.source.split("!")[0]).name: r.reason for r in summary.rejected}
        assert set(reasons) == {"empty.fit", "text.gpx", "broken.fit", "missing.fit"}
        assert all(reasons.values())
        assert "no such file" in reasons["missing.fit"]
        assert "empty" in reasons["empty.fit"]
        kinds = {Path(r.source.split("!")[0]).name: r.kind for r in summary.rejected}
        assert kinds == {
            "empty.fit": "format",
            "text.gpx": "format",
            "broken.fit": "empty",
            "missing.fit": "unreadable",
        }
        assert [Path(s).name for s in summary.skipped] == ["notes.txt"]
        assert len(summary.imported) == 1
        assert _counts(store)["activities"] == 1
        doc = summary.to_dict()
        assert doc["imported"] == 1 and len(doc["rejected"]) == 4
        assert {row["kind"] for row in doc["rejected"]} == {"unreadable", "format", "empty"}


def _zip(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return sink.getvalue()


def test_bulk_export_zip(tmp_path: Path, activity_dir: Path) -> None:
    fits = sorted(activity_dir.glob("*.fit"))
    inner = _zip({"UploadedFiles_0-_Part1/a.fit": fits[0].read_bytes()})  # Garmin style
    export = _zip(
        {
            "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip": inner,
            "activities/123.fit.gz": gzip.compress(fits[1].read_bytes()),  # Strava style
            "activities/456.fit": fits[2].read_bytes(),
            "activities.csv": b"id,name\n123,run\n",
        }
    )
    path = tmp_path / "export.zip"
    path.write_bytes(export)
    with Store.open(tmp_path / "s.db") as store:
        summary = import_paths(store, [path], "ana")
        assert len(summary.imported) == 3, summary.to_dict()
        assert not summary.rejected
        assert [s.rsplit("!", 1)[1] for s in summary.skipped] == ["activities.csv"]
        sources = store.activities_frame(1)["source_path"].tolist()
        assert any("UploadedFiles_0-_Part1.zip!UploadedFiles_0-_Part1/a.fit" in s for s in sources)
        again = import_paths(store, [path, *fits[:3]], "ana")
        assert len(again.duplicates) == 6 and not again.imported


def test_zip_traversal_and_bomb_refused(tmp_path: Path, activity_dir: Path) -> None:
    fit = (activity_dir / "W1S1.fit").read_bytes()
    traversal = tmp_path / "traversal.zip"
    traversal.write_bytes(_zip({"../../evil.fit": fit, "/abs/evil2.fit": fit}))
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(_zip({"big.fit": b"\x00" * (8 << 20)}))
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    with Store.open(tmp_path / "s.db") as store:
        summary = import_paths(store, [traversal, bomb], "ana")
        assert not summary.imported
        reasons = " | ".join(f"{r.source}: {r.reason}" for r in summary.rejected)
        assert "evil.fit: unsafe member name" in reasons
        assert "evil2.fit: unsafe member name" in reasons
        assert "bomb.zip: zip member 'big.fit' would expand" in reasons
        kinds = {r.source.rsplit("!", 1)[-1]: r.kind for r in summary.rejected}
        assert kinds == {
            "../../evil.fit": "unsafe",
            "/abs/evil2.fit": "unsafe",
            str(traversal): "container",  # and nothing else in it
            str(bomb): "container",
        }
        assert _counts(store)["activities"] == 0
    # nothing was written outside the store
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bomb.zip",
        "s.db",
        "s.db-shm",
        "s.db-wal",
        "traversal.zip",
    ] or sorted(p.name for p in tmp_path.iterdir()) == ["bomb.zip", "s.db", "traversal.zip"]


def test_import_with_two_workers_matches_one(tmp_path: Path, activity_dir: Path) -> None:
    results = {}
    for workers in (1, 2):
        with Store.open(tmp_path / f"w{workers}.db") as store:
            summary = import_paths(store, [activity_dir], "ana", workers=workers)
            assert len(summary.imported) == 4
            frame = pd.read_sql_query(
                "SELECT v.sha256, i.idx, i.kind, i.duration_s FROM intervals i"
                " JOIN activities v ON v.id = i.activity_id ORDER BY v.sha256, i.idx",
                store.conn,
            )
            results[workers] = frame
    pd.testing.assert_frame_equal(results[1], results[2])


def test_results_recomputed_when_program_or_version_changes(
    tmp_path: Path, activity_dir: Path, short_program: Program
) -> None:
    with Store.open(tmp_path / "s.db") as store:
        import_paths(store, [activity_dir], "ana")  # not enrolled: segmentation only
        assert _counts(store)["compliance"] == 0
        assert refresh_results(store, "ana") == 0
        store.enroll("ana", short_program, dt.date(2026, 3, 2))
        assert refresh_results(store, "ana") == 4  # scored against the new program
        assert _counts(store)["compliance"] == 4
        assert refresh_results(store, "ana") == 0
        store.conn.execute("UPDATE analyses SET algorithm_version = 'old' WHERE activity_id = 2")
        assert refresh_results(store, "ana") == 1
        versions = {r[0] for r in store.conn.execute("SELECT algorithm_version FROM analyses")}
        profile = store.get_gait_profile("ana")
        assert versions == {
            algorithm_version(profile_version=None if profile is None else profile.version)
        }
        counts = _counts(store)
        assert counts["analyses"] == 4 and counts["compliance"] == 4


@pytest.mark.parametrize("bad_name", ["", "   "])
def test_import_needs_an_athlete(tmp_path: Path, activity_dir: Path, bad_name: str) -> None:
    from stridecheck.errors import InputError

    with Store.open(tmp_path / "s.db") as store, pytest.raises(InputError, match="empty"):
        import_paths(store, [activity_dir], bad_name)


def test_automatic_workers_start_a_pool_only_for_many_files(
    tmp_path: Path, activity_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stridecheck.importer as importer

    pools: list[int] = []
    real_pool = importer._run_pool

    def counting_pool(items: Any, workers: int, *args: Any, **kwargs: Any) -> None:
        pools.append(workers)
        real_pool(items, workers, *args, **kwargs)

    monkeypatch.setattr(importer, "_run_pool", counting_pool)
    # four new files: not worth starting processes for
    with Store.open(tmp_path / "few.db") as store:
        few = import_paths(store, [activity_dir], "ana", workers=None)
    assert len(few.imported) == 4 and pools == []
    # more than AUTO_POOL_MIN_FILES: one process per CPU, every file (the peeked ones too)
    monkeypatch.setattr(importer, "AUTO_POOL_MIN_FILES", 2)
    with Store.open(tmp_path / "many.db") as store:
        many = import_paths(store, [activity_dir], "ana", workers=None)
    assert sorted(many.imported) == sorted(few.imported)
    assert pools == [max(1, os.cpu_count() or 1)] or (os.cpu_count() or 1) == 1
