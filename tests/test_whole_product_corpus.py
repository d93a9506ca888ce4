"""The whole product on every real file: import -> store -> dashboard -> report.

Every file of the shared corpus (``STRIDECHECK_CORPUS``, default
``../shared/corpus``; skipped with the reason when absent, a failure under
``CI=true``) is read, imported into ONE store for athletes enrolled in a
program that starts the week of their first activity, and then every
dashboard page (FastAPI TestClient: the index, each athlete, each session)
and the coach report of every athlete are rendered. Every page answers 200,
the report is written, every file is imported or refused with a reason (never
an internal error), and no warning but a :class:`StrideCheckWarning` is seen,
each naming its file once.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import stridecheck
from stridecheck.errors import StrideCheckError, StrideCheckWarning
from stridecheck.importer import ACTIVITY_SUFFIXES, ImportSummary, import_paths
from stridecheck.programs import Program, Repeat, Session, Step
from stridecheck.report import athlete_data_from_store, render_report, store_athletes
from stridecheck.store import Store
from stridecheck.web import WebConfig, create_app

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

#: Files per athlete: enough to fill a program's weeks, few enough to keep pages quick.
FILES_PER_ATHLETE = 24


def _program() -> Program:
    """One week, two run-walk sessions: every page kind, few pages."""
    steps = (
        Step("walk", 300.0, name="warm-up"),
        Repeat(4, (Step("run", 60.0), Step("walk", 90.0))),
        Step("walk", 300.0, name="cool-down"),
    )
    return Program(
        name="Corpus run-walk",
        sessions=(
            Session(id="W1S1", week=1, steps=steps),
            Session(id="W1S2", week=1, steps=steps),
        ),
        weeks=1,
        sessions_per_week=2,
    )


@dataclass
class Product:
    """What running the whole product over the corpus produced."""

    db: Path
    files: list[Path]
    athletes: dict[str, list[Path]]
    imports: dict[str, ImportSummary]
    caught: list[warnings.WarningMessage] = field(default_factory=list)
    read_failures: dict[Path, StrideCheckError] = field(default_factory=dict)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@pytest.fixture(scope="module")
def product(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Product:
    files = sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and p.name.lower().endswith(ACTIVITY_SUFFIXES)
    )
    assert len(files) > 100, f"only {len(files)} activity files in {corpus_dir}"
    out = Product(tmp_path_factory.mktemp("whole") / "store.db", files, {}, {})
    starts: dict[Path, dt.date] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in files:
            try:
                activity = stridecheck.read(path)
            except StrideCheckError as exc:
                out.read_failures[path] = exc
                continue
            starts[path] = activity.start_time.date()
    out.caught.extend(caught)
    by_format: dict[str, list[Path]] = defaultdict(list)
    for path in files:
        by_format[path.relative_to(corpus_dir).parts[0]].append(path)
    for fmt, paths in sorted(by_format.items()):
        for k in range(0, len(paths), FILES_PER_ATHLETE):
            out.athletes[f"{fmt} {k // FILES_PER_ATHLETE + 1}"] = paths[k : k + FILES_PER_ATHLETE]
    program = _program()
    with Store.open(out.db) as store:
        for name, paths in out.athletes.items():
            days = [starts[p] for p in paths if p in starts]
            store.enroll(name, program, _monday(min(days)) if days else dt.date(2020, 1, 6))
            out.imports[name] = import_paths(store, paths, name, workers=2)
    return out


def test_every_file_is_imported_or_refused_with_a_reason(product: Product) -> None:
    imported = sum(len(s.imported) + len(s.duplicates) for s in product.imports.values())
    rejected = [r for s in product.imports.values() for r in s.rejected]
    assert imported + len(rejected) == len(product.files)
    internal = [r for r in rejected if r.kind == "internal"]
    assert not internal, internal
    assert imported >= 0.75 * len(product.files)
    for refused in rejected:
        assert refused.reason and "Traceback" not in refused.reason
    # what read refused is what the import refused (the one reader decides)
    labels = {r.source for r in rejected}
    assert {str(p) for p in product.read_failures} <= labels


def test_read_leaks_no_foreign_warning_and_names_each_file_once(product: Product) -> None:
    foreign = [w for w in product.caught if not issubclass(w.category, StrideCheckWarning)]
    assert not foreign, [(w.category.__name__, str(w.message)[:120]) for w in foreign[:5]]
    for w in product.caught:
        text = str(w.message)
        named = [p for p in product.files if str(p) in text]
        assert named, text[:200]
        assert max(text.count(str(p)) for p in named) == 1, text[:200]


def test_every_dashboard_page_answers_200(product: Product) -> None:
    client = TestClient(create_app(WebConfig(db=product.db)), base_url="http://127.0.0.1:8000")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        index = client.get("/")
        assert index.status_code == 200
        with Store.open(product.db) as store:
            names = store_athletes(store)
        assert sorted(names) == sorted(product.athletes)
        pages = 1
        sessions = _program().session_ids
        for name in names:
            base = f"/athletes/{quote(name, safe='')}"
            assert name in index.text
            reply = client.get(base)
            assert reply.status_code == 200, (base, reply.text[-500:])
            pages += 1
            for session_id in sessions:
                reply = client.get(f"{base}/sessions/{session_id}")
                assert reply.status_code == 200, (name, session_id, reply.text[-500:])
                pages += 1
    foreign = [w for w in caught if not issubclass(w.category, StrideCheckWarning)]
    assert not foreign, [(w.category.__name__, str(w.message)[:120]) for w in foreign[:5]]
    assert pages == 1 + len(names) * (1 + len(sessions))


def test_the_report_of_every_athlete_is_written(product: Product, tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Store.open(product.db) as store:
            data = [athlete_data_from_store(store, name) for name in store_athletes(store)]
        out = render_report(data, tmp_path / "corpus-report.html")
    assert out.is_file() and out.stat().st_size > 10_000
    html = out.read_text(encoding="utf-8")
    for name in product.athletes:
        assert name in html
    done = sum(1 for a in data for s in a.sessions if s.activity_name)
    assert done > 0
    foreign = [w for w in caught if not issubclass(w.category, StrideCheckWarning)]
    assert not foreign, [(w.category.__name__, str(w.message)[:120]) for w in foreign[:5]]
