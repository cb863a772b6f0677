"""create_app(): routers, middleware, error handlers."""
from __future__ import annotations

import importlib
import inspect
import logging
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.body_limit import BodyLimitMiddleware
from app.core.config import PROJECT_ROOT, get_settings
from app.core.db import SessionDep, finishing, lost_race, request_slots, too_busy
from app.core.errors import PortalError
from app.core.i18n import _, bilingual
from app.core.logging import configure_logging
from app.core import route_index
from app.core.middleware import PortalMiddleware
from app.identity.deps import SESSION_COOKIE
from app.matters import cache

log = logging.getLogger("portal")

# Routers in the order they are mounted; each module exposes `router`.
ROUTER_MODULES = [
    "app.identity.api", "app.identity.pages", "app.identity.admin",
    "app.matters.api", "app.matters.pages", "app.matters.help_pages",
    "app.matters.consultation.api", "app.matters.consultation.pages",
    "app.services.seals.api", "app.services.seals.pages", "app.services.seals.pki", "app.services.datahub.pages",
    "app.services.applications.api", "app.services.applications.pages",
    "app.services.applications.bundle_api", "app.services.applications.bundle_pages",
    "app.services.applications.enterprise_pages",
    "app.services.approval.api", "app.services.approval.pages",
    "app.services.decision_api", "app.services.decision_pages",
    "app.services.window.api", "app.services.window_pages",
    "app.evaluation.api", "app.evaluation.pages", "app.simulation.pages",
    "app.services.proactive.api", "app.services.proactive.pages", "app.kiosk.pages",
]

ERROR_TITLES = {
    400: ("请求有误", "Bad request"), 401: ("请先登录", "Please log in"), 403: ("无权访问", "Access denied"),
    404: ("页面不存在", "Page not found"), 405: ("不支持的操作", "Method not allowed"),
    409: ("操作冲突", "Conflict"), 413: ("文件过大", "File too large"), 415: ("文件类型不支持", "Unsupported file type"),
    422: ("填写有误", "Please check your input"), 429: ("操作过于频繁", "Too many requests"),
    500: ("系统繁忙", "Something went wrong"), 503: ("系统繁忙", "Busy, please retry"),
}
# Why, in plain words, beside the technical detail.
ERROR_HINTS = {
    403: ("您的账号没有办理此事项的权限。如果您认为这是误会，请联系您所在单位的系统管理员，或拨打 12345 热线。",
          "Your account is not allowed to do this. If you think this is a mistake, ask your organisation's "
          "administrator or call the 12345 hotline."),
    404: ("您要找的页面不存在，可能是链接有误或页面已移动。", "The page you asked for does not exist: the link "
          "may be wrong or the page may have moved."),
    500: ("系统暂时出了问题，您填写的内容没有保存。请稍后再试。", "Something went wrong on our side and nothing "
          "was saved. Please try again later."),
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/readyz")


def _error_response(request: Request, status: int, code: str, detail: str, fields: dict | None = None):
    if _wants_json(request):
        body = {"error": code, "detail": detail}
        if fields:
            body["fields"] = fields
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    from app.core.templating import render
    from app.identity.deps import reload_identity
    from app.identity.homes import role_home

    try:
        # The request's own session is closed by now (or, for an unknown path, was never opened):
        # the page loads who is asking on a read session of its own, so the header still shows them.
        with reload_identity(request) as user:
            return render(request, "error/page.html", {
                "status": status, "detail": bilingual(detail), "hint": ERROR_HINTS.get(status),
                "titles": ERROR_TITLES.get(status, ERROR_TITLES[400]),
                "home": role_home(user, request.app) if user else "/"}, status_code=status)
    except Exception:  # the error page itself must never fail
        log.exception("error page failed")
        return HTMLResponse(f"<h1>{status}</h1><p>{detail}</p>", status_code=status)


def _include_routers(app: FastAPI) -> None:
    for name in ROUTER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name and name.startswith(e.name):
                continue  # that domain is not built yet
            raise
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)


def _finish_sessions_in_handlers(app: FastAPI) -> int:
    """Every sync handler ends the request's unit of work in its own thread when it returns its
    response (db.finishing): no further trips through the thread pool for the commit and close.
    Returns how many handlers were wrapped."""
    wrapped = 0
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for target in (contexts() if contexts is not None else [route]):
            dependant = getattr(target, "dependant", None)
            call = getattr(dependant, "call", None)
            if call is None or inspect.iscoroutinefunction(call) or inspect.isgeneratorfunction(call) \
                    or inspect.isasyncgenfunction(call):
                continue
            dependant.call = finishing(call)
            wrapped += 1
    return wrapped


def _register_hooks() -> None:
    """What a lower layer needs from a higher one, handed to it here (imports point down)."""
    from app.core import templating
    from app.identity.deps import ensure_web_session
    from app.identity.homes import role_home
    from app.identity.validation import is_senior, mask_id
    from app.matters.data_sources import source_name
    from app.services import flows

    templating.register(csrf_token=lambda request: ensure_web_session(request).csrf_token,
                        mask_id=mask_id, source_name=source_name,
                        role_home=lambda request, user: role_home(user, request.app), is_senior=is_senior)
    flows.register()  # the auto-approval after every submit (applications does not import the flows)
    from app.identity import service as identity_service
    from app.services.applications.service import unread_subquery

    # the header's unread count, read with the caller in one query (see applications.pages._inbox_unread)
    identity_service.register_caller_extra("inbox_unread", unread_subquery)


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Size the thread pools, and build what the first requests would otherwise pay for — the
    consultation index (jieba, ~1 s), the templates and the CJK font of sealed PDFs — before the
    server accepts a connection (it listens once this startup returns). Built in background threads
    beside the first requests, those ~2 s of CPU made the requests of the first seconds 10–40 times
    slower (a consultation question 20–40 ms instead of 1–2 ms).
    At shutdown, write out the consultation log still queued."""
    from app.core import templating
    from app.matters.consultation import engine, query_log
    from app.services.seals import fonts

    settings = get_settings()
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
    app.state.edge_limiter = anyio.CapacityLimiter(settings.edge_threads)
    app.state.db_slots = anyio.Semaphore(request_slots(), fast_acquire=True)  # no extra turn of the loop when free
    def warm_up() -> None:
        engine.get_index()
        templating.precompile()
        fonts.warm_up()

    await anyio.to_thread.run_sync(warm_up)
    yield
    await anyio.to_thread.run_sync(query_log.writer.flush)


ERROR_BODY = {
    "title": "Error",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "machine-readable code, e.g. validation_failed"},
        "detail": {"type": "string", "description": "the message, in the request's language"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "per-field messages, for validation errors"},
    },
}


def _document_error_body(app: FastAPI) -> None:
    """The served schema says what a 422 really is: the portal's error body (see the validation
    handler), not FastAPI's default list of errors."""
    from fastapi.openapi.utils import get_openapi

    def openapi():
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            components = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in components:
                components["HTTPValidationError"] = dict(ERROR_BODY, title="HTTPValidationError")
                components.pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    from app.services.seals import audit_timestamps

    audit_timestamps.register()  # core's audit checkpoints are timestamped by the seals TSA
    app = PortalApp(title="一网通办 One-network service portal", version="0.1.0", docs_url=None,
                  redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.mount("/static", StaticFiles(directory=str(PROJECT_ROOT / "static")), name="static")

    # Plain `def` handlers run in the thread pool: an error page reads who is asking from the database.
    @app.exception_handler(PortalError)
    def portal_error(request: Request, exc: PortalError):
        return _error_response(request, exc.status_code, exc.code, exc.message, exc.fields)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError):
        fields = {".".join(str(p) for p in e["loc"][1:]) or "body": e["msg"] for e in exc.errors()}
        return _error_response(request, 422, "validation_failed", "请求参数有误 / invalid request parameters",
                               fields)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404:
            detail = "找不到该页面或资源 / Not found"
        return _error_response(request, exc.status_code, code, detail)

    @app.exception_handler(SQLAlchemyError)
    def database_error(request: Request, exc: SQLAlchemyError):
        if lost_race(exc):  # a concurrent request changed the same rows first
            return _error_response(request, 409, "conflict", _("该记录刚被他人修改，请刷新后重试"))
        if too_busy(exc):  # rolled back, nothing kept: a clear, retryable answer rather than a 500
            log.warning("database busy: %s", type(exc).__name__)
            response = _error_response(request, 503, "busy", _("系统繁忙，未保存任何内容，请稍后重试"))
            response.headers["Retry-After"] = "2"
            return response
        log.error("database error", exc_info=exc)
        return _error_response(request, 500, "internal_error", "系统繁忙，请稍后再试 / Internal error, please retry")

    @app.exception_handler(Exception)
    def unhandled(request: Request, exc: Exception):
        log.exception("unhandled error")
        return _error_response(request, 500, "internal_error", "系统繁忙，请稍后再试 / Internal error, please retry")

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(session: SessionDep):
        from app.core import migrate

        try:
            conn = session.connection()
            conn.execute(text("SELECT 1"))
            if migrate.pending(conn):
                return JSONResponse({"status": "not_ready", "detail": "database is not migrated to head"}, 503)
        except Exception as e:  # unreachable database
            return JSONResponse({"status": "not_ready", "detail": f"database unreachable: {type(e).__name__}"}, 503)
        return {"status": "ready"}

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="一网通办 API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

    _register_hooks()
    _include_routers(app)
    _document_error_body(app)
    app.add_middleware(BodyLimitMiddleware,
                       respond=lambda request, detail: _error_response(request, 413, "too_large", detail))
    _finish_sessions_in_handlers(app)
    route_index.install(app)
    return app


class PortalApp(FastAPI):
    """FastAPI with PortalMiddleware outside its whole stack: the locale and the security headers
    apply to every answer (a 413, a 500 from the server-error layer too), and the fast path
    (cached catalogue answers) goes out before any of FastAPI's middleware or routing."""

    def build_middleware_stack(self):
        return PortalMiddleware(super().build_middleware_stack(), session_cookie=SESSION_COOKIE,
                                fast_path=cache.cached_answer)
