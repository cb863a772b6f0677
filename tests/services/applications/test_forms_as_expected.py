"""Forms as people expect them (issue 9 item 8): optional marked, no silent empty draft, a refused
upload shown at the page's own address, the contact phone a default the person may change, bank
card numbers masked outside the owner's edit view, file hashes for staff only; and the personal
guide offered only where its questions change the checklist (item 4)."""
from __future__ import annotations

import io

from app.matters import content
from tests.conftest import bearer, web_login
from tests.services.applications.helpers import accept, apply, tiny_pdf
from tests.services.applications.test_pages import _upload, _upload_form, form, one, parse, text, values

CODE = "temporary-assistance"


def _my_numbers(client, headers) -> set[str]:
    r = client.get("/api/v1/applications", headers=headers)
    assert r.status_code == 200
    return {a["number"] for a in r.json()["items"]}


def test_empty_save_and_continue_explains_and_creates_no_draft(client):
    young = bearer(client, "citizen-young")
    before = _my_numbers(client, young)
    web_login(client, "citizen-young")
    optional = parse(client.get("/matters/residence-registration/apply"))
    assert "（选填）" in text(one(optional, "//label[@for='f-landlord_name']"))  # optional questions are marked
    doc = parse(client.get(f"/matters/{CODE}/apply"))
    assert "各项都须填写" in text(doc) and "（选填）" not in text(one(doc, "//label[@for='f-hardship_reason']"))
    r = client.post(f"/matters/{CODE}/apply", data=values(form(doc, f"/matters/{CODE}/apply")), follow_redirects=False)
    assert r.status_code == 422
    assert "您还没有填写任何内容" in text(parse(r))
    assert _my_numbers(client, young) == before


def test_a_refused_upload_is_shown_at_the_pages_own_address(client):
    number = apply(client, bearer(client, "citizen-young"), CODE, submit=False)["number"]
    web_login(client, "citizen-young")
    doc = parse(client.get(f"/applications/{number}"))
    mid = int(doc.xpath("//form[contains(@class,'upload-form')]//input[@name='material_id']")[0].get("value"))
    assert _upload_form(doc, number, mid).get("action").split("#")[0] == f"/applications/{number}"
    r = _upload(client, number, mid, "x.pdf", b"MZ\x90\x00 not a pdf")
    assert r.status_code == 415 and r.url.path == f"/applications/{number}"
    assert "只接受PDF、JPEG或PNG文件" in text(one(parse(r), f"//tr[@id='material-{mid}']"))
    r = _upload(client, number, mid, "ok.pdf", tiny_pdf())
    assert r.status_code == 303 and r.headers["location"].startswith(f"/applications/{number}")


def test_contact_phone_is_prefilled_editable_and_says_where_it_came_from(client):
    web_login(client, "citizen-young")
    me = client.get("/api/v1/me", headers=bearer(client, "citizen-young")).json()
    doc = parse(client.get(f"/matters/{CODE}/apply"))
    phone = one(doc, "//input[@id='f-applicant_phone']")
    assert phone.get("readonly") is None and phone.get("name") == "applicant_phone"
    assert phone.get("value") == me["phone"] and me["phone"]
    assert "可以修改" in text(one(doc, "//*[@id='f-applicant_phone-source']"))
    data = {**values(form(doc, f"/matters/{CODE}/apply")), **content.example_form(CODE), "applicant_phone": "13912345678"}
    r = client.post(f"/matters/{CODE}/apply", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    number = r.headers["location"].split("/applications/")[1].split("?")[0].split("#")[0]
    got = client.get(f"/api/v1/applications/{number}", headers=bearer(client, "citizen-young")).json()
    assert got["form"]["applicant_phone"] == "13912345678"


def test_bank_card_masked_outside_the_owners_edit_view_and_hashes_for_staff_only(client):
    young, civil = bearer(client, "citizen-young"), bearer(client, "reviewer-civil")
    draft = apply(client, young, CODE, submit=False)
    account = draft["form"]["bank_account"]
    web_login(client, "citizen-young")
    editing = parse(client.get(f"/applications/{draft['number']}"))
    assert one(editing, "//input[@name='bank_account']").get("value") == account  # the owner edits the full number
    assert "SHA-256" not in text(editing)
    number = apply(client, young, CODE)["number"]  # submitted: no longer editable
    shown = text(one(parse(client.get(f"/applications/{number}")), "//section[@id='form']"))
    assert account not in shown and "•••• " + account[-4:] in shown
    accept(client, civil, number)
    web_login(client, "reviewer-civil")
    staff = parse(client.get(f"/applications/{number}"))
    assert account not in text(one(staff, "//section[@id='form']"))
    assert "SHA-256" in text(one(staff, "//section[@id='materials']"))  # staff see the file hashes


def test_personal_guide_only_where_answers_change_the_checklist(client):
    changes = {"questions": [{"id": "agent", "options": []}],
               "rules": [{"when": {"agent": "agent"}, "add_materials": [{"name": "授权委托书", "source": "upload"}]}]}
    only_notes = {"questions": [{"id": "agent", "options": []}], "rules": [{"when": {"agent": "agent"}, "note": "x"}]}
    no_questions = {"questions": [], "rules": [{"when": {}, "add_materials": [{"name": "y", "source": "upload"}]}]}
    assert content.guide_is_personal(changes)
    assert not content.guide_is_personal(only_notes) and not content.guide_is_personal(no_questions)
    web_login(client, "citizen-young")
    assert parse(client.get(f"/matters/{CODE}/apply")).xpath(f"//a[@href='/matters/{CODE}/guide']")
    assert parse(client.get(f"/matters/{CODE}")).xpath(f"//a[@href='/matters/{CODE}/guide']")
