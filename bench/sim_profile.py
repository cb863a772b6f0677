"""Where one simulator worker's CPU goes: build the district in a migrated, seeded database, then run
`--days` of it in this process (one worker) and print the CPU per application (total and by step),
the SQL statements per application by statement (first line), and the KPIs; `--profile FILE` writes a
cProfile (CPU time) of the days.

    .venv/bin/python bench/sim_profile.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/scratch \
        --days 3 --scale 0.1 [--profile var/sim.prof]

The database must be migrated and seeded (`portal db upgrade && portal seed`) and otherwise empty:
copy a template database for each run (`createdb -T`)."""
from __future__ import annotations

import argparse
import collections
import cProfile
import json
import os
import time
from datetime import date


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", default=None, help="write a cProfile (CPU time) of the days here")
    ap.add_argument("--top", type=int, default=40, help="statements listed")
    args = ap.parse_args()
    os.environ["PORTAL_DATABASE_URL"] = args.database_url
    from sqlalchemy import event

    from app.core import db
    from app.core.clock import use
    from app.core.config import get_settings

    get_settings().database_url = args.database_url
    db.set_engine(db.make_engine(args.database_url))
    from app.simulation import keys, kpis, timing, traffic

    statements: collections.Counter[str] = collections.Counter()

    @event.listens_for(db._engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, _parameters, _context, _many):
        statements[statement.split("\n")[0][:150]] += 1

    params = traffic.Params(days=args.days, seed=args.seed, scale=args.scale, start=date(2026, 3, 2))
    sim = traffic.Simulation(db.session_factory(), params)
    with sim.clock_context(), timing.installed(sim.timer):
        sim.build()
        sim.load_staff()
        statements.clear()
        profile = cProfile.Profile(time.process_time) if args.profile else None
        started = time.process_time()
        if profile:
            profile.enable()
        for day in keys.simulated_days(params.start, params.days):
            sim.run_day(day)
        sim.query_log.flush()
        if profile:
            profile.disable()
        cpu = time.process_time() - started
    if profile:
        profile.dump_stats(args.profile)
    n = max(1, sim.counters.submitted)
    print(f"{sim.counters.submitted} applications, {cpu * 1000 / n:.1f} ms CPU and "
          f"{sum(statements.values()) / n:.1f} SQL statements per application (the days, this process)")
    for step, seconds in sim.timer.as_dict()["cpu"].items():
        print(f"  {step:8} {seconds * 1000 / n:5.1f} ms")
    for statement, count in statements.most_common(args.top):
        print(f"{count / n:6.2f} {statement}")
    end = traffic.at(keys.simulated_days(params.start, params.days)[-1], 18)
    with use(lambda: end), db.session_factory()() as session:
        print("KPIs", json.dumps(kpis.measure(session), sort_keys=True, default=str))


if __name__ == "__main__":
    main()
