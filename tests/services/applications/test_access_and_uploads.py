"""Someone else's application answers 404 on every route; upload limits and spoofed types."""
import io

import pytest

from tests.services.applications.helpers import PNG_1PX, accept, apply, create, tiny_pdf

ROUTES = [
    ("GET", "/api/v1/applications/{n}", None),
    ("PATCH", "/api/v1/applications/{n}", {"form": {}, "version": 1}),
    ("POST", "/api/v1/applications/{n}/sign", None),
    ("POST", "/api/v1/applications/{n}/submit", None),
    ("POST", "/api/v1/applications/{n}/withdraw", None),
    ("GET", "/api/v1/applications/{n}/summary.pdf", None),
    ("GET", "/api/v1/applications/{n}/result.pdf", None),
    ("GET", "/api/v1/applications/{n}/materials/{m}", None),
]


@pytest.fixture
def issued(client, auth):
    h = auth("citizen-young")
    app = apply(client, h, "temporary-assistance")
    accept(client, auth("reviewer-civil"), app["number"])
    client.post(f"/api/v1/applications/{app['number']}/decision", headers=auth("reviewer-civil"),
                json={"outcome": "approve", "reasons": ["符合条件"]})
    return client.get(f"/api/v1/applications/{app['number']}", headers=h).json()


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_other_applicant_gets_404_on_every_route(client, auth, issued, method, path, body):
    mat = next(m["id"] for m in issued["materials"] if m["status"] == "uploaded")
    url = path.format(n=issued["number"], m=mat)
    # The owner can reach the read routes.
    if method == "GET":
        assert client.get(url, headers=auth("citizen-young")).status_code == 200
    r = client.request(method, url, headers=auth("citizen-elder"), json=body)
    assert r.status_code == 404, (url, r.status_code, r.text[:200])


def test_other_applicant_cannot_upload(client, auth):
    app = create(client, auth("citizen-young"), "temporary-assistance").json()
    mat = next(m["id"] for m in app["materials"] if m["source"] == "upload")
    r = client.post(f"/api/v1/applications/{app['number']}/materials/{mat}", headers=auth("citizen-elder"),
                    files={"file": ("a.pdf", io.BytesIO(tiny_pdf()), "application/pdf")})
    assert r.status_code == 404


def test_staff_visibility(client, auth, issued):
    n = issued["number"]
    assert client.get(f"/api/v1/applications/{n}", headers=auth("reviewer-civil")).status_code == 200
    assert client.get(f"/api/v1/applications/{n}", headers=auth("reviewer-amr")).status_code == 404
    assert client.get(f"/api/v1/applications/{n}", headers=auth("evaluator")).status_code == 404  # §6: evaluators read no application
    assert client.get(f"/api/v1/applications/{n}/result.pdf", headers=auth("reviewer-amr")).status_code == 404
    assert client.get(f"/api/v1/applications/{n}").status_code == 401


def test_malformed_numbers_are_404(client, auth):
    h = auth("citizen-young")
    for bad in ("nope", "XH" + "9" * 40, "xh20261127000001", "../../etc/passwd"):
        assert client.get(f"/api/v1/applications/{bad}", headers=h).status_code == 404
    assert client.get("/api/v1/applications/%00", headers=h).status_code == 400  # refused before any handler


@pytest.fixture
def draft(client, auth):
    app = create(client, auth("citizen-young"), "temporary-assistance").json()
    return app, next(m["id"] for m in app["materials"] if m["source"] == "upload")


def _upload(client, auth, app, mat, name, content, ctype):
    return client.post(f"/api/v1/applications/{app['number']}/materials/{mat}", headers=auth("citizen-young"),
                       files={"file": (name, io.BytesIO(content), ctype)})


def test_upload_over_10_mb_is_refused(client, auth, draft):
    r = _upload(client, auth, *draft, "big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1), "application/pdf")
    assert r.status_code == 413 and "10" in r.json()["detail"]


@pytest.mark.parametrize("name, content, ctype", [
    ("fake.pdf", b"MZ\x90\x00 an executable", "application/pdf"),
    ("fake.png", b"GIF89a....", "image/png"),
    ("script.pdf", b"<script>alert(1)</script>", "application/pdf"),
    ("truncated.pdf", b"%PDF-1.4\n1 0 obj\n", "application/pdf"),
])
def test_spoofed_types_are_refused(client, auth, draft, name, content, ctype):
    r = _upload(client, auth, *draft, name, content, ctype)
    assert r.status_code == 415 and "PDF" in r.json()["detail"]


def test_empty_upload_is_refused(client, auth, draft):
    assert _upload(client, auth, *draft, "e.pdf", b"", "application/pdf").status_code == 422


def test_good_uploads_are_content_addressed_with_server_names(client, auth, draft, db_session):
    from app.core.audit_models import Blob

    app, mat = draft
    r = _upload(client, auth, app, mat, "../../evil name.png", PNG_1PX, "application/pdf")
    assert r.status_code == 201
    m = next(x for x in r.json()["materials"] if x["id"] == mat)
    assert m["status"] == "uploaded" and m["file_name"] == f"{app['number']}-{mat}.png"
    assert db_session.get(Blob, m["sha256"]).media_type == "image/png"
    got = client.get(f"/api/v1/applications/{app['number']}/materials/{mat}", headers=auth("citizen-young"))
    assert got.content == PNG_1PX


def test_exempt_material_cannot_be_uploaded(client, auth):
    app = create(client, auth("citizen-young"), "temporary-assistance").json()
    exempt = next(m["id"] for m in app["materials"] if m["exempt"])
    r = _upload(client, auth, app, exempt, "a.pdf", tiny_pdf(), "application/pdf")
    assert r.status_code == 409 and r.json()["error"] == "material_exempt"


def test_upload_after_submission_is_409(client, auth):
    app = apply(client, auth("citizen-young"), "temporary-assistance")
    mat = next(m["id"] for m in app["materials"] if m["source"] == "upload")
    assert _upload(client, auth, app, mat, "a.pdf", tiny_pdf(), "application/pdf").status_code == 409
