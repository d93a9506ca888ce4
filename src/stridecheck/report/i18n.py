"""The languages of reports: :mod:`stridecheck.i18n`, where they live.

Languages, catalogs and locale formats are part of the core (the analysis words
its methods paragraphs and reasons with them too); this module names the same
public objects for code that imports them from the report package.
"""

from __future__ import annotations

from stridecheck.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, Lang, get_lang

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "Lang", "get_lang"]
