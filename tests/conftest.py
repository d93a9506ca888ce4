"""Shared test set-up: the corpus, the sample data, hypothesis profiles, small inputs.

The corpus of real public activity files lives outside the repository: its
folder comes from the environment variable ``STRIDECHECK_CORPUS`` (default
``<repo>/../shared/corpus``). When it is absent the corpus tests are skipped
with the reason, except under ``CI=true``, where that is a failure.

Helpers meant for import by test modules (``from conftest import ...``, kept
working next to sub-folder conftests by :func:`pytest_make_collect_report`):
:func:`corpus_files` (for ``parametrize``), :func:`make_gpx` and :func:`make_tcx`
(small valid documents built inline).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import math
import os
import sys
from collections.abc import Generator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# CLI output (rich tables) must not depend on the terminal the tests run in.
os.environ["COLUMNS"] = "120"

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_benchmark(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` as the module ``name`` (benchmarks are scripts)."""
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


TESTS_DIR = Path(__file__).resolve().parent
CORPUS_ENV = "STRIDECHECK_CORPUS"
_THIS_MODULE = sys.modules[__name__]


def _uses_this_conftest(module_path: Path) -> bool:
    """True when no conftest.py lies between a test module and this file."""
    for folder in module_path.resolve().parents:
        if folder == TESTS_DIR:
            return True
        if (folder / "conftest.py").is_file():
            return False
    return False


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    """Keep ``from conftest import ...`` pointing at this file while a test module loads.

    pytest imports every ``conftest.py`` of a folder without ``__init__.py`` under
    the one module name ``conftest``, so a sub-folder's conftest would otherwise
    shadow this one for test modules imported after it.
    """
    if isinstance(collector, pytest.Module) and _uses_this_conftest(collector.path):
        sys.modules["conftest"] = _THIS_MODULE
    return (yield)


settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)


def in_ci() -> bool:
    """True when running under CI (``CI=true``), where missing data is a failure."""
    return os.environ.get("CI") == "true"


def corpus_path() -> Path:
    """Where the corpus is expected (it may be absent)."""
    default = REPO_ROOT.parent / "shared" / "corpus"
    return Path(os.environ.get(CORPUS_ENV, str(default)))


def _missing(what: str) -> None:
    """Skip (or, under CI, fail) a test that needs data that is not there."""
    if in_ci():
        pytest.fail(f"{what} (CI=true: required)")
    pytest.skip(what)


def read_manifest(path: Path) -> list[dict[str, str]]:
    """Rows of a ``manifest.csv`` as dicts."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def corpus_files(fmt: str | None = None, max_bytes: int | None = None) -> list[Any]:
    """Corpus files as ``pytest.param`` values (paths relative to the corpus), for parametrize.

    Parameters
    ----------
    fmt
        ``"fit"``, ``"gpx"`` or ``"tcx"`` (the manifest's ``format``), or ``None`` for all.
    max_bytes
        Leave out files larger than this (the manifest's ``size_bytes``). [byte]

    Returns
    -------
    list
        One ``pytest.param(Path)`` per file with the relative path as id. When
        the corpus is absent, a single ``None`` parameter: the test must then
        request the ``corpus_dir`` fixture, which skips or fails with the reason.
    """
    manifest = corpus_path() / "manifest.csv"
    if not manifest.is_file():
        return [pytest.param(None, id="corpus-missing")]
    rows = read_manifest(manifest)
    return [
        pytest.param(Path(row["path"]), id=row["path"])
        for row in rows
        if (fmt is None or row["format"] == fmt)
        and (max_bytes is None or int(row["size_bytes"]) <= max_bytes)
    ]


def corpus_gpx_samples(corpus_dir: Path, rel: Path) -> Any:
    """Samples of one corpus GPX file (gzip unpacked), read quietly; skips unreadable files."""
    import gzip
    import warnings

    from stridecheck.errors import StrideCheckError, StrideCheckWarning
    from stridecheck.io.gpx import parse_gpx

    data = (corpus_dir / rel).read_bytes()
    if rel.suffix == ".gz":
        data = gzip.decompress(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StrideCheckWarning)
            return parse_gpx(data, errors="ignore").samples
    except StrideCheckError:
        pytest.skip("not a readable GPX file")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus folder; skips (or fails under ``CI=true``) when it is absent."""
    path = corpus_path()
    if not (path / "manifest.csv").is_file():
        _missing(f"corpus not found at {path}: set {CORPUS_ENV} to the shared corpus folder")
    return path


@pytest.fixture(scope="session")
def manifest(corpus_dir: Path) -> list[dict[str, str]]:
    """Rows of the corpus ``manifest.csv`` (``path``, ``format``, ``sport``, ``notes``, ...)."""
    return read_manifest(corpus_dir / "manifest.csv")


@pytest.fixture(scope="session")
def sample_data_dir() -> Path:
    """The repository's generated ``sample_data/`` folder (with its ``manifest.csv``)."""
    path = REPO_ROOT / "sample_data"
    if not (path / "manifest.csv").is_file():
        _missing(f"sample data not found at {path}: run 'make sample-data'")
    return path


# --- small valid documents built inline ---------------------------------------------

_START = dt.datetime(2024, 5, 4, 7, 30, tzinfo=dt.UTC)


def _track(n: int, start: dt.datetime, step_s: float) -> list[tuple[str, float, float, int, int]]:
    """``n`` points heading north at about 2.5 m/s: (time, lat, lon, hr, cadence)."""
    points = []
    for i in range(n):
        t = start + dt.timedelta(seconds=i * step_s)
        lat = 48.2 + i * step_s * 2.5 / 111_195.0
        lon = 16.37 + 0.00001 * math.sin(i / 5)
        points.append((t.strftime("%Y-%m-%dT%H:%M:%SZ"), lat, lon, 120 + i % 20, 80 + i % 5))
    return points


def make_gpx(n: int = 60, start: dt.datetime = _START, step_s: float = 1.0) -> bytes:
    """A small valid GPX 1.1 track with heart rate and cadence (Garmin extension)."""
    pts = "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{200 + i * 0.1:.1f}</ele>'
        f"<time>{t}</time><extensions><gpxtpx:TrackPointExtension>"
        f"<gpxtpx:hr>{hr}</gpxtpx:hr><gpxtpx:cad>{cad}</gpxtpx:cad>"
        f"</gpxtpx:TrackPointExtension></extensions></trkpt>\n"
        for i, (t, lat, lon, hr, cad) in enumerate(_track(n, start, step_s))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="stridecheck tests" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
        f"<trk><name>test run</name><type>running</type><trkseg>\n{pts}</trkseg></trk>\n"
        "</gpx>\n"
    ).encode()


def make_tcx(n: int = 60, start: dt.datetime = _START, step_s: float = 1.0) -> bytes:
    """A small valid TCX activity (one lap) with position, distance, heart rate and cadence."""
    track = _track(n, start, step_s)
    pts = "".join(
        f"<Trackpoint><Time>{t}</Time><Position><LatitudeDegrees>{lat:.7f}</LatitudeDegrees>"
        f"<LongitudeDegrees>{lon:.7f}</LongitudeDegrees></Position>"
        f"<AltitudeMeters>{200 + i * 0.1:.1f}</AltitudeMeters>"
        f"<DistanceMeters>{i * step_s * 2.5:.1f}</DistanceMeters>"
        f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm><Cadence>{cad}</Cadence>"
        f"</Trackpoint>\n"
        for i, (t, lat, lon, hr, cad) in enumerate(track)
    )
    total_s = (n - 1) * step_s
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2">\n'
        f'<Activities><Activity Sport="Running"><Id>{track[0][0]}</Id>\n'
        f'<Lap StartTime="{track[0][0]}"><TotalTimeSeconds>{total_s:.1f}</TotalTimeSeconds>'
        f"<DistanceMeters>{total_s * 2.5:.1f}</DistanceMeters><Calories>0</Calories>"
        "<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>\n"
        f"<Track>\n{pts}</Track></Lap></Activity></Activities>\n"
        "</TrainingCenterDatabase>\n"
    ).encode()


# --- the public contract of an Activity ----------------------------------------------


def assert_canonical(activity: Any) -> None:
    """Check the public contract of ``Activity.samples``.

    Columns are documented names (or ``dev_*``), measured columns are float64,
    ``timer_running`` is bool, and the index is a UTC ``DatetimeIndex`` named ``time``.
    """
    import pandas as pd

    from stridecheck.activity import SAMPLE_COLUMNS, Activity

    assert isinstance(activity, Activity)
    samples = activity.samples
    assert isinstance(samples.index, pd.DatetimeIndex)
    assert samples.index.name == "time"
    assert str(samples.index.tz) == "UTC"
    for col in samples.columns:
        assert col in SAMPLE_COLUMNS or col.startswith("dev_"), f"undocumented column {col!r}"
        if col == "timer_running":
            assert samples[col].dtype == bool, col
        elif col in SAMPLE_COLUMNS:
            assert samples[col].dtype == "float64", (col, samples[col].dtype)


# --- simulated activities written by the project's own writers ----------------------

#: A short run-walk plan (2 minutes) for files that tests read and mutate.
SHORT_PLAN: list[tuple[str, float | str]] = [("walk", 40), ("run", 30), ("walk", 30), ("run", 20)]


@pytest.fixture(scope="session")
def simulated_activity() -> Any:
    """A short simulated watch recording (:class:`~stridecheck.activity.Activity`)."""
    from stridecheck.simulate import simulate_session

    return simulate_session(SHORT_PLAN, sensors="watch", random_state=7).activity


@pytest.fixture(scope="session")
def activity_files(
    tmp_path_factory: pytest.TempPathFactory, simulated_activity: Any
) -> dict[str, Path]:
    """One valid small file per format: ``{"fit": ..., "gpx": ..., "tcx": ...}``.

    FIT and GPX come from the simulator through the project's writers; TCX is
    built inline (:func:`make_tcx`).
    """
    from stridecheck.io.fit_write import write_fit
    from stridecheck.io.gpx_write import write_gpx

    folder = tmp_path_factory.mktemp("activities")
    files = {"fit": folder / "sim.fit", "gpx": folder / "sim.gpx", "tcx": folder / "sim.tcx"}
    write_fit(simulated_activity, files["fit"])
    write_gpx(simulated_activity, files["gpx"])
    files["tcx"].write_bytes(make_tcx())
    return files
