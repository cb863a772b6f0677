"""The baseline of the page benchmarks: the same template rendered with the same data by bare Jinja
under an `async` Starlette endpoint (uvicorn, its own process), as a competent engineer would serve
a page whose data is already at hand.

    python bench/bare_page.py PORT PATH COOKIE

At start-up it asks the portal's own page function once for PATH (with the same session cookie, on
the same database) and keeps the template name and the context it rendered with, the ORM objects
loaded; the callables that would touch the database per render (the CSRF token, the panels other
domains add) are replaced by the values they gave. Every request then only renders that template
with that context: no database, no authentication, no middleware.
"""
from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def capture(path: str, cookie: str) -> tuple[str, dict, object]:
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
    original = templating.templates.TemplateResponse

    def keep(req, name, ctx, status_code=200, **kw):
        seen.update(name=name, ctx=ctx)
        return original(req, name, ctx, status_code=status_code, **kw)

    templating.templates.TemplateResponse = keep
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
    ctx = seen["ctx"]
    token, field = ctx["csrf_token"](), ctx["csrf_input"]()
    ctx["csrf_token"], ctx["csrf_input"] = (lambda: token), (lambda: field)
    rendered: dict[str, Markup] = {}
    panels = templating.env.globals["panels"]

    def same_panels(slot, req, **kw):
        if slot not in rendered:
            rendered[slot] = panels(slot, req, **kw)
        return rendered[slot]

    templating.env.globals["panels"] = same_panels
    return seen["name"], ctx, session


def main() -> None:
    port, path, cookie = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    name, ctx, session = capture(path, cookie)
    from app.core.templating import env

    template = env.get_template(name)
    template.render(ctx)  # the first render loads what the template reads lazily
    # Then let go of the database (on SQLite the open transaction would hold the write lock the
    # portal waits for); the objects stay loaded (expire_on_commit is off).
    session.commit()
    session.close()

    async def page(request):
        return HTMLResponse(template.render(ctx))

    app = Starlette(routes=[Route("/{path:path}", page)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
