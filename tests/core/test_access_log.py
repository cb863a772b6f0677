"""The access log: one JSON line per request (as the other log lines), written in batches."""
import json
import logging

import pytest

from app.core.logging import access_log


@pytest.fixture
def access_on(monkeypatch):
    monkeypatch.setattr(access_log, "json", True)
    logger = logging.getLogger("portal.access")
    old = logger.level
    logger.setLevel(logging.INFO)
    access_log.flush()
    yield
    logger.setLevel(old)


def test_each_request_is_logged_as_one_json_line(client, access_on, capsys):
    capsys.readouterr()
    client.get("/api/v1/matters?limit=2", headers={"X-Request-ID": "req-a"})  # routed, then cached
    client.get("/api/v1/matters?limit=2", headers={"X-Request-ID": "req-b"})  # the fast path
    client.get("/api/v1/no-such", headers={"X-Request-ID": "req-c"})
    client.get("/healthz", headers={"X-Request-ID": "req-health"})  # probes are not logged
    access_log.flush()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "portal.access" in line]
    by_id = {line["request_id"]: line for line in lines}
    assert {"req-a", "req-b", "req-c"} <= set(by_id) and "req-health" not in by_id
    assert by_id["req-b"]["path"] == "/api/v1/matters" and by_id["req-b"]["status"] == 200
    assert by_id["req-c"]["status"] == 404 and by_id["req-c"]["method"] == "GET"
    assert by_id["req-a"]["level"] == "INFO" and by_id["req-a"]["message"] == "request"
    assert isinstance(by_id["req-a"]["ms"], float) and by_id["req-a"]["time"][:2] == "20"


def test_a_quieter_level_turns_it_off(client, capsys):
    logging.getLogger("portal.access").setLevel(logging.WARNING)
    try:
        client.get("/api/v1/matters?limit=1", headers={"X-Request-ID": "quiet"})
        access_log.flush()
        assert "quiet" not in capsys.readouterr().err
    finally:
        logging.getLogger("portal.access").setLevel(logging.NOTSET)


def test_the_line_is_the_json_of_its_fields(monkeypatch):
    """Formatted directly (no dict per request), the line is still exactly json.dumps of the fields,
    whatever the path holds."""
    monkeypatch.setattr(access_log, "json", True)
    access_log.flush()
    lines: list[str] = []
    monkeypatch.setattr(access_log, "_lines", lines)
    path = '/matters/"a\\b"/中文\x01'
    access_log.record("GET", path, None, 1.5, 'id"1')
    access_log.record("POST", "/x", 201, 12.0, "r2")
    first, second = (json.loads(line) for line in lines)
    assert first["path"] == path and first["status"] is None and first["request_id"] == 'id"1'
    assert second["status"] == 201 and second["ms"] == 12.0 and second["method"] == "POST"
    fields = {k: first[k] for k in ("time", "level", "name", "message", "request_id", "method", "path", "status", "ms")}
    assert lines[0] == json.dumps(fields)
