"""`make bench`'s review statistics at a tiny size, for correctness only (no timing asserts): the
seeding, the rollups it builds and the dashboard queries it times give the raw GROUP BY's figures."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_review_stats", ROOT / "bench" / "review_stats.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_bench_agrees_with_the_raw_group_by(tmp_path):
    from app.core import db as core_db

    bench = _bench()
    before = core_db.get_engine()
    try:
        result = bench.run_on(f"sqlite:///{tmp_path}/bench.db", 2000, quiet=True, runs=1, raw_runs=1)
    finally:
        core_db.set_engine(before)
    assert result["reviews"] == 2000
    assert [q["query"] for q in result["queries"]] == [q[0] for q in bench.queries()]
    assert result["all_equal"], [q for q in result["queries"] if not q["equal"]]
    everything = next(q for q in result["queries"] if q["query"] == "department")
    assert everything["reviews"] > 1900  # all but the few excluded by an upheld appeal
