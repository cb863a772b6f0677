"""Answers, not only links: materials, time limit, fees, where, online, who qualifies, how long a
benefit is paid — from the catalogue. A guide question (`faq`) tagged with a `kind` answers that
kind for its matter ("失业保险金能领多久？" is the unemployment benefit's `duration`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# (kind, markers in the Simplified, lower-cased question); the first kind that matches is answered.
INTENTS = (
    ("materials", ("材料", "带什么", "带啥", "要带", "准备什么", "需要什么", "要什么证件", "documents", "bring", "paperwork")),
    ("fees", ("多少钱", "收费", "费用", "要钱", "花钱", "免费", "fee", "cost", "how much")),
    ("duration", ("领多久", "领多长", "领几个月", "领几年", "领取期限", "领取多久", "领到什么时候", "发多久", "发几个月",
                  "拿多久", "拿几个月", "享受多久", "how long can i receive", "how long can i get", "how long will i receive",
                  "how long do i receive", "how long will i get", "how many months")),
    ("time", ("多久", "几天", "多长时间", "多少天", "时间", "how long", "how many days")),
    ("online", ("网上", "网办", "线上", "手机上", "online", "internet")),
    ("where", ("在哪", "哪里办", "去哪", "哪儿", "地点", "哪个部门", "找谁", "where")),
    ("eligibility", ("条件", "谁可以", "能不能办", "符合", "资格", "who can", "eligible", "qualif")),
)


@dataclass
class Detail:
    matter_code: str
    kind: str
    text: str
    text_en: str
    apply_url: str

    def as_dict(self) -> dict[str, Any]:
        return {"matter_code": self.matter_code, "kind": self.kind, "text": self.text, "text_en": self.text_en,
                "apply_url": self.apply_url}


def intent(question: str) -> str | None:
    for kind, markers in INTENTS:
        if any(m in question for m in markers):
            return kind
    return None


def _materials(m: dict) -> tuple[list[str], list[str], int]:
    zh, en, shared = [], [], 0
    for x in m.get("materials") or []:
        if isinstance(x, (list, tuple)):
            zh.append(str(x[0]))
            en.append(str(x[2]) if len(x) > 2 else str(x[0]))
            shared += len(x) > 1 and str(x[1]) != "upload"
        else:
            zh.append(str(x))
            en.append(str(x))
    return zh, en, shared


def answer(m: dict, dept: dict, kind: str) -> Detail:
    """One matter's detail of the asked kind, in a sentence or a short list."""
    name, name_en = m["name"], m.get("name_en", m["name"])
    days, legal = int(m.get("promised_days") or 0), int(m.get("legal_days") or 0)
    online = bool(m.get("online"))
    where = dept.get("name", "")
    where_en = dept.get("name_en", "")
    tagged = next((f for f in m.get("faq") or [] if f.get("kind") == kind and f.get("a")), None)
    if tagged:
        text, text_en = tagged["a"], tagged.get("a_en") or tagged["a"]
    elif kind == "duration":
        text = f"「{name}」的办事指南未列领取期限，请以审核结果为准。"
        text_en = f"The guide of {name_en} states no period of payment; the decision will say."
    elif kind == "materials":
        zh, en, shared = _materials(m)
        text = f"办理「{name}」需要：{'、'.join(zh) or '无需材料'}。"
        text_en = f"{name_en} needs: {'; '.join(en) or 'no documents'}."
        if shared:
            text += f"其中 {shared} 项由系统从证照库或共享数据调取，不必另交。"
            text_en += f" {shared} of them are taken from the licence wallet or shared data."
    elif kind == "time":
        text = ("「{n}」当场办结。" if days == 0 else "「{n}」承诺 {d} 个工作日内办结（法定 {l} 个工作日）。").format(
            n=name, d=days, l=legal or days)
        text_en = (f"{name_en} is decided on the spot." if days == 0 else
                   f"{name_en} is decided within {days} working days (legal limit {legal or days}).")
    elif kind == "fees":
        text, text_en = f"「{name}」的办事指南未列收费项目。", f"The guide of {name_en} lists no fee."
    elif kind in ("online", "where"):
        if online:
            text = f"「{name}」可全程网上办理，也可到{where}或社区事务受理服务中心窗口办理。"
            text_en = f"{name_en} can be done fully online, or at a window of the {where_en} or a community centre."
        else:
            text = f"「{name}」需到{where}窗口办理，可先在网上预约并提交材料。"
            text_en = f"{name_en} is handled at a window of the {where_en}; you can book and send documents online."
    else:  # eligibility
        text = m.get("description", "").split("。")[0] + "。"
        text_en = m.get("description_en", "").split(". ")[0].rstrip(".") + "."
    return Detail(m["code"], kind, text, text_en, f"/matters/{m['code']}/apply")
