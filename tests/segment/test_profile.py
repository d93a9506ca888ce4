"""GaitProfile: the serialisable athlete gait prior."""

import json

import pytest

from stridecheck.segment.profile import PROFILE_SCHEMA, GaitProfile, GaitStats


def test_round_trip_through_json():
    profile = GaitProfile(
        walk_cadence_spm=GaitStats(122.0, 4.5, 900.0),
        run_cadence_spm=GaitStats(152.0, 5.0, 600.0),
        walk_speed_mps=GaitStats(1.45, 0.12, 900.0),
        athlete="b",
        version=3,
        sessions=("abc", "def"),
    )
    data = json.loads(json.dumps(profile.to_dict()))
    assert data["schema"] == PROFILE_SCHEMA
    assert GaitProfile.from_dict(data) == profile


def test_empty_profile():
    assert GaitProfile().is_empty
    assert not GaitProfile(run_speed_mps=GaitStats(2.5, 0.2, 60.0)).is_empty


def test_newer_schema_refused():
    with pytest.raises(ValueError, match="newer"):
        GaitProfile.from_dict({"schema": PROFILE_SCHEMA + 1})


@pytest.mark.parametrize(
    "bad", [{"mean": float("nan"), "sd": 1, "n_s": 1}, {"mean": 1, "sd": -1, "n_s": 1}]
)
def test_bad_stats_refused(bad):
    with pytest.raises(ValueError):
        GaitStats(float(bad["mean"]), float(bad["sd"]), float(bad["n_s"]))
