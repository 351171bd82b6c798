//! Rows to canonical records. One function per entity; a group is the rows of one product
//! (by `product_id`), one order (by `order_id`) or one price (by `price_id`), a single row otherwise. A bad value is an
//! error naming its line and column.

use crate::rows::Row;
use weft_sdk::{
    Address, Customer, Entity, InventoryLevel, Media, Metafield, Money, Product, ProductStatus, Record, Variant,
};

/// A bad row: its line and what is wrong.
pub type Bad = (u64, String);

/// The column that groups rows of `entity` into one record, if any.
pub fn group_key(entity: Entity) -> Option<&'static str> {
    match entity {
        Entity::Product => Some("product_id"),
        Entity::Order => Some("order_id"),
        Entity::Fulfillment => Some("shipment_id"),
        Entity::Price => Some("price_id"),
        _ => None,
    }
}

/// A canonical record from the JSON the outbox writes. An order written before orders said
/// their stock effect (no `stock_effect`) reads as one that moves stock, as it was then.
pub fn from_json(text: &[u8]) -> Result<Record, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_slice(text)?;
    if let Some(order) = value.get_mut("Order").and_then(serde_json::Value::as_object_mut) {
        order.entry("stock_effect").or_insert_with(|| "MoveStock".into());
    }
    serde_json::from_value(value)
}

/// The record of one group of rows.
pub fn build(entity: Entity, group: &[Row], currency: &str) -> Result<Record, Bad> {
    let first = &group[0];
    for row in group {
        if let Err(e) = &row.fields {
            return Err((row.line, e.clone()));
        }
    }
    match entity {
        Entity::Product => product(group, currency).map(Record::Product),
        Entity::InventoryLevel => inventory(first).map(Record::InventoryLevel),
        Entity::Customer => customer(first).map(Record::Customer),
        Entity::Order => crate::orders::order(group, currency).map(Record::Order),
        Entity::Fulfillment => crate::orders::shipment(group).map(Record::Fulfillment),
        Entity::Price => crate::prices::price(group, currency).map(Record::Price),
        other => Err((first.line, format!("{other:?} files are not supported"))),
    }
}

pub fn required<'a>(row: &'a Row, key: &str) -> Result<&'a str, Bad> {
    row.get(key).ok_or_else(|| (row.line, format!("`{key}` is required")))
}

pub fn int<T: std::str::FromStr>(row: &Row, key: &str) -> Result<Option<T>, Bad> {
    row.get(key)
        .map(|v| v.parse::<T>().map_err(|_| (row.line, format!("`{key}` = `{v}` is not a whole number"))))
        .transpose()
}

pub fn money(row: &Row, key: &str, currency: &str) -> Result<Option<Money>, Bad> {
    match row.get(key) {
        None => Ok(None),
        Some(v) if is_decimal(v) => Ok(Some(Money { amount: v.to_owned(), currency: currency.to_owned() })),
        Some(v) => Err((row.line, format!("`{key}` = `{v}` is not a decimal amount"))),
    }
}

/// `123`, `19.90`, `-1.5`; no exponent, no thousands separator.
pub fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
}

pub fn tags(row: &Row) -> Vec<String> {
    row.get("tags")
        .map(|t| t.split(';').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

pub fn text(row: &Row, key: &str) -> Option<String> {
    row.get(key).map(str::to_owned)
}

/// The columns a products export has a meaning for; any other is kept in `extra`.
const PRODUCT_COLUMNS: &[&str] = &[
    "product_id",
    "product_sku",
    "title",
    "description",
    "vendor",
    "product_type",
    "tags",
    "status",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "variant_id",
    "sku",
    "barcode",
    "price",
    "compare_at_price",
    "cost",
    "weight_grams",
    "updated_at",
    "images",
    "variant_image",
    "collections",
];

/// The row's columns outside `known`, as a JSON object (`{}` when there are none): the ERP's own
/// fields, which mappings read as `erp.KEY`.
pub fn extra(row: &Row, known: &[&str]) -> String {
    let fields: serde_json::Map<String, serde_json::Value> = row
        .fields
        .as_ref()
        .map(|f| {
            f.iter()
                .filter(|(k, v)| !known.contains(&k.as_str()) && metafield_column(k).is_none() && !v.trim().is_empty())
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.trim().to_owned())))
                .collect()
        })
        .unwrap_or_default();
    serde_json::Value::Object(fields).to_string()
}

/// The (owner, namespace, key) of a metafield column: `OWNER.metafields.NAMESPACE.KEY` (owner
/// `product`, `variant`, `customer` or `order`), alone or at the end of the header in parentheses, as
/// Shopify's CSV export names them (`Material (product.metafields.custom.material)`).
fn metafield_column(header: &str) -> Option<(&str, &str, &str)> {
    let header = header.trim();
    let name = match header.strip_suffix(')') {
        Some(open) => &open[open.rfind('(')? + 1..],
        None => header,
    };
    let (owner, rest) = name.split_once(".metafields.")?;
    let (namespace, key) = rest.split_once('.')?;
    (!namespace.is_empty() && !key.is_empty() && !key.contains('.')).then_some((owner, namespace, key))
}

/// The row's metafields of `owner` (`product`, `variant`, `customer`, `order`), one per column; an
/// empty cell is an empty value (the ERP has none: the host removes a value it wrote before).
/// Their type is left empty: the host writes each as the shop's definition or the flow's config
/// types it.
pub fn metafields(row: &Row, owner: &str) -> Vec<Metafield> {
    let Ok(fields) = &row.fields else { return Vec::new() };
    fields
        .iter()
        .filter_map(|(header, value)| {
            let (_, namespace, key) = metafield_column(header).filter(|(of, _, _)| *of == owner)?;
            Some(Metafield {
                namespace: namespace.to_owned(),
                key: key.to_owned(),
                type_: String::new(),
                value: value.trim().to_owned(),
            })
        })
        .collect()
}

/// The images in column `key`: `source|alt|sha256;...` (alt and sha256 optional). A source is an
/// `https://` URL or a path in the connection's directory (sent as `file:PATH`).
fn images(row: &Row, key: &str) -> Result<Vec<Media>, Bad> {
    let Some(cell) = row.get(key) else { return Ok(Vec::new()) };
    let part = |p: Option<&str>| p.map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
    cell.split(';')
        .filter(|item| !item.trim().is_empty())
        .map(|item| {
            let mut parts = item.split('|');
            let source = part(parts.next()).ok_or_else(|| (row.line, format!("`{key}`: an image without a source")))?;
            let source = if source.starts_with("https://") || source.starts_with("file:") {
                source
            } else if source.contains("://") {
                return Err((row.line, format!("`{key}`: `{source}` is neither an https:// URL nor a path")));
            } else {
                format!("file:{source}")
            };
            Ok(Media { source, alt: part(parts.next()), content_hash: part(parts.next()) })
        })
        .collect()
}

/// The `;`-separated values of column `key`.
fn row_list(row: &Row, key: &str) -> Vec<String> {
    row.get(key)
        .map(|t| t.split(';').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

fn product(group: &[Row], currency: &str) -> Result<Product, Bad> {
    let first = &group[0];
    let status = match first.get("status").unwrap_or("active") {
        "active" => ProductStatus::Active,
        "draft" => ProductStatus::Draft,
        "archived" => ProductStatus::Archived,
        other => return Err((first.line, format!("`status` = `{other}`: use active, draft or archived"))),
    };
    let options: Vec<String> = ["option1_name", "option2_name"].iter().filter_map(|k| text(first, k)).collect();
    let mut variants = Vec::new();
    for row in group {
        let sku = required(row, "sku")?;
        let option_values: Vec<String> = ["option1_value", "option2_value"]
            .iter()
            .take(options.len())
            .map(|k| text(row, k).unwrap_or_default())
            .collect();
        if option_values.iter().any(String::is_empty) {
            return Err((row.line, format!("variant {sku} lacks a value for one of the options {options:?}")));
        }
        variants.push(Variant {
            external_id: text(row, "variant_id").unwrap_or_else(|| sku.to_owned()),
            sku: Some(sku.to_owned()),
            barcode: text(row, "barcode"),
            option_values,
            price: Some(money(row, "price", currency)?.ok_or_else(|| (row.line, "`price` is required".to_owned()))?),
            compare_at_price: money(row, "compare_at_price", currency)?,
            cost: money(row, "cost", currency)?,
            weight_grams: int(row, "weight_grams")?,
            media: images(row, "variant_image")?,
            metafields: metafields(row, "variant"),
            updated_at: text(row, "updated_at"),
            extra: extra(row, PRODUCT_COLUMNS),
        });
    }
    Ok(Product {
        external_id: required(first, "product_id")?.to_owned(),
        sku: text(first, "product_sku"),
        title: required(first, "title")?.to_owned(),
        description: text(first, "description"),
        vendor: text(first, "vendor"),
        product_type: text(first, "product_type"),
        tags: tags(first),
        status,
        options,
        variants,
        media: images(first, "images")?,
        collections: row_list(first, "collections"),
        metafields: metafields(first, "product"),
        deleted: false,
        updated_at: text(first, "updated_at"),
        extra: extra(first, PRODUCT_COLUMNS),
    })
}

fn inventory(row: &Row) -> Result<InventoryLevel, Bad> {
    let sku = required(row, "sku")?;
    let location = required(row, "location")?;
    let on_hand = int(row, "on_hand")?.ok_or_else(|| (row.line, "`on_hand` is required".to_owned()))?;
    Ok(InventoryLevel {
        external_id: format!("{sku}@{location}"),
        sku: Some(sku.to_owned()),
        location: location.to_owned(),
        on_hand,
        reserved: int(row, "reserved")?.unwrap_or(0),
        incoming: int(row, "incoming")?.unwrap_or(0),
        safety_stock: int(row, "safety_stock")?.unwrap_or(0),
        updated_at: text(row, "updated_at"),
        extra: "{}".into(),
    })
}

/// The address in the columns named `{prefix}first_name`, `{prefix}address1`, ...; none when it
/// has neither a street nor a city.
pub fn address(row: &Row, prefix: &str) -> Option<Address> {
    let f = |key: &str| text(row, &format!("{prefix}{key}"));
    let a = Address {
        first_name: f("first_name"),
        last_name: f("last_name"),
        company: f("company"),
        address1: f("address1"),
        address2: f("address2"),
        city: f("city"),
        province_code: f("province_code"),
        zip: f("zip"),
        country_code: f("country_code"),
        phone: f("phone"),
    };
    (a.address1.is_some() || a.city.is_some()).then_some(a)
}

pub fn email(row: &Row) -> Result<Option<String>, Bad> {
    match row.get("email") {
        Some(e) if !e.contains('@') || e.contains(' ') => {
            Err((row.line, format!("`email` = `{e}` is not an e-mail address")))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

pub fn customer(row: &Row) -> Result<Customer, Bad> {
    Ok(Customer {
        external_id: required(row, "customer_id")?.to_owned(),
        sku: None,
        email: email(row)?,
        first_name: text(row, "first_name"),
        last_name: text(row, "last_name"),
        phone: text(row, "phone"),
        company: text(row, "company"),
        addresses: address(row, "").into_iter().collect(),
        tags: tags(row),
        metafields: metafields(row, "customer"),
        updated_at: text(row, "updated_at"),
        extra: "{}".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sdk::{Order, StockEffect};

    fn order_json(effect: StockEffect) -> serde_json::Value {
        let order = Order::new("o1", "#1", "EUR", "2026-11-26T10:00:00Z").stock_effect(effect);
        serde_json::to_value(Record::Order(order)).unwrap()
    }

    fn effect(json: &serde_json::Value) -> Result<StockEffect, serde_json::Error> {
        from_json(json.to_string().as_bytes()).map(|r| match r {
            Record::Order(o) => o.stock_effect,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn metafield_columns_by_owner_as_shopify_exports_name_them() {
        let fields = [
            ("product.metafields.custom.material", "Cotton"),
            ("Care (product.metafields.custom.care)", "Wash cold"),
            ("variant.metafields.custom.fit", "Slim"),
            ("product.metafields.custom.empty", " "),
            ("brand", "Acme"),
        ];
        let row = Row { line: 2, fields: Ok(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()) };
        let named = |owner| {
            metafields(&row, owner)
                .into_iter()
                .map(|m| format!("{}.{}={}", m.namespace, m.key, m.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(named("product"), ["custom.care=Wash cold", "custom.empty=", "custom.material=Cotton"]);
        assert_eq!(named("variant"), ["custom.fit=Slim"]);
        assert_eq!(extra(&row, &[]), r#"{"brand":"Acme"}"#, "metafield columns are not the ERP's own fields");
    }

    #[test]
    fn an_order_file_says_its_stock_effect_and_one_written_before_the_field_moves_stock() {
        let counted = order_json(StockEffect::AlreadyCounted);
        assert_eq!(counted["Order"]["stock_effect"], "AlreadyCounted");
        assert_eq!(effect(&counted).unwrap(), StockEffect::AlreadyCounted);
        let mut old = order_json(StockEffect::AlreadyCounted);
        old["Order"].as_object_mut().unwrap().remove("stock_effect");
        assert_eq!(effect(&old).unwrap(), StockEffect::MoveStock);
        let mut bad = counted;
        bad["Order"]["stock_effect"] = "Twice".into();
        assert!(effect(&bad).unwrap_err().to_string().contains("unknown variant `Twice`"));
    }

    #[test]
    fn a_products_export_carries_images_variant_images_and_categories() {
        let row = |line: u64, cells: &[(&str, &str)]| Row {
            line,
            fields: Ok(cells.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
        };
        let cells = [("product_id", "P1"), ("title", "Tee"), ("sku", "TEE-S"), ("price", "9.90")];
        let media = [
            ("images", "https://cdn.test/a.jpg|Front; images/b.png||ab12 ;"),
            ("variant_image", "file:images/s.png|Small"),
            ("collections", "Shirts; Summer ;"),
        ];
        let first = [&cells[..], &media[..]].concat();
        let Record::Product(p) = build(Entity::Product, &[row(2, &first)], "EUR").unwrap() else { panic!() };
        let images: Vec<_> =
            p.media.iter().map(|m| (m.source.as_str(), m.alt.as_deref(), m.content_hash.as_deref())).collect();
        assert_eq!(
            images,
            [("https://cdn.test/a.jpg", Some("Front"), None), ("file:images/b.png", None, Some("ab12"))]
        );
        assert_eq!(p.variants[0].media[0].source, "file:images/s.png");
        assert_eq!(p.collections, ["Shirts", "Summer"]);
        assert_eq!(p.extra, "{}", "the columns are not the ERP's own");
        let bad = [&cells[..], &[("images", "ftp://cdn.test/a.jpg")][..]].concat();
        let err = build(Entity::Product, &[row(3, &bad)], "EUR").unwrap_err();
        assert!(err.0 == 3 && err.1.contains("neither an https:// URL nor a path"), "{err:?}");
    }
}
