"""Jinja2 pages: every template gets _(), pick(), the user, the locale and a CSRF field."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from app.core.config import PROJECT_ROOT
from app.core.i18n import get_locale, gettext, pick
from app.identity.validation import mask_id
from app.matters.data_sources import source_name

TEMPLATE_DIR = PROJECT_ROOT / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
env = templates.env
env.globals.update(_=gettext, pick=pick, mask_id=mask_id, quote=quote, source_name=source_name)
def _dict_merge(d: dict, **kw) -> dict:
    return {**d, **kw}


env.filters["dict_merge"] = _dict_merge
env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}


def csrf_token(request: Request) -> str:
    from app.identity.deps import ensure_web_session

    return ensure_web_session(request).csrf_token


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
    ctx["current_path"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
