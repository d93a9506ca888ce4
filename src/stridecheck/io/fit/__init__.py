"""FIT activity files: decoding, the reference decoder and the mapping to samples.

Modules
-------
``mapping``
    :func:`read_fit` / :func:`parse_fit` and the mapping rules from decoded
    messages to an :class:`~stridecheck.activity.Activity`.
``messages``
    :class:`FitMessages`, the hand-over between the decoders and the mapping.
``decode``
    The vectorised decoder (the fast path).
``sdk``
    The reference decoder on Garmin's ``garmin-fit-sdk``.
``profile``
    Lookup tables derived from Garmin's profile.
"""

from __future__ import annotations

from stridecheck.io.fit.mapping import (
    RSC_RUNNING_COLUMN,
    STEP_SPORTS,
    STEP_SUB_SPORTS,
    VARIABLE_MAP,
    activity_from_messages,
    parse_fit,
    read_fit,
)

__all__ = [
    "RSC_RUNNING_COLUMN",
    "STEP_SPORTS",
    "STEP_SUB_SPORTS",
    "VARIABLE_MAP",
    "activity_from_messages",
    "parse_fit",
    "read_fit",
]
