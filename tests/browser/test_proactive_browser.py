"""Proactive services in Chromium: the elder takes up the allowance offer in two clicks after
logging in; the service map (Leaflet over the district outline) filters to the points serving
id-card-renewal, with no CSP violation and no horizontal scroll at 375 px."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.db import session_factory
from app.services.proactive import scan
from app.services.proactive.models import OfferStatus, ProactiveOffer
from tests.browser.conftest import login

ELDER = "310104195603152027"


def _offer(session):
    return session.scalar(select(ProactiveOffer).where(ProactiveOffer.subject_key == ELDER,
                                                       ProactiveOffer.matter_code == "elderly-allowance"))


@pytest.mark.browser
def test_elder_takes_up_the_allowance_offer_in_two_clicks(page, live_server):
    scan.run(lambda: session_factory().begin(), batch_size=10_000)
    with session_factory()() as s:
        offer = _offer(s)
        assert offer is not None and offer.status == OfferStatus.offered
    login(page, "citizen-elder")
    clicks = 0
    page.locator('nav.top-nav a[href="/me"]').click()  # 1: my page, where "you may qualify" waits
    clicks += 1
    card = page.locator('li.card[data-matter="elderly-allowance"]')
    assert "满65周岁" in card.inner_text()  # the reasons: which data, which rule
    card.get_by_role("button", name="一键申请").click()  # 2: take it up
    clicks += 1
    page.wait_for_url("**/applications/XH*")
    assert clicks == 2
    assert page.locator("h1").count() == 1
    with session_factory()() as s:
        offer = _offer(s)
        assert offer.status == OfferStatus.applied and offer.application_number in page.url
    assert "1956-03-15" in page.content()  # pre-filled from the data


@pytest.mark.browser
def test_the_map_filters_to_points_serving_id_card_renewal(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800}, locale="zh-CN")
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto("/service-map")
        page.wait_for_selector("#service-map[data-shown]")
        everything = int(page.locator("#service-map").get_attribute("data-shown"))
        page.select_option("#f-matter", "id-card-renewal")  # applies at once (no button press)
        page.wait_for_url("**matter=id-card-renewal**")
        page.wait_for_selector("#service-map[data-shown]")
        shown = int(page.locator("#service-map").get_attribute("data-shown"))
        listed = page.locator("ol.points > li").count()
        assert 0 < shown == listed < everything
        assert page.locator('li[data-point="T-GANGHUI"]').count() == 1
        assert page.locator('li[data-point="T-CHJ-PARK"]').count() == 0
        assert page.locator("path.map-point").count() == shown  # the markers on the Leaflet map
        assert page.locator(".leaflet-container").count() == 1 and page.locator("img.leaflet-tile").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert refused == []
    finally:
        context.close()
