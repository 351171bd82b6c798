//! Orders and shipments of the inbox. An order is the rows with one `order_id` (one row per
//! line; order columns repeated) in CSV or JSON lines, or in JSON lines one `{"record": ...}`
//! holding a whole canonical order (the JSON the outbox writes). Amounts in the presentment
//! currency are the `*_presentment` columns. A shipment is the rows with one `shipment_id`.
//! See README.md for the columns.

use crate::records::{address, customer, email, int, required, tags, text, Bad};
use crate::rows::Row;
use rust_decimal::Decimal;
use std::str::FromStr;
use weft_sdk::{
    Amount, DiscountAllocation, DiscountApplication, DiscountKind, DiscountValueType, FinancialStatus, Fulfillment,
    FulfillmentLine, Money, Order, OrderLine, ShippingLine, StockEffect, TaxLine, Tracking,
};

/// A decimal column; none when absent.
fn decimal(row: &Row, key: &str) -> Result<Option<Decimal>, Bad> {
    row.get(key)
        .map(|v| {
            let plain =
                v.trim_start_matches('-').split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            (plain && v.matches('.').count() <= 1)
                .then(|| Decimal::from_str(v).ok())
                .flatten()
                .ok_or_else(|| (row.line, format!("`{key}` = `{v}` is not a decimal amount")))
        })
        .transpose()
}

fn money(d: Decimal, currency: &str) -> Money {
    let d = d.normalize();
    Money { amount: if d.scale() < 2 { format!("{d:.2}") } else { d.to_string() }, currency: currency.to_owned() }
}

/// The order's currencies: the shop's and, when the buyer paid in another, the presentment one.
struct Currencies<'a> {
    shop: &'a str,
    presentment: Option<&'a str>,
}

impl Currencies<'_> {
    /// The amount in column `key` and, with a presentment currency, `{key}_presentment`
    /// (required then).
    fn amount(&self, row: &Row, key: &str) -> Result<Option<Amount>, Bad> {
        let Some(shop) = decimal(row, key)? else { return Ok(None) };
        let presentment = match self.presentment {
            Some(p) => {
                let k = format!("{key}_presentment");
                let v = decimal(row, &k)?
                    .ok_or_else(|| (row.line, format!("`{k}` is required with `presentment_currency`")))?;
                Some(money(v, p))
            }
            None => None,
        };
        Ok(Some(Amount { shop: money(shop, self.shop), presentment }))
    }

    fn zero(&self) -> Amount {
        Amount { shop: money(Decimal::ZERO, self.shop), presentment: self.presentment.map(|p| money(Decimal::ZERO, p)) }
    }

    /// The sum of `amounts`.
    fn sum<'a>(&self, amounts: impl Iterator<Item = &'a Amount> + Clone) -> Amount {
        let n = |m: &Money| Decimal::from_str(&m.amount).unwrap_or_default();
        let shop: Decimal = amounts.clone().map(|a| n(&a.shop)).sum();
        let presentment =
            self.presentment.map(|p| money(amounts.filter_map(|a| a.presentment.as_ref()).map(n).sum(), p));
        Amount { shop: money(shop, self.shop), presentment }
    }
}

fn status(row: &Row) -> Result<FinancialStatus, Bad> {
    Ok(match row.get("financial_status").unwrap_or("pending") {
        "pending" => FinancialStatus::Pending,
        "authorized" => FinancialStatus::Authorized,
        "partially_paid" => FinancialStatus::PartiallyPaid,
        "paid" => FinancialStatus::Paid,
        "partially_refunded" => FinancialStatus::PartiallyRefunded,
        "refunded" => FinancialStatus::Refunded,
        "voided" => FinancialStatus::Voided,
        other => return Err((row.line, format!("`financial_status` = `{other}` is not a known payment state"))),
    })
}

fn flag(row: &Row, key: &str) -> Result<bool, Bad> {
    match row.get(key) {
        None | Some("false" | "no" | "0") => Ok(false),
        Some("true" | "yes" | "1") => Ok(true),
        Some(v) => Err((row.line, format!("`{key}` = `{v}`: use true or false"))),
    }
}

/// `key=value;key=value` as pairs.
fn pairs(row: &Row, key: &str) -> Vec<(String, String)> {
    row.get(key)
        .map(|t| {
            t.split(';')
                .filter_map(|p| p.split_once('=').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
                .filter(|(k, _)| !k.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The tax (title, rate) of the order's rows: `tax_title`, `tax_rate`.
fn tax(
    c: &Currencies<'_>,
    row: &Row,
    amount_key: &str,
    title: &Option<String>,
    rate: &Option<String>,
) -> Result<Vec<TaxLine>, Bad> {
    Ok(match c.amount(row, amount_key)? {
        Some(amount) => vec![TaxLine {
            title: title.clone().unwrap_or_else(|| "Tax".into()),
            rate: rate.clone().ok_or_else(|| (row.line, format!("`{amount_key}` needs `tax_rate`")))?,
            amount,
        }],
        None => Vec::new(),
    })
}

/// The order of one group of rows.
pub fn order(group: &[Row], default_currency: &str) -> Result<Order, Bad> {
    let first = &group[0];
    if let Some(json) = first.get("record") {
        let record = crate::records::from_json(json.as_bytes())
            .map_err(|e| (first.line, format!("`record` is not a canonical order: {e}")))?;
        return match record {
            weft_sdk::Record::Order(o) => Ok(o),
            other => Err((first.line, format!("`record` is a {:?}, not an order", other.entity()))),
        };
    }
    let shop = first.get("currency").unwrap_or(default_currency);
    let c = Currencies { shop, presentment: first.get("presentment_currency").filter(|p| *p != shop) };
    let (tax_title, tax_rate) = (text(first, "tax_title"), text(first, "tax_rate"));
    let mut discounts = Vec::new();
    let code = text(first, "discount_code");
    let mut lines = Vec::new();
    for (i, row) in group.iter().enumerate() {
        let quantity: u32 = int(row, "quantity")?.ok_or_else(|| (row.line, "`quantity` is required".to_owned()))?;
        if quantity == 0 {
            return Err((row.line, "`quantity` must be at least 1".into()));
        }
        let mut allocations = Vec::new();
        if let Some(amount) = c.amount(row, "line_discount")? {
            if discounts.is_empty() {
                discounts.push(DiscountApplication {
                    kind: if code.is_some() { DiscountKind::Code } else { DiscountKind::Manual },
                    code: code.clone(),
                    title: code.clone().or_else(|| Some("discount".into())),
                    value_type: DiscountValueType::FixedAmount,
                    value: "0".into(),
                });
            }
            allocations.push(DiscountAllocation { application: 0, amount });
        }
        lines.push(OrderLine {
            external_id: text(row, "line_id")
                .unwrap_or_else(|| format!("{}-{}", first.get("order_id").unwrap_or_default(), i + 1)),
            sku: Some(required(row, "sku")?.to_owned()),
            title: text(row, "title").unwrap_or_default(),
            quantity,
            current_quantity: quantity,
            unit_price: c
                .amount(row, "unit_price")?
                .ok_or_else(|| (row.line, "`unit_price` is required".to_owned()))?,
            discount_allocations: allocations,
            tax_lines: tax(&c, row, "line_tax", &tax_title, &tax_rate)?,
            requires_shipping: true,
            custom_attributes: pairs(row, "line_attributes"),
            extra: "{}".into(),
        });
    }
    let shipping_lines: Vec<ShippingLine> = c
        .amount(first, "shipping")?
        .map(|price| -> Result<ShippingLine, Bad> {
            Ok(ShippingLine {
                external_id: format!("{}-shipping", first.get("order_id").unwrap_or_default()),
                title: text(first, "shipping_title").unwrap_or_else(|| "Shipping".into()),
                code: text(first, "shipping_code"),
                price,
                discount_allocations: Vec::new(),
                tax_lines: tax(&c, first, "shipping_tax", &tax_title, &tax_rate)?,
            })
        })
        .transpose()?
        .into_iter()
        .collect();
    if let Some(total) = total(&c, &lines, &shipping_lines, flag(first, "taxes_included")?) {
        // The lines and shipping must add up to the export's total: a row missing is refused.
        if let Some(given) = c.amount(first, "total")? {
            if given.shop.amount != total.shop.amount {
                return Err((
                    first.line,
                    format!("`total` {} is not the sum of the rows, {}", given.shop.amount, total.shop.amount),
                ));
            }
        }
    }
    let discount = c.sum(lines.iter().flat_map(|l| &l.discount_allocations).map(|a| &a.amount));
    let subtotal_parts: Vec<Amount> = lines.iter().map(|l| line_net(&c, l)).collect();
    let tax_parts: Vec<&Amount> = lines
        .iter()
        .flat_map(|l| &l.tax_lines)
        .chain(shipping_lines.iter().flat_map(|s| &s.tax_lines))
        .map(|t| &t.amount)
        .collect();
    let taxes_included = flag(first, "taxes_included")?;
    let order = Order {
        external_id: required(first, "order_id")?.to_owned(),
        name: required(first, "name")?.to_owned(),
        source: first.get("source").unwrap_or("erp").to_owned(),
        email: email(first)?,
        phone: text(first, "phone"),
        customer: match first.get("customer_id") {
            Some(_) => Some(customer(first)?),
            None => None,
        },
        company_location: None,
        currency: shop.to_owned(),
        presentment_currency: c.presentment.map(str::to_owned),
        subtotal: c.sum(subtotal_parts.iter()),
        shipping: c.sum(shipping_lines.iter().map(|s| &s.price)),
        tax: c.sum(tax_parts.iter().copied()),
        discount,
        total: total(&c, &lines, &shipping_lines, taxes_included).unwrap_or_else(|| c.zero()),
        tax_lines: Vec::new(),
        lines,
        shipping_lines,
        discounts,
        taxes_included,
        financial_status: status(first)?,
        cancelled: false,
        stock_effect: StockEffect::MoveStock,
        shipping_address: address(first, ""),
        billing_address: address(first, "billing_"),
        tags: tags(first),
        note: text(first, "note"),
        custom_attributes: pairs(first, "attributes"),
        po_number: text(first, "po_number"),
        metafields: crate::records::metafields(first, "order"),
        created_at: required(first, "created_at")?.to_owned(),
        updated_at: text(first, "updated_at"),
        extra: "{}".into(),
    };
    Ok(order)
}

/// A line's price after its discounts.
fn line_net(c: &Currencies<'_>, l: &OrderLine) -> Amount {
    let n = |m: &Money| Decimal::from_str(&m.amount).unwrap_or_default();
    let q = Decimal::from(l.quantity);
    let off = c.sum(l.discount_allocations.iter().map(|a| &a.amount));
    Amount {
        shop: money(n(&l.unit_price.shop) * q - n(&off.shop), c.shop),
        presentment: l
            .unit_price
            .presentment
            .as_ref()
            .map(|p| money(n(p) * q - off.presentment.as_ref().map(n).unwrap_or_default(), &p.currency)),
    }
}

/// lines after discounts + shipping + taxes (unless included).
fn total(c: &Currencies<'_>, lines: &[OrderLine], shipping: &[ShippingLine], taxes_included: bool) -> Option<Amount> {
    let mut parts: Vec<Amount> = lines.iter().map(|l| line_net(c, l)).collect();
    parts.extend(shipping.iter().map(|s| s.price.clone()));
    if !taxes_included {
        parts.extend(
            lines
                .iter()
                .flat_map(|l| &l.tax_lines)
                .chain(shipping.iter().flat_map(|s| &s.tax_lines))
                .map(|t| t.amount.clone()),
        );
    }
    (!lines.is_empty()).then(|| c.sum(parts.iter()))
}

/// The shipment of one group of rows (one row per shipped line).
pub fn shipment(group: &[Row]) -> Result<Fulfillment, Bad> {
    let first = &group[0];
    let mut lines = Vec::new();
    for row in group {
        let quantity: u32 = int(row, "quantity")?.ok_or_else(|| (row.line, "`quantity` is required".to_owned()))?;
        let (line, sku) = (text(row, "line_id"), text(row, "sku"));
        if line.is_none() && sku.is_none() {
            return Err((row.line, "a shipped line needs `line_id` or `sku`".into()));
        }
        lines.push(FulfillmentLine { line_external_id: line, sku, quantity });
    }
    let tracking = text(first, "tracking_number")
        .map(|numbers| {
            numbers
                .split(';')
                .map(|n| Tracking {
                    number: n.trim().to_owned(),
                    company: text(first, "tracking_company"),
                    url: text(first, "tracking_url"),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Fulfillment {
        external_id: required(first, "shipment_id")?.to_owned(),
        order_external_id: text(first, "order_id").unwrap_or_default(),
        order_name: required(first, "order_name")?.to_owned(),
        lines,
        tracking,
        location: text(first, "location"),
        shipped_at: text(first, "shipped_at"),
        extra: "{}".into(),
    })
}
