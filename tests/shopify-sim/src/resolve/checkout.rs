//! Orders placed by the shop's other actors, for the control API: storefront checkouts (paid,
//! stock claimed, optionally with addresses, shipping, taxes, a discount code, line discounts,
//! a presentment currency and a B2B buyer) and point-of-sale sales (paid and handed over at a
//! location at once).

use super::fulfillments::{fulfill, Tracking};
use super::order_build::{insert, Claim, NewLine, NewOrder, NewShipping};
use crate::search::parse_time;
use crate::store::money::{div_round, parse_cents, parse_rate, Bag, RATE_SCALE};
use crate::store::order_detail::Address;
use crate::store::order_pricing::{DiscountSpec, TaxSpec};
use crate::store::pricing::BuyerContext;
use crate::store::Store;
use serde::Deserialize;
use serde_json::Value as Json;

/// A tax at a rate (`{"title": "VAT", "rate": "0.19"}`), computed on the discounted price.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutTax {
    pub title: String,
    pub rate: Json,
}

/// An automatic discount of `amount` (presentment currency) on one line.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutDiscount {
    pub title: String,
    pub amount: Json,
}

/// A line: a SKU and quantity; `price` overrides the unit price (presentment currency).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutLine {
    pub sku: String,
    pub quantity: i64,
    #[serde(default)]
    pub price: Option<Json>,
    #[serde(default)]
    pub discount: Option<CheckoutDiscount>,
    #[serde(default)]
    pub tax_lines: Vec<CheckoutTax>,
}

/// A shipping method with its price (presentment currency) and taxes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutShipping {
    pub title: String,
    #[serde(default)]
    pub code: Option<String>,
    pub price: Json,
    #[serde(default)]
    pub tax_lines: Vec<CheckoutTax>,
}

/// A discount code: `type` is `fixed_amount` (value in the presentment currency), `percentage`
/// (value in percent) or `free_shipping`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutCode {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub value: Option<Json>,
}

/// A custom attribute of the order.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutAttribute {
    pub key: String,
    pub value: String,
}

/// A storefront checkout (control API `POST /_sim/orders`). Only `lines` is required; amounts
/// are in the presentment currency, converted to the shop currency at the seeded rate.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkout {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub lines: Vec<CheckoutLine>,
    #[serde(default)]
    pub shipping_address: Option<Address>,
    #[serde(default)]
    pub billing_address: Option<Address>,
    #[serde(default)]
    pub shipping_lines: Vec<CheckoutShipping>,
    #[serde(default)]
    pub discount_code: Option<CheckoutCode>,
    #[serde(default)]
    pub taxes_included: bool,
    /// The buyer's currency (default: the shop currency).
    #[serde(default)]
    pub presentment_currency: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub custom_attributes: Vec<CheckoutAttribute>,
    #[serde(default)]
    pub po_number: Option<String>,
    /// Default `web`.
    #[serde(default)]
    pub source_name: Option<String>,
    /// A B2B buyer: the company location's name.
    #[serde(default)]
    pub company_location: Option<String>,
    /// When the order was placed (RFC 3339; default now), for orders back in time: its
    /// `processedAt`, `createdAt` and `updatedAt`.
    #[serde(default)]
    pub processed_at: Option<String>,
    /// Default `shopify_payments`.
    #[serde(default)]
    pub gateway: Option<String>,
}

impl Checkout {
    /// A plain checkout of (sku, quantity) lines.
    pub fn simple(email: Option<&str>, lines: &[(String, i64)]) -> Checkout {
        let lines = lines
            .iter()
            .map(|(sku, quantity)| CheckoutLine {
                sku: sku.clone(),
                quantity: *quantity,
                price: None,
                discount: None,
                tax_lines: Vec::new(),
            })
            .collect();
        Checkout { email: email.map(str::to_string), lines, ..Checkout::default() }
    }
}

/// A point-of-sale sale at a location (control API `POST /_sim/pos/sales`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosSale {
    /// The location's name.
    pub location: String,
    pub lines: Vec<CheckoutLine>,
    #[serde(default)]
    pub email: Option<String>,
}

/// Reads amounts given in the presentment currency into both currencies.
struct Presentment<'a> {
    store: &'a Store,
    currency: String,
}

impl Presentment<'_> {
    fn bag(&self, value: &Json, what: &str) -> Result<Bag, String> {
        let cents = parse_cents(value).ok_or_else(|| format!("{what} {value} is not a decimal amount"))?;
        Ok(self.in_both(cents))
    }

    fn in_both(&self, cents: i64) -> Bag {
        let shop = div_round(cents as i128 * RATE_SCALE as i128, self.store.pricing.rate(&self.currency) as i128);
        Bag { shop, presentment: cents }
    }

    fn taxes(&self, taxes: &[CheckoutTax]) -> Result<Vec<TaxSpec>, String> {
        taxes
            .iter()
            .map(|t| {
                let rate = parse_rate(&t.rate).ok_or_else(|| format!("tax rate {} is not a decimal", t.rate))?;
                Ok(TaxSpec { title: t.title.clone(), rate, amount: None, channel_liable: false })
            })
            .collect()
    }
}

/// The new-order lines for checkout lines, priced for the buyer's context.
fn lines(
    store: &Store,
    money: &Presentment<'_>,
    context: &BuyerContext,
    lines: &[CheckoutLine],
    new: &mut NewOrder,
) -> Result<(), String> {
    if lines.is_empty() {
        return Err("an order needs at least one line".into());
    }
    let list = store.pricing.price_list_for(context).filter(|l| l.currency == money.currency);
    for (i, l) in lines.iter().enumerate() {
        let v = store.variant_by_sku(&l.sku).ok_or_else(|| format!("no variant with sku {:?}", l.sku))?;
        if l.quantity < 1 {
            return Err(format!("line {i}: quantity must be at least 1"));
        }
        let base = crate::store::model::money_cents(&v.price);
        let unit = match (&l.price, list.and_then(|p| p.fixed.get(&v.id))) {
            (Some(price), _) => money.bag(price, "price")?,
            (None, Some(fixed)) => money.in_both(fixed.price),
            (None, None) => Bag { shop: base, presentment: store.pricing.convert(base, &money.currency) },
        };
        if let Some(d) = &l.discount {
            new.discounts.push(DiscountSpec::LineFixed {
                line: i,
                title: d.title.clone(),
                amount: money.bag(&d.amount, "discount amount")?,
            });
        }
        new.lines.push(NewLine {
            variant_id: Some(v.id),
            product_id: Some(v.product_id),
            sku: Some(v.sku.clone()),
            title: store.products.get(&v.product_id).map(|p| p.title.clone()).unwrap_or_default(),
            variant_title: Some(v.title()),
            quantity: l.quantity,
            unit,
            taxable: v.taxable,
            requires_shipping: true,
            taxes: money.taxes(&l.tax_lines)?,
            ..NewLine::default()
        });
    }
    Ok(())
}

/// Places a paid storefront order that claims stock (obeying policy) and raises its webhooks.
pub fn place(store: &mut Store, c: &Checkout) -> Result<u64, String> {
    let shop_currency = store.pricing.shop_currency.clone();
    let currency = c.presentment_currency.clone().unwrap_or_else(|| shop_currency.clone());
    if !store.pricing.currencies().contains(&currency) {
        return Err(format!("the shop does not take {currency}; it takes {}", store.pricing.currencies().join(", ")));
    }
    let company_location_id = match &c.company_location {
        Some(name) => Some(
            store
                .pricing
                .company_locations
                .values()
                .find(|l| &l.name == name)
                .map(|l| l.id)
                .ok_or_else(|| format!("no company location {name:?}"))?,
        ),
        None => None,
    };
    let context =
        BuyerContext { country: c.shipping_address.as_ref().and_then(|a| a.country_code.clone()), company_location_id };
    let money = Presentment { store, currency: currency.clone() };
    let mut new = NewOrder::new(&shop_currency, c.source_name.as_deref().unwrap_or("web"));
    new.presentment_currency = currency;
    lines(store, &money, &context, &c.lines, &mut new)?;
    for s in &c.shipping_lines {
        new.shipping.push(NewShipping {
            title: s.title.clone(),
            code: s.code.clone(),
            source: Some("shopify".into()),
            price: money.bag(&s.price, "shipping price")?,
            taxes: money.taxes(&s.tax_lines)?,
        });
    }
    if let Some(d) = &c.discount_code {
        let value = || d.value.as_ref().ok_or_else(|| format!("discount code {} needs a value", d.code));
        new.discounts.push(match d.kind.as_str() {
            "fixed_amount" => {
                DiscountSpec::CodeFixed { code: d.code.clone(), amount: money.bag(value()?, "discount value")? }
            }
            "percentage" => DiscountSpec::CodePercentage {
                code: d.code.clone(),
                percentage: parse_rate(value()?).ok_or("percentage is not a decimal")? / 100,
            },
            "free_shipping" => DiscountSpec::CodeFreeShipping { code: d.code.clone() },
            other => {
                return Err(format!("unknown discount code type {other:?} (fixed_amount, percentage, free_shipping)"))
            }
        });
    }
    new.processed_at = match &c.processed_at {
        Some(t) => Some(parse_time(t).ok_or_else(|| format!("processed_at {t:?} is not an RFC 3339 time"))?),
        None => None,
    };
    new.created_at = new.processed_at;
    new.customer_id = c.email.as_deref().map(|e| super::customers::upsert_by_email(store, e));
    new.email = c.email.clone();
    new.phone = c.phone.clone();
    new.note = c.note.clone();
    new.po_number = c.po_number.clone();
    new.taxes_included = c.taxes_included;
    new.shipping_address = c.shipping_address.clone();
    new.billing_address = c.billing_address.clone();
    new.custom_attributes = c.custom_attributes.iter().map(|a| (a.key.clone(), a.value.clone())).collect();
    new.company_location_id = company_location_id;
    new.paid_by = Some(c.gateway.clone().unwrap_or_else(|| "shopify_payments".into()));
    new.claim = Claim::ObeyPolicy;
    insert(store, new).map_err(|errors| errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))
}

/// Sells at a POS location: a paid order (`source_name` `pos`) whose stock leaves `available`
/// there at once and which is fulfilled on the spot; raises its order, fulfillment and level webhooks.
pub fn sell_at_pos(store: &mut Store, sale: &PosSale) -> Result<u64, String> {
    let location = store
        .locations
        .values()
        .find(|l| l.name == sale.location)
        .map(|l| l.id)
        .ok_or_else(|| format!("no location {:?}", sale.location))?;
    let shop_currency = store.pricing.shop_currency.clone();
    let mut new = NewOrder::new(&shop_currency, "pos");
    let money = Presentment { store, currency: shop_currency };
    lines(store, &money, &BuyerContext::default(), &sale.lines, &mut new)?;
    for l in &mut new.lines {
        l.requires_shipping = false;
    }
    new.email = sale.email.clone();
    new.customer_id = sale.email.as_deref().map(|e| super::customers::upsert_by_email(store, e));
    new.paid_by = Some("cash".into());
    new.claim = Claim::PointOfSale(location);
    let id =
        insert(store, new).map_err(|errors| errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))?;
    let lines: Vec<(u64, i64)> = store.orders[&id].line_items.iter().map(|l| (l.id, l.quantity)).collect();
    fulfill(store, id, lines, Tracking::default(), false);
    Ok(id)
}
