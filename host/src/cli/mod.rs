//! Command-line interface: argument parsing and dispatch to one module per command group.

mod backfill;
mod calls;
mod config;
mod demo;
mod engine;
mod explain;
mod init;
mod mapping;
mod onboard;
mod ops;
mod plugins;
mod reconcile;
mod remote;
mod revert;
mod run;
mod scaffold;
mod shadow;
mod shopify;
mod store;
mod table;
mod versions;
mod webhooks;

use crate::config::Config;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Default config file, used when it exists and `--config` is not given.
pub const DEFAULT_CONFIG: &str = "weft.toml";

/// weft: keeps a Shopify store and an ERP in sync through sandboxed Wasm plugins.
#[derive(Debug, Parser)]
#[command(name = "weft", version, about)]
pub struct Cli {
    /// Operator config file (TOML). Default: ./weft.toml if present, else built-in defaults.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Log filter (tracing env-filter syntax), overrides RUST_LOG.
    #[arg(long, global = true)]
    pub log: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect, test and call plugins.
    #[command(subcommand)]
    Plugins(plugins::PluginsCommand),
    /// Run the scheduler, workers and the HTTP server (webhooks, admin API) until SIGTERM.
    Serve,
    /// Inspect runs and their records.
    #[command(subcommand)]
    Runs(ops::RunsCommand),
    /// Inspect and retry dead-lettered jobs.
    #[command(subcommand)]
    Dlq(ops::DlqCommand),
    /// Pause, resume and inspect flow queues.
    #[command(subcommand)]
    Queue(ops::QueueCommand),
    /// The whole product on this machine: simulator + sample ERP export + every flow, then a summary.
    Demo(demo::DemoArgs),
    /// Explain a number weft pushed.
    #[command(subcommand)]
    Explain(explain::ExplainCommand),
    /// Run one flow now (not while `weft serve` runs): pull, push, report.
    Run(run::RunArgs),
    /// A flow's field mapping, and a live preview of what it would write for one record.
    #[command(subcommand)]
    Mapping(mapping::MappingCommand),
    /// Compare the ERP with Shopify (inventory, orders, customers), store a report; `--heal` corrects.
    Reconcile(reconcile::ReconcileArgs),
    /// Read a flow's shop orders placed since a date (history a new installation left out).
    Backfill(backfill::BackfillArgs),
    /// What connecting the ERP to the shop does to its catalog: linked, new, conflicts to decide.
    Onboard(onboard::OnboardArgs),
    /// Shadow-mode flows: compare what they would have written with the destination.
    #[command(subcommand)]
    Shadow(shadow::ShadowCommand),
    /// Write a commented weft.toml for a shop and an ERP connector (flags, no prompts).
    Init(init::InitArgs),
    /// Check the configuration for meaning (plugins, connections, the shop), every problem by key;
    /// list, show and roll back its saved versions.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// The shop as weft sees it: its locations.
    #[command(subcommand)]
    Shopify(shopify::ShopifyCommand),
    /// The shop's webhook subscriptions against what the flows consume; `sync` brings them in line.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// The store: sizes per table, pruning by `[retention]` now, moving between redb and PostgreSQL.
    #[command(subcommand)]
    Store(store::StoreCommand),
}

/// Send logs to stderr, filtered by `--log`, then RUST_LOG, then `info`.
pub fn init_logging(cli: &Cli) {
    let filter = cli.log.clone().or_else(|| std::env::var("RUST_LOG").ok()).unwrap_or_else(|| "info".into());
    let filter =
        tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}

/// Whether the command given (its innermost subcommand) was asked for `--json`: its error is
/// then printed as `{"error": "..."}` on stdout as well.
pub fn wants_json(matches: &clap::ArgMatches) -> bool {
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    leaf.try_get_one::<bool>("json").ok().flatten().copied().unwrap_or(false)
}

/// Run a parsed command line. `Err` is a message for the operator (exit status 2).
pub fn run(cli: Cli) -> Result<ExitCode, String> {
    if let Command::Init(args) = cli.command {
        return init::run(args);
    }
    if let Command::Config(cmd) = cli.command {
        let path = cli.config.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
        return config::run(cmd, &path);
    }
    let config = load_config(cli.config.as_deref())?;
    let config_path = cli.config.clone().or_else(|| Some(PathBuf::from(DEFAULT_CONFIG)).filter(|p| p.is_file()));
    match cli.command {
        Command::Plugins(cmd) => plugins::run(cmd, config),
        Command::Serve => crate::serve::Service::open(config, config_path)?.run().map(|()| ExitCode::SUCCESS),
        Command::Runs(ops::RunsCommand::Revert(args)) => revert::run(args, config),
        Command::Runs(cmd) => ops::runs(cmd, &config),
        Command::Dlq(cmd) => ops::dlq(cmd, &config),
        Command::Queue(cmd) => ops::queue(cmd, &config),
        Command::Explain(cmd) => explain::run(cmd, &config),
        Command::Run(args) => run::run(args, config),
        Command::Mapping(cmd) => mapping::run(cmd, config),
        Command::Reconcile(args) => reconcile::run(args, config),
        Command::Backfill(args) => backfill::run(args, &config),
        Command::Shadow(cmd) => shadow::run(cmd, config),
        Command::Demo(args) => demo::run(args),
        Command::Store(cmd) => store::run(cmd, &config),
        Command::Onboard(args) => onboard::run(args, config),
        Command::Shopify(cmd) => shopify::run(cmd, &config),
        Command::Webhooks(cmd) => webhooks::run(cmd, &config),
        Command::Config(_) | Command::Init(_) => Err("weft: internal dispatch error".into()),
    }
}

/// Open the configured store for a command (with PostgreSQL, the command is one more host of
/// the cluster while it runs).
fn open_store(config: &Config) -> Result<crate::store::Store, crate::store::StoreError> {
    let label = format!("weft cli (pid {})", std::process::id());
    let location = config.store.location(&label).map_err(crate::store::StoreError::Other)?;
    crate::store::Store::connect(&location)
}

fn load_config(path: Option<&Path>) -> Result<Config, String> {
    match path {
        Some(path) => Config::load(path).map_err(|e| e.to_string()),
        None if Path::new(DEFAULT_CONFIG).is_file() => {
            Config::load(Path::new(DEFAULT_CONFIG)).map_err(|e| e.to_string())
        }
        None => Ok(Config::default()),
    }
}
