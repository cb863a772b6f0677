"""The catalogue changes only when it is seeded, yet it is the most read thing in the portal:
serve catalogue API answers and the pages' matters from a per-process snapshot, rebuilt when it is
older than `TTL_SECONDS` or when this process seeds (other instances and processes, e.g. a
`portal seed` run beside the server, are followed within the TTL).

Two things are kept: the serialized API answers (bytes by request key, each with its ETag) and a
snapshot of the catalogue objects the pages read (matters with their department, theme and
materials, departments, licence type names), built on a read session and detached from it. The
snapshot's objects are shared by every request thread: they are read, never changed nor added to
a session."""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

# GET paths whose answers are cached (and can be served by the middleware's fast path).
CACHED_PREFIXES = ("/api/v1/matters", "/api/v1/bundles")

TTL_SECONDS = 30.0
MAX_ENTRIES = 512

_lock = threading.Lock()
_generation = 0
_built_at = 0.0
_responses: OrderedDict[tuple, bytes] = OrderedDict()
# The fast path's index: (path, raw query string, locale) -> (body, etag), filled on the first
# hit of a key (no query parsing on the hot path); cleared with the responses.
_raw: dict[tuple, tuple[bytes, bytes]] = {}
_snapshot: Any = None
_snapshot_generation = -1
_snapshot_built_at = 0.0
_snapshot_lock = threading.Lock()


def key(path: str, query_string: bytes | str, locale: str) -> tuple:
    """The cache key of a request: the same whether computed by the middleware or the handler."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    return path, tuple(sorted(parse_qsl(query_string, keep_blank_values=True))), locale


def etag_of(body: bytes) -> bytes:
    """A strong validator of an answer's bytes."""
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def cached_answer(path: str, query_string: bytes, locale: str) -> tuple[bytes, bytes] | None:
    """The edge's fast path: a cached catalogue answer (body, ETag) for this GET, if there is one."""
    if not path.startswith(CACHED_PREFIXES):
        return None
    raw = (path, query_string, locale)
    hit = _raw.get(raw)
    if hit is not None:
        if time.monotonic() - _built_at <= TTL_SECONDS:
            return hit
        return None
    generation = _generation
    body = get(key(path, query_string, locale))
    if body is None:
        return None
    hit = (body, etag_of(body))
    with _lock:
        # Kept only if still current; bounded (another spelling of the same query is another key).
        if generation == _generation and body in _responses.values() and len(_raw) < MAX_ENTRIES * 4:
            _raw[raw] = hit
    return hit


def invalidate() -> None:
    global _generation
    with _lock:
        _generation += 1
        _responses.clear()
        _raw.clear()


def snapshot(build: Callable[[], Any]) -> Any:
    """The catalogue objects of this process, built by `build()` when missing, invalidated, or
    older than the TTL. Past the TTL one thread rebuilds while the others keep reading the previous
    snapshot; after an invalidation (a seed in this process) everyone waits for the new one."""
    global _snapshot, _snapshot_generation, _snapshot_built_at
    current = _snapshot
    if current is not None and _snapshot_generation == _generation:
        if time.monotonic() - _snapshot_built_at <= TTL_SECONDS:
            return current
        if not _snapshot_lock.acquire(blocking=False):
            return current  # another thread is rebuilding it
    else:
        _snapshot_lock.acquire()
    try:
        if (_snapshot is not None and _snapshot is not current and _snapshot_generation == _generation
                and time.monotonic() - _snapshot_built_at <= TTL_SECONDS):
            return _snapshot  # built by another thread while this one waited
        generation, started = _generation, time.monotonic()
        value = build()
        if generation == _generation:
            _snapshot, _snapshot_generation, _snapshot_built_at = value, generation, started
        return value
    finally:
        _snapshot_lock.release()


def generation() -> int:
    """Bumped by every `invalidate` in this process (what was built before is stale)."""
    return _generation


def get(key: tuple) -> bytes | None:
    """The cached bytes for `key` if fresh (cheap: called on the event loop)."""
    with _lock:
        if time.monotonic() - _built_at > TTL_SECONDS:
            return None
        return _responses.get(key)


def get_or_build(key: tuple, build) -> bytes:
    """The cached bytes for `key`, or build(), store and return them."""
    global _built_at
    now = time.monotonic()
    with _lock:
        if now - _built_at > TTL_SECONDS:
            _responses.clear()
            _raw.clear()
            _built_at = now
        hit = _responses.get(key)
        if hit is not None:
            _responses.move_to_end(key)
            return hit
        generation = _generation
    value = build()
    with _lock:
        if generation == _generation:
            _responses[key] = value
            if len(_responses) > MAX_ENTRIES:
                _responses.popitem(last=False)
    return value
