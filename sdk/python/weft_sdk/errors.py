"""Plugin errors as exceptions: `raise weft.invalid("sku", "empty")`.

Each helper returns a `componentize_py_types.Err` wrapping a `plugin-error` case. Raised from a
function whose WIT result is `result<_, plugin-error>` (check, pull, parse-event), componentize-py
returns it as the error; `TransformBase` and the connector helpers turn it into the per-record
outcome of batch functions (apply, push, fetch).
"""
from componentize_py_types import Err

from .types import types


def retryable(message: str) -> Err:
    """A passing fault (timeout, 5xx): the host retries with backoff."""
    return Err(types.PluginError_Retryable(message))


def rate_limited(retry_after_ms: int) -> Err:
    """The remote asked to slow down: retry after this many milliseconds."""
    return Err(types.PluginError_RateLimited(int(retry_after_ms)))


def unauthorized(message: str) -> Err:
    """Credentials were refused: the host pauses the flow."""
    return Err(types.PluginError_Unauthorized(message))


def invalid(field: str, message: str) -> Err:
    """The record is invalid (dead-lettered with the field and reason)."""
    return Err(types.PluginError_InvalidInput(types.FieldError(field, message)))


def not_found(message: str) -> Err:
    """Something the record refers to does not exist."""
    return Err(types.PluginError_NotFound(message))


def conflict(message: str) -> Err:
    """The write conflicts with the destination's state."""
    return Err(types.PluginError_Conflict(message))


def permanent(message: str) -> Err:
    """Any other failure retrying will not fix."""
    return Err(types.PluginError_Permanent(message))


def needs_person(message: str) -> Err:
    """The change can no longer be applied by a machine (an edit of an order already shipped):
    dead-lettered for a person, naming the record and what differs."""
    return Err(types.PluginError_NeedsPerson(message))
