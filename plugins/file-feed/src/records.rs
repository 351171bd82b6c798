//! Rows to canonical records. One function per entity; a group is the rows of one product
//! (by `product_id`) or one order (by `order_id`), a single row otherwise. A bad value is an
//! error naming its line and column.

use crate::rows::Row;
use weft_sdk::{
    Address, Customer, Entity, FinancialStatus, InventoryLevel, Money, Order, OrderLine, Product, ProductStatus,
    Record, Variant,
};

/// A bad row: its line and what is wrong.
pub type Bad = (u64, String);

/// The column that groups rows of `entity` into one record, if any.
pub fn group_key(entity: Entity) -> Option<&'static str> {
    match entity {
        Entity::Product => Some("product_id"),
        Entity::Order => Some("order_id"),
        _ => None,
    }
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
        Entity::Order => order(group, currency).map(Record::Order),
        other => Err((first.line, format!("{other:?} files are not supported"))),
    }
}

fn required<'a>(row: &'a Row, key: &str) -> Result<&'a str, Bad> {
    row.get(key).ok_or_else(|| (row.line, format!("`{key}` is required")))
}

fn int<T: std::str::FromStr>(row: &Row, key: &str) -> Result<Option<T>, Bad> {
    row.get(key)
        .map(|v| v.parse::<T>().map_err(|_| (row.line, format!("`{key}` = `{v}` is not a whole number"))))
        .transpose()
}

fn money(row: &Row, key: &str, currency: &str) -> Result<Option<Money>, Bad> {
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

fn tags(row: &Row) -> Vec<String> {
    row.get("tags")
        .map(|t| t.split(';').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

fn text(row: &Row, key: &str) -> Option<String> {
    row.get(key).map(str::to_owned)
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
            updated_at: text(row, "updated_at"),
            extra: "{}".into(),
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
        deleted: false,
        updated_at: text(first, "updated_at"),
        extra: "{}".into(),
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

fn address(row: &Row) -> Option<Address> {
    let a = Address {
        first_name: text(row, "first_name"),
        last_name: text(row, "last_name"),
        company: text(row, "company"),
        address1: text(row, "address1"),
        address2: text(row, "address2"),
        city: text(row, "city"),
        province_code: text(row, "province_code"),
        zip: text(row, "zip"),
        country_code: text(row, "country_code"),
        phone: text(row, "phone"),
    };
    (a.address1.is_some() || a.city.is_some()).then_some(a)
}

fn email(row: &Row) -> Result<Option<String>, Bad> {
    match row.get("email") {
        Some(e) if !e.contains('@') || e.contains(' ') => {
            Err((row.line, format!("`email` = `{e}` is not an e-mail address")))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

fn customer(row: &Row) -> Result<Customer, Bad> {
    Ok(Customer {
        external_id: required(row, "customer_id")?.to_owned(),
        sku: None,
        email: email(row)?,
        first_name: text(row, "first_name"),
        last_name: text(row, "last_name"),
        phone: text(row, "phone"),
        company: text(row, "company"),
        addresses: address(row).into_iter().collect(),
        tags: tags(row),
        updated_at: text(row, "updated_at"),
        extra: "{}".into(),
    })
}

fn order(group: &[Row], default_currency: &str) -> Result<Order, Bad> {
    let first = &group[0];
    let currency = first.get("currency").unwrap_or(default_currency);
    let financial_status = match first.get("financial_status").unwrap_or("pending") {
        "pending" => FinancialStatus::Pending,
        "authorized" => FinancialStatus::Authorized,
        "partially_paid" => FinancialStatus::PartiallyPaid,
        "paid" => FinancialStatus::Paid,
        "partially_refunded" => FinancialStatus::PartiallyRefunded,
        "refunded" => FinancialStatus::Refunded,
        "voided" => FinancialStatus::Voided,
        other => return Err((first.line, format!("`financial_status` = `{other}` is not a known payment state"))),
    };
    let mut lines = Vec::new();
    for (i, row) in group.iter().enumerate() {
        let quantity: u32 = int(row, "quantity")?.ok_or_else(|| (row.line, "`quantity` is required".to_owned()))?;
        if quantity == 0 {
            return Err((row.line, "`quantity` must be at least 1".into()));
        }
        lines.push(OrderLine {
            external_id: text(row, "line_id")
                .unwrap_or_else(|| format!("{}-{}", group[0].get("order_id").unwrap_or_default(), i + 1)),
            sku: Some(required(row, "sku")?.to_owned()),
            title: text(row, "title").unwrap_or_default(),
            quantity,
            unit_price: money(row, "unit_price", currency)?
                .ok_or_else(|| (row.line, "`unit_price` is required".to_owned()))?,
            discount: None,
            extra: "{}".into(),
        });
    }
    let customer = match first.get("customer_id") {
        Some(_) => Some(customer(first)?),
        None => None,
    };
    Ok(Order {
        external_id: required(first, "order_id")?.to_owned(),
        sku: None,
        name: required(first, "name")?.to_owned(),
        source: first.get("source").unwrap_or("erp").to_owned(),
        email: email(first)?,
        customer,
        currency: currency.to_owned(),
        lines,
        shipping: money(first, "shipping", currency)?,
        tax: money(first, "tax", currency)?,
        total: money(first, "total", currency)?.ok_or_else(|| (first.line, "`total` is required".to_owned()))?,
        financial_status,
        cancelled: false,
        shipping_address: address(first),
        billing_address: None,
        tags: tags(first),
        created_at: required(first, "created_at")?.to_owned(),
        updated_at: text(first, "updated_at"),
        extra: "{}".into(),
    })
}
