from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MaterialRead(ORMModel):
    id: int
    name: str
    name_en: str = ""
    source: str
    required: bool
    exempt: bool


class MatterSummary(BaseModel):
    code: str
    name: str
    name_en: str
    department: str
    department_name: str
    theme: str
    theme_name: str
    subject: str
    online: bool
    high_freq: bool
    auto_approval: bool
    promised_days: int
    legal_days: int
    on_the_spot: bool
    onsite: bool
    cross_region: bool
    window_direct: bool
    two_level: bool = False  # 审核/审批: the decision needs two different people
    esign: bool
    result: str
    issues_licence: str | None


class MatterDetail(MatterSummary):
    description: str
    description_en: str
    keywords: list[str]
    faq: list[dict]
    materials: list[MaterialRead]
    channels: list[str]
    guide: dict | None = None
    form_schema: dict | None = None


class MatterPage(BaseModel):
    items: list[MatterSummary]
    total: int
    limit: int
    offset: int


class BundleRead(BaseModel):
    code: str
    name: str
    name_en: str
    subject: str
    description: str
    description_en: str
    matters: list[str]


class BundleDetail(BundleRead):
    items: list[MatterSummary]
    guide: dict | None = None
    form_schema: dict | None = None


class BundleList(BaseModel):
    items: list[BundleRead]
    total: int
