//! Prices a new order: allocates its discounts to lines and shipping lines and works out its
//! taxes, to the cent in both currencies, the way a checkout (or `orderCreate`) does.

use super::model::LineItem;
use super::money::{split_bag, Bag, RATE_SCALE};
use super::order_detail::{
    DiscountAllocation, DiscountApplication, DiscountKind, DiscountValue, ShippingLine, TaxLine,
};

/// A tax to put on a line: a given amount, or computed from the rate when `amount` is None.
#[derive(Clone, Debug)]
pub struct TaxSpec {
    pub title: String,
    /// Parts per million.
    pub rate: i64,
    pub amount: Option<Bag>,
    pub channel_liable: bool,
}

/// A discount to apply to a new order.
#[derive(Clone, Debug)]
pub enum DiscountSpec {
    /// A fixed-amount code spread over the lines in proportion to their prices.
    CodeFixed { code: String, amount: Bag },
    /// A percentage code (parts per million) taken off each line.
    CodePercentage { code: String, percentage: i64 },
    /// A free-shipping code: every shipping line's price.
    CodeFreeShipping { code: String },
    /// An automatic discount of `amount` on one line (by position).
    LineFixed { line: usize, title: String, amount: Bag },
}

/// Everything about a new order that pricing needs.
pub struct Pricing<'a> {
    pub lines: &'a mut [LineItem],
    pub shipping: &'a mut [ShippingLine],
    pub taxes_included: bool,
    pub discounts: Vec<DiscountSpec>,
    /// Taxes per line (same positions as `lines`).
    pub line_taxes: Vec<Vec<TaxSpec>>,
    /// Taxes given for the whole order: split over the taxable lines.
    pub order_taxes: Vec<TaxSpec>,
    /// Taxes per shipping line (same positions as `shipping`).
    pub shipping_taxes: Vec<Vec<TaxSpec>>,
}

/// The tax at `rate` (ppm) on `base`, included in it or added to it.
pub fn tax_on(base: Bag, rate: i64, included: bool) -> Bag {
    if included {
        base.scale(rate, RATE_SCALE + rate)
    } else {
        base.scale(rate, RATE_SCALE)
    }
}

fn application(
    kind: DiscountKind,
    value: DiscountValue,
    method: &str,
    selection: &str,
    target: &str,
) -> DiscountApplication {
    DiscountApplication {
        kind,
        value,
        allocation_method: method.into(),
        target_selection: selection.into(),
        target_type: target.into(),
    }
}

fn allocate(lines: &mut [LineItem], index: usize, amounts: &[Bag]) {
    for (l, amount) in lines.iter_mut().zip(amounts) {
        if !amount.is_zero() {
            l.detail.discount_allocations.push(DiscountAllocation { application: index, amount: *amount });
        }
    }
}

/// Applies the discounts, then the taxes; returns the order's discount applications.
pub fn price(p: Pricing<'_>) -> Vec<DiscountApplication> {
    let mut applications = Vec::new();
    for d in &p.discounts {
        let index = applications.len();
        match d {
            DiscountSpec::LineFixed { line, title, amount } => {
                let Some(l) = p.lines.get_mut(*line) else { continue };
                let amount = Bag {
                    shop: amount.shop.min(l.original_total().shop),
                    presentment: amount.presentment.min(l.original_total().presentment),
                };
                l.detail.discount_allocations.push(DiscountAllocation { application: index, amount });
                applications.push(application(
                    DiscountKind::Automatic { title: title.clone() },
                    DiscountValue::Fixed(amount),
                    "ACROSS",
                    "ENTITLED",
                    "LINE_ITEM",
                ));
            }
            DiscountSpec::CodeFixed { code, amount } => {
                let bases: Vec<Bag> = p.lines.iter().map(|l| l.net_total()).collect();
                let sum: Bag = bases.iter().copied().sum();
                let capped =
                    Bag { shop: amount.shop.min(sum.shop), presentment: amount.presentment.min(sum.presentment) };
                allocate(p.lines, index, &split_bag(capped, &bases));
                applications.push(application(
                    DiscountKind::Code { code: code.clone() },
                    DiscountValue::Fixed(*amount),
                    "ACROSS",
                    "ALL",
                    "LINE_ITEM",
                ));
            }
            DiscountSpec::CodePercentage { code, percentage } => {
                let amounts: Vec<Bag> = p.lines.iter().map(|l| l.net_total().scale(*percentage, RATE_SCALE)).collect();
                allocate(p.lines, index, &amounts);
                applications.push(application(
                    DiscountKind::Code { code: code.clone() },
                    DiscountValue::Percentage(*percentage),
                    "ACROSS",
                    "ALL",
                    "LINE_ITEM",
                ));
            }
            DiscountSpec::CodeFreeShipping { code } => {
                for s in p.shipping.iter_mut() {
                    s.discount_allocations.push(DiscountAllocation { application: index, amount: s.price });
                }
                applications.push(application(
                    DiscountKind::Code { code: code.clone() },
                    DiscountValue::Percentage(RATE_SCALE),
                    "EACH",
                    "ALL",
                    "SHIPPING_LINE",
                ));
            }
        }
    }
    let included = p.taxes_included;
    let resolve = |spec: &TaxSpec, base: Bag| TaxLine {
        title: spec.title.clone(),
        rate: spec.rate,
        price: spec.amount.unwrap_or_else(|| tax_on(base, spec.rate, included)),
        channel_liable: spec.channel_liable,
    };
    for (l, specs) in p.lines.iter_mut().zip(&p.line_taxes) {
        let base = l.net_total();
        l.detail.tax_lines.extend(specs.iter().map(|s| resolve(s, base)));
    }
    for spec in &p.order_taxes {
        let bases: Vec<Bag> =
            p.lines.iter().map(|l| if l.detail.taxable { l.net_total() } else { Bag::default() }).collect();
        let amounts = match spec.amount {
            Some(total) => split_bag(total, &bases),
            None => bases.iter().map(|b| tax_on(*b, spec.rate, included)).collect(),
        };
        for ((l, amount), base) in p.lines.iter_mut().zip(amounts).zip(&bases) {
            if !base.is_zero() {
                l.detail.tax_lines.push(TaxLine { price: amount, ..resolve(spec, *base) });
            }
        }
    }
    for (s, specs) in p.shipping.iter_mut().zip(&p.shipping_taxes) {
        let base = s.discounted();
        s.tax_lines.extend(specs.iter().map(|spec| resolve(spec, base)));
    }
    applications
}
