"""`portal simulate`: build the district, run its working days, report the KPIs."""
from __future__ import annotations

import os
import resource
import time
from contextlib import nullcontext
from dataclasses import asdict
from datetime import date
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()


def simulate(days: int = typer.Option(..., min=1, help="Calendar days to simulate from --start (30: a month, "
                                                           "about 21 working days; weekends and holidays "
                                                           "pass with nothing to do)."),
             seed: int = typer.Option(..., help="Same seed, same district, same traffic, same KPIs."),
             scale: float = typer.Option(0.004, help="Share of the catalogue's annual volumes (1.0: the whole "
                                                     "district, about 2,000 applications a working day)."),
             start: str = typer.Option("2026-03-02", help="First simulated day (China date)."),
             workers: Optional[int] = typer.Option(None, min=1, max=16, help="Worker processes, each taking a "
                                                   "partition of the traffic (same seed, same KPIs for any number). "
                                                   "Default: one per core (at most 2) on PostgreSQL; 1 on SQLite, "
                                                   "whose writers queue one at a time (more workers only add "
                                                   "overhead there)."),
             database_url: Optional[str] = typer.Option(None, "--database-url", help="The database to simulate in "
                                                        "(default: PORTAL_DATABASE_URL); PostgreSQL lets workers "
                                                        "write in parallel, SQLite serialises their writes."),
             http: Optional[str] = typer.Option(None, "--http", help="Send the traffic through a running portal's "
                                                "API at this URL (its database must be this one: the district's "
                                                "records and accounts are loaded directly, the traffic is HTTP)."),
             online_adoption: float = typer.Option(0.85, help="What-if: share of online-capable transactions "
                                                              "made online (before the age effect)."),
             intake_error_rate: float = typer.Option(0.06, help="What-if: window intakes missing a material."),
             bundle_share: float = typer.Option(0.15, min=0.0, max=1.0, help="What-if: share of the people a "
                                                "\"one thing\" bundle's rarest matter serves who apply through the "
                                                "bundle (one combined form) rather than matter by matter."),
             auto_approval: bool = typer.Option(True, "--auto-approval/--no-auto-approval",
                                                help="What-if: automatic approval (秒批) on or off."),
             comprehensive_windows: int = typer.Option(9, help="What-if: comprehensive windows."),
             dedicated_windows: int = typer.Option(2, help="What-if: dedicated windows."),
             timings: bool = typer.Option(True, "--timings/--no-timings",
                                          help="Print the cost per application by step beside the raw cost."),
             json_file: Optional[str] = typer.Option(None, "--json", help="Write {\"kpis\": ...} here."),
             html_file: Optional[str] = typer.Option(None, "--html", help="Write an HTML report here.")):
    """Simulate a district's working days through the real services; report the plan's KPIs."""
    if database_url:
        os.environ["PORTAL_DATABASE_URL"] = database_url
        from app.core import db
        from app.core.config import get_settings

        get_settings().database_url = database_url
        db.set_engine(db.make_engine(get_settings().effective_database_url))
    from app.core.config import get_settings
    from app.core.db import session_factory
    from app.core.clock import use
    from app.simulation import keys, kpis, report, runner, timing, traffic
    from app.simulation.traffic import Params

    if workers is None:
        workers = 1 if get_settings().effective_database_url.startswith("sqlite") else min(2, os.cpu_count() or 1)
    simulated = keys.simulated_days(date.fromisoformat(start), days)
    if not simulated:
        raise typer.BadParameter(f"no working day in the {days} day(s) from {start} "
                                 f"/ 从 {start} 起的 {days} 天内没有工作日", param_hint="--days")
    params = Params(days=days, seed=seed, scale=scale, start=date.fromisoformat(start),
                    online_adoption=online_adoption, intake_error_rate=intake_error_rate, bundle_share=bundle_share,
                    auto_approval=auto_approval, comprehensive_windows=comprehensive_windows,
                    dedicated_windows=dedicated_windows)
    started, cpu_started = time.perf_counter(), _cpu()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("district (build + working days)", total=len(simulated) + 1)
        counters, timer = runner.run(session_factory(), get_settings().effective_database_url, params,
                                     workers=workers, http=http, on_step=lambda _what, n: progress.advance(task, n))
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu_started
    # The KPIs as of the end of the last simulated day (deadlines passed or not by then); over HTTP the
    # server kept the wall clock, and so does the measure.
    end = None if http else traffic.at(simulated[-1], 18)
    with (use(lambda: end) if end else nullcontext()), session_factory()() as session:
        measured = kpis.measure(session)
    console.print(report.table(measured))
    console.print(f"{counters.submitted} applications submitted ({counters.bundles} through a bundle's one "
                  f"combined form; {counters.abandoned} abandoned), {counters.guides} personal guides read, "
                  f"{counters.consultations} consultations, "
                  f"{counters.decisions} staff decisions, {counters.reviews} reviews in {seconds:.1f} s, "
                  f"{cpu:.1f} s CPU, {_max_rss_mb()} MB at most "
                  f"({workers} worker{'s' if workers > 1 else ''}{', over HTTP' if http else ''})")
    raw = timing.raw_costs(session_factory()) if timings else {}
    if timings:
        console.print(report.cost_table(timer.as_dict(), counters.submitted, raw))
    run = {**{k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(params).items()},
           "workers": workers, "http": bool(http),
           "submitted": counters.submitted, "abandoned": counters.abandoned, "arrivals": counters.arrivals,
           "consultations": counters.consultations, "guides": counters.guides, "bundles": counters.bundles,
           "decisions": counters.decisions, "reviews": counters.reviews,
           "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "max_rss_mb": _max_rss_mb()}
    data = {"kpis": measured, "run": run, "by_day": counters.by_day,
            "cost": {"steps": timer.as_dict(), "raw": raw}}
    if json_file:
        report.write_json(json_file, data)
    if html_file:
        report.write_html(html_file, data)


def _cpu() -> float:
    """CPU seconds of this process and its finished worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _max_rss_mb() -> int:
    """The largest resident set of this process or any of its worker processes (MB): flat in the days
    when nothing of the district or of past days is held."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(max(own.ru_maxrss, children.ru_maxrss) / 1024)
