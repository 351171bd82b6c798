//! Amounts written to Shopify are in the shop's currency: Shopify takes a variant's price as a
//! bare number in it, so a price in another currency would be written as if it were in the
//! shop's. Such a record is refused, naming both currencies.

use super::context::ShopifyContext;
use super::errors::request_error;
use crate::model::{Money, PluginError};

/// `Ok` when every amount is in the shop's currency; else an invalid-input error on `field`.
pub async fn in_shop_currency<'a>(
    ctx: &ShopifyContext<'_>,
    amounts: impl IntoIterator<Item = &'a Money>,
    field: &str,
) -> Result<(), PluginError> {
    let mut amounts = amounts.into_iter().peekable();
    if amounts.peek().is_none() {
        return Ok(());
    }
    let shop = ctx.client.shop().await.map_err(|e| request_error(&e))?;
    match amounts.find(|m| !m.currency.eq_ignore_ascii_case(&shop.currency)) {
        Some(m) => Err(PluginError::invalid(
            field,
            format!(
                "{} {} is not in the shop's currency {}; Shopify would take it as {} {}",
                m.amount, m.currency, shop.currency, m.amount, shop.currency
            ),
        )),
        None => Ok(()),
    }
}
