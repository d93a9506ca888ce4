"""The baseline segmenter: fixed cuts on each sample, no memory, no adaptation.

Kept so that every accuracy number of the HMM can be shown beside what the
literature's single thresholds give on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stridecheck.segment.features import Evidence
from stridecheck.segment.hmm import RUN, STOP, WALK

__all__ = ["ThresholdParams", "segment_threshold"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ThresholdParams:
    """Cuts of the baseline segmenter.

    Attributes
    ----------
    cadence_cut_spm
        At or above this cadence a sample is running (Hum Mov Sci 2023: 134-141
        steps/min gave 91-93 % accuracy). [steps/min]
    speed_cut_mps
        Without cadence: at or above this speed a sample is running. [m/s]
    stop_cadence_spm
        Below this cadence (and below ``stop_speed_mps`` when speed is known)
        a sample is standing. [steps/min]
    stop_speed_mps
        Below this speed a sample is standing. [m/s]
    bridge_s
        Longer gaps without usable data become ``unknown``. [s]
    sensor_lag_s
        Time a reading averages over: boundaries are moved half this much
        earlier than halfway between two samples (readings lag motion). [s]
    """

    cadence_cut_spm: float = 137.0
    speed_cut_mps: float = 2.0
    stop_cadence_spm: float = 40.0
    stop_speed_mps: float = 0.5
    bridge_s: float = 30.0
    sensor_lag_s: float = 1.0


def segment_threshold(
    ev: Evidence, params: ThresholdParams
) -> tuple[NDArray[np.intp], FloatArray]:
    """Label every sample by fixed cuts.

    Returns
    -------
    states, confidence
        State per sample (``STOP``, ``WALK``, ``RUN``; meaningless where no
        signal exists) and a 0-1 confidence from the distance to the cut.
    """
    cad = ev.cadence_spm
    v = ev.speed_mps
    has_c = np.isfinite(cad)
    has_v = np.isfinite(v)
    states = np.full(len(ev), WALK, dtype=np.intp)
    conf = np.full(len(ev), 0.5)

    by_speed = ~has_c & has_v
    states[by_speed & (v >= params.speed_cut_mps)] = RUN
    states[by_speed & (v < params.stop_speed_mps)] = STOP
    conf[by_speed] = 0.5 + 0.5 * np.tanh(np.abs(v[by_speed] - params.speed_cut_mps) / 0.3)

    states[has_c & (cad >= params.cadence_cut_spm)] = RUN
    low = has_c & (cad < params.stop_cadence_spm)
    standing = low & (~has_v | (v < params.stop_speed_mps))
    states[standing] = STOP
    moving_low = low & ~standing
    states[moving_low] = np.where(v[moving_low] >= params.speed_cut_mps, RUN, WALK)
    c_ok = has_c & ~low
    conf[c_ok] = 0.5 + 0.5 * np.tanh(np.abs(cad[c_ok] - params.cadence_cut_spm) / 8.0)
    conf[low] = 0.75
    # samples without any signal keep the label of the last sample that had one
    has_any = has_c | has_v
    if not has_any.all() and has_any.any():
        last = np.maximum.accumulate(np.where(has_any, np.arange(len(ev)), -1))
        first = int(np.argmax(has_any))
        last = np.where(last < 0, first, last)
        states = states[last]
        conf = np.where(has_any, conf, 0.5)
    return states, conf
