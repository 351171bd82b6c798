"""weft-sdk for Python: write weft plugins (transforms and ERP connectors) with componentize-py.

The generated bindings live in `wit_world` (componentize-py writes them at build time from
`wit/weft-plugin@0.2.0`). This package is the small layer on top: the weft record types under one
name whatever the world, errors you raise, config/secrets/kv/log helpers, record helpers and a
base class that turns `apply_one` into the batch-shaped `apply`.

    import weft_sdk as weft

    class Transform(weft.TransformBase):
        def describe(self):
            return weft.plugin_info("upper", "0.1.0", "Upper-cases SKUs")
        def apply_one(self, record):
            weft.map_skus(record, str.upper)
            return [record]

Records have builders (`weft.product("P1", "Tee", sku="T1")`: required fields as arguments, the
rest by keyword), connectors implement `fetch_one`/`push_one` per record, and `weft.cursor` has
pulls for the common ERP API shapes. README.md has a complete connector and transform.
"""
from componentize_py_types import Err, Ok

from . import config, cursor, kv, log
from .build import (address, amount, build, customer, fulfillment, inventory_level, media, metafield, money, order,
                    order_line, page, price, product, record, variant)
from .errors import conflict, invalid, needs_person, not_found, permanent, rate_limited, retryable, unauthorized
from .records import created, entity_of, map_skus, plugin_info, record_value, skipped, unchanged, updated, wrap
from .types import types
from .transform import TransformBase
from .connector import ConnectorBase

__all__ = [
    "Err", "Ok", "config", "cursor", "kv", "log", "types",
    "conflict", "invalid", "not_found", "permanent", "rate_limited", "retryable", "unauthorized",
    "map_skus", "plugin_info", "record_value", "entity_of", "wrap", "TransformBase", "ConnectorBase",
    "created", "updated", "unchanged", "skipped", "needs_person",
    "build", "money", "amount", "product", "variant", "inventory_level", "customer", "address", "price",
    "order_line", "order", "fulfillment", "record", "page", "metafield", "media",
]
