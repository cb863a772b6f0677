"""Request bodies are capped in ASGI middleware before anything spools them (413)."""
import asyncio
import json

from app.core.body_limit import MULTIPART_OVERHEAD
from app.core.config import get_settings

CHUNK = 64 * 1024
UPLOAD_API = "/api/v1/applications/XH20261130000001/materials/1"
UPLOAD_PAGE = "/applications/XH20261130000001/materials/1"
MULTIPART = b"multipart/form-data; boundary=x"
FILE_PART = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
             b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n")


def _drive(app, path: str, total: int, declare_length: bool, content_type=MULTIPART):
    """Send `total` bytes in 64 KB chunks, made on demand (the whole body never exists): a
    well-formed start of a multipart file part, then padding. Return (status, headers, body,
    bytes the app pulled)."""
    pulled = 0
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        size = min(CHUNK, total - pulled)
        chunk = (FILE_PART if pulled == 0 and content_type == MULTIPART else b"").ljust(size, b"0")
        pulled += size
        return {"type": "http.request", "body": chunk, "more_body": pulled < total}

    async def send(message):
        sent.append(message)

    headers = [(b"host", b"testserver"), (b"content-type", content_type)]
    if declare_length:
        headers.append((b"content-length", str(total).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body, pulled


def test_a_30_mb_upload_with_content_length_is_refused_unread(app):
    status, headers, body, pulled = _drive(app, UPLOAD_API, 30 * 1024 * 1024, declare_length=True)
    assert status == 413 and pulled == 0
    assert json.loads(body) == {"error": "too_large", "detail": "请求内容超过10MB上限"}
    assert headers[b"connection"] == b"close"


def test_a_30_mb_chunked_upload_is_cut_off_at_the_cap(app):
    status, _, body, pulled = _drive(app, UPLOAD_API, 30 * 1024 * 1024, declare_length=False)
    assert status == 413 and json.loads(body)["error"] == "too_large"
    cap = get_settings().max_upload_bytes + MULTIPART_OVERHEAD
    assert cap < pulled <= cap + CHUNK  # read up to the cap and one chunk past it, never the 30 MB


def test_other_routes_have_the_small_cap(app):
    two_mb = 2 * 1024 * 1024
    for declare in (True, False):
        status, _, body, pulled = _drive(app, "/api/v1/applications", two_mb, declare_length=declare,
                                         content_type=b"application/json")
        assert status == 413 and json.loads(body) == {"error": "too_large", "detail": "请求内容超过1MB上限"}
        if declare:  # under DRAIN_LIMIT: read and dropped, so a client still sending gets the 413
            assert pulled == two_mb
        else:
            assert pulled <= get_settings().max_request_bytes + CHUNK


def test_pages_get_the_sites_413_page(app):
    for declare in (True, False):
        status, headers, body, _ = _drive(app, UPLOAD_PAGE, 30 * 1024 * 1024, declare_length=declare)
        assert status == 413 and headers[b"content-type"].startswith(b"text/html")
        page = body.decode()
        assert "<h1>文件过大</h1>" in page and "请求内容超过10MB上限" in page
        assert b"x-request-id" in headers  # the portal's own middleware still wraps the answer


def test_caps_are_configurable(app, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_request_bytes", 4096)
    status, _, body, _ = _drive(app, "/api/v1/applications", 5000, declare_length=True,
                                content_type=b"application/json")
    assert status == 413 and json.loads(body)["detail"] == "请求内容超过4KB上限"
    monkeypatch.setattr(get_settings(), "max_upload_bytes", 1024 * 1024)
    status, _, body, _ = _drive(app, UPLOAD_API, 2 * 1024 * 1024, declare_length=True)
    assert status == 413 and json.loads(body)["detail"] == "请求内容超过1MB上限"


def test_a_body_under_the_cap_reaches_the_route(client, auth):
    # a JSON body of ~900 KB is read whole and answered by the route
    r = client.post("/api/v1/applications", headers=auth("citizen-young"),
                    json={"matter_code": "no-such-matter", "form": {"pad": "x" * 900_000}})
    assert (r.status_code, r.json()["error"]) == (404, "matter_not_found")


def test_a_client_still_sending_gets_the_413_not_a_reset(live_server):
    # An 11 MB upload over a real socket: the answer must reach a client that sends the whole body
    # before reading (as urllib does); refusing without reading made the server reset the connection.
    import urllib.error
    import urllib.request

    body = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n%PDF-1.4\n"
    body += b"0" * (11 * 1024 * 1024) + b"\r\n--x--\r\n"
    req = urllib.request.Request(f"{live_server}{UPLOAD_API}", data=body, method="POST",
                                 headers={"Content-Type": MULTIPART.decode()})
    try:
        urllib.request.urlopen(req, timeout=60)
        raise AssertionError("an 11 MB upload was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 413 and json.loads(e.read())["error"] == "too_large"
