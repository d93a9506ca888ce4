"""Message catalogs: every message translated to German, the .mo files match the .po files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from stridecheck.i18n import (
    DOMAIN,
    LANGUAGES,
    LOCALE_DIR,
    compile_catalogs,
    extract_messages,
    get_lang,
)

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
        return read_po(fh, locale=code)


def test_every_message_is_in_every_catalog_and_translated_to_german() -> None:
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract_messages() if m.id}
    assert len(extracted) > 50
    for code in LANGUAGES:
        catalog = _catalog(code)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        assert extracted <= ids, f"{code}: run scripts/compile_catalogs.py: {extracted - ids}"
    german = _catalog("de")
    for message in german:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        assert all(strings), f"untranslated: {message.id!r}"
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(ids[-1]))


def test_mo_files_match_po_files(tmp_path: Path) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALE_DIR, copy)
    for mo in compile_catalogs(copy):
        committed = LOCALE_DIR / mo.relative_to(copy)
        assert mo.read_bytes() == committed.read_bytes(), (
            f"{committed} is stale: run python scripts/compile_catalogs.py --compile-only"
        )


def test_locale_formats() -> None:
    de, en = get_lang("de"), get_lang("en")
    assert de.number(1234.5, 1) == "1.234,5" and en.number(1234.5, 1) == "1,234.5"
    assert de.percent(70) == "70\u00a0%" and en.percent(70) == "70%"
    assert de.percent(None) == "-" and de.duration(3725) == "1:02:05"
    assert de.gettext("Adherence") == "Adhärenz"


def test_unknown_language() -> None:
    from stridecheck.errors import InputError

    with pytest.raises(InputError, match="--lang"):
        get_lang("fr")
