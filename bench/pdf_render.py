"""PDF rendering: CPU milliseconds per application summary and per result document.

    python bench/pdf_render.py [--docs 200] [--seed 7] [--json] [--dump DIR]

Renders `--docs` application summaries (`render_summary_pdf`, as the e-signature makes them: matter,
applicant, signer — for an enterprise on two lines —, form fields, uploaded materials with their
SHA-256) and `--docs` result documents (`render_result_pdf`: approvals with granted rows, licences,
denials with the appeal notice, one to four reasons, some long enough to wrap, the department's seal
stamp), with names, matters and reasons drawn from a seeded generator so that every run renders the
same documents. The font is warmed up first; the figure is `time.process_time()` per document.
`--dump DIR` also writes the first few PDFs of each kind there, to look at.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁"
MATTERS = [("临时救助申请", "temporary-assistance", "Temporary assistance"),
           ("最低生活保障申请", "minimum-living", "Minimum living allowance"),
           ("残疾人两项补贴申请", "disability-allowance", "Disability allowances"),
           ("个体工商户设立登记", "sole-trader-registration", "Sole trader registration"),
           ("食品经营许可证核发", "food-business-licence", "Food business licence"),
           ("居住证签注", "residence-permit", "Residence permit endorsement"),
           ("高龄老人津贴申领", "senior-allowance", "Senior citizens' allowance")]
DEPARTMENTS = ["区民政局", "区市场监督管理局", "区残疾人联合会", "区公安分局", "区卫生健康委员会"]
REASONS = ["符合临时救助条件", "材料齐全，符合法定形式", "家庭人均收入低于本区最低生活保障标准",
           "户籍满1年 Household registration over 1 year", "经入户调查核实，家庭遭遇突发困难，基本生活陷入困境，" * 2,
           "不符合办理条件", "申请人年龄未满80周岁", "经营场所与登记住所不一致，且未能提供有效的场所使用证明材料"]
FIELDS = [("家庭人口", lambda r: f"{r.randint(1, 6)}人"), ("月收入（元）", lambda r: str(r.randint(800, 9000))),
          ("联系电话", lambda r: f"1{r.randint(3000000000, 9999999999)}"),
          ("居住地址", lambda r: f"徐汇区{r.choice('天平枫林龙华漕河泾田林')}街道{r.randint(1, 999)}弄{r.randint(1, 40)}号"),
          ("困难情况", lambda r: r.choice(["突发疾病", "家庭成员重病住院，医疗费用支出较大，家庭收入无法维持基本生活" * r.randint(1, 2),
                                            "Lost job in October; savings used up"])),
          ("经营范围", lambda r: "食品销售（仅销售预包装食品）；日用百货销售")]
MATERIALS = ["身份证", "户口簿", "收入证明", "医疗费用票据", "经营场所证明"]


def _name(r: random.Random) -> str:
    name = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.randint(1, 2)))
    return name if r.random() > 0.05 else name + "·" + "买买提艾力"  # now and then a long name


def _id(r: random.Random) -> str:
    return f"310104{r.randint(1950, 2005)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(1000, 9999)}"


def summaries(count: int, seed: int) -> list[tuple[str, str, list[tuple[str, str]]]]:
    from app.identity.validation import mask_id

    r = random.Random(seed)
    out = []
    for i in range(count):
        matter, _, matter_en = r.choice(MATTERS)
        person = _name(r)
        enterprise = r.random() < 0.2
        signer = f"{person} 代 上海{_name(r)}餐饮有限公司\n{person} for 上海{_name(r)}餐饮有限公司" if enterprise else person
        rows = [("事项 Matter", f"{matter} {matter_en}"), ("申请人 Applicant", person), ("证件号码 ID", mask_id(_id(r))),
                ("签署人 Signer", signer), ("签署人证件号码 Signer's ID", mask_id(_id(r)))]
        rows += [(label, make(r)) for label, make in r.sample(FIELDS, r.randint(2, 5))]
        rows += [(m, f"SHA-256 {hashlib.sha256(f'{i}{m}'.encode()).hexdigest()}") for m in r.sample(MATERIALS, r.randint(1, 3))]
        out.append((matter, f"XH2026112{i:07d}", rows))
    return out


def results(count: int, seed: int) -> list:
    from app.services.seals.schemas import ResultDocumentInput

    r = random.Random(seed + 1)
    out = []
    for i in range(count):
        matter, code, _ = r.choice(MATTERS)
        approved = r.random() < 0.8
        licence = approved and code.endswith("licence") or code == "sole-trader-registration" and approved
        granted = ([("金额 Amount", f"{r.randint(500, 5000)}元"), ("发放方式 Paid", "按月发放至社会保障卡")]
                   if approved and not licence and r.random() < 0.6 else [])
        out.append(ResultDocumentInput(
            number=f"XH2026112{i:07d}", matter_code=code, matter_name=matter,
            result_type="licence" if licence else r.choice(["decision", "decision", "notice", "certificate"]),
            department_code="civil", department_name=r.choice(DEPARTMENTS), applicant_name=_name(r),
            applicant_id_number=_id(r), outcome="approve" if approved else "deny",
            reasons=r.sample(REASONS, r.randint(1, 4)),
            decided_at=datetime(2026, 11, 1, 2, tzinfo=timezone.utc) + timedelta(hours=r.randint(0, 700)),
            licence_name=("食品经营许可证" if code == "food-business-licence" else "营业执照") if licence else None,
            licence_number=f"JY{r.randint(10**13, 10**14 - 1)}" if licence else None,
            valid_to=date(2031, 11, 30) if licence else None, granted=granted))
    return out


def run(docs: int = 200, seed: int = 7, dump: str | None = None) -> dict:
    from app.services.seals import documents, fonts, pdf, stamp_image

    fonts.warm_up()
    seal_png = stamp_image.render_seal_png("区民政局测试用章", "电子印章")
    summary_inputs, result_inputs = summaries(docs, seed), results(docs, seed)
    r = random.Random(seed + 2)  # document ids drawn like documents.new_document_id, but the same every run
    ids = ["".join(r.choice(documents.DOCUMENT_ID_ALPHABET) for _ in range(documents.DOCUMENT_ID_LENGTH))
           for _ in result_inputs]
    # one of each first: the per-process caches (seal image, QR layout) are not what is measured
    pdf.render_summary_pdf(*summary_inputs[0], declaration=("承诺", "Declaration"))
    pdf.render_result_pdf(result_inputs[0], document_id=ids[0], seal_png=seal_png, seal_number="3101040000001")

    from app.services.applications.esign import DECLARATION_EN, DECLARATION_ZH

    started = time.process_time()
    made_summaries = [pdf.render_summary_pdf(title, number, rows, declaration=(DECLARATION_ZH, DECLARATION_EN))
                      for title, number, rows in summary_inputs]
    summary_ms = (time.process_time() - started) * 1000 / docs
    started = time.process_time()
    made_results = [pdf.render_result_pdf(data, document_id=doc_id, seal_png=seal_png, seal_number="3101040000001")
                    for data, doc_id in zip(result_inputs, ids)]
    result_ms = (time.process_time() - started) * 1000 / docs
    if dump:
        Path(dump).mkdir(parents=True, exist_ok=True)
        for kind, made in (("summary", made_summaries), ("result", made_results)):
            for i, data in enumerate(made[:8]):
                (Path(dump) / f"{kind}-{i}.pdf").write_bytes(data)
    return {"docs": docs, "summary_ms": round(summary_ms, 2), "result_ms": round(result_ms, 2),
            "summary_kb": round(sum(map(len, made_summaries)) / docs / 1024, 1),
            "result_kb": round(sum(map(len, made_results)) / docs / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dump", help="write the first PDFs of each kind to this folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.docs, args.seed, args.dump)
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"summary: {figures['summary_ms']:.2f} ms CPU a document ({figures['summary_kb']} KB)")
        print(f"result:  {figures['result_ms']:.2f} ms CPU a document ({figures['result_kb']} KB)")


if __name__ == "__main__":
    main()
