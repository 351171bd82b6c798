//! Reconciliation: compare what the ERP says with what Shopify holds, store a report, and
//! optionally enqueue corrections (`--heal`).
//!
//! - Inventory flows: every level the flow would compute from a read of the source from scratch
//!   (its cursor untouched) against Shopify's `available`, read with one bulk operation.
//! - Order flows: order counts and totals per day; customer flows: customer counts.
//!
//! Drift is not an error: a run that compared everything succeeds whatever it found.

mod inventory;
mod orders;
pub mod schedule;

use crate::config::{flow::SHOPIFY, FlowConfig, ObjectKind};
use crate::flow::shopify_out::block_on;
use crate::flow::FlowEngine;
use crate::store::{FlowReconcile, ReconcileReport};

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

/// Whether a flow can be reconciled: inventory into Shopify, orders and customers either way.
pub fn reconcilable(flow: &FlowConfig) -> bool {
    let with_shopify = flow.from == SHOPIFY || flow.to == SHOPIFY;
    match flow.object {
        ObjectKind::Inventory => flow.to == SHOPIFY,
        ObjectKind::Order | ObjectKind::Customer => with_shopify,
        _ => false,
    }
}

/// Run a reconciliation, store its report and return it. `progress` gets one line per step.
/// `Err` only when nothing could be compared (no Shopify, unknown flow, no flow to reconcile).
pub fn run(engine: &FlowEngine, options: &Options, progress: &mut dyn FnMut(&str)) -> Result<ReconcileReport, String> {
    let config = engine.config();
    let client = engine.shopify_client().ok_or("reconcile needs a [shopify] section")?;
    let flows: Vec<(&String, &FlowConfig)> = match &options.flow {
        Some(name) => {
            let flow = config.flows.get(name).ok_or_else(|| format!("no flow `{name}`"))?;
            if !reconcilable(flow) {
                return Err(format!("flow `{name}` cannot be reconciled (inventory into Shopify, orders and customers can)"));
            }
            vec![(name, flow)]
        }
        None => config.flows.iter().filter(|(_, f)| reconcilable(f)).collect(),
    };
    if flows.is_empty() {
        return Err("no flow to reconcile (inventory into Shopify, orders, customers)".into());
    }
    let mut report = ReconcileReport { started_ms: crate::flow::journal::now_ms(), trigger: options.trigger.clone(), ..Default::default() };
    let mut shopify_levels = None;
    let mut healed = 0;
    for (name, flow) in flows {
        progress(&format!("reconcile {name}: reading the ERP from scratch"));
        let result = match flow.object {
            ObjectKind::Inventory => {
                if shopify_levels.is_none() {
                    progress("reading Shopify's inventory levels (bulk operation)");
                    let levels = block_on(crate::shopify::inventory::all_levels_bulk(client)).map_err(|e| format!("Shopify inventory: {e}"));
                    if let Ok(l) = &levels {
                        progress(&format!("read {} Shopify levels", l.len()));
                    }
                    shopify_levels = Some(levels);
                }
                match shopify_levels.as_ref() {
                    Some(Ok(levels)) => inventory::reconcile(engine, name, flow, levels, options.heal, progress).map(|(r, n)| {
                        healed += n;
                        r
                    }),
                    Some(Err(e)) => Err(e.clone()),
                    None => Err("no Shopify levels".into()),
                }
            }
            ObjectKind::Order => orders::orders(engine, client, name, flow, progress),
            _ => orders::customers(engine, client, name, flow, progress),
        };
        let section = result.unwrap_or_else(|error| {
            progress(&format!("reconcile {name}: failed: {error}"));
            FlowReconcile { flow: name.clone(), object: object_name(flow.object), error: Some(error), ..Default::default() }
        });
        add_to_summary(&mut report, &section);
        report.flows.push(section);
    }
    report.healed = options.heal.then_some(healed);
    report.finished_ms = crate::flow::journal::now_ms();
    report.id = engine.queue().store().add_reconcile_report(&report).map_err(|e| e.to_string())?;
    Ok(report)
}

fn object_name(object: ObjectKind) -> String {
    serde_json::to_value(object).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn add_to_summary(report: &mut ReconcileReport, f: &FlowReconcile) {
    let s = &mut report.summary;
    s.compared += f.compared;
    s.drifted += f.drift.len();
    s.erp_only += f.erp_only.len();
    s.shopify_only += f.shopify_only.len();
    s.order_days_drifted += f.order_days.iter().filter(|d| !d.matches()).count();
    s.customer_count_drifted += usize::from(f.customers.is_some_and(|(a, b)| a != b));
    s.errors += usize::from(f.error.is_some());
}

/// Human-readable lines of a report (what `weft reconcile` prints).
pub fn summary_lines(report: &ReconcileReport) -> Vec<String> {
    let s = &report.summary;
    let mut out = vec![format!(
        "reconcile report {}: {} compared, {} drifted, {} ERP only, {} Shopify only, {} order day(s) and {} customer count(s) differ, {} flow(s) failed{}",
        report.id,
        s.compared,
        s.drifted,
        s.erp_only,
        s.shopify_only,
        s.order_days_drifted,
        s.customer_count_drifted,
        s.errors,
        report.healed.map(|n| format!("; {n} correction(s) enqueued")).unwrap_or_default()
    )];
    for f in &report.flows {
        if let Some(e) = &f.error {
            out.push(format!("  {}: failed: {e}", f.flow));
        }
        for d in &f.drift {
            out.push(format!("  {} drift {} at {}: ERP {} Shopify {} ({:+})", f.flow, d.sku, d.location, opt(d.erp_available), opt(d.shopify_available), d.difference));
        }
        for d in &f.erp_only {
            out.push(format!("  {} ERP only {} at {}: ERP {}", f.flow, d.sku, d.location, opt(d.erp_available)));
        }
        for d in &f.shopify_only {
            out.push(format!("  {} Shopify only {} at {}: Shopify {}", f.flow, d.sku, d.location, opt(d.shopify_available)));
        }
        for day in f.order_days.iter().filter(|d| !d.matches()) {
            out.push(format!("  {} orders {}: ERP {} ({}) Shopify {} ({})", f.flow, day.day, day.erp_count, day.erp_total, day.shopify_count, day.shopify_total));
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
