"""Logging into the host's log (tagged with the plugin id; secrets are redacted by the host)."""
from wit_world.imports import log as _host

from .types import types


def with_fields(level: "types.Level", message: str, fields: dict) -> None:
    """Log at `level` with structured fields (a dict of strings)."""
    _host.log(level, message, [(str(k), str(v)) for k, v in fields.items()])


def debug(message: str, **fields: str) -> None:
    """Log at debug level."""
    with_fields(types.Level.DEBUG, message, fields)


def info(message: str, **fields: str) -> None:
    """Log at info level."""
    with_fields(types.Level.INFO, message, fields)


def warn(message: str, **fields: str) -> None:
    """Log at warn level."""
    with_fields(types.Level.WARN, message, fields)


def error(message: str, **fields: str) -> None:
    """Log at error level."""
    with_fields(types.Level.ERROR, message, fields)
