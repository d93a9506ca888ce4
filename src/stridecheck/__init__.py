"""stridecheck: did this person do the run-walk session they were prescribed?

Quick example::

    import stridecheck
    activity = stridecheck.read("morning_run.fit")
    activity.samples[["speed_mps", "cadence_spm"]].describe()

The names below are imported on first use (PEP 562), so ``import stridecheck``
and the command line's ``--version`` / ``--help`` do not load pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: The package version (``pyproject.toml`` reads it from here).
__version__ = "0.1.0"

if TYPE_CHECKING:
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

#: Public name -> module that defines it.
_LAZY: dict[str, str] = {
    "SAMPLE_COLUMNS": "stridecheck.activity",
    "Activity": "stridecheck.activity",
    "ActivityMeta": "stridecheck.activity",
    "ContainerError": "stridecheck.errors",
    "EmptyActivityError": "stridecheck.errors",
    "ErrorPolicy": "stridecheck.errors",
    "FitCRCError": "stridecheck.errors",
    "FitDecodeError": "stridecheck.errors",
    "FitHeaderError": "stridecheck.errors",
    "GpxError": "stridecheck.errors",
    "InputError": "stridecheck.errors",
    "StrideCheckError": "stridecheck.errors",
    "StrideCheckWarning": "stridecheck.errors",
    "TcxError": "stridecheck.errors",
    "UnsupportedFormatError": "stridecheck.errors",
    "XmlSecurityError": "stridecheck.errors",
    "read": "stridecheck.io",
    "Segmentation": "stridecheck.segment",
    "segment": "stridecheck.segment",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562).

    ``segment`` is the subpackage :mod:`stridecheck.segment` itself, which is
    callable as its function: the name never shadows the package.
    """
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'stridecheck' has no attribute {name!r}")
    if module == f"{__name__}.{name}":
        return importlib.import_module(module)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
