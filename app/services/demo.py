"""Demo licence wallets: the personas' existing e-licences (ID card, household register,
business licence), so that their applications reuse them instead of uploads."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.identity import service as identity
from app.services.seals import licences

# username -> [(licence type, name, issuer code, issuer name, valid_from, valid_to)]
DEMO_WALLETS = {
    "citizen-elder": [("id-card", "居民身份证", "psb", "区公安分局", date(2016, 3, 15), None),
                      ("hukou-book", "居民户口簿", "psb", "区公安分局", date(1985, 6, 1), None)],
    "citizen-young": [("id-card", "居民身份证", "psb", "区公安分局", date(2016, 6, 12), date(2036, 6, 12)),
                      ("hukou-book", "居民户口簿", "psb", "区公安分局", date(1996, 7, 1), None)],
    "citizen-nodata": [("id-card", "居民身份证", "psb", "南京市公安局", date(2015, 8, 23), date(2035, 8, 23))],
    "enterprise-demo": [("business-licence", "营业执照", "amr", "区市场监督管理局", date(2021, 4, 8), None)],
}


def seed_demo_wallets(session: Session) -> int:
    """Idempotent: a persona who already holds an active licence of a type gets no second one."""
    created = 0
    for username, items in DEMO_WALLETS.items():
        user = identity.get_by_username(session, username)
        if user is None:
            continue
        for ltype, name, issuer, issuer_name, valid_from, valid_to in items:
            if licences.find_active_licence(session, user.subject_key, ltype) is not None:
                continue
            licences.issue_licence(session, holder_key=user.subject_key, holder_name=user.full_name,
                                   licence_type=ltype, licence_name=name, issuer_code=issuer,
                                   issuer_name=issuer_name, valid_from=valid_from, valid_to=valid_to,
                                   actor="seed")
            created += 1
    return created
