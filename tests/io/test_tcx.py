"""TCX importer: corpus, laps, cadence rule, every quirk inline, fuzzing."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import corpus_files, make_tcx
from stridecheck.activity import LAP_COLUMNS, Activity
from stridecheck.errors import InputError, StrideCheckError, StrideCheckWarning, TcxError
from stridecheck.io import read
from stridecheck.io.tcx import parse_tcx, read_tcx

NS = 'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'
AX = 'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'


def trackpoint(second: int, inner: str = "", minute: int = 30) -> str:
    return (
        f"<Trackpoint><Time>2024-05-04T07:{minute:02d}:{second:02d}Z</Time>"
        f"<Position><LatitudeDegrees>{48.2 + second * 2e-5:.6f}</LatitudeDegrees>"
        f"<LongitudeDegrees>16.37</LongitudeDegrees></Position>{inner}</Trackpoint>"
    )


def lap(start: str, points: str, total: float = 10.0, extra: str = "") -> str:
    return (
        f'<Lap StartTime="{start}"><TotalTimeSeconds>{total}</TotalTimeSeconds>'
        f"<DistanceMeters>100</DistanceMeters><Intensity>Active</Intensity>"
        f"<TriggerMethod>Distance</TriggerMethod>{extra}<Track>{points}</Track></Lap>"
    )


def tcx(body: str, sport: str = "Running", creator: str = "", head: str = "") -> bytes:
    return (
        f'{head}<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<TrainingCenterDatabase {NS} {AX}>\n<Activities><Activity Sport="{sport}">'
        f"<Id>2024-05-04T07:30:00Z</Id>{body}{creator}</Activity></Activities>\n"
        "</TrainingCenterDatabase>\n"
    ).encode()


def quiet(data: bytes, **kwargs: object) -> Activity:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrideCheckWarning)
        return parse_tcx(data, **kwargs)  # type: ignore[arg-type]


# --- corpus ------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("rel", corpus_files("tcx"))
def test_corpus_file_reads_or_fails_cleanly(
    corpus_dir: Path, manifest: list[dict[str, str]], rel: Path
) -> None:
    row = next(r for r in manifest if r["path"] == str(rel))
    try:
        activity = read(corpus_dir / rel, errors="ignore")
    except StrideCheckError as exc:
        assert isinstance(exc, TcxError | InputError), exc
        return
    assert activity.meta.source_format == "tcx"
    assert activity.samples.index.is_monotonic_increasing
    assert list(activity.laps.columns) == list(LAP_COLUMNS)
    assert (activity.laps["end"] >= activity.laps["start"]).all()
    expected = row["records_or_points"]
    if expected and int(expected):
        n = activity.meta.extra["trackpoints"]
        assert abs(n - int(expected)) <= max(2, 0.01 * int(expected)), (n, expected)
        cut = sum("cut (kept the longest stretch" in w for w in activity.meta.warnings)
        if not cut:  # io/plausible.py keeps one of activities days apart
            assert len(activity.samples) >= 0.9 * int(expected)
    if "cadence_spm" in activity.samples and "RunCadence ext" in row["notes"]:
        assert activity.meta.extra["cadence_rule"]["RunCadence"]["doubled"] is True


@pytest.mark.corpus
def test_corpus_headless_tcx_parsed_directly(corpus_dir: Path) -> None:
    path = corpus_dir / "tcx" / "runpandas" / "malformed.tcx"
    if not path.is_file():
        pytest.skip("malformed.tcx not in this corpus")
    act = quiet(path.read_bytes())
    assert len(act.samples) == 384
    assert any("root is missing" in w for w in act.meta.warnings)
    assert any("undeclared namespace prefixes xsi" in w for w in act.meta.warnings)


# --- quirks, inline -----------------------------------------------------------------


def test_make_tcx_basic_fields_and_lap() -> None:
    act = parse_tcx(make_tcx(30))
    s = act.samples
    assert act.meta.sport == "running"
    assert act.meta.start_time == dt.datetime(2024, 5, 4, 7, 30, tzinfo=dt.UTC)
    assert s["distance_m"].iloc[-1] == pytest.approx(72.5)
    assert s["heart_rate_bpm"].iloc[0] == 120
    assert s["cadence_spm"].iloc[0] == 160  # <Cadence> 80 in a run: strides -> doubled
    assert act.meta.speed_derived is True
    assert len(act.laps) == 1
    lp = act.laps.iloc[0]
    assert lp["timer_s"] == 29.0
    assert lp["intensity"] == "active"
    assert lp["trigger"] == "manual"
    assert lp["end"] == pd.Timestamp("2024-05-04T07:30:29Z")


def test_extensions_speed_runcadence_watts_any_prefix() -> None:
    ext = (
        "<Extensions><ns3:TPX><ns3:Speed>3.2</ns3:Speed><ns3:RunCadence>86</ns3:RunCadence>"
        "<ns3:Watts>250</ns3:Watts></ns3:TPX></Extensions>"
    )
    other = (
        '<Extensions><x:TPX xmlns:x="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
        "<x:Speed>3.3</x:Speed><x:RunCadence>87</x:RunCadence></x:TPX></Extensions>"
    )
    points = trackpoint(0, "<HeartRateBpm><Value>150</Value></HeartRateBpm>" + ext)
    points += trackpoint(1, other)
    act = parse_tcx(tcx(lap("2024-05-04T07:30:00Z", points)))
    s = act.samples
    assert s["speed_mps"].tolist() == [3.2, 3.3]
    assert s["cadence_spm"].tolist() == [172.0, 174.0]
    assert s["power_w"].iloc[0] == 250
    assert s["heart_rate_bpm"].iloc[0] == 150
    assert act.meta.speed_derived is False
    assert "strides/min" in act.meta.extra["cadence_rule"]["RunCadence"]["reason"]


def test_biking_cadence_kept_as_rpm() -> None:
    points = trackpoint(0, "<Cadence>90</Cadence>") + trackpoint(1, "<Cadence>92</Cadence>")
    act = parse_tcx(tcx(lap("2024-05-04T07:30:00Z", points), sport="Biking"))
    assert "cadence_spm" not in act.samples
    assert act.samples["cadence_rpm"].tolist() == [90.0, 92.0]


def test_laps_boundaries_and_creator() -> None:
    creator = (
        '<Creator xsi:type="Device_t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<Name>Forerunner 945</Name><ProductID>3113</ProductID><Version><VersionMajor>9"
        "</VersionMajor><VersionMinor>10</VersionMinor></Version></Creator>"
    )
    body = lap("2024-05-04T07:30:00Z", trackpoint(0) + trackpoint(5), total=6)
    body += lap("2024-05-04T07:30:10Z", trackpoint(10) + trackpoint(20), total=40)
    act = parse_tcx(tcx(body, creator=creator))
    laps = act.laps
    assert laps["start"].tolist() == [
        pd.Timestamp("2024-05-04T07:30:00Z"),
        pd.Timestamp("2024-05-04T07:30:10Z"),
    ]
    assert laps["end"].iloc[0] == pd.Timestamp("2024-05-04T07:30:10Z")
    assert laps["end"].iloc[1] == pd.Timestamp("2024-05-04T07:30:50Z")  # start + timer
    assert laps["duration_s"].tolist() == [10.0, 40.0]
    assert laps["trigger"].tolist() == ["distance", "distance"]
    assert act.meta.product == "Forerunner 945"
    assert act.meta.extra["creator_version"] == "9.10"


def test_several_activities_concatenated_with_warning() -> None:
    one = lap("2024-05-04T07:30:00Z", trackpoint(0) + trackpoint(1))
    two = lap("2024-05-04T08:30:00Z", trackpoint(0, minute=0) + trackpoint(1, minute=0))
    two = two.replace("07:00:0", "08:30:0")
    doc = (
        f'<?xml version="1.0"?><TrainingCenterDatabase {NS}><Activities>'
        f'<Activity Sport="Running"><Id>a</Id>{one}</Activity>'
        f'<Activity Sport="Biking"><Id>b</Id>{two}</Activity>'
        "</Activities></TrainingCenterDatabase>"
    ).encode()
    with pytest.warns(StrideCheckWarning, match="2 activities .biking, running.; concatenated"):
        act = parse_tcx(doc)
    assert len(act.samples) == 4
    assert len(act.laps) == 2
    assert act.meta.sport == "running"
    assert act.meta.extra["tcx_activities"] == 2
    assert act.meta.extra["activity_ids"] == ["a", "b"]


def test_course_and_workout_only() -> None:
    course = (
        f"<TrainingCenterDatabase {NS}><Courses><Course><Name>x</Name><Track><Trackpoint>"
        "<Position><LatitudeDegrees>1</LatitudeDegrees><LongitudeDegrees>2</LongitudeDegrees>"
        "</Position></Trackpoint></Track></Course></Courses></TrainingCenterDatabase>"
    ).encode()
    with pytest.raises(TcxError, match=r"no timed track points \(the file holds 1 courses only"):
        parse_tcx(course)
    workout = (
        f"<TrainingCenterDatabase {NS}><Workouts><Workout Sport='Running'><Name>w</Name>"
        "</Workout></Workouts></TrainingCenterDatabase>"
    ).encode()
    with pytest.raises(TcxError, match="1 workouts only"):
        parse_tcx(workout)
    with pytest.raises(TcxError, match="no activity"):
        parse_tcx(f"<TrainingCenterDatabase {NS}/>".encode())
    laps_only = tcx(lap("2024-05-04T07:30:00Z", ""))
    with pytest.raises(TcxError, match="1 laps without trackpoints"):
        parse_tcx(laps_only)


def test_untimed_trackpoints_dropped_with_count() -> None:
    points = trackpoint(0) + "<Trackpoint><DistanceMeters>5</DistanceMeters></Trackpoint>"
    points += trackpoint(1)
    with pytest.warns(StrideCheckWarning, match="1 of 3 trackpoints have no <Time>; dropped"):
        act = parse_tcx(tcx(lap("2024-05-04T07:30:00Z", points)))
    assert len(act.samples) == 2
    with pytest.raises(TcxError, match="1 of 3"):
        parse_tcx(tcx(lap("2024-05-04T07:30:00Z", points)), errors="raise")


def test_leading_whitespace_bom_and_latin1() -> None:
    body = lap("2024-05-04T07:30:00Z", trackpoint(0) + trackpoint(1))
    creator = "<Creator><Name>Läufer</Name></Creator>"
    assert len(parse_tcx(tcx(body, head="\n   \t")).samples) == 2
    assert len(parse_tcx(b"\xef\xbb\xbf" + tcx(body, head="\n")).samples) == 2
    latin = tcx(body, creator=creator).decode().replace("UTF-8", "ISO-8859-1").encode("latin-1")
    assert parse_tcx(latin).meta.product == "Läufer"
    utf16 = tcx(body, creator=creator).decode().replace("UTF-8", "UTF-16").encode("utf-16")
    assert parse_tcx(utf16).meta.product == "Läufer"


def test_not_well_formed_and_wrong_root() -> None:
    doc = tcx(lap("2024-05-04T07:30:00Z", trackpoint(0))).replace(b"</Lap>", b"</Lapp>")
    with pytest.raises(TcxError, match=r"TCX is not well-formed XML at line 3, column \d+"):
        parse_tcx(doc)
    with pytest.raises(TcxError, match="root element is <gpx>"):
        parse_tcx(b"<gpx/>")


def test_undeclared_prefix_recovered() -> None:
    creator = '<Creator xsi:type="Device_t"><Name>FR</Name></Creator>'
    doc = tcx(lap("2024-05-04T07:30:00Z", trackpoint(0)), creator=creator)
    with pytest.warns(StrideCheckWarning, match="undeclared namespace prefixes xsi"):
        act = parse_tcx(doc)
    assert act.meta.product == "FR"


def test_offsets_naive_times_and_bad_numbers() -> None:
    points = (
        "<Trackpoint><Time>2024-05-04T09:30:00+02:00</Time><HeartRateBpm><Value>x</Value>"
        "</HeartRateBpm></Trackpoint><Trackpoint><Time>2024-05-04T07:30:01</Time>"
        "<HeartRateBpm><Value>101</Value></HeartRateBpm></Trackpoint>"
    )
    act = quiet(tcx(lap("2024-05-04T07:30:00Z", points)))
    assert str(act.samples.index[0]) == "2024-05-04 07:30:00+00:00"
    text = " | ".join(act.meta.warnings)
    assert "1 times carry no time zone" in text
    assert "unreadable numbers ignored: hr 1" in text
    assert np.isnan(act.samples["heart_rate_bpm"].iloc[0])


def test_read_tcx_file(tmp_path: Path) -> None:
    path = tmp_path / "a.tcx"
    path.write_bytes(make_tcx(5))
    act = read_tcx(path)
    assert act.meta.source_path == str(path)
    assert act.meta.sha256 is not None
    with pytest.raises(InputError, match="no such file"):
        read_tcx(tmp_path / "missing.tcx")


# --- fuzzing ------------------------------------------------------------------------

SMALL = make_tcx(6)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(SMALL) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    st.integers(1, len(SMALL)),
)
def test_fuzzed_tcx_gives_activity_or_stridecheck_error(
    edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(SMALL)
    for pos, value in edits:
        data[pos] = value
    for doc in (bytes(data), bytes(data[:cut])):
        try:
            act = quiet(doc)
        except StrideCheckError:
            continue
        assert isinstance(act, Activity)
        assert len(act.samples) > 0
