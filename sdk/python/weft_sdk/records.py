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
    types.Entity.ORDER_CHANGE: types.Record_OrderChange,
    types.Entity.INVENTORY_ADJUSTMENT: types.Record_InventoryAdjustment,
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
    """Replace every SKU the record carries (its own, its variants', its order, shipment, refund,
    return or edit lines') with `fn(sku)`, in place. `fn` may raise a plugin error."""
    value = record.value

    def each(items):
        for item in items:
            if item.sku is not None:
                item.sku = fn(item.sku)

    if isinstance(getattr(value, "sku", None), str):
        value.sku = fn(value.sku)
    if isinstance(record, types.Record_Product):
        each(value.variants)
    elif isinstance(record, (types.Record_Order, types.Record_Fulfillment)):
        each(value.lines)
    elif isinstance(record, types.Record_OrderChange):
        change = value.change
        if isinstance(change, (types.OrderChangeKind_Refund, types.OrderChangeKind_Return)):
            each(change.value.lines)
        elif isinstance(change, types.OrderChangeKind_Edit):
            each(change.value)


def created(external_id: str) -> "types.Pushed":
    """A push that made a new object with this id."""
    return types.Pushed(external_id, types.WriteOutcome_Created())


def updated(external_id: str) -> "types.Pushed":
    """A push that changed the existing object with this id."""
    return types.Pushed(external_id, types.WriteOutcome_Updated())


def unchanged(external_id: str) -> "types.Pushed":
    """A push that found the object with this id already as the record says."""
    return types.Pushed(external_id, types.WriteOutcome_Unchanged())


def skipped(external_id: str, reason: str) -> "types.Pushed":
    """A push that deliberately wrote nothing, and why."""
    return types.Pushed(external_id, types.WriteOutcome_Skipped(reason))


def plugin_info(id: str, version: str, description: str, entities: Optional[List] = None,
                config_keys: Optional[List] = None, secrets: Optional[List[str]] = None) -> "types.PluginInfo":
    """A `plugin-info`. `entities` holds Entity values (direction both) or EntitySupport;
    `config_keys` holds (name, required, description) tuples or ConfigKey."""
    support = [e if isinstance(e, types.EntitySupport) else types.EntitySupport(e, types.Direction.BOTH) for e in entities or []]
    keys = [k if isinstance(k, types.ConfigKey) else types.ConfigKey(*k) for k in config_keys or []]
    return types.PluginInfo(id, version, description, support, keys, list(secrets or []))
