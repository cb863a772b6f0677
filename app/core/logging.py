"""JSON logs carrying the request id, and the access log written in batches."""
from __future__ import annotations

import atexit
import json
import logging
import sys
import threading
import time
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_ACCESS = logging.getLogger("portal.access")
_quote = json.encoder.encode_basestring_ascii  # json.dumps of one str (ensure_ascii), in C


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class AccessLog:
    """One line per request, in the format of the other log lines (logger `portal.access`), but
    formatted directly and written to stderr in batches: at `BATCH` lines, every `FLUSH_SECONDS`
    and at exit. Going through `logging` per request cost a quarter of the catalogue API's time."""

    BATCH = 256
    FLUSH_SECONDS = 0.5

    def __init__(self) -> None:
        self.json = True
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._second = -1
        self._stamp = ""
        self._flusher: threading.Thread | None = None

    def request(self, method: str, path: str, status: int | None, start: float, request_id: str) -> None:
        """The line of one request that started at perf_counter() `start` (nothing when the
        `portal.access` logger is not enabled for INFO)."""
        if _ACCESS.isEnabledFor(logging.INFO):
            self.record(method, path, status, round((time.perf_counter() - start) * 1000, 1), request_id)

    def record(self, method: str, path: str, status: int | None, ms: float, request_id: str) -> None:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        stamp = f"{self._stamp},{int((now - second) * 1000):03d}"
        if self.json:
            # The same text as json.dumps of {"time", "level", "name", "message", "request_id",
            # "method", "path", "status", "ms"}, formatted directly (no dict, no encoder per line).
            line = (f'{{"time": "{stamp}", "level": "INFO", "name": "portal.access", "message": "request", '
                    f'"request_id": {_quote(request_id)}, "method": {_quote(method)}, "path": {_quote(path)}, '
                    f'"status": {"null" if status is None else int(status)}, "ms": {float(ms)!r}}}')
        else:
            line = f"{stamp} INFO [{request_id}] portal.access: request {method} {path} {status} {ms}"
        self._lines.append(line)
        if len(self._lines) >= self.BATCH:
            self.flush()
        elif self._flusher is None:
            self._start_flusher()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
            if lines:
                stream = sys.stderr
                stream.write("\n".join(lines) + "\n")
                stream.flush()

    def _start_flusher(self) -> None:
        with self._lock:
            if self._flusher is not None:
                return

            def run():
                while True:
                    time.sleep(self.FLUSH_SECONDS)
                    self.flush()

            self._flusher = threading.Thread(target=run, name="access-log", daemon=True)
            self._flusher.start()
            atexit.register(self.flush)


access_log = AccessLog()


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    root = logging.getLogger()
    if getattr(root, "_portal_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                           rename_fields={"asctime": "time", "levelname": "level"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(_RequestIdFilter())
    access_log.json = json_logs
    root.handlers = [handler]
    root.setLevel(level)
    root._portal_configured = True  # type: ignore[attr-defined]
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
