"""The dashboard over HTTP (in-process): pages, uploads, notes, CSRF, token, size limits."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from report_helpers import upload_file

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from web_helpers import csrf_token, error_text, stored_counts

import stridecheck.web.app as web_app
from stridecheck.errors import ActivityTooLongError
from stridecheck.store import Store
from stridecheck.web import WebConfig, create_app
from stridecheck.web.security import (
    csrf_form_value,
    host_is_loopback,
    is_loopback,
    origin_matches,
)

#: Without a token the dashboard answers only requests naming a loopback host.
LOCAL = "http://127.0.0.1:8000"


def _local(application: object) -> TestClient:
    return TestClient(application, base_url=LOCAL)  # type: ignore[arg-type]


@pytest.fixture
def client(web_db: Path) -> TestClient:
    return _local(create_app(WebConfig(db=web_db)))


def test_index_lists_athletes_with_traffic_lights(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert re.findall(r'data-athlete="(\w+)"', page.text) == ["Ana", "Bo"]
    assert re.findall(r'data-light="(\w+)"', page.text) == ["amber", "red"]
    assert page.cookies.get("stridecheck_csrf")


def test_index_survives_an_athlete_whose_data_cannot_be_analysed(
    web_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One athlete's stored data failing (say an activity stored by an older
    version that spans more than the timeline holds) leaves the home page up:
    the others are listed, that athlete is named with the reason, no 500."""
    real = web_app.athlete_data_from_store

    def failing_for_bo(store: Store, name: str, **options: object) -> object:
        if name == "Bo":
            raise ActivityTooLongError("bo.fit", "the activity spans 23,460 days")
        return real(store, name, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(web_app, "athlete_data_from_store", failing_for_bo)
    page = _local(create_app(WebConfig(db=web_db))).get("/")
    assert page.status_code == 200
    assert re.findall(r'data-athlete="(\w+)"', page.text) == ["Ana"]
    assert re.findall(r'data-unavailable="(\w+)"', page.text) == ["Bo"]
    assert "spans 23,460 days" in page.text


def test_athlete_and_session_pages(client: TestClient) -> None:
    page = client.get("/athletes/Ana")
    assert page.status_code == 200
    assert 'data-testid="session-grid"' in page.text and 'data-testid="upload-form"' in page.text
    assert "/athletes/Ana/sessions/W1S1" in page.text
    session = client.get("/athletes/Ana/sessions/W1S1")
    assert session.status_code == 200
    assert 'data-chart="timeline"' in session.text and 'data-testid="note-form"' in session.text
    assert client.get("/athletes/Nobody").status_code == 404
    assert client.get("/athletes/Ana/sessions/W9S9").status_code == 404
    js = client.get("/static/vega.js")
    assert js.status_code == 200 and "vegaEmbed" in js.text[-2000:]


def test_upload_and_note_end_to_end(client: TestClient, web_db: Path, tmp_path: Path) -> None:
    before = stored_counts(web_db)
    csrf = csrf_token(client.get("/athletes/Bo").text)
    fit = upload_file(tmp_path, "W1S2")
    done = client.post(
        "/athletes/Bo/upload", data={"csrf": csrf}, files={"file": (fit.name, fit.read_bytes())}
    )
    assert done.status_code == 200 and "uploaded" in done.text
    assert stored_counts(web_db)[0] == before[0] + 1
    again = client.post(
        "/athletes/Bo/upload", data={"csrf": csrf}, files={"file": (fit.name, fit.read_bytes())}
    )
    assert again.status_code == 400 and "already stored" in error_text(again.text)
    note = client.post(
        "/athletes/Bo/sessions/W1S2/notes",
        data={
            "csrf": csrf,
            "pain_before": "10",
            "pain_after": "35",
            "rpe": "14",
            "adverse": "on",
            "text": "sore calf",
        },
    )
    assert note.status_code == 200 and "sore calf" in note.text
    assert stored_counts(web_db) == (before[0] + 1, before[1] + 1)
    page = client.get("/athletes/Bo")
    assert "Adverse event reported for session W1S2." in page.text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "bad.fit",
            b"not an activity at all" * 4,
            "not stored: it is not a FIT, GPX or TCX file, nor one of those in .gz or .zip",
        ),
        ("empty.gpx", b"", "empty"),
        (
            "x.gpx",
            b"<?xml version='1.0'?><gpx><trk><trkseg></trkseg></trk></gpx>",
            "not stored: it cannot be used as an activity (no timed track points",
        ),
    ],
)
def test_bad_upload_stores_nothing(
    client: TestClient, web_db: Path, name: str, data: bytes, reason: str
) -> None:
    before = stored_counts(web_db)
    csrf = csrf_token(client.get("/athletes/Ana").text)
    reply = client.post("/athletes/Ana/upload", data={"csrf": csrf}, files={"file": (name, data)})
    assert reply.status_code == 400
    assert reason in error_text(reply.text)
    assert error_text(reply.text).count("FIT, GPX or TCX") <= 1  # worded once
    assert "<bytes>" not in reply.text
    assert stored_counts(web_db) == before


def test_upload_size_limit(web_db: Path) -> None:
    client = _local(create_app(WebConfig(db=web_db, max_upload_bytes=1000)))
    before = stored_counts(web_db)
    csrf = csrf_token(client.get("/athletes/Ana").text)
    reply = client.post(
        "/athletes/Ana/upload", data={"csrf": csrf}, files={"file": ("big.fit", b"x" * 5000)}
    )
    assert reply.status_code == 413 and "too large" in error_text(reply.text)
    huge = client.post(
        "/athletes/Ana/upload", data={"csrf": csrf}, files={"file": ("big.fit", b"x" * 200_000)}
    )
    assert huge.status_code == 413
    assert stored_counts(web_db) == before


def test_bad_note_is_refused(client: TestClient, web_db: Path) -> None:
    before = stored_counts(web_db)
    csrf = csrf_token(client.get("/athletes/Ana/sessions/W1S1").text)
    for data in ({"rpe": "40"}, {"pain_after": "abc"}, {"rpe": "12.5"}, {}):
        reply = client.post("/athletes/Ana/sessions/W1S1/notes", data={"csrf": csrf, **data})
        assert reply.status_code == 400, data
        assert "not saved" in error_text(reply.text)
    assert stored_counts(web_db) == before


def test_csrf_is_required(client: TestClient, web_db: Path) -> None:
    before = stored_counts(web_db)
    client.get("/")
    for data in ({}, {"csrf": "0" * 64}):
        reply = client.post("/athletes/Ana/sessions/W1S1/notes", data={**data, "rpe": "12"})
        assert reply.status_code == 403
    csrf = csrf_token(client.get("/athletes/Ana").text)
    cross = client.post(
        "/athletes/Ana/sessions/W1S1/notes",
        data={"csrf": csrf, "rpe": "12"},
        headers={"origin": "http://evil.example"},
    )
    assert cross.status_code == 403
    fresh = _local(create_app(WebConfig(db=web_db)))
    no_cookie = fresh.post("/athletes/Ana/sessions/W1S1/notes", data={"csrf": csrf, "rpe": "12"})
    assert no_cookie.status_code == 403
    assert stored_counts(web_db) == before


def test_token_is_checked_on_every_route(web_db: Path) -> None:
    client = TestClient(create_app(WebConfig(db=web_db, token="s3cret")))
    for path in ("/", "/athletes/Ana", "/athletes/Ana/sessions/W1S1", "/static/vega.js"):
        assert client.get(path).status_code == 401
    assert client.post("/athletes/Ana/upload").status_code == 401
    assert client.get("/?token=wrong").status_code == 401
    assert client.get("/", headers={"authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/?token=s3cret").status_code == 200
    assert client.get("/athletes/Ana").status_code == 200  # the cookie now carries it


def test_security_helpers() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert host_is_loopback("127.0.0.1:8000") and host_is_loopback("[::1]:80")
    assert not host_is_loopback("evil.example") and not host_is_loopback(None)
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert origin_matches(None, "127.0.0.1:8000")
    assert origin_matches("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not origin_matches("http://evil.example", "127.0.0.1:8000")
    assert not origin_matches("null", "127.0.0.1:8000")
    assert csrf_form_value("k", "a") != csrf_form_value("k", "b")


def test_german_dashboard(web_db: Path) -> None:
    client = _local(create_app(WebConfig(db=web_db, lang="de")))
    page = client.get("/")
    assert "Teilnehmende" in page.text and '<html lang="de">' in page.text


def test_german_dashboard_words_generated_texts_and_errors_in_german(web_db: Path) -> None:
    before = stored_counts(web_db)
    client = _local(create_app(WebConfig(db=web_db, lang="de")))
    athlete = client.get("/athletes/Ana").text
    assert "Hidden-Markov-Modell" in athlete and "Die Compliance wurde" in athlete
    assert "Die Adhärenz ist" in athlete
    for english in ("in English", "Each sample was labelled", "Compliance was scored"):
        assert english not in athlete
    session = client.get("/athletes/Ana/sessions/W1S1").text
    reasons = re.search(r'<ul class="reasons">(.*?)</ul>', session, re.S)
    assert reasons is not None and "<li>" in reasons.group(1)
    assert not re.search(r"\b(cut short|walked instead|done as prescribed|started)\b", session)
    csrf = csrf_token(session)
    url = "/athletes/Ana/sessions/W1S1/notes"
    errors = {
        "rpe": ("40", "Borg-Skala"),
        "pain_after": ("120", "visuellen Analogskala von 0-100"),
        "text": ("", "geben Sie Schmerz, RPE oder einen Text an"),
    }
    for field, (value, german) in errors.items():
        reply = client.post(url, data={"csrf": csrf, field: value})
        assert reply.status_code == 400 and german in error_text(reply.text), error_text(
            reply.text
        )
    assert stored_counts(web_db) == before
    missing = client.get("/athletes/Niemand")
    assert missing.status_code == 404 and "Niemand ist nicht bekannt." in error_text(missing.text)
    uploads = {
        "bad.fit": (
            b"not an activity at all" * 4,
            "sie ist weder eine FIT-, GPX- oder TCX-Datei noch eine davon in .gz oder .zip",
        ),
        "x.gpx": (
            b"<?xml version='1.0'?><gpx><trk><trkseg></trkseg></trk></gpx>",
            "sie ist als Aktivität nicht verwendbar (",
        ),
    }
    for name, (data, german) in uploads.items():
        upload_url = "/athletes/Ana/upload"
        reply = client.post(upload_url, data={"csrf": csrf}, files={"file": (name, data)})
        text = error_text(reply.text)
        assert reply.status_code == 400 and "Die Datei wurde nicht gespeichert: " in text
        assert german in text, text
    assert stored_counts(web_db) == before


def test_dns_rebinding_is_refused(web_db: Path) -> None:
    application = create_app(WebConfig(db=web_db))
    assert TestClient(application, base_url="http://evil.example:8000").get("/").status_code == 400
    assert TestClient(application, base_url="http://localhost:8000").get("/").status_code == 200
    assert TestClient(application, base_url="http://[::1]:8000").get("/").status_code == 200


def test_adverse_event_and_coach_clearance_from_the_dashboard(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from report_helpers import write_store

    db = write_store(tmp_path_factory.mktemp("ae"), {"Cy": ("W1S1", "W1S2", "W1S3")})
    client = _local(create_app(WebConfig(db=db)))
    csrf = csrf_token(client.get("/athletes/Cy").text)
    assert re.findall(r'data-ready="([^"]+)"', client.get("/athletes/Cy").text) == ["yes"]
    note = client.post(
        "/athletes/Cy/sessions/W1S2/notes",
        data={"csrf": csrf, "adverse": "on", "text": "fell on ice"},
    )
    assert note.status_code == 200
    assert 'data-testid="adverse-event"' in note.text  # the session card, first
    page = client.get("/athletes/Cy").text
    assert re.findall(r'data-ready="([^"]+)"', page) == ["no"]
    assert 'data-adverse="yes"' in page
    assert "Not ready to progress: adverse event reported for session W1S2" in page
    session = client.get("/athletes/Cy/sessions/W1S2").text
    assert 'data-testid="clearance"' in session
    refused = client.post(
        "/athletes/Cy/sessions/W1S2/notes", data={"csrf": csrf, "clearance": "on"}
    )
    assert refused.status_code == 400 and "who cleared it and why" in error_text(refused.text)
    both = client.post(
        "/athletes/Cy/sessions/W1S2/notes",
        data={"csrf": csrf, "clearance": "on", "adverse": "on", "text": "x"},
    )
    assert both.status_code == 400 and "not both" in error_text(both.text)
    ok = client.post(
        "/athletes/Cy/sessions/W1S2/notes",
        data={"csrf": csrf, "clearance": "on", "text": "physio: fine to go on"},
    )
    assert ok.status_code == 200 and "cleared by the coach" in ok.text
    with Store.open(db) as store:
        notes = store.notes_frame(store.athlete("Cy").id)
    assert notes["clearance"].tolist() == [False, True]
    # its own week is still not ready; the coach's clearance shows on the athlete's page
    page = client.get("/athletes/Cy").text
    assert re.findall(r'data-ready="([^"]+)"', page) == ["no"]
    assert "cleared by a coach" in page
