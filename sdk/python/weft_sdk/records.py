"""Helpers on canonical records (the `record` variant and its cases)."""
from typing import Callable, List, Optional

from .types import types

_CASES = {
    types.Entity.PRODUCT: types.Record_Product,
    types.Entity.INVENTORY_LEVEL: types.Record_InventoryLevel,
    types.Entity.ORDER: types.Record_Order,
    types.Entity.CUSTOMER: types.Record_Customer,
    types.Entity.PRICE: types.Record_Price,
    types.Entity.FULFILLMENT: types.Record_Fulfillment,
}


def record_value(record: "types.Record"):
    """The record inside the variant (a Product, an Order, ...)."""
    return record.value


def entity_of(record: "types.Record") -> "types.Entity":
    """The entity of a record."""
    for entity, case in _CASES.items():
        if isinstance(record, case):
            return entity
    raise TypeError(f"not a weft record: {record!r}")


def wrap(entity: "types.Entity", value) -> "types.Record":
    """Wrap a Product/Order/... into the `record` variant case of `entity`."""
    return _CASES[entity](value)


def map_skus(record: "types.Record", fn: Callable[[str], str]) -> None:
    """Replace every SKU the record carries (its own, its variants', its order or shipment lines')
    with `fn(sku)`, in place. `fn` may raise a plugin error."""
    value = record.value
    if value.sku is not None:
        value.sku = fn(value.sku)
    if isinstance(record, types.Record_Product):
        for v in value.variants:
            if v.sku is not None:
                v.sku = fn(v.sku)
    elif isinstance(record, types.Record_Order):
        for line in value.lines:
            if line.sku is not None:
                line.sku = fn(line.sku)
    elif isinstance(record, types.Record_Fulfillment):
        value.lines = [(fn(sku), qty) for sku, qty in value.lines]


def plugin_info(id: str, version: str, description: str, entities: Optional[List] = None,
                config_keys: Optional[List] = None, secrets: Optional[List[str]] = None) -> "types.PluginInfo":
    """A `plugin-info`. `entities` holds Entity values (direction both) or EntitySupport;
    `config_keys` holds (name, required, description) tuples or ConfigKey."""
    support = [e if isinstance(e, types.EntitySupport) else types.EntitySupport(e, types.Direction.BOTH) for e in entities or []]
    keys = [k if isinstance(k, types.ConfigKey) else types.ConfigKey(*k) for k in config_keys or []]
    return types.PluginInfo(id, version, description, support, keys, list(secrets or []))
