"""Translatable generated text: message ids with parameters, worded in any language.

The analysis modules (the segmenter's and the compliance scorer's methods
paragraphs, the reasons given for a session's score) build their prose as
trees of :class:`Message`, :class:`Num` and :class:`Join` instead of finished
strings; :func:`render` words a tree with a :class:`Translator`.

- :data:`ENGLISH` is the source language: message ids as written and Python's
  number formats, so the English texts are exactly what the modules return.
- :class:`stridecheck.i18n.Lang` is a translator backed by the gettext
  catalogs (Babel) with the locale's decimal and grouping symbols;
  :func:`stridecheck.i18n.translator_for` gives the translator of a language code.

Message ids are marked with :func:`msg` and :func:`nmsg`, which the catalog
extraction (:func:`stridecheck.i18n.extract_messages`) knows as
keywords. Trees convert to and from JSON (:func:`to_json`, :func:`from_json`),
so stored results can be worded again in another language.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Union

__all__ = [
    "AND",
    "ENGLISH",
    "Deferred",
    "Join",
    "Message",
    "Num",
    "Text",
    "Translator",
    "from_json",
    "match_message",
    "message_pattern",
    "msg",
    "nmsg",
    "number_or_text",
    "params_from_match",
    "python_number",
    "render",
    "to_json",
]

#: Separator of :class:`Join` that lists items in words ("a, b and c").
AND = "and"


class Translator(Protocol):
    """Words messages in one language."""

    @property
    def code(self) -> str:
        """Language code (``"en"``, ``"de"``)."""
        ...

    def gettext(self, message: str) -> str:
        """Translate a message id."""
        ...

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message id that depends on a count."""
        ...

    def format_number(self, value: float, spec: str) -> str:
        """Write a number with a Python format spec (``"g"``, ``".2f"``), locale's symbols."""
        ...


class _English:
    """The source language: message ids unchanged, Python's number formats."""

    code = "en"

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def format_number(self, value: float, spec: str) -> str:
        return python_number(value, spec)


#: English, the language the message ids are written in.
ENGLISH: Translator = _English()


def python_number(value: float, spec: str) -> str:
    """``value`` written by Python's ``format`` (integers for ``"d"``, ``str`` for ``""``)."""
    if not spec:
        return str(value)
    if spec.endswith("d"):
        if not math.isfinite(float(value)):
            return format(float(value), "g")
        return format(round(value), spec)
    return format(float(value), spec)


@dataclass(frozen=True)
class Num:
    """A number, written with a Python format spec in the translator's locale.

    Attributes
    ----------
    value
        The number.
    spec
        Python format spec: ``"g"``, ``".0f"``, ``".2f"``, ``"d"``; ``""`` is
        ``str(value)``.
    """

    value: float
    spec: str = "g"


@dataclass(frozen=True)
class Join:
    """Parts written one after the other.

    Attributes
    ----------
    items
        The parts.
    sep
        The separator (``" "``, ``", "``, ``"; "``, ``"\\n\\n"``, ...), or
        :data:`AND` for a list in words (``"a, b and c"``).
    """

    items: tuple[Text, ...]
    sep: str = " "


@dataclass(frozen=True)
class Message:
    """A message id with its parameters (and, for counted messages, the plural and the count).

    Build with :func:`msg` or :func:`nmsg`.
    """

    msgid: str
    params: tuple[tuple[str, Text], ...] = ()
    plural: str | None = None
    n: int | None = None

    def with_params(self, **params: Text | int | float) -> Message:
        """This message (used as a template) with these parameters."""
        values = tuple((k, _param(v)) for k, v in params.items())
        return Message(self.msgid, values, self.plural, self.n)


@dataclass(frozen=True, eq=False)
class Deferred:
    """A text known in English whose tree is built only when another language asks for it.

    Attributes
    ----------
    english
        The English text.
    build
        Builds the tree (called at most once).
    """

    english: str
    build: Callable[[], Text]
    _cache: list[Text] = field(default_factory=list, repr=False)

    def tree(self) -> Text:
        """The text's tree (built on first use)."""
        if not self._cache:
            self._cache.append(self.build())
        return self._cache[0]


#: Generated text: a plain string (data, e.g. a step's name) or a tree.
Text = Union[str, Num, Join, Message, Deferred]  # noqa: UP007


def _param(value: Text | int | float) -> Text:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return Num(value, "d")
    if isinstance(value, float):
        return Num(value, "g")
    return value


def msg(msgid: str, /, **params: Text | int | float) -> Message:
    """A translatable message; ``int`` parameters are written as integers, ``float`` with ``g``.

    ``msgid`` must be a string literal (it is extracted into the catalogs) and
    uses ``%(name)s`` placeholders (``%%`` for a percent sign) when it has
    parameters.
    """
    return Message(msgid, tuple((k, _param(v)) for k, v in params.items()))


def nmsg(singular: str, plural: str, n: int, /, **params: Text | int | float) -> Message:
    """A translatable message depending on the count ``n`` (also passed as parameter ``n``)."""
    values: dict[str, Text | int | float] = {"n": n, **params}
    return Message(singular, tuple((k, _param(v)) for k, v in values.items()), plural, int(n))


def render(text: Text, translator: Translator = ENGLISH) -> str:
    """Word ``text`` in the translator's language."""
    if isinstance(text, str):
        return text
    if isinstance(text, Num):
        return translator.format_number(text.value, text.spec)
    if isinstance(text, Join):
        parts = [render(item, translator) for item in text.items]
        if text.sep != AND:
            return text.sep.join(parts)
        if len(parts) < 2:
            return "".join(parts)
        return translator.gettext("%(items)s and %(last)s") % {
            "items": ", ".join(parts[:-1]),
            "last": parts[-1],
        }
    if isinstance(text, Deferred):
        if translator.code == "en":
            return text.english
        return render(text.tree(), translator)
    if text.plural is not None:
        template = translator.ngettext(text.msgid, text.plural, int(text.n or 0))
    else:
        template = translator.gettext(text.msgid)
    if not text.params:
        return template
    return template % {key: render(value, translator) for key, value in text.params}


def to_json(text: Text) -> Any:
    """A JSON-ready form of ``text`` (see :func:`from_json`).

    Deferred texts and numbers that are not finite are stored as their English wording.
    """
    if isinstance(text, str):
        return text
    if isinstance(text, Num):
        if not math.isfinite(float(text.value)):
            return render(text)
        return {"num": text.value, "spec": text.spec}
    if isinstance(text, Join):
        return {"join": [to_json(item) for item in text.items], "sep": text.sep}
    if isinstance(text, Deferred):
        return text.english
    doc: dict[str, Any] = {"msgid": text.msgid}
    if text.params:
        doc["params"] = {key: to_json(value) for key, value in text.params}
    if text.plural is not None:
        doc["plural"] = text.plural
        doc["n"] = text.n
    return doc


def from_json(doc: Any) -> Text:
    """The text stored by :func:`to_json`.

    Raises
    ------
    ValueError
        When ``doc`` is not such a document.
    """
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, Mapping):
        raise ValueError(f"not a stored text: {doc!r}")
    if "num" in doc:
        value, spec = doc["num"], doc.get("spec", "g")
        if not isinstance(value, int | float) or not isinstance(spec, str):
            raise ValueError(f"not a stored number: {doc!r}")
        return Num(value, spec)
    if "join" in doc:
        items, sep = doc["join"], doc.get("sep", " ")
        if not isinstance(items, list) or not isinstance(sep, str):
            raise ValueError(f"not a stored list: {doc!r}")
        return Join(tuple(from_json(item) for item in items), sep)
    msgid = doc.get("msgid")
    params = doc.get("params", {})
    plural = doc.get("plural")
    if not isinstance(msgid, str) or not isinstance(params, Mapping):
        raise ValueError(f"not a stored message: {doc!r}")
    if plural is not None and (not isinstance(plural, str) or not isinstance(doc.get("n"), int)):
        raise ValueError(f"not a stored counted message: {doc!r}")
    return Message(
        msgid,
        tuple((str(key), from_json(value)) for key, value in params.items()),
        plural,
        doc.get("n") if plural is not None else None,
    )


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_NUMBER = re.compile(r"-?\d+(?:\.(\d+))?")


@functools.lru_cache(maxsize=512)
def _pattern(msgid: str) -> re.Pattern[str]:
    out: list[str] = []
    pos = 0
    for found in _PLACEHOLDER.finditer(msgid):
        out.append(re.escape(msgid[pos : found.start()].replace("%%", "%")))
        out.append(f"(?P<{found.group(1)}>.*?)")
        pos = found.end()
    out.append(re.escape(msgid[pos:].replace("%%", "%")))
    return re.compile("".join(out))


def number_or_text(value: str) -> Text:
    """A plain decimal number (``"12.5"``) as :class:`Num` (as many decimals), else ``value``."""
    number = _NUMBER.fullmatch(value)
    if number is None:
        return value
    return Num(float(value), f".{len(number.group(1) or '')}f")


def message_pattern(message: Message) -> re.Pattern[str]:
    """The English wordings of ``message``'s id: a pattern with a group per placeholder."""
    return _pattern(message.msgid)


def match_message(
    text: str,
    known: Iterable[Message],
    convert: Callable[[str, str], Text] | None = None,
) -> Text:
    """``text`` as the first of the ``known`` messages whose English wording it is.

    For English texts made elsewhere (e.g. data warnings, stored paragraphs):
    each known message's id is read as a pattern. The matched parameters go
    through ``convert(name, value)`` (default :func:`number_or_text`: numbers
    become :class:`Num`, written with as many decimals as in ``text``). A text
    matching none is returned unchanged.
    """
    for message in known:
        found = _pattern(message.msgid).fullmatch(text)
        if found is None:
            continue
        return params_from_match(message, found, convert)
    return text


def params_from_match(
    message: Message, found: re.Match[str], convert: Callable[[str, str], Text] | None = None
) -> Message:
    """``message`` with the parameters a :func:`message_pattern` match read."""
    params: list[tuple[str, Text]] = []
    for key, value in found.groupdict().items():
        params.append((key, convert(key, value) if convert else number_or_text(value)))
    return Message(message.msgid, tuple(params), message.plural, message.n)
