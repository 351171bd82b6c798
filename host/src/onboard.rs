//! `weft onboard`: what connecting the ERP to a shop that already sells will do, before (or
//! after) the catalog flow writes — the shop's catalog read again (one bulk query, which also
//! refreshes the flow's onboarding index), the ERP's read from scratch, and per ERP product where
//! it goes: linked to the product the shop sells under its keys, new, or a conflict a person must
//! decide (`flows.NAME.decisions`). Also the keys only one side has. The report is kept (the
//! dashboard and `GET /api/onboard` show the latest).

use crate::config::catalog::Decision;
use crate::config::{FlowConfig, ObjectKind};
use crate::flow::base::block_on;
use crate::flow::catalog::index::{self, Match, ShopProduct};
use crate::flow::FlowEngine;
use crate::model::{Entity, Record};
use crate::store::StateTable;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One ERP product a person must decide on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The ERP product's id (the key under `flows.NAME.decisions`).
    pub erp_product: String,
    /// Its title.
    pub title: String,
    /// `duplicate_key` (a key on several variants of the shop) or `spread` (its keys on several
    /// products of the shop).
    pub kind: String,
    /// What is ambiguous, for a person.
    pub detail: String,
    /// The shop's products involved.
    pub shopify_products: Vec<ShopProductRef>,
    /// What a person decided, if they did (`skip`, `create`, a product id).
    pub decision: Option<String>,
}

/// A product of the shop, as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopProductRef {
    /// Its gid.
    pub id: String,
    /// Its handle.
    pub handle: String,
    /// Its title.
    pub title: String,
}

/// What onboarding found for one catalog flow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardReport {
    /// The flow.
    pub flow: String,
    /// When the shop was read (ms since the epoch).
    pub read_ms: u64,
    /// Products in the shop.
    pub shop_products: usize,
    /// ERP products read (after the flow's transforms).
    pub erp_products: usize,
    /// ERP records the connector or the transforms rejected, or whose keys are unusable.
    pub rejected: usize,
    /// ERP products linked to a product the shop has (before or now): updated in place.
    pub linked: usize,
    /// ERP products the shop has nothing of: created.
    pub new: usize,
    /// ERP products a person must decide on (decided ones included, with their decision).
    pub conflicts: Vec<Conflict>,
    /// Keys (SKUs or barcodes) the shop has and the ERP lacks: left alone.
    pub shopify_only: Vec<String>,
    /// Keys the ERP has and the shop lacks: created with their products.
    pub erp_only: Vec<String>,
}

impl OnboardReport {
    /// Conflicts no one has decided yet.
    pub fn undecided(&self) -> usize {
        self.conflicts.iter().filter(|c| c.decision.is_none()).count()
    }
}

fn report_entry(flow: &str) -> String {
    format!("{flow}\u{1f}@report")
}

/// The catalog flow `flow` names, or the only one.
fn catalog_flow<'a>(engine: &'a FlowEngine, flow: Option<&str>) -> Result<(&'a str, &'a FlowConfig), String> {
    let mut candidates = engine.config().flows.iter().filter(|(name, f)| {
        f.object == ObjectKind::Product && f.to.is_shopify() && flow.is_none_or(|n| n == name.as_str())
    });
    match (candidates.next(), candidates.next()) {
        (Some((name, f)), None) => Ok((name, f)),
        (None, _) => Err(match flow {
            Some(n) => format!("no catalog flow `{n}` (object = \"product\", to = \"shopify\")"),
            None => "no catalog flow (object = \"product\", to = \"shopify\")".into(),
        }),
        (Some(_), Some(_)) => Err("several catalog flows: name one with --flow".into()),
    }
}

/// Onboard `flow` (default: the only catalog flow) now: read both sides, keep the report.
pub fn run(engine: &FlowEngine, flow: Option<&str>) -> Result<OnboardReport, String> {
    let (name, config) = catalog_flow(engine, flow)?;
    let (_, client) = engine.shop_of(config)?;
    let store = engine.queue().store();
    let now = engine.queue().clock().now_ms();
    let shop =
        block_on(index::read(client, config.identity)).map_err(|e| format!("reading the shop's catalog: {e}"))?;
    index::keep(store, name, &shop, now).map_err(|e| e.to_string())?;
    let snapshot = engine.read_from_scratch(config, &config.from, Entity::Product, &mut |_| {})?;
    let mut report = OnboardReport {
        flow: name.to_owned(),
        read_ms: now,
        shop_products: shop.len(),
        rejected: snapshot.rejected,
        ..OnboardReport::default()
    };
    let by_key = index::by_key(&shop);
    let products: BTreeMap<&str, &ShopProduct> = shop.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut erp_keys: BTreeSet<String> = BTreeSet::new();
    for (_, record) in &snapshot.transformed {
        let Record::Product(p) = record else { continue };
        if p.deleted {
            continue;
        }
        let Ok(keys) = config.identity.keys(&p.variants) else {
            report.rejected += 1;
            continue;
        };
        report.erp_products += 1;
        erp_keys.extend(keys.iter().cloned());
        let linked = crate::flow::catalog::linked(engine.links(config), &p.external_id).map_err(|e| e.to_string())?;
        let found: Vec<(String, String)> = keys
            .iter()
            .flat_map(|k| by_key.get(k.as_str()).into_iter().flatten().map(move |id| (k.clone(), (*id).to_owned())))
            .collect();
        let matched = Match::of(&found);
        match (&matched, linked) {
            (_, Some(_)) | (Match::One(_), None) => report.linked += 1,
            (Match::Nothing, None) => report.new += 1,
            (Match::Duplicate { products: ids, .. } | Match::Spread(ids), None) => {
                let mut ids = ids.clone();
                ids.dedup();
                report.conflicts.push(Conflict {
                    erp_product: p.external_id.clone(),
                    title: p.title.clone(),
                    kind: if matches!(matched, Match::Spread(_)) { "spread" } else { "duplicate_key" }.into(),
                    detail: matched.conflict().unwrap_or_default(),
                    shopify_products: ids
                        .iter()
                        .filter_map(|id| products.get(id.as_str()))
                        .map(|s| ShopProductRef { id: s.id.clone(), handle: s.handle.clone(), title: s.title.clone() })
                        .collect(),
                    decision: config.decisions.get(&p.external_id).map(Decision::to_string),
                });
            }
        }
    }
    report.shopify_only = by_key.keys().filter(|k| !erp_keys.contains(**k)).map(|k| (*k).to_owned()).collect();
    report.erp_only = erp_keys.into_iter().filter(|k| !by_key.contains_key(k.as_str())).collect();
    let bytes = serde_json::to_vec(&report).map_err(|e| e.to_string())?;
    store.state_write(StateTable::ShopCatalog, &[(report_entry(name), Some(bytes))]).map_err(|e| e.to_string())?;
    Ok(report)
}

/// The latest report of every catalog flow that has one.
pub fn latest(engine: &FlowEngine) -> Result<Vec<OnboardReport>, String> {
    let store = engine.queue().store();
    let mut out = Vec::new();
    for name in engine.config().flows.iter().filter(|(_, f)| f.object == ObjectKind::Product).map(|(n, _)| n) {
        if let Some(bytes) = store.state_get(StateTable::ShopCatalog, &report_entry(name)).map_err(|e| e.to_string())? {
            out.push(serde_json::from_slice(&bytes).map_err(|e| format!("stored onboarding report: {e}"))?);
        }
    }
    Ok(out)
}

/// The report for people.
pub fn lines(r: &OnboardReport) -> Vec<String> {
    let few = |keys: &[String]| {
        let shown: Vec<&str> = keys.iter().take(20).map(String::as_str).collect();
        format!(
            "{}{}",
            shown.join(", "),
            if keys.len() > 20 { format!(", ... ({} more)", keys.len() - 20) } else { String::new() }
        )
    };
    let mut out = vec![
        format!("onboarding of flow {} (shop read {})", r.flow, crate::clock::rfc3339(r.read_ms)),
        format!("  shop: {} products; ERP: {} products ({} rejected)", r.shop_products, r.erp_products, r.rejected),
        format!(
            "  linked to a product the shop has (updated in place): {}; new to the shop (created): {}",
            r.linked, r.new
        ),
        format!(
            "  conflicts a person must decide in [flows.{}.decisions]: {} ({} undecided)",
            r.flow,
            r.conflicts.len(),
            r.undecided()
        ),
    ];
    for c in &r.conflicts {
        let shop: Vec<String> = c.shopify_products.iter().map(|p| format!("{} ({})", p.id, p.handle)).collect();
        out.push(format!(
            "    {} {:?}: {} [{}] -> {}",
            c.erp_product,
            c.title,
            c.detail,
            shop.join(", "),
            c.decision
                .as_deref()
                .map_or("undecided: \"skip\" | \"create\" | \"gid://shopify/Product/N\"".to_owned(), |d| format!(
                    "decided: {d}"
                ))
        ));
    }
    out.push(format!(
        "  keys the shop has and the ERP lacks (left alone): {} {}",
        r.shopify_only.len(),
        few(&r.shopify_only)
    ));
    out.push(format!("  keys the ERP has and the shop lacks (created): {} {}", r.erp_only.len(), few(&r.erp_only)));
    out
}
