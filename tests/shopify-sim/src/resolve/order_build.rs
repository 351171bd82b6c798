//! Placing a new order, whatever it comes from (`orderCreate`, a storefront checkout or a POS
//! sale): claim its stock, price it (discounts, taxes), record it and raise its webhooks.

use super::order_payload::order_payload;
use crate::store::model::{cents_to_money, LineItem, Order, Transaction, UserError};
use crate::store::money::Bag;
use crate::store::order_detail::{Address, LineDetail, OrderDetail, ShippingLine};
use crate::store::order_pricing::{price, DiscountSpec, Pricing, TaxSpec};
use crate::store::order_totals::totals;
use crate::store::{now, Store};
use chrono::{DateTime, Utc};

/// How an order claims stock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Claim {
    /// No stock change (`BYPASS`).
    Bypass,
    /// `available` to `committed` at the first stocking location, even below zero.
    IgnorePolicy,
    /// Like `IgnorePolicy`, but fails when a `DENY` variant lacks stock.
    ObeyPolicy,
    /// A point-of-sale sale: `available` (and so `on_hand`) goes down at this location at once.
    PointOfSale(u64),
}

/// A line of a new order.
#[derive(Clone, Debug, Default)]
pub struct NewLine {
    pub variant_id: Option<u64>,
    pub product_id: Option<u64>,
    pub sku: Option<String>,
    pub title: String,
    pub variant_title: Option<String>,
    pub vendor: Option<String>,
    pub quantity: i64,
    pub unit: Bag,
    pub taxable: bool,
    pub requires_shipping: bool,
    pub properties: Vec<(String, String)>,
    pub taxes: Vec<TaxSpec>,
}

/// A shipping line of a new order.
#[derive(Clone, Debug)]
pub struct NewShipping {
    pub title: String,
    pub code: Option<String>,
    pub source: Option<String>,
    pub price: Bag,
    pub taxes: Vec<TaxSpec>,
}

/// A payment of a new order.
#[derive(Clone, Debug)]
pub struct NewTransaction {
    pub kind: String,
    pub status: String,
    pub amount: Bag,
    pub gateway: String,
}

/// Everything a new order is made of.
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub currency: String,
    pub presentment_currency: String,
    pub taxes_included: bool,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub po_number: Option<String>,
    pub tags: Vec<String>,
    pub test: bool,
    pub source_name: String,
    pub source_identifier: Option<String>,
    pub processed_at: Option<DateTime<Utc>>,
    /// When the order was created (default now): storefront orders placed back in time.
    pub created_at: Option<DateTime<Utc>>,
    pub customer_id: Option<u64>,
    pub shipping_address: Option<Address>,
    pub billing_address: Option<Address>,
    pub custom_attributes: Vec<(String, String)>,
    pub company_location_id: Option<u64>,
    pub lines: Vec<NewLine>,
    pub shipping: Vec<NewShipping>,
    pub discounts: Vec<DiscountSpec>,
    /// Taxes given for the whole order, split over the taxable lines.
    pub order_taxes: Vec<TaxSpec>,
    pub transactions: Vec<NewTransaction>,
    /// A given financial status (else derived from the transactions).
    pub financial_status: Option<String>,
    /// The gateway of a sale for the whole total, made once the order is priced (checkouts).
    pub paid_by: Option<String>,
    pub claim: Claim,
}

impl NewOrder {
    /// An empty order in `currency` (also its presentment currency) from `source_name`.
    pub fn new(currency: &str, source_name: &str) -> NewOrder {
        NewOrder {
            currency: currency.to_string(),
            presentment_currency: currency.to_string(),
            taxes_included: false,
            name: None,
            email: None,
            phone: None,
            note: None,
            po_number: None,
            tags: Vec::new(),
            test: false,
            source_name: source_name.to_string(),
            source_identifier: None,
            processed_at: None,
            created_at: None,
            customer_id: None,
            shipping_address: None,
            billing_address: None,
            custom_attributes: Vec::new(),
            company_location_id: None,
            lines: Vec::new(),
            shipping: Vec::new(),
            discounts: Vec::new(),
            order_taxes: Vec::new(),
            transactions: Vec::new(),
            financial_status: None,
            paid_by: None,
            claim: Claim::Bypass,
        }
    }
}

/// The first location stocking an inventory item.
pub fn first_stocking_location(store: &Store, item: u64) -> Option<u64> {
    store.levels.range((item, 0)..=(item, u64::MAX)).map(|(k, _)| k.1).next()
}

/// Claims the lines' stock; records the committing location on each line.
fn claim_stock(store: &mut Store, lines: &mut [LineItem], claim: Claim) -> Result<(), Vec<UserError>> {
    if claim == Claim::Bypass {
        return Ok(());
    }
    let mut plan = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(v) = l.variant_id.and_then(|v| store.variants.get(&v)) else { continue };
        let item = v.inventory_item_id;
        let location = match claim {
            Claim::PointOfSale(loc) => Some(loc).filter(|loc| store.levels.contains_key(&(item, *loc))),
            _ => first_stocking_location(store, item),
        };
        let fail = |msg: &str| {
            vec![UserError::new(&["order", "lineItems", &i.to_string()], msg, Some("INVENTORY_CLAIM_FAILED"))]
        };
        match location {
            Some(loc)
                if claim == Claim::ObeyPolicy
                    && v.inventory_policy == "DENY"
                    && store.levels[&(item, loc)].quantity("available") < l.quantity =>
            {
                return Err(fail("Not enough inventory available"));
            }
            Some(loc) => plan.push((i, item, loc)),
            None if claim == Claim::ObeyPolicy => return Err(fail("Variant is not stocked")),
            None => {}
        }
    }
    for (i, item, loc) in plan {
        let q = lines[i].quantity;
        if let Some(level) = store.levels.get_mut(&(item, loc)) {
            *level.quantities.entry("available".into()).or_insert(0) -= q;
            if !matches!(claim, Claim::PointOfSale(_)) {
                *level.quantities.entry("committed".into()).or_insert(0) += q;
                lines[i].detail.location_id = Some(loc);
            }
            level.updated_at = now();
        }
        store.emit_level_update(item, loc);
    }
    Ok(())
}

fn derived_financial_status(transactions: &[Transaction], total: i64) -> String {
    let ok = |kind: &str| {
        transactions
            .iter()
            .filter(|t| t.status == "SUCCESS" && t.kind == kind)
            .map(|t| crate::store::model::money_cents(&t.amount))
            .sum::<i64>()
    };
    let paid = ok("SALE") + ok("CAPTURE");
    if paid > 0 && paid >= total {
        "PAID".into()
    } else if paid > 0 {
        "PARTIALLY_PAID".into()
    } else if ok("AUTHORIZATION") > 0 {
        "AUTHORIZED".into()
    } else {
        "PENDING".into()
    }
}

/// Records a new order (stock claimed, discounts and taxes priced) and raises `orders/create`
/// (and `orders/paid` when paid); returns its id.
pub fn insert(store: &mut Store, new: NewOrder) -> Result<u64, Vec<UserError>> {
    let mut lines: Vec<LineItem> = new
        .lines
        .iter()
        .map(|l| LineItem {
            id: store.next_id(),
            variant_id: l.variant_id,
            product_id: l.product_id,
            sku: l.sku.clone(),
            title: l.title.clone(),
            quantity: l.quantity,
            fulfilled_quantity: 0,
            unit_price: cents_to_money(l.unit.shop),
            detail: LineDetail {
                unit_presentment: l.unit.presentment,
                variant_title: l.variant_title.clone(),
                vendor: l.vendor.clone(),
                taxable: l.taxable,
                requires_shipping: l.requires_shipping,
                properties: l.properties.clone(),
                ..LineDetail::default()
            },
        })
        .collect();
    claim_stock(store, &mut lines, new.claim)?;
    let mut shipping: Vec<ShippingLine> = new
        .shipping
        .iter()
        .map(|s| ShippingLine {
            id: store.next_id(),
            title: s.title.clone(),
            code: s.code.clone(),
            source: s.source.clone(),
            price: s.price,
            tax_lines: Vec::new(),
            discount_allocations: Vec::new(),
        })
        .collect();
    let applications = price(Pricing {
        lines: &mut lines,
        shipping: &mut shipping,
        taxes_included: new.taxes_included,
        discounts: new.discounts.clone(),
        line_taxes: new.lines.iter().map(|l| l.taxes.clone()).collect(),
        order_taxes: new.order_taxes.clone(),
        shipping_taxes: new.shipping.iter().map(|s| s.taxes.clone()).collect(),
    });
    let t = new.created_at.unwrap_or_else(now);
    let transactions: Vec<Transaction> = new
        .transactions
        .iter()
        .map(|tx| Transaction {
            id: store.next_id(),
            kind: tx.kind.clone(),
            status: tx.status.clone(),
            amount: cents_to_money(tx.amount.shop),
            amount_presentment: cents_to_money(tx.amount.presentment),
            parent_id: None,
            gateway: tx.gateway.clone(),
            processed_at: new.processed_at.unwrap_or(t),
        })
        .collect();
    let number = store.next_order_number();
    let id = store.next_id();
    let fulfillment_order_id = store.next_id();
    let retail_location_id = match new.claim {
        Claim::PointOfSale(loc) => Some(loc),
        _ => None,
    };
    let mut order = Order {
        id,
        number,
        name: new.name.clone().unwrap_or_else(|| format!("#{number}")),
        email: new.email.clone(),
        source_name: new.source_name.clone(),
        source_identifier: new.source_identifier.clone(),
        currency: new.currency.clone(),
        financial_status: String::new(),
        line_items: lines,
        transactions,
        fulfillments: Vec::new(),
        fulfillment_order_id,
        detail: OrderDetail {
            presentment_currency: new.presentment_currency.clone(),
            taxes_included: new.taxes_included,
            phone: new.phone.clone(),
            po_number: new.po_number.clone(),
            shipping_address: new.shipping_address.clone(),
            billing_address: new.billing_address.clone(),
            custom_attributes: new.custom_attributes.clone(),
            shipping_lines: shipping,
            discount_applications: applications,
            company_location_id: new.company_location_id,
            retail_location_id,
            edited: false,
            original_total: Bag::default(),
        },
        refunds: Vec::new(),
        returns: Vec::new(),
        customer_id: new.customer_id,
        tags: new.tags.clone(),
        note: new.note.clone(),
        test: new.test,
        cancelled_at: None,
        cancel_reason: None,
        closed_at: None,
        processed_at: new.processed_at.unwrap_or(t),
        created_at: t,
        updated_at: t,
    };
    let total = totals(&order).total;
    if let Some(gateway) = &new.paid_by {
        let amount_presentment = cents_to_money(total.presentment);
        order.transactions.push(Transaction {
            id: store.next_id(),
            kind: "SALE".into(),
            status: "SUCCESS".into(),
            amount: cents_to_money(total.shop),
            amount_presentment,
            parent_id: None,
            gateway: gateway.clone(),
            processed_at: order.processed_at,
        });
    }
    order.detail.original_total = total;
    order.financial_status =
        new.financial_status.clone().unwrap_or_else(|| derived_financial_status(&order.transactions, total.shop));
    let paid = order.financial_status == "PAID";
    store.orders.insert(id, order);
    let body = order_payload(store, &store.orders[&id]);
    store.emit("orders/create", body.clone());
    if paid {
        store.emit("orders/paid", body);
    }
    Ok(id)
}
