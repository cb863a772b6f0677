"""Several instances: `portal serve` ×2 and `portal worker` ×2 on one PostgreSQL database (a
private schema, dropped afterwards) with the task queue on Redis, as a district runs when it
outgrows one process.

    python bench/instances.py [--clients 200] [--each 3] [--instances 2] [--workers 2] [--slots 4]
                              [--database-url URL] [--queue-url redis://127.0.0.1:6379/0]

1. Load: applicants create applications with Idempotency-Keys, spread over the instances; every
   retry goes to another instance than the try before, some clients give up on the first answer
   after a few milliseconds (the first instance may still commit it), some re-send a successful
   request to the other instance, some send the same request to both at once. Then: exactly one
   application per key (every answer for a key carries the same number), no duplicates, no 5xx,
   p50/p95 reported, requests per instance, and the audit chain verifies.
2. Scheduled jobs: each worker's scheduler (huey's own) enqueues every job for the same past
   slots, as each instance's scheduler does when the minute comes; the workers consume from Redis.
   Then: for every (job, slot) one `job_run` row, done, run once (the workers' logs), and skipped
   by every other scheduler's copy.

Exits 1 on any failed check. `tests/hardening/test_instances.py` runs a short version in `make test`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.live import BIN, PASSWORD, ROOT, free_port, wait_until_up  # noqa: E402

MATTER = "temporary-assistance"
APPLICANTS = ["citizen-young", "citizen-elder", "citizen-nodata"]
DEFAULT_QUEUE = "redis://127.0.0.1:6379/0"
RAN = re.compile(r"^job (\S+): slot (\S+) ran on (\S+)")
SKIPPED = re.compile(r"^job (\S+): slot (\S+) already claimed")


class Cluster:
    """`instances` × `portal serve` and `workers` × `portal worker` sharing one database and one
    Redis queue (a queue name of their own); each process has its own data directory."""

    def __init__(self, database_url: str, queue_url: str = DEFAULT_QUEUE, instances: int = 2, workers: int = 2,
                 threads: int = 16, edge_threads: int = 4):
        self.dir = Path(tempfile.mkdtemp(prefix="portal-multi-"))
        self.queue_url = queue_url
        self.queue_name = f"multi-{uuid.uuid4().hex[:8]}"
        # What every instance must share: the database, the queue and the secret key (sessions,
        # tokens, keys, the audit chain), here inherited from this process's environment.
        self.env = {**os.environ, "PORTAL_ENV": "development", "PORTAL_DATABASE_URL": database_url,
                    "PORTAL_QUEUE_URL": queue_url, "PORTAL_QUEUE_NAME": self.queue_name,
                    "PORTAL_LOG_JSON": "true", "PORTAL_LOG_LEVEL": "INFO",
                    # connections: instances × (threads + edge threads) must fit in max_connections
                    "PORTAL_THREADS": str(threads), "PORTAL_EDGE_THREADS": str(edge_threads)}
        self.env.pop("PORTAL_BASE_URL", None)
        self.ports = [free_port() for _ in range(instances)]
        self.bases = [f"http://127.0.0.1:{p}" for p in self.ports]
        self.names = [f"serve-{i}" for i in range(instances)] + [f"worker-{i}" for i in range(workers)]
        self.procs: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, *args: str) -> None:
        data = self.dir / name
        data.mkdir(exist_ok=True)
        log = open(data / "log", "a")
        self.procs[name] = subprocess.Popen([str(BIN / "portal"), *args], env={**self.env, "PORTAL_DATA_DIR": str(data)},
                                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start(self, timeout: float = 120) -> "Cluster":
        for name in self.names:
            if name.startswith("serve-"):
                self._spawn(name, "serve", "--port", str(self.ports[int(name.split("-")[1])]))
            else:
                self._spawn(name, "worker", "--workers", "2")
        for i, base in enumerate(self.bases):
            wait_until_up(base + "/healthz", timeout, proc=self.procs[f"serve-{i}"])
        # a worker is ready once huey's consumer says so
        deadline = time.monotonic() + timeout
        for name in self.names:
            while name.startswith("worker-") and "consumer started" not in self.log_text(name).lower():
                if self.procs[name].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start: {self.log_text(name)[-1500:]}")
                time.sleep(0.2)
        return self

    def log_text(self, name: str) -> str:
        path = self.dir / name / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def messages(self, name: str) -> list[dict]:
        out = []
        for line in self.log_text(name).splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def errors(self, limit: int = 5) -> list[str]:
        found = [f"{n}: {m.get('message', '')[:200]} {(m.get('exc_info') or '').strip().splitlines()[-1:]}"
                 for n in self.names if n.startswith("serve-") for m in self.messages(n) if m.get("level") == "ERROR"]
        return found[-limit:]

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "portal"), *args], env={**self.env, "PORTAL_DATA_DIR": str(self.dir / "cli")},
                              cwd=ROOT, capture_output=True, text=True, timeout=600)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def close(self) -> None:
        self.stop()
        try:
            queue(self.queue_url, self.queue_name).storage.flush_all()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def queue(queue_url: str, queue_name: str):
    """A handle on the cluster's Redis queue with the portal's scheduled jobs registered (what each
    worker's scheduler holds)."""
    from app.core.config import Settings
    from app.core.tasks import build_queue, huey, load_task_modules

    load_task_modules()
    q = build_queue(Settings(queue_url=queue_url, queue_name=queue_name))
    for task_class in huey._registry._periodic_tasks:
        q._registry.register(task_class)
    return q


# -- 1. load -----------------------------------------------------------------------------------

@dataclass
class LoadReport:
    keys: int
    held: int = 0
    duplicated: int = 0
    split_keys: int = 0  # keys answered with two numbers, or never answered
    server_errors: list[str] = field(default_factory=list)
    other_failures: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    per_instance: list[int] = field(default_factory=list)
    retried: int = 0  # requests sent again (to the other instance)
    took: float = 0.0
    unfinished: int = 0  # applicants still waiting for an answer at the deadline

    @property
    def p95_ms(self) -> float:
        s = sorted(self.times)
        return s[int(0.95 * (len(s) - 1))] * 1000 if s else 0.0

    @property
    def ok(self) -> bool:
        return (self.held == self.keys and not self.duplicated and not self.split_keys and not self.server_errors
                and not self.unfinished)

    def line(self) -> str:
        p50 = statistics.median(self.times) * 1000 if self.times else 0
        return (f"{self.keys} keys: {self.held} applications held ({self.duplicated} duplicated, {self.split_keys} "
                f"keys with two numbers or none), {len(self.times)} answers in {self.took:.1f} s "
                f"({len(self.times) / max(self.took, 1e-9):.0f}/s), per instance {self.per_instance}, "
                f"{self.retried} sent again to another instance, p50 {p50:.0f} ms, p95 {self.p95_ms:.0f} ms, "
                f"{len(self.server_errors)} 5xx, other failures {sorted(set(self.other_failures))[:4]}"
                + (f", {self.unfinished} applicants NOT answered within the deadline" if self.unfinished else ""))


def tokens(bases: list[str]) -> dict[str, str]:
    """One bearer token per applicant, each from another instance (all instances accept it)."""
    out = {}
    for i, user in enumerate(APPLICANTS):
        r = httpx.post(bases[i % len(bases)] + "/api/v1/auth/token", data={"username": user, "password": PASSWORD},
                       timeout=60)
        r.raise_for_status()
        out[user] = r.json()["access_token"]
    return out


async def _load(bases: list[str], toks: dict[str, str], clients: int, each: int, rnd: random.Random,
                form: dict, deadline: float) -> tuple[LoadReport, dict[str, set]]:
    n = len(bases)
    report = LoadReport(keys=clients * each, per_instance=[0] * n)
    numbers: dict[str, set] = {}
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients)
    https = [httpx.AsyncClient(base_url=b, timeout=60, limits=limits) for b in bases]
    gate = asyncio.Event()

    async def send(key: str, body: dict, headers: dict, first: int, impatient: float | None = None) -> str | None:
        """Until answered: each retry to the next instance (so never the one tried just before)."""
        for attempt in range(40):
            i = (first + attempt) % n
            if attempt:
                report.retried += 1
            t = time.monotonic()
            try:
                r = await https[i].post("/api/v1/applications", json=body, headers={**headers, "Idempotency-Key": key},
                                        timeout=impatient if attempt == 0 and impatient else 60)
            except httpx.TimeoutException:
                continue  # gave up on the answer: the first instance may still commit it
            except httpx.HTTPError as e:
                report.other_failures.append(type(e).__name__)
                continue
            report.times.append(time.monotonic() - t)
            report.per_instance[i] += 1
            if r.status_code == 201:
                return r.json()["number"]
            if r.status_code >= 500:
                report.server_errors.append(f"{r.status_code} {r.text[:120]}")
            elif r.status_code != 409:  # 409: the same key is in flight elsewhere; try again
                report.other_failures.append(f"{r.status_code} {r.text[:120]}")
                return None
            await asyncio.sleep(0.05 + rnd.random() * 0.1)
        return None

    async def applicant(c: int):
        user = APPLICANTS[c % len(APPLICANTS)]
        headers = {"Authorization": f"Bearer {toks[user]}"}
        home = c % n
        await gate.wait()
        for _ in range(each):
            key = uuid.uuid4().hex
            body = {"matter_code": MATTER, "form": dict(form, hardship_reason=f"困难 {key}")}
            got = numbers.setdefault(key, set())
            mode = rnd.random()
            if mode < 0.15:  # the same request to two instances at once
                got.update(await asyncio.gather(send(key, body, headers, home), send(key, body, headers, home + 1)))
            elif mode < 0.35:  # the client gives up on the first answer after a few ms and retries elsewhere
                got.add(await send(key, body, headers, home, impatient=0.005 + rnd.random() * 0.1))
            else:
                got.add(await send(key, body, headers, home))
                if mode < 0.55:  # the answer "lost": the successful request sent again to another instance
                    report.retried += 1
                    got.add(await send(key, body, headers, home + 1))

    try:
        jobs = [asyncio.create_task(applicant(c)) for c in range(clients)]
        await asyncio.sleep(0.1)
        start = time.monotonic()
        gate.set()
        _, pending = await asyncio.wait(jobs, timeout=deadline)
        for job in pending:  # a server that stopped answering
            job.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        report.unfinished = len(pending)
        report.took = time.monotonic() - start
    finally:
        for h in https:
            await h.aclose()
    return report, numbers


def run_load(cluster: Cluster, database_url: str, clients: int, each: int, seed: int = 7,
             deadline: float = 1800) -> LoadReport:
    from sqlalchemy import create_engine, text

    from app.matters.content import example_form

    report, numbers = asyncio.run(_load(cluster.bases, tokens(cluster.bases), clients, each, random.Random(seed),
                                        example_form(MATTER), deadline))
    report.split_keys = sum(1 for v in numbers.values() if len(v) != 1 or None in v)
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            forms = c.execute(text("SELECT form FROM application WHERE matter_code = :m"), {"m": MATTER}).scalars()
            held = [(json.loads(f) if isinstance(f, str) else f).get("hardship_reason", "").split()[-1] for f in forms]
    finally:
        engine.dispose()
    held = [k for k in held if k in numbers]
    report.held = len(set(held))
    report.duplicated = len(held) - len(set(held))
    return report


# -- 2. scheduled jobs -------------------------------------------------------------------------

def past_slots(validate, k: int, before: datetime) -> list[datetime]:
    """The last `k` minutes before `before` (UTC) that the schedule fires on."""
    t = before.replace(second=0, microsecond=0, tzinfo=None)
    out: list[datetime] = []
    for _ in range(60 * 24 * 32):
        t -= timedelta(minutes=1)
        if validate(t):
            out.append(t)
            if len(out) == k:
                break
    return out


@dataclass
class ScheduleReport:
    slots: dict[tuple[str, str], str]  # (job, slot) -> status of its job_run row
    ran: dict[tuple[str, str], list[str]]  # (job, slot) -> workers whose log says it ran there
    skipped: dict[tuple[str, str], int]
    schedulers: int
    took: float

    @property
    def ok(self) -> bool:
        return all(self.slots.get(k) == "done" and len(self.ran.get(k, [])) == 1
                   and self.skipped.get(k, 0) == self.schedulers - 1 for k in self.slots) and \
            all(len(v) == 1 for v in self.ran.values())

    def line(self) -> str:
        done = sum(1 for v in self.slots.values() if v == "done")
        once = sum(1 for k in self.slots if len(self.ran.get(k, [])) == 1)
        by = {}
        for k in self.slots:
            for w in self.ran.get(k, []):
                by[w] = by.get(w, 0) + 1
        return (f"{len(self.slots)} (job, slot) pairs enqueued by each of {self.schedulers} schedulers: {done} done, "
                f"{once} run exactly once, {sum(self.skipped.get(k, 0) for k in self.slots)} copies skipped, "
                f"run by {sorted(by.items())}, "
                f"in {self.took:.1f} s")


def run_schedules(cluster: Cluster, database_url: str, slots_per_job: int, timeout: float = 300) -> ScheduleReport:
    """Every worker's scheduler enqueues each job's last `slots_per_job` slots of a day ago; the
    workers run them from Redis; one run per (job, slot), whoever's copy arrives first."""
    from huey.consumer import Scheduler
    from sqlalchemy import create_engine, text

    schedulers = [n for n in cluster.names if n.startswith("worker-")]
    q = queue(cluster.queue_url, cluster.queue_name)
    before = datetime.now(timezone.utc) - timedelta(days=1)
    wanted: set[tuple[str, str]] = set()
    minutes: set[datetime] = set()
    tasks = {q._registry.task_to_string(type(task)): task for task in q._registry.periodic_tasks}
    for task in tasks.values():
        minutes.update(past_slots(task.validate_datetime, slots_per_job, before))
    for t in minutes:  # a minute may be a slot of several jobs
        wanted.update((name, t.replace(tzinfo=timezone.utc).isoformat())
                      for name, task in tasks.items() if task.validate_datetime(t))
    start = time.monotonic()
    for _ in schedulers:  # each worker's scheduler, as it would when the minute comes
        sched = Scheduler(q, None, 1, True)
        for t in sorted(minutes):
            sched.enqueue_periodic_tasks(t)
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            ran, skipped = _scan_logs(cluster, schedulers)
            settled = sum(len(ran.get(k, [])) + skipped.get(k, 0) for k in wanted)
            if settled >= len(wanted) * len(schedulers) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        took = time.monotonic() - start
        with engine.connect() as c:
            rows = c.execute(text("SELECT job, slot, status FROM job_run")).all()
    finally:
        engine.dispose()
    status = {}
    for job, slot, st in rows:
        slot = slot if slot.tzinfo else slot.replace(tzinfo=timezone.utc)
        key = (job, slot.astimezone(timezone.utc).isoformat())
        if key in wanted:
            status[key] = st
    for k in wanted:
        status.setdefault(k, "missing")
    return ScheduleReport(status, ran, skipped, len(schedulers), took)


def _scan_logs(cluster: Cluster, workers: list[str]):
    ran: dict[tuple[str, str], list[str]] = {}
    skipped: dict[tuple[str, str], int] = {}
    for w in workers:
        for m in cluster.messages(w):
            msg = m.get("message", "")
            if (hit := RAN.match(msg)):
                ran.setdefault((hit[1], hit[2]), []).append(w)
            elif (hit := SKIPPED.match(msg)):
                skipped[(hit[1], hit[2])] = skipped.get((hit[1], hit[2]), 0) + 1
    return ran, skipped


# -- the whole run -----------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--each", type=int, default=3, help="applications per client")
    ap.add_argument("--instances", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--slots", type=int, default=4, help="past slots of each scheduled job")
    ap.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--queue-url", default=os.environ.get("PORTAL_QUEUE_URL") or DEFAULT_QUEUE)
    ap.add_argument("--keep", action="store_true", help="keep the processes' logs (their directory is printed)")
    args = ap.parse_args()
    from bench.live import Portal

    # every instance, and the seeding before them, shares one secret (sessions, tokens, the audit key)
    os.environ.setdefault("PORTAL_SECRET_KEY", f"multi-{uuid.uuid4().hex}{uuid.uuid4().hex}")

    db = Portal(args.database_url)  # a private schema, migrated and seeded (not started)
    cluster = Cluster(db.db, args.queue_url, args.instances, args.workers)
    try:
        t = time.monotonic()
        cluster.start()
        print(f"{args.instances} instances and {args.workers} workers on PostgreSQL (schema {db.schema}) and "
              f"{args.queue_url} (queue {cluster.queue_name}), up in {time.monotonic() - t:.1f} s")
        load = run_load(cluster, db.db, args.clients, args.each)
        print(f"load: {args.clients} applicants x {args.each}: " + load.line())
        if load.server_errors:
            print("  answers:", *sorted(set(load.server_errors))[:5], "server log:", *cluster.errors(), sep="\n  ")
        audit = cluster.cli("audit", "verify")
        print(f"audit chain: {'verified' if audit.returncode == 0 else 'FAILED ' + audit.stdout[-300:]}")
        sched = run_schedules(cluster, db.db, args.slots)
        print("scheduled jobs: " + sched.line())
        for k, v in sorted(sched.slots.items()):
            if v != "done" or len(sched.ran.get(k, [])) != 1 or sched.skipped.get(k, 0) != sched.schedulers - 1:
                print(f"  {k[0]} {k[1]}: {v}, ran on {sched.ran.get(k, [])}, skipped {sched.skipped.get(k, 0)}")
        ok = load.ok and audit.returncode == 0 and sched.ok
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        if args.keep:
            cluster.stop()
            print(f"logs kept in {cluster.dir}")
        else:
            cluster.close()
        db.close()


if __name__ == "__main__":
    sys.exit(main())
