"""{{id}}: a weft connector in Python for an HTTP/JSON API.

It pulls products from `GET {base_url}/products?after=ID&limit=N`, which answers
`{"items": [{"id", "sku", "name"}], "next": ID | null}`, with a bearer token.

Build: plugins/build.sh OUT_DIR PARENT_DIR   (componentize-py; `import weft_sdk` is the SDK)
Test:  weft plugins test OUT_DIR/{{id}} --spec {{id}}/weft-test.toml   (canned HTTP responses)
"""
from urllib.parse import quote

import weft_sdk as weft
from weft_sdk import http, secrets, types


def get(path: str):
    base = weft.config.require("base_url").rstrip("/")
    headers = {"authorization": "Bearer " + secrets.require("token")}
    return http.request("GET", base + path, headers=headers).raise_for_status().json()


def product(item) -> types.Record:
    variant = types.Variant(
        external_id=item["id"], sku=item.get("sku"), barcode=None, option_values=[], price=None, compare_at_price=None,
        cost=None, weight_grams=None, media=[], metafields=[], updated_at=None, extra="{}",
    )
    return types.Record_Product(types.Product(
        external_id=item["id"], sku=item.get("sku"), title=item["name"], description=None, vendor=None,
        product_type=None, tags=[], status=types.ProductStatus.ACTIVE, options=[], variants=[variant],
        media=[], collections=[], metafields=[], deleted=False, updated_at=None, extra="{}",
    ))


class Connector(weft.ConnectorBase):
    def describe(self):
        return weft.plugin_info(
            "{{id}}", "0.1.0", "Pulls products from an HTTP/JSON API",
            entities=[types.EntitySupport(types.Entity.PRODUCT, types.Direction.PULL)],
            config_keys=[("base_url", True, "the API root")],
            secrets=["token"],
        )

    def check(self):
        get("/products?limit=1")

    def pull(self, entity, cursor, limit):
        if entity != types.Entity.PRODUCT:
            raise weft.permanent("only products can be pulled")
        after = f"&after={quote(cursor, safe='')}" if cursor else ""
        data = get(f"/products?limit={int(limit)}{after}")
        records = [product(item) for item in data["items"]]
        last = records[-1].value.external_id if records else cursor
        return types.Page(records, data.get("next") or last, data.get("next") is not None)
