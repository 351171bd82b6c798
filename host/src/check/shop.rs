//! The shop: the token reaches it and belongs to it, holds the access scopes the flows need, the
//! location ids the flows write to exist and are active, and the ERP's prices (and orders) are
//! in the shop's currency, judged on a sample read from scratch; the webhook subscriptions the
//! flows consume.

use super::{Finding, Level, ENDPOINT_TIMEOUT};
use crate::config::flow::is_location_gid;
use crate::config::shops::{shop_key, shop_section};
use crate::config::{Config, FlowConfig, ObjectKind, ShopifyConfig};
use crate::flow::base::block_on;
use crate::flow::{objects, FlowEngine};
use crate::model::{Entity, PriceScope, Record};
use crate::shopify::shop::{access_scopes, grants, locations, shop_info, ShopInfo};
use crate::shopify::{ClientConfig, ShopifyClient, ShopifyError};
use crate::subscriptions::State;
use std::collections::BTreeSet;

/// Records read from the ERP to judge its currencies.
const SAMPLE: u32 = 20;

/// The findings about each shop.
pub(super) fn check(engine: &FlowEngine) -> Vec<Finding> {
    engine.config().shops().flat_map(|(name, shop)| check_shop(engine, name, shop)).collect()
}

/// The findings about shop `name` and its flows.
fn check_shop(engine: &FlowEngine, name: &str, shop: &ShopifyConfig) -> Vec<Finding> {
    let config = engine.config();
    let key = |k: &str| shop_key(name, k);
    let client = match probe_client(shop) {
        Ok(c) => c,
        Err(e) => return vec![Finding::new(Level::Error, shop_section(name), e)],
    };
    let mut out = Vec::new();
    let info = match block_on(shop_info(&client)) {
        Ok(info) => info,
        Err(e) => return vec![unreachable(&key("access_token"), &e)],
    };
    if !shop.shop.eq_ignore_ascii_case(&info.domain) {
        out.push(Finding::new(
            Level::Error,
            key("shop"),
            format!(
                "is `{}` but the token belongs to `{}`; webhooks name the shop by its domain",
                shop.shop, info.domain
            ),
        ));
    }
    out.push(Finding::new(
        Level::Ok,
        shop_section(name),
        format!("reached {} ({}), which sells in {}", info.name, info.domain, info.currency),
    ));
    let flows: Vec<(&String, &FlowConfig)> = config
        .flows
        .iter()
        .filter(|(_, f)| (f.from.is_shopify() || f.to.is_shopify()) && config.shop_of(f) == Some(name))
        .collect();
    out.extend(scopes(&client, &flows, &key("access_token")));
    out.extend(location_ids(&client, &flows, &key("locations")));
    out.extend(currencies(engine, &flows, &info));
    out.extend(webhooks(&client, config, name));
    out
}

/// The webhook subscriptions of the topics the flows consume: all at `[server] public_url`, or
/// what `weft serve` will change at start (a warning: it fixes them itself); without a
/// `public_url`, those flows get orders by polling only.
fn webhooks(client: &ShopifyClient, config: &Config, shop: &str) -> Vec<Finding> {
    let topics = crate::subscriptions::topics(config, shop);
    if topics.is_empty() {
        return Vec::new();
    }
    if crate::subscriptions::address(config).is_none() {
        let message =
            "is not set: weft serve subscribes no webhooks, so the flows that consume them read by polling only";
        return vec![Finding::new(Level::Warning, "server.public_url", message)];
    }
    let statuses = match block_on(crate::subscriptions::statuses(client, config, shop)) {
        Ok(statuses) => statuses,
        Err(e) => {
            return vec![Finding::new(Level::Unverified, "server.public_url", format!("subscriptions not read: {e}"))]
        }
    };
    let address = statuses.address.unwrap_or_default();
    let said: Vec<String> = statuses
        .subscriptions
        .iter()
        .filter_map(|s| match s.state {
            State::Missing => Some(format!("subscribe {}", s.topic)),
            State::Moved => Some(format!("move {} here", s.topic)),
            State::Removed => Some(format!("remove {}", s.topic)),
            State::Kept | State::Foreign => None,
        })
        .collect();
    if said.is_empty() {
        let message = format!("the {} topics the flows consume are subscribed at {address}", topics.len());
        return vec![Finding::new(Level::Ok, "server.public_url", message)];
    }
    let message =
        format!("at start, weft serve will change the webhook subscriptions at {address}: {}", said.join(", "));
    vec![Finding::new(Level::Warning, "server.public_url", message)]
}

/// A client that gives up quickly: a check waits [`ENDPOINT_TIMEOUT`] at most, twice.
fn probe_client(shop: &ShopifyConfig) -> Result<ShopifyClient, String> {
    let token = shop.access_token.load().map_err(|e| format!("access_token: {e}"))?;
    let mut client = ClientConfig::new(&shop.endpoint_url(), &shop.api_version, token);
    client.request_timeout = ENDPOINT_TIMEOUT;
    client.max_attempts = 2;
    ShopifyClient::new(client).map_err(|e| e.to_string())
}

/// A failed call: a refused token or scope is an error, anything else leaves it unverified.
fn unreachable(key: &str, e: &ShopifyError) -> Finding {
    match e {
        ShopifyError::Unauthorized { .. } => {
            Finding::new(Level::Error, key, format!("the shop refused the token: {e}"))
        }
        ShopifyError::GraphQl { code, .. } if code == "ACCESS_DENIED" => {
            Finding::new(Level::Error, key, format!("the token may not do this: {e}"))
        }
        _ => Finding::new(Level::Unverified, key, format!("could not be checked: {e}")),
    }
}

/// Each flow's access scopes against what the token holds.
fn scopes(client: &ShopifyClient, flows: &[(&String, &FlowConfig)], token_key: &str) -> Vec<Finding> {
    let held = match block_on(access_scopes(client)) {
        Ok(held) => held,
        Err(e) => return vec![unreachable(token_key, &e)],
    };
    let mut out = Vec::new();
    for (name, flow) in flows {
        let missing: Vec<&str> = objects::access_scopes(flow).iter().copied().filter(|s| !grants(&held, s)).collect();
        if !missing.is_empty() {
            out.push(Finding::new(
                Level::Error,
                format!("flows.{name}"),
                format!(
                    "the token lacks the access scope{} {} this flow needs (it holds: {})",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                    if held.is_empty() { "none".into() } else { held.join(", ") }
                ),
            ));
        }
    }
    out
}

/// Every location id a flow names (its map and its channels), by key.
fn named_locations<'a>(flows: &[(&String, &'a FlowConfig)]) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    for (name, flow) in flows {
        for (erp, gid) in &flow.locations {
            out.push((format!("flows.{name}.locations.{erp}"), gid.as_str()));
        }
        for (channel, c) in &flow.channels {
            for (i, l) in c.locations.iter().enumerate().filter(|(_, l)| l.starts_with("gid://")) {
                out.push((format!("flows.{name}.channels.{channel}.locations[{i}]"), l.as_str()));
            }
        }
    }
    out
}

/// Each location id exists in the shop and is active.
fn location_ids(client: &ShopifyClient, flows: &[(&String, &FlowConfig)], key: &str) -> Vec<Finding> {
    let named = named_locations(flows);
    if named.is_empty() {
        return Vec::new();
    }
    let shop = match block_on(locations(client)) {
        Ok(l) => l,
        Err(e) => return vec![unreachable(key, &e)],
    };
    let listed = || shop.iter().map(|l| format!("{} {}", l.id, l.name)).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    for (key, gid) in named {
        match shop.iter().find(|l| l.id == gid) {
            Some(l) if !l.active => {
                out.push(Finding::new(Level::Error, key, format!("location {gid} ({}) is not active", l.name)))
            }
            Some(_) => {}
            None if !is_location_gid(gid) => {
                out.push(Finding::new(Level::Error, key, format!("`{gid}` is not a location id")))
            }
            None => out.push(Finding::new(
                Level::Error,
                key,
                format!("the shop has no location {gid} (it has: {})", listed()),
            )),
        }
    }
    out
}

/// The currencies of a sample of what each flow into Shopify would write: prices must be in the
/// shop's currency (an error), orders usually are (a warning).
fn currencies(engine: &FlowEngine, flows: &[(&String, &FlowConfig)], shop: &ShopInfo) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, flow) in flows.iter().filter(|(_, f)| f.to.is_shopify() && !f.from.is_shopify()) {
        let (entity, level) = match flow.object {
            ObjectKind::Price | ObjectKind::Product => (flow.object.entity(), Level::Error),
            ObjectKind::Order => (Entity::Order, Level::Warning),
            ObjectKind::Inventory | ObjectKind::Customer | ObjectKind::Fulfillment => continue,
        };
        let key = format!("flows.{name}");
        let records = match sample(engine, flow, entity) {
            Ok(records) => records,
            Err(e) => {
                out.push(Finding::new(
                    Level::Unverified,
                    key,
                    format!("could not read a sample from `{}`: {e}", flow.from),
                ));
                continue;
            }
        };
        let list = flow.channel.as_ref().and_then(|c| flow.channels.get(c)).and_then(|c| c.price_list.as_deref());
        let foreign: BTreeSet<String> = records
            .iter()
            .flat_map(|r| currencies_of(r, list))
            .filter(|c| !c.eq_ignore_ascii_case(&shop.currency))
            .collect();
        if !foreign.is_empty() {
            out.push(Finding::new(
                level,
                key,
                format!(
                    "`{}` sends {} in {} but the shop sells in {} (judged on {} records read now)",
                    flow.from,
                    if flow.object == ObjectKind::Order { "orders" } else { "prices" },
                    foreign.into_iter().collect::<Vec<_>>().join(", "),
                    shop.currency,
                    records.len()
                ),
            ));
        }
    }
    out
}

/// The first records of the flow's source, read from scratch (nothing the flow relies on moves).
fn sample(engine: &FlowEngine, flow: &FlowConfig, entity: Entity) -> Result<Vec<Record>, String> {
    let mut session = engine.scratch_session(&flow.from)?;
    let page = session.pull(entity, None, SAMPLE).map_err(|e| e.to_string())?;
    page.map(|p| p.records).map_err(|e| format!("{e:?}"))
}

/// The currencies of the amounts a record carries that the flow writes (prices of other lists
/// than the flow's are skipped by it).
fn currencies_of(record: &Record, list: Option<&str>) -> Vec<String> {
    match record {
        Record::Price(p)
            if match &p.scope {
                PriceScope::Base => true,
                PriceScope::Channel(c) => Some(c.as_str()) == list,
                PriceScope::Market(_) | PriceScope::Catalog(_) | PriceScope::CompanyLocation(_) => false,
            } =>
        {
            std::iter::once(&p.price).chain(&p.compare_at_price).map(|m| m.currency.clone()).collect()
        }
        Record::Product(p) => p
            .variants
            .iter()
            .flat_map(|v| v.price.iter().chain(&v.compare_at_price))
            .map(|m| m.currency.clone())
            .collect(),
        Record::Order(o) => vec![o.currency.clone()],
        Record::Price(_)
        | Record::InventoryLevel(_)
        | Record::InventoryAdjustment(_)
        | Record::Customer(_)
        | Record::Fulfillment(_)
        | Record::OrderChange(_) => Vec::new(),
    }
}
