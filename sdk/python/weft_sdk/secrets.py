"""Credentials by name (connector world only; declared in plugin.toml and granted by the operator).

Never log them or put them in errors: the host redacts them anyway.
"""
from typing import Optional

from wit_world.imports import secrets as _host

from .errors import unauthorized


def get(name: str) -> Optional[str]:
    """The secret's value, or None when it is not declared, granted or set."""
    return _host.get(name)


def require(name: str) -> str:
    """The secret's value; raises `unauthorized` naming it (never its value) when missing."""
    value = get(name)
    if value is None:
        raise unauthorized(f"secret `{name}` is not granted or not set")
    return value
