"""Demo accounts of the contract (refused in production)."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.core.errors import Forbidden
from app.identity import service
from app.identity.models import Role

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"


def load_demo() -> dict:
    with open(DEMO_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def seed_demo_accounts(session: Session) -> int:
    """Create the demo accounts that do not exist yet; returns how many were created."""
    if get_settings().is_production:
        raise Forbidden("生产环境不允许创建演示账户 / Demo accounts are refused when PORTAL_ENV=production")
    data = load_demo()
    created = 0
    # People first: an enterprise names its legal representative by username.
    for acc in sorted(data["accounts"], key=lambda a: a["role"] == "applicant_enterprise"):
        if service.get_by_username(session, acc["username"]) is not None:
            continue
        legal_rep = None
        if acc.get("legal_representative"):
            legal_rep = service.get_by_username(session, acc["legal_representative"]).id
        service.create_user(session, username=acc["username"], password=data["password"], role=Role(acc["role"]),
                            full_name=acc["full_name"], id_number=acc.get("id_number"), uscc=acc.get("uscc"),
                            phone=acc.get("phone", ""), department_code=acc.get("department"),
                            window_code=acc.get("window"), legal_rep_user_id=legal_rep, actor="seed")
        created += 1
    return created
