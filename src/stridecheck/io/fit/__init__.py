"""FIT activity files: decoding, the reference decoder and the mapping to samples.

Reading goes bytes -> :class:`~stridecheck.io.fit.messages.FitMessages` (one
frame per message type, by either decoder) -> :class:`~stridecheck.activity.Activity`.

Modules, in the order the bytes meet them
-----------------------------------------
``scan``
    File headers (:func:`read_fit_header`), the FIT CRC (:func:`fit_crc`) and the
    scan of message headers: which layout every data message uses, and where.
``definitions``
    Definition messages: the :class:`~stridecheck.io.fit.definitions.Layout` of
    the data messages that follow them.
``decode``
    The vectorised decoder (``method="fast"``): messages sharing a layout are
    decoded together, the profile applied column-wise.
``small``
    Its few-rows path: message types with a handful of messages read row by row.
``values``
    What both paths share: the conventions of shown values and the one finaliser.
``sdk``
    The reference decoder on Garmin's ``garmin-fit-sdk`` (``method="sdk"``).
``profile``
    Lookup tables derived from Garmin's profile.
``messages``
    :class:`FitMessages`, the hand-over between the decoders and the mapping.
``mapping``
    :func:`read_fit` / :func:`parse_fit` and the mapping rules from decoded
    messages to an :class:`~stridecheck.activity.Activity`.
"""

from __future__ import annotations

from stridecheck.io.fit.decode import decode_fit
from stridecheck.io.fit.mapping import (
    METHODS,
    RSC_RUNNING_COLUMN,
    STEP_SPORTS,
    STEP_SUB_SPORTS,
    VARIABLE_MAP,
    activity_from_messages,
    parse_fit,
    read_fit,
)
from stridecheck.io.fit.messages import FitMessages
from stridecheck.io.fit.scan import FitHeader, fit_crc, read_fit_header
from stridecheck.io.fit.sdk import decode_fit_sdk

__all__ = [
    "METHODS",
    "RSC_RUNNING_COLUMN",
    "STEP_SPORTS",
    "STEP_SUB_SPORTS",
    "VARIABLE_MAP",
    "FitHeader",
    "FitMessages",
    "activity_from_messages",
    "decode_fit",
    "decode_fit_sdk",
    "fit_crc",
    "parse_fit",
    "read_fit",
    "read_fit_header",
]
