"""The local web dashboard over the store (``stridecheck serve``).

>>> from stridecheck.web import WebConfig, create_app  # doctest: +SKIP
>>> app = create_app(WebConfig(db=Path("stridecheck.db")))

The application (FastAPI, the ``web`` extra) is imported on first use, so
:mod:`stridecheck.web.security` works on a plain install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stridecheck.web.app import MAX_UPLOAD_BYTES, WebConfig, create_app

__all__ = ["MAX_UPLOAD_BYTES", "WebConfig", "create_app"]


def __getattr__(name: str) -> Any:
    """Import the FastAPI application module on first use (PEP 562)."""
    if name in __all__:
        import importlib

        return getattr(importlib.import_module("stridecheck.web.app"), name)
    raise AttributeError(f"module 'stridecheck.web' has no attribute {name!r}")
