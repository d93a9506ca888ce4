"""The dashboard under hostile input: chunked and oversized uploads, forms without CSRF,
numbers that overflow; always a 4xx with a message, never a 500, and nothing stored."""

from __future__ import annotations

import gzip
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_helpers import upload_file

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from web_helpers import csrf_token, error_text, stored_counts

from stridecheck.web import WebConfig, create_app

LOCAL = "http://127.0.0.1:8000"


def _multipart(csrf: str, name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "stridecheckboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


class _Counted:
    """A request body sent in chunks without a Content-Length, counting what was taken."""

    def __init__(self, head: bytes, filler: int, total: int) -> None:
        self.head, self.filler, self.total, self.sent = head, filler, total, 0

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        self.sent = len(self.head)
        while self.sent < self.total:
            chunk = b"x" * self.filler
            self.sent += len(chunk)
            yield chunk


@pytest.fixture
def client(web_db: Path) -> TestClient:
    return TestClient(create_app(WebConfig(db=web_db, max_upload_bytes=100_000)), base_url=LOCAL)


def test_chunked_upload_without_length_is_cut_at_the_limit(
    client: TestClient, web_db: Path
) -> None:
    before = stored_counts(web_db)
    csrf = csrf_token(client.get("/athletes/Ana").text)
    head, kind = _multipart(csrf, "big.fit", b"")
    body = _Counted(head[: head.rfind(b"\r\n--")], 64 * 1024, 50 * 1024 * 1024)
    reply = client.post("/athletes/Ana/upload", content=iter(body), headers={"content-type": kind})
    assert reply.status_code == 413 and "too large" in error_text(reply.text)
    assert stored_counts(web_db) == before


def test_length_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    csrf = csrf_token(client.get("/athletes/Ana").text)
    body, kind = _multipart(csrf, "big.fit", b"x" * 300_000)
    reply = client.post("/athletes/Ana/upload", content=body, headers={"content-type": kind})
    assert reply.status_code == 413


def test_no_csrf_cookie_is_refused_before_the_body_is_read(web_db: Path) -> None:
    fresh = TestClient(create_app(WebConfig(db=web_db)), base_url=LOCAL)
    body = _Counted(b"--x\r\n", 64 * 1024, 10 * 1024 * 1024)
    reply = fresh.post(
        "/athletes/Ana/upload",
        content=iter(body),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert reply.status_code == 403
    assert body.sent < 10 * 1024 * 1024  # not read to the end


def test_malformed_multipart_is_a_4xx(client: TestClient) -> None:
    csrf_token(client.get("/athletes/Ana").text)
    for kind in ("multipart/form-data; boundary=x", "multipart/form-data", "text/plain"):
        reply = client.post(
            "/athletes/Ana/upload", content=b"--x\r\ngarbage", headers={"content-type": kind}
        )
        assert 400 <= reply.status_code < 500, (kind, reply.status_code)


@pytest.mark.parametrize(
    "field,value",
    [
        ("rpe", "1e309"),
        ("rpe", "-1e309"),
        ("rpe", "nan"),
        ("rpe", "inf"),
        ("rpe", "9" * 400),
        ("rpe", "1e300"),
        ("pain_before", "1e309"),
        ("pain_after", "nan"),
        ("pain_after", "-0.5"),
        ("pain_before", "12,5,5"),
    ],
)
def test_bad_note_numbers_answer_400_with_a_message(
    client: TestClient, web_db: Path, field: str, value: str
) -> None:
    before = stored_counts(web_db)
    csrf = csrf_token(client.get("/athletes/Ana/sessions/W1S1").text)
    reply = client.post("/athletes/Ana/sessions/W1S1/notes", data={"csrf": csrf, field: value})
    assert reply.status_code == 400, reply.text[-500:]
    assert "not saved" in error_text(reply.text)
    assert len(error_text(reply.text)) < 400
    assert stored_counts(web_db) == before


def test_an_oversized_note_form_is_refused(client: TestClient) -> None:
    csrf = csrf_token(client.get("/athletes/Ana/sessions/W1S1").text)
    reply = client.post(
        "/athletes/Ana/sessions/W1S1/notes", data={"csrf": csrf, "text": "x" * 200_000}
    )
    assert reply.status_code == 413 and "too large" in error_text(reply.text)


def test_a_deeply_nested_gzip_upload_is_refused_quickly(client: TestClient, web_db: Path) -> None:
    import time

    nested = upload_file(web_db.parent).read_bytes()
    for _ in range(300):
        nested = gzip.compress(nested)
    csrf = csrf_token(client.get("/athletes/Ana").text)
    t0 = time.perf_counter()
    reply = client.post(
        "/athletes/Ana/upload", data={"csrf": csrf}, files={"file": ("deep.fit.gz", nested)}
    )
    assert reply.status_code == 400 and "nested too deeply" in error_text(reply.text)
    assert time.perf_counter() - t0 < 5.0


def test_a_valid_upload_still_works(client: TestClient, web_db: Path, tmp_path: Path) -> None:
    fit = upload_file(tmp_path, "W1S2")
    csrf = csrf_token(client.get("/athletes/Ana").text)
    body, kind = _multipart(csrf, fit.name, fit.read_bytes())
    reply = client.post(
        "/athletes/Ana/upload",
        content=iter([body[:1000], body[1000:]]),
        headers={"content-type": kind},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text[-400:]
