"""A rush of applicants against a live `portal serve` on loopback: every applicant (a person of
their own), at once, logs in, creates an application with an Idempotency-Key, uploads the materials it still needs, signs,
submits and reads it back; a failed or lost answer (503, a timeout, a refused connection) is sent
again, the create with the same key; some creates are re-sent even when answered (a lost answer).

    python bench/applicants.py [--clients 200] [--each 1] [--database-url URL] [--json FILE]

Afterwards the database must hold exactly one submitted application per key (a re-send answers
with the same number) and no request may have ended in a 5xx after its retries. Prints the 503s
met along the way (answered "busy, retry"; nothing kept), p50/p95 of each step, and the server's
turns at SQLite's write lock (waits and holds, per route). Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.live import PASSWORD, Portal  # noqa: E402

MATTER = "temporary-assistance"
RETRIES = 30
STEPS = ("login", "create", "upload", "sign", "submit", "read")


def tiny_pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


class Failed(Exception):
    """A step that did not succeed within its retries (or answered what it must not)."""


class Rush:
    def __init__(self, base: str, timeout: float):
        self.base = base
        self.timeout = timeout
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)  # per step, every attempt answered
        self.retried: Counter = Counter()  # why an attempt was sent again: 503, timeout, ...
        self.final_5xx: list[str] = []
        self.failures: list[str] = []
        self.numbers: dict[str, set[str]] = defaultdict(set)  # key -> numbers answered
        self.pdf = tiny_pdf("statement")

    def call(self, http: httpx.Client, step: str, method: str, url: str, ok: tuple[int, ...],
             settle=None, **kw) -> httpx.Response:
        """Send until answered with one of `ok` (or `settle` says a repeated request already took
        effect); 503, timeouts and connection errors are retried, anything else is a failure."""
        for attempt in range(RETRIES):
            t = time.monotonic()
            try:
                r = http.request(method, url, **kw)
            except httpx.TimeoutException:
                self._note_retry(f"{step}: timeout")
                continue
            except httpx.TransportError as e:
                self._note_retry(f"{step}: {type(e).__name__}")
                time.sleep(0.2)
                continue
            with self.lock:
                self.times[step].append(time.monotonic() - t)
            if r.status_code in ok:
                return r
            if r.status_code == 503:
                self._note_retry(f"{step}: 503 {r.json().get('error')}")
                time.sleep(min(float(r.headers.get("retry-after", "1")), 1.0) * random.uniform(0.5, 1.5))
                continue
            if r.status_code == 409 and r.json().get("error") == "idempotency_in_flight":
                self._note_retry(f"{step}: 409 in flight")
                time.sleep(0.2)
                continue
            if attempt and settle is not None and settle(r):
                return r  # an earlier attempt took effect but its answer was lost
            if r.status_code >= 500:
                with self.lock:
                    self.final_5xx.append(f"{step}: {r.status_code} {r.text[:120]}")
            raise Failed(f"{step}: {r.status_code} {r.text[:160]}")
        raise Failed(f"{step}: no answer after {RETRIES} tries")

    def _note_retry(self, why: str) -> None:
        with self.lock:
            self.retried[why] += 1

    def applicant(self, username: str, each: int, form: dict, gate: threading.Barrier) -> None:
        rnd = random.Random(username)
        with httpx.Client(base_url=self.base, timeout=self.timeout) as http:
            gate.wait()
            try:
                r = self.call(http, "login", "POST", "/api/v1/auth/token", (200,),
                              data={"username": username, "password": PASSWORD})
                http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
                for _ in range(each):
                    self.one_application(http, rnd, form)
            except Failed as e:
                with self.lock:
                    self.failures.append(str(e))

    def one_application(self, http: httpx.Client, rnd: random.Random, form: dict) -> None:
        key = uuid.uuid4().hex
        body = {"matter_code": MATTER, "form": dict(form, hardship_reason=f"{form['hardship_reason']} {key}")}
        for _ in range(2 if rnd.random() < 0.3 else 1):  # some answers "lost": the same create sent again
            app = self.call(http, "create", "POST", "/api/v1/applications", (200, 201), json=body,
                            headers={"Idempotency-Key": key}).json()
            with self.lock:
                self.numbers[key].add(app["number"])
        number = app["number"]
        for m in app["materials"]:
            if m["status"] == "missing" and m["required"]:
                self.call(http, "upload", "POST", f"/api/v1/applications/{number}/materials/{m['id']}", (201,),
                          files={"file": ("statement.pdf", io.BytesIO(self.pdf), "application/pdf")})
        self.call(http, "sign", "POST", f"/api/v1/applications/{number}/sign", (200,), json={"password": PASSWORD})

        def submitted(r: httpx.Response) -> bool:
            # A re-sent submit finds the application no longer a draft: was it our first try?
            return r.status_code == 409 and http.get(f"/api/v1/applications/{number}").json()["status"] != "draft"

        self.call(http, "submit", "POST", f"/api/v1/applications/{number}/submit", (200,), settle=submitted)
        got = self.call(http, "read", "GET", f"/api/v1/applications/{number}", (200,)).json()
        if got["status"] == "draft" or got["number"] != number:
            raise Failed(f"read: {number} is {got['status']} after its submit")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0


def turn_figures(path: str) -> dict:
    """The server's turns at the write lock (see app/core/db.py WriterQueue), per holder."""
    if not os.path.exists(path):
        return {}
    turns = []
    for line in Path(path).read_text().splitlines():
        rec = json.loads(line)
        if "serve" in rec["argv"]:
            turns += rec["turns"]
    by: dict[str, list] = defaultdict(list)
    for holder, wait, hold in turns:
        by[holder].append((wait, hold))
        by["all"].append((wait, hold))
    out = {}
    for holder, rows in sorted(by.items(), key=lambda kv: -len(kv[1])):
        waits, holds = [w / 1000 for w, _ in rows], [h / 1000 for _, h in rows]
        out[holder] = {"turns": len(rows), "wait_p50_ms": round(pct(waits, .5), 1),
                       "wait_p95_ms": round(pct(waits, .95), 1), "wait_max_ms": round(max(waits) * 1000, 1),
                       "hold_p50_ms": round(pct(holds, .5), 1), "hold_p95_ms": round(pct(holds, .95), 1),
                       "hold_max_ms": round(max(holds) * 1000, 1), "hold_total_s": round(sum(holds), 1)}
    return out


def make_applicants(portal: Portal, count: int) -> list[str]:
    """`count` applicants of their own (distinct people, real-name accounts), made in the portal's
    own environment (its audit key) before it starts."""
    subprocess.run([sys.executable, __file__, "--make-applicants", str(count)], env=portal.env, cwd=portal.dir,
                   check=True, stdout=subprocess.DEVNULL)
    return [applicant_name(i) for i in range(count)]


def applicant_name(i: int) -> str:
    return f"rush-{i:04d}"


def _make_applicants(count: int) -> None:
    from datetime import date, timedelta

    from app.core.db import session_factory
    from app.identity import service
    from app.identity.models import Role
    from app.services.datahub.synthetic import DISTRICT_CODE, make_id_number

    hashed = service.hash_password(PASSWORD)  # one hash for all: the rush, not the setup, is measured
    with session_factory().begin() as session:
        for i in range(count):
            service.create_user(session, username=applicant_name(i), password=PASSWORD, password_hash=hashed,
                                role=Role.applicant_person, full_name=f"申请人{i:04d}", phone=f"139{i:08d}",
                                id_number=make_id_number(DISTRICT_CODE, date(1960, 1, 1) + timedelta(days=7 * i), i),
                                actor="bench")


def held_applications(db_url: str) -> list[tuple[str, str, str]]:
    """(key, number, status) of every application of the rush in the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            rows = c.execute(text("SELECT number, status, form FROM application WHERE matter_code = :m"),
                             {"m": MATTER}).all()
    finally:
        engine.dispose()
    out = []
    for number, status, form in rows:
        form = json.loads(form) if isinstance(form, str) else form
        out.append((form["hardship_reason"].split()[-1], number, status))
    return out


def run(clients: int, each: int, database_url: str | None, timeout: float = 120) -> dict:
    from app.matters.content import example_form

    form = example_form(MATTER)
    stats_file = os.path.join(Path(os.environ.get("TMPDIR", "/tmp")), f"portal-turns-{uuid.uuid4().hex[:8]}.jsonl")
    portal = Portal(database_url, log_level="WARNING")
    portal.env["PORTAL_WRITER_STATS"] = stats_file
    try:
        applicants = make_applicants(portal, clients)
        portal.start()
        rush = Rush(portal.base, timeout)
        gate = threading.Barrier(clients)
        threads = [threading.Thread(target=rush.applicant, args=(name, each, form, gate)) for name in applicants]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - start
        portal.stop(signal.SIGINT)  # SIGINT: the server writes its turn figures at exit
        held = held_applications(portal.db)
        errors = portal.errors()
    finally:
        portal.close()
    turns = turn_figures(stats_file)
    if os.path.exists(stats_file):
        os.remove(stats_file)
    keys = Counter(k for k, _, _ in held)
    expected = clients * each
    requests = sum(len(v) for v in rush.times.values())
    result = {
        "database": portal.kind, "clients": clients, "each": each, "expected": expected,
        "held": len(held), "duplicated_keys": sum(1 for n in keys.values() if n > 1),
        "keys_with_two_numbers": sum(1 for v in rush.numbers.values() if len(v) > 1),
        "not_submitted": sum(1 for _, _, status in held if status == "draft"),
        "failures": rush.failures[:5], "failed": len(rush.failures), "final_5xx": len(rush.final_5xx),
        "retries": dict(rush.retried), "answers_503": sum(n for why, n in rush.retried.items() if " 503 " in why),
        "requests": requests, "seconds": round(took, 1), "requests_per_s": round(requests / took, 1),
        "applications_per_s": round(len(held) / took, 2),
        "steps": {s: {"n": len(rush.times[s]), "p50_ms": round(pct(rush.times[s], .5)),
                      "p95_ms": round(pct(rush.times[s], .95)), "max_ms": round(pct(rush.times[s], 1.0))}
                  for s in STEPS if rush.times[s]},
        "write_turns": turns, "server_errors": errors,
    }
    result["ok"] = (result["held"] == expected and not result["duplicated_keys"] and not result["keys_with_two_numbers"]
                    and not result["not_submitted"] and not result["failed"] and not result["final_5xx"])
    return result


def report(r: dict) -> str:
    lines = [f"{r['database']}: {r['clients']} applicants x {r['each']}: {r['held']} applications held for "
             f"{r['expected']} keys, {r['duplicated_keys']} duplicated, {r['keys_with_two_numbers']} keys answered "
             f"with two numbers, {r['not_submitted']} not submitted, {r['failed']} applicants failed, "
             f"{r['final_5xx']} final 5xx; {r['answers_503']} answers 503 along the way (retried)"
             f"{', retries ' + json.dumps(r['retries'], ensure_ascii=False) if r['retries'] else ''}",
             f"  {r['requests']} requests in {r['seconds']} s ({r['requests_per_s']}/s, "
             f"{r['applications_per_s']} applications/s)"]
    lines += [f"  {step:7} n={s['n']:5}  p50 {s['p50_ms']:6} ms  p95 {s['p95_ms']:6} ms  max {s['max_ms']:6} ms"
              for step, s in r["steps"].items()]
    for holder, t in r["write_turns"].items():
        lines.append(f"  write turn {holder:45} n={t['turns']:5} wait p95 {t['wait_p95_ms']:7} ms (max "
                     f"{t['wait_max_ms']}), hold p50 {t['hold_p50_ms']} ms p95 {t['hold_p95_ms']} ms "
                     f"(max {t['hold_max_ms']}, total {t['hold_total_s']} s)")
    if r["failures"]:
        lines.append("  failures: " + "; ".join(r["failures"]))
    if r["server_errors"]:
        lines.append("  server log: " + "; ".join(r["server_errors"]))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--each", type=int, default=1, help="applications per applicant")
    ap.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a fresh SQLite file)")
    ap.add_argument("--timeout", type=float, default=120, help="client timeout per request, seconds")
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    ap.add_argument("--make-applicants", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make_applicants is not None:
        _make_applicants(args.make_applicants)
        return 0
    result = run(args.clients, args.each, args.database_url, args.timeout)
    print(report(result))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
