"""Record builders: the required fields are arguments, everything else starts empty and is set by
keyword (`None` for options, `[]` for lists, `False`, `0`, `extra="{}"`, the first enum case: a
product ACTIVE, an order PENDING).

    tee = weft.product("P1", "Tee", sku="T1", vendor="Acme", options=["Size"], variants=[
        weft.variant("V1", sku="T1-S", option_values=["S"], price=weft.money("19.90", "EUR")),
    ])
    stock = weft.inventory_level("T1-S", "WH1", 12, reserved=2)
    page = weft.page([tee, stock], next_cursor=None)        # plain values are wrapped as records

A keyword the record does not have is a TypeError naming the ones it has.
"""
import dataclasses
import enum
import typing
from typing import Any, Dict, List, Optional

from .types import types


def _default(name: str, hint) -> Any:
    """The empty value of a field, or `_REQUIRED`."""
    origin = typing.get_origin(hint)
    if origin is typing.Union and type(None) in typing.get_args(hint):
        return None
    if origin in (list, List):
        return []
    if hint is bool:
        return False
    if hint is int:
        return 0
    if hint is str and name == "extra":
        return "{}"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return next(iter(hint))
    return _REQUIRED


_REQUIRED = object()


def build(cls, **fields):
    """Any WIT record (`types.Product`, `types.TaxLine`, ...) from its required fields and any
    others by keyword; the rest empty."""
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = [k for k in fields if k not in names]
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(unknown)}; its fields: {', '.join(names)}")
    hints = typing.get_type_hints(cls)
    values: Dict[str, Any] = {}
    missing = []
    for name in names:
        if name in fields:
            values[name] = fields[name]
            continue
        value = _default(name, hints[name])
        if value is _REQUIRED:
            missing.append(name)
        values[name] = value
    if missing:
        raise TypeError(f"{cls.__name__} needs {', '.join(missing)}")
    return cls(**values)


def money(amount, currency: str) -> "types.Money":
    """An amount (a decimal string; numbers are formatted as they print) in an ISO 4217 currency."""
    return types.Money(str(amount), currency)


def amount(value, currency: str, presentment: Optional["types.Money"] = None) -> "types.Amount":
    """An order amount in the shop's currency (and the buyer's, when it differs)."""
    return types.Amount(money(value, currency), presentment)


def metafield(namespace: str, key: str, type_: str, value) -> "types.Metafield":
    """A metafield value (`type_` is Shopify's type name: `single_line_text_field`,
    `number_integer`...; lists and objects as JSON text). Only keys the flow lists are written."""
    return types.Metafield(namespace, key, type_, str(value))


def media(source: str, alt: Optional[str] = None, content_hash: Optional[str] = None) -> "types.Media":
    """An image of a product or variant: an `https://` URL or `file:PATH` in the connector's
    directory; `content_hash` (SHA-256 hex) when the source knows it, so an unchanged image is
    never uploaded again."""
    return types.Media(source, alt, content_hash)


def product(external_id: str, title: str, **fields) -> "types.Product":
    """A product (active, no variants unless given)."""
    return build(types.Product, external_id=external_id, title=title, **fields)


def variant(external_id: str, **fields) -> "types.Variant":
    """A variant of a product."""
    return build(types.Variant, external_id=external_id, **fields)


def inventory_level(sku: str, location: str, on_hand: int, **fields) -> "types.InventoryLevel":
    """Stock of `sku` at `location` (id `sku@location` unless `external_id` is given)."""
    fields.setdefault("external_id", f"{sku}@{location}")
    return build(types.InventoryLevel, sku=sku, location=location, on_hand=int(on_hand), **fields)


def customer(external_id: str, **fields) -> "types.Customer":
    """A customer."""
    return build(types.Customer, external_id=external_id, **fields)


def address(**fields) -> "types.Address":
    """A postal address; every field optional."""
    return build(types.Address, **fields)


def price(sku: str, value: "types.Money", **fields) -> "types.Price":
    """The base price of `sku` (id = the SKU unless `external_id` is given)."""
    fields.setdefault("external_id", sku)
    fields.setdefault("scope", types.PriceScope_Base())
    return build(types.Price, sku=sku, price=value, **fields)


def order_line(external_id: str, sku: str, quantity: int, unit_price: "types.Money", **fields) -> "types.OrderLine":
    """An order line (title = SKU, shipped, no discounts or taxes unless given)."""
    fields.setdefault("title", sku)
    fields.setdefault("current_quantity", int(quantity))
    fields.setdefault("requires_shipping", True)
    return build(types.OrderLine, external_id=external_id, sku=sku, quantity=int(quantity),
                 unit_price=types.Amount(unit_price, None), **fields)


def order(external_id: str, name: str, currency: str, created_at: str, lines=(), **fields) -> "types.Order":
    """An order of `lines`; subtotal and total are their sum unless given, tax, shipping and
    discount 0, source "erp"."""
    from decimal import Decimal
    total = sum((Decimal(l.unit_price.shop.amount) * l.quantity for l in lines), Decimal("0"))
    total = f"{total.quantize(Decimal('0.01'))}"
    for key in ("subtotal", "total"):
        fields.setdefault(key, amount(total, currency))
    for key in ("shipping", "tax", "discount"):
        fields.setdefault(key, amount("0.00", currency))
    fields.setdefault("source", "erp")
    return build(types.Order, external_id=external_id, name=name, currency=currency, created_at=created_at,
                 lines=list(lines), **fields)


def fulfillment(external_id: str, order_external_id: str, order_name: str, **fields) -> "types.Fulfillment":
    """A shipment of an order (everything left to ship unless `lines` are given)."""
    return build(types.Fulfillment, external_id=external_id, order_external_id=order_external_id,
                 order_name=order_name, **fields)


_CASES = {
    types.Product: types.Record_Product,
    types.InventoryLevel: types.Record_InventoryLevel,
    types.Order: types.Record_Order,
    types.Customer: types.Record_Customer,
    types.Price: types.Record_Price,
    types.Fulfillment: types.Record_Fulfillment,
    types.OrderChange: types.Record_OrderChange,
    types.InventoryAdjustment: types.Record_InventoryAdjustment,
}


def record(value) -> "types.Record":
    """A Product, Order, ... wrapped as the `record` variant (a record is returned as it is)."""
    case = _CASES.get(type(value))
    if case is not None:
        return case(value)
    if type(value) in _CASES.values():
        return value
    raise TypeError(f"not a weft record: {value!r}")


def page(records, next_cursor: Optional[str], has_more: bool = False) -> "types.Page":
    """A pull page; plain Products, InventoryLevels, ... are wrapped as records."""
    return types.Page([record(r) for r in records], next_cursor, has_more)
