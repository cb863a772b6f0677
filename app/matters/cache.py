"""The catalogue changes only when it is seeded, yet it is the most read thing in the portal:
serve catalogue API answers from a per-process snapshot, rebuilt when it is older than
`TTL_SECONDS` or when this process seeds (other instances follow within the TTL)."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from urllib.parse import parse_qsl

# GET paths whose answers are cached (and can be served by the middleware's fast path).
CACHED_PREFIXES = ("/api/v1/matters", "/api/v1/bundles")

TTL_SECONDS = 30.0
MAX_ENTRIES = 512

_lock = threading.Lock()
_generation = 0
_built_at = 0.0
_responses: OrderedDict[tuple, bytes] = OrderedDict()


def key(path: str, query_string: bytes | str, locale: str) -> tuple:
    """The cache key of a request: the same whether computed by the middleware or the handler."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    return path, tuple(sorted(parse_qsl(query_string, keep_blank_values=True))), locale


def cached_answer(path: str, query_string: bytes, locale: str) -> bytes | None:
    """The middleware's fast path: a cached catalogue answer for this GET, if there is one."""
    if not path.startswith(CACHED_PREFIXES):
        return None
    return get(key(path, query_string, locale))


def invalidate() -> None:
    global _generation
    with _lock:
        _generation += 1
        _responses.clear()


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
