"""The review desk web app: server-rendered pages over the desk store and the findings copy.

Every page needs a session; every form that changes something carries the session's CSRF
token; a user only ever sees or touches findings of their own branch (MKEK staff: all).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medsos_audit.review import auth, decisions, findings
from medsos_audit.review.i18n import LANGS, MONTHS, label, translator
from medsos_audit.review.source import DeskSource, SourceUnavailableError, source_path
from medsos_audit.review.store import open_store
from medsos_audit.review.vocab import DISMISS_REASONS, ESCALATE_TO, SANCTIONS, SUGGESTED_SANCTION
from medsos_audit.runs import utcnow
from medsos_audit.settings import SEVERITIES, Settings

log = logging.getLogger("medsos_audit.review")

SESSION_COOKIE = "medsos_session"
LOGIN_COOKIE = "medsos_login"
LANG_COOKIE = "medsos_lang"
_TEMPLATES = Path(__file__).parent / "templates"
_BACK = re.compile(r"^/queue(?:\?[A-Za-z0-9_=&%+.:-]*)?$")
_NEXT = re.compile(r"^/(?:queue|flags|rules|log)[A-Za-z0-9_/=&%+.:?-]*$")
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # "no-referrer" would make forms send Origin: null
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds the desk's security headers to every response (no script may run on any page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class Desk:
    """What the pages share: settings, the store, the findings source, templates, the clock."""

    settings: Settings
    source: DeskSource
    templates: jinja2.Environment
    clock: Callable[[], datetime]

    @contextmanager
    def store(self) -> Iterator[sqlite3.Connection]:
        con = open_store(self.settings.review_db)
        try:
            yield con
        finally:
            con.close()

    def fmt_time(self, moment: datetime | None, lang: str) -> str:
        """A UTC time as staff read it: '12 Nov 2026 11:10 WIB' in the pipeline's time zone."""
        if moment is None:
            return ""
        local = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(self.settings.tz))
        month = MONTHS[lang][local.month - 1]
        return f"{local.day} {month} {local.year} {local:%H:%M} {local.tzname()}"


def _lang(request: Request, desk: Desk) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return str(asked)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return str(cookie)
    return desk.settings.lang if desk.settings.lang in LANGS else "id"


def _lang_url(request: Request, lang: str) -> str:
    params = dict(request.query_params)
    params["lang"] = "en" if lang == "id" else "id"
    return f"{request.url.path}?{urlencode(params)}"


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def render(
    request: Request,
    template: str,
    status: int = 200,
    session: auth.Session | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page rendered with autoescaping; remembers a language chosen with ?lang=."""
    desk = _desk(request)
    lang = _lang(request, desk)
    source = desk.source
    page = desk.templates.get_template(template).render(
        request=request,
        lang=lang,
        t=translator(lang),
        label=lambda kind, code: label(lang, kind, code),
        when=lambda moment: desk.fmt_time(moment, lang),
        lang_url=_lang_url(request, lang),
        session=session,
        user=session.user if session else None,
        csrf=session.csrf_token if session else "",
        snapshot=context.pop("snapshot", None),
        stale=source.stale,
        **context,
    )
    response = HTMLResponse(page, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
        )
    return response


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _same_origin(request: Request) -> bool:
    """False when the browser says the form came from another site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


async def _session(request: Request) -> auth.Session | None:
    desk = _desk(request)
    token = request.cookies.get(SESSION_COOKIE)

    def load() -> auth.Session | None:
        with desk.store() as con:
            return auth.load_session(con, token, desk.clock())

    return await run_in_threadpool(load)


def _to_login(request: Request, expired: bool) -> RedirectResponse:
    params = {
        "next": str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    }
    if expired:
        params["expired"] = "1"
    response = RedirectResponse(f"/login?{urlencode(params)}", status_code=303)
    if expired:
        response.delete_cookie(SESSION_COOKIE)
    return response


async def _form_checked(request: Request, session: auth.Session) -> FormData:
    """The posted form, after the CSRF token and the origin are checked (403 otherwise)."""
    form = await request.form()
    token = str(form.get("csrf", ""))
    if not _same_origin(request) or not hmac.compare_digest(token, session.csrf_token):
        log.warning("form refused (csrf) user_id=%d path=%s", session.user.id, request.url.path)
        raise HTTPException(403, "csrf")
    return form


# --- pages ---------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    return RedirectResponse("/queue", status_code=303)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def login_page(request: Request) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        csrf_login=nonce,
        next=request.query_params.get("next", ""),
        expired=request.query_params.get("expired") == "1",
        error=None,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=_cookie_secure(request),
        max_age=3600,
    )
    return response


async def login_submit(request: Request) -> Response:
    desk = _desk(request)
    form = await request.form()
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    token = str(form.get("csrf", ""))
    if not cookie or not _same_origin(request) or not hmac.compare_digest(token, cookie):
        raise HTTPException(403, "csrf")
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:1024]
    nxt = str(form.get("next", ""))
    client = _client(request)

    def attempt() -> auth.LoginOutcome:
        with desk.store() as con:
            return auth.attempt_login(con, email, password, client, desk.clock())

    outcome = await run_in_threadpool(attempt)
    if outcome.ok:
        target = nxt if _NEXT.match(nxt) and not nxt.startswith("//") else "/queue"
        redirect = RedirectResponse(target, status_code=303)
        redirect.set_cookie(
            SESSION_COOKIE,
            outcome.token or "",
            httponly=True,
            samesite="lax",
            secure=_cookie_secure(request),
        )
        redirect.delete_cookie(LOGIN_COOKIE)
        return redirect
    t = translator(_lang(request, desk))
    if outcome.throttled_for is not None:
        minutes = max(1, int(outcome.throttled_for.total_seconds() // 60) + 1)
        error, status = t("login.throttled", minutes=minutes), 429
    else:
        error, status = t("login.failed"), 401
    nonce = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        csrf_login=nonce,
        next=nxt if _NEXT.match(nxt) else "",
        expired=False,
        error=error,
        email=email,
    )
    response.set_cookie(
        LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=_cookie_secure(request)
    )
    return response


async def logout(request: Request) -> Response:
    desk = _desk(request)
    session = await _session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    await _form_checked(request, session)
    token = request.cookies.get(SESSION_COOKIE, "")

    def end() -> None:
        with desk.store() as con:
            auth.end_session(con, token)

    await run_in_threadpool(end)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


async def queue(request: Request) -> Response:
    desk = _desk(request)
    session = await _session(request)
    if session is None:
        return _to_login(request, expired=SESSION_COOKIE in request.cookies)
    filters = findings.Filters.parse(request.query_params)

    def build() -> dict[str, Any]:
        snap = desk.source.current()
        with desk.store() as con:
            page = findings.queue_page(snap, con, session.user, filters)
        return {"page": page, "weeks": findings.weeks(snap, session.user), "snapshot": snap}

    context = await run_in_threadpool(build)
    saved = request.query_params.get("saved")
    saved_check, _, saved_subject = request.query_params.get("flag", "").partition("/")
    return render(
        request,
        "queue.html",
        session=session,
        filters=filters,
        checks=findings.CHECK_NAMES,
        severities=SEVERITIES,
        states=findings.STATES,
        saved=saved if saved in decisions.TO_STATE else None,
        saved_check=saved_check,
        saved_subject=saved_subject,
        back=_queue_url(filters),
        **context,
    )


def _queue_url(filters: findings.Filters, **changes: Any) -> str:
    return "/queue?" + urlencode(filters.query(**changes))


def _flag_ref(item: findings.Item) -> decisions.FlagRef:
    return decisions.FlagRef(
        subject_key=item.subject_key,
        shortcode=item.shortcode,
        owner_id=item.owner_id,
        check_name=item.check_name,
        npa=item.npa,
        branch=item.branch,
        rule_ids=item.rule_ids,
    )


def _flag_context(
    desk: Desk, session: auth.Session, check_name: str, subject: str
) -> dict[str, Any]:
    snap = desk.source.current()
    with desk.store() as con:
        item = findings.find_item(snap, con, session.user, check_name, subject)
        if item is None:
            # Unknown and out-of-branch findings look the same: nothing tells them apart.
            raise HTTPException(404)
        history = decisions.flag_history(con, item.subject_key, item.check_name)
        doctor = (
            decisions.doctor_history(con, item.npa, exclude=(item.subject_key, item.check_name))
            if item.npa
            else []
        )
    doctor = [r for r in doctor if session.user.sees(r["branch"])]
    return {
        "item": item,
        "history": history,
        "doctor": doctor,
        "actions": decisions.allowed_actions(session.user, item.state),
        "snapshot": snap,
    }


async def flag_page(request: Request) -> Response:
    desk = _desk(request)
    session = await _session(request)
    if session is None:
        return _to_login(request, expired=SESSION_COOKIE in request.cookies)
    check_name = request.path_params["check"]
    subject = request.path_params["subject"]
    context = await run_in_threadpool(_flag_context, desk, session, check_name, subject)
    back = request.query_params.get("back", "")
    return render(
        request,
        "flag.html",
        session=session,
        back=back if _BACK.match(back) else "/queue",
        error=None,
        **_form_lists(),
        **context,
    )


def _form_lists() -> dict[str, Any]:
    return {
        "severities": SEVERITIES,
        "sanctions": SANCTIONS,
        "suggested": SUGGESTED_SANCTION,
        "reasons": DISMISS_REASONS,
        "escalate_to": ESCALATE_TO,
    }


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return str(value) if value not in (None, "") else None


async def flag_decide(request: Request) -> Response:
    desk = _desk(request)
    session = await _session(request)
    if session is None:
        raise HTTPException(403, "login")
    form = await _form_checked(request, session)
    check_name = request.path_params["check"]
    subject = request.path_params["subject"]
    decision = decisions.DecisionInput(
        action=str(form.get("action", "")),
        expected_state=str(form.get("state", "")),
        severity=_field(form, "severity"),
        sanction=_field(form, "sanction"),
        dismiss_reason=_field(form, "reason"),
        escalate_to=_field(form, "escalate_to"),
        note=_field(form, "note"),
    )
    back = str(form.get("back", ""))
    back = back if _BACK.match(back) else "/queue"

    def decide() -> dict[str, Any] | str:
        snap = desk.source.current()
        with desk.store() as con:
            item = findings.find_item(snap, con, session.user, check_name, subject)
            if item is None:
                raise HTTPException(404)
            try:
                decisions.record_decision(
                    con, session.user, _flag_ref(item), decision, desk.clock()
                )
            except decisions.DecisionForbiddenError as exc:
                raise HTTPException(403, "role") from exc
            except decisions.DecisionError as exc:
                return "invalid:" + ", ".join(exc.fields)
            except decisions.DecisionConflictError as exc:
                return "conflict:" + exc.state
        return "ok"

    outcome = await run_in_threadpool(decide)
    if outcome == "ok":
        sep = "&" if "?" in back else "?"
        flag = urlencode({"saved": decision.action, "flag": f"{check_name}/{subject}"})
        return RedirectResponse(f"{back}{sep}{flag}", status_code=303)
    assert isinstance(outcome, str)
    kind, _, detail = outcome.partition(":")
    context = await run_in_threadpool(_flag_context, desk, session, check_name, subject)
    t = translator(_lang(request, desk))
    if kind == "invalid":
        error, status = t("err.invalid", what=detail), 400
    else:
        error, status = t("err.conflict", state=label(_lang(request, desk), "state", detail)), 409
    return render(
        request,
        "flag.html",
        status=status,
        session=session,
        back=back,
        error=error,
        form=decision,
        **_form_lists(),
        **context,
    )


async def rules_page(request: Request) -> Response:
    desk = _desk(request)
    session = await _session(request)
    if session is None:
        return _to_login(request, expired=SESSION_COOKIE in request.cookies)

    def build() -> dict[str, Any]:
        snap = desk.source.current()
        with desk.store() as con:
            return {"rows": findings.rule_quality(snap, con, session.user), "snapshot": snap}

    context = await run_in_threadpool(build)
    return render(request, "rules.html", session=session, **context)


async def log_page(request: Request) -> Response:
    desk = _desk(request)
    session = await _session(request)
    if session is None:
        return _to_login(request, expired=SESSION_COOKIE in request.cookies)
    if not session.user.is_admin:
        raise HTTPException(403, "role")
    try:
        before = int(request.query_params.get("before", "0")) or None
    except ValueError:
        before = None

    def build() -> list[dict[str, Any]]:
        with desk.store() as con:
            return decisions.log_rows(
                con.execute(
                    "SELECT * FROM review_log WHERE (? IS NULL OR branch = ?) "
                    "AND (? IS NULL OR seq < ?) ORDER BY seq DESC LIMIT 100",
                    [session.user.branch, session.user.branch, before, before],
                ).fetchall()
            )

    rows = await run_in_threadpool(build)
    return render(request, "log.html", session=session, rows=rows)


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else ""
    key = {
        403: "err.csrf" if detail == "csrf" else "err.forbidden",
        404: "err.not_found",
        405: "err.not_found",
    }.get(status, "err.title")
    session = await _session(request)
    return render(request, "error.html", status=status, session=session, message_key=key)


async def unavailable(request: Request, exc: Exception) -> Response:
    session = await _session(request)
    return render(request, "error.html", status=503, session=session, message_key="err.unavailable")


def create_app(
    settings: Settings,
    *,
    refresh_interval: float = 5.0,
    clock: Callable[[], datetime] = utcnow,
) -> Starlette:
    """The desk as an ASGI app (served by ``medsos-audit serve``; tests drive it directly)."""
    open_store(settings.review_db).close()  # create the store (0600) before the first request
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,  # every value is escaped, whatever the template's file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.globals["queue_url"] = _queue_url
    templates.filters["urlencode_dict"] = urlencode
    desk = Desk(
        settings=settings,
        source=DeskSource(lambda: source_path(settings), min_interval=refresh_interval),
        templates=templates,
        clock=clock,
    )
    routes = [
        Route("/", home),
        Route("/healthz", healthz),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/queue", queue),
        Route("/flags/{check}/{subject}", flag_page, methods=["GET"]),
        Route("/flags/{check}/{subject}", flag_decide, methods=["POST"]),
        Route("/rules", rules_page),
        Route("/log", log_page),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        desk.source.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: http_error, SourceUnavailableError: unavailable},
        max_body_size=64 * 1024,
    )
    app.state.desk = desk
    return app
