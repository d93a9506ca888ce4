"""Device profiles: what stridecheck knows about particular BLE sensors.

The profiles are data (``device_profiles.toml`` next to this module, plus any
files named in ``STRIDECHECK_DEVICE_PROFILES``); this module loads, checks and
matches them. A profile says, for a sensor recognised by its advertised name:
whether a footpod's cadence is steps or strides per minute, whether its
walking / running bit can be trusted, and which FIT manufacturer / product to
write into the activity file.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from stridecheck.errors import InputError

__all__ = [
    "PROFILES_ENV",
    "SENSOR_KINDS",
    "DeviceProfile",
    "load_profiles",
    "match_profile",
]

#: Environment variable naming extra profile files (``os.pathsep``-separated).
PROFILES_ENV = "STRIDECHECK_DEVICE_PROFILES"

#: Sensor roles a profile can describe.
SENSOR_KINDS: tuple[str, ...] = ("hr", "footpod", "treadmill")

SensorKind = Literal["hr", "footpod", "treadmill"]
CadenceFactor = float | Literal["auto"]


@dataclass(frozen=True)
class DeviceProfile:
    """Known facts and quirks of one sensor model.

    Attributes
    ----------
    key
        Identifier (the TOML table name).
    kind
        ``"hr"``, ``"footpod"`` or ``"treadmill"``.
    label
        Human-readable name.
    name_patterns
        Case-insensitive shell globs matched against the advertised name; an
        empty tuple marks the generic fallback of its kind.
    cadence_factor
        Multiplier turning the reported cadence into steps per minute (1 or 2),
        or ``"auto"`` to decide per session.
    walking_running
        Whether the RSC walking / running bit is meaningful; ``None`` trusts the
        pod's RSC Feature (0x2A54 bit 2).
    fit_manufacturer, fit_manufacturer_id, fit_product_id
        What to write as the FIT ``device_info`` of this sensor.
    verified
        True when the quirks were checked on a recording of the device.
    source
        Where the facts come from.
    """

    key: str
    kind: SensorKind
    label: str
    name_patterns: tuple[str, ...] = ()
    cadence_factor: CadenceFactor = 1.0
    walking_running: bool | None = None
    fit_manufacturer: str | None = None
    fit_manufacturer_id: int | None = None
    fit_product_id: int | None = None
    verified: bool = False
    source: str = ""

    @property
    def is_generic(self) -> bool:
        """True for the fallback profile of a kind (no name pattern)."""
        return not self.name_patterns

    def matches(self, name: str | None) -> bool:
        """Whether an advertised name matches one of :attr:`name_patterns`."""
        if not name:
            return False
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in self.name_patterns)


_ALLOWED_KEYS = {
    "kind",
    "label",
    "name_patterns",
    "cadence_factor",
    "walking_running",
    "fit_manufacturer",
    "fit_manufacturer_id",
    "fit_product_id",
    "verified",
    "source",
}


def _profile_from_table(key: str, table: Mapping[str, Any], origin: str) -> DeviceProfile:
    def bad(reason: str) -> InputError:
        return InputError(origin, f"profile {key!r}: {reason}")

    unknown = set(table) - _ALLOWED_KEYS
    if unknown:
        raise bad(f"unknown keys {sorted(unknown)}")
    kind = table.get("kind")
    if kind not in SENSOR_KINDS:
        raise bad(f"kind must be one of {SENSOR_KINDS}, not {kind!r}")
    patterns = table.get("name_patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise bad("name_patterns must be a list of strings")
    factor_raw = table.get("cadence_factor", 1)
    factor: CadenceFactor
    if factor_raw == "auto":
        factor = "auto"
    elif isinstance(factor_raw, int | float) and not isinstance(factor_raw, bool):
        if factor_raw not in (1, 2):
            raise bad(f"cadence_factor must be 1, 2 or 'auto', not {factor_raw!r}")
        factor = float(factor_raw)
    else:
        raise bad(f"cadence_factor must be 1, 2 or 'auto', not {factor_raw!r}")
    walking_running = table.get("walking_running")
    if walking_running is not None and not isinstance(walking_running, bool):
        raise bad("walking_running must be true or false")
    for int_key in ("fit_manufacturer_id", "fit_product_id"):
        value = table.get(int_key)
        if value is not None and (not isinstance(value, int) or not 0 <= value <= 0xFFFF):
            raise bad(f"{int_key} must be an integer 0-65535")
    return DeviceProfile(
        key=key,
        kind=kind,
        label=str(table.get("label", key)),
        name_patterns=tuple(patterns),
        cadence_factor=factor,
        walking_running=walking_running,
        fit_manufacturer=table.get("fit_manufacturer"),
        fit_manufacturer_id=table.get("fit_manufacturer_id"),
        fit_product_id=table.get("fit_product_id"),
        verified=bool(table.get("verified", False)),
        source=str(table.get("source", "")),
    )


def _parse_profiles(text: str, origin: str) -> dict[str, DeviceProfile]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(origin, f"not valid TOML: {exc}") from None
    tables = doc.get("profiles", {})
    if not isinstance(tables, dict):
        raise InputError(origin, "[profiles] must be a table of tables")
    out: dict[str, DeviceProfile] = {}
    for key, table in tables.items():
        if not isinstance(table, dict):
            raise InputError(origin, f"profile {key!r} must be a table")
        out[key] = _profile_from_table(key, table, origin)
    return out


def load_profiles(
    extra: Iterable[str | os.PathLike[str]] = (), *, use_env: bool = True
) -> dict[str, DeviceProfile]:
    """Load the built-in device profiles plus extra files.

    Parameters
    ----------
    extra
        More TOML files; a profile with an existing key replaces it.
    use_env
        Also load the files named in ``STRIDECHECK_DEVICE_PROFILES``.

    Returns
    -------
    dict
        Profile key -> :class:`DeviceProfile`, in file order.

    Raises
    ------
    InputError
        A file is missing, not TOML, or a profile is malformed.
    """
    text = resources.files("stridecheck.live").joinpath("device_profiles.toml").read_text("utf-8")
    profiles = _parse_profiles(text, "device_profiles.toml")
    paths = [Path(p) for p in extra]
    if use_env and os.environ.get(PROFILES_ENV):
        paths += [Path(p) for p in os.environ[PROFILES_ENV].split(os.pathsep) if p]
    for path in paths:
        try:
            content = path.read_text("utf-8")
        except OSError as exc:
            raise InputError(path, f"cannot read device profiles: {exc.strerror}") from None
        profiles.update(_parse_profiles(content, str(path)))
    return profiles


def match_profile(
    kind: SensorKind, name: str | None, profiles: Mapping[str, DeviceProfile] | None = None
) -> DeviceProfile:
    """The profile of a sensor of ``kind`` advertising ``name``.

    The first profile of that kind whose patterns match wins; otherwise the
    generic profile of the kind (one without patterns).

    Raises
    ------
    ValueError
        Unknown kind, or no generic profile for it.
    """
    if kind not in SENSOR_KINDS:
        raise ValueError(f"kind={kind!r} not understood; use one of {SENSOR_KINDS}")
    table = load_profiles() if profiles is None else profiles
    candidates = [p for p in table.values() if p.kind == kind]
    for profile in candidates:
        if profile.matches(name):
            return profile
    for profile in candidates:
        if profile.is_generic:
            return profile
    raise ValueError(f"no generic profile for kind {kind!r}")
