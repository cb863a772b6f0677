def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert client.get("/docs").status_code == 200
    assert "swagger-ui-bundle.js" in client.get("/docs").text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert "/api/v1/matters" in client.get("/openapi.json").json()["paths"]


def test_security_headers_and_request_id(client):
    r = client.get("/")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert len(r.headers["x-request-id"]) >= 8
    assert client.get("/", headers={"X-Request-ID": "abc123"}).headers["x-request-id"] == "abc123"


def test_error_pages_in_both_languages(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "页面不存在" in r.text
    client.cookies.set("lang", "en")
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "Page not found" in r.text
    r = client.get("/api/v1/no-such")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_unhandled_error_gives_500_page(app, client):
    from fastapi.testclient import TestClient

    @app.get("/__boom")
    def boom():
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/__boom")
    assert r.status_code == 500 and "系统繁忙" in r.text


def test_production_refuses_development_secret(monkeypatch):
    import pytest
    from pydantic import ValidationError

    from app.core.config import Settings

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="PORTAL_SECRET_KEY"):
        Settings()


def test_templates_are_reloaded_from_their_files_in_development_only(monkeypatch):
    from app.core.config import Settings

    monkeypatch.delenv("PORTAL_TEMPLATES_RELOAD", raising=False)
    assert Settings(env="development").reload_templates is True
    assert Settings(env="test").reload_templates is False
    assert Settings(env="development", templates_reload=False).reload_templates is False
    monkeypatch.setenv("PORTAL_TEMPLATES_RELOAD", "true")
    assert Settings(env="test").reload_templates is True


def test_nul_bytes_are_refused_before_any_handler(client):
    r = client.get("/api/v1/matters/%00")
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
    r = client.get("/api/v1/matters", params={"q": "公积\x00金", "limit": 100})
    assert r.status_code == 200 and r.json()["total"] >= 3  # the NUL is dropped from the query


def test_the_server_is_warm_before_it_accepts_a_request(app, monkeypatch):
    """What the first requests would pay for (the consultation index, the templates, the PDF font) is
    built during startup, before the server accepts a connection, not in threads beside the first
    requests (which made them 10–40 times slower for their first seconds)."""
    from fastapi.testclient import TestClient

    from app.matters.consultation import engine as consultation

    monkeypatch.setattr(consultation, "_index", None)  # as in a process that just started
    with TestClient(app):  # runs the startup, as the server does before it listens
        assert consultation._index is not None


def test_current_path_is_what_request_url_gives():
    from starlette.requests import Request

    from app.core.templating import current_path

    for path, query in (("/matters/elderly-allowance", b""), ("/applications/XH1", b"done=signed&x=%E4%B8%AD"),
                        ("/a?b#c\\d", b"q=1"), ("/事项/中文", b"k=%20v"), ("//double", b"")):
        scope = {"type": "http", "method": "GET", "path": path, "query_string": query, "scheme": "http",
                 "server": ("127.0.0.1", 8000), "headers": [(b"host", b"portal.example:8000")]}
        url = Request(scope).url
        assert current_path(scope) == url.path + (f"?{url.query}" if url.query else "")
    bad = {"path": "/x", "query_string": b"q=\xff"}
    assert current_path(bad) == "/x?q=\ufffd"  # not UTF-8: replaced, never a 500
