"""Generated texts (methods paragraphs, compliance reasons) in English and German.

The segmenter and the compliance scorer build their prose from catalog
messages: English stays exactly what the modules always wrote, German comes
from the catalog, with German number formats, in reports and the dashboard.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_helpers import START, small_program, write_store

from stridecheck.activity import Activity
from stridecheck.compliance import ComplianceParams, adherence_methods, compliance_methods
from stridecheck.compliance.explain import step_label
from stridecheck.i18n import extract_messages, get_lang
from stridecheck.messages import (
    ENGLISH,
    Deferred,
    Join,
    Message,
    Num,
    Text,
    from_json,
    match_message,
    msg,
    nmsg,
    render,
    to_json,
)
from stridecheck.report import athlete_data_from_activities, render_html
from stridecheck.report.build import athlete_data_from_store
from stridecheck.segment import Segmentation, segment
from stridecheck.segment.methods import DATA_NOTES, data_note
from stridecheck.simulate import simulate_session
from stridecheck.store import Store

#: Modules whose texts are generated from messages.
GENERATED = ("messages.py", "segment/methods.py", "compliance/methods.py", "compliance/explain.py")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def _messages(text: Text) -> Iterator[Message]:
    """Every message in a text tree."""
    if isinstance(text, Message):
        yield text
        for _, value in text.params:
            yield from _messages(value)
    elif isinstance(text, Join):
        for item in text.items:
            yield from _messages(item)
    elif isinstance(text, Deferred):
        yield from _messages(text.tree())


def _top_parts(text: Text) -> list[Text]:
    """The sentences of a methods paragraph (before the references)."""
    assert isinstance(text, Join)
    body = text.items[0] if text.sep == "\n\n" else text
    assert isinstance(body, Join)
    return list(body.items)


def _assert_all_german(text: Text) -> None:
    de = get_lang("de")
    for message in _messages(text):
        if message.plural is None:
            assert de.gettext(message.msgid) != message.msgid, message.msgid
        else:
            assert de.ngettext(message.msgid, message.plural, 2) != message.plural


@pytest.fixture(scope="module")
def segmented() -> tuple[list[Segmentation], list[Activity]]:
    """Two simulated sessions of the small program, one walked throughout, segmented for real."""
    program = small_program(1)
    sims = [
        simulate_session(program.session("W1S1").to_plan(), start="2026-01-05T07:00:00Z",
                         random_state=3),
        simulate_session(program.session("W1S2").to_plan(), start="2026-01-07T07:00:00Z",
                         deviations=["walked_everything"], random_state=4),
    ]  # fmt: skip
    activities = [sim.activity for sim in sims]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segs = [segment(a) for a in activities]
    return segs, activities


def test_every_generated_message_has_a_german_translation() -> None:
    de = get_lang("de")
    found = 0
    for message in extract_messages():
        if not message.id or not any(loc[0] in GENERATED for loc in message.locations):
            continue
        found += 1
        ids = tuple(message.id) if isinstance(message.id, tuple) else (str(message.id),)
        if len(ids) == 2:
            german = [de.ngettext(ids[0], ids[1], n) for n in (1, 2)]
            assert german[0] != ids[0] and german[1] != ids[1], ids
        else:
            german = [de.gettext(ids[0])]
            assert german[0] != ids[0] or ids[0] in {"%(items)s and %(last)s"}, ids
        for text in german:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(ids[-1]))
    assert found > 80


def test_english_is_unchanged_and_german_is_german(
    segmented: tuple[list[Segmentation], list[Activity]],
) -> None:
    seg = segmented[0][0]
    assert seg.methods_doc is not None
    assert seg.methods_text == render(seg.methods_doc) == seg.methods_text_for("en")
    assert seg.methods_text_for(get_lang("en")) == seg.methods_text
    german = seg.methods_text_for("de")
    _assert_all_german(seg.methods_doc)
    assert "Hidden-Markov-Modell" in german and "Trittfrequenz" in german
    assert "Each sample was labelled" not in german
    # numbers in the locale's format: "0.7" in English is "0,7" in German
    assert re.search(r"\d\.\d", seg.methods_text.split("\n\n")[0])
    assert not re.search(r"\d\.\d", german.split("\n\n")[0])
    assert re.search(r"\d,\d", german)


def test_compliance_texts_in_german() -> None:
    assert compliance_methods(lang="en") == compliance_methods()
    german = compliance_methods(ComplianceParams(stretch_cost=0.25), lang="de")
    assert "harmonische Mittel" in german and "0,25 s" in german
    assert "max(verordnete Dauer, 120 s)" in german
    assert "2 ihrer 3 Einheiten" in adherence_methods(50.0, per_week=3, lang="de")
    assert "62,5" in adherence_methods(62.5, per_week=None, lang="de")


def test_reasons_in_german_and_stored_as_messages(
    segmented: tuple[list[Segmentation], list[Activity]],
) -> None:
    from stridecheck.compliance import comply

    program = small_program(1)
    segs, _ = segmented
    result = comply(segs[1], program.session("W1S2"))
    assert result.reason_messages and result.reasons_for("en") == result.reasons
    german = result.reasons_for("de")
    assert german != result.reasons
    for text in result.reason_messages:
        _assert_all_german(text)
    assert any("gegangen" in r for r in german), german
    doc = result.to_dict()
    json.dumps(doc, allow_nan=False)
    stored = [from_json(item) for item in doc["reason_messages"]]
    assert [render(t) for t in stored] == result.reasons
    assert [get_lang("de").render(t) for t in stored] == german


def test_step_labels() -> None:
    de = get_lang("de")
    assert de.render(step_label("run 4 of 10")) == "Laufintervall 4 von 10"
    assert render(step_label("run 4 of 10")) == "run 4 of 10"
    assert de.render(step_label("walk")) == "Gehen"
    assert de.render(step_label("warm-up", "warm-up")) == "Aufwärmen"
    assert de.render(step_label("Hügel", "Hügel")) == "Hügel"  # a program's own name is kept


def test_stored_paragraphs_are_read_back(
    segmented: tuple[list[Segmentation], list[Activity]],
) -> None:
    from stridecheck.io import read
    from stridecheck.segment.methods import parse_methods_text

    segs = list(segmented[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segs.append(segment(segmented[1][0], method="threshold"))
        segs.append(segment(read(_gpx_without_cadence()), method="hmm"))
    de = get_lang("de")
    for seg in segs:
        tree = parse_methods_text(seg.methods_text)
        assert render(tree) == seg.methods_text
        assert de.render(tree) == seg.methods_text_for("de")
        assert all(isinstance(part, Message) for part in _top_parts(tree))
    odd = parse_methods_text("Something else entirely. Evidence came from cadence.")
    assert render(odd) == "Something else entirely. Evidence came from cadence."
    assert de.render(odd) == "Something else entirely. Ausgewertete Signale: Trittfrequenz."


def _gpx_without_cadence() -> bytes:
    """A short GPX walk-run track (positions only: speed from positions, no cadence)."""
    points = []
    lat = 48.2
    for i in range(400):
        speed = 2.8 if (i // 60) % 2 else 1.3
        lat += speed / 111_195.0
        t = dt.datetime(2026, 1, 5, 7, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=i)
        points.append(
            f'<trkpt lat="{lat:.7f}" lon="16.3"><time>{t.strftime("%Y-%m-%dT%H:%M:%SZ")}</time>'
            "</trkpt>"
        )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="t" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        + "".join(points)
        + "</trkseg></trk></gpx>"
    ).encode()


def test_data_notes_are_matched_and_translated() -> None:
    de = get_lang("de")
    note = "35 speed values outside 0-12.5 m/s were ignored"
    assert render(data_note(note)) == note
    assert de.render(data_note(note)) == (
        "35 Geschwindigkeitswerte außerhalb von 0-12,5 m/s wurden verworfen"
    )
    assert data_note("something new happened") == "something new happened"
    assert all(render(m) == m.msgid for m in DATA_NOTES if not m.params)


def test_messages_round_trip_and_numbers() -> None:
    de = get_lang("de")
    text = Join(
        (
            nmsg("%(n)s more step not as prescribed", "%(n)s more steps not as prescribed", 1),
            msg("speed (%(source)s)", source=msg("gps")),
            Num(1234.5, ",.1f"),
            Num(float("nan")),
        ),
        "; ",
    )
    assert render(text) == "1 more step not as prescribed; speed (gps); 1,234.5; nan"
    again = from_json(json.loads(json.dumps(to_json(text), allow_nan=False)))
    assert render(again) == render(text)
    assert de.render(again).startswith("1 weiterer Abschnitt nicht wie verordnet; ")
    assert de.format_number(1234.5, ",.1f") == "1.234,5" and de.format_number(-0.5, "g") == "-0,5"
    assert get_lang("en").format_number(1234.5, ",.1f") == ENGLISH.format_number(1234.5, ",.1f")
    assert match_message("stopped after 3 of 20 minutes", []) == "stopped after 3 of 20 minutes"
    with pytest.raises(ValueError, match="stored"):
        from_json(42)


def test_german_report_has_no_english_generated_text(
    segmented: tuple[list[Segmentation], list[Activity]],
) -> None:
    segs, activities = segmented
    data = athlete_data_from_activities(
        "Dora", small_program(1), START, activities, segmentations=segs,
        as_of=dt.date(2026, 1, 11),
    )  # fmt: skip
    html = render_html([data], lang="de", interactive=False)
    assert "in English" not in html and "(in English)" not in html
    assert "Hidden-Markov-Modell" in html and "Die Compliance wurde" in html
    assert "Die Adhärenz ist" in html
    for english in ("Each sample was labelled", "Compliance was scored", "walked instead"):
        assert english not in html
    assert "gegangen statt gelaufen" in html or "Laufintervalle" in html
    english_html = render_html([data], lang="en", interactive=False)
    assert segs[0].methods_text.split("\n\n")[0].replace("'", "&#39;") in english_html


def test_german_report_from_the_store(tmp_path: Path) -> None:
    db = write_store(tmp_path, {"Ana": ("W1S1", "W1S2")})
    with Store.open(db) as store:
        data = athlete_data_from_store(store, "Ana")
        stored = store.conn.execute("SELECT methods_text, methods_json FROM analyses").fetchall()
    # schema 2 keeps the paragraph's message tree beside its English wording
    assert all(row[1] for row in stored)
    methods = data.methods[0]
    assert not isinstance(methods, str | Deferred)
    assert render(methods) in {r[0] for r in stored}
    _assert_all_german(methods)
    german = render_html([data], lang="de", interactive=False)
    assert "Hidden-Markov-Modell" in german and "Each sample was labelled" not in german
    assert "in English" not in german


def test_german_report_from_analyses_stored_without_a_tree(tmp_path: Path) -> None:
    """Analyses stored by schema 1 have English only: the report reads the tree back."""
    db = write_store(tmp_path, {"Ana": ("W1S1", "W1S2")})
    with Store.open(db) as store:
        store.conn.execute("UPDATE analyses SET methods_json = NULL")
        store.conn.commit()
        data = athlete_data_from_store(store, "Ana")
        stored = store.conn.execute("SELECT methods_text FROM analyses").fetchall()
    methods = data.methods[0]
    assert isinstance(methods, Deferred)
    assert render(methods) == methods.english and methods.english in {r[0] for r in stored}
    # the tree read back from the stored English words it exactly, and fully in German
    assert render(methods.tree()) == methods.english
    _assert_all_german(methods)
    assert all(isinstance(part, Message) for part in _top_parts(methods.tree()))
    german = render_html([data], lang="de", interactive=False)
    assert "Hidden-Markov-Modell" in german and "Each sample was labelled" not in german
    assert "in English" not in german
