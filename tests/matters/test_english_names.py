"""English names of catalogue materials and licence types: data, seed, API and pages."""
import copy

from sqlalchemy import select

from app.matters import content, service
from app.matters.models import LicenceType, Material


def test_every_catalogue_material_and_licence_type_has_an_english_name():
    data = service.load_catalogue()
    for m in data["matters"]:
        for item in m.get("materials", []):
            assert len(item) == 3 and item[2].strip(), (m["code"], item)
    assert set(data["licence_types_en"]) == set(data["licence_types"])
    assert all(v.strip() for v in data["licence_types_en"].values())


def test_seed_writes_english_names_and_stays_idempotent(db_session):
    assert service.seed_catalogue(db_session).changed == 0
    assert db_session.get(LicenceType, "id-card").name_en == "Resident identity card"
    mat = db_session.scalar(select(Material).where(Material.matter_code == "newborn-hukou",
                                                   Material.position == 0))
    assert (mat.name, mat.name_en) == ("出生医学证明", "Medical birth certificate")
    data = copy.deepcopy(service.load_catalogue())
    data["matters"][0]["materials"][0] = data["matters"][0]["materials"][0][:2]  # two elements still accepted
    assert service.seed_catalogue(db_session, data).updated == 1
    assert service.seed_catalogue(db_session).updated == 1
    assert service.seed_catalogue(db_session).changed == 0


def test_api_materials_carry_english_names(client):
    m = client.get("/api/v1/matters/newborn-hukou").json()
    names = {x["name"]: x for x in m["materials"]}
    assert names["出生医学证明"]["name_en"] == "Medical birth certificate"
    assert names["出生医学证明"]["source"] == "licence:birth-medical-certificate"
    assert all(x["name_en"] for x in m["materials"])


def test_english_matter_page_shows_english_material_and_licence_names(client):
    client.get("/lang/en")
    page = client.get("/matters/newborn-hukou").text
    assert "Medical birth certificate" in page and "Parents&#39; marriage certificate" in page
    assert "出生医学证明" not in page.split("<main", 1)[-1].split("Materials", 1)[-1].split("</table>", 1)[0]
    client.get("/lang/zh")
    page = client.get("/matters/newborn-hukou").text
    assert "出生医学证明" in page and "Medical birth certificate" not in page


def test_personal_checklist_fills_english_names_from_the_catalogue():
    checklist = content.personal_checklist("newborn-hukou", {}, [("出生医学证明", "licence:birth-medical-certificate")])
    assert checklist["materials"][0]["name_en"] == "Medical birth certificate"
