//! Pull checks: page limits, cursor resume in fresh instances, completeness, no restart.

use super::{session, PullCase, Report, Spec};
use crate::model::{Entity, FieldError, PluginError};
use crate::plugin::{PluginHost, PluginSession};
use std::collections::BTreeSet;

/// Page size of the "one big pull" baseline.
const BIG_PAGE: u32 = 1000;
/// Calls one pull run may make before the suite calls it endless.
const MAX_CALLS: usize = 5000;

/// What following a cursor chain produced.
pub(super) struct PullRun {
    /// External ids per page.
    pub pages: Vec<Vec<String>>,
    /// Items reported as invalid (and skipped) on the way.
    pub reported: Vec<FieldError>,
    /// The cursor after the last page.
    pub last_cursor: Option<String>,
}

impl PullRun {
    fn ids(&self) -> BTreeSet<String> {
        self.pages.iter().flatten().cloned().collect()
    }
    fn total(&self) -> usize {
        self.pages.iter().map(Vec::len).sum()
    }
}

/// Follow the pull protocol from `cursor` until `has-more` is false. With `fresh`, every call
/// runs on a new instance, so nothing but the cursor carries over.
pub(super) fn follow(
    host: &PluginHost,
    spec: &Spec,
    entity: Entity,
    cursor: Option<String>,
    limit: u32,
    fresh: bool,
) -> Result<PullRun, String> {
    let mut run = PullRun { pages: Vec::new(), reported: Vec::new(), last_cursor: cursor };
    let mut shared: Option<PluginSession> = None;
    for _ in 0..MAX_CALLS {
        let mut own;
        let s = if fresh {
            own = session(host, spec, &spec.grant)?;
            &mut own
        } else {
            match &mut shared {
                Some(s) => s,
                None => shared.insert(session(host, spec, &spec.grant)?),
            }
        };
        let page = match s.pull(entity, run.last_cursor.as_deref(), limit).map_err(|e| e.to_string())? {
            Ok(page) => page,
            Err(PluginError::InvalidInput(f)) => {
                if run.reported.last() == Some(&f) {
                    return Err(format!(
                        "invalid-input `{}` reported twice for the same cursor: reported items must be skipped",
                        f.field
                    ));
                }
                if f.field.is_empty() {
                    return Err(format!("invalid-input without a field: {}", f.message));
                }
                run.reported.push(f);
                continue;
            }
            Err(e) => return Err(format!("pull {entity:?} failed: {e:?}")),
        };
        if page.records.len() > limit as usize {
            return Err(format!("a page of {} records exceeds the limit {limit}", page.records.len()));
        }
        let mut ids = Vec::new();
        for r in &page.records {
            if r.entity() != entity {
                return Err(format!("pull {entity:?} returned a {:?} record", r.entity()));
            }
            if r.external_id().is_empty() {
                return Err(format!("pull {entity:?} returned a record without external-id"));
            }
            ids.push(r.external_id().to_owned());
        }
        run.pages.push(ids);
        if page.has_more && page.next_cursor.is_none() {
            return Err("has-more without a next-cursor".into());
        }
        if page.next_cursor.is_some() {
            run.last_cursor = page.next_cursor;
        }
        if !page.has_more {
            return Ok(run);
        }
    }
    Err(format!("pull {entity:?} still had more after {MAX_CALLS} calls"))
}

/// The pull checks of one entity.
pub(super) fn run(host: &PluginHost, spec: &Spec, case: &PullCase, report: &mut Report) {
    let name = |what: &str| format!("pull {}: {what}", super::entity_name(case.entity));
    let baseline = if case.repeatable {
        match follow(host, spec, case.entity, None, BIG_PAGE, false) {
            Ok(b) => Some(b),
            Err(e) => return report.record(name("one big pull"), Err(e)),
        }
    } else {
        None
    };
    let page_size = case.page_size.unwrap_or(BIG_PAGE);
    let paged = match follow(host, spec, case.entity, None, page_size, true) {
        Ok(p) => p,
        Err(e) => return report.record(name("paging in fresh instances"), Err(e)),
    };
    let reference = baseline.as_ref().unwrap_or(&paged);
    let all = reference.ids();
    report.record(
        name("records"),
        if all.len() >= case.min_records {
            Ok(format!(
                "{} records ({} reported invalid) in {} pages",
                all.len(),
                reference.reported.len(),
                reference.pages.len()
            ))
        } else {
            Err(format!("only {} records, the fixture holds at least {}", all.len(), case.min_records))
        },
    );
    let seen = paged.ids();
    let missing: Vec<&String> = all.difference(&seen).take(5).collect();
    let repeats = paged.total() - seen.len();
    if let Some(page_size) = case.page_size {
        report.record(
            name("paging in fresh instances"),
            if !missing.is_empty() {
                Err(format!("paging by {page_size} missed records the big pull found, e.g. {missing:?}"))
            } else if repeats > case.max_repeats {
                Err(format!("{repeats} records delivered twice while paging (allowed {})", case.max_repeats))
            } else if all.len() > page_size as usize && paged.pages.len() < 2 {
                Err(format!("{} records came in one page of limit {page_size}", all.len()))
            } else {
                Ok(format!(
                    "{} pages of up to {page_size}, every cursor resumed on a new instance, {repeats} repeats",
                    paged.pages.len(),
                ))
            },
        );
    }
    let resumed = follow(host, spec, case.entity, paged.last_cursor.clone(), page_size, true);
    report.record(
        name("resume from the last cursor"),
        resumed.and_then(|r| {
            let repeated: Vec<String> = r.ids().intersection(&seen).cloned().collect();
            let again = repeated.len();
            if again > case.max_repeats {
                let some: Vec<&String> = repeated.iter().take(5).collect();
                Err(format!("resuming from the last cursor delivered {again} records again (allowed {}), e.g. {some:?}: the cursor restarts", case.max_repeats))
            } else {
                Ok(format!("{} records after the last cursor, {again} of them seen before", r.total()))
            }
        }),
    );
}
