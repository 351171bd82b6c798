"""http-erp-py: a connector for an ERP with a plain HTTP/JSON API, written in Python.

The ERP API (bearer token in `Authorization`; JSON bodies; ids sort as strings):

    GET  /api/ping                               200 when the token is good, 401 otherwise
    GET  /api/products?after=ID&limit=N          {"items": [product], "next": ID | null}
    GET  /api/products/ID                        product, or 404
    GET  /api/stock?after=KEY&limit=N            {"items": [{"sku", "warehouse", "on_hand",
                                                  "reserved", "incoming"}], "next": KEY | null}
    GET  /api/orders?reference=REF               {"items": [order]}
    POST /api/orders  {"reference", "email", "currency", "lines": [{"sku", "qty", "price"}]}
                                                 201 order; 422 {"error", "field"} when invalid
    GET  /api/orders/ID                          order, or 404

    product = {"id", "code", "name", "brand", "category", "active", "updated",
               "variants": [{"id", "sku", "size", "price", "currency", "barcode"}]}
    order   = {"id", "reference", "email", "currency", "total", "lines": [{"sku", "qty", "price"}]}

Cursors are the last id (products) or `sku@warehouse` key (stock) of the page. Orders are pushed
idempotently: a key already pushed answers from plugin kv (`pushed/<key>`) without a call; otherwise
the connector searches by `reference` = the order's external id before it creates.
"""
from urllib.parse import quote

import weft_sdk as weft
from weft_sdk import http, secrets, types

E = types.Entity


def api(method: str, path: str, body=None) -> http.Response:
    base = weft.config.require("base_url").rstrip("/")
    token = secrets.require("token")
    return http.request(method, base + path, headers={"authorization": f"Bearer {token}", "accept": "application/json"},
                        json=body, timeout_ms=10_000)


def money(amount, currency):
    return types.Money(str(amount), currency) if amount is not None else None


def product_record(p) -> types.Record:
    variants = [
        types.Variant(
            external_id=v["id"], sku=v.get("sku"), barcode=v.get("barcode"),
            option_values=[v["size"]] if v.get("size") else [],
            price=money(v.get("price"), v.get("currency", "EUR")), compare_at_price=None, cost=None,
            weight_grams=None, media=[], metafields=[], updated_at=p.get("updated"), extra="{}",
        )
        for v in p.get("variants", [])
    ]
    return types.Record_Product(types.Product(
        external_id=p["id"], sku=p.get("code"), title=p["name"], description=None, vendor=p.get("brand"),
        product_type=p.get("category"), tags=[],
        status=types.ProductStatus.ACTIVE if p.get("active", True) else types.ProductStatus.ARCHIVED,
        options=["Size"] if any(v.option_values for v in variants) else [], variants=variants,
        media=[], collections=[], metafields=[], deleted=False, updated_at=p.get("updated"), extra="{}",
    ))


def level_record(s) -> types.Record:
    return types.Record_InventoryLevel(types.InventoryLevel(
        external_id=f"{s['sku']}@{s['warehouse']}", sku=s["sku"], location=s["warehouse"],
        on_hand=int(s["on_hand"]), reserved=int(s.get("reserved", 0)), incoming=int(s.get("incoming", 0)),
        safety_stock=0, updated_at=None, extra="{}",
    ))


def amount(value, currency) -> types.Amount:
    return types.Amount(types.Money(str(value), currency), None)


def order_record(o) -> types.Record:
    cur = o["currency"]
    lines = [
        types.OrderLine(external_id=f"{o['id']}-{i}", sku=l["sku"], title=l["sku"], quantity=int(l["qty"]),
                        current_quantity=int(l["qty"]), unit_price=amount(l["price"], cur), discount_allocations=[],
                        tax_lines=[], requires_shipping=True, custom_attributes=[], extra="{}")
        for i, l in enumerate(o.get("lines", []))
    ]
    total = amount(o.get("total", "0"), cur)
    return types.Record_Order(types.Order(
        external_id=o["id"], name=o.get("reference", o["id"]), source="erp", email=o.get("email"), phone=None,
        customer=None, company_location=None, currency=cur, presentment_currency=None, lines=lines,
        shipping_lines=[], discounts=[], tax_lines=[], taxes_included=False, subtotal=total,
        shipping=amount("0.00", cur), tax=amount("0.00", cur), discount=amount("0.00", cur), total=total,
        financial_status=types.FinancialStatus.PENDING, cancelled=False, stock_effect=types.StockEffect.MOVE_STOCK,
        shipping_address=None, billing_address=None,
        tags=[], note=None, custom_attributes=[], po_number=None, metafields=[], created_at=o.get("created", ""),
        updated_at=None, extra="{}",
    ))


PULLS = {E.PRODUCT: ("/api/products", product_record), E.INVENTORY_LEVEL: ("/api/stock", level_record)}


class Connector(weft.ConnectorBase):
    def describe(self):
        return weft.plugin_info(
            "http-erp-py", "0.1.0", "HTTP/JSON ERP: products and stock in, orders out",
            entities=[types.EntitySupport(E.PRODUCT, types.Direction.PULL),
                      types.EntitySupport(E.INVENTORY_LEVEL, types.Direction.PULL),
                      types.EntitySupport(E.ORDER, types.Direction.PUSH)],
            config_keys=[("base_url", True, "the ERP's API root, e.g. https://erp.example.com")],
            secrets=["token"],
        )

    def check(self):
        api("GET", "/api/ping").raise_for_status()

    def pull(self, entity, cursor, limit):
        if entity not in PULLS:
            raise weft.permanent(f"pull of {entity.name.lower()} is not supported")
        path, convert = PULLS[entity]
        query = f"?limit={int(limit)}" + (f"&after={quote(cursor, safe='')}" if cursor else "")
        data = api("GET", path + query).raise_for_status().json()
        records = [convert(item) for item in data["items"]]
        nxt = data.get("next")
        last = weft.record_value(records[-1]).external_id if records else cursor
        return types.Page(records=records, next_cursor=nxt or last, has_more=nxt is not None)

    def fetch_one(self, entity, external_id):
        paths = {E.PRODUCT: ("/api/products/", product_record), E.ORDER: ("/api/orders/", order_record)}
        if entity not in paths:
            raise weft.permanent(f"fetch of {entity.name.lower()} is not supported")
        path, convert = paths[entity]
        resp = api("GET", path + quote(external_id, safe=""))
        if resp.status == 404:
            return None
        return convert(resp.raise_for_status().json())

    def push_one(self, entity, keyed):
        if entity != E.ORDER or not isinstance(keyed.record, types.Record_Order):
            raise weft.permanent(f"push of {entity.name.lower()} is not supported")
        order = keyed.record.value
        if not order.lines:
            raise weft.invalid("lines", "an order needs at least one line")
        for i, line in enumerate(order.lines):
            if not line.sku:
                raise weft.invalid(f"lines[{i}].sku", "every line needs a SKU")
        done = weft.kv.get_json("pushed/" + keyed.key)
        if done is not None:
            return weft.unchanged(done)
        found = api("GET", "/api/orders?reference=" + quote(order.external_id, safe="")).raise_for_status().json()["items"]
        if found:
            weft.kv.set_json("pushed/" + keyed.key, found[0]["id"])
            return weft.unchanged(found[0]["id"])
        body = {
            "reference": order.external_id, "email": order.email, "currency": order.currency,
            "lines": [{"sku": l.sku, "qty": l.quantity, "price": l.unit_price.shop.amount} for l in order.lines],
            # False: a hybrid inventory flow already booked the sale's stock; the ERP must not move it.
            "move_stock": order.stock_effect == types.StockEffect.MOVE_STOCK,
        }
        resp = api("POST", "/api/orders", body)
        if resp.status == 422:
            err = resp.json()
            raise weft.invalid(err.get("field", "order"), err.get("error", "rejected by the ERP"))
        created = resp.raise_for_status().json()["id"]
        weft.kv.set_json("pushed/" + keyed.key, created)
        weft.log.info("order created in the ERP", reference=order.external_id, id=created)
        return weft.created(created)
