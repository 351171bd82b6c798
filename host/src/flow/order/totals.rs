//! Sums of order amounts, exact (see `domain::decimal`), in both currencies.

use crate::domain::decimal::{self, Decimal};
use crate::model::{Amount, Money};

/// A money amount as a number (unreadable: zero; the writers check amounts before they count).
pub fn number(m: &Money) -> Decimal {
    decimal::parse(&m.amount).unwrap_or_default()
}

/// The sum of `amounts` in `currency` (shop side), with a presentment side when they have one.
pub fn sum(amounts: &[Amount], currency: &str) -> Amount {
    let shop: Decimal = amounts.iter().map(|a| number(&a.shop)).sum();
    let presentment = amounts.iter().find_map(|a| a.presentment.as_ref().map(|p| p.currency.clone())).map(|c| {
        let total: Decimal = amounts.iter().filter_map(|a| a.presentment.as_ref()).map(number).sum();
        Money::new(decimal::text(total), c)
    });
    Amount { shop: Money::new(decimal::text(shop), currency), presentment }
}
