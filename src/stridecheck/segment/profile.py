"""An athlete's own gait: the walking and running cadence, speed and heart rate they show.

A :class:`GaitProfile` is learnt from an athlete's confident sessions and used
as the prior for their other sessions (``segment(activity, profile=...)``,
compliance step evidence). It is plain data: it serialises to a JSON-ready dict
(:meth:`GaitProfile.to_dict`) and back (:meth:`GaitProfile.from_dict`), so the
store can keep it versioned with the sessions it came from.

Every statistic is a :class:`GaitStats`: a mean, a standard deviation and how
many seconds of data support it. A gait the athlete has not shown confidently
is ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PROFILE_SCHEMA", "GaitProfile", "GaitStats"]

#: Version of the serialised form; :meth:`GaitProfile.from_dict` refuses a newer one.
PROFILE_SCHEMA = 1

_STATS_FIELDS = (
    "walk_cadence_spm",
    "run_cadence_spm",
    "walk_speed_mps",
    "run_speed_mps",
    "walk_heart_rate_bpm",
    "run_heart_rate_bpm",
)


@dataclass(frozen=True)
class GaitStats:
    """Mean and spread of one quantity in one gait.

    Attributes
    ----------
    mean
        Mean value, in the unit of the quantity it describes.
    sd
        Standard deviation between seconds, same unit.
    n_s
        Seconds of data behind the figures. [s]
    """

    mean: float
    sd: float
    n_s: float

    def __post_init__(self) -> None:
        for name in ("mean", "sd", "n_s"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"GaitStats.{name} must be finite, got {value!r}")
        if self.sd < 0 or self.n_s < 0:
            raise ValueError("GaitStats.sd and GaitStats.n_s must not be negative")

    def to_dict(self) -> dict[str, float]:
        """``{"mean": ..., "sd": ..., "n_s": ...}``."""
        return {"mean": self.mean, "sd": self.sd, "n_s": self.n_s}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GaitStats:
        """The inverse of :meth:`to_dict`."""
        return cls(mean=float(data["mean"]), sd=float(data["sd"]), n_s=float(data["n_s"]))


@dataclass(frozen=True)
class GaitProfile:
    """What one athlete's walking and running look like in their own data.

    Attributes
    ----------
    walk_cadence_spm, run_cadence_spm
        Step cadence while walking / running. [steps/min]
    walk_speed_mps, run_speed_mps
        Ground speed while walking / running. [m/s]
    walk_heart_rate_bpm, run_heart_rate_bpm
        Heart rate late in walking / running bouts (after the response settled). [1/min]
    athlete
        Id of the athlete, when known.
    version
        Version of this athlete's profile (1 for the first one learnt).
    sessions
        Identifiers of the activities the profile was learnt from (e.g. their sha256).
    """

    walk_cadence_spm: GaitStats | None = None
    run_cadence_spm: GaitStats | None = None
    walk_speed_mps: GaitStats | None = None
    run_speed_mps: GaitStats | None = None
    walk_heart_rate_bpm: GaitStats | None = None
    run_heart_rate_bpm: GaitStats | None = None
    athlete: str | None = None
    version: int = 1
    sessions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        """True when no gait statistic is known."""
        return all(getattr(self, name) is None for name in _STATS_FIELDS)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema``, the statistics, ``athlete``, ``version``, ``sessions``)."""
        out: dict[str, Any] = {"schema": PROFILE_SCHEMA}
        for name in _STATS_FIELDS:
            stats: GaitStats | None = getattr(self, name)
            out[name] = None if stats is None else stats.to_dict()
        out["athlete"] = self.athlete
        out["version"] = self.version
        out["sessions"] = list(self.sessions)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GaitProfile:
        """The inverse of :meth:`to_dict`.

        Raises
        ------
        ValueError
            For a newer serialised form than this version knows, or bad values.
        """
        schema = int(data.get("schema", PROFILE_SCHEMA))
        if schema > PROFILE_SCHEMA:
            raise ValueError(
                f"gait profile schema {schema} is newer than this stridecheck "
                f"understands ({PROFILE_SCHEMA})"
            )
        kwargs: dict[str, Any] = {}
        for name in _STATS_FIELDS:
            value = data.get(name)
            kwargs[name] = None if value is None else GaitStats.from_dict(value)
        athlete = data.get("athlete")
        kwargs["athlete"] = None if athlete is None else str(athlete)
        kwargs["version"] = int(data.get("version", 1))
        kwargs["sessions"] = tuple(str(s) for s in data.get("sessions", ()))
        return cls(**kwargs)
