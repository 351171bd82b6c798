"""{{id}}: a weft transform in Python.

Build: plugins/build.sh OUT_DIR PARENT_DIR   (componentize-py; `import weft_sdk` is the SDK)
Test:  weft plugins test OUT_DIR/{{id}} --spec {{id}}/weft-test.toml
"""
import weft_sdk as weft
from weft_sdk import types


class Transform(weft.TransformBase):
    def describe(self):
        return weft.plugin_info(
            "{{id}}", "0.1.0", "Upper-cases SKUs and tags products",
            entities=[types.Entity.PRODUCT],
            config_keys=[("tag", False, "tag added to every product")],
        )

    def apply_one(self, record):
        """Return the output records for one input; raise weft.invalid(...) to fail it alone."""
        weft.map_skus(record, lambda sku: sku.strip().upper())
        if isinstance(record, types.Record_Product):
            record.value.tags.append(weft.config.get("tag") or "{{id}}")
        return [record]
