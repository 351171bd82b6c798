"""Operator configuration: only keys declared in plugin.toml `capabilities.config` are visible."""
import json as _json
from typing import Any, Optional

from wit_world.imports import config as _host

from .errors import invalid


def get(key: str) -> Optional[str]:
    """The value of `key` (strings as they are, other TOML values as JSON), or None."""
    return _host.get(key)


def require(key: str) -> str:
    """The value of `key`; raises `invalid-input` naming the key when it is not set."""
    value = get(key)
    if value is None:
        raise invalid(key, "required config key is not set")
    return value


def json(key: str, default: Any = None) -> Any:
    """The value of `key` parsed as JSON (TOML tables and arrays arrive as JSON), or `default`."""
    value = get(key)
    if value is None:
        return default
    try:
        return _json.loads(value)
    except ValueError as e:
        raise invalid(key, f"not valid JSON for this key: {e}") from None
