"""A real `portal serve` in its own process (optionally pinned to a core), for the benchmarks and
the stress runs: a fresh SQLite file or a private schema of a PostgreSQL database, migrated and
seeded, started, SIGKILLed and restarted at will."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "Demo@2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, seconds: float = 90, proc: subprocess.Popen | None = None,
                  headers: dict | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=5, headers=headers).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:g} s")


def wrk(url: str, seconds: int = 5, connections: int = 50, core: str = "1", headers: dict | None = None,
        timeout: int = 30) -> float:
    """Requests/s by wrk pinned to `core` (the servers sit on core 0); a request slower than
    `timeout` seconds counts as failed (wrk's default, 2 s, drops every answer of a slow page)."""
    extra = [arg for k, v in (headers or {}).items() for arg in ("-H", f"{k}: {v}")]
    out = subprocess.run(["taskset", "-c", core, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
                          f"--timeout={timeout}s", *extra, url], capture_output=True, text=True)
    m = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    if not m or "Non-2xx" in out.stdout or float(m.group(1)) == 0:
        raise RuntimeError(f"wrk failed on {url} (no answer, or not 2xx, within {timeout} s): "
                           f"{out.stdout[-300:]} {out.stderr[-200:]}")
    return float(m.group(1))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far. Unlike throughput, it does not
    count the time the machine's hypervisor or other processes took the core away."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Portal:
    """`portal serve` on a fresh database; `pin` is a taskset core list such as "0"."""

    def __init__(self, database_url: str | None = None, demo: bool = True, pin: str | None = None,
                 log_level: str = "INFO"):
        self.dir = tempfile.mkdtemp(prefix="portal-live-")
        self.schema = None
        self.admin_url = database_url
        if database_url:
            self.schema = f"live_{uuid.uuid4().hex[:8]}"
            self._sql(f'CREATE SCHEMA "{self.schema}"')
            sep = "&" if "?" in database_url else "?"
            self.db = f"{database_url}{sep}options=" + urllib.parse.quote(f"-csearch_path={self.schema}")
        else:
            self.db = f"sqlite:///{self.dir}/portal.db"
        self.env = {**os.environ, "PORTAL_DATABASE_URL": self.db, "PORTAL_DATA_DIR": self.dir,
                    "PORTAL_ENV": "development", "PORTAL_LOG_LEVEL": log_level,
                    # as deployed: templates compiled once (development re-reads them per render)
                    "PORTAL_TEMPLATES_RELOAD": "false"}
        self.pin = pin
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.cli("db", "upgrade")
        self.cli("seed", *(["--demo"] if demo else []))

    @property
    def kind(self) -> str:
        return "PostgreSQL" if self.schema else "SQLite"

    def cli(self, *args: str) -> None:
        subprocess.run([str(BIN / "portal"), *args], env=self.env, cwd=self.dir, check=True,
                       stdout=subprocess.DEVNULL)

    def start(self) -> "Portal":
        prefix = ["taskset", "-c", self.pin] if self.pin else []
        log = open(os.path.join(self.dir, "server.log"), "a")
        self.proc = subprocess.Popen([*prefix, str(BIN / "portal"), "serve", "--port", str(self.port)],
                                     env=self.env, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_until_up(self.base + "/healthz", proc=self.proc)
        return self

    def kill(self) -> None:
        """SIGKILL, as a power cut would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Shut down (SIGINT lets the server run its exit handlers: uvicorn re-raises SIGTERM)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        self.stop()
        if self.schema:
            self._sql(f'DROP SCHEMA "{self.schema}" CASCADE')
        shutil.rmtree(self.dir, ignore_errors=True)

    def errors(self, limit: int = 3) -> list[str]:
        """The last error lines of the server's log."""
        out = []
        for line in Path(self.dir, "server.log").read_text(errors="replace").splitlines():
            if '"ERROR"' in line:
                rec = json.loads(line)
                lines = [ln for ln in (rec.get("exc_info") or "").splitlines()
                         if ln.strip() and not ln.startswith("(Background")]
                out.append(f"{rec['message']}: {lines[-1][:300] if lines else ''}")
        return out[-limit:]

    def token(self, username: str) -> str:
        r = httpx.post(self.base + "/api/v1/auth/token", data={"username": username, "password": PASSWORD},
                       timeout=30)
        r.raise_for_status()
        return r.json()["access_token"]

    def web_cookie(self, username: str) -> str:
        """A logged-in browser's Cookie header (through the login form, CSRF and all)."""
        with httpx.Client(base_url=self.base, timeout=30) as http:
            page = http.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            r = http.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
            if r.status_code != 303:
                raise RuntimeError(f"login as {username}: {r.status_code}")
            return "; ".join(f"{k}={v}" for k, v in http.cookies.items())

    def _sql(self, sql: str):
        from sqlalchemy import create_engine, text

        eng = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with eng.connect() as c:
                result = c.execute(text(sql))
                return result.scalar() if result.returns_rows else None
        finally:
            eng.dispose()
