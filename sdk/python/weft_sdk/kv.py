"""Plugin-scoped persistent key-value state (plugin.toml `capabilities.kv = true`)."""
import json as _json
from typing import Any, List, Optional

from wit_world.imports import kv as _host


def get(key: str) -> Optional[bytes]:
    """Raw bytes under `key`, or None."""
    return _host.get(key)


def set(key: str, value: bytes) -> None:
    """Store raw bytes under `key` (raises the host's plugin-error on quota or size)."""
    _host.set(key, value)


def delete(key: str) -> None:
    """Remove `key` (a missing key is not an error)."""
    _host.delete(key)


def keys(prefix: str, limit: int = 1000) -> List[str]:
    """Keys starting with `prefix`, in byte order, at most `limit`."""
    return _host.list_keys(prefix, limit)


def get_json(key: str, default: Any = None) -> Any:
    """The JSON value under `key`, or `default` when absent or unreadable."""
    raw = get(key)
    if raw is None:
        return default
    try:
        return _json.loads(raw)
    except ValueError:
        return default


def set_json(key: str, value: Any) -> None:
    """Store `value` as JSON under `key`."""
    set(key, _json.dumps(value, separators=(",", ":")).encode())
