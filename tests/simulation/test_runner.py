"""The parent of the worker processes: a worker that ends without reporting (killed) fails the run at
once, it does not leave the parent waiting for it."""
import os
from datetime import date

import pytest

from app.simulation import runner
from app.simulation.traffic import Params


def _worker(index, workers, params, url, barrier, events, http):
    if index == 1:
        os._exit(3)  # as if killed: no word to the parent
    try:
        barrier.wait()  # the other one never comes: the parent aborts the barrier
    except Exception:  # noqa: BLE001 - BrokenBarrierError: report as a real worker does
        events.put(("error", index, "barrier broken", None))


def test_a_worker_that_ends_without_reporting_fails_the_run(monkeypatch):
    monkeypatch.setattr(runner, "_worker", _worker)
    monkeypatch.setattr(runner.Simulation, "run_build", lambda self: None)  # no district: only the supervision
    monkeypatch.setattr(runner, "warm_up", lambda: None)
    with pytest.raises(RuntimeError, match="worker 1 exit code 3"):
        runner.run(None, "sqlite://", Params(days=1, seed=1, start=date(2026, 3, 2)), workers=2)
