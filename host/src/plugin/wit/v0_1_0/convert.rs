//! 0.1.0 types ⇄ the host's model (which has 0.2.0's shape). What 0.1.0 has the same way
//! converts field by field; the rest is written out here:
//! - an order's money is in one currency: 0.1.0 amounts become [`m::Amount`]s with no
//!   presentment side; a line's `discount` becomes a manual discount application allocated to
//!   that line; `shipping` becomes one shipping line; the subtotal and discount are summed from
//!   the lines. Back to 0.1.0, only the shop side, the summed line discounts, the shipping and the
//!   tax total remain;
//! - a price's `channel` is [`m::PriceScope::Channel`] (none: `Base`); other scopes, quantity
//!   breaks and rules cannot be given to a 0.1.0 plugin and are refused per record;
//! - a shipment's `(sku, quantity)` lines and single tracking number become fulfillment lines and
//!   one tracking entry; back to 0.1.0, lines known only by line id and extra tracking numbers are
//!   refused;
//! - `pushed.created` becomes a created or updated outcome;
//! - order changes and inventory adjustments (records and entities 0.1.0 does not have) are
//!   refused per record with a reason naming the contract version, and a `needs-person` error
//!   given to a 0.1.0 plugin (a kv call) is `permanent`;
//! - an order whose stock is already counted ([`m::StockEffect::AlreadyCounted`]) is refused
//!   per record by a 0.1.0 connector's push ([`push_record`]): 0.1.0 cannot say "import it
//!   without moving stock", and a 0.1.0 ERP connector would move it a second time. A 0.1.0
//!   transform is given it (it cannot change the stock effect, which [`restore`] keeps); an order
//!   pulled from a 0.1.0 connector moves stock;
//! - what 0.1.0 records lack (media, metafields, collections, an order's presentment amounts,
//!   taxes, shipping lines, note, attributes, PO number...) is kept by [`restore`] when a 0.1.0
//!   transform returns a record it was given.

use super::bindings::types as w;
use crate::domain::decimal::{self, Decimal};
use crate::model as m;
use crate::plugin::wit::lift::{lift_enums, lift_records, Lift};

lift_records!(w, m;
    Money { amount, currency }
    InventoryLevel { external_id, sku, location, on_hand, reserved, incoming, safety_stock, updated_at, extra }
    Address { first_name, last_name, company, address1, address2, city, province_code, zip, country_code, phone }
    FieldError { field, message }
    ConfigKey { name, required, description }
);

lift_enums!(w, m;
    ProductStatus { Active, Archived, Draft }
    FinancialStatus { Pending, Authorized, PartiallyPaid, Paid, PartiallyRefunded, Refunded, Voided }
    Direction { Pull, Push, Both }
    Level { Trace, Debug, Info, Warn, Error }
);

/// Why a record or entity cannot go to a 0.1.0 plugin.
fn refused(what: &str) -> m::PluginError {
    m::PluginError::Permanent(format!(
        "a weft:plugin@0.1.0 plugin cannot take {what}; rebuild it against weft:plugin@0.2.0"
    ))
}

impl Lift<m::Entity> for w::Entity {
    fn lift(self) -> m::Entity {
        match self {
            w::Entity::Product => m::Entity::Product,
            w::Entity::InventoryLevel => m::Entity::InventoryLevel,
            w::Entity::Order => m::Entity::Order,
            w::Entity::Customer => m::Entity::Customer,
            w::Entity::Price => m::Entity::Price,
            w::Entity::Fulfillment => m::Entity::Fulfillment,
        }
    }
}

/// The 0.1.0 entity, or a refusal for the ones 0.1.0 does not have.
pub(super) fn entity(e: m::Entity) -> Result<w::Entity, m::PluginError> {
    Ok(match e {
        m::Entity::Product => w::Entity::Product,
        m::Entity::InventoryLevel => w::Entity::InventoryLevel,
        m::Entity::Order => w::Entity::Order,
        m::Entity::Customer => w::Entity::Customer,
        m::Entity::Price => w::Entity::Price,
        m::Entity::Fulfillment => w::Entity::Fulfillment,
        m::Entity::OrderChange => return Err(refused("order changes (cancellations, refunds, returns, edits)")),
        m::Entity::InventoryAdjustment => return Err(refused("inventory adjustments")),
    })
}

impl Lift<m::PluginInfo> for w::PluginInfo {
    fn lift(self) -> m::PluginInfo {
        m::PluginInfo {
            id: self.id,
            version: self.version,
            description: self.description,
            entities: self.entities.lift(),
            config_keys: self.config_keys.lift(),
            secrets: self.secrets,
        }
    }
}

impl Lift<m::EntitySupport> for w::EntitySupport {
    fn lift(self) -> m::EntitySupport {
        m::EntitySupport { entity: self.entity.lift(), direction: self.direction.lift() }
    }
}

impl Lift<m::PluginError> for w::PluginError {
    fn lift(self) -> m::PluginError {
        match self {
            w::PluginError::Retryable(x) => m::PluginError::Retryable(x),
            w::PluginError::RateLimited(x) => m::PluginError::RateLimited(x),
            w::PluginError::Unauthorized(x) => m::PluginError::Unauthorized(x),
            w::PluginError::InvalidInput(x) => m::PluginError::InvalidInput(x.lift()),
            w::PluginError::NotFound(x) => m::PluginError::NotFound(x),
            w::PluginError::Conflict(x) => m::PluginError::Conflict(x),
            w::PluginError::Permanent(x) => m::PluginError::Permanent(x),
        }
    }
}

impl Lift<w::PluginError> for m::PluginError {
    fn lift(self) -> w::PluginError {
        match self {
            m::PluginError::Retryable(x) => w::PluginError::Retryable(x),
            m::PluginError::RateLimited(x) => w::PluginError::RateLimited(x),
            m::PluginError::Unauthorized(x) => w::PluginError::Unauthorized(x),
            m::PluginError::InvalidInput(x) => w::PluginError::InvalidInput(x.lift()),
            m::PluginError::NotFound(x) => w::PluginError::NotFound(x),
            m::PluginError::Conflict(x) => w::PluginError::Conflict(x),
            m::PluginError::Permanent(x) => w::PluginError::Permanent(x),
            m::PluginError::NeedsPerson(x) => w::PluginError::Permanent(format!("needs a person: {x}")),
        }
    }
}

impl Lift<m::Pushed> for w::Pushed {
    fn lift(self) -> m::Pushed {
        let outcome = if self.created { m::WriteOutcome::Created } else { m::WriteOutcome::Updated };
        m::Pushed { external_id: self.external_id, outcome }
    }
}

impl Lift<m::Page> for w::Page {
    fn lift(self) -> m::Page {
        m::Page { records: self.records.lift(), next_cursor: self.next_cursor, has_more: self.has_more }
    }
}

impl Lift<m::ChangeEvent> for w::ChangeEvent {
    fn lift(self) -> m::ChangeEvent {
        m::ChangeEvent { entity: self.entity.lift(), external_id: self.external_id, record: self.record.lift() }
    }
}

impl Lift<m::Variant> for w::Variant {
    fn lift(self) -> m::Variant {
        m::Variant {
            external_id: self.external_id,
            sku: self.sku,
            barcode: self.barcode,
            option_values: self.option_values,
            price: self.price.lift(),
            compare_at_price: self.compare_at_price.lift(),
            cost: self.cost.lift(),
            weight_grams: self.weight_grams,
            media: Vec::new(),
            metafields: Vec::new(),
            updated_at: self.updated_at,
            extra: self.extra,
        }
    }
}

fn variant_out(v: m::Variant) -> w::Variant {
    w::Variant {
        external_id: v.external_id,
        sku: v.sku,
        barcode: v.barcode,
        option_values: v.option_values,
        price: v.price.lift(),
        compare_at_price: v.compare_at_price.lift(),
        cost: v.cost.lift(),
        weight_grams: v.weight_grams,
        updated_at: v.updated_at,
        extra: v.extra,
    }
}

impl Lift<m::Product> for w::Product {
    fn lift(self) -> m::Product {
        m::Product {
            external_id: self.external_id,
            sku: self.sku,
            title: self.title,
            description: self.description,
            vendor: self.vendor,
            product_type: self.product_type,
            tags: self.tags,
            status: self.status.lift(),
            options: self.options,
            variants: self.variants.lift(),
            media: Vec::new(),
            collections: Vec::new(),
            metafields: Vec::new(),
            deleted: self.deleted,
            updated_at: self.updated_at,
            extra: self.extra,
        }
    }
}

fn product_out(p: m::Product) -> w::Product {
    w::Product {
        external_id: p.external_id,
        sku: p.sku,
        title: p.title,
        description: p.description,
        vendor: p.vendor,
        product_type: p.product_type,
        tags: p.tags,
        status: p.status.lift(),
        options: p.options,
        variants: p.variants.into_iter().map(variant_out).collect(),
        deleted: p.deleted,
        updated_at: p.updated_at,
        extra: p.extra,
    }
}

impl Lift<m::Customer> for w::Customer {
    fn lift(self) -> m::Customer {
        m::Customer {
            external_id: self.external_id,
            sku: self.sku,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            phone: self.phone,
            company: self.company,
            addresses: self.addresses.lift(),
            tags: self.tags,
            metafields: Vec::new(),
            updated_at: self.updated_at,
            extra: self.extra,
        }
    }
}

fn customer_out(c: m::Customer) -> w::Customer {
    w::Customer {
        external_id: c.external_id,
        sku: c.sku,
        email: c.email,
        first_name: c.first_name,
        last_name: c.last_name,
        phone: c.phone,
        company: c.company,
        addresses: c.addresses.lift(),
        tags: c.tags,
        updated_at: c.updated_at,
        extra: c.extra,
    }
}

fn amount(money: w::Money) -> m::Amount {
    m::Amount::shop(money.lift())
}

fn zero(currency: &str) -> m::Amount {
    amount(w::Money { amount: "0.00".into(), currency: currency.to_owned() })
}

fn number(money: &w::Money) -> Decimal {
    decimal::parse(&money.amount).unwrap_or_default()
}

impl Lift<m::Order> for w::Order {
    fn lift(self) -> m::Order {
        let currency = self.currency.clone();
        let sum = |d: Decimal| amount(w::Money { amount: decimal::text(d), currency: currency.clone() });
        let mut discounts = Vec::new();
        let mut subtotal = Decimal::ZERO;
        let mut discounted = Decimal::ZERO;
        let lines = self
            .lines
            .into_iter()
            .map(|l| {
                let mut allocations = Vec::new();
                if let Some(d) = l.discount.filter(|d| !number(d).is_zero()) {
                    discounted += number(&d);
                    allocations
                        .push(m::DiscountAllocation { application: discounts.len() as u32, amount: amount(d.clone()) });
                    discounts.push(m::DiscountApplication {
                        kind: m::DiscountKind::Manual,
                        code: None,
                        title: Some(format!("discount on {}", l.title)),
                        value_type: m::DiscountValueType::FixedAmount,
                        value: d.amount,
                    });
                }
                subtotal += number(&l.unit_price) * Decimal::from(l.quantity);
                m::OrderLine {
                    external_id: l.external_id,
                    sku: l.sku,
                    title: l.title,
                    quantity: l.quantity,
                    current_quantity: l.quantity,
                    unit_price: amount(l.unit_price),
                    discount_allocations: allocations,
                    tax_lines: Vec::new(),
                    requires_shipping: true,
                    custom_attributes: Vec::new(),
                    extra: l.extra,
                }
            })
            .collect();
        let shipping_lines = self
            .shipping
            .clone()
            .filter(|s| !number(s).is_zero())
            .map(|s| m::ShippingLine {
                external_id: format!("{}-shipping", self.external_id),
                title: "Shipping".into(),
                code: None,
                price: amount(s),
                discount_allocations: Vec::new(),
                tax_lines: Vec::new(),
            })
            .into_iter()
            .collect();
        m::Order {
            external_id: self.external_id,
            name: self.name,
            source: self.source,
            email: self.email,
            phone: None,
            customer: self.customer.lift(),
            company_location: None,
            presentment_currency: None,
            lines,
            shipping_lines,
            discounts,
            tax_lines: Vec::new(),
            taxes_included: false,
            subtotal: sum(subtotal - discounted),
            shipping: self.shipping.map(amount).unwrap_or_else(|| zero(&currency)),
            tax: self.tax.map(amount).unwrap_or_else(|| zero(&currency)),
            discount: sum(discounted),
            total: amount(self.total),
            financial_status: self.financial_status.lift(),
            cancelled: self.cancelled,
            stock_effect: m::StockEffect::MoveStock,
            shipping_address: self.shipping_address.lift(),
            billing_address: self.billing_address.lift(),
            tags: self.tags,
            note: None,
            custom_attributes: Vec::new(),
            po_number: None,
            metafields: Vec::new(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            extra: self.extra,
            currency,
        }
    }
}

fn order_out(o: m::Order) -> w::Order {
    let shop = |a: m::Amount| -> w::Money { a.shop.lift() };
    let lines = o
        .lines
        .into_iter()
        .map(|l| {
            let discount: Decimal =
                l.discount_allocations.iter().map(|a| decimal::parse(&a.amount.shop.amount).unwrap_or_default()).sum();
            w::OrderLine {
                external_id: l.external_id,
                sku: l.sku,
                title: l.title,
                quantity: l.quantity,
                unit_price: shop(l.unit_price.clone()),
                discount: (!discount.is_zero()).then(|| w::Money {
                    amount: decimal::text(discount),
                    currency: l.unit_price.shop.currency.clone(),
                }),
                extra: l.extra,
            }
        })
        .collect();
    w::Order {
        external_id: o.external_id,
        sku: None,
        name: o.name,
        source: o.source,
        email: o.email,
        customer: o.customer.map(customer_out),
        currency: o.currency,
        lines,
        shipping: (!o.shipping_lines.is_empty()).then(|| shop(o.shipping)),
        tax: Some(shop(o.tax)),
        total: shop(o.total),
        financial_status: o.financial_status.lift(),
        cancelled: o.cancelled,
        shipping_address: o.shipping_address.lift(),
        billing_address: o.billing_address.lift(),
        tags: o.tags,
        created_at: o.created_at,
        updated_at: o.updated_at,
        extra: o.extra,
    }
}

impl Lift<m::Price> for w::Price {
    fn lift(self) -> m::Price {
        m::Price {
            external_id: self.external_id,
            sku: self.sku,
            scope: self.channel.map_or(m::PriceScope::Base, m::PriceScope::Channel),
            price: self.price.lift(),
            compare_at_price: self.compare_at_price.lift(),
            quantity_breaks: Vec::new(),
            quantity_rule: None,
            updated_at: self.updated_at,
            extra: self.extra,
        }
    }
}

fn price_out(p: m::Price) -> Result<w::Price, m::PluginError> {
    let channel = match p.scope {
        m::PriceScope::Base => None,
        m::PriceScope::Channel(c) => Some(c),
        m::PriceScope::Market(_) | m::PriceScope::Catalog(_) | m::PriceScope::CompanyLocation(_) => {
            return Err(refused("prices of a market, catalog or company location"))
        }
    };
    if !p.quantity_breaks.is_empty() || p.quantity_rule.is_some() {
        return Err(refused("quantity price breaks or rules"));
    }
    Ok(w::Price {
        external_id: p.external_id,
        sku: p.sku,
        channel,
        price: p.price.lift(),
        compare_at_price: p.compare_at_price.lift(),
        updated_at: p.updated_at,
        extra: p.extra,
    })
}

impl Lift<m::Fulfillment> for w::Fulfillment {
    fn lift(self) -> m::Fulfillment {
        let tracking = self
            .tracking_number
            .map(|number| m::Tracking { number, company: self.tracking_company, url: self.tracking_url })
            .into_iter()
            .collect();
        m::Fulfillment {
            external_id: self.external_id,
            order_external_id: self.order_external_id,
            order_name: self.order_name,
            lines: self
                .lines
                .into_iter()
                .map(|(sku, quantity)| m::FulfillmentLine { line_external_id: None, sku: Some(sku), quantity })
                .collect(),
            tracking,
            location: None,
            shipped_at: self.shipped_at,
            extra: self.extra,
        }
    }
}

fn fulfillment_out(f: m::Fulfillment) -> Result<w::Fulfillment, m::PluginError> {
    if f.tracking.len() > 1 {
        return Err(refused("a shipment with several tracking numbers"));
    }
    let lines = f
        .lines
        .into_iter()
        .map(|l| l.sku.map(|sku| (sku, l.quantity)).ok_or_else(|| refused("a shipment line known only by its line id")))
        .collect::<Result<Vec<_>, _>>()?;
    let tracking = f.tracking.into_iter().next();
    Ok(w::Fulfillment {
        external_id: f.external_id,
        sku: None,
        order_external_id: f.order_external_id,
        order_name: f.order_name,
        lines,
        tracking_company: tracking.as_ref().and_then(|t| t.company.clone()),
        tracking_url: tracking.as_ref().and_then(|t| t.url.clone()),
        tracking_number: tracking.map(|t| t.number),
        shipped_at: f.shipped_at,
        extra: f.extra,
    })
}

impl Lift<m::Record> for w::Record {
    fn lift(self) -> m::Record {
        match self {
            w::Record::Product(x) => m::Record::Product(x.lift()),
            w::Record::InventoryLevel(x) => m::Record::InventoryLevel(x.lift()),
            w::Record::Order(x) => m::Record::Order(Box::new(x.lift())),
            w::Record::Customer(x) => m::Record::Customer(x.lift()),
            w::Record::Price(x) => m::Record::Price(x.lift()),
            w::Record::Fulfillment(x) => m::Record::Fulfillment(x.lift()),
        }
    }
}

/// The 0.1.0 record, or a refusal naming what 0.1.0 cannot carry.
pub(super) fn record(r: m::Record) -> Result<w::Record, m::PluginError> {
    Ok(match r {
        m::Record::Product(x) => w::Record::Product(product_out(x)),
        m::Record::InventoryLevel(x) => w::Record::InventoryLevel(x.lift()),
        m::Record::Order(x) => w::Record::Order(order_out(*x)),
        m::Record::Customer(x) => w::Record::Customer(customer_out(x)),
        m::Record::Price(x) => w::Record::Price(price_out(x)?),
        m::Record::Fulfillment(x) => w::Record::Fulfillment(fulfillment_out(x)?),
        m::Record::OrderChange(_) => return Err(refused("order changes (cancellations, refunds, returns, edits)")),
        m::Record::InventoryAdjustment(_) => return Err(refused("inventory adjustments")),
    })
}

/// The 0.1.0 record a connector's push is given: as [`record`], and an order whose stock is
/// already counted is refused (0.1.0 cannot tell the connector not to move it again).
pub(super) fn push_record(r: m::Record) -> Result<w::Record, m::PluginError> {
    match &r {
        m::Record::Order(o) if o.stock_effect == m::StockEffect::AlreadyCounted => {
            Err(m::PluginError::Permanent(format!(
            "order {} must be imported without moving stock (a hybrid inventory flow already booked its sale as an \
             adjustment: the orders flow's stock_counted_by = \"adjustment\"), and a weft:plugin@0.1.0 connector \
             cannot be told so; rebuild it against weft:plugin@0.2.0 (`stock-effect`)",
            o.name
        )))
        }
        _ => record(r),
    }
}

/// A record a 0.1.0 transform returned for `input`, with what 0.1.0 cannot carry taken back
/// from `input` when both are the same object (same entity and id). The transform may change
/// what 0.1.0 shows; the rest passes through.
pub(super) fn restore(input: &m::Record, output: m::Record) -> m::Record {
    match (input, output) {
        (m::Record::Product(a), m::Record::Product(mut b)) if a.external_id == b.external_id => {
            b.media.clone_from(&a.media);
            b.collections.clone_from(&a.collections);
            b.metafields.clone_from(&a.metafields);
            for v in &mut b.variants {
                if let Some(was) = a.variants.iter().find(|w| w.external_id == v.external_id) {
                    v.media.clone_from(&was.media);
                    v.metafields.clone_from(&was.metafields);
                }
            }
            m::Record::Product(b)
        }
        (m::Record::Customer(a), m::Record::Customer(mut b)) if a.external_id == b.external_id => {
            b.metafields.clone_from(&a.metafields);
            m::Record::Customer(b)
        }
        (m::Record::Order(a), m::Record::Order(b)) if a.external_id == b.external_id => {
            // The input, with what a 0.1.0 transform can change taken from its output.
            let mut kept = a.clone();
            kept.name = b.name;
            kept.source = b.source;
            kept.email = b.email;
            kept.tags = b.tags;
            kept.extra = b.extra;
            for line in &mut kept.lines {
                if let Some(changed) = b.lines.iter().find(|l| l.external_id == line.external_id) {
                    line.sku.clone_from(&changed.sku);
                    line.title.clone_from(&changed.title);
                    line.quantity = changed.quantity;
                    line.current_quantity = line.current_quantity.min(changed.quantity);
                }
            }
            m::Record::Order(kept)
        }
        (_, output) => output,
    }
}

/// 0.1.0 has no `transform-batch`: a transform is always given its records through `apply`.
pub(super) const ENCODED_BATCHES: bool = false;
