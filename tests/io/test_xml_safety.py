"""XML safety of the GPX and TCX importers: no entities, no DTDs, no network, no files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree

from stridecheck.errors import GpxError, TcxError, XmlSecurityError
from stridecheck.io import read
from stridecheck.io.gpx import parse_gpx
from stridecheck.io.tcx import parse_tcx
from stridecheck.io.xml import (
    UNDECLARED_NS_PREFIX,
    declare_prefixes,
    iterparse_safe,
    parse_tree_safe,
    prepare_xml,
)

LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
BILLION_GPX = (
    '<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY lol0 "lol">' + LAUGHS + "]>\n"
    '<gpx version="1.1" creator="&lol9;" xmlns="http://www.topografix.com/GPX/1/1">'
    "<trk><trkseg><trkpt lat='1' lon='2'><time>2024-01-01T00:00:00Z</time>"
    "<name>&lol9;</name></trkpt></trkseg></trk></gpx>"
).encode()
BILLION_TCX = (
    '<?xml version="1.0"?>\n<!DOCTYPE TrainingCenterDatabase [<!ENTITY lol0 "lol">'
    + LAUGHS
    + "]>\n<TrainingCenterDatabase><Activities><Activity Sport='Running'><Id>&lol9;</Id>"
    "</Activity></Activities></TrainingCenterDatabase>"
).encode()


def _xxe_gpx(secret_file: Path) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
        '<gpx version="1.1" creator="&xxe;" xmlns="http://www.topografix.com/GPX/1/1">'
        "<trk><name>&xxe;</name><trkseg><trkpt lat='1' lon='2'>"
        "<time>2024-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>"
    ).encode()


def _xxe_tcx(secret_file: Path) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
        "<TrainingCenterDatabase><Activities><Activity Sport='Running'><Id>&xxe;</Id>"
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT-4711")
    return path


@pytest.mark.parametrize("method", ["stream", "gpxpy"])
def test_billion_laughs_gpx_refused_quickly(method: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(XmlSecurityError, match="entities"):
        parse_gpx(BILLION_GPX, method=method)
    assert time.perf_counter() - t0 < 1.0


def test_billion_laughs_tcx_and_read_refused_quickly() -> None:
    t0 = time.perf_counter()
    with pytest.raises(XmlSecurityError):
        parse_tcx(BILLION_TCX)
    with pytest.raises(XmlSecurityError):
        read(BILLION_GPX)
    with pytest.raises(XmlSecurityError):
        read(BILLION_TCX)
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize("method", ["stream", "gpxpy"])
def test_xxe_gpx_refused_and_file_not_read(secret_file: Path, method: str) -> None:
    with pytest.raises(XmlSecurityError) as info:
        parse_gpx(_xxe_gpx(secret_file), method=method)
    assert "TOP-SECRET" not in str(info.value)


def test_xxe_tcx_refused_and_file_not_read(secret_file: Path) -> None:
    with pytest.raises(XmlSecurityError) as info:
        parse_tcx(_xxe_tcx(secret_file))
    assert "TOP-SECRET" not in str(info.value)
    with pytest.raises(XmlSecurityError):
        read(_xxe_tcx(secret_file))


def test_external_dtd_refused(secret_file: Path) -> None:
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "file://{secret_file}">'
        '<gpx version="1.1"></gpx>'
    ).encode()
    with pytest.raises(XmlSecurityError, match="external DTD"):
        parse_gpx(doc)
    public = b'<!DOCTYPE gpx PUBLIC "-//x//y" "http://example.invalid/x.dtd"><gpx/>'
    with pytest.raises(XmlSecurityError):
        parse_gpx(public)


def test_plain_doctype_without_entities_is_fine() -> None:
    doc = (
        b"<!DOCTYPE gpx><gpx version='1.1'><trk><trkseg><trkpt lat='1' lon='2'>"
        b"<time>2024-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>"
    )
    assert len(parse_gpx(doc).samples) == 1


def test_doctype_text_inside_the_document_is_not_a_dtd() -> None:
    doc = (
        b"<gpx version='1.1'><trk><desc><![CDATA[<!DOCTYPE html SYSTEM 'x'><!ENTITY a 'b'>]]>"
        b"</desc><trkseg><trkpt lat='1' lon='2'><time>2024-01-01T00:00:00Z</time></trkpt>"
        b"</trkseg></trk></gpx>"
    )
    assert len(parse_gpx(doc).samples) == 1


def test_utf16_billion_laughs_still_refused() -> None:
    doc = BILLION_GPX.decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(XmlSecurityError):
        parse_gpx(doc)


def test_hardened_parsers_do_not_resolve_entities(secret_file: Path) -> None:
    """Defence in depth: even without the DOCTYPE check the parsers expand nothing."""
    doc = (
        f'<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
        "<gpx><trk><name>&xxe;</name></trk></gpx>"
    ).encode()
    root = parse_tree_safe(doc)
    assert b"TOP-SECRET" not in etree.tostring(root)
    names = [el.text or "" for _, el in iterparse_safe(doc, ("{*}name",))]
    assert not any("TOP-SECRET" in t for t in names)
    t0 = time.perf_counter()
    try:
        root = parse_tree_safe(BILLION_GPX)
    except etree.XMLSyntaxError:
        root = None
    assert root is None or len(etree.tostring(root)) < 10_000
    assert time.perf_counter() - t0 < 1.0


def test_prepare_xml_errors() -> None:
    with pytest.raises(GpxError, match="unknown text encoding"):
        prepare_xml(b'<?xml version="1.0" encoding="no-such-codec"?><gpx/>', None, GpxError)
    with pytest.raises(TcxError, match="not a text encoding"):
        prepare_xml(b'<?xml version="1.0" encoding="rot13"?><a/>', None, TcxError)
    with pytest.raises(GpxError, match="UTF-16"):
        prepare_xml("<gpx/>".encode("utf-16")[:-1] + b"\x00\xd8", None, GpxError)


def test_declare_prefixes() -> None:
    doc = b'<?xml version="1.0"?><!-- c --><gpx xmlns:a="urn:a"><a:x/><b:y c:z="1"/></gpx>'
    repaired, prefixes = declare_prefixes(doc)
    assert prefixes == ["b", "c"]
    assert f'xmlns:b="{UNDECLARED_NS_PREFIX}b"'.encode() in repaired
    root = parse_tree_safe(repaired)
    assert root[0].tag == "{urn:a}x"
    assert declare_prefixes(b"<gpx><x/></gpx>") == (b"<gpx><x/></gpx>", [])


TRACK = (
    "<trk><trkseg><trkpt lat='1' lon='2'><time>2024-01-01T00:00:00Z</time></trkpt>"
    "<trkpt lat='1' lon='2.0001'><time>2024-01-01T00:00:01Z</time></trkpt></trkseg></trk>"
)
XXE_DOCTYPE = '<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    "prolog",
    [
        "<!--> <x> -->",  # '<!-->' does not close a comment: '<x>' is inside it
        "<!---> <x> -->",
        "<?pi <x> ?>",
        "<?xml version='1.0'?><!-- <gpx> --><?pi ?>",
        "<![CDATA[ <x> ]]>",
        "junk <x> ",
        "<!-- unterminated",
    ],
)
@pytest.mark.parametrize("method", ["stream", "gpxpy"])
def test_no_prolog_layout_hides_a_doctype(prolog: str, method: str) -> None:
    doc = f"{prolog}{XXE_DOCTYPE}<gpx version='1.1' creator='&xxe;'>{TRACK}</gpx>".encode()
    with pytest.raises(XmlSecurityError):
        parse_gpx(doc, method=method)
    with pytest.raises(XmlSecurityError):
        read(doc.replace(b"<gpx", b"<gpx xmlns='http://www.topografix.com/GPX/1/1'", 1))


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE gpx [<!-- ] > --><!ENTITY a "b">]>',  # subset text inside a comment
        "<!DOCTYPE gpx [<!ATTLIST gpx a CDATA ']>'><!ENTITY a 'b'>]>",  # ']>' in a literal
        '<!DOCTYPE gpx [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        '<!DOCTYPE gpx [<!NOTATION n SYSTEM "x">]>',
        "<!DOCTYPE gpx 'x' [",  # never closed
    ],
)
def test_doctype_subsets_are_read_by_a_tokenizer(doctype: str) -> None:
    doc = f"<?xml version='1.0'?>{doctype}<gpx version='1.1'>{TRACK}</gpx>".encode()
    with pytest.raises(XmlSecurityError):
        parse_gpx(doc)


def test_harmless_prologs_still_read() -> None:
    for prolog in ("<!-- a comment with <gpx> and --> inside -->", "<?pi x?>", "<!DOCTYPE gpx>"):
        doc = f"<?xml version='1.0'?>{prolog}<gpx version='1.1'>{TRACK}</gpx>".encode()
        try:
            activity = parse_gpx(doc)
        except XmlSecurityError as exc:  # pragma: no cover - the failure being tested
            pytest.fail(f"{prolog!r} refused: {exc}")
        except GpxError:
            continue  # not well-formed ('--' inside a comment): refused as a GPX, fine
        assert len(activity.samples) == 2


def test_a_huge_internal_subset_is_scanned_quickly() -> None:
    doc = (
        "<!DOCTYPE gpx [" + "<!ELEMENT a (#PCDATA)>" * 200_000 + "]>" + f"<gpx>{TRACK}</gpx>"
    ).encode()
    from stridecheck.io.xml import check_doctype

    t0 = time.perf_counter()
    check_doctype(doc, None)
    assert time.perf_counter() - t0 < 2.0
