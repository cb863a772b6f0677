"""Running the district: in this process (one worker) or in worker processes, each taking a
partition of the traffic against the same database, days in lock step; counters and step timings
come back to the parent, the KPIs are measured from the database at the end."""
from __future__ import annotations

import multiprocessing
import queue
import traceback
from dataclasses import asdict
from typing import Callable

from app.simulation.timing import Timer
from app.simulation.traffic import Counters, Params, Simulation, warm_up


def _merge(total: Counters, part: dict) -> None:
    for name in ("arrivals", "submitted", "abandoned", "consultations", "guides", "bundles", "decisions", "reviews"):
        setattr(total, name, getattr(total, name) + part[name])
    for i, day in enumerate(part["by_day"]):
        if i < len(total.by_day):
            total.by_day[i]["submitted"] += day["submitted"]
        else:
            total.by_day.append(dict(day))


def _worker(index: int, workers: int, params: Params, url: str, barrier, events, http: str | None) -> None:
    try:
        from app.core import db

        inherited = db._engine
        if inherited is not None:  # forked: leave the parent's connections to the parent
            inherited.dispose(close=False)
        db.set_engine(db.make_engine(url))
        kind = _simulation_class(http)
        sim = kind(db.session_factory(), params, worker=index, workers=workers, barrier=barrier,
                   on_step=lambda what, n: events.put(("step", index, what, n)), **({"base_url": http} if http else {}))
        counters = sim.run(build=False)
        events.put(("done", index, asdict(counters), sim.timer.as_dict()))
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
        barrier.abort()
        events.put(("error", index, traceback.format_exc(), None))


def _simulation_class(http: str | None):
    if http:
        from app.simulation.http_driver import HttpSimulation

        return HttpSimulation
    return Simulation


def run(sessions, url: str, params: Params, *, workers: int = 1, http: str | None = None,
        on_step: Callable[[str, int], None] = lambda _w, _n: None) -> tuple[Counters, Timer]:
    kind = _simulation_class(http)
    extra = {"base_url": http} if http else {}
    if workers <= 1:
        sim = kind(sessions, params, on_step=on_step, **extra)
        return sim.run(), sim.timer
    builder = kind(sessions, params, on_step=on_step, **extra)
    builder.run_build()
    warm_up()
    # fork: the workers start with what the parent has loaded (catalogue, consultation index, fonts)
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    barrier, events = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(i, workers, params, url, barrier, events, http), daemon=True)
             for i in range(workers)]
    for p in procs:
        p.start()
    total, timer, reported, error, silent = Counters(), Timer(), set(), None, 0
    while len(reported) < workers:
        try:
            kind_, index, payload, timings = events.get(timeout=2)
        except queue.Empty:  # a worker that ended without a word (killed): the run cannot finish
            gone = [(i, p.exitcode) for i, p in enumerate(procs) if p.exitcode is not None and i not in reported]
            silent = silent + 1 if gone else 0
            if silent >= 2:  # still nothing from it after one more wait: it is not a message in flight
                barrier.abort()
                for p in procs:
                    p.join(timeout=5)
                    if p.exitcode is None:
                        p.terminate()
                raise RuntimeError("simulation worker(s) ended without reporting: "
                                   + ", ".join(f"worker {i} exit code {code}" for i, code in gone)) from None
            continue
        if kind_ == "step":
            if index == 0:  # one worker's days advance the bar (they run in lock step)
                on_step(payload, timings)
        elif kind_ == "done":
            _merge(total, payload)
            timer.merge(timings)
            reported.add(index)
        else:
            error = payload
            reported.add(index)
    for p in procs:
        p.join(timeout=30)
    if error:
        raise RuntimeError(f"a simulation worker failed:\n{error}")
    return total, timer

