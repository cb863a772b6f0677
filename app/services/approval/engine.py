"""zen-engine evaluation of decision models: compiled once per content, structural checks, fired rows."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import zen

from app.services.approval.exceptions import InvalidModel

SHIPPED = Path(__file__).parent / "models"
OUTCOMES = ("approve", "deny", "refer")
_engine = zen.ZenEngine()


def content_key(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@lru_cache(maxsize=256)
def _compiled(key: str, text: str):
    return _engine.create_decision(text)


_by_object: dict[int, tuple[dict[str, Any], Any]] = {}


def decision(content: dict[str, Any]):
    """The compiled zen decision of this JDM content (cached by its hash).

    A model version's content never changes (an edit is a new version), so the same content object
    — a loaded model row's — also finds its decision without being serialised and hashed again."""
    hit = _by_object.get(id(content))
    if hit is not None and hit[0] is content:
        return hit[1]
    compiled = _compiled(content_key(content), json.dumps(content, ensure_ascii=False))
    if len(_by_object) >= 256:
        _by_object.clear()
    _by_object[id(content)] = (content, compiled)
    return compiled


@lru_cache(maxsize=256)
def loaded(text: str) -> tuple[dict[str, Any], Any]:
    """(content, compiled decision) of a model version's stored JSON text, parsed and compiled once per
    distinct text: keyed by the content itself, so it can never answer for another model, and nothing
    needs invalidating when a version is activated or rolled back (the active row is read every time).
    The content is shared by every caller: read it, never change it (an edit is a deep copy). A content
    zen-engine cannot load has no decision (None): `evaluate` then refers, as it does for any model error."""
    content = json.loads(text)
    try:
        return content, decision(content)
    except Exception:  # zen raises RuntimeError with a JSON description; evaluate() says so in the trace
        return content, None


def shipped_models() -> dict[str, dict[str, Any]]:
    """The default models shipped with the code, by matter code."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(SHIPPED.glob("*.json"))}


def table_node(content: dict[str, Any]) -> dict[str, Any]:
    """The decision table of a model (the first decisionTableNode)."""
    for node in content.get("nodes", []):
        if node.get("type") == "decisionTableNode":
            return node
    raise InvalidModel("模型中没有决策表 / The model has no decision table")


def sources(content: dict[str, Any]) -> dict[str, bool]:
    """Which facts sources the model reads, and whether "no record" is a meaningful answer for each."""
    return dict((content.get("metadata") or {}).get("sources") or {})


def validate(content: Any) -> dict[str, Any]:
    """Raise InvalidModel unless zen-engine loads the model and it has the shape the portal needs."""
    if not isinstance(content, dict) or not isinstance(content.get("nodes"), list) \
            or not isinstance(content.get("edges"), list):
        raise InvalidModel("JDM 须包含 nodes 和 edges / A JDM needs nodes and edges")
    types = [n.get("type") for n in content["nodes"] if isinstance(n, dict)]
    if types.count("inputNode") != 1 or types.count("outputNode") != 1:
        raise InvalidModel("JDM 须有且仅有一个输入节点和一个输出节点 / A JDM needs exactly one input and one output node")
    table = table_node(content)["content"]
    if not isinstance(table.get("rules"), list) or not isinstance(table.get("inputs"), list):
        raise InvalidModel("决策表须包含 inputs 和 rules / The decision table needs inputs and rules")
    bad = [s for s in sources(content) if not isinstance(s, str)]
    if bad:
        raise InvalidModel("metadata.sources 无效 / metadata.sources is invalid")
    try:
        result = decision(content).evaluate({"sources": {}, "applicant": {}, "form": {}})["result"]
    except Exception as exc:  # zen raises RuntimeError with a JSON description
        raise InvalidModel(f"zen-engine 无法执行该模型 / zen-engine cannot run the model: {str(exc)[:300]}") from exc
    if not isinstance(result, dict) or result.get("outcome") not in OUTCOMES or "reasons" not in result:
        raise InvalidModel("模型输出须包含 outcome（approve/deny/refer）和 reasons / The model must output outcome "
                           "(approve, deny or refer) and reasons")
    return content


def evaluate(content: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """Run the model: {outcome, definitive, reasons, fired, trace}. Errors become a referral."""
    try:
        response = decision(content).evaluate(facts, {"trace": True})
    except Exception as exc:
        return {"outcome": "refer", "definitive": False, "fired": [], "trace": {"error": str(exc)[:500]},
                "reasons": [{"code": "model_error", "zh": "决策模型执行出错，转人工审核",
                             "en": "The decision model failed; a person will decide"}]}
    result = response.get("result") or {}
    trace = response.get("trace") or {}
    fired = []
    table_id = table_node(content)["id"]
    hits = (trace.get(table_id) or {}).get("traceData") or []
    for hit in [hits] if isinstance(hits, dict) else hits:
        fired.append({"index": hit.get("index"), "row": (hit.get("rule") or {}).get("_id"),
                      "values": hit.get("reference_map") or {}})
    outcome = result.get("outcome") if result.get("outcome") in OUTCOMES else "refer"
    return {"outcome": outcome, "definitive": bool(result.get("definitive")),
            "reasons": [r for r in result.get("reasons") or [] if isinstance(r, dict)],
            "fired": fired, "trace": trace}  # zen answers fresh JSON values (dicts, lists, str, numbers)
