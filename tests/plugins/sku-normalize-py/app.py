"""sku-normalize in Python: trims and upper-cases every SKU a record carries, then maps aliases.

Same contract as the Rust plugins/sku-normalize (the equality test compares them through the host).
"""
import weft_sdk as weft
from weft_sdk import types

_aliases = None


def normalize(sku: str) -> str:
    return sku.strip().upper()


def aliases() -> dict:
    """Aliases from config, normalized, read once per instance."""
    global _aliases
    if _aliases is None:
        raw = weft.config.json("aliases", {})
        _aliases = {normalize(k): normalize(v) for k, v in raw.items()}
    return _aliases


def one(sku: str) -> str:
    normalized = normalize(sku)
    if not normalized:
        raise weft.invalid("sku", "SKU is empty after trimming")
    return aliases().get(normalized, normalized)


class Transform(weft.TransformBase):
    def describe(self):
        E = types.Entity
        return weft.plugin_info(
            "sku-normalize-py", "0.1.0", "Trims, upper-cases and de-aliases SKUs",
            entities=[E.PRODUCT, E.INVENTORY_LEVEL, E.ORDER, E.PRICE, E.FULFILLMENT],
            config_keys=[("aliases", False, "table mapping an alias SKU to the real SKU")],
        )

    def apply_one(self, record):
        aliases()
        weft.map_skus(record, one)
        return [record]
