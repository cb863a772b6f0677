"""The baseline of the page benchmarks: what a competent engineer would write to serve the same page
bare — an `async` Starlette endpoint (uvicorn, its own process) that, per request, checks the
session cookie, reads the page's rows from the database with plain SQL (the standard library's
sqlite3 on a read-only connection) and renders the same Jinja template.

    python bench/bare_page.py PORT PATH COOKIE        (PORTAL_DATABASE_URL: a sqlite:/// copy)

Per request, with no framework, middleware or ORM:
  * the session: the cookie's SHA-256 looked up with its user in one query, refused (401) when
    unknown or idle past the portal's limits;
  * the rows the page shows, one plain query each: for a matter page the matter, its materials,
    theme and department, the licence type names, the matter's review figures (an aggregate over
    its reviews) and its latest ten reviews with their tickets; for an application page the
    application (by number *and* the caller as applicant: the access check), its materials and
    events, its matter and materials, the department, the auto-approval outcome, the result
    document and its seal, the applicant's review with its ticket and appeal and the full names
    of the people in the timeline; for both, the caller's unread message count. JSON columns are
    decoded as a page would;
  * the render: the page's template, and the templates of the panels on it (reviews), each
    rendered anew.

The context the templates render is the one the portal's own page function gave for the same
path and cookie, captured once at start-up (see `capture`): the rows read per request are the rows
it was built from, so the bytes are the portal's (the benchmark checks their length). Mapping the
rows into that context again per request would add a few microseconds of dict building, not
measured here; the user's unread count is the one read per request.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jinja2
import uvicorn
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.core.clock import utc_now  # noqa: E402


def capture(path: str, cookie: str) -> tuple[str, dict, object, dict]:
    """The template name and context the portal's page function renders for PATH and COOKIE, and
    the panels rendered in it: slot -> [(template name, context)]."""
    from app.core import templating
    from app.core.db import session_factory
    from app.identity import deps
    from app.main import create_app

    portal = create_app()
    session = session_factory()()
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"cookie", cookie.encode()), (b"host", b"127.0.0.1")], "app": portal,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "scheme": "http", "root_path": "",
             "state": {}}
    request = Request(scope)
    deps._load(request, session)
    user = request.state.user
    seen: dict = {}
    panels: dict[str, list[tuple[str, dict]]] = {}
    original = templating.templates.TemplateResponse
    original_render = jinja2.Template.render
    recording: list[str] = []

    def keep(req, name, ctx, status_code=200, **kw):
        seen.update(name=name, ctx=ctx)
        return original(req, name, ctx, status_code=status_code, **kw)

    def record_render(self, *args, **kwargs):
        if recording:  # a template rendered by a panel function: keep its name and context
            panels.setdefault(recording[-1], []).append((self.name, dict(*args, **kwargs)))
        return original_render(self, *args, **kwargs)

    def recorded(slot, fn):
        def run(req, **kw):
            recording.append(slot)
            try:
                return fn(req, **kw)
            finally:
                recording.pop()
        return run

    saved_panels = {slot: list(fns) for slot, fns in templating.PANELS.items()}
    for slot, fns in templating.PANELS.items():
        fns[:] = [recorded(slot, fn) for fn in fns]
    templating.templates.TemplateResponse = keep
    jinja2.Template.render = record_render
    try:
        if path.startswith("/matters/"):
            from app.matters.pages import matter_page

            matter_page(path.split("/")[2], request, session, user)
        elif path.startswith("/applications/"):
            from app.services.applications.pages import application_page

            application_page(path.split("/")[2], request, session, user, reason=None, done="")
        else:
            raise SystemExit(f"no page function known for {path}")
    finally:
        templating.templates.TemplateResponse = original
        jinja2.Template.render = original_render
        for slot, fns in saved_panels.items():
            templating.PANELS[slot][:] = fns
    ctx = seen["ctx"]
    token, field = ctx["csrf_token"](), ctx["csrf_input"]()
    ctx["csrf_token"], ctx["csrf_input"] = (lambda: token), (lambda: field)
    return seen["name"], ctx, session, panels


class Reads:
    """The page's reads, in plain SQL on the standard library's driver."""

    def __init__(self, db_file: str, idle_minutes: int, absolute_hours: int):
        self.db = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.idle = timedelta(minutes=idle_minutes)
        self.absolute = timedelta(hours=absolute_hours)

    def one(self, sql: str, *args):
        return self.db.execute(sql, args).fetchone()

    def all(self, sql: str, *args):
        return self.db.execute(sql, args).fetchall()

    def user(self, raw: str | None):
        """The logged-in user behind a session cookie, or None."""
        if not raw or len(raw) > 100:
            return None
        row = self.one("SELECT s.created_at, s.last_seen_at, u.id, u.username, u.full_name, u.role, u.id_number, "
                       "u.active FROM web_session s JOIN user_account u ON u.id = s.user_id WHERE s.id = ?",
                       hashlib.sha256(raw.encode()).hexdigest())
        if row is None or not row["active"]:
            return None
        now = utc_now()
        if now - _utc(row["last_seen_at"]) > self.idle or now - _utc(row["created_at"]) > self.absolute:
            return None
        return row

    def unread(self, user_id: int) -> int:
        return self.one("SELECT count(*) FROM inbox_message WHERE user_id = ? AND read_at IS NULL", user_id)[0]

    def matter(self, code: str):
        m = self.one("SELECT m.*, t.name AS theme_name, t.name_en AS theme_name_en, d.name AS department_name, "
                     "d.name_en AS department_name_en FROM matter m JOIN theme t ON t.code = m.theme_code "
                     "JOIN department d ON d.code = m.department_code WHERE m.code = ?", code)
        if m is None:
            return None
        return {**dict(m), "keywords": json.loads(m["keywords"] or "[]"), "faq": json.loads(m["faq"] or "[]"),
                "materials": self.all("SELECT * FROM material WHERE matter_code = ? ORDER BY position", code)}

    def matter_page(self, code: str) -> bool:
        m = self.matter(code)
        if m is None:
            return False
        self.all("SELECT code, name, name_en FROM licence_type")
        self.one("SELECT count(*), sum(score >= 4), sum(score <= 2), sum(score) FROM review "
                 "WHERE matter_code = ? AND NOT excluded", code)
        self.all("SELECT r.*, t.answer, t.answered_at, t.status AS ticket_status FROM review r "
                 "LEFT JOIN rectification t ON t.review_id = r.id WHERE r.matter_code = ? AND NOT r.excluded "
                 "ORDER BY r.created_at DESC, r.id DESC LIMIT 10", code)
        return True

    def application_page(self, number: str, user_id: int) -> bool:
        app = self.one("SELECT * FROM application WHERE number = ? AND applicant_user_id = ?", number, user_id)
        if app is None:
            return False
        for column in ("form", "prefilled", "decision_reasons", "review_reasons"):
            json.loads(app[column] or "null")
        self.all("SELECT * FROM application_material WHERE application_id = ? ORDER BY position", app["id"])
        events = self.all("SELECT * FROM application_event WHERE application_id = ? ORDER BY id", app["id"])
        self.matter(app["matter_code"])
        self.one("SELECT name, name_en FROM department WHERE code = ?", app["department_code"])
        auto = self.one("SELECT outcome, reasons FROM approval_decision WHERE application_id = ?", app["id"])
        if auto is not None:
            json.loads(auto["reasons"] or "[]")
        if app["result_document_id"]:
            self.one("SELECT d.holder_key, s.owner_code FROM sealed_document d JOIN seal s ON s.id = d.seal_id "
                     "WHERE d.id = ?", app["result_document_id"])
        self.one("SELECT r.*, t.status AS ticket_status, t.answer, a.status AS appeal_status FROM review r "
                 "LEFT JOIN rectification t ON t.review_id = r.id LEFT JOIN review_appeal a ON a.review_id = r.id "
                 "WHERE r.application_id = ?", app["id"])
        actors = sorted({e["actor"] for e in events} | {app["decision_by"] or ""})
        self.all(f"SELECT username, full_name FROM user_account WHERE username IN ({','.join('?' * len(actors))})",
                 *actors)
        return True


def _utc(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def main() -> None:
    port, path, cookie = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    name, ctx, session, panels = capture(path, cookie)
    from app.core.config import get_settings
    from app.core.templating import env

    template = env.get_template(name)
    template.render(ctx)  # the first render loads what the template reads lazily
    for captured in panels.values():
        for n, c in captured:
            env.get_template(n).render(c)
    # Then let go of the database (on SQLite the open transaction would hold the write lock the
    # portal waits for); the objects stay loaded (expire_on_commit is off).
    session.commit()
    session.close()

    settings = get_settings()
    reads = Reads(settings.effective_database_url.split("///", 1)[1], settings.session_idle_minutes,
                  settings.session_absolute_hours)
    cookie_name, raw_cookie = cookie.split("=", 1)
    unread = {"n": 0}
    env.globals["inbox_unread"] = lambda request, user: unread["n"]  # the count read for this request
    env.globals["panels"] = lambda slot, request, **kw: Markup("").join(
        Markup(env.get_template(n).render(c)) for n, c in panels.get(slot, ()))
    kind, key = path.split("/")[1:3]

    async def page(request: Request):
        user = reads.user(request.cookies.get(cookie_name))
        if user is None:
            return PlainTextResponse("please log in", status_code=401)
        found = reads.matter_page(key) if kind == "matters" else reads.application_page(key, user["id"])
        if not found:
            return PlainTextResponse("not found", status_code=404)
        unread["n"] = reads.unread(user["id"])
        return HTMLResponse(template.render(ctx))

    app = Starlette(routes=[Route("/{path:path}", page)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
