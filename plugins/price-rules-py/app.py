"""price-rules-py: marks up and rounds prices per currency, and cleans compare-at prices.

Applies to `price` records and to the variants of `product` records. Config:
- `markup_percent` (default 0): prices are multiplied by 1 + markup/100 before rounding;
  compare-at prices are not marked up.
- `round_to` (table currency -> increment, default the currency's minor unit: 0.01, or 1 for
  JPY/KRW/..., 0.001 for BHD/KWD/...): amounts are rounded half-up to a multiple of it.
- `compare_at_min_percent` (default 0): a compare-at price that is not more than this many
  percent above the (new) price is removed, so the storefront never shows a fake discount.
Amounts use Decimal, never floats. A malformed amount fails that record alone (invalid-input).
"""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import weft_sdk as weft
from weft_sdk import types

ZERO_DECIMALS = {"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX", "XAF", "XOF"}
THREE_DECIMALS = {"BHD", "KWD", "JOD", "OMR", "TND", "IQD", "LYD"}

_rules = None


def number(key, default):
    raw = weft.config.json(key, default)
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise weft.invalid(key, f"not a number: {raw!r}") from None


def rules():
    """Config, read and checked once per instance."""
    global _rules
    if _rules is None:
        round_to = weft.config.json("round_to", {})
        if not isinstance(round_to, dict):
            raise weft.invalid("round_to", "must be a table of currency = increment")
        increments = {}
        for currency, step in round_to.items():
            try:
                increments[currency.upper()] = Decimal(str(step))
            except InvalidOperation:
                raise weft.invalid(f"round_to.{currency}", f"not a number: {step!r}") from None
            if increments[currency.upper()] <= 0:
                raise weft.invalid(f"round_to.{currency}", "must be positive")
        _rules = (1 + number("markup_percent", 0) / 100, increments, number("compare_at_min_percent", 0))
    return _rules


def increment(currency):
    step = rules()[1].get(currency.upper())
    if step is not None:
        return step
    if currency.upper() in ZERO_DECIMALS:
        return Decimal(1)
    return Decimal("0.001") if currency.upper() in THREE_DECIMALS else Decimal("0.01")


def amount(money, field):
    try:
        value = Decimal(money.amount)
    except InvalidOperation:
        raise weft.invalid(field, f"not a decimal amount: {money.amount!r}") from None
    if not value.is_finite() or value < 0:
        raise weft.invalid(field, f"not a non-negative amount: {money.amount!r}")
    return value


def rounded(value, currency):
    step = increment(currency)
    steps = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    places = max(0, -step.normalize().as_tuple().exponent)
    return f"{steps * step:.{places}f}"


def reprice(price, compare_at, field):
    """New (price, compare-at) money for one price and its compare-at."""
    if price is None:
        return None, compare_at
    markup, _, min_percent = rules()
    new_price = types.Money(rounded(amount(price, f"{field}.amount") * markup, price.currency), price.currency)
    if compare_at is not None:
        was = amount(compare_at, f"{field.replace('price', 'compare_at_price')}.amount")
        threshold = Decimal(new_price.amount) * (1 + min_percent / 100)
        if compare_at.currency != price.currency or was <= threshold:
            compare_at = None
        else:
            compare_at = types.Money(rounded(was, compare_at.currency), compare_at.currency)
    return new_price, compare_at


class Transform(weft.TransformBase):
    def describe(self):
        return weft.plugin_info(
            "price-rules-py", "0.1.0", "Marks up and rounds prices per currency and cleans compare-at prices",
            entities=[types.Entity.PRICE, types.Entity.PRODUCT],
            config_keys=[
                ("markup_percent", False, "percentage added to prices before rounding"),
                ("round_to", False, "table currency -> rounding increment"),
                ("compare_at_min_percent", False, "drop compare-at prices not this many percent above the price"),
            ],
        )

    def apply_one(self, record):
        if isinstance(record, types.Record_Price):
            p = record.value
            p.price, p.compare_at_price = reprice(p.price, p.compare_at_price, "price")
        elif isinstance(record, types.Record_Product):
            for i, v in enumerate(record.value.variants):
                v.price, v.compare_at_price = reprice(v.price, v.compare_at_price, f"variants[{i}].price")
        return [record]
