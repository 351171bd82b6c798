//! Config versions and plugins applied to a running `weft serve` without a restart.
//!
//! [`Live`] holds the engine the workers and the admin API use. A worker takes it once per
//! batch, so a batch in flight finishes on the engine it started with and the next one takes
//! the new one. A change — an edit from the dashboard ([`edit`]), a rollback, reloaded plugins —
//! is checked exactly as `weft config check` checks a file (a refused change is never written),
//! may only touch what applies while running ([`hot`]), is written to the config file through a
//! format-preserving editor, recorded as a numbered version in the store (who, when, why, the
//! whole text without its secrets: [`scrub`]) and then swapped in as a whole: never half-applied.

pub mod diff;
pub mod edit;
pub mod hot;
mod plugins;
mod scrub;

use crate::check::{self, Level};
use crate::config::{rules_digests, Config};
use crate::flow::FlowEngine;
use crate::redact::Redactor;
use crate::store::{ConfigVersion, Store};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

pub use plugins::Reloaded;
pub use scrub::scrub;

/// Why a change was not applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refusal {
    /// The change does not check (its findings; nothing written).
    Invalid {
        /// What is wrong.
        error: String,
        /// Every finding of the check, worst first.
        findings: Vec<check::Finding>,
    },
    /// Someone or something changed the config first (another save, a hand edit of the file).
    Conflict {
        /// What changed.
        error: String,
    },
    /// No such version.
    NotFound {
        /// What was asked for.
        error: String,
    },
    /// The store or the file cannot be used, or serve runs without a config file.
    Unavailable {
        /// Why.
        error: String,
    },
}

impl Refusal {
    fn invalid(error: impl Into<String>) -> Refusal {
        Refusal::Invalid { error: error.into(), findings: Vec::new() }
    }

    /// The message for a person.
    pub fn message(&self) -> &str {
        match self {
            Refusal::Invalid { error, .. }
            | Refusal::Conflict { error }
            | Refusal::NotFound { error }
            | Refusal::Unavailable { error } => error,
        }
    }
}

/// A version saved and running.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// The new version's number.
    pub version: u64,
    /// What changed from the version before, line by line.
    pub diff: Vec<diff::Line>,
}

/// The engine in use and how to change it.
pub struct Live {
    engine: RwLock<Arc<FlowEngine>>,
    /// The config file (none when serve runs on the defaults).
    path: Option<PathBuf>,
    /// One change at a time.
    changing: Mutex<()>,
    /// The secrets kept out of stored and shown texts.
    redactor: Redactor,
    /// This host's file as it last read or wrote it (scrubbed): a file that differs was edited
    /// by hand. (Hosts sharing a store run the same versions from files of their own.)
    expected: Mutex<String>,
    /// A version saved by another host that this one could not take in (not tried again).
    refused: Mutex<Option<u64>>,
}

/// A change to the config file, before it is applied.
pub struct Edited {
    /// The running version (its text as stored: without secrets).
    pub running: ConfigVersion,
    /// The file's text now.
    pub current: String,
    /// The file's text with the change.
    pub text: String,
}

fn store_error(e: crate::store::StoreError) -> Refusal {
    Refusal::Unavailable { error: e.to_string() }
}

impl Live {
    /// Serve `engine`, whose config was read from `path`: the file's text becomes the newest
    /// version unless it already is (author `file`), and the engine runs under that number.
    pub fn start(engine: FlowEngine, path: Option<PathBuf>, now_ms: u64) -> Result<Live, String> {
        let redactor = engine.plugins().redactor().clone();
        let (engine, expected) = match &path {
            Some(file) => {
                let text = scrub(&read(file).map_err(|r| r.message().to_owned())?, &redactor);
                let number = recorded(engine.queue().store(), &text, now_ms).map_err(|r| r.message().to_owned())?;
                tracing::info!(version = number, "config version {number} running");
                (engine.with_config_version(Some(number)), text)
            }
            None => (engine, String::new()),
        };
        Ok(Live {
            engine: RwLock::new(Arc::new(engine)),
            path,
            changing: Mutex::new(()),
            redactor,
            expected: Mutex::new(expected),
            refused: Mutex::new(None),
        })
    }

    fn expected(&self) -> String {
        self.expected.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_expected(&self, text: &str) {
        *self.expected.lock().unwrap_or_else(|p| p.into_inner()) = self.scrubbed(text);
    }

    /// `text` as stored and shown: without secrets.
    pub fn scrubbed(&self, text: &str) -> String {
        scrub(text, &self.redactor)
    }

    /// The engine to use now (a batch keeps it until it ends).
    pub fn engine(&self) -> Arc<FlowEngine> {
        self.engine.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn swap(&self, engine: FlowEngine) {
        *self.engine.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(engine);
    }

    fn path(&self) -> Result<&Path, Refusal> {
        self.path.as_deref().ok_or_else(|| Refusal::Unavailable {
            error: "weft serve runs without a config file (give --config or create weft.toml): nothing to edit".into(),
        })
    }

    /// Version `number`.
    pub fn version(&self, number: u64) -> Result<ConfigVersion, Refusal> {
        self.engine()
            .queue()
            .store()
            .config_version(number)
            .map_err(store_error)?
            .ok_or_else(|| Refusal::NotFound { error: format!("no config version {number}") })
    }

    /// The running version, with this host's file as its text (scrubbed).
    pub fn running(&self) -> Result<ConfigVersion, Refusal> {
        self.path()?;
        let engine = self.engine();
        let number =
            engine.config_version().ok_or_else(|| Refusal::Unavailable { error: "no config version runs".into() })?;
        let version =
            engine.queue().store().config_version(number).map_err(store_error)?.ok_or_else(|| {
                Refusal::Unavailable { error: format!("config version {number} is not in the store") }
            })?;
        Ok(ConfigVersion { text: self.expected(), ..version })
    }

    /// The file's text with `edits` applied (refused when the file was changed by hand since
    /// the running version was applied).
    pub fn edited(&self, edits: &[edit::Edit]) -> Result<Edited, Refusal> {
        let running = self.running()?;
        let current = read(self.path()?)?;
        if self.scrubbed(&current) != running.text {
            return Err(Refusal::Conflict {
                error: format!(
                    "{} was changed outside weft since version {} was applied; restart `weft serve` to take the file in (its text becomes a new version) before editing here",
                    self.path()?.display(),
                    running.number
                ),
            });
        }
        let text = edit::apply(&current, edits).map_err(Refusal::invalid)?;
        Ok(Edited { running, current, text })
    }

    /// The findings of the values check of `text` (fast: for inline validation while editing).
    pub fn values(&self, text: &str) -> Result<Vec<check::Finding>, Refusal> {
        let config = self.parse(text)?;
        Ok(check::values(&config))
    }

    fn parse(&self, text: &str) -> Result<Config, Refusal> {
        Config::parse_unchecked(text, self.path()?).map_err(|e| Refusal::invalid(e.to_string()))
    }

    /// An engine on `text` beside the running one (not swapped in), for a preview of an edit.
    pub fn candidate(&self, text: &str) -> Result<FlowEngine, Refusal> {
        let config = self.parse(text)?;
        if let Some((key, reason)) = config.problems().into_iter().next() {
            return Err(Refusal::Invalid {
                error: format!("{key}: {reason}"),
                findings: vec![check::Finding::new(Level::Error, key, reason)],
            });
        }
        let running = self.engine();
        running.reconfigured(Arc::new(config), running.plugins_shared(), None).map_err(Refusal::invalid)
    }

    /// Save `edits` as a new version (when `base`, only if it is still the running one) and run it.
    pub fn save(
        &self,
        edits: &[edit::Edit],
        base: Option<u64>,
        author: &str,
        comment: &str,
        now_ms: u64,
    ) -> Result<Applied, Refusal> {
        let _one = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let edited = self.edited(edits)?;
        if let Some(base) = base.filter(|b| *b != edited.running.number) {
            return Err(Refusal::Conflict {
                error: format!(
                    "version {} was saved since you started from version {base}: reload and edit again",
                    edited.running.number
                ),
            });
        }
        let version = ConfigVersion {
            number: 0,
            author: author.into(),
            saved_ms: now_ms,
            comment: comment.into(),
            restores: None,
            text: String::new(),
        };
        self.apply(&edited, version)
    }

    /// Run a new version whose keys that apply while running are version `number`'s (the rest
    /// of the file, secrets included, stays as it is).
    pub fn rollback(&self, number: u64, author: &str, comment: &str, now_ms: u64) -> Result<Applied, Refusal> {
        let _one = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.edited(&[])?.current;
        let store = self.engine().queue().store().clone();
        let old = store
            .config_version(number)
            .map_err(store_error)?
            .ok_or_else(|| Refusal::NotFound { error: format!("no config version {number}") })?;
        let comment =
            if comment.trim().is_empty() { format!("rollback to version {number}") } else { comment.to_owned() };
        let version = ConfigVersion {
            number: 0,
            author: author.into(),
            saved_ms: now_ms,
            comment,
            restores: Some(number),
            text: String::new(),
        };
        let edits = edit::restoring(&current, &old.text).map_err(Refusal::invalid)?;
        self.apply(&self.edited(&edits)?, version)
    }

    /// Check the edited text as `weft config check` does, write the file, record it as
    /// `version` (without secrets) and swap the engine; the file is put back when the store
    /// refuses the version.
    fn apply(&self, edited: &Edited, version: ConfigVersion) -> Result<Applied, Refusal> {
        let Edited { running, current, text } = edited;
        let path = self.path()?;
        let engine = self.checked(current, text)?;
        write(path, text)?;
        let version = ConfigVersion { text: self.scrubbed(text), ..version };
        let store = engine.queue().store();
        let number = match store.add_config_version(&version, Some(running.number)) {
            Ok(Some(number)) => number,
            failed => {
                write(path, current)?;
                return Err(match failed {
                    Err(e) => store_error(e),
                    _ => Refusal::Conflict {
                        error: "another host saved a config version first: reload and edit again".into(),
                    },
                });
            }
        };
        tracing::info!(version = number, author = %version.author, comment = %version.comment, "config version {number} running");
        self.set_expected(text);
        self.swap(engine.with_config_version(Some(number)));
        Ok(Applied { version: number, diff: diff::lines(&running.text, &version.text) })
    }

    /// Take in the newest version when another host saved it: its keys that apply while running
    /// are put into this host's file (the rest of the file stays this host's) and run under its
    /// number. Returns the version taken in, if any. A version that does not check here is
    /// refused once, logged, and this host keeps running what it runs.
    pub fn follow(&self) -> Result<Option<u64>, Refusal> {
        let Some(running) = self.engine().config_version() else { return Ok(None) };
        let store = self.engine().queue().store().clone();
        let Some(newest) = store.config_versions(1).map_err(store_error)?.pop() else { return Ok(None) };
        let refused = *self.refused.lock().unwrap_or_else(|p| p.into_inner());
        if newest.number <= running || refused == Some(newest.number) {
            return Ok(None);
        }
        let _one = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let taken: Result<u64, Refusal> = (|| {
            let edits = edit::restoring(&read(self.path()?)?, &newest.text).map_err(Refusal::invalid)?;
            let Edited { current, text, .. } = self.edited(&edits)?;
            let engine = if text == current {
                // Nothing of it changes here: the same engine under the new number.
                let now = self.engine();
                now.reconfigured(now.config_shared(), now.plugins_shared(), Some(newest.number))
                    .map_err(Refusal::invalid)?
            } else {
                let engine = self.checked(&current, &text)?;
                write(self.path()?, &text)?;
                self.set_expected(&text);
                engine.with_config_version(Some(newest.number))
            };
            self.swap(engine);
            Ok(newest.number)
        })();
        match taken {
            Ok(number) => {
                tracing::info!(version = number, author = %newest.author, comment = %newest.comment, "config version {number} (saved by another host) running");
                Ok(Some(number))
            }
            Err(refusal) => {
                tracing::error!(
                    version = newest.number,
                    "config version {} saved by another host is not taken in here: {}",
                    newest.number,
                    refusal.message()
                );
                *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(newest.number);
                Err(refusal)
            }
        }
    }

    /// An engine on `text` (the file's `current` text changed) when it checks as `weft config
    /// check` checks a file and changes only what applies while running.
    fn checked(&self, current: &str, text: &str) -> Result<FlowEngine, Refusal> {
        hot::check(current, text).map_err(Refusal::invalid)?;
        let config = self.parse(text)?;
        let engine_now = self.engine();
        let mut built = None;
        let report = check::everything(config, |config| {
            let engine = engine_now.reconfigured(Arc::new(config), engine_now.plugins_shared(), None)?;
            let findings = check::online(&engine);
            built = Some(engine);
            Ok(findings)
        });
        let worst = report.findings.iter().find(|f| matches!(f.level, Level::Error | Level::Unverified));
        if let Some(worst) = worst {
            return Err(Refusal::Invalid {
                error: format!("the change does not check ({}: {}); nothing was saved", worst.key, worst.message),
                findings: report.findings,
            });
        }
        built.ok_or_else(|| Refusal::invalid("the change does not check"))
    }
}

/// The newest version's number when `text` (the file at start) has its keys that apply while
/// running (a host's own address or schedule is no new version: hosts sharing a store differ
/// there), else a new version of `text`.
fn recorded(store: &Store, text: &str, now_ms: u64) -> Result<u64, Refusal> {
    // Twice at most: another host starting on the same database may record it first.
    for _ in 0..2 {
        let newest = store.config_versions(1).map_err(store_error)?.pop();
        if let Some(newest) =
            newest.as_ref().filter(|v| v.text == text || rules_digests(&v.text) == rules_digests(text))
        {
            return Ok(newest.number);
        }
        let comment = match &newest {
            Some(v) => format!("the file differs from version {} at start", v.number),
            None => "the file at the first start".to_owned(),
        };
        let version = ConfigVersion {
            number: 0,
            author: "file".into(),
            saved_ms: now_ms,
            comment,
            restores: None,
            text: text.to_owned(),
        };
        if let Some(number) = store.add_config_version(&version, newest.map(|v| v.number)).map_err(store_error)? {
            return Ok(number);
        }
    }
    Err(Refusal::Conflict { error: "config versions keep changing under this start".into() })
}

fn read(path: &Path) -> Result<String, Refusal> {
    std::fs::read_to_string(path)
        .map_err(|e| Refusal::Unavailable { error: format!("cannot read {}: {e}", path.display()) })
}

/// Replace the file's content at once (a sibling written, then renamed over it).
fn write(path: &Path, text: &str) -> Result<(), Refusal> {
    let failed = |e: std::io::Error| Refusal::Unavailable { error: format!("cannot write {}: {e}", path.display()) };
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".weft-saving");
    let sibling = path.with_file_name(name);
    std::fs::write(&sibling, text).map_err(failed)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&sibling, meta.permissions()).map_err(failed)?;
    }
    std::fs::rename(&sibling, path).map_err(failed)
}
