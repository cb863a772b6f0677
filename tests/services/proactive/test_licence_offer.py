"""The e-business-licence download offer (an issued licence never downloaded) and declining:
an offer or a grant declined by the person is never made again, however often the scan runs."""
from __future__ import annotations

from sqlalchemy import func, select

from app.services.applications.models import InboxMessage
from app.services.proactive import scan
from app.services.proactive.models import OfferStatus, ProactiveOffer
from app.services.seals import licences
from tests.conftest import csrf_from, web_login

USCC = "91310104MA1FL0001Q"  # enterprise-demo: active, its business licence in the wallet
ELDER = "310104195603152027"
CODE = "e-business-licence-download"


def _pass(session):
    assert scan.scan_batch(session, batch_size=10_000)["finished"]


def _offer(session, subject, code):
    return session.scalar(select(ProactiveOffer).where(ProactiveOffer.subject_key == subject,
                                                       ProactiveOffer.matter_code == code))


def test_an_enterprise_with_an_undownloaded_licence_is_offered_the_download(client, db_session, auth):
    _pass(db_session)
    offer = _offer(db_session, USCC, CODE)
    assert offer is not None and offer.status == OfferStatus.offered
    assert any("尚未下载" in r["zh"] for r in offer.reasons)
    h = auth("enterprise-demo")
    items = {i["matter_code"]: i for i in client.get("/api/v1/me/offers", headers=h).json()["items"]}
    assert items[CODE]["matter_name"] == "电子营业执照下载"
    r = client.post(f"/api/v1/me/offers/{offer.id}/accept", headers=h)
    assert r.status_code == 201, r.text
    pdf = client.get(r.json()["download"], headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert licences.find_active_licence(db_session, USCC, "business-licence").download_count == 1
    db_session.refresh(offer)
    assert offer.status == OfferStatus.applied


def test_an_enterprise_that_downloaded_already_is_not_offered(db_session):
    lic = licences.find_active_licence(db_session, USCC, "business-licence")
    licences.record_download(db_session, lic)
    _pass(db_session)
    assert _offer(db_session, USCC, CODE) is None


def test_the_enterprise_centre_offers_the_download_in_one_click(client, db_session):
    _pass(db_session)
    web_login(client, "enterprise-demo")
    page = client.get("/enterprise").text
    assert f'data-matter="{CODE}"' in page and "一键下载" in page
    offer_id = page.split(f'data-matter="{CODE}"')[1].split("/me/offers/")[1].split("/")[0]
    r = client.post(f"/me/offers/{offer_id}/accept", data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/me/licences/")


def test_declined_offers_and_grants_are_never_repeated(client, db_session, auth):
    _pass(db_session)
    h_e, h_p = auth("enterprise-demo"), auth("citizen-elder")
    declined = [(h_e, _offer(db_session, USCC, CODE)), (h_p, _offer(db_session, ELDER, "elderly-allowance")),
                (h_p, _offer(db_session, ELDER, "single-child-reward"))]  # an offer, an offer, a grant
    for h, offer in declined:
        r = client.post(f"/api/v1/me/offers/{offer.id}/decline", headers=h)
        assert r.status_code == 200 and r.json()["status"] == "declined"
    before = (db_session.scalar(select(func.count()).select_from(ProactiveOffer)),
              db_session.scalar(select(func.count()).select_from(InboxMessage)))
    for _ in range(2):  # the nightly scan, twice more
        _pass(db_session)
    after = (db_session.scalar(select(func.count()).select_from(ProactiveOffer)),
             db_session.scalar(select(func.count()).select_from(InboxMessage)))
    assert after == before
    for h, offer in declined:
        db_session.refresh(offer)
        assert offer.status == OfferStatus.declined
        assert client.post(f"/api/v1/me/offers/{offer.id}/accept", headers=h).status_code == 409
    web_login(client, "citizen-elder")
    page = client.get("/me").text
    assert 'data-matter="elderly-allowance"' not in page and 'data-matter="single-child-reward"' not in page
