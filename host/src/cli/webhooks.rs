//! `weft webhooks list|sync`: the app's webhook subscriptions next to the topics the configured
//! flows consume at `[server] public_url`, and the sync `weft serve` runs at start and every
//! `[server] webhook_check_every` (missing ones created, weft's moved or removed, others kept).

use super::shopify::client;
use crate::config::Config;
use crate::flow::base::block_on;
use crate::shopify::subscriptions;
use crate::subscriptions::{statuses, State};
use clap::Subcommand;
use std::process::ExitCode;

/// `weft webhooks ...`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Every subscription of the app with what a sync would do to it, and the topics missing.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The shop (`shopify`, or a `[shops.NAME]`); needed when there are several.
        #[arg(long)]
        shop: Option<String>,
    },
    /// Subscribe the missing topics at `[server] public_url`, move weft's subscriptions there,
    /// remove weft's that no flow consumes; subscriptions weft did not make are left alone.
    Sync {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The shop (`shopify`, or a `[shops.NAME]`); needed when there are several.
        #[arg(long)]
        shop: Option<String>,
    },
}

/// What `list` says of a subscription's state.
fn says(state: State) -> &'static str {
    match state {
        State::Kept => "ok",
        State::Moved => "sync moves it to the address",
        State::Removed => "sync removes it (no flow consumes it)",
        State::Foreign => "not weft's: left alone",
        State::Missing => "MISSING: sync subscribes it",
    }
}

/// Run a `webhooks` command.
pub fn run(cmd: WebhooksCommand, config: &Config) -> Result<ExitCode, String> {
    let (WebhooksCommand::List { shop: name, .. } | WebhooksCommand::Sync { shop: name, .. }) = &cmd;
    let (name, _) = config.chosen_shop(name.as_deref())?;
    let (client, shop) = client(config, Some(name))?;
    match cmd {
        WebhooksCommand::List { json, .. } => {
            let statuses = block_on(statuses(&client, config, name)).map_err(|e| format!("{shop}: {e}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&statuses).map_err(|e| e.to_string())?);
                return Ok(ExitCode::SUCCESS);
            }
            let mut t = super::table::Table::new(&["TOPIC", "STATE", "ADDRESS (NAME)"]);
            for l in &statuses.subscriptions {
                let name = l.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                t.row(vec![
                    l.topic.to_string(),
                    says(l.state).to_string(),
                    format!("{}{name}", l.uri.as_deref().unwrap_or("-")),
                ]);
            }
            t.print();
            match &statuses.address {
                Some(a) => println!("\nweft's address: {a} ([server] public_url)"),
                None => println!(
                    "\n[server] public_url is not set: weft serve keeps no subscriptions (orders arrive by polling)"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        WebhooksCommand::Sync { json, .. } => {
            let address = crate::subscriptions::address(config)
                .ok_or("[server] public_url is not set: weft does not know where Shopify should deliver")?;
            let topics = crate::subscriptions::topics(config, name);
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
