"""`portal simulate`: build the district, run its working days, report the KPIs."""
from __future__ import annotations

import time
from dataclasses import asdict
from datetime import date
from typing import Optional

import typer
from rich.console import Console
from rich.progress import Progress

console = Console()


def simulate(days: int = typer.Option(..., help="Working days to simulate."),
             seed: int = typer.Option(..., help="Same seed, same district, same traffic, same KPIs."),
             scale: float = typer.Option(0.004, help="Share of the catalogue's annual volumes (1.0: the whole "
                                                     "district, about 2,000 applications a working day)."),
             start: str = typer.Option("2026-03-02", help="First simulated day (China date)."),
             online_adoption: float = typer.Option(0.85, help="What-if: share of online-capable transactions "
                                                              "made online (before the age effect)."),
             intake_error_rate: float = typer.Option(0.06, help="What-if: window intakes missing a material."),
             auto_approval: bool = typer.Option(True, "--auto-approval/--no-auto-approval",
                                                help="What-if: automatic approval (秒批) on or off."),
             comprehensive_windows: int = typer.Option(9, help="What-if: comprehensive windows."),
             dedicated_windows: int = typer.Option(2, help="What-if: dedicated windows."),
             json_file: Optional[str] = typer.Option(None, "--json", help="Write {\"kpis\": ...} here."),
             html_file: Optional[str] = typer.Option(None, "--html", help="Write an HTML report here.")):
    """Simulate a district's working days through the real services; report the plan's KPIs."""
    from app.core.db import session_factory
    from app.simulation import kpis, report
    from app.simulation.traffic import Params, Simulation

    params = Params(days=days, seed=seed, scale=scale, start=date.fromisoformat(start),
                    online_adoption=online_adoption, intake_error_rate=intake_error_rate,
                    auto_approval=auto_approval, comprehensive_windows=comprehensive_windows,
                    dedicated_windows=dedicated_windows)
    started = time.perf_counter()
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("district", total=days + 1)
        sim = Simulation(session_factory(), params, on_step=lambda _what, n: progress.advance(task, n))
        counters = sim.run()
    with session_factory()() as session:
        measured = kpis.measure(session)
    seconds = time.perf_counter() - started
    console.print(report.table(measured))
    console.print(f"{counters.submitted} applications submitted ({counters.abandoned} abandoned), "
                  f"{counters.decisions} staff decisions, {counters.reviews} reviews in {seconds:.1f} s")
    run = {**{k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(params).items()},
           "submitted": counters.submitted, "abandoned": counters.abandoned, "arrivals": counters.arrivals,
           "consultations": counters.consultations, "decisions": counters.decisions, "reviews": counters.reviews,
           "seconds": round(seconds, 2)}
    data = {"kpis": measured, "run": run, "by_day": counters.by_day}
    if json_file:
        report.write_json(json_file, data)
    if html_file:
        report.write_html(html_file, data)
