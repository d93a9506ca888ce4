"""The local dashboard: athletes with traffic lights, athlete and session pages, uploads, notes.

:func:`create_app` builds a FastAPI application over one store database.
Pages are rendered on the server with the report's templates and language;
charts are drawn by the Vega bundle served from ``/static/vega.js`` (no CDN).
Every request opens its own connection to the store.

Routes
------
``GET /``                                  athletes with traffic lights
``GET /athletes/{name}``                   adherence, grid, findings, weekly charts, upload form
``GET /athletes/{name}/sessions/{sid}``    one session: timeline, notes, note form
``POST /athletes/{name}/upload``           one activity file (size-limited, validated)
``POST /athletes/{name}/sessions/{sid}/notes``  pain before / after, RPE, adverse event,
                                           a coach's clearance, text
``GET /static/vega.js``                    Vega, Vega-Lite and Vega-Embed
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from stridecheck.errors import InputError, StrideCheckError
from stridecheck.i18n import Lang, get_lang
from stridecheck.report.build import athlete_data_from_store, store_athletes
from stridecheck.report.charts import vega_bundle
from stridecheck.report.model import AthleteReportData
from stridecheck.report.render import TEMPLATE_DIR as REPORT_TEMPLATES
from stridecheck.report.render import ChartSink, chart_globals, make_environment
from stridecheck.store import Store
from stridecheck.store.repository import note_problem
from stridecheck.web import security

if TYPE_CHECKING:
    from stridecheck.importer import Rejection

__all__ = ["MAX_UPLOAD_BYTES", "WebConfig", "create_app"]

#: Largest activity file accepted by an upload. [byte]
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
#: Room for the multipart envelope and the other form fields. [byte]
_ENVELOPE_BYTES = 64 * 1024
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class WebConfig:
    """Settings of one dashboard.

    Attributes
    ----------
    db
        The store database file.
    lang
        ``"en"`` or ``"de"``.
    token
        Access token every route requires (``None``: none, loopback only).
    secret
        Key of the CSRF signatures.
    max_upload_bytes
        Largest accepted upload. [byte]
    """

    db: Path
    lang: str = "en"
    token: str | None = None
    secret: str = ""
    max_upload_bytes: int = MAX_UPLOAD_BYTES


def _optional_float(value: Any, name: str, lang: Lang) -> float | None:
    """A form field as a finite number (``None`` when empty); ``1e309``, ``nan`` are refused."""
    text = str(value or "").strip().replace(",", ".")
    if not text:
        return None
    shown = text if len(text) <= 40 else text[:40] + "..."
    try:
        number = float(text)
    except ValueError as exc:
        raise InputError(name, lang.gettext("not a number: %(text)s") % {"text": shown}) from exc
    if not math.isfinite(number):
        raise InputError(name, lang.gettext("not a number: %(text)s") % {"text": shown})
    return number


def _optional_int(value: Any, name: str, lang: Lang) -> int | None:
    number = _optional_float(value, name, lang)
    if number is None:
        return None
    if number != int(number):
        shown = str(value)[:40]
        raise InputError(name, lang.gettext("give a whole number, not %(text)s") % {"text": shown})
    return int(number)


def _check_note(
    pain_before: float | None, pain_after: float | None, rpe: int | None, text: str, lang: Lang
) -> None:
    """Refuse note values out of range, in the dashboard's language (the store checks again).

    The rules are :func:`~stridecheck.store.repository.note_problem`'s.
    """
    problem = note_problem(pain_before, pain_after, rpe, text)
    if problem is None:
        return
    _ = lang.gettext
    field_name, value = problem
    if field_name == "rpe":
        raise InputError(
            _("RPE"), _("RPE is 6-20 on the Borg scale, not %(value)s") % {"value": value}
        )
    if field_name == "empty" or value is None:
        raise InputError(_("Note"), _("give pain, RPE or a text"))
    label = _("Pain before") if field_name == "pain_before" else _("Pain after")
    raise InputError(
        label,
        _("pain is 0-100 on the visual analogue scale, not %(value)s")
        % {"value": lang.number(value, 1)},
    )


def _flash(request: Request, lang: Lang) -> str | None:
    """The confirmation to show after a redirect (from a fixed set of messages)."""
    uploaded = request.query_params.get("uploaded")
    if uploaded:
        return lang.gettext("%(file)s uploaded.") % {"file": Path(uploaded).name[:200]}
    if request.query_params.get("saved") == "note":
        return lang.gettext("Note saved.")
    return None


def create_app(config: WebConfig) -> FastAPI:
    """The dashboard application for one store (see module docs)."""
    secret = config.secret or security.new_secret()
    lang: Lang = get_lang(config.lang)
    env = make_environment(lang, extra_dirs=(TEMPLATE_DIR,))
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    _ = lang.gettext

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.query_params.get("token") or request.cookies.get(security.TOKEN_COOKIE)
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        if config.token is None and not security.host_is_loopback(request.headers.get("host")):
            # no token: only pages this machine asked for by a loopback name (DNS rebinding)
            return HTMLResponse(_("Refused: unexpected host name."), status_code=400)
        if not security.token_valid(config.token, given):
            return HTMLResponse(
                _("Access denied: open the address with the token 'stridecheck serve' printed."),
                status_code=401,
            )
        nonce = request.cookies.get(security.CSRF_COOKIE)
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        if unsafe and not security.origin_matches(
            request.headers.get("origin"), request.headers.get("host")
        ):
            return HTMLResponse(_("Refused: the form came from another site."), 403)
        request.state.nonce = nonce or security.new_secret()
        response = await call_next(request)
        if nonce is None:
            response.set_cookie(
                security.CSRF_COOKIE, request.state.nonce, httponly=True, samesite="strict"
            )
        if config.token is not None and request.query_params.get("token"):
            response.set_cookie(
                security.TOKEN_COOKIE, config.token, httponly=True, samesite="strict"
            )
        return response

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        sink = ChartSink(interactive=True)
        nonce = request.state.nonce
        html = env.get_template(template).render(
            csrf_field=security.CSRF_FIELD,
            csrf_value=security.csrf_form_value(secret, nonce),
            css=Markup((REPORT_TEMPLATES / "_style.css").read_text(encoding="utf-8")),
            quote=lambda text: quote(str(text), safe=""),
            flash=_flash(request, lang),
            **chart_globals(sink, lang),
            **context,
        )
        if sink.specs:
            html = html.replace(
                '<script type="application/json" id="chart-specs"></script>',
                '<script type="application/json" id="chart-specs">'
                + str(sink.specs_json())
                + "</script>",
                1,
            )
        return HTMLResponse(html, status_code=status)

    def message(request: Request, text: str, status: int, back: str) -> HTMLResponse:
        return page(request, "web_message.html", status=status, text=text, back=back)

    def athlete_data(name: str) -> AthleteReportData:
        with Store.open(config.db) as store:
            return athlete_data_from_store(store, name)

    def problem(name: str, exc: StrideCheckError, session_id: str | None = None) -> str:
        """What is wrong with a request for this athlete (and session), in the language."""
        with Store.open(config.db) as store:
            try:
                person = store.athlete(name)
            except StrideCheckError:
                return _("No such athlete: %(name)s.") % {"name": name}
            enrolment = store.current_enrolment(person.id)
            if enrolment is None:
                return _(
                    "%(name)s is not enrolled in a program yet: use 'stridecheck enroll'."
                ) % {"name": person.name}
            if session_id is not None and session_id not in enrolment.program().session_ids:
                return _("No such session.")
        return str(exc)

    def csrf_ok(request: Request, form: Any) -> bool:
        return security.csrf_valid(
            secret, request.cookies.get(security.CSRF_COOKIE), form.get(security.CSRF_FIELD)
        )

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        athletes: list[AthleteReportData] = []
        unavailable: list[tuple[str, str]] = []
        with Store.open(config.db) as store:
            names = store_athletes(store)
            others = [r for r in store.athletes_summary() if not r["program"]]
            for name in names:
                try:
                    athletes.append(athlete_data_from_store(store, name))
                except StrideCheckError as exc:
                    # one athlete's stored data must not take the whole page down
                    unavailable.append((name, str(exc)))
        return page(
            request,
            "web_index.html",
            athletes=athletes,
            others=others,
            unavailable=unavailable,
        )

    @app.get("/athletes/{name}", response_class=HTMLResponse)
    def athlete_page(request: Request, name: str) -> HTMLResponse:
        try:
            data = athlete_data(name)
        except StrideCheckError as exc:
            return message(request, problem(name, exc), 404, "/")
        base = f"/athletes/{quote(name, safe='')}/sessions/"
        return page(
            request,
            "web_athlete.html",
            a=data,
            session_link=lambda s: base + quote(s.session_id, safe=""),
        )

    @app.get("/athletes/{name}/sessions/{session_id}", response_class=HTMLResponse)
    def session_page(request: Request, name: str, session_id: str) -> HTMLResponse:
        try:
            data = athlete_data(name)
            session = data.session(session_id)
        except StrideCheckError as exc:
            return message(request, problem(name, exc), 404, "/")
        except KeyError:
            return message(request, _("No such session."), 404, f"/athletes/{quote(name)}")
        return page(request, "web_session.html", a=data, s=session)

    def csrf_cookie_missing(request: Request) -> bool:
        """No CSRF cookie: the form cannot be valid, so the body is not even read."""
        return not request.cookies.get(security.CSRF_COOKIE)

    @app.post("/athletes/{name}/upload", response_class=HTMLResponse)
    async def upload(request: Request, name: str) -> Response:
        back = f"/athletes/{quote(name, safe='')}"
        expired = _("Refused: the form has expired; reload the page.")
        if csrf_cookie_missing(request):
            return message(request, expired, 403, back)
        body = await _bounded_body(request, config.max_upload_bytes + _ENVELOPE_BYTES)
        if body is None:
            return message(request, _("The file is too large."), 413, back)
        form = await _parse_form(request, body, max_files=1, max_fields=4)
        if form is None:
            return message(request, _("Choose an activity file to upload."), 400, back)
        if not csrf_ok(request, form):
            return message(request, expired, 403, back)
        item = form.get("file")
        if not isinstance(item, UploadFile) or not item.filename:
            return message(request, _("Choose an activity file to upload."), 400, back)
        data = await item.read(config.max_upload_bytes + 1)
        if len(data) > config.max_upload_bytes:
            return message(request, _("The file is too large."), 413, back)
        if not data:
            return message(request, _("The file is empty."), 400, back)
        label = Path(item.filename).name
        try:
            # hashing, reading and analysing take seconds: off the event loop
            ok, text = await run_in_threadpool(_store_upload, config.db, name, label, data, lang)
        except StrideCheckError as exc:
            return message(request, problem(name, exc), 404, "/")
        if not ok:
            return message(
                request, _("The file was not stored: %(reason)s") % {"reason": text}, 400, back
            )
        return RedirectResponse(f"{back}?uploaded={quote(text)}", status_code=303)

    @app.post("/athletes/{name}/sessions/{session_id}/notes", response_class=HTMLResponse)
    async def add_note(request: Request, name: str, session_id: str) -> Response:
        back = f"/athletes/{quote(name, safe='')}/sessions/{quote(session_id, safe='')}"
        expired = _("Refused: the form has expired; reload the page.")
        if csrf_cookie_missing(request):
            return message(request, expired, 403, back)
        body = await _bounded_body(request, _ENVELOPE_BYTES)
        if body is None:
            return message(
                request,
                _("The note was not saved: %(reason)s") % {"reason": _("the form is too large")},
                413,
                back,
            )
        form = await _parse_form(request, body, max_files=0, max_fields=9)
        if form is None or not csrf_ok(request, form):
            return message(request, expired, 403, back)
        try:
            pain_before = _optional_float(form.get("pain_before"), _("Pain before"), lang)
            pain_after = _optional_float(form.get("pain_after"), _("Pain after"), lang)
            rpe = _optional_int(form.get("rpe"), _("RPE"), lang)
            text = str(form.get("text") or "")[:2000]
            clearance = form.get("clearance") == "on"
            adverse = form.get("adverse") == "on"
            if clearance and adverse:
                raise InputError(
                    _("Note"), _("a note is either an adverse event or a clearance, not both")
                )
            if clearance and not text.strip():
                raise InputError(_("Note"), _("a clearance needs a text: who cleared it and why"))
            _check_note(pain_before, pain_after, rpe, text, lang)
        except StrideCheckError as exc:
            return message(
                request, _("The note was not saved: %(reason)s") % {"reason": str(exc)}, 400, back
            )
        try:
            with Store.open(config.db) as store:
                store.add_note(
                    name,
                    session_id,
                    pain_before=pain_before,
                    pain_after=pain_after,
                    rpe=rpe,
                    adverse_event=adverse,
                    text=text,
                    clearance=clearance,
                )
        except StrideCheckError as exc:
            reason = problem(name, exc, session_id)
            return message(
                request, _("The note was not saved: %(reason)s") % {"reason": reason}, 400, back
            )
        return RedirectResponse(f"{back}?saved=note", status_code=303)

    @app.get("/static/vega.js")
    def vega_js() -> Response:
        return Response(
            vega_bundle(),
            media_type="text/javascript",
            headers={"Cache-Control": "max-age=3600"},
        )

    return app


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The request body, read as it streams in; ``None`` once it exceeds ``limit`` bytes.

    A ``Content-Length`` over the limit is refused before reading; a chunked
    upload (no length) is counted while it arrives and dropped at the limit,
    so nothing larger is ever held or spooled to disk.
    """
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def _parse_form(
    request: Request, body: bytes, *, max_files: int, max_fields: int
) -> FormData | None:
    """Parse a form from a body already read (and bounded); ``None`` when it is malformed."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, replay).form(
            max_files=max_files, max_fields=max_fields
        )
    except (HTTPException, StarletteHTTPException, ValueError, KeyError):
        return None


def _rejection_text(refused: Rejection, lang: Lang) -> str:
    """Why a file was refused, led by a sentence in the dashboard's language.

    The reader's own reason (English, technical: byte offsets, element names)
    follows in parentheses, except for a file of no known format, where it
    would only say the lead again.
    """
    _ = lang.gettext
    if refused.kind == "format":
        return _("it is not a FIT, GPX or TCX file, nor one of those in .gz or .zip")
    leads = {
        "unsafe": _("it was refused as unsafe (%(detail)s)"),
        "container": _("the archive or compressed file cannot be used (%(detail)s)"),
        "empty": _("it holds no timed samples to analyse (%(detail)s)"),
        "unusable": _("it cannot be used as an activity (%(detail)s)"),
        "unreadable": _("it cannot be read (%(detail)s)"),
        "analysis": _("it could not be analysed (%(detail)s)"),
        "internal": _("an internal error stopped its analysis (%(detail)s)"),
    }
    return leads.get(refused.kind, "%(detail)s") % {"detail": refused.reason}


def _store_upload(db: Path, athlete: str, label: str, data: bytes, lang: Lang) -> tuple[bool, str]:
    """Validate, analyse and store one uploaded activity; ``(ok, message)``.

    Nothing is stored unless the file reads and analyses cleanly.
    """
    from stridecheck.importer import Rejection, content_sha256, prepare, rejection
    from stridecheck.io import sniff_format

    _ = lang.gettext
    if sniff_format(data) == "zip":
        return False, _(
            "upload one activity file (FIT, GPX or TCX); import archives with 'stridecheck import'"
        )
    try:
        sha = content_sha256(data, label)
    except StrideCheckError as exc:
        return False, _rejection_text(rejection(label, exc), lang)
    with Store.open(db) as store:
        person = store.athlete(athlete)
        if store.has_activity(sha):
            return False, _("this activity is already stored")
        enrolment = store.current_enrolment(person.id)
        program = enrolment.program() if enrolment is not None else None
        start = enrolment.start_date if enrolment is not None else None
        outcome = prepare(label, data, sha, program, start)
        if isinstance(outcome, Rejection):
            return False, _rejection_text(outcome, lang)
        new_id = store.add_activity(person.id, outcome.record, outcome.analysis, enrolment)
    if new_id is None:
        return False, _("this activity is already stored")
    return True, label
