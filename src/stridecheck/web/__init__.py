"""The local web dashboard over the store (``stridecheck serve``).

>>> from stridecheck.web import WebConfig, create_app  # doctest: +SKIP
>>> app = create_app(WebConfig(db=Path("stridecheck.db")))
"""

from stridecheck.web.app import MAX_UPLOAD_BYTES, WebConfig, create_app

__all__ = ["MAX_UPLOAD_BYTES", "WebConfig", "create_app"]
