"""`portal simulate` with worker processes (the same KPIs as one process) and over HTTP against a
live portal started for the test (`portal serve` on a free port, the same database)."""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

PORTAL = str(Path(sys.executable).with_name("portal"))


def _env(d: Path) -> dict:
    env = dict(os.environ, PORTAL_DATABASE_URL=f"sqlite:///{d}/sim.db", PORTAL_ENV="development",
               PORTAL_DATA_DIR=str(d), PORTAL_LOG_JSON="false")
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    return env


def _portal(env: dict, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    r = subprocess.run([PORTAL, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r


def _fresh(tmp_path: Path, name: str) -> tuple[Path, dict]:
    d = tmp_path / name
    d.mkdir()
    env = _env(d)
    _portal(env, "db", "upgrade")
    _portal(env, "seed")
    return d, env


def _simulate(d: Path, env: dict, *extra: str, scale: str = "0.003") -> dict:
    _portal(env, "simulate", "--days", "2", "--seed", "7", "--scale", scale, "--json", f"{d}/k.json", *extra)
    return json.loads((d / "k.json").read_text(encoding="utf-8"))


def test_two_workers_give_the_kpis_of_one(tmp_path):
    d1, env1 = _fresh(tmp_path, "one")
    d2, env2 = _fresh(tmp_path, "two")
    one = _simulate(d1, env1, "--workers", "1")
    two = _simulate(d2, env2, "--workers", "2")
    assert one["run"]["submitted"] > 0 and one["run"]["workers"] == 1 and two["run"]["workers"] == 2
    assert {k: v["value"] for k, v in one["kpis"].items()} == {k: v["value"] for k, v in two["kpis"].items()}
    for key in ("submitted", "abandoned", "decisions", "reviews", "arrivals"):
        assert one["run"][key] == two["run"][key], key
    assert one["by_day"] == two["by_day"]
    # walk-ins went through the window service: one intake record per window application
    with sqlite3.connect(d2 / "sim.db") as db:
        window_apps = db.execute("select count(*) from application where channel = 'window'").fetchone()[0]
        intakes = db.execute("select count(*) from window_intake").fetchone()[0]
        tickets = db.execute("select count(*) from queue_ticket").fetchone()[0]
    assert window_apps > 0 and intakes == window_apps and tickets >= window_apps
    steps = one["cost"]["steps"]["counts"]
    assert steps["create"] >= one["run"]["submitted"] and steps["decide"] > 0
    assert one["cost"]["raw"]["insert"] is not None


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_http_run_against_a_live_portal(tmp_path):
    d, env = _fresh(tmp_path, "http")
    port = _free_port()
    log = (d / "server.log").open("w")
    server = subprocess.Popen([PORTAL, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300  # a busy machine starts slowly
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError("the portal did not start: " + (d / "server.log").read_text()[-2000:])
        data = _simulate(d, env, "--http", url, "--bundle-share", "1", scale="0.01")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    run = data["run"]
    assert run["http"] is True and run["submitted"] > 0 and run["abandoned"] == 0
    assert run["bundles"] > 0 and run["guides"] > run["bundles"]  # the bundle API and the guide page too
    with sqlite3.connect(d / "sim.db") as db:
        apps = db.execute("select count(*) from application where status != 'draft'").fetchone()[0]
        tokens = db.execute("select count(*) from api_token").fetchone()[0]
        decided_by_staff = db.execute("select count(*) from application_event where actor like 'sim-reviewer-%'"
                                      " or actor like 'sim-window-%'").fetchone()[0]
        bundled = db.execute("select count(*) from bundle_application where submitted_at is not null").fetchone()[0]
    assert apps == run["submitted"]  # every application the run made went through the server
    assert bundled == run["bundles"]
    assert tokens > 0 and decided_by_staff > 0  # people logged in through the API; staff acted through it
    assert data["kpis"]["online_application_share"]["value"] is not None
