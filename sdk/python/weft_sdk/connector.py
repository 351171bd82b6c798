"""Base class for connectors: per-record outcomes for batch calls, defaults for optional calls."""
from typing import List, Optional

from componentize_py_types import Err, Ok

from .errors import permanent
from .types import types


class ConnectorBase:
    """Subclass it as `class Connector(weft_sdk.ConnectorBase)` in `app.py`.

    Implement `describe`, `check`, `pull`, and `fetch_one`/`push_one` for the entities you
    support. `fetch_one(entity, id)` returns a record or None; `push_one(entity, keyed)` returns a
    `types.Pushed`; either may raise a plugin error, which fails that item only. `parse_event`
    defaults to "no webhooks" (an empty list).
    """

    def describe(self) -> "types.PluginInfo":
        raise NotImplementedError

    def check(self) -> None:
        raise NotImplementedError

    def pull(self, entity: "types.Entity", cursor: Optional[str], limit: int) -> "types.Page":
        raise permanent(f"pull of {entity.name.lower()} is not supported")

    def fetch_one(self, entity: "types.Entity", external_id: str) -> Optional["types.Record"]:
        raise permanent(f"fetch of {entity.name.lower()} is not supported")

    def push_one(self, entity: "types.Entity", keyed: "types.KeyedRecord") -> "types.Pushed":
        raise permanent(f"push of {entity.name.lower()} is not supported")

    def fetch(self, entity: "types.Entity", ids: List[str]) -> list:
        return [_outcome(lambda i=i: self.fetch_one(entity, i)) for i in ids]

    def push(self, entity: "types.Entity", records: List["types.KeyedRecord"]) -> list:
        return [_outcome(lambda r=r: self.push_one(entity, r)) for r in records]

    def parse_event(self, headers: list, body: bytes) -> list:
        return []


def _outcome(fn) -> object:
    try:
        return Ok(fn())
    except Err as e:
        return e
