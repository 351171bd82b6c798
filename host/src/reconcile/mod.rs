//! Reconciliation: compare what the ERP says with what Shopify holds, store a report, and
//! optionally enqueue corrections (`--heal`).
//!
//! - Inventory flows: every level the flow would compute from a read of the source from scratch
//!   (its cursor untouched) against Shopify's `available`, read with one bulk operation.
//! - Order flows: order counts and totals per day; customer flows: customer counts.
//! - Price flows: each ERP price record against the variant price or price list entry it sets,
//!   a page of the ERP at a time (`flow::price::reconcile`).
//!
//! Drift is not an error: a run that compared everything succeeds whatever it found.

pub mod schedule;

use crate::config::{Endpoint, FlowConfig};
use crate::flow::base::block_on;
use crate::flow::objects::{self, Reconcile};
use crate::flow::{customer, inventory, order, price, FlowEngine};
use crate::model::{Entity, Record};
use crate::shopify::inventory::Level;
use crate::shopify::ShopifyClient;
use crate::store::{FlowReconcile, ReconcileReport, ReconcileSummary};
use serde_json::Value;
use std::collections::BTreeMap;

/// What to reconcile.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// One flow; none: every flow that can be reconciled.
    pub flow: Option<String>,
    /// Enqueue corrections for the drift found.
    pub heal: bool,
    /// `manual` or `schedule`.
    pub trigger: String,
}

/// Ids asked per `fetch`.
const FETCH_CHUNK: usize = 100;

/// Whether a flow can be reconciled (see [`objects::reconcile`]).
pub fn reconcilable(flow: &FlowConfig) -> bool {
    !matches!(objects::reconcile(flow), Reconcile::No(_))
}

/// Run a reconciliation, store its report and return it. `progress` gets one line per step.
/// `Err` only when nothing could be compared (no Shopify, unknown flow, no flow to reconcile).
pub fn run(engine: &FlowEngine, options: &Options, progress: &mut dyn FnMut(&str)) -> Result<ReconcileReport, String> {
    let config = engine.config();
    let flows: Vec<(&String, &FlowConfig)> = match &options.flow {
        Some(name) => {
            let flow = config.flows.get(name).ok_or_else(|| format!("no flow `{name}`"))?;
            if !reconcilable(flow) {
                return Err(format!(
                    "flow `{name}` cannot be reconciled (inventory and prices into Shopify, orders and customers can)"
                ));
            }
            vec![(name, flow)]
        }
        None => config.flows.iter().filter(|(_, f)| reconcilable(f)).collect(),
    };
    if flows.is_empty() {
        return Err("no flow to reconcile (inventory and prices into Shopify, orders, customers)".into());
    }
    let clock = engine.queue().clock();
    let mut report =
        ReconcileReport { started_ms: clock.now_ms(), trigger: options.trigger.clone(), ..Default::default() };
    // Each shop's levels, read once for all its inventory flows.
    let mut shopify_levels: BTreeMap<String, Result<Vec<Level>, String>> = BTreeMap::new();
    let mut healed = 0;
    for (name, flow) in flows {
        let (shop, client) = engine.shop_of(flow)?;
        progress(&format!("reconcile {name} (shop {shop}): reading the ERP from scratch"));
        let result = match objects::reconcile(flow) {
            Reconcile::Levels => {
                let levels = shopify_levels.entry(shop.to_owned()).or_insert_with(|| {
                    progress(&format!("reading shop {shop}'s inventory levels (bulk operation)"));
                    let levels = block_on(crate::shopify::inventory::all_levels_bulk(client))
                        .map_err(|e| format!("Shopify inventory: {e}"));
                    if let Ok(l) = &levels {
                        progress(&format!("read {} Shopify levels", l.len()));
                    }
                    levels
                });
                match levels {
                    Ok(levels) => levels_of(engine, name, flow, levels, options.heal, progress).map(|(r, n)| {
                        healed += n;
                        r
                    }),
                    Err(e) => Err(e.clone()),
                }
            }
            Reconcile::OrderTotals => order_totals(engine, client, name, flow, progress),
            Reconcile::CustomerCounts => customer_counts(engine, client, name, flow, progress),
            Reconcile::Prices => prices_of(engine, client, name, flow, options.heal, progress).map(|(r, n)| {
                healed += n;
                r
            }),
            Reconcile::No(why) => Err(why.to_owned()),
        };
        let mut section = result.unwrap_or_else(|error| {
            progress(&format!("reconcile {name}: failed: {error}"));
            FlowReconcile {
                flow: name.clone(),
                object: flow.object.name().to_owned(),
                error: Some(error),
                ..Default::default()
            }
        });
        section.shop = Some(shop.to_owned());
        add_to_summary(&mut report.summary, &section);
        add_to_summary(report.shops.entry(shop.to_owned()).or_default(), &section);
        report.flows.push(section);
    }
    report.healed = options.heal.then_some(healed);
    report.finished_ms = clock.now_ms();
    report.id = engine.queue().store().add_reconcile_report(&report).map_err(|e| e.to_string())?;
    Ok(report)
}

/// One inventory flow: the levels it computes from the ERP read from scratch against Shopify's;
/// with `heal`, one correction job per level that differs. Returns the section and the number of
/// corrections enqueued.
fn levels_of(
    engine: &FlowEngine,
    name: &str,
    flow: &FlowConfig,
    shopify: &[Level],
    heal: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<(FlowReconcile, usize), String> {
    let mut last = 0;
    let (erp, rejected) = engine.inventory_from_scratch(name, &mut |n| {
        if n >= last + 1_000 {
            last = n;
            progress(&format!("reconcile {name}: {n} ERP records read"));
        }
    })?;
    progress(&format!("reconcile {name}: {} ERP levels computed ({rejected} rejected)", erp.len()));
    let (section, to_heal) = inventory::reconcile::compare(name, flow, &erp, rejected, shopify);
    progress(&format!(
        "reconcile {name}: {} compared, {} drifted, {} ERP only, {} Shopify only",
        section.compared,
        section.drift.len(),
        section.erp_only.len(),
        section.shopify_only.len()
    ));
    if !heal {
        return Ok((section, 0));
    }
    let jobs = if flow.is_hybrid() {
        inventory::reconcile::hybrid_corrections(engine.queue().store(), name, &to_heal, shopify)?
    } else {
        inventory::reconcile::corrections(engine.queue().store(), name, &to_heal)?
    };
    engine.queue().enqueue(jobs).map_err(|e| e.to_string())?;
    Ok((section, to_heal.len()))
}

/// One price flow: each ERP price record, a page at a time, against what Shopify holds; with
/// `heal`, the drifted records sent again. Returns the section and the corrections enqueued.
fn prices_of(
    engine: &FlowEngine,
    client: &ShopifyClient,
    name: &str,
    flow: &FlowConfig,
    heal: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<(FlowReconcile, usize), String> {
    let lookups = engine.config().lookups.tables();
    let mapping = flow.mapping(lookups).map_err(|e| format!("flows.{name}.{e}"))?;
    progress(&format!("reconcile {name}: reading Shopify's catalogs and price lists"));
    let targets = block_on(crate::shopify::price_lists::targets(client)).map_err(|e| format!("Shopify: {e}"))?;
    let setup = price::reconcile::Setup { name, flow, mapping, targets };
    let store = engine.queue().store();
    let mut section = FlowReconcile { flow: name.to_owned(), object: "price".into(), ..Default::default() };
    let (mut read, mut healed) = (0, 0);
    engine.pages_from_scratch(flow, &flow.from, Entity::Price, &mut |page| {
        read += page.raw.len();
        section.rejected += page.rejected;
        let records: Vec<Record> = page.transformed.iter().map(|(_, r)| r.clone()).collect();
        let found = block_on(price::reconcile::compare_page(client, store, &setup, &records))?;
        section.compared += found.compared;
        section.rejected += found.rejected;
        section.price_drift.extend(found.drift);
        progress(&format!("reconcile {name}: {read} ERP prices read, {} drifted", section.price_drift.len()));
        if heal && !found.to_heal.is_empty() {
            let drifted: Vec<(Record, Record)> = found
                .to_heal
                .iter()
                .map(|&at| (page.raw[page.transformed[at].0].clone(), page.transformed[at].1.clone()))
                .collect();
            let jobs = price::reconcile::corrections(store, name, &drifted)?;
            healed += jobs.len();
            engine.queue().enqueue(jobs).map_err(|e| e.to_string())?;
        }
        Ok(())
    })?;
    Ok((section, healed))
}

/// The ERP connection of a flow with Shopify on one side.
fn erp_side(flow: &FlowConfig) -> &Endpoint {
    if flow.from.is_shopify() {
        &flow.to
    } else {
        &flow.from
    }
}

/// Shopify's side of a bulk export.
fn bulk(client: &ShopifyClient, query: &str) -> Result<Vec<Value>, String> {
    block_on(crate::shopify::bulk::export(
        client,
        query,
        std::time::Duration::from_millis(250),
        std::time::Duration::from_secs(600),
    ))
    .map_err(|e| format!("Shopify: {e}"))
}

/// The ERP's records of `entity` for a flow: from scratch when the ERP is the source, else the
/// ones it has of `shopify_ids`.
fn erp_records(
    engine: &FlowEngine,
    flow: &FlowConfig,
    entity: Entity,
    shopify_ids: &[String],
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Record>, String> {
    if !flow.from.is_shopify() {
        let snapshot = engine.read_from_scratch(flow, &flow.from, entity, &mut |_| {})?;
        return Ok(snapshot.transformed.into_iter().map(|(_, r)| r).collect());
    }
    fetch_chunks(engine, flow, entity, shopify_ids, progress)
}

/// The ERP's records of `entity` with these ids, fetched a chunk at a time.
fn fetch_chunks(
    engine: &FlowEngine,
    flow: &FlowConfig,
    entity: Entity,
    ids: &[String],
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Record>, String> {
    let mut out = Vec::new();
    for (i, chunk) in ids.chunks(FETCH_CHUNK).enumerate() {
        out.extend(engine.fetch_from(erp_side(flow), entity, chunk)?.into_iter().flatten());
        progress(&format!(
            "fetched {} of {} from {}",
            ((i + 1) * FETCH_CHUNK).min(ids.len()),
            ids.len(),
            erp_side(flow)
        ));
    }
    Ok(out)
}

/// One order flow: each order's amounts on both sides, and orders per day.
fn order_totals(
    engine: &FlowEngine,
    client: &ShopifyClient,
    name: &str,
    flow: &FlowConfig,
    progress: &mut dyn FnMut(&str),
) -> Result<FlowReconcile, String> {
    progress(&format!("reconcile {name}: reading Shopify's orders (bulk operation)"));
    let exported = bulk(client, order::reconcile::SHOPIFY_QUERY)?;
    let store = engine.queue().store();
    let reach = if flow.from.is_shopify() { order::start::reach(store, name, flow)? } else { None };
    let shopify = order::reconcile::shopify_side(flow, erp_side(flow).name(), reach.as_deref(), &exported);
    let id = |o: &Value| o["id"].as_str().unwrap_or_default().to_owned();
    if flow.from.is_shopify() {
        // The ERP's id of each shop order, from the id map; then the ERP's orders by those ids.
        let mut erp_ids = BTreeMap::new();
        for o in &shopify {
            if let Some(erp) = engine.links(flow).get("order", &id(o)).map_err(|e| e.to_string())?.and_then(|l| l.erp) {
                erp_ids.insert(id(o), erp);
            }
        }
        let wanted: Vec<String> = erp_ids.values().cloned().collect();
        let erp = fetch_chunks(engine, flow, Entity::Order, &wanted, progress)?;
        let by_id: BTreeMap<&str, &crate::model::Order> =
            order::reconcile::orders(&erp).map(|o| (o.external_id.as_str(), o)).collect();
        let pairs: Vec<_> = shopify
            .iter()
            .map(|o| (Some(*o), erp_ids.get(&id(o)).and_then(|e| by_id.get(e.as_str()).copied())))
            .collect();
        return Ok(order::reconcile::compare(name, &pairs));
    }
    let erp = erp_records(engine, flow, Entity::Order, &[], progress)?;
    let prefix = format!("{}:", erp_side(flow).name());
    let by_source: BTreeMap<&str, &Value> = shopify
        .iter()
        .filter_map(|o| Some((o["sourceIdentifier"].as_str()?.strip_prefix(prefix.as_str())?, *o)))
        .collect();
    let mut pairs: Vec<_> =
        order::reconcile::orders(&erp).map(|e| (by_source.get(e.external_id.as_str()).copied(), Some(e))).collect();
    let known: std::collections::BTreeSet<&str> =
        order::reconcile::orders(&erp).map(|e| e.external_id.as_str()).collect();
    pairs.extend(by_source.iter().filter(|(k, _)| !known.contains(*k)).map(|(_, o)| (Some(*o), None)));
    Ok(order::reconcile::compare(name, &pairs))
}

/// One customer flow: customer counts on both sides.
fn customer_counts(
    engine: &FlowEngine,
    client: &ShopifyClient,
    name: &str,
    flow: &FlowConfig,
    progress: &mut dyn FnMut(&str),
) -> Result<FlowReconcile, String> {
    progress(&format!("reconcile {name}: reading Shopify's customers (bulk operation)"));
    let exported = bulk(client, customer::reconcile::SHOPIFY_QUERY)?;
    let ids: Vec<String> = exported.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect();
    let erp = erp_records(engine, flow, Entity::Customer, &ids, progress)?;
    Ok(customer::reconcile::compare(name, ids.len(), &erp))
}

fn add_to_summary(s: &mut ReconcileSummary, f: &FlowReconcile) {
    s.compared += f.compared;
    s.drifted += f.drift.len();
    s.erp_only += f.erp_only.len();
    s.shopify_only += f.shopify_only.len();
    s.order_days_drifted += f.order_days.iter().filter(|d| !d.matches()).count();
    s.orders_drifted += f.order_drift.len();
    s.customer_count_drifted += usize::from(f.customers.is_some_and(|(a, b)| a != b));
    s.prices_drifted += f.price_drift.len();
    s.errors += usize::from(f.error.is_some());
}

/// Human-readable lines of a report (what `weft reconcile` prints).
pub fn summary_lines(report: &ReconcileReport) -> Vec<String> {
    let s = &report.summary;
    let mut out = vec![format!(
        "reconcile report {}: {} compared, {} drifted, {} ERP only, {} Shopify only, {} order(s), {} order day(s), {} customer count(s) and {} price(s) differ, {} flow(s) failed{}",
        report.id,
        s.compared,
        s.drifted,
        s.erp_only,
        s.shopify_only,
        s.orders_drifted,
        s.order_days_drifted,
        s.customer_count_drifted,
        s.prices_drifted,
        s.errors,
        report.healed.map(|n| format!("; {n} correction(s) enqueued")).unwrap_or_default()
    )];
    if report.shops.len() > 1 {
        for (shop, s) in &report.shops {
            out.push(format!(
                "  shop {shop}: {} compared, {} drifted, {} ERP only, {} Shopify only, {} order(s), {} customer count(s) and {} price(s) differ, {} flow(s) failed",
                s.compared, s.drifted, s.erp_only, s.shopify_only, s.orders_drifted, s.customer_count_drifted, s.prices_drifted, s.errors
            ));
        }
    }
    for f in &report.flows {
        if let Some(e) = &f.error {
            out.push(format!("  {}: failed: {e}", f.flow));
        }
        for d in &f.drift {
            out.push(format!(
                "  {} drift {} at {}: ERP {} Shopify {} ({:+})",
                f.flow,
                d.sku,
                d.location,
                opt(d.erp_available),
                opt(d.shopify_available),
                d.difference
            ));
        }
        for d in &f.erp_only {
            out.push(format!("  {} ERP only {} at {}: ERP {}", f.flow, d.sku, d.location, opt(d.erp_available)));
        }
        for d in &f.shopify_only {
            out.push(format!(
                "  {} Shopify only {} at {}: Shopify {}",
                f.flow,
                d.sku,
                d.location,
                opt(d.shopify_available)
            ));
        }
        for day in f.order_days.iter().filter(|d| !d.matches()) {
            out.push(format!(
                "  {} orders {}: ERP {} ({}) Shopify {} ({})",
                f.flow, day.day, day.erp_count, day.erp_total, day.shopify_count, day.shopify_total
            ));
        }
        for o in &f.order_drift {
            let what = match (&o.shopify_id, &o.erp_id) {
                (Some(_), None) => "only in Shopify".to_owned(),
                (None, Some(_)) => "only in the ERP".to_owned(),
                _ => o.fields.iter().map(|(f, e, s)| format!("{f} ERP {e} Shopify {s}")).collect::<Vec<_>>().join(", "),
            };
            out.push(format!("  {} order {} ({}, {}): {what}", f.flow, o.order, o.day, o.currency));
        }
        for d in &f.price_drift {
            out.push(format!(
                "  {} price {} ({}{}): ERP {} Shopify {}",
                f.flow,
                d.sku,
                d.scope,
                d.price_list.as_deref().map(|l| format!(", {l}")).unwrap_or_default(),
                d.erp,
                d.shopify
            ));
        }
        if let Some((erp, shop)) = f.customers.filter(|(a, b)| a != b) {
            out.push(format!("  {} customers: ERP {erp} Shopify {shop}", f.flow));
        }
    }
    out
}

fn opt(v: Option<i64>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}
