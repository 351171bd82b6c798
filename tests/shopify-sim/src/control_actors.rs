//! The control API for the shop's other actors, and the [`SimHandle`] methods behind it:
//! storefront checkouts with full money detail, POS sales, a person's stock adjustment in the
//! admin, hand-made changes to an order's amounts (drift for reconciliation tests), and the
//! history of inventory level updates.

use crate::control::parse;
use crate::resolve::checkout::{place, sell_at_pos, Checkout, PosSale};
use crate::store::level_history::LevelChange;
use crate::store::model::{cents_to_money, money_cents};
use crate::store::money::parse_cents;
use crate::store::{gid, parse_gid, Store};
use crate::{lock, Shared, SimHandle};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};
use std::sync::Arc;

/// A person's stock change in the admin: `delta`, or a new `available`, with a reason.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminAdjustment {
    pub sku: String,
    /// The location's name.
    pub location: String,
    #[serde(default)]
    pub delta: Option<i64>,
    #[serde(default)]
    pub available: Option<i64>,
    /// One of Shopify's inventory reasons (default `correction`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A hand-made change to one line of an order (found by SKU); amounts in the shop currency.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineAlteration {
    pub sku: String,
    #[serde(default)]
    pub unit_price: Option<Json>,
    #[serde(default)]
    pub quantity: Option<i64>,
    /// The line's total tax (its first tax line).
    #[serde(default)]
    pub tax: Option<Json>,
}

/// A hand-made change to a shipping line (by position); amounts in the shop currency.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingAlteration {
    pub index: usize,
    #[serde(default)]
    pub price: Option<Json>,
}

/// Changes to an order's amounts that nobody is told of (unless `touch`), so totals drift.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderAlteration {
    #[serde(default)]
    pub lines: Vec<LineAlteration>,
    #[serde(default)]
    pub shipping_lines: Vec<ShippingAlteration>,
    /// A new `processedAt` (RFC 3339): moves the order to another day.
    #[serde(default)]
    pub processed_at: Option<String>,
    /// Bump `updatedAt` and raise `orders/updated` (default: a silent change).
    #[serde(default)]
    pub touch: bool,
}

/// Runs `change` on the store as `cause` (for the level history), then delivers its webhooks.
fn act<T>(
    shared: &Arc<Shared>,
    cause: &str,
    change: impl FnOnce(&mut Store) -> Result<T, String>,
) -> Result<T, String> {
    let (result, events) = {
        let mut store = lock(&shared.store);
        store.level_history.cause = cause.to_string();
        let result = change(&mut store);
        (result, std::mem::take(&mut store.events))
    };
    shared.webhooks.enqueue(shared, events);
    result
}

/// Places a storefront checkout; returns the order id.
pub fn place_checkout(shared: &Arc<Shared>, checkout: &Checkout) -> Result<u64, String> {
    act(shared, "storefront", |store| place(store, checkout))
}

/// Makes a POS sale; returns the order id.
pub fn pos_sale(shared: &Arc<Shared>, sale: &PosSale) -> Result<u64, String> {
    act(shared, "pos", |store| sell_at_pos(store, sale))
}

/// Applies a person's stock adjustment (an inventory adjustment group without an app); returns
/// the level's `available` after it.
pub fn admin_adjust(shared: &Arc<Shared>, a: &AdminAdjustment) -> Result<i64, String> {
    act(shared, "admin", |store| {
        let item = store
            .variant_by_sku(&a.sku)
            .map(|v| v.inventory_item_id)
            .ok_or_else(|| format!("no variant with sku {:?}", a.sku))?;
        let location = store
            .locations
            .values()
            .find(|l| l.name == a.location)
            .map(|l| l.id)
            .ok_or_else(|| format!("no location {:?}", a.location))?;
        let line = |key: &str, value: i64| json!({"inventoryItemId": gid("InventoryItem", item), "locationId": gid("Location", location), key: value, "changeFromQuantity": null});
        let reason = a.reason.clone().unwrap_or_else(|| "correction".into());
        let input = |list: &str, entry: Json| {
            Map::from_iter([("input".to_string(), json!({"name": "available", "reason": reason, list: [entry]}))])
        };
        let payload = match (a.delta, a.available) {
            (Some(delta), None) => {
                crate::resolve::inventory_write::adjust_quantities(store, &input("changes", line("delta", delta)))
            }
            (None, Some(available)) => crate::resolve::inventory_write::set_quantities(
                store,
                &input("quantities", line("quantity", available)),
            ),
            _ => return Err("give exactly one of delta or available".into()),
        };
        if let Some(e) = payload["userErrors"].as_array().and_then(|l| l.first()) {
            return Err(e["message"].as_str().unwrap_or("adjustment refused").to_string());
        }
        Ok(store.levels[&(item, location)].quantity("available"))
    })
}

/// Changes an order's amounts by hand; totals follow from the changed parts.
pub fn alter_order(shared: &Arc<Shared>, order_id: u64, alteration: &OrderAlteration) -> Result<(), String> {
    act(shared, "alter", |store| {
        let processed_at = match &alteration.processed_at {
            Some(t) => Some(
                crate::search::parse_time(t).ok_or_else(|| format!("processed_at {t:?} is not an RFC 3339 time"))?,
            ),
            None => None,
        };
        let o = store.orders.get_mut(&order_id).ok_or_else(|| format!("no order {order_id}"))?;
        let cents = |v: &Json, what: &str| parse_cents(v).ok_or_else(|| format!("{what} {v} is not a decimal amount"));
        for change in &alteration.lines {
            let l = o
                .line_items
                .iter_mut()
                .find(|l| l.sku.as_deref() == Some(change.sku.as_str()))
                .ok_or_else(|| format!("order {order_id} has no line with sku {:?}", change.sku))?;
            if let Some(price) = &change.unit_price {
                let shop = cents(price, "unit_price")?;
                l.detail.unit_presentment = l.unit().scale(shop, money_cents(&l.unit_price).max(1)).presentment;
                l.unit_price = cents_to_money(shop);
            }
            if let Some(q) = change.quantity {
                l.quantity = q;
            }
            if let Some(tax) = &change.tax {
                let shop = cents(tax, "tax")?;
                let t = l
                    .detail
                    .tax_lines
                    .first_mut()
                    .ok_or_else(|| format!("line {:?} has no tax line to change", change.sku))?;
                t.price = t.price.scale(shop, t.price.shop.max(1));
                t.price.shop = shop;
            }
        }
        for change in &alteration.shipping_lines {
            let s = o
                .detail
                .shipping_lines
                .get_mut(change.index)
                .ok_or_else(|| format!("order {order_id} has no shipping line {}", change.index))?;
            if let Some(price) = &change.price {
                let shop = cents(price, "price")?;
                s.price = s.price.scale(shop, s.price.shop.max(1));
                s.price.shop = shop;
            }
        }
        if let Some(t) = processed_at {
            o.processed_at = t;
        }
        if alteration.touch {
            crate::resolve::order_write::touch_and_emit(store, order_id, "orders/updated");
        }
        Ok(())
    })
}

/// Every inventory level update so far, oldest first.
pub fn level_history(shared: &Shared) -> Vec<LevelChange> {
    lock(&shared.store).level_history.changes.clone()
}

fn unprocessable(e: String) -> (u16, Json) {
    (422, json!({"error": e}))
}

/// Serves the actor endpoints; None for paths that are not theirs.
pub fn route(shared: &Arc<Shared>, method: &str, path: &str, body: &[u8]) -> Option<Result<Json, (u16, Json)>> {
    let order = |id: u64| json!({"order_id": gid("Order", id)});
    Some(match (method, path) {
        ("POST", "/_sim/orders") => {
            parse::<Checkout>(body).and_then(|c| place_checkout(shared, &c).map(order).map_err(unprocessable))
        }
        ("POST", "/_sim/pos/sales") => {
            parse::<PosSale>(body).and_then(|s| pos_sale(shared, &s).map(order).map_err(unprocessable))
        }
        ("POST", "/_sim/inventory/adjust") => parse::<AdminAdjustment>(body)
            .and_then(|a| admin_adjust(shared, &a).map(|n| json!({"available": n})).map_err(unprocessable)),
        ("GET", "/_sim/inventory/history") => Ok(serde_json::to_value(level_history(shared)).unwrap_or(Json::Null)),
        ("POST", _) => {
            let raw = path.strip_prefix("/_sim/orders/")?.strip_suffix("/alter")?;
            let id = raw.parse::<u64>().ok().or_else(|| parse_gid("Order", raw))?;
            parse::<OrderAlteration>(body)
                .and_then(|a| alter_order(shared, id, &a).map(|()| json!({"ok": true})).map_err(unprocessable))
        }
        _ => return None,
    })
}

impl SimHandle {
    /// Places a storefront checkout with money detail (see [`Checkout`]); returns the order id.
    pub fn place_checkout(&self, checkout: &Checkout) -> Result<u64, String> {
        place_checkout(&self.shared, checkout)
    }

    /// Makes a POS sale at a location (see [`PosSale`]); returns the order id.
    pub fn pos_sale(&self, sale: &PosSale) -> Result<u64, String> {
        pos_sale(&self.shared, sale)
    }

    /// Applies a person's stock adjustment in the admin; returns `available` after it.
    pub fn admin_adjust(&self, adjustment: &AdminAdjustment) -> Result<i64, String> {
        admin_adjust(&self.shared, adjustment)
    }

    /// Changes an order's amounts by hand (drift nobody is told of unless `touch`).
    pub fn alter_order(&self, order_id: u64, alteration: &OrderAlteration) -> Result<(), String> {
        alter_order(&self.shared, order_id, alteration)
    }

    /// Every inventory level update so far, with its cause.
    pub fn level_history(&self) -> Vec<LevelChange> {
        level_history(&self.shared)
    }
}
