"""{{id}}: a weft connector in Python for an HTTP/JSON API.

It pulls products from `GET {base_url}/products?limit=N&after=ID`, which answers
`{"items": [{"id", "sku", "name"}], "next": ID | null}`, with a bearer token.

Build: plugins/build.sh OUT_DIR PARENT_DIR   (componentize-py; `import weft_sdk` is the SDK)
Test:  weft plugins test OUT_DIR/{{id}}      (the conformance suite against weft-test.toml's canned HTTP)
"""
from urllib.parse import quote

import weft_sdk as weft
from weft_sdk import cursor, http, secrets, types


def get(path: str):
    base = weft.config.require("base_url").rstrip("/")
    headers = {"authorization": "Bearer " + secrets.require("token")}
    return http.request("GET", base + path, headers=headers).raise_for_status().json()


def product(item) -> types.Product:
    """The canonical record of one API item: required fields as arguments, the rest by keyword."""
    return weft.product(item["id"], item["name"], sku=item.get("sku"),
                        variants=[weft.variant(item["id"], sku=item.get("sku"))])


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

    def pull(self, entity, cur, limit):
        if entity != types.Entity.PRODUCT:
            raise weft.permanent("only products can be pulled")

        # The API pages by its own `after` token: cursor.paged fills weft pages of at most
        # `limit` from its pages and keeps where it stands in the cursor.
        def fetch(after):
            data = get(f"/products?limit={int(limit)}" + (f"&after={quote(after, safe='')}" if after else ""))
            return [product(item) for item in data["items"]], data.get("next")

        return cursor.paged(cur, limit, fetch)
