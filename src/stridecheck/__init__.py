"""stridecheck: did this person do the run-walk session they were prescribed?

Quick example::

    import stridecheck
    activity = stridecheck.read("morning_run.fit")
    activity.samples[["speed_mps", "cadence_spm"]].describe()
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from stridecheck.activity import SAMPLE_COLUMNS, Activity, ActivityMeta
from stridecheck.errors import (
    ContainerError,
    EmptyActivityError,
    ErrorPolicy,
    FitCRCError,
    FitDecodeError,
    FitHeaderError,
    GpxError,
    InputError,
    StrideCheckError,
    StrideCheckWarning,
    TcxError,
    UnsupportedFormatError,
    XmlSecurityError,
)
from stridecheck.io import read
from stridecheck.segment import Segmentation, segment

try:
    __version__ = version("stridecheck")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "SAMPLE_COLUMNS",
    "Activity",
    "ActivityMeta",
    "ContainerError",
    "EmptyActivityError",
    "ErrorPolicy",
    "FitCRCError",
    "FitDecodeError",
    "FitHeaderError",
    "GpxError",
    "InputError",
    "Segmentation",
    "StrideCheckError",
    "StrideCheckWarning",
    "TcxError",
    "UnsupportedFormatError",
    "XmlSecurityError",
    "__version__",
    "read",
    "segment",
]
