"""The catalogue: departments, themes, licence types, service matters, materials and bundles."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base

# The district the catalogue's "区…" departments belong to (the names an official document prints in full).
DISTRICT_NAME = ("徐汇区", "Xuhui District")


class Department(Base):
    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(200), default="")

    @property
    def full_name(self) -> str:
        """The authority's full name, as it signs a document: 区民政局 → 徐汇区民政局."""
        return DISTRICT_NAME[0] + self.name[1:] if self.name.startswith("区") else self.name

    @property
    def full_name_en(self) -> str:
        return f"{DISTRICT_NAME[1]} {self.name_en}" if self.name.startswith("区") and self.name_en else self.name_en


class Theme(Base):
    __tablename__ = "theme"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class LicenceType(Base):
    __tablename__ = "licence_type"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(300), default="")


class Matter(Base):
    __tablename__ = "matter"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"), index=True)
    theme_code: Mapped[str] = mapped_column(ForeignKey("theme.code"), index=True)
    subject: Mapped[str] = mapped_column(String(20), index=True)  # person | enterprise
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    high_freq: Mapped[bool] = mapped_column(Boolean, default=False)
    annual: Mapped[int] = mapped_column(Integer, default=0)
    promised_days: Mapped[int] = mapped_column(Integer, default=0)
    legal_days: Mapped[int] = mapped_column(Integer, default=0)
    auto_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[str] = mapped_column(Text, default="")
    esign: Mapped[bool] = mapped_column(Boolean, default=True)
    result: Mapped[str] = mapped_column(String(20), default="notice")
    issues_licence: Mapped[str | None] = mapped_column(ForeignKey("licence_type.code"), nullable=True)
    onsite: Mapped[bool] = mapped_column(Boolean, default=False)
    window_direct: Mapped[bool] = mapped_column(Boolean, default=False)
    # 审核/审批: two different people sign the decision (matters.service.two_level_rule)
    two_level: Mapped[bool] = mapped_column(Boolean, default=False)
    cross_region: Mapped[bool] = mapped_column(Boolean, default=False)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    faq: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    department: Mapped[Department] = relationship(lazy="raise")
    theme: Mapped[Theme] = relationship(lazy="raise")
    materials: Mapped[list["Material"]] = relationship(
        lazy="raise", order_by="Material.position", cascade="all, delete-orphan")

    @property
    def on_the_spot(self) -> bool:
        return self.promised_days == 0


class Material(Base):
    __tablename__ = "material"
    __table_args__ = (UniqueConstraint("matter_code", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_code: Mapped[str] = mapped_column(ForeignKey("matter.code", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(80))  # upload | licence:TYPE | data:SOURCE
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def source_kind(self) -> str:
        return self.source.split(":", 1)[0]

    @property
    def source_ref(self) -> str:
        return self.source.split(":", 1)[1] if ":" in self.source else ""

    @property
    def exempt(self) -> bool:
        """免于提交: taken from the licence wallet or shared data instead of an upload."""
        return self.source_kind in ("licence", "data")


class Bundle(Base):
    __tablename__ = "bundle"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)

    items: Mapped[list["BundleMatter"]] = relationship(
        lazy="raise", order_by="BundleMatter.position", cascade="all, delete-orphan")


class BundleMatter(Base):
    __tablename__ = "bundle_matter"
    __table_args__ = (UniqueConstraint("bundle_code", "matter_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_code: Mapped[str] = mapped_column(ForeignKey("bundle.code", ondelete="CASCADE"), index=True)
    matter_code: Mapped[str] = mapped_column(ForeignKey("matter.code"))
    position: Mapped[int] = mapped_column(Integer)
