//! Shopify, spoken natively: one Admin GraphQL client per shop with a shared, cost-aware
//! budget ([`throttle`]), retries with backoff and jitter ([`client`]), the operations weft
//! uses as `.graphql` files ([`queries`]), typed writes ([`inventory`], [`products`],
//! [`orders`]), bulk export ([`bulk`]), bulk writes ([`bulk_mutation`]) and webhook verification ([`webhooks`]).

pub mod bulk;
pub mod bulk_mutation;
pub mod calls;
pub mod client;
pub mod collections;
pub mod error;
pub mod inventory;
pub mod metafields;
pub mod orders;
pub mod price_lists;
pub mod products;
pub mod queries;
pub mod search;
pub mod shop;
pub mod subscriptions;
pub mod throttle;
pub mod uploads;
pub mod webhooks;

pub use client::{ClientConfig, ClientStats, ShopifyClient};
pub use error::{RecordError, ShopifyError, WriteError};
pub use throttle::{Budget, Priority};
