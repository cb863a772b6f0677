"""The run's outputs: the KPI table (Rich), the JSON file (contract keys) and an HTML report whose
charts are drawn on the server as SVG."""
from __future__ import annotations

import html
import json
from pathlib import Path

from rich.table import Table

from app.simulation.kpis import KPIS


def _fmt(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _target(target) -> str:
    return "上升 rising" if isinstance(target, str) else f"≥ {target * 100:.0f} %"


def table(kpis: dict[str, dict]) -> Table:
    t = Table(title="行动方案指标 / Action-plan KPIs")
    for col in ("KPI", "指标", "value", "target", "met"):
        t.add_column(col)
    for k in KPIS:
        row = kpis[k.key]
        t.add_row(k.key, k.name, _fmt(row["value"]), _target(row["target"]),
                  "[green]✓[/green]" if row["met"] else "[red]✗[/red]")
    return t


def cost_rows(steps: dict, applications: int, raw: dict) -> list[tuple[str, str, str, str, str]]:
    """(step, calls, wall ms per application, CPU ms per application, raw ms of the same work) — the
    service layer's overhead in view."""
    per = max(applications, 1)
    seconds, cpu, counts = steps.get("seconds", {}), steps.get("cpu", {}), steps.get("counts", {})
    baseline = {"create": raw.get("insert"), "esign": raw.get("sign"), "seal": raw.get("sign")}
    names = {"create": "bare INSERT of the rows", "esign": "bare pyHanko signature", "seal": "bare pyHanko signature"}
    rows = []
    for step, value in seconds.items():
        b = baseline.get(step)
        rows.append((step, str(counts.get(step, 0)), f"{value / per * 1000:.1f}",
                     f"{cpu.get(step, 0.0) / per * 1000:.1f}" if cpu else "—",
                     f"{b * 1000:.1f} ({names[step]})" if b is not None else "—"))
    rows.append(("total", "", f"{sum(seconds.values()) / per * 1000:.1f}",
                 f"{sum(cpu.values()) / per * 1000:.1f}" if cpu else "—", ""))
    return rows


def cost_table(steps: dict, applications: int, raw: dict) -> Table:
    t = Table(title=f"每件成本 / Cost per application ({applications} applications; ms)")
    for col in ("step", "calls", "wall ms / application", "CPU ms / application", "raw CPU ms / unit"):
        t.add_column(col)
    for row in cost_rows(steps, applications, raw):
        t.add_row(*row)
    return t


def write_json(path: str, data: dict) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def kpi_bars_svg(kpis: dict[str, dict]) -> str:
    """One horizontal bar per KPI (its value) with the target marked."""
    width, row_h, label_w = 640, 26, 210
    scale = width - label_w - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row_h * len(KPIS) + 10}" '
             f'role="img" aria-label="KPIs against targets">']
    for i, k in enumerate(KPIS):
        row, y = kpis[k.key], 5 + i * row_h
        value = row["value"] or 0
        colour = "#2e7d32" if row["met"] else "#c62828"
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{html.escape(k.name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{value * scale:.1f}" height="16" fill="{colour}"/>')
        if not isinstance(row["target"], str):
            tx = label_w + row["target"] * scale
            parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y + 1}" y2="{y + 23}" stroke="#000"/>')
        parts.append(f'<text x="{label_w + value * scale + 4:.1f}" y="{y + 16}" font-size="11">{_fmt(row["value"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def daily_svg(by_day: list[dict]) -> str:
    """Applications submitted per simulated working day."""
    if not by_day:
        return ""
    width, height, top = 640, 160, max(d["submitted"] for d in by_day) or 1
    bar = width / len(by_day)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20}" role="img" '
             f'aria-label="applications per day">']
    for i, d in enumerate(by_day):
        h = d["submitted"] / top * height
        parts.append(f'<rect x="{i * bar + 1:.1f}" y="{height - h:.1f}" width="{max(bar - 2, 1):.1f}" height="{h:.1f}" '
                     f'fill="#1565c0"><title>{d["day"]}: {d["submitted"]}</title></rect>')
    parts.append(f'<text x="0" y="{height + 15}" font-size="11">{by_day[0]["day"]} … {by_day[-1]["day"]}</text></svg>')
    return "".join(parts)


def write_html(path: str, data: dict) -> None:
    rows = "".join(f"<tr><td>{html.escape(k.name)}<br><small>{html.escape(k.name_en)}</small></td>"
                   f"<td>{_fmt(data['kpis'][k.key]['value'])}</td><td>{_target(k.target)}</td>"
                   f"<td>{'达标 met' if data['kpis'][k.key]['met'] else '未达标 not met'}</td></tr>" for k in KPIS)
    run = data["run"]
    doc = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>区级模拟报告</title>
<style>body{{font-family:sans-serif;max-width:760px;margin:2em auto}}td,th{{border-bottom:1px solid #ccc;padding:4px 8px}}</style>
</head><body><h1>区级一网通办模拟报告 <small>District simulation report</small></h1>
<p>seed {run['seed']}, {run['days']} working days from {run['start']}, scale {run['scale']}:
{run['submitted']} applications submitted, {run['decisions']} staff decisions, {run['reviews']} reviews,
{run['seconds']:.1f} s.</p>
<h2>指标 / KPIs</h2>{kpi_bars_svg(data['kpis'])}
<table><tr><th>指标</th><th>value</th><th>target</th><th>met</th></tr>{rows}</table>
<h2>每日申请量 / Applications per day</h2>{daily_svg(data.get('by_day', []))}
{_cost_html(data, run)}
</body></html>"""
    Path(path).write_text(doc, encoding="utf-8")


def _cost_html(data: dict, run: dict) -> str:
    cost = data.get("cost")
    if not cost:
        return ""
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in cost_rows(cost["steps"], run["submitted"], cost.get("raw", {})))
    return ("<h2>每件成本 / Cost per application (ms)</h2><table><tr><th>step</th><th>calls</th>"
            f"<th>wall ms / application</th><th>CPU ms / application</th><th>raw CPU ms / unit</th></tr>{rows}</table>")
