//! The `Shop` object. Its domain, id and currency come from the configuration, so that simulators
//! started for several shops answer as different shops.

use crate::store::gid;
use crate::SimConfig;
use serde_json::{json, Value as Json};

/// A stable numeric shop id derived from the domain (FNV-1a), as distinct shops have distinct ids.
pub fn shop_id(domain: &str) -> u64 {
    let hash = domain.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    u64::from(hash)
}

/// The plain fields of `Shop`.
pub fn shop_json(config: &SimConfig) -> Json {
    let name = config.shop_domain.split('.').next().unwrap_or("shop");
    json!({
        "id": gid("Shop", shop_id(&config.shop_domain)), "name": name, "myshopifyDomain": config.shop_domain,
        "currencyCode": config.shop_currency, "email": format!("owner@{}", config.shop_domain), "ianaTimezone": "UTC",
        "url": format!("https://{}", config.shop_domain), "primaryDomain": {"host": config.shop_domain, "url": format!("https://{}", config.shop_domain)},
    })
}
