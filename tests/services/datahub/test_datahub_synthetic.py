"""Synthetic district records: valid identifiers, consistent sources, deterministic, loadable."""
from __future__ import annotations

import random
import re
from datetime import date

import pytest
from faker import Faker

from app.identity.validation import InvalidIdentifier, validate_id_number, validate_uscc
from app.services.datahub import service
from app.services.datahub.synthetic import make_id_number, make_uscc

TODAY = date(2026, 11, 27)


def _id_ok(value: str) -> bool:
    """GB 11643 check character, written independently of the code under test."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(c) * w for c, w in zip(value, weights)) % 11] == value[17]


def _uscc_ok(value: str) -> bool:
    """GB 32100 check character, written independently of the code under test."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [3 ** i % 31 for i in range(17)]
    total = sum(chars.index(c) * w for c, w in zip(value, weights))
    return chars[(31 - total % 31) % 31] == value[17]


def _valid_id(value: str) -> bool:
    try:
        validate_id_number(value, today=TODAY)
    except InvalidIdentifier:
        return False
    return bool(re.fullmatch(r"\d{17}[\dX]", value)) and _id_ok(value)


def _valid_uscc(value: str) -> bool:
    try:
        validate_uscc(value)
    except InvalidIdentifier:
        return False
    return len(value) == 18 and _uscc_ok(value)


def test_local_checksum_helpers_accept_the_personas_and_reject_a_typo():
    assert _id_ok("310104195603152027") and _id_ok("31010419970921102X")
    assert not _id_ok("310104195603152028")
    assert _uscc_ok("91310104MA1FL0001Q") and not _uscc_ok("91310104MA1FL0001R")


def test_identifier_builders():
    assert make_id_number("310104", date(1996, 6, 12), 101) == "310104199606121013"
    assert all(_valid_uscc(make_uscc(random.Random(i))) for i in range(200))


@pytest.fixture(scope="module")
def people():
    rng, faker = random.Random(2026), Faker("zh_CN")
    return [service.synthesize_person(rng, faker, today=TODAY) for _ in range(300)]


@pytest.fixture(scope="module")
def enterprises():
    rng, faker = random.Random(7), Faker("zh_CN")
    return [service.synthesize_enterprise(rng, faker, today=TODAY) for _ in range(60)]


def test_synthesized_people_have_valid_and_consistent_identities(people):
    for person in people:
        pop = person["population"]
        assert _valid_id(pop["id_number"]), pop["id_number"]
        assert pop["birth_date"].replace("-", "") == pop["id_number"][6:14]
        assert (int(pop["id_number"][16]) % 2 == 1) == (pop["gender"] == "male")
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", pop["full_name"]), pop["full_name"]
        for source, payload in person.items():
            assert payload.get("id_number", payload.get("subject_key")) == pop["id_number"], source
        if pop["spouse_id_number"]:
            assert _valid_id(pop["spouse_id_number"])
        for child in pop["children"]:
            assert _valid_id(child["id_number"]) and child["birth_date"] > pop["birth_date"]
        ss = person["social-security"]
        assert ss["receiving_pension"] <= ss["retired"]
        if ss["employment_status"] == "employed":
            assert _valid_uscc(ss["employer_uscc"]) and ss["employer_name"]
        assert pop["hukou_shanghai"] == pop["id_number"].startswith("31")


def test_synthesized_population_is_varied(people):
    pops = [p["population"] for p in people]
    assert {p["marital_status"] for p in pops} >= {"unmarried", "married"}
    assert 0.5 < sum(p["hukou_shanghai"] for p in pops) / len(pops) < 0.9
    assert any(p["social-security"]["retired"] for p in people) and any("hpf" in p for p in people)
    assert len({p["id_number"] for p in pops}) == len(pops)


def test_synthesized_enterprises_are_consistent(enterprises):
    for ent in enterprises:
        le = ent["legal-entity"]
        assert _valid_uscc(le["uscc"]), le["uscc"]
        rep = ent["legal_representative"]["population"]
        assert (le["legal_representative"], le["legal_representative_id_number"]) == (rep["full_name"], rep["id_number"])
        assert _valid_id(rep["id_number"])
        assert ent["address-cloud"]["address"] == le["registered_address"]
        for source in ("tax", "social-security", "hpf"):
            assert ent[source]["uscc"] == le["uscc"]
        assert ent["credit"]["subject_key"] == le["uscc"]
        assert set(le["business_scope"]) <= set(service.BUSINESS_SCOPES)
    assert len({e["legal-entity"]["uscc"] for e in enterprises}) == len(enterprises)


def test_synthesis_is_deterministic_for_a_seed():
    a = service.synthesize_person(random.Random(5), Faker("zh_CN"), today=TODAY)
    b = service.synthesize_person(random.Random(5), Faker("zh_CN"), today=TODAY)
    assert a == b
    assert service.synthesize_person(random.Random(6), Faker("zh_CN"), today=TODAY) != a


def test_load_records_makes_synthesized_subjects_findable(db_session):
    rng = random.Random(11)
    ent = service.synthesize_enterprise(rng, Faker("zh_CN"), today=TODAY)
    written = service.load_records(db_session, [ent, ent["legal_representative"]])
    assert written == len([k for k in ent if k != "legal_representative"]) + len(ent["legal_representative"])
    assert service.load_records(db_session, [ent, ent["legal_representative"]]) == 0
    uscc = ent["legal-entity"]["uscc"]
    found = service.lookup(db_session, "legal-entity", uscc, actor="simulator")
    assert found.record["enterprise_name"] == ent["legal-entity"]["enterprise_name"]
    rep_id = ent["legal-entity"]["legal_representative_id_number"]
    assert service.lookup(db_session, "population", rep_id, actor="simulator", as_of=TODAY).record["age"] >= 25
    assert service.lookup(db_session, "address-cloud", ent["legal-entity"]["registered_address"], actor="simulator").found
