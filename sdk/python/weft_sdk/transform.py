"""Base class for transforms: implement `describe` and `apply_one`; `apply` handles the batch."""
from typing import List

from componentize_py_types import Err, Ok

from .types import types


class TransformBase:
    """Subclass it as `class Transform(weft_sdk.TransformBase)` in `app.py`.

    `apply_one(record)` returns the output records for one input (none = filtered out, several =
    split) or raises a plugin error (`raise weft.invalid(...)`), which fails that record only.
    """

    def describe(self) -> "types.PluginInfo":
        raise NotImplementedError

    def apply_one(self, record: "types.Record") -> List["types.Record"]:
        raise NotImplementedError

    def apply(self, records: List["types.Record"]) -> list:
        out = []
        for record in records:
            try:
                out.append(Ok(self.apply_one(record)))
            except Err as e:
                out.append(e)
        return out
