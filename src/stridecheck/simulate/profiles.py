"""Athlete profiles: how fast, how often and how hard a simulated person moves.

The numbers follow the walk/run literature summarised in the project's domain
notes: adults switch from walking to running near 2.0 m/s and 135-140 steps/min,
brisk walking reaches about 130 steps/min, and a novice's slow jog can overlap
brisk walking in speed while its cadence stays clearly higher.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ATHLETES", "AthleteProfile", "get_athlete"]


@dataclass(frozen=True)
class AthleteProfile:
    """How one simulated person walks and runs.

    Attributes
    ----------
    name
        Short identifier, used in the session's condition string.
    walk_speed_mps, run_speed_mps
        Typical ground speed when walking / running. [m/s]
    walk_speed_sd_mps, run_speed_sd_mps
        Bout-to-bout standard deviation of that speed. [m/s]
    walk_cadence_spm, run_cadence_spm
        Typical step cadence (both feet). [steps/min]
    walk_cadence_sd_spm, run_cadence_sd_spm
        Bout-to-bout standard deviation of that cadence. [steps/min]
    hr_rest_bpm, hr_walk_bpm, hr_run_bpm
        Heart rate at rest and the steady state reached when walking / running
        at the typical speed. [1/min]
    hr_lag_s
        Time constant of the first-order lag of heart rate behind its
        speed-dependent target. [s]
    """

    name: str
    walk_speed_mps: float
    run_speed_mps: float
    walk_speed_sd_mps: float
    run_speed_sd_mps: float
    walk_cadence_spm: float
    run_cadence_spm: float
    walk_cadence_sd_spm: float
    run_cadence_sd_spm: float
    hr_rest_bpm: float
    hr_walk_bpm: float
    hr_run_bpm: float
    hr_lag_s: float

    def __post_init__(self) -> None:
        positive = {
            "walk_speed_mps": self.walk_speed_mps,
            "run_speed_mps": self.run_speed_mps,
            "walk_cadence_spm": self.walk_cadence_spm,
            "run_cadence_spm": self.run_cadence_spm,
            "hr_rest_bpm": self.hr_rest_bpm,
            "hr_lag_s": self.hr_lag_s,
        }
        for label, value in positive.items():
            if not value > 0:
                raise ValueError(f"AthleteProfile.{label} must be > 0, got {value!r}")
        for label, value in {
            "walk_speed_sd_mps": self.walk_speed_sd_mps,
            "run_speed_sd_mps": self.run_speed_sd_mps,
            "walk_cadence_sd_spm": self.walk_cadence_sd_spm,
            "run_cadence_sd_spm": self.run_cadence_sd_spm,
        }.items():
            if not value >= 0:
                raise ValueError(f"AthleteProfile.{label} must be >= 0, got {value!r}")
        if not self.hr_rest_bpm <= self.hr_walk_bpm <= self.hr_run_bpm:
            raise ValueError("AthleteProfile needs hr_rest_bpm <= hr_walk_bpm <= hr_run_bpm")
        if self.run_speed_mps <= self.walk_speed_mps:
            raise ValueError("AthleteProfile needs run_speed_mps > walk_speed_mps")


#: The built-in athletes, by name.
ATHLETES: dict[str, AthleteProfile] = {
    "typical": AthleteProfile(
        name="typical",
        walk_speed_mps=1.45,
        run_speed_mps=2.6,
        walk_speed_sd_mps=0.07,
        run_speed_sd_mps=0.12,
        walk_cadence_spm=112.0,
        run_cadence_spm=158.0,
        walk_cadence_sd_spm=3.0,
        run_cadence_sd_spm=3.0,
        hr_rest_bpm=66.0,
        hr_walk_bpm=105.0,
        hr_run_bpm=152.0,
        hr_lag_s=30.0,
    ),
    "slow_jogger": AthleteProfile(
        name="slow_jogger",
        walk_speed_mps=1.35,
        run_speed_mps=2.05,
        walk_speed_sd_mps=0.06,
        run_speed_sd_mps=0.06,
        walk_cadence_spm=108.0,
        run_cadence_spm=147.0,
        walk_cadence_sd_spm=3.0,
        run_cadence_sd_spm=2.0,
        hr_rest_bpm=72.0,
        hr_walk_bpm=112.0,
        hr_run_bpm=156.0,
        hr_lag_s=35.0,
    ),
    "brisk_walker": AthleteProfile(
        name="brisk_walker",
        walk_speed_mps=1.85,
        run_speed_mps=2.7,
        walk_speed_sd_mps=0.03,
        run_speed_sd_mps=0.12,
        walk_cadence_spm=131.0,
        run_cadence_spm=162.0,
        walk_cadence_sd_spm=1.5,
        run_cadence_sd_spm=3.0,
        hr_rest_bpm=62.0,
        hr_walk_bpm=118.0,
        hr_run_bpm=150.0,
        hr_lag_s=28.0,
    ),
    "fit_runner": AthleteProfile(
        name="fit_runner",
        walk_speed_mps=1.55,
        run_speed_mps=3.4,
        walk_speed_sd_mps=0.07,
        run_speed_sd_mps=0.15,
        walk_cadence_spm=116.0,
        run_cadence_spm=172.0,
        walk_cadence_sd_spm=3.0,
        run_cadence_sd_spm=3.0,
        hr_rest_bpm=52.0,
        hr_walk_bpm=92.0,
        hr_run_bpm=146.0,
        hr_lag_s=22.0,
    ),
}


def get_athlete(athlete: str | AthleteProfile) -> AthleteProfile:
    """Return a profile given its name or the profile itself.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    """
    if isinstance(athlete, AthleteProfile):
        return athlete
    key = str(athlete).strip().lower()
    if key not in ATHLETES:
        raise ValueError(f"unknown athlete {athlete!r}; choose one of {', '.join(ATHLETES)}")
    return ATHLETES[key]
