//! The seed's platform and catalog-depth parts: product metafields, metafield definitions, manual
//! collections and webhook subscriptions (this app's or another app's).

use super::collections::Collection;
use super::metafields::{owner_type, resolve_namespace, Metafield, MetafieldDefinition};
use super::model::{ForeignApp, Subscription};
use super::seed::{handleize, Seed};
use super::{now, Store};
use crate::resolve::metafield_types::{problems, supported};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A metafield of a seeded product.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMetafield {
    pub namespace: String,
    pub key: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub value: String,
}

/// A metafield definition.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMetafieldDefinition {
    /// `PRODUCT`, `PRODUCTVARIANT`, `CUSTOMER`, `ORDER` or `COLLECTION`.
    pub owner_type: String,
    pub namespace: String,
    pub key: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// Validation name to value, e.g. `{"max": "20"}`.
    #[serde(default)]
    pub validations: BTreeMap<String, String>,
}

/// A manual collection of seeded products (by handle).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCollection {
    pub title: String,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub products: Vec<String>,
}

/// A webhook subscription; with `app`, another app's (invisible to this app's token).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSubscription {
    /// GraphQL topic enum value, e.g. `ORDERS_CREATE`.
    pub topic: String,
    pub uri: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub app: Option<String>,
    /// The other app's secret (default `{app}-webhook-secret`).
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

impl Store {
    fn product_by_handle(&self, handle: &str) -> Option<u64> {
        self.products.values().find(|p| p.handle == handle).map(|p| p.id)
    }

    /// Loads the platform parts of `seed` after its products and customers.
    pub fn load_platform_seed(&mut self, seed: &Seed) -> Result<(), String> {
        for d in &seed.metafield_definitions {
            if owner_type_known(&d.owner_type).is_none() || !supported(&d.type_name) {
                return Err(format!(
                    "seed: metafield definition {}.{} has an unsupported owner type or type",
                    d.namespace, d.key
                ));
            }
            let id = self.next_id();
            let validations = d.validations.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let def = MetafieldDefinition {
                id,
                owner_type: d.owner_type.clone(),
                namespace: resolve_namespace(Some(&d.namespace)),
                key: d.key.clone(),
                name: d.name.clone(),
                description: None,
                type_name: d.type_name.clone(),
                validations,
                created_at: now(),
            };
            self.metafield_definitions.insert(id, def);
        }
        for p in &seed.products {
            let handle = p.handle.clone().unwrap_or_else(|| handleize(&p.title));
            let product =
                self.product_by_handle(&handle).ok_or_else(|| format!("seed: product {handle:?} not found"))?;
            for m in &p.metafields {
                // The seed does not know the shop's currency: a money value's own currency is taken.
                let currency = serde_json::from_str::<serde_json::Value>(&m.value)
                    .ok()
                    .and_then(|v| v["currency_code"].as_str().map(str::to_string))
                    .unwrap_or_default();
                let exists = |gid: &str| {
                    crate::resolve::metafields::split_gid(gid).is_some_and(|(kind, id)| self.has_record(kind, id))
                };
                if let Some((_, problem)) = (!supported(&m.type_name))
                    .then(|| (None, "unsupported type".to_string()))
                    .or_else(|| problems(&m.type_name, &m.value, &currency, &exists).into_iter().next())
                {
                    return Err(format!("seed: metafield {}.{} of product {handle:?}: {problem}", m.namespace, m.key));
                }
                let id = self.next_id();
                let t = now();
                let metafield = Metafield {
                    id,
                    owner_kind: "Product".into(),
                    owner_id: product,
                    namespace: resolve_namespace(Some(&m.namespace)),
                    key: m.key.clone(),
                    type_name: m.type_name.clone(),
                    value: m.value.clone(),
                    created_at: t,
                    updated_at: t,
                };
                self.metafields.insert(id, metafield);
            }
        }
        for c in &seed.collections {
            let product_ids = c
                .products
                .iter()
                .map(|h| {
                    self.product_by_handle(h)
                        .ok_or_else(|| format!("seed: collection {:?} names unknown product {h:?}", c.title))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let id = self.next_id();
            let t = now();
            let handle = c.handle.clone().unwrap_or_else(|| handleize(&c.title));
            let collection = Collection {
                id,
                title: c.title.clone(),
                handle,
                description_html: String::new(),
                sort_order: "BEST_SELLING".into(),
                template_suffix: None,
                product_ids,
                created_at: t,
                updated_at: t,
            };
            self.collections.insert(id, collection);
        }
        for s in &seed.webhook_subscriptions {
            if crate::resolve::subscriptions::rest_topic(&s.topic).is_none() {
                return Err(format!("seed: shopify-sim does not deliver webhook topic {:?}", s.topic));
            }
            let id = self.next_id();
            let t = now();
            let foreign_app = s.app.clone().map(|name| ForeignApp {
                webhook_secret: s.webhook_secret.clone().unwrap_or_else(|| format!("{name}-webhook-secret")),
                name,
            });
            let subscription = Subscription {
                id,
                topic: s.topic.clone(),
                uri: s.uri.clone(),
                format: "JSON".into(),
                name: s.name.clone(),
                include_fields: Vec::new(),
                filter: None,
                foreign_app,
                consecutive_failures: 0,
                created_at: t,
                updated_at: t,
            };
            self.subscriptions.insert(id, subscription);
        }
        Ok(())
    }
}

/// The owner type if it is one metafield definitions can have.
fn owner_type_known(owner: &str) -> Option<&'static str> {
    super::metafields::OWNER_TYPES.iter().find(|(_, t)| *t == owner).and_then(|(k, _)| owner_type(k))
}
