//! `weft webhooks list|sync`: the app's webhook subscriptions next to the topics the configured
//! flows consume at `[server] public_url`, and the sync `weft serve` runs at start and every
//! `[server] webhook_check_every` (missing ones created, weft's moved or removed, others kept).

use super::shopify::client;
use crate::config::Config;
use crate::flow::base::block_on;
use crate::shopify::subscriptions::{self, Change, Subscription};
use clap::Subcommand;
use serde::Serialize;
use std::collections::BTreeSet;
use std::process::ExitCode;

/// `weft webhooks ...`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Every subscription of the app with what a sync would do to it, and the topics missing.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Subscribe the missing topics at `[server] public_url`, move weft's subscriptions there,
    /// remove weft's that no flow consumes; subscriptions weft did not make are left alone.
    Sync {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// One topic's subscription as `list` shows it.
#[derive(Debug, Serialize)]
struct Line {
    topic: String,
    /// Where it delivers (none when missing).
    uri: Option<String>,
    name: Option<String>,
    state: State,
}

/// What a subscription is to weft, and what a sync does to it.
#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum State {
    /// weft's, consumed by a flow, delivering where it should.
    Kept,
    /// weft's, delivering elsewhere: a sync moves it to the address.
    Moved,
    /// weft's, but no flow consumes the topic (or it is a second one): a sync removes it.
    Removed,
    /// Not weft's: left alone.
    Foreign,
    /// Consumed by a flow and subscribed nowhere: a sync creates it.
    Missing,
}

impl State {
    fn says(self) -> &'static str {
        match self {
            State::Kept => "ok",
            State::Moved => "sync moves it to the address",
            State::Removed => "sync removes it (no flow consumes it)",
            State::Foreign => "not weft's: left alone",
            State::Missing => "MISSING: sync subscribes it",
        }
    }
}

/// Run a `webhooks` command.
pub fn run(cmd: WebhooksCommand, config: &Config) -> Result<ExitCode, String> {
    let (client, shop) = client(config)?;
    let address = crate::subscriptions::address(config);
    let wanted = crate::subscriptions::wanted(config);
    let topics: BTreeSet<&str> = wanted.keys().copied().collect();
    match cmd {
        WebhooksCommand::List { json } => {
            let current = block_on(subscriptions::list(&client)).map_err(|e| format!("{shop}: {e}"))?;
            let lines = lines(&current, &topics, address.as_deref());
            if json {
                let out = serde_json::json!({"address": address, "subscriptions": lines});
                println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("{:<32} {:<40} ADDRESS (NAME)", "TOPIC", "STATE");
            for l in &lines {
                let name = l.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                println!("{:<32} {:<40} {}{name}", l.topic, l.state.says(), l.uri.as_deref().unwrap_or("-"));
            }
            match &address {
                Some(a) => println!("\nweft's address: {a} ([server] public_url)"),
                None => println!(
                    "\n[server] public_url is not set: weft serve keeps no subscriptions (orders arrive by polling)"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        WebhooksCommand::Sync { json } => {
            let address =
                address.ok_or("[server] public_url is not set: weft does not know where Shopify should deliver")?;
            let report =
                block_on(subscriptions::sync(&client, &topics, &address)).map_err(|e| format!("{shop}: {e}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
            } else {
                println!("subscriptions at {}", report.address);
                for (what, topics) in [
                    ("kept", &report.kept),
                    ("created", &report.created),
                    ("moved", &report.moved),
                    ("removed", &report.removed),
                ] {
                    println!("  {what:<8} {}", if topics.is_empty() { "-".to_owned() } else { topics.join(", ") });
                }
                println!("  foreign  {} left alone", report.foreign.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Each subscription with its state, then each consumed topic subscribed nowhere. Without an
/// address, weft's subscriptions are judged by topic only.
fn lines(current: &[Subscription], topics: &BTreeSet<&str>, address: Option<&str>) -> Vec<Line> {
    let changes = address.map(|a| subscriptions::plan(current, topics, a)).unwrap_or_default();
    let changed = |id: &str| {
        changes.iter().find_map(|c| match c {
            Change::Move(i, _) if i == id => Some(State::Moved),
            Change::Remove(i, _) if i == id => Some(State::Removed),
            _ => None,
        })
    };
    let mut out: Vec<Line> = current
        .iter()
        .map(|s| {
            let state = match (s.ours(), changed(&s.id)) {
                (false, _) => State::Foreign,
                (true, Some(state)) => state,
                (true, None) if address.is_none() && !topics.contains(s.topic.as_str()) => State::Removed,
                (true, None) => State::Kept,
            };
            Line { topic: s.topic.clone(), uri: Some(s.uri.clone()), name: s.name.clone(), state }
        })
        .collect();
    let missing: Vec<String> = match address {
        Some(_) => changes
            .iter()
            .filter_map(|c| match c {
                Change::Create(topic) => Some(topic.clone()),
                _ => None,
            })
            .collect(),
        None => topics.iter().filter(|t| !current.iter().any(|s| s.topic == **t)).map(|t| (*t).to_owned()).collect(),
    };
    out.extend(missing.into_iter().map(|topic| Line { topic, uri: None, name: None, state: State::Missing }));
    out.sort_by(|a, b| a.topic.cmp(&b.topic));
    out
}
