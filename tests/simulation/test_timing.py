"""The cost-by-step timer: a nested step's time is taken off its parent; the report's rows per application."""
import time

from app.simulation import report
from app.simulation.keys import partition
from app.simulation.timing import Timer


def test_nested_step_time_is_taken_off_the_parent():
    timer = Timer()
    started = time.perf_counter()
    with timer.step("decide"):
        time.sleep(0.02)
        with timer.step("seal"):
            time.sleep(0.05)
    elapsed = time.perf_counter() - started
    s = timer.as_dict()["seconds"]
    assert s["seal"] >= 0.05 and s["decide"] >= 0.02
    assert abs(s["decide"] + s["seal"] - elapsed) < 0.01  # the sealing is not counted twice
    assert timer.as_dict()["counts"] == {"create": 0, "submit": 0, "esign": 0, "decide": 1, "seal": 1, "review": 0,
                                         "collect": 0, "commit": 0}
    cpu = timer.as_dict()["cpu"]
    assert 0 <= cpu["decide"] < s["decide"] and 0 <= cpu["seal"] < s["seal"]  # sleeping takes no CPU


def test_cost_rows_are_per_application_beside_the_raw_cost():
    steps = {"seconds": {"create": 2.0, "seal": 1.0}, "cpu": {"create": 1.0, "seal": 0.8},
             "counts": {"create": 4, "seal": 2}}
    rows = report.cost_rows(steps, 4, {"insert": 0.004, "sign": 0.1})
    assert rows[0] == ("create", "4", "500.0", "250.0", "4.0 (bare INSERT of the rows)")
    assert rows[1] == ("seal", "2", "250.0", "200.0", "100.0 (bare pyHanko signature)")
    assert rows[-1] == ("total", "", "750.0", "450.0", "")


def test_partition_splits_keys_between_workers_the_same_way_every_time():
    keys = [f"2026-03-02:m{i}:0" for i in range(200)]
    split = [partition(k, 2) for k in keys]
    assert split == [partition(k, 2) for k in keys]
    assert 60 < sum(split) < 140  # both workers get a share

