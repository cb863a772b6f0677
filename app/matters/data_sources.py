"""Names of the government data sources (数源) the catalogue's materials and forms refer to,
and of the applicant's real-name profile; shared by pages, pre-fill labels and the datahub."""
from __future__ import annotations

from app.core.i18n import pick

DATA_SOURCE_NAMES: dict[str, tuple[str, str]] = {
    "profile": ("实名认证信息", "Real-name profile"),
    "population": ("人口库", "Population registry"),
    "legal-entity": ("法人库", "Legal-entity registry"),
    "social-security": ("社保库", "Social security"),
    "hpf": ("公积金库", "Housing provident fund"),
    "tax": ("税务库", "Tax"),
    "realty": ("不动产登记库", "Real estate registry"),
    "address-cloud": ("住所云", "Address cloud"),
    "credit": ("公共信用信息库", "Public credit"),
}


def source_name(code: str) -> str:
    """The source's name in the reader's language (the code itself if unknown)."""
    zh, en = DATA_SOURCE_NAMES.get(code, (code, code))
    return pick(zh, en)
