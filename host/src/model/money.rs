//! Money: a decimal amount with its currency, and an order's amount in shop and presentment
//! currency.

use serde::{Deserialize, Serialize};

/// An amount of money: a decimal string (`"19.90"`, never a float) and its ISO 4217 currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Decimal amount, `.` as separator, no thousands separator.
    pub amount: String,
    /// ISO 4217 code (`"EUR"`).
    pub currency: String,
}

impl Money {
    /// `amount` in `currency`.
    pub fn new(amount: impl Into<String>, currency: impl Into<String>) -> Money {
        Money { amount: amount.into(), currency: currency.into() }
    }
}

/// An order's amount in the shop's currency and, when the buyer paid in another currency, in
/// that one too. Never converted: each is what the selling system recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// In the shop's currency.
    pub shop: Money,
    /// In the buyer's (presentment) currency, when it differs from the shop's.
    pub presentment: Option<Money>,
}

impl Amount {
    /// An amount in the shop's currency only.
    pub fn shop(money: Money) -> Amount {
        Amount { shop: money, presentment: None }
    }

    /// The amount in the buyer's currency: the presentment side when there is one.
    pub fn buyer(&self) -> &Money {
        self.presentment.as_ref().unwrap_or(&self.shop)
    }
}
