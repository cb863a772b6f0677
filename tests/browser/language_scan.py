"""What a reader sees on a page, checked for the other language (issue 9 item 6).

English pages: no Chinese characters (CJK ideographs, CJK and full-width punctuation) in visible
text, accessible names, placeholders, alt texts or the title — except what the page marks as a
name or an address (`data-proper-name`) or as what a person typed (`data-user-text`), and the
language switch itself (`a[hreflang]`). A marked name also counts where it recurs in running text
("Signer: 李明" when 李明 is marked on the same page); nothing else is skipped.

Chinese pages: no raw English machine words (status values such as `valid`, `tampered`,
`submitted`) in visible text, outside code samples and marked names or typed text.
"""
from __future__ import annotations

import enum
import re

CJK_JS = r"""() => {
  const cjk = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;
  const marked = [...document.querySelectorAll('[data-proper-name],[data-user-text]')]
      .map(e => e.textContent.trim()).filter(Boolean).sort((a, b) => b.length - a.length);
  const strip = (t) => { for (const n of marked) t = t.split(n).join(''); return t; };
  const skip = (el) => el.closest('[data-proper-name],[data-user-text],a[hreflang],script,style,noscript,template');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || skip(el) || !cjk.test(strip(n.textContent))) continue;
    if (el.checkVisibility && !el.checkVisibility() && !el.closest('.visually-hidden')) continue;
    out.push(n.textContent.trim().slice(0, 120));
  }
  for (const el of document.querySelectorAll('[placeholder],[aria-label],[title],img[alt],input[type=submit][value],input[type=button][value]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'aria-label', 'title', 'alt', 'value']) {
      const v = el.getAttribute(a);
      if (v && (a !== 'value' || el.type === 'submit' || el.type === 'button') && cjk.test(strip(v))) out.push(`[${a}] ${v}`);
    }
  }
  if (cjk.test(strip(document.title))) out.push(`[title] ${document.title}`);
  return out;
}"""

TEXT_JS = r"""() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || el.closest('[data-proper-name],[data-user-text],[lang="en"],code,pre,script,style,noscript,template')) continue;
    if (el.checkVisibility && !el.checkVisibility() && !el.closest('.visually-hidden')) continue;
    const t = n.textContent.trim();
    if (t) out.push(t);
  }
  return out;
}"""

# English plural slips: "1 working days", "1 applications".
BAD_PLURAL = re.compile(r"(?<![\d.])1 (?:working )?(?:days|items|fields|applications|materials|times|messages|reviews|licences)\b")


def machine_words() -> set[str]:
    """Status and outcome values of the system's enums: what a Chinese page must never show raw."""
    from app.services.applications.models import MaterialStatus, Status
    from app.services.seals.models import LicenceStatus, SealStatus
    from app.services.seals.schemas import VerifyStatus
    from app.services.datahub.models import LookupOutcome
    from app.evaluation.models import AppealStatus, TicketStatus

    words: set[str] = set()
    for e in (Status, MaterialStatus, LicenceStatus, SealStatus, VerifyStatus, LookupOutcome, AppealStatus,
              TicketStatus):
        assert issubclass(e, enum.Enum)
        words |= {m.value for m in e if isinstance(m.value, str) and len(m.value) > 2}
    return words


def english_leaks(page) -> list[str]:
    """CJK text on an English page outside marked names, addresses and typed text."""
    found = list(dict.fromkeys(page.evaluate(CJK_JS)))
    body = page.inner_text("body")
    found += [f"[plural] {m.group(0)}" for m in BAD_PLURAL.finditer(body)]
    return found


def chinese_leaks(page, words: set[str]) -> list[str]:
    """Raw English machine words on a Chinese page."""
    pattern = re.compile(r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True))
                         + r")(?![\w/.-])")
    out = []
    for text in page.evaluate(TEXT_JS):
        out += [f"{m.group(0)!r} in {text[:80]!r}" for m in pattern.finditer(text)]
    return list(dict.fromkeys(out))
