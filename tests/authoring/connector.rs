//! {{id}}: the author journey's connector in Rust (host/tests/integration/plugin_journey.rs):
//! products and stock in, orders out, for the HTTP/JSON ERP plugins/http-erp-py documents.
use serde::Deserialize;
use weft_sdk::prelude::*;

#[derive(Deserialize)]
struct ApiVariant {
    id: String,
    sku: Option<String>,
    size: Option<String>,
    price: Option<String>,
    currency: Option<String>,
    barcode: Option<String>,
}

#[derive(Deserialize)]
struct ApiProduct {
    id: String,
    code: Option<String>,
    name: String,
    brand: Option<String>,
    category: Option<String>,
    active: Option<bool>,
    updated: Option<String>,
    #[serde(default)]
    variants: Vec<ApiVariant>,
}

#[derive(Deserialize)]
struct ApiStock {
    sku: String,
    warehouse: String,
    on_hand: i64,
    #[serde(default)]
    reserved: i64,
    #[serde(default)]
    incoming: i64,
}

#[derive(Deserialize)]
struct ApiPage<T> {
    items: Vec<T>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct ApiOrder {
    id: String,
}

fn url(path: &str) -> Result<String, PluginError> {
    Ok(format!("{}{path}", config::require("base_url")?.trim_end_matches('/')))
}

fn get<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, PluginError> {
    http::get_json(&url(path)?, &secrets::require("token")?)
}

fn product(p: ApiProduct) -> Record {
    let mut product = Product::new(&p.id, p.name);
    if let Some(code) = p.code {
        product = product.sku(code);
    }
    if let Some(brand) = p.brand {
        product = product.vendor(brand);
    }
    if let Some(category) = p.category {
        product = product.product_type(category);
    }
    if let Some(updated) = p.updated {
        product = product.updated_at(updated);
    }
    if !p.active.unwrap_or(true) {
        product = product.status(ProductStatus::Archived);
    }
    if p.variants.iter().any(|v| v.size.is_some()) {
        product = product.option("Size");
    }
    for v in p.variants {
        let mut variant = Variant::new(v.id);
        if let Some(sku) = v.sku {
            variant = variant.sku(sku);
        }
        if let Some(barcode) = v.barcode {
            variant = variant.barcode(barcode);
        }
        if let Some(size) = v.size {
            variant = variant.option_value(size);
        }
        if let Some(price) = v.price {
            variant = variant.price(Money::new(&price, v.currency.as_deref().unwrap_or("EUR")));
        }
        product = product.variant(variant);
    }
    product.into()
}

fn level(s: ApiStock) -> Record {
    InventoryLevel::new(s.sku, s.warehouse, s.on_hand).reserved(s.reserved).incoming(s.incoming).into()
}

fn pull_from<T: serde::de::DeserializeOwned>(
    path: &str,
    cursor: Option<String>,
    limit: u32,
    convert: fn(T) -> Record,
) -> Result<Page, PluginError> {
    cursor::paged(cursor.as_deref(), limit, |after| {
        let after = after.map(|a| format!("&after={}", http::encode(a))).unwrap_or_default();
        let page: ApiPage<T> = get(&format!("{path}?limit={limit}{after}"))?;
        Ok((page.items.into_iter().map(convert).collect(), page.next))
    })
}

struct Plugin;

impl Connector for Plugin {
    fn describe() -> PluginInfo {
        let mut info = PluginInfo::new("{{id}}", env!("CARGO_PKG_VERSION"), "{{description}}");
        info.entities = vec![
            EntitySupport { entity: Entity::Product, direction: Direction::Pull },
            EntitySupport { entity: Entity::InventoryLevel, direction: Direction::Pull },
            EntitySupport { entity: Entity::Order, direction: Direction::Push },
        ];
        info.config_keys =
            vec![ConfigKey { name: "base_url".into(), required: true, description: "the ERP's API root".into() }];
        info.secrets = vec!["token".into()];
        info
    }

    fn check() -> Result<(), PluginError> {
        get::<serde_json::Value>("/api/ping").map(drop)
    }

    fn pull(entity: Entity, cursor: Option<String>, limit: u32) -> Result<Page, PluginError> {
        match entity {
            Entity::Product => pull_from("/api/products", cursor, limit, product),
            Entity::InventoryLevel => pull_from("/api/stock", cursor, limit, level),
            other => Err(PluginError::Permanent(format!("pull of {other:?} is not supported"))),
        }
    }

    fn push_one(entity: Entity, keyed: KeyedRecord) -> Result<Pushed, PluginError> {
        let Record::Order(order) = keyed.record else {
            return Err(PluginError::Permanent(format!("push of {entity:?} is not supported")));
        };
        if order.lines.is_empty() {
            return Err(PluginError::invalid("lines", "an order needs at least one line"));
        }
        let found: ApiPage<ApiOrder> = get(&format!("/api/orders?reference={}", http::encode(&order.external_id)))?;
        if let Some(existing) = found.items.into_iter().next() {
            return Ok(Pushed::unchanged(existing.id));
        }
        let lines: Vec<serde_json::Value> = order
            .lines
            .iter()
            .map(|l| serde_json::json!({"sku": l.sku, "qty": l.quantity, "price": l.unit_price.shop.amount}))
            .collect();
        let body = serde_json::json!({"reference": order.external_id, "email": order.email, "currency": order.currency, "lines": lines});
        let response = http::Request::new("POST", &url("/api/orders")?)
            .header("authorization", &format!("Bearer {}", secrets::require("token")?))
            .json(&body)?
            .send()?;
        if response.status == 422 {
            let err: serde_json::Value = response.json()?;
            let field = err["field"].as_str().unwrap_or("order");
            return Err(PluginError::invalid(field, err["error"].as_str().unwrap_or("rejected by the ERP")));
        }
        let created: ApiOrder = response.error_for_status()?.json()?;
        Ok(Pushed::created(created.id))
    }
}

weft_sdk::export_connector!(Plugin);
