//! `weft plugins reload` and the dashboard's button: the plugins directory read again, checked
//! as at start (each plugin loads, its manifest and contract version agree, the flows' plugins
//! are of the right kind and their connections answer), and the new set swapped in as a whole.
//! A plugin the config uses that is refused, or a failing check, refuses the whole reload and
//! the running plugins keep going; batches in flight finish on the plugins they started with.

use super::{Live, Refusal};
use crate::check::{self, Level};
use crate::plugin::{HostOptions, PluginHost};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One plugin whose build changed: `id`, before and after as `version (sha256 prefix)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Plugin id.
    pub id: String,
    /// What ran before (none: new).
    pub before: Option<String>,
    /// What runs now (none: gone).
    pub after: Option<String>,
}

/// What a reload did.
#[derive(Debug, Clone, Serialize)]
pub struct Reloaded {
    /// The plugins that changed (empty: nothing to do, nothing swapped).
    pub changed: Vec<Change>,
    /// Folders refused that no flow uses (they stay out, as at start).
    pub refused: Vec<(String, String)>,
}

fn builds(host: &PluginHost) -> BTreeMap<String, String> {
    host.plugins()
        .map(|p| (p.manifest.id.clone(), format!("{} ({})", p.manifest.version, &p.sha256[..p.sha256.len().min(12)])))
        .collect()
}

impl Live {
    /// Read the plugins directory again and swap in what changed, or refuse it all.
    pub fn reload_plugins(&self) -> Result<Reloaded, Refusal> {
        let _one = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.engine();
        let config = current.config_shared();
        let options = HostOptions::from_config(
            &config,
            Some(current.queue().store().clone()),
            current.plugins().redactor().clone(),
        );
        let host = PluginHost::load(options).map_err(Refusal::invalid)?.with_metrics(current.metrics().clone());
        let used = |id: &str| {
            config.connections.values().any(|c| c.plugin == id) || config.transforms.values().any(|t| t.plugin == id)
        };
        if let Some(broken) = host.refused().iter().find(|r| used(&r.id)) {
            return Err(Refusal::invalid(format!(
                "plugin {} is refused: {}; the running plugins keep going",
                broken.id, broken.reason
            )));
        }
        let (before, after) = (builds(current.plugins()), builds(&host));
        let ids: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        let changed: Vec<Change> = ids
            .into_iter()
            .filter(|id| before.get(*id) != after.get(*id))
            .map(|id| Change { id: id.clone(), before: before.get(id).cloned(), after: after.get(id).cloned() })
            .collect();
        let refused = host.refused().iter().map(|r| (r.id.clone(), r.reason.clone())).collect();
        if changed.is_empty() {
            return Ok(Reloaded { changed, refused });
        }
        let engine =
            current.reconfigured(config, Arc::new(host), current.config_version()).map_err(Refusal::invalid)?;
        let findings = check::online(&engine);
        if let Some(error) = findings.iter().find(|f| f.level == Level::Error) {
            return Err(Refusal::Invalid {
                error: format!("{}: {}; the running plugins keep going", error.key, error.message),
                findings,
            });
        }
        for change in &changed {
            tracing::info!(plugin = %change.id, before = ?change.before, after = ?change.after, "plugin reloaded");
        }
        self.swap(engine);
        Ok(Reloaded { changed, refused })
    }
}
