"""Requests are admitted to the database a bounded number at a time (app.core.db.request_slots):
the admitted never wait for a connection, and never take every thread, so a request holding a row
lock always finds a thread to serialise its answer and commit (see tests/hardening/test_instances.py
for the rush that used to stop every instance)."""
from types import SimpleNamespace

import anyio
import pytest

from app.core.config import get_settings
from app.core.db import admitted, pool_sizes, request_slots


@pytest.mark.parametrize("threads, edge", [(40, 10), (16, 4), (8, 2), (4, 10), (2, 1), (1, 1)])
def test_the_admitted_fit_in_the_pool_and_leave_a_thread(monkeypatch, threads, edge):
    settings = get_settings()
    monkeypatch.setattr(settings, "threads", threads)
    monkeypatch.setattr(settings, "edge_threads", edge)
    slots, pool = request_slots(), pool_sizes()
    assert slots >= 1
    assert 2 * slots <= pool["pool_size"] + pool["max_overflow"]  # two connections each at most
    assert slots < threads or threads == 1


def _request(slots):
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(db_slots=slots)), state=SimpleNamespace())


def test_a_request_is_admitted_once_however_many_sessions_it_opens():
    async def main():
        slots = anyio.Semaphore(1)
        one, other = _request(slots), _request(slots)
        async with admitted(one):
            with anyio.fail_after(5):  # its read session beside its session: no second slot taken
                async with admitted(one):
                    assert slots.value == 0
            with anyio.move_on_after(0.2) as waited:  # another request waits for the slot
                async with admitted(other):
                    pytest.fail("admitted beyond the slots")
            assert waited.cancelled_caught
        assert slots.value == 1
        async with admitted(other):  # the slot came back
            assert slots.value == 0
        assert slots.value == 1

    anyio.run(main)
