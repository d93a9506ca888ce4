"""Device profiles: built-in data, loader checks, matching."""

from __future__ import annotations

from pathlib import Path

import pytest
from garmin_fit_sdk import Profile

from stridecheck.errors import InputError
from stridecheck.live.profiles import PROFILES_ENV, load_profiles, match_profile

EXAMPLE = Path(__file__).resolve().parents[2] / "devices" / "example_profiles.toml"


def test_builtin_profiles_load_and_have_generic_fallbacks() -> None:
    profiles = load_profiles(use_env=False)
    assert {"generic-hr", "generic-footpod", "generic-treadmill"} <= set(profiles)
    for kind in ("hr", "footpod", "treadmill"):
        assert match_profile(kind, "nothing known", profiles).is_generic


def test_fit_manufacturer_ids_agree_with_the_sdk_profile() -> None:
    names = Profile["types"]["manufacturer"]
    for profile in load_profiles(use_env=False).values():
        if profile.fit_manufacturer_id is not None:
            assert names[profile.fit_manufacturer_id] == profile.fit_manufacturer, profile.key


def test_matching_is_case_insensitive_and_by_kind() -> None:
    profiles = load_profiles(use_env=False)
    assert match_profile("hr", "polar h10 6A2B1C", profiles).key == "polar-h-series"
    assert match_profile("footpod", "SC-STRIDEPOD 1", profiles).cadence_factor == 2.0
    assert match_profile("footpod", "SC-POD 1", profiles).cadence_factor == 1.0
    assert match_profile("footpod", "Stryd", profiles).cadence_factor == "auto"
    # An HR name asked for as a footpod gives the generic footpod.
    assert match_profile("footpod", "Polar H10", profiles).key == "generic-footpod"
    assert match_profile("footpod", None, profiles).key == "generic-footpod"
    with pytest.raises(ValueError, match="kind"):
        match_profile("bike", "x", profiles)  # type: ignore[arg-type]


def test_extra_files_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profiles = load_profiles([EXAMPLE], use_env=False)
    clinic = match_profile("footpod", "clinic-pod 7", profiles)
    assert (clinic.cadence_factor, clinic.walking_running) == (2.0, True)
    override = tmp_path / "o.toml"
    override.write_text('[profiles.generic-hr]\nkind = "hr"\nlabel = "mine"\n')
    monkeypatch.setenv(PROFILES_ENV, str(override))
    assert load_profiles()["generic-hr"].label == "mine"


@pytest.mark.parametrize(
    "text",
    [
        "not toml [",
        "profiles = 3",
        '[profiles.x]\nkind = "bike"',
        '[profiles.x]\nkind = "footpod"\ncadence_factor = 3',
        '[profiles.x]\nkind = "footpod"\ncadence_factor = true',
        '[profiles.x]\nkind = "hr"\nname_patterns = "H10*"',
        '[profiles.x]\nkind = "hr"\nwalking_running = "yes"',
        '[profiles.x]\nkind = "hr"\nfit_product_id = -1',
        '[profiles.x]\nkind = "hr"\ntypo = 1',
    ],
)
def test_malformed_profiles_raise_input_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError):
        load_profiles([path], use_env=False)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_profiles([tmp_path / "absent.toml"], use_env=False)
