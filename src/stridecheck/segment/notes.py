"""What the segmenter tells about the data and the fitted model, as translatable messages.

The feature builder and the gait model append these (with their numbers) to
``Evidence.notes`` and ``GaitModel.notes``; the methods paragraph puts them in
its "Data notes", and their English wording is ``Segmentation.warnings`` and the
:class:`~stridecheck.errors.StrideCheckWarning` emitted. :data:`DATA_NOTES` lets
a stored English paragraph be read back into messages.
"""

from __future__ import annotations

from stridecheck.messages import Message, msg

__all__ = [
    "CADENCE_OUT_OF_RANGE",
    "DATA_NOTES",
    "NAIVE_TIMES",
    "NO_SIGNAL",
    "ONLY_RUNNING",
    "ONLY_WALKING",
    "SPEED_FROM_DISTANCE",
    "SPEED_FROM_POSITIONS",
    "SPEED_OUT_OF_RANGE",
]

#: Parameter ``window`` [s].
SPEED_FROM_POSITIONS = msg(
    "speed was derived from positions (local linear fit of the track over %(window)s s windows)"
)
SPEED_FROM_DISTANCE = msg("speed was not recorded; it was derived from distance")
#: Parameters ``count``, ``max`` [m/s].
SPEED_OUT_OF_RANGE = msg("%(count)s speed values outside 0-%(max)s m/s were ignored")
#: Parameters ``count``, ``max`` [steps/min].
CADENCE_OUT_OF_RANGE = msg("%(count)s cadence values outside 0-%(max)s steps/min were ignored")
NAIVE_TIMES = msg("sample times had no time zone; they were taken as UTC")
NO_SIGNAL = msg(
    "the activity has no speed, cadence or footpod running bit: every sample is "
    "labelled unknown (no guess is made)"
)
ONLY_WALKING = msg("only walking was found")
ONLY_RUNNING = msg("only running was found")

#: Every data note and model note, for reading stored English text back.
DATA_NOTES: tuple[Message, ...] = (
    SPEED_FROM_POSITIONS,
    SPEED_FROM_DISTANCE,
    SPEED_OUT_OF_RANGE,
    CADENCE_OUT_OF_RANGE,
    NAIVE_TIMES,
    NO_SIGNAL,
    ONLY_WALKING,
    ONLY_RUNNING,
)
