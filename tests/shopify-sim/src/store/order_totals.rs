//! An order's totals, derived to the cent from its lines, shipping lines, refunds and
//! transactions (in both currencies), and the financial status they imply.

use super::model::{money_cents, Order, Transaction};
use super::money::Bag;
use super::order_detail::TaxLine;

/// Every total Shopify reports on an order. "Current" totals leave out removed and refunded
/// units and refunded shipping; the others only leave out units removed by edits.
#[derive(Clone, Copy, Debug, Default)]
pub struct Totals {
    /// Unit price × quantity over the lines (`total_line_items_price`).
    pub line_items: Bag,
    /// Line prices after every discount (`subtotalPriceSet`).
    pub subtotal: Bag,
    /// Every discount: line-level, order-level and on shipping (`totalDiscountsSet`).
    pub discounts: Bag,
    /// Order-level discounts on the lines (`cartDiscountAmountSet`).
    pub cart_discount: Bag,
    /// Shipping before discounts (`totalShippingPriceSet`).
    pub shipping: Bag,
    /// Shipping after discounts.
    pub shipping_discounted: Bag,
    /// Line and shipping taxes (`totalTaxSet`).
    pub tax: Bag,
    /// Subtotal + discounted shipping + tax unless included (`totalPriceSet`).
    pub total: Bag,
    pub current_subtotal: Bag,
    pub current_discounts: Bag,
    pub current_cart_discount: Bag,
    pub current_shipping: Bag,
    pub current_tax: Bag,
    pub current_total: Bag,
    /// Successful sales and captures.
    pub received: Bag,
    /// Successful refund transactions.
    pub refunded: Bag,
    /// Shipping refunded, taxes excluded.
    pub refunded_shipping: Bag,
    /// Current total minus money kept (positive: the buyer owes; negative: owed to the buyer).
    pub outstanding: Bag,
    pub quantity: i64,
    pub current_quantity: i64,
}

fn transaction_bag(t: &Transaction) -> Bag {
    Bag { shop: money_cents(&t.amount), presentment: money_cents(&t.amount_presentment) }
}

/// Successful transactions of these kinds, summed.
pub fn transacted(o: &Order, kinds: &[&str]) -> Bag {
    o.transactions
        .iter()
        .filter(|t| t.status == "SUCCESS" && kinds.contains(&t.kind.as_str()))
        .map(transaction_bag)
        .sum()
}

/// The order's totals.
pub fn totals(o: &Order) -> Totals {
    let mut t = Totals::default();
    for l in &o.line_items {
        let removed = l.detail.removed_quantity;
        let order_level: Bag = l
            .detail
            .discount_allocations
            .iter()
            .filter(|a| o.detail.discount_applications.get(a.application).is_some_and(|d| d.order_level()))
            .map(|a| a.amount)
            .sum();
        t.line_items += l.unit() * (l.quantity - removed);
        t.subtotal += l.net_total() - l.share(l.net_total(), removed);
        t.discounts += l.all_discounts() - l.share(l.all_discounts(), removed);
        t.cart_discount += order_level - l.share(order_level, removed);
        t.tax += l.tax_total() - l.share(l.tax_total(), removed);
        t.current_subtotal += l.current_net();
        t.current_discounts += l.all_discounts() - l.share(l.all_discounts(), l.gone_quantity());
        t.current_cart_discount += order_level - l.share(order_level, l.gone_quantity());
        t.current_tax += l.current_taxes().iter().map(|x| x.price).sum();
        t.quantity += l.quantity - removed;
        t.current_quantity += l.current_quantity();
    }
    for s in &o.detail.shipping_lines {
        t.shipping += s.price;
        t.shipping_discounted += s.discounted();
        t.discounts += s.price - s.discounted();
        t.current_discounts += s.price - s.discounted();
        t.tax += s.tax();
        t.current_tax += s.tax();
    }
    let shipping_refunds = o.refunds.iter().flat_map(|r| &r.shipping);
    for s in shipping_refunds {
        t.refunded_shipping += s.subtotal;
        t.current_tax -= s.tax;
    }
    t.current_shipping = t.shipping_discounted - t.refunded_shipping;
    let taxes = |tax: Bag| if o.detail.taxes_included { Bag::default() } else { tax };
    t.total = t.subtotal + t.shipping_discounted + taxes(t.tax);
    t.current_total = t.current_subtotal + t.current_shipping + taxes(t.current_tax);
    t.received = transacted(o, &["SALE", "CAPTURE"]);
    t.refunded = transacted(o, &["REFUND"]);
    t.outstanding = t.current_total - (t.received - t.refunded);
    t
}

/// Tax lines with the same title and rate added together, in first-seen order.
pub fn summed_tax_lines<'a>(lines: impl Iterator<Item = &'a TaxLine>) -> Vec<TaxLine> {
    let mut out: Vec<TaxLine> = Vec::new();
    for t in lines {
        match out.iter_mut().find(|o| o.title == t.title && o.rate == t.rate) {
            Some(o) => o.price += t.price,
            None => out.push(t.clone()),
        }
    }
    out
}

/// Every tax line of the order (lines and shipping), summed by title and rate.
pub fn order_tax_lines(o: &Order, current: bool) -> Vec<TaxLine> {
    let line_taxes: Vec<TaxLine> = o
        .line_items
        .iter()
        .flat_map(|l| if current { l.current_taxes() } else { l.taxes_of(0, l.quantity - l.detail.removed_quantity) })
        .collect();
    summed_tax_lines(line_taxes.iter().chain(o.detail.shipping_lines.iter().flat_map(|s| &s.tax_lines)))
}

/// Recomputes the financial status from the transactions after a refund or an edit.
pub fn settle_financial_status(o: &mut Order) {
    let t = totals(o);
    let authorized = transacted(o, &["AUTHORIZATION"]);
    o.financial_status = if t.refunded.shop > 0 {
        if t.refunded.shop >= t.received.shop {
            "REFUNDED"
        } else {
            "PARTIALLY_REFUNDED"
        }
    } else if t.received.shop > 0 {
        if t.received.shop >= t.current_total.shop {
            "PAID"
        } else {
            "PARTIALLY_PAID"
        }
    } else if authorized.shop > 0 {
        "AUTHORIZED"
    } else if o.financial_status == "VOIDED" || o.financial_status == "EXPIRED" {
        return;
    } else {
        "PENDING"
    }
    .to_string();
}
