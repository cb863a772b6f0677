"""The catalogue changes only when it is seeded, yet it is the most read thing in the portal:
serve catalogue API answers from a per-process snapshot, rebuilt when it is older than
`TTL_SECONDS` or when this process seeds (other instances follow within the TTL)."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

TTL_SECONDS = 30.0
MAX_ENTRIES = 512

_lock = threading.Lock()
_generation = 0
_built_at = 0.0
_responses: OrderedDict[tuple, bytes] = OrderedDict()


def invalidate() -> None:
    global _generation
    with _lock:
        _generation += 1
        _responses.clear()


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
