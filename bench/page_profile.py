"""Where a page view's CPU goes, in process: the whole ASGI app (middleware, routing, dependencies,
the page, the render) driven without HTTP, `--concurrency` requests at a time on one event loop.

    .venv/bin/python bench/page_profile.py [--rounds 5] [--requests 400] [--profile var/page.prof]

A portal is started once on a fresh SQLite database (demo seed) to issue an application to
citizen-elder and log in through the form; then it stops and this process loads the same app on the
same database and times the matter page and the application page: CPU per request (all threads;
min and median of the rounds). `--profile` writes a cProfile (CPU time) of the last page's rounds."""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.live import Portal  # noqa: E402


async def _asgi_get(app, path: str, cookie: str) -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode()), (b"accept", b"text/html")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
    sent = False
    status, body = 0, []

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


async def _round(app, path: str, cookie: str, n: int, concurrency: int) -> float:
    queue = list(range(n))

    async def client():
        while queue:
            queue.pop()
            status, _ = await _asgi_get(app, path, cookie)
            if status != 200:
                raise RuntimeError(f"{path}: {status}")

    started = time.process_time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return (time.process_time() - started) / n * 1e6


async def _lifespan(app):
    """Run the app's start-up (warm-up included) and keep it running."""
    queue: asyncio.Queue = asyncio.Queue()
    started = asyncio.Event()
    await queue.put({"type": "lifespan.startup"})

    async def send(message):
        if message["type"] == "lifespan.startup.complete":
            started.set()
        elif message["type"] == "lifespan.startup.failed":
            raise RuntimeError(message.get("message"))

    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, queue.get, send))
    await started.wait()
    return task


async def _print_statements(app, path: str, cookie: str) -> None:
    from sqlalchemy import event

    from app.core import db

    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split())[:200])

    event.listen(db.get_engine(), "before_cursor_execute", note)
    try:
        await _asgi_get(app, path, cookie)
    finally:
        event.remove(db.get_engine(), "before_cursor_execute", note)
    print(f"{path}: {len(seen)} statements", file=sys.stderr)
    for line in seen:
        print("   ", line, file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--profile", default=None)
    ap.add_argument("--only", choices=("matter", "application"), default=None)
    ap.add_argument("--statements", action="store_true", help="print the SQL statements of one view")
    args = ap.parse_args()

    from bench.submit_sealed import issued_application

    portal = Portal(demo=True).start()
    try:
        number = issued_application(portal)
        cookie = portal.web_cookie("citizen-elder")
    finally:
        portal.stop()
    os.environ.update({k: v for k, v in portal.env.items() if k.startswith("PORTAL_")})
    os.environ["PORTAL_LOG_LEVEL"] = "INFO"
    from app.main import create_app

    app = create_app()
    pages = [("matter", "/matters/elderly-allowance"), ("application", f"/applications/{number}")]

    async def run():
        await _lifespan(app)
        for name, path in pages:
            if args.only and name != args.only:
                continue
            await _round(app, path, cookie, 100, args.concurrency)  # warm
            if args.statements:
                await _print_statements(app, path, cookie)
            profile = cProfile.Profile(time.process_time) if args.profile else None
            if profile:
                profile.enable()
            figures = [await _round(app, path, cookie, args.requests, args.concurrency) for _ in range(args.rounds)]
            if profile:
                profile.disable()
                profile.dump_stats(args.profile)
            print(f"{name:<12} CPU per request: min {min(figures):7.0f} µs, median {statistics.median(figures):7.0f} µs")

    try:
        asyncio.run(run())
    finally:
        portal.close()


if __name__ == "__main__":
    main()
