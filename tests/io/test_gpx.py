"""GPX importer and writer: corpus, both reading methods, every quirk inline, fuzzing."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import corpus_files, make_gpx
from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.errors import (
    GpxError,
    InputError,
    StrideCheckError,
    StrideCheckWarning,
)
from stridecheck.io import gpx as gpx_module
from stridecheck.io import read, trackpoints
from stridecheck.io.gpx import METHODS, parse_gpx, read_gpx
from stridecheck.io.gpx_write import write_gpx
from stridecheck.io.xml import prepare_xml

GPX11 = 'version="1.1" creator="unit" xmlns="http://www.topografix.com/GPX/1/1"'
TPX1 = 'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
TPX2 = 'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"'


def gpx(points: str, *, attrs: str = GPX11, head: str = "", trk: str = "") -> bytes:
    """A GPX document around some ``<trkpt>`` elements."""
    return (
        f'{head}<?xml version="1.0" encoding="UTF-8"?>\n<gpx {attrs}>\n'
        f"<trk>{trk}<trkseg>\n{points}\n</trkseg></trk></gpx>\n"
    ).encode()


def pt(second: int, inner: str = "", lat: float = 48.2, lon: float = 16.37) -> str:
    t = f"<time>2024-05-04T07:30:{second:02d}Z</time>"
    return f'<trkpt lat="{lat + second * 2e-5:.6f}" lon="{lon}">{t}{inner}</trkpt>'


def quiet(data: bytes, **kwargs: object) -> Activity:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        return parse_gpx(data, **kwargs)  # type: ignore[arg-type]


# --- corpus ------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("gpx"))
def test_corpus_file_reads_or_fails_cleanly(
    corpus_dir: Path, manifest: list[dict[str, str]], rel: Path
) -> None:
    row = next(r for r in manifest if r["path"] == str(rel))
    try:
        activity = read(corpus_dir / rel, errors="ignore")
    except StrideCheckError as exc:
        if "no sample has a plausible time" in str(exc):  # io/plausible.py (a 1901 clock)
            return
        assert isinstance(exc, GpxError), exc
        assert "no timed track points" in str(exc)
        return
    assert activity.meta.source_format == "gpx"
    assert len(activity.samples) > 0
    assert str(activity.samples.index.dtype) == "datetime64[ns, UTC]"
    assert activity.samples.index.is_monotonic_increasing
    expected = row["records_or_points"]
    if expected:
        n = activity.meta.extra["track_points"]
        assert abs(n - int(expected)) <= max(2, 0.01 * int(expected)), (n, expected)


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("gpx"))
def test_corpus_methods_give_identical_points(corpus_dir: Path, rel: Path) -> None:
    """``stream`` and ``gpxpy`` give the same points; where gpxpy has a value, the same value.

    gpxpy skips a GPX 1.1 ``<speed>`` and second ``<extensions>`` blocks, so
    stream may hold more values (never different ones).
    """
    data = (corpus_dir / rel).read_bytes()
    if rel.suffix == ".gz":
        import gzip

        data = gzip.decompress(data)
    results: dict[str, Activity | type[StrideCheckError]] = {}
    for method in METHODS:
        try:
            results[method] = quiet(data, errors="ignore", method=method)
        except StrideCheckError as exc:
            results[method] = type(exc)
    stream, ref = results["stream"], results["gpxpy"]
    if not isinstance(ref, Activity):
        assert stream == ref
        return
    assert isinstance(stream, Activity)
    pd.testing.assert_index_equal(stream.samples.index, ref.samples.index)
    for col in ref.samples.columns:
        if col == "speed_mps" and ref.meta.speed_derived != stream.meta.speed_derived:
            continue
        if col in ("distance_m",) and ref.meta.speed_derived != stream.meta.speed_derived:
            continue
        mine = stream.samples[col].to_numpy(dtype=float)
        theirs = ref.samples[col].to_numpy(dtype=float)
        known = ~np.isnan(theirs)
        np.testing.assert_array_equal(mine[known], theirs[known], err_msg=col)
    assert stream.meta.product == ref.meta.product


# --- quirks, inline -----------------------------------------------------------------


def test_make_gpx_running_cadence_doubled() -> None:
    act = parse_gpx(make_gpx(30))
    s = act.samples
    assert act.meta.source_format == "gpx"
    assert act.meta.sport == "running"
    assert act.meta.product == "stridecheck tests"
    assert act.meta.start_time == dt.datetime(2024, 5, 4, 7, 30, tzinfo=dt.UTC)
    assert s["cadence_spm"].iloc[0] == 160.0
    assert s["heart_rate_bpm"].iloc[0] == 120.0
    assert act.meta.extra["cadence_rule"]["doubled"] is True
    assert act.meta.speed_derived is True
    assert s["speed_mps"].median() == pytest.approx(2.5, rel=0.05)
    assert s["distance_m"].iloc[-1] == pytest.approx(29 * 2.5, rel=0.05)
    assert list(s.columns[:3]) == ["elapsed_s", "distance_m", "speed_mps"]


def test_gpx10_speed_and_no_version() -> None:
    pts = "".join(pt(i, f"<ele>{100 + i}</ele><speed>{2.0 + i / 10}</speed>") for i in range(3))
    for attrs in ('version="1.0" xmlns="http://www.topografix.com/GPX/1/0"', ""):
        for method in METHODS:
            act = parse_gpx(gpx(pts, attrs=attrs), method=method)
            assert act.meta.speed_derived is False
            np.testing.assert_allclose(act.samples["speed_mps"], [2.0, 2.1, 2.2])
            np.testing.assert_allclose(act.samples["altitude_m"], [100, 101, 102])


def test_trackpointextension_v2_fields() -> None:
    ext = (
        "<extensions><gpxtpx:TrackPointExtension><gpxtpx:atemp>21.5</gpxtpx:atemp>"
        "<gpxtpx:hr>150</gpxtpx:hr><gpxtpx:cad>88</gpxtpx:cad><gpxtpx:speed>3.1</gpxtpx:speed>"
        "<gpxtpx:course>270</gpxtpx:course></gpxtpx:TrackPointExtension></extensions>"
    )
    act = parse_gpx(gpx(pt(0, ext) + pt(1, ext), attrs=f"{GPX11} {TPX2}"))
    row = act.samples.iloc[0]
    assert row["heart_rate_bpm"] == 150
    assert row["cadence_spm"] == 176
    assert row["speed_mps"] == 3.1
    assert row["dev_temperature_c"] == 21.5
    assert row["dev_course_deg"] == 270
    assert act.meta.speed_derived is False


def test_other_extension_namespaces_and_plain_names() -> None:
    cluetrust = 'xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0"'
    ct = "<extensions><gpxdata:hr>140</gpxdata:hr><gpxdata:cadence>80</gpxdata:cadence>"
    ct += "<gpxdata:distance>{d}</gpxdata:distance></extensions>"
    pts = "".join(pt(i, ct.format(d=10 * i)) for i in range(3))
    act = parse_gpx(gpx(pts, attrs=f"{GPX11} {cluetrust}"))
    assert act.samples["heart_rate_bpm"].tolist() == [140.0] * 3
    assert act.samples["cadence_spm"].tolist() == [160.0] * 3
    assert act.samples["distance_m"].tolist() == [0.0, 10.0, 20.0]
    plain = "<extensions><heartrate>130</heartrate><cadence>85</cadence><power>250</power>"
    plain += "</extensions>"
    act = parse_gpx(gpx(pt(0, plain) + pt(1, plain)))
    assert act.samples[["heart_rate_bpm", "cadence_spm", "power_w"]].iloc[0].tolist() == [
        130.0,
        170.0,
        250.0,
    ]
    power = (
        '<extensions><pwr:PowerExtension xmlns:pwr="http://www.garmin.com/xmlschemas/'
        'PowerExtension/v1"><pwr:PowerInWatts>300</pwr:PowerInWatts></pwr:PowerExtension>'
        "</extensions>"
    )
    assert parse_gpx(gpx(pt(0, power))).samples["power_w"].iloc[0] == 300


def test_opentracks_namespace_and_second_extensions_block() -> None:
    ot = 'xmlns:opentracks="http://opentracksapp.com/xmlschemas/v1"'
    inner = (
        "<extensions><opentracks:speed>2.5</opentracks:speed>"
        "<opentracks:distance>3.3</opentracks:distance></extensions>"
        "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>99</gpxtpx:hr>"
        "</gpxtpx:TrackPointExtension></extensions>"
    )
    act = parse_gpx(gpx(pt(0, inner) + pt(1, inner), attrs=f"{GPX11} {ot} {TPX1}"))
    assert act.samples["speed_mps"].tolist() == [2.5, 2.5]
    assert act.samples["heart_rate_bpm"].tolist() == [99.0, 99.0]
    # OpenTracks' per-point distance is not a cumulative distance: derived instead
    assert act.samples["distance_m"].iloc[0] == 0.0


@pytest.mark.parametrize("method", METHODS)
def test_undeclared_prefix_as_strava_writes_it(method: str) -> None:
    inner = "<extensions><gpxdata:cadence>80</gpxdata:cadence><gpxx:T>1</gpxx:T></extensions>"
    doc = gpx(pt(0, inner) + pt(1, inner))
    with pytest.warns(StrideCheckWarning, match="undeclared namespace prefixes gpxdata, gpxx"):
        act = parse_gpx(doc, method=method)
    assert act.samples["cadence_spm"].tolist() == [160.0, 160.0]
    with pytest.raises(GpxError, match="undeclared"):
        parse_gpx(doc, errors="raise", method=method)


def test_times_from_strings_counts() -> None:
    from stridecheck.io.trackpoints import times_from_strings

    zulu = ["2024-05-04T07:30:00Z", "2024-05-04T07:30:01Z"]
    index, unreadable, naive = times_from_strings(zulu)
    assert (unreadable, naive) == (0, 0) and index.notna().all()
    mixed = [*zulu, "2024-05-04T09:30:02+02:00", "2024-05-04T07:30:03", None, "", " x "]
    index, unreadable, naive = times_from_strings(mixed)
    assert (unreadable, naive) == (1, 1)
    assert index.notna().tolist() == [True] * 4 + [False] * 3
    padded = [" 2024-05-04T07:30:00Z ", "2024-05-04T07:30:01Z"]
    index, unreadable, _ = times_from_strings(padded)
    assert unreadable == 0 and index.notna().all()


def test_stream_stops_early_at_undeclared_prefix() -> None:
    """The stream reader goes to the repaired document without a wasted full first pass."""
    from lxml import etree

    from stridecheck.io import gpx as gpx_module

    inner = "<extensions><gpxdata:cadence>80</gpxdata:cadence></extensions>"
    doc = gpx("".join(pt(i, inner) for i in range(50)))
    with pytest.raises(gpx_module._UndeclaredPrefixError):
        gpx_module._parse_gpx_stream(doc, None)
    with pytest.raises(etree.XMLSyntaxError):  # libxml2 reports it at the end only
        gpx_module._parse_gpx_stream(doc, None, stop_undeclared=False)
    raw = gpx_module._read_raw(doc, None, "stream")
    assert raw.repaired_prefixes == ["gpxdata"] and raw.n_points == 50
    assert raw.column("time") == [f"2024-05-04T07:30:{i:02d}Z" for i in range(50)]


def test_undeclared_prefix_that_cannot_be_declared_reads_in_full(monkeypatch) -> None:
    """Without prefixes to declare, the stream reader reads the document as before."""
    from stridecheck.io import gpx as gpx_module

    monkeypatch.setattr(gpx_module, "declare_prefixes", lambda data: (data, []))
    doc = gpx(pt(0, "<extensions><gpxdata:cadence>80</gpxdata:cadence></extensions>"))
    with pytest.raises(GpxError, match="not well-formed"):
        parse_gpx(doc, method="stream")


@pytest.mark.parametrize("method", METHODS)
def test_declared_encodings_boms_and_leading_whitespace(method: str) -> None:
    body = (
        '<gpx version="1.1" creator="Müller GPS">'
        "<trk><name>Straße</name><trkseg>" + pt(0) + pt(1) + "</trkseg></trk></gpx>"
    )
    latin = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + body).encode("latin-1")
    utf8 = '<?xml version="1.0" encoding="UTF-8"?>\n' + body
    utf16 = '<?xml version="1.0" encoding="UTF-16"?>\n' + body
    docs = [
        latin,
        b"\xef\xbb\xbf" + utf8.encode(),
        b"\xef\xbb\xbf \n\t" + utf8.encode(),
        b"  \r\n  " + utf8.encode(),
        utf16.encode("utf-16"),
        utf16.encode("utf-16-le"),
        ("\n  " + utf16).encode("utf-16-be"),
        ('<?xml version="1.0" encoding="windows-1252"?>' + body).encode("cp1252"),
    ]
    for doc in docs:
        act = parse_gpx(doc, method=method)
        assert act.meta.product == "Müller GPS", doc[:40]
        assert len(act.samples) == 2


def test_bad_text_in_declared_encoding() -> None:
    doc = '<?xml version="1.0" encoding="ascii"?><gpx>é</gpx>'.encode()
    with pytest.raises(GpxError):
        parse_gpx(doc)


@pytest.mark.parametrize("method", METHODS)
def test_times_offsets_and_naive(method: str) -> None:
    pts = (
        '<trkpt lat="1" lon="2"><time>2024-05-04T09:30:00+02:00</time></trkpt>'
        '<trkpt lat="1" lon="2.0001"><time>2024-05-04T07:30:01.250Z</time></trkpt>'
        '<trkpt lat="1" lon="2.0002"><time>2024-05-04T06:30:02-01:00</time></trkpt>'
    )
    act = parse_gpx(gpx(pts), method=method)
    assert [t.isoformat() for t in act.samples.index] == [
        "2024-05-04T07:30:00+00:00",
        "2024-05-04T07:30:01.250000+00:00",
        "2024-05-04T07:30:02+00:00",
    ]
    naive = '<trkpt lat="1" lon="2"><time>2024-05-04T07:30:00</time></trkpt>'
    with pytest.warns(StrideCheckWarning, match="1 times carry no time zone; taken as UTC"):
        act = parse_gpx(gpx(naive), method=method)
    assert str(act.samples.index[0]) == "2024-05-04 07:30:00+00:00"


@pytest.mark.parametrize("method", METHODS)
def test_points_without_time_dropped_with_count(method: str) -> None:
    pts = pt(0) + '<trkpt lat="1" lon="2"><ele>3</ele></trkpt>' * 2 + pt(1)
    with pytest.warns(StrideCheckWarning, match="2 of 4 track points have no <time>; dropped"):
        act = parse_gpx(gpx(pts), method=method)
    assert len(act.samples) == 2
    assert act.meta.warnings and "2 of 4" in act.meta.warnings[0]
    with pytest.raises(GpxError, match="2 of 4"):
        parse_gpx(gpx(pts), errors="raise", method=method)
    act = parse_gpx(gpx(pts), errors="ignore", method=method)
    assert len(act.meta.warnings) == 1


def test_unreadable_time_and_numbers() -> None:
    pts = (
        pt(0, "<ele>oops</ele>")
        + '<trkpt lat="1" lon="2"><time>yesterday</time></trkpt>'
        + pt(1, "<ele>12</ele>")
    )
    act = quiet(gpx(pts))
    assert len(act.samples) == 2
    text = " | ".join(act.meta.warnings)
    assert "1 of 3 track points have an unreadable <time>" in text
    assert "unreadable numbers ignored: 1 altitude_m" in text


@pytest.mark.parametrize("method", METHODS)
def test_routes_or_waypoints_only(method: str) -> None:
    rte = "<rte>" + '<rtept lat="1" lon="2"/>' * 3 + "</rte>"
    doc = f"<gpx {GPX11}>{rte}{rte}</gpx>".encode()
    with pytest.raises(GpxError, match=r"no timed track points \(the file holds 2 routes"):
        parse_gpx(doc, method=method)
    wpts = '<wpt lat="1" lon="2"><name>x</name></wpt>' * 5
    doc = f"<gpx {GPX11}>{wpts}</gpx>".encode()
    with pytest.raises(GpxError, match="5 waypoints only"):
        parse_gpx(doc, method=method)
    doc = f"<gpx {GPX11}><metadata/></gpx>".encode()
    with pytest.raises(GpxError, match="no track points, routes or waypoints"):
        parse_gpx(doc, method=method)


@pytest.mark.parametrize("method", METHODS)
def test_not_well_formed_names_line_and_column(method: str) -> None:
    doc = gpx(pt(0) + "<trkpt lat='1' lon='2'><time>x</tim></trkpt>")
    with pytest.raises(GpxError, match=r"not well-formed XML at line 4, column \d+"):
        parse_gpx(doc, method=method)
    with pytest.raises(GpxError, match="line"):
        parse_gpx(gpx(pt(0))[:-20], method=method)


def test_wrong_root_and_unknown_method() -> None:
    with pytest.raises(GpxError, match="root element is <kml>"):
        parse_gpx(b"<kml><trkpt lat='1' lon='2'><time>2024-01-01T00:00:00Z</time></trkpt></kml>")
    with pytest.raises(ValueError, match="Must be one of 'stream' or 'gpxpy'"):
        parse_gpx(make_gpx(3), method="sax")
    assert len(parse_gpx(make_gpx(3), method="GPXPY").samples) == 3


def test_cadence_rule_by_sport_and_values() -> None:
    cad = "<extensions><gpxtpx:TrackPointExtension><gpxtpx:cad>{c}</gpxtpx:cad>"
    cad += "</gpxtpx:TrackPointExtension></extensions>"
    attrs = f"{GPX11} {TPX1}"
    bike = parse_gpx(gpx(pt(0, cad.format(c=90)), attrs=attrs, trk="<type>cycling</type>"))
    assert "cadence_spm" not in bike.samples
    assert bike.samples["cadence_rpm"].iloc[0] == 90
    assert bike.meta.extra["cadence_rule"]["doubled"] is False
    steps = parse_gpx(gpx(pt(0, cad.format(c=170)), attrs=attrs))
    assert steps.samples["cadence_spm"].iloc[0] == 170
    assert "already steps/min" in steps.meta.extra["cadence_rule"]["reason"]
    unknown = parse_gpx(gpx(pt(0, cad.format(c=60)), attrs=attrs))
    assert unknown.samples["cadence_spm"].iloc[0] == 120


def test_strava_numeric_type() -> None:
    attrs = 'version="1.1" creator="StravaGPX" xmlns="http://www.topografix.com/GPX/1/1"'
    act = parse_gpx(gpx(pt(0), attrs=attrs, trk="<type>9</type>"))
    assert act.meta.sport == "running"
    assert act.meta.extra["gpx_type"] == "9"


def test_positions_out_of_range_blanked() -> None:
    pts = pt(0) + '<trkpt lat="100" lon="0"><time>2024-05-04T07:30:05Z</time></trkpt>'
    with pytest.warns(StrideCheckWarning, match="1 positions outside"):
        act = parse_gpx(gpx(pts))
    assert np.isnan(act.samples["lat_deg"].iloc[1])


def test_duplicates_and_backwards_times_warned() -> None:
    pts = pt(2) + pt(1) + pt(1)
    act = quiet(gpx(pts))
    assert len(act.samples) == 2
    text = " | ".join(act.meta.warnings)
    assert "time goes backwards 1 times" in text
    assert "1 samples repeat an earlier timestamp" in text


def test_read_gpx_file(tmp_path: Path) -> None:
    path = tmp_path / "a.gpx"
    path.write_bytes(make_gpx(5))
    act = read_gpx(path, method="gpxpy")
    assert act.meta.source_path == str(path)
    assert act.meta.sha256 is not None
    with pytest.raises(InputError, match="no such file"):
        read_gpx(tmp_path / "missing.gpx")
    with pytest.raises(InputError, match="folder"):
        read_gpx(tmp_path)


# --- writer -------------------------------------------------------------------------


def _activity(n: int = 120, sport: str | None = "running") -> Activity:
    start = pd.Timestamp("2024-05-04T07:30:00.5Z")
    index = pd.date_range(start, periods=n, freq="1s")
    i = np.arange(n)
    frame = pd.DataFrame(
        {
            "lat_deg": 48.2 + i * 2.5e-5,
            "lon_deg": 16.37 + 1e-5 * np.sin(i / 5),
            "altitude_m": 180.0 + i * 0.1,
            "heart_rate_bpm": 120.0 + i % 30,
            "cadence_spm": 2.0 * (80 + i % 6),
            "speed_mps": 2.5 + 0.01 * (i % 7),
            "power_w": 200.0 + i,
            "dev_temperature_c": 21.5,
        },
        index=index,
    )
    return Activity(
        samples=finalize_samples(frame), meta=ActivityMeta(source_format="simulated", sport=sport)
    )


@pytest.mark.parametrize("method", METHODS)
def test_write_then_parse_round_trip(method: str) -> None:
    original = _activity()
    data = write_gpx(original)
    assert b"TrackPointExtension/v2" in data
    back = parse_gpx(data, method=method)
    assert back.samples.index.equals(original.samples.index)
    cols = ["lat_deg", "lon_deg", "altitude_m", "heart_rate_bpm", "cadence_spm", "speed_mps"]
    if method == "stream":
        cols.append("power_w")
    for col in cols:
        np.testing.assert_allclose(
            back.samples[col], original.samples[col], atol=1e-6, err_msg=col
        )
    assert back.meta.sport == "running"
    assert back.meta.speed_derived is False


def test_write_cadence_in_garmin_convention(tmp_path: Path) -> None:
    path = tmp_path / "out.gpx"
    data = write_gpx(_activity(3), path)
    assert path.read_bytes() == data
    assert b"<gpxtpx:cad>80</gpxtpx:cad>" in data  # 160 steps/min -> 80 strides/min
    bike = _activity(3, sport="cycling")
    bike.samples = bike.samples.rename(columns={"cadence_spm": "cadence_rpm"})
    assert b"<gpxtpx:cad>160</gpxtpx:cad>" in write_gpx(bike)
    back = parse_gpx(write_gpx(bike))
    assert back.samples["cadence_rpm"].iloc[0] == 160


def test_write_skips_positionless_and_needs_positions() -> None:
    act = _activity(4)
    act.samples.loc[act.samples.index[1], ["lat_deg", "lon_deg"]] = np.nan
    assert write_gpx(act).count(b"<trkpt") == 3
    act.samples = act.samples.drop(columns=["lat_deg", "lon_deg"])
    with pytest.raises(ValueError, match="no positions"):
        write_gpx(act)


# --- fuzzing ------------------------------------------------------------------------

SMALL = make_gpx(8)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(SMALL) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    st.integers(1, len(SMALL)),
    st.sampled_from(METHODS),
)
def test_fuzzed_gpx_gives_activity_or_stridecheck_error(
    edits: list[tuple[int, int]], cut: int, method: str
) -> None:
    data = bytearray(SMALL)
    for pos, value in edits:
        data[pos] = value
    for doc in (bytes(data), bytes(data[:cut])):
        try:
            act = quiet(doc, method=method)
        except StrideCheckError:
            continue
        assert isinstance(act, Activity)
        assert len(act.samples) > 0


# --- numpy fast path of the time texts --------------------------------------------------


def _general_times(texts: list) -> tuple:
    """times_from_strings without its numpy fast path."""
    original = trackpoints._simple_zulu_times, trackpoints._grouped_times
    trackpoints._simple_zulu_times = lambda texts: None
    trackpoints._grouped_times = lambda texts: None
    try:
        return trackpoints.times_from_strings(texts)
    finally:
        trackpoints._simple_zulu_times, trackpoints._grouped_times = original


def _assert_same_times(texts: list) -> None:
    fast = trackpoints.times_from_strings(texts)
    general = _general_times(texts)
    pd.testing.assert_index_equal(fast[0], general[0], exact=True)
    assert fast[1:] == general[1:]


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("gpx"))
def test_simple_time_path_equals_general_on_corpus(corpus_dir: Path, rel: Path) -> None:
    _assert_same_times(_corpus_time_texts(corpus_dir / rel))


def _corpus_time_texts(path: Path) -> list[str | None]:
    """The time strings of a corpus GPX file's track points, as the stream reader finds them."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        import gzip

        data = gzip.decompress(data)
    try:
        prepared = prepare_xml(data, None, GpxError)
        return list(gpx_module._read_raw(prepared, None, "stream").columns()["time"])
    except StrideCheckError:
        pytest.skip("not a readable GPX file")


@pytest.mark.parametrize(
    "texts",
    [
        ["2024-05-04T07:00:00Z", "2024-05-04T07:00:01Z"],
        ["2024-05-04T07:00:00.5Z", "2024-05-04T07:00:01.5Z"],
        ["2024-05-04T07:00:00.123456Z"],
        ["2024-05-04T07:00:00.1234567Z"],
        ["2024-05-04T07:00:00Z", "2024-05-04T07:00:01.5Z"],
        ["2024-05-04T07:00:00Z", None],
        ["2024-05-04T07:00:00Z", ""],
        ["2024-05-04T24:00:00Z"],
        ["2024-05-04T23:59:60Z"],
        ["2024-02-30T00:00:00Z"],
        ["2024-05-04 07:00:00Z"],
        ["2024-05-04T07:00:00+02:00"],
        ["2024-05-04T07:00:00"],
        ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"],
        ["2024-05-04T07:00:0xZ"],
        ["2024-05-04T07:00:00Z", "2024-05-04T07:00:00Z"],
        ["2024-05-04T07:00:00Z", "2024-05-04T07:00:01Zx"[:-2]],
        ["２024-05-04T07:00:00Z"],
    ],
)
def test_simple_time_path_equals_general(texts: list) -> None:
    _assert_same_times(texts)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet="0123456789-:T.Z +", min_size=18, max_size=28)
        | st.datetimes(timezones=st.just(dt.UTC)).map(
            lambda t: t.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if t.microsecond % 2 else ".5Z")
        ),
        min_size=1,
        max_size=5,
    )
)
def test_simple_time_path_equals_general_fuzzed(texts: list) -> None:
    _assert_same_times(texts)


# --- numpy path of mixed lengths and zone offsets ---------------------------------------


def _assert_same_grouped(texts: list) -> None:
    """The grouped parser (where it applies) equals the general parser."""
    grouped = trackpoints._grouped_times(texts)
    general = _general_times(texts)
    if grouped is not None:
        pd.testing.assert_index_equal(grouped, general[0], exact=True)
        assert general[1:] == (0, 0)
    _assert_same_times(texts)


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("gpx"))
def test_grouped_time_path_equals_general_on_corpus(corpus_dir: Path, rel: Path) -> None:
    _assert_same_grouped(_corpus_time_texts(corpus_dir / rel))


@pytest.mark.parametrize(
    ("texts", "applies"),
    [
        (["2024-05-04T07:00:00Z", "2024-05-04T07:00:01.5Z", None], True),
        (["2024-05-04T07:00:00.123+02:00", "2024-05-04T07:00:01-05:30"], True),
        (["2024-05-04T07:00:00+23:59", "2024-05-04T07:00:00-00:00"], True),
        (["2024-05-04T07:00:00+24:00"], False),
        (["2024-05-04T07:00:00+02:60"], False),
        (["2024-05-04T07:00:00+0200"], False),
        (["2024-05-04T07:00:00Z", "2024-05-04T07:00:00"], False),
        (["2024-05-04T07:00:00Z", ""], False),
        (["2024-05-04T07:00:00Z", " 2024-05-04T07:00:01Z"], False),
        (["0001-01-01T00:30:00+01:00"], False),
        (["9999-12-31T23:30:00-01:00"], False),
        (["2024-02-30T00:00:00+01:00"], False),
        ([None, None], False),
        (["２024-05-04T07:00:00+01:00"], False),
    ],
)
def test_grouped_time_path_equals_general(texts: list, applies: bool) -> None:
    assert (trackpoints._grouped_times(texts) is not None) == applies
    _assert_same_grouped(texts)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.none()
        | st.text(alphabet="0123456789-:T.Z +", min_size=18, max_size=32)
        | st.tuples(
            st.datetimes(timezones=st.just(dt.UTC)),
            st.sampled_from(["Z", "+00:00", "-00:00", "+02:00", "-05:30", "+23:59", "-23:59"]),
            st.sampled_from(["", ".5", ".123", ".123456"]),
        ).map(lambda p: p[0].strftime("%Y-%m-%dT%H:%M:%S") + p[2] + p[1]),
        min_size=1,
        max_size=6,
    )
)
def test_grouped_time_path_equals_general_fuzzed(texts: list) -> None:
    _assert_same_grouped(texts)


def test_direct_samples_declines_unsorted_and_keeps_warnings() -> None:
    index = pd.DatetimeIndex(["2024-01-01T00:00:01Z", "2024-01-01T00:00:00Z"])
    meta = ActivityMeta(source_format="gpx")
    assert trackpoints._direct_samples({"lat_deg": np.array([1.0, 2.0])}, index, meta) is None
    assert meta.start_time is None and not meta.speed_derived
