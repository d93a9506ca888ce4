"""One text form of instants in the store, read back exactly; the migration repairing old rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from stridecheck.importer import import_paths
from stridecheck.programs import Program
from stridecheck.store import SCHEMA_VERSION, Store, connect, schema_version
from stridecheck.store.migrations import MIGRATIONS, _one_time_text
from stridecheck.store.times import parse_utc_texts, utc_text, utc_texts

FORM = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+00:00$"


def test_one_fixed_width_form_reads_back_exactly() -> None:
    times = pd.Series(
        pd.to_datetime(
            ["2019-01-29T11:05:09Z", "2019-01-29T11:05:09.5Z", "2019-01-29T11:05:09.123456789Z"],
            utc=True,
            format="ISO8601",
        )
    )
    texts = utc_texts(times)
    assert texts == [
        "2019-01-29T11:05:09.000000000+00:00",
        "2019-01-29T11:05:09.500000000+00:00",
        "2019-01-29T11:05:09.123456789+00:00",
    ]
    back = parse_utc_texts(pd.Series(texts))
    assert back.tolist() == times.tolist()
    assert [texts[i] for i in back.argsort()] == sorted(texts)  # text order is time order


def test_old_mixed_forms_and_other_offsets_read_back() -> None:
    old = pd.Series(["2019-01-29T11:05:24+00:00", "2019-01-29T11:05:24.500000+00:00"])
    back = parse_utc_texts(old)
    assert (back.diff().iloc[1]) == pd.Timedelta(milliseconds=500)
    assert utc_text("2019-01-29T12:05:24.25+01:00") == "2019-01-29T11:05:24.250000000+00:00"
    assert utc_text(dt.datetime(2019, 1, 29, 11, 5, 24)) == "2019-01-29T11:05:24.000000000+00:00"


def _stored_texts(store: Store) -> list[str]:
    rows = store.conn.execute('SELECT start, "end" FROM intervals').fetchall()
    rows += store.conn.execute("SELECT start_time, start_time FROM activities").fetchall()
    return [str(t) for row in rows for t in row]


def test_import_writes_one_form(
    tmp_path: Path, activity_dir: Path, short_program: Program
) -> None:
    with Store.open(tmp_path / "s.db") as store:
        store.enroll("ana", short_program, dt.date(2026, 3, 2))
        import_paths(store, [activity_dir], "ana")
        texts = _stored_texts(store)
    assert texts and all(pd.Series(texts).str.match(FORM))


def test_migration_repairs_rows_of_older_stores(
    tmp_path: Path, activity_dir: Path, short_program: Program
) -> None:
    from stridecheck.report import athlete_data_from_store

    path = tmp_path / "old.db"
    with Store.open(path) as store:
        store.enroll("ana", short_program, dt.date(2026, 3, 2))
        import_paths(store, [activity_dir], "ana")
        before = {aid: store.intervals(aid) for aid in store.activity_ids(store.athlete("ana").id)}
    # as the version before the migration wrote them: whole seconds short, fractions in us
    conn = connect(path)
    conn.execute(
        "UPDATE intervals SET start = substr(start, 1, 19) || '+00:00',"
        ' "end" = substr("end", 1, 19) || \'.500000+00:00\''
    )
    conn.execute("UPDATE activities SET start_time = substr(start_time, 1, 19) || '+00:00'")
    before_repair = MIGRATIONS.index(_one_time_text)  # the version before the repair
    conn.execute(f"PRAGMA user_version = {before_repair}")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert schema_version(store.conn) == SCHEMA_VERSION
        texts = _stored_texts(store)
        assert all(pd.Series(texts).str.match(FORM)), texts[:4]
        for aid, frame in before.items():
            after = store.intervals(aid)
            assert after["start"].tolist() == frame["start"].dt.floor("s").tolist()
            assert (
                after["end"].tolist()
                == (frame["end"].dt.floor("s") + pd.Timedelta(milliseconds=500)).tolist()
            )
        data = athlete_data_from_store(store, "ana")
        assert data.sessions


def test_fractional_second_corpus_file_renders(tmp_path: Path, corpus_dir: Path) -> None:
    """The fenix 2 multisport file's intervals end on half seconds: report and dashboard render."""
    from fastapi.testclient import TestClient

    from stridecheck.programs import load_program
    from stridecheck.report import athlete_data_from_store, render_report
    from stridecheck.web.app import WebConfig, create_app

    source = corpus_dir / "fit/python-fitparse/activity-large-fenxi2-multisport.fit"
    if not source.is_file():
        pytest.skip(f"{source} is not in the corpus")
    db = tmp_path / "s.db"
    with Store.open(db) as store:
        store.enroll("ana", load_program("asteroid-12wk"), dt.date(2014, 12, 8))
        summary = import_paths(store, [source], "ana")
        assert summary.imported, summary.rejected
        texts = _stored_texts(store)
        assert any(not t.endswith(".000000000+00:00") for t in texts)
        data = athlete_data_from_store(store, "ana")
    out = render_report([data], tmp_path / "report.html")
    assert out.is_file()
    client = TestClient(create_app(WebConfig(db=db)), base_url="http://127.0.0.1")
    assert client.get("/").status_code == 200
    assert client.get("/athletes/ana").status_code == 200
    for session in data.sessions:
        assert client.get(f"/athletes/ana/sessions/{session.session_id}").status_code == 200
