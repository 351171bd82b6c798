"""{{id}}: the author journey's connector in Python (host/tests/integration/plugin_journey.rs):
products and stock in, orders out, for the HTTP/JSON ERP plugins/http-erp-py documents."""
from urllib.parse import quote

import weft_sdk as weft
from weft_sdk import cursor, http, secrets, types

E = types.Entity


def url(path):
    return weft.config.require("base_url").rstrip("/") + path


def api(method, path, body=None):
    headers = {"authorization": "Bearer " + secrets.require("token")}
    return http.request(method, url(path), headers=headers, json=body)


def get(path):
    return api("GET", path).raise_for_status().json()


def product(p):
    variants = [
        weft.variant(v["id"], sku=v.get("sku"), barcode=v.get("barcode"),
                     option_values=[v["size"]] if v.get("size") else [],
                     price=weft.money(v["price"], v.get("currency") or "EUR") if v.get("price") is not None else None)
        for v in p.get("variants", [])
    ]
    return weft.product(
        p["id"], p["name"], sku=p.get("code"), vendor=p.get("brand"), product_type=p.get("category"),
        updated_at=p.get("updated"),
        status=types.ProductStatus.ACTIVE if p.get("active", True) else types.ProductStatus.ARCHIVED,
        options=["Size"] if any(v.get("size") for v in p.get("variants", [])) else [], variants=variants,
    )


def level(s):
    return weft.inventory_level(s["sku"], s["warehouse"], s["on_hand"], reserved=s.get("reserved", 0),
                                incoming=s.get("incoming", 0))


def pull_from(path, cur, limit, convert):
    def fetch(after):
        data = get(f"{path}?limit={int(limit)}" + (f"&after={quote(after, safe='')}" if after else ""))
        return [convert(item) for item in data["items"]], data.get("next")
    return cursor.paged(cur, limit, fetch)


class Connector(weft.ConnectorBase):
    def describe(self):
        return weft.plugin_info(
            "{{id}}", "0.1.0", "{{description}}",
            entities=[types.EntitySupport(E.PRODUCT, types.Direction.PULL),
                      types.EntitySupport(E.INVENTORY_LEVEL, types.Direction.PULL),
                      types.EntitySupport(E.ORDER, types.Direction.PUSH)],
            config_keys=[("base_url", True, "the ERP's API root")],
            secrets=["token"],
        )

    def check(self):
        get("/api/ping")

    def pull(self, entity, cur, limit):
        if entity == E.PRODUCT:
            return pull_from("/api/products", cur, limit, product)
        if entity == E.INVENTORY_LEVEL:
            return pull_from("/api/stock", cur, limit, level)
        raise weft.permanent(f"pull of {entity.name.lower()} is not supported")

    def push_one(self, entity, keyed):
        if not isinstance(keyed.record, types.Record_Order):
            raise weft.permanent(f"push of {entity.name.lower()} is not supported")
        order = keyed.record.value
        if not order.lines:
            raise weft.invalid("lines", "an order needs at least one line")
        found = get("/api/orders?reference=" + quote(order.external_id, safe=""))["items"]
        if found:
            return weft.unchanged(found[0]["id"])
        body = {"reference": order.external_id, "email": order.email, "currency": order.currency,
                "lines": [{"sku": l.sku, "qty": l.quantity, "price": l.unit_price.shop.amount} for l in order.lines]}
        resp = api("POST", "/api/orders", body)
        if resp.status == 422:
            err = resp.json()
            raise weft.invalid(err.get("field", "order"), err.get("error", "rejected by the ERP"))
        return weft.created(resp.raise_for_status().json()["id"])
