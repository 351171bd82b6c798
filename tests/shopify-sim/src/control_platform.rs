//! Control endpoints and [`SimHandle`] methods for the platform features: access scopes, webhook
//! subscriptions as Shopify's admin sees them (other apps' too), and the bulk mutation rate.
//! [`crate::control`] hands every path it does not serve to [`route`].

use crate::{lock, Shared, SimHandle};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::sync::Arc;

/// A control error: HTTP status and JSON body.
type Refusal = (u16, Json);

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| (400, json!({"error": format!("invalid request body: {e}")})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopesRequest {
    scopes: Vec<String>,
}

/// Replaces the scopes the token holds.
pub fn set_access_scopes(shared: &Shared, scopes: Vec<String>) {
    lock(&shared.store).access_scopes = Some(scopes);
}

/// The scopes the token holds now.
pub fn access_scopes(shared: &Shared) -> Vec<String> {
    lock(&shared.store).access_scopes.clone().unwrap_or_else(|| shared.config.access_scopes.clone())
}

/// Serves the platform control endpoints; `None` when the path is not one of them.
pub fn route(shared: &Arc<Shared>, method: &str, path: &str, body: &[u8]) -> Option<Result<Json, Refusal>> {
    Some(match (method, path) {
        ("GET", "/_sim/access_scopes") => Ok(json!({"scopes": access_scopes(shared)})),
        ("POST", "/_sim/access_scopes") => parse::<ScopesRequest>(body).map(|r| {
            set_access_scopes(shared, r.scopes);
            json!({"ok": true})
        }),
        _ => return None,
    })
}

impl SimHandle {
    /// The shop's `myshopify.com` domain.
    pub fn shop_domain(&self) -> &str {
        &self.shared.config.shop_domain
    }

    /// Replaces the access scopes the token holds (`currentAppInstallation.accessScopes`).
    pub fn set_access_scopes(&self, scopes: &[&str]) {
        set_access_scopes(&self.shared, scopes.iter().map(|s| s.to_string()).collect());
    }
}
