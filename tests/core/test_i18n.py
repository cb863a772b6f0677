"""Every user-visible string has an English translation, with the same placeholders."""
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import messages  # noqa: E402


def test_every_string_is_translated_with_its_placeholders():
    with open(messages.PO, "rb") as fh:
        po = {m.id: m.string for m in read_po(fh) if m.id}
    strings = messages.collect()
    assert len(strings) > 200
    missing = [s for s in strings if not po.get(s)]
    assert missing == [], missing[:10]
    bad = [s for s in strings if set(re.findall(r"\{\w+\}", s)) != set(re.findall(r"\{\w+\}", po[s]))]
    assert bad == [], bad[:10]


def test_english_pages_use_the_catalogue(client):
    client.cookies.set("lang", "en")
    page = client.get("/").text
    assert "<h1>One-Stop Online Service: get things done yourself</h1>" in page
    assert "高频事项" not in page and "主题服务" not in page
