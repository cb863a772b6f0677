"""Jinja2 pages: every template gets _(), pick(), the user, the locale and a CSRF field.

Domain helpers (template globals, the CSRF token's source) are registered by the app at start-up
(`register`), so that core imports nothing above it."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from app.core.clock import CHINA_TZ
from app.core.config import PROJECT_ROOT, get_settings
from app.core.i18n import get_locale, gettext, pick

TEMPLATE_DIR = PROJECT_ROOT / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
env = templates.env
# A compiled template is checked against its file (a stat per template and render) only in
# development, where templates are edited while the server runs; elsewhere it is compiled once.
env.auto_reload = get_settings().reload_templates
env.globals.update(_=gettext, pick=pick, quote=quote)
_csrf_source: Callable[[Request], str] | None = None
ELDER_COOKIE = "elder"  # 长者版: "1" on, "0" chosen off


def register(*, csrf_token: Callable[[Request], str], **template_globals) -> None:
    """Called once by the app: where CSRF tokens come from, and the domains' template helpers."""
    global _csrf_source
    _csrf_source = csrf_token
    env.globals.update(template_globals)


def current_path(scope) -> str:
    """The request's path and query as `request.url` would give them (its path escaped the same way;
    a query that is not UTF-8 is replaced, not an error), without building the URL (host, scheme,
    parsing) on every render."""
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = scope.get("query_string", b"")
    return f"{path}?{query.decode('utf-8', 'replace')}" if query else path


def _dict_merge(d: dict, **kw) -> dict:
    return {**d, **kw}


env.filters["dict_merge"] = _dict_merge


def _china(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as a person reads it: China time, the zone named."""
    return f"{dt.astimezone(CHINA_TZ).strftime(fmt)} {gettext('北京时间')}" if dt else ""


env.filters["china"] = _china

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def proper(text: object) -> Markup:
    """A proper name or an address (a person, an organisation without an English name, a street),
    shown as written: marked so that the language check of English pages knows it is a name, and
    with lang="zh-CN" when it is Chinese, so that a screen reader reads it as Chinese."""
    value = "" if text is None else str(text)
    lang = ' lang="zh-CN"' if _CJK.search(value) else ""
    return Markup(f'<span data-proper-name{lang}>{escape(value)}</span>')


def user_text(text: object) -> Markup:
    """What a person typed (a form answer, a reviewer's reason): shown verbatim, in the language
    it was written in, and marked as such for the language check of English pages."""
    value = "" if text is None else str(text)
    lang = ' lang="zh-CN"' if _CJK.search(value) else ""
    return Markup(f'<span data-user-text{lang}>{escape(value)}</span>')


env.globals.update(proper=proper, user_text=user_text)
env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}


# Panels a higher domain adds to a lower domain's page (e.g. reviews on the application page), so
# that the lower domain never imports the higher one: slot -> [fn(request, **context) -> Markup].
PANELS: dict[str, list[Callable[..., Markup]]] = {}


def register_panel(slot: str, fn: Callable[..., Markup]) -> None:
    if fn not in PANELS.setdefault(slot, []):
        PANELS[slot].append(fn)


def _panels(slot: str, request: Request, **context) -> Markup:
    return Markup("").join(fn(request, **context) for fn in PANELS.get(slot, []))


env.globals["panels"] = _panels


def precompile() -> int:
    """Compile every template now (start-up), so that no request pays for a first compile."""
    names = env.list_templates(extensions=("html",))
    for name in names:
        env.get_template(name)
    return len(names)


def csrf_token(request: Request) -> str:
    if _csrf_source is None:
        raise RuntimeError("templating.register() was not called (see app.main.create_app)")
    return _csrf_source(request)


def render(request: Request, name: str, context: dict | None = None, status_code: int = 200):
    """Render templates/NAME with the common context."""
    ctx = dict(context or {})
    ctx.setdefault("user", getattr(request.state, "user", None))
    ctx.setdefault("acting_person", getattr(request.state, "acting_person", None))
    ctx["request"] = request
    ctx["locale"] = get_locale()
    ctx["csrf_input"] = lambda: Markup(
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token(request))}">')
    ctx["csrf_token"] = lambda: csrf_token(request)
    ctx["elder"] = request.cookies.get(ELDER_COOKIE) == "1"
    ctx["elder_chosen"] = ELDER_COOKIE in request.cookies
    ctx["current_path"] = current_path(request.scope)
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
