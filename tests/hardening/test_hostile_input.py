"""Hostile input: malformed ids and numbers, oversized and deeply nested JSON, markup and SQL in
every text field, invalid UTF-8 — each answered with a clear 4xx (the error JSON of the API), and
nothing stored is lost or changed."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.core.config import get_settings
from app.matters.content import form_fields
from app.services.applications.models import Application
from tests.conftest import web_login
from tests.services.applications.helpers import create

MATTER = "temporary-assistance"
BAD_IDS = ["nope", "-1", "0", "9" * 40, "99999999999999999999999", "１２３", "%27%20OR%201%3D1--",
           "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E", "%E4%B8%AD" * 50, "a" * 4000, "%FF%FE"]
HOSTILE = ["<script>alert(1)</script>", "'; DROP TABLE application; --", "\" onmouseover=\"alert(1)",
           "{{ 7*7 }}{% raw %}", "../../etc/passwd", "Robert'); --\\", "\u202eevil\u200b", "𠀀𝄞 emoji 😀"]


def _api_error(r, *statuses):
    assert r.status_code in statuses, (r.status_code, r.text[:200])
    body = r.json()
    assert isinstance(body.get("error"), str) and body.get("detail"), body


def _count(db_session) -> int:
    return db_session.scalar(select(func.count(Application.id)))


@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_ids_in_api_paths_are_clear_4xx(client, auth, bad):
    h = auth("citizen-young")
    for path in (f"/api/v1/applications/{bad}", f"/api/v1/matters/{bad}",
                 f"/api/v1/applications/{bad}/materials/1", f"/api/v1/applications/XH20261130000001/materials/{bad}"):
        _api_error(client.get(path, headers=h), 400, 404, 422)
    _api_error(client.post(f"/api/v1/applications/{bad}/submit", headers=h), 400, 404, 422)


@pytest.mark.parametrize("bad", BAD_IDS[:6])
def test_malformed_ids_in_page_paths_are_4xx_pages(client, bad):
    web_login(client, "citizen-young")
    for path in (f"/applications/{bad}", f"/matters/{bad}"):
        r = client.get(path)
        assert 400 <= r.status_code < 500 and "text/html" in r.headers["content-type"], (path, r.status_code)


@pytest.mark.parametrize("query", ["offset=99999999999999999999", "offset=-1", "limit=0", "limit=1e3",
                                   "offset=18446744073709551616", "limit=abc", "offset=%00"])
def test_paging_beyond_range_is_422(client, auth, query):
    for path in ("/api/v1/applications", "/api/v1/matters", "/api/v1/me/inbox"):
        r = client.get(f"{path}?{query}", headers=auth("citizen-young"))
        _api_error(r, 422)


def test_oversized_json_is_413_and_keeps_nothing(client, auth, db_session):
    before = _count(db_session)
    cap = get_settings().max_request_bytes
    body = json.dumps({"matter_code": MATTER, "form": {"hardship_reason": "困" * cap}})
    r = client.post("/api/v1/applications", content=body, headers={**auth("citizen-young"),
                                                                    "Content-Type": "application/json"})
    _api_error(r, 413)
    assert _count(db_session) == before


@pytest.mark.parametrize("depth", [200, 100_000])
def test_deeply_nested_json_is_4xx_and_keeps_nothing(client, auth, db_session, depth):
    before = _count(db_session)
    nested = "[" * depth + "]" * depth
    body = f'{{"matter_code": "{MATTER}", "form": {{"hardship_reason": {nested}}}}}'
    r = client.post("/api/v1/applications", content=body, headers={**auth("citizen-young"),
                                                                    "Content-Type": "application/json"})
    _api_error(r, 400, 413, 422)
    assert _count(db_session) == before


@pytest.mark.parametrize("raw", [b'{"matter_code": "\xff\xfe", "form": {}}', b"\xc3\x28{}", b'{"form": "\xed\xa0\x80"}'])
def test_invalid_utf8_is_4xx_and_keeps_nothing(client, auth, db_session, raw):
    before = _count(db_session)
    r = client.post("/api/v1/applications", content=raw, headers={**auth("citizen-young"),
                                                                   "Content-Type": "application/json"})
    _api_error(r, 400, 422)
    assert _count(db_session) == before


def test_malformed_json_and_wrong_types_are_422(client, auth):
    h = {**auth("citizen-young"), "Content-Type": "application/json"}
    for body in ("{", "null", "[]", '"x"', '{"matter_code": 5, "form": []}', '{"matter_code": "x"}',
                 '{"matter_code": "' + MATTER + '", "form": {"amount_requested": "1e999"}}',
                 '{"matter_code": "' + MATTER + '", "form": {"amount_requested": 1e400}}'):
        _api_error(client.post("/api/v1/applications", content=body, headers=h), 400, 404, 422)


def _free_text_fields() -> list[str]:
    return [f.name for f in form_fields(MATTER) if f.type in ("string", "text") and not f.pattern
            and not f.enum and not f.prefill]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markup_and_sql_in_every_text_field_are_kept_verbatim_and_shown_escaped(client, auth, db_session, hostile):
    fields = _free_text_fields()
    assert fields  # the matter has free text to attack
    h = auth("citizen-young")
    from app.matters.content import example_form

    form = example_form(MATTER)
    form.update({name: f"{hostile} {name}" for name in fields})
    r = create(client, h, MATTER, form)
    assert r.status_code == 201, r.text[:300]
    number = r.json()["number"]
    got = client.get(f"/api/v1/applications/{number}", headers=h).json()["form"]
    assert {name: got[name] for name in fields} == {name: f"{hostile} {name}" for name in fields}
    assert db_session.scalar(select(func.count(Application.id))) >= 1  # the table is still there
    web_login(client, "citizen-young")
    page = client.get(f"/applications/{number}")
    assert page.status_code == 200
    if "<" in hostile or '"' in hostile:
        assert hostile not in page.text  # never raw markup
        escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
        assert escaped in page.text or hostile.replace('"', "&#34;") in page.text


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\boot.ini", "/etc/shadow", "a\x00.pdf",
                                  "%2e%2e%2fx.pdf", "名" * 300 + ".pdf"])
def test_traversal_in_material_file_names_never_reaches_the_store(client, auth, name):
    from tests.services.applications.helpers import tiny_pdf

    h = auth("citizen-young")
    app = create(client, h, MATTER).json()
    mat = next(m for m in app["materials"] if m["required"] and not m["exempt"])
    r = client.post(f"/api/v1/applications/{app['number']}/materials/{mat['id']}", headers=h,
                    files={"file": (name, tiny_pdf(), "application/pdf")})
    assert r.status_code in (201, 400, 422), r.text[:200]
    if r.status_code == 201:
        stored = next(m for m in r.json()["materials"] if m["id"] == mat["id"])["file_name"]
        assert stored == f"{app['number']}-{mat['id']}.pdf"
