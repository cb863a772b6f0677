"""Decision documents read as text (pypdf): an approval states what was granted — the amount, the
period, when and how it is paid — and a denial the full authority and how to appeal (issue 9 item 7)."""
from __future__ import annotations

import io

import pypdf

from tests.conftest import bearer
from tests.services.applications.helpers import accept, apply, decide


def _text(data: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).replace(" ", "").replace("\n", "")


def _result(client, applicant, number) -> str:
    r = client.get(f"/api/v1/applications/{number}/result.pdf", headers=applicant)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert b"/ByteRange" in r.content  # sealed (a PAdES signature), not a bare PDF
    return _text(r.content)


def test_approval_states_amount_period_and_payment(client):
    young, civil = bearer(client, "citizen-young"), bearer(client, "reviewer-civil")
    app = apply(client, young, "temporary-assistance")
    number, form = app["number"], app["form"]
    accept(client, civil, number)
    assert decide(client, civil, number, "approve", ["经核实，符合条件"]).status_code == 200
    text = _result(client, young, number)
    assert f"一次性救助人民币{form['amount_requested']}元" in text
    assert "一次性发放" in text and "决定之日起10个工作日内发放至申请人本人银行账户" in text
    assert "徐汇区民政局" in text


def test_denial_is_sealed_with_the_authority_and_the_appeal_routes(client):
    young, civil = bearer(client, "citizen-young"), bearer(client, "reviewer-civil")
    number = apply(client, young, "temporary-assistance")["number"]
    accept(client, civil, number)
    assert decide(client, civil, number, "deny", ["家庭收入超过救助标准"]).status_code == 200
    text = _result(client, young, number)
    assert "徐汇区民政局" in text
    assert "行政复议" in text and "六十日内" in text
    assert "行政诉讼" in text and "六个月内" in text
    assert "家庭收入超过救助标准" in text
    assert "准予事项" not in text and "金额" not in text
