"""Safe XML handling shared by the GPX and TCX importers.

Watch exports are untrusted input. Every document goes through
:func:`prepare_xml` before a parser sees it, and is then parsed only by the
hardened lxml parsers made here:

* **No entities, no DTDs, no network.** A ``<!DOCTYPE>`` carrying entity
  declarations or an external DTD reference (``SYSTEM``/``PUBLIC``) is refused
  with :class:`~stridecheck.errors.XmlSecurityError` before parsing, so
  billion-laughs and XXE documents fail at once and no local file or URL is
  ever read. The parsers are additionally built with ``resolve_entities=False``,
  ``load_dtd=False``, ``no_network=True`` and ``huge_tree=False`` (defence in
  depth).
* **Encodings.** UTF-8 and UTF-16 byte order marks, UTF-16 without a BOM and
  any 8-bit encoding named in the XML declaration (``ISO-8859-1``,
  ``windows-1252``, ...) are converted to UTF-8 and the declaration rewritten,
  so every later parser (lxml, gpxpy) sees the same UTF-8 bytes.
* **Leading whitespace** before the XML declaration (not well-formed, but
  common in exports) is removed.
* **Undeclared namespace prefixes** (Strava writes ``<gpxdata:cadence>`` without
  declaring ``gpxdata``; some TCX files use ``xsi:type`` without ``xmlns:xsi``)
  make a document not namespace-well-formed. :func:`declare_prefixes` declares
  each such prefix on the root element with a placeholder URI
  (``urn:stridecheck:undeclared:<prefix>``), so the importers, which match
  extension elements by local name, can read the document.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from stridecheck.errors import InputError, XmlSecurityError

__all__ = [
    "UNDECLARED_NS_PREFIX",
    "declare_prefixes",
    "is_namespace_error",
    "iterparse_safe",
    "local_name",
    "parse_tree_safe",
    "prepare_xml",
    "syntax_error",
]

#: URI given to namespace prefixes a document uses without declaring them.
UNDECLARED_NS_PREFIX = "urn:stridecheck:undeclared:"

_WS = b" \t\r\n"
_DECL_RE = re.compile(rb"^<\?xml[^>]*?\?>")
_ENC_RE = re.compile(rb"""encoding\s*=\s*(["'])([A-Za-z0-9._:-]*)\1""")
_UTF8_NAMES = {"utf-8", "utf8", "ascii", "us-ascii", "utf_8"}
_PREFIX_USE_RE = re.compile(
    rb"</?([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*|\s([A-Za-z_][\w.-]*):[\w.-]+\s*="
)
#: The two forms of :data:`_PREFIX_USE_RE` (prefixed tag, prefixed attribute), each
#: with a place for a lookahead excluding prefixes already found.
_PREFIX_USE_FORMS = (
    (rb"</?", rb"([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*"),
    (rb"\s", rb"([A-Za-z_][\w.-]*):[\w.-]+\s*="),
)
#: Distinct prefixes :func:`_used_prefixes` skips by lookahead before a plain scan.
_MAX_SKIPPED_PREFIXES = 16
_PREFIX_DECL_RE = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ROOT_START_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)")
# libxml2 error code XML_NS_ERR_UNDEFINED_NAMESPACE
_NS_ERR_UNDEFINED = 201


def local_name(tag: str) -> str:
    """The local part of an lxml tag (``"{ns}hr"`` -> ``"hr"``)."""
    return tag[tag.rfind("}") + 1 :]


def _decode_16(data: bytes, path: str | None, error_cls: type[InputError]) -> bytes:
    """Convert UTF-16 (with or without BOM) to UTF-8 bytes."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        codec = "utf-16"
    elif data[:1] == b"\x00":
        codec = "utf-16-be"
    else:
        codec = "utf-16-le"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise error_cls(path, f"not valid UTF-16 at byte {exc.start}") from None
    return _set_utf8_declaration(text.lstrip("\ufeff \t\r\n").encode("utf-8"))


def _set_utf8_declaration(data: bytes) -> bytes:
    """Rewrite the ``encoding`` of the XML declaration to UTF-8 (if there is one)."""
    decl = _DECL_RE.match(data)
    if decl is None:
        return data
    new_decl = _ENC_RE.sub(b'encoding="UTF-8"', decl.group(0), count=1)
    return new_decl + data[decl.end() :]


def _looks_utf16(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:4]
    return len(head) == 4 and (head[0::2] == b"\x00\x00" or head[1::2] == b"\x00\x00")


def prepare_xml(data: bytes, path: str | None, error_cls: type[InputError]) -> bytes:
    """Make XML bytes safe and uniform for parsing.

    Parameters
    ----------
    data
        The document as found in the file.
    path
        File name for error messages (``None`` for bytes).
    error_cls
        Error raised for undecodable text (``GpxError`` or ``TcxError``).

    Returns
    -------
    bytes
        UTF-8 document without BOM or leading whitespace whose XML declaration
        (if any) names UTF-8.

    Raises
    ------
    XmlSecurityError
        When a DOCTYPE declares entities or refers to an external DTD.
    InputError
        ``error_cls`` when the bytes cannot be decoded in the declared encoding.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _looks_utf16(data):
        data = _decode_16(data, path, error_cls)
    else:
        data = data.lstrip(_WS)
        decl = _DECL_RE.match(data)
        enc = _ENC_RE.search(decl.group(0)) if decl else None
        name = enc.group(2).decode("ascii").lower() if enc else "utf-8"
        if name not in _UTF8_NAMES and not name.startswith("utf-16"):
            try:
                codec = codecs.lookup(name)
            except LookupError:
                raise error_cls(path, f"unknown text encoding {name!r} declared") from None
            if codec.name not in ("utf-8", "ascii"):
                try:
                    data = data.decode(codec.name).encode("utf-8")
                except UnicodeDecodeError as exc:
                    raise error_cls(path, f"not valid {name} text at byte {exc.start}") from None
                except LookupError:
                    raise error_cls(path, f"{name!r} is not a text encoding") from None
        data = _set_utf8_declaration(data)
    check_doctype(data, path)
    return data


def check_doctype(data: bytes, path: str | None) -> None:
    """Refuse a DOCTYPE that declares entities or loads an external DTD.

    The prolog (everything before the root element) is read by a tokenizer
    (:func:`_scan_prolog`) that knows comments (``<!-->`` does not close one),
    processing instructions, CDATA sections and the DOCTYPE's quoted literals
    and internal subset, so no layout hides a DOCTYPE from the check. A prolog
    it cannot read to the root element while the document holds ``<!DOCTYPE``
    is refused too (a parser might still find a DTD there).

    Raises
    ------
    XmlSecurityError
        For ``<!ENTITY`` declarations or parameter-entity references
        (entity expansion, XXE), for ``SYSTEM``/``PUBLIC`` external
        identifiers (file or network access), and for a DOCTYPE in a prolog
        that cannot be read.
    """
    if b"<!DOCTYPE" not in data:
        return
    prolog = _scan_prolog(data)
    if not prolog.clean:
        raise XmlSecurityError(
            path, "XML document has a DOCTYPE in a prolog that cannot be read (refused)"
        )
    for ident, subset in prolog.doctypes:
        if b"SYSTEM" in ident or b"PUBLIC" in ident:
            raise XmlSecurityError(path, "XML document refers to an external DTD (refused)")
        if b"ENTITY" in subset or b"%" in subset:
            raise XmlSecurityError(
                path,
                "XML document declares entities in a DOCTYPE (entity expansion/XXE refused)",
            )
        if b"SYSTEM" in subset or b"PUBLIC" in subset:
            raise XmlSecurityError(path, "XML document refers to an external DTD (refused)")


class _Prolog:
    """What :func:`_scan_prolog` found before the root element."""

    __slots__ = ("clean", "doctypes", "root")

    def __init__(self) -> None:
        #: The root element's start tag (``None`` when not reached).
        self.root: re.Match[bytes] | None = None
        #: Per DOCTYPE: (name and external identifier, internal subset).
        self.doctypes: list[tuple[bytes, bytes]] = []
        #: False when the prolog holds something the tokenizer cannot read.
        self.clean = True


_NAME_RE = re.compile(rb"[A-Za-z_:][\w.:-]*")
#: What an internal subset scan stops at: literals, comments, PIs, its end.
_SUBSET_SPECIAL_RE = re.compile(rb"[\"'<\]]")


def _past(data: bytes, pos: int, opener: bytes, closer: bytes) -> int:
    """Offset just past the ``closer`` ending the construct that ``opener`` starts at ``pos``.

    -1 when the construct is never closed.
    """
    end = data.find(closer, pos + len(opener))
    return -1 if end < 0 else end + len(closer)


def _skip_literal(data: bytes, pos: int) -> int:
    """The index after the quoted literal starting at ``pos`` (-1 when unterminated)."""
    end = data.find(data[pos : pos + 1], pos + 1)
    return -1 if end < 0 else end + 1


def _doctype_end(data: bytes, pos: int) -> tuple[int, bytes, bytes]:
    """Read a DOCTYPE from after ``<!DOCTYPE``: (end index or -1, identifier part, subset)."""
    ident = bytearray()
    while pos < len(data):
        char = data[pos : pos + 1]
        if char in (b'"', b"'"):
            end = _skip_literal(data, pos)
            if end < 0:
                return -1, bytes(ident), b""
            ident += data[pos:end]
            pos = end
        elif char == b"[":
            end = _subset_end(data, pos + 1)
            if end < 0:
                return -1, bytes(ident), data[pos + 1 :]
            subset = data[pos + 1 : end]
            close = data.find(b">", end + 1)
            if close < 0 or data[end + 1 : close].strip(_WS):
                return -1, bytes(ident), subset
            return close + 1, bytes(ident), subset
        elif char == b">":
            return pos + 1, bytes(ident), b""
        else:
            ident += char
            pos += 1
    return -1, bytes(ident), b""


def _subset_end(data: bytes, pos: int) -> int:
    """The index of the ``]`` closing an internal subset that starts at ``pos`` (-1: none)."""
    while pos < len(data):
        special = _SUBSET_SPECIAL_RE.search(data, pos)
        if special is None:
            return -1
        pos = special.start()
        char = data[pos : pos + 1]
        if char in (b'"', b"'"):
            pos = _skip_literal(data, pos)
        elif data.startswith(b"<!--", pos):
            pos = _past(data, pos, b"<!--", b"-->")
        elif data.startswith(b"<?", pos):
            pos = _past(data, pos, b"<?", b"?>")
        elif char == b"]":
            return pos
        else:
            pos += 1
        if pos < 0:
            return -1
    return -1


def _scan_prolog(data: bytes) -> _Prolog:
    """Tokenize the prolog: declaration, PIs, comments, CDATA, DOCTYPEs, up to the root."""
    found = _Prolog()
    pos = 0
    size = len(data)
    while pos < size:
        if data[pos : pos + 1] in (b" ", b"\t", b"\r", b"\n"):
            pos += 1
            continue
        if data.startswith(b"<?", pos):
            pos = _past(data, pos, b"<?", b"?>")
        elif data.startswith(b"<!--", pos):
            pos = _past(data, pos, b"<!--", b"-->")
        elif data.startswith(b"<![CDATA[", pos):
            found.clean = False  # not allowed in a prolog; skipped to stay safe
            pos = _past(data, pos, b"<![CDATA[", b"]]>")
        elif data.startswith(b"<!DOCTYPE", pos):
            pos, ident, subset = _doctype_end(data, pos + 9)
            found.doctypes.append((ident, subset))
        elif data.startswith(b"<", pos) and _NAME_RE.match(data, pos + 1):
            found.root = _ROOT_START_RE.match(data, pos)
            return found
        else:
            found.clean = False  # text or markup a prolog may not hold
            nxt = data.find(b"<", pos + 1)
            pos = size if nxt < 0 else nxt
            continue
        if pos < 0:
            found.clean = False
            return found
    return found


def _parser_kwargs() -> dict[str, Any]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "huge_tree": False,
        "load_dtd": False,
        "dtd_validation": False,
        "remove_comments": True,
        "remove_pis": True,
    }


def iterparse_safe(data: bytes, tags: tuple[str, ...]) -> Any:
    """A hardened lxml ``iterparse`` over ``data`` giving ``end`` events for ``tags``.

    Parameters
    ----------
    data
        Prepared XML (see :func:`prepare_xml`).
    tags
        Tags to report, e.g. ``("{*}trkpt",)`` (``{*}`` matches any namespace).

    Returns
    -------
    lxml.etree.iterparse
        Iterator of ``(event, element)``; its ``root`` is set once exhausted.
    """
    return etree.iterparse(io.BytesIO(data), events=("end",), tag=tags, **_parser_kwargs())


def parse_tree_safe(data: bytes) -> Any:
    """Parse prepared XML into an lxml element tree with the hardened parser.

    Returns
    -------
    lxml.etree._Element
        The root element.

    Raises
    ------
    lxml.etree.XMLSyntaxError
        For documents that are not well-formed (convert with :func:`syntax_error`).
    """
    parser = etree.XMLParser(**_parser_kwargs())
    return etree.fromstring(data, parser)


def is_namespace_error(exc: etree.XMLSyntaxError) -> bool:
    """True when ``exc`` is an undeclared-prefix error.

    Only the reported error counts (lxml's error log may carry entries of
    earlier parses); should the document hold other errors too, the parse after
    :func:`declare_prefixes` reports them.
    """
    return bool(exc.code == _NS_ERR_UNDEFINED)


def declare_prefixes(data: bytes) -> tuple[bytes, list[str]]:
    """Declare, on the root element, namespace prefixes the document never declares there.

    Parameters
    ----------
    data
        Prepared XML.

    Returns
    -------
    tuple of (bytes, list of str)
        The repaired document and the prefixes that were declared (empty when
        nothing needed repair; the document is then returned unchanged).
    """
    used = _used_prefixes(data) - {b"xml", b"xmlns"}
    root = _find_root_start(data)
    if root is None:
        return data, []
    root_end = data.find(b">", root.end())
    root_tag = data[root.start() : root_end if root_end >= 0 else len(data)]
    declared = set(_PREFIX_DECL_RE.findall(root_tag))
    missing = sorted(used - declared)
    if not missing:
        return data, []
    decls = b"".join(b' xmlns:%s="%s%s"' % (p, UNDECLARED_NS_PREFIX.encode(), p) for p in missing)
    repaired = data[: root.end()] + decls + data[root.end() :]
    return repaired, [p.decode("ascii", "replace") for p in missing]


def _used_prefixes(data: bytes) -> set[bytes]:
    """The distinct namespace prefixes of tags and attributes in ``data``.

    The prefixes :data:`_PREFIX_USE_RE` finds, but each search skips the
    prefixes already found, so a document is scanned about once per form and
    distinct prefix instead of producing a match per prefixed name. Past
    :data:`_MAX_SKIPPED_PREFIXES` prefixes, one plain scan finds the rest (no
    ever longer patterns for a document made of distinct prefixes).
    """
    found: set[bytes] = set()
    for lead, rest in _PREFIX_USE_FORMS:
        pos = 0
        while True:
            if len(found) > _MAX_SKIPPED_PREFIXES:
                return found | {a or b for a, b in _PREFIX_USE_RE.findall(data)}
            skip = b"|".join(re.escape(p) for p in sorted(found))
            exclude = b"(?!(?:" + skip + b"):)" if found else b""
            match = re.compile(lead + exclude + rest).search(data, pos)
            if match is None:
                break
            found.add(match.group(1))
            pos = match.start()
    return found


def _find_root_start(data: bytes) -> re.Match[bytes] | None:
    """The start tag name of the root element (skipping declaration, comments, DOCTYPE)."""
    return _scan_prolog(data).root


def syntax_error(
    exc: etree.XMLSyntaxError, path: str | None, error_cls: type[InputError], what: str
) -> InputError:
    """Turn an lxml syntax error into ``error_cls`` naming line and column.

    Parameters
    ----------
    exc
        The lxml error.
    path
        File name (``None`` for bytes).
    error_cls
        ``GpxError`` or ``TcxError``.
    what
        Format name for the message (``"GPX"``).
    """
    line, column = exc.position if exc.position else (exc.lineno, 0)
    message = str(exc.msg or exc).split(", line ")[0].strip()
    return error_cls(
        path, f"{what} is not well-formed XML at line {line}, column {column}: {message}"
    )


def iter_children(element: Any) -> Iterator[tuple[str, Any]]:
    """Yield ``(local name, child)`` for the element children of ``element``."""
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            yield local_name(tag), child
