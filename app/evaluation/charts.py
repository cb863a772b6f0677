"""Small bar charts drawn on the server as SVG (no JavaScript, readable on a phone)."""
from __future__ import annotations

from markupsafe import Markup, escape

from app.evaluation.stats import Figures

BAR_H, GAP, LABEL_W, WIDTH = 22, 6, 140, 460


def bar_chart(groups: list[Figures], field: str, title: str, limit: int = 15) -> Markup:
    """Horizontal bars of a rate (0..1) per group, best first as given; empty groups are skipped."""
    rows = [(g.name, getattr(g, field)) for g in groups if getattr(g, field) is not None][:limit]
    if not rows:
        return Markup("")
    height = len(rows) * (BAR_H + GAP) + GAP
    span = WIDTH - LABEL_W - 60
    parts = [f'<svg class="bar-chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (name, value) in enumerate(rows):
        y = GAP + i * (BAR_H + GAP)
        w = max(1, round(span * value))
        label = name if len(name) <= 10 else name[:9] + "…"
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H * 0.7:.0f}" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" rx="2"></rect>'
                     f'<text x="{LABEL_W + w + 4}" y="{y + BAR_H * 0.7:.0f}">{value * 100:.1f}%</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
