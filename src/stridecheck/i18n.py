"""Languages: gettext catalogs through Babel, locale formats, translators for generated text.

Catalogs live in ``stridecheck/locales/<lang>/LC_MESSAGES/stridecheck.po``
with the compiled ``.mo`` beside them (committed; :func:`compile_catalogs`
rebuilds them, ``python scripts/compile_catalogs.py``; a test checks they
agree). English is the source language: its catalog holds the plural forms.

:class:`Lang` bundles a language's translations with Babel's date and number
formatting for that locale; it is also a :class:`stridecheck.messages.Translator`,
so the generated texts of the segmenter and compliance scoring (methods
paragraphs, reasons) are worded in the language with ``lang.render(text)``;
:func:`translator_for` gives the translator of a language code. This module is
part of the core (beside :mod:`stridecheck.messages`), used by the analysis,
the reports and the dashboard alike.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)
from babel.support import Translations

from stridecheck.errors import InputError
from stridecheck.messages import ENGLISH, Text, Translator, python_number, render

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "Lang",
    "compile_catalogs",
    "extract_messages",
    "get_lang",
    "translator_for",
    "update_catalogs",
]

#: gettext domain of stridecheck's catalogs.
DOMAIN = "stridecheck"
#: Folder holding ``<lang>/LC_MESSAGES/stridecheck.{po,mo}``.
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
#: Languages with a catalog, code -> Babel locale.
LANGUAGES: dict[str, str] = {"en": "en_GB", "de": "de_DE"}


@dataclass(frozen=True)
class Lang:
    """One language: its translations and its locale's formats.

    Attributes
    ----------
    code
        ``"en"`` or ``"de"``.
    locale
        The Babel locale used for dates and numbers.
    translations
        The compiled catalog.
    """

    code: str
    locale: Locale
    translations: Translations

    def gettext(self, message: str) -> str:
        """Translate a message."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message with a count."""
        return self.translations.ngettext(singular, plural, n)

    def format_number(self, value: float, spec: str) -> str:
        """``value`` as Python's ``format(value, spec)`` writes it, in the locale's symbols.

        The digits (rounding, grouping only when ``spec`` asks for it) are
        Python's, so English wording matches :data:`stridecheck.messages.ENGLISH`;
        the decimal point, group separator and minus sign are the locale's.
        """
        written = python_number(value, spec)
        table = {
            ord("."): get_decimal_symbol(self.locale),
            ord(","): get_group_symbol(self.locale),
            ord("-"): get_minus_sign_symbol(self.locale),
        }
        return written.translate(table)

    def render(self, text: Text) -> str:
        """Word generated text (see :mod:`stridecheck.messages`) in this language."""
        return render(text, self)

    def number(self, value: float | None, digits: int = 0) -> str:
        """A number in the locale's format (``-`` when missing)."""
        if value is None or not math.isfinite(float(value)):
            return "-"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(round(float(value), digits), format=pattern, locale=self.locale)

    def percent(self, value: float | None, digits: int = 0) -> str:
        """A percentage given in percent units (``70.0`` gives ``"70 %"``/``"70 %"``)."""
        if value is None or not math.isfinite(float(value)):
            return "-"
        return self.gettext("%(value)s %%") % {"value": self.number(value, digits)}

    def date(self, value: dt.date | None, fmt: str = "medium") -> str:
        """A date in the locale's format (``-`` when missing)."""
        if value is None:
            return "-"
        return format_date(value, format=fmt, locale=self.locale)

    def datetime(self, value: dt.datetime | None, fmt: str = "medium") -> str:
        """A date and time in the locale's format, its time zone named (``-`` when missing).

        Times are shown in UTC and labelled so (``"7 Jan 2026, 07:00:00 UTC"``):
        the readers do not keep the activity's local time zone.
        """
        if value is None:
            return "-"
        text = format_datetime(value, format=fmt, tzinfo=dt.UTC, locale=self.locale)
        return f"{text} UTC"

    def local_datetime(
        self, value: dt.datetime | None, offset_s: float | None, fmt: str = "medium"
    ) -> str:
        """A time in the activity's local time zone, labelled (``"... UTC+01:00"``).

        ``offset_s`` is the offset from UTC the file gave [s]; without one the
        time is shown in UTC, labelled ``UTC`` (see :meth:`datetime`).
        """
        if value is None:
            return "-"
        if offset_s is None:
            return self.datetime(value, fmt)
        zone = dt.timezone(dt.timedelta(seconds=int(offset_s)))
        text = format_datetime(value, format=fmt, tzinfo=zone, locale=self.locale)
        sign = "+" if offset_s >= 0 else "-"
        hours, rest = divmod(abs(int(offset_s)), 3600)
        return f"{text} UTC{sign}{hours:02d}:{rest // 60:02d}"

    def duration(self, seconds: float | None) -> str:
        """A duration as ``M:SS`` or ``H:MM:SS`` (``-`` when missing). [s]"""
        if seconds is None or not math.isfinite(float(seconds)):
            return "-"
        total = round(float(seconds))
        hours, rest = divmod(total, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@functools.cache
def get_lang(code: str = "en") -> Lang:
    """The language ``code`` (``"en"`` or ``"de"``).

    Raises
    ------
    InputError
        For a language without a catalog.
    """
    key = code.strip().lower()
    if key not in LANGUAGES:
        raise InputError(
            "--lang", f"no catalog for {code!r}; choose one of {', '.join(LANGUAGES)}"
        )
    translations = Translations.load(str(LOCALE_DIR), [key], domain=DOMAIN)
    if not isinstance(translations, Translations):
        raise InputError("--lang", f"the catalog for {key!r} is missing from {LOCALE_DIR}")
    return Lang(key, Locale.parse(LANGUAGES[key]), translations)


def translator_for(lang: str | Translator) -> Translator:
    """The translator for a language code (``"en"`` gives :data:`~stridecheck.messages.ENGLISH`,
    other codes their :class:`Lang`), or ``lang`` itself when it is a translator.

    Raises
    ------
    InputError
        For a language without a catalog.
    """
    if not isinstance(lang, str):
        return lang
    if lang.strip().lower() == "en":
        return ENGLISH
    return get_lang(lang)


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``stridecheck.po`` under ``locale_dir`` to its ``.mo``; return the ``.mo``s.

    The output is deterministic (messages sorted, no timestamps), so the
    committed ``.mo`` files can be checked against a fresh compile.
    """
    written: list[Path] = []
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parts[-3])
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


#: Where messages are extracted from: (glob under the package, Babel method).
_SOURCES: tuple[tuple[str, str], ...] = (
    ("messages.py", "python"),
    ("i18n.py", "python"),
    ("segment/methods.py", "python"),
    ("segment/notes.py", "python"),
    ("compliance/methods.py", "python"),
    ("compliance/explain.py", "python"),
    ("compliance/progression.py", "python"),
    ("report/**.py", "python"),
    ("web/**.py", "python"),
    ("report/templates/**.html", "jinja2.ext:babel_extract"),
    ("web/templates/**.html", "jinja2.ext:babel_extract"),
)


#: Marker functions of :mod:`stridecheck.messages` (besides gettext's own keywords).
KEYWORDS: dict[str, tuple[int, ...] | None] = {"msg": None, "nmsg": (1, 2)}


def extract_messages() -> Catalog:
    """Every translatable message: report and dashboard code and templates, generated texts.

    The generated texts are the segmenter's and the compliance scorer's
    methods paragraphs and reasons (:func:`stridecheck.messages.msg` and
    :func:`~stridecheck.messages.nmsg` calls).
    """
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    package = Path(__file__).resolve().parent
    template = Catalog(domain=DOMAIN, project="stridecheck", fuzzy=False)
    method_map = [(pattern, method) for pattern, method in _SOURCES]
    options = {
        pattern: {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
        for pattern, method in _SOURCES
        if method != "python"
    }
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(package), method_map=method_map, keywords=keywords, options_map=options
    ):
        template.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def update_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Merge newly extracted messages into each language's ``.po`` (keeping translations)."""
    from babel.messages.pofile import write_po

    template = extract_messages()
    written: list[Path] = []
    for code, locale_name in LANGUAGES.items():
        po_path = locale_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.is_file():
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=code)
        else:
            catalog = Catalog(locale=Locale.parse(locale_name), domain=DOMAIN, fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po_path.open("wb") as fh:
            write_po(
                fh, catalog, omit_header=False, sort_output=True, width=99, include_lineno=False
            )
        written.append(po_path)
    return written
