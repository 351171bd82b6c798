//! `shopify-sim`: serve the Shopify simulator on an address.

use clap::Parser;
use shopify_sim::{Plan, Seed, SimConfig, Simulator};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A faithful Shopify Admin GraphQL simulator (see tests/shopify-sim/README.md).
#[derive(Parser)]
#[command(name = "shopify-sim", version)]
struct Cli {
    /// Address to listen on, e.g. 127.0.0.1:9100.
    #[arg(long)]
    listen: SocketAddr,
    /// Rate-limit plan: standard, advanced or plus.
    #[arg(long, default_value = "standard")]
    plan: String,
    /// Admin API access token clients must send (default: shpat_simulator_token).
    #[arg(long)]
    token: Option<String>,
    /// App secret that signs webhooks (default: simulator_webhook_secret).
    #[arg(long)]
    webhook_secret: Option<String>,
    /// JSON seed file with locations, products and customers.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// First webhook retry delay in milliseconds (doubles on each of 8 retries).
    #[arg(long, default_value_t = 1000)]
    webhook_retry_base_ms: u64,
    /// The shop's myshopify.com domain (one simulator per shop).
    #[arg(long)]
    shop_domain: Option<String>,
    /// The shop's currency (ISO 4217).
    #[arg(long)]
    shop_currency: Option<String>,
    /// Access scopes the token holds, comma separated (default: every scope the simulator uses).
    #[arg(long, value_delimiter = ',')]
    access_scopes: Option<Vec<String>>,
    /// JSONL lines per second bulk mutations process.
    #[arg(long)]
    bulk_mutation_lines_per_second: Option<f64>,
}

fn load_seed(path: &PathBuf) -> anyhow::Result<Seed> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read seed file {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("invalid seed file {}: {e}", path.display()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let cli = Cli::parse();
    let plan = Plan::by_name(&cli.plan)
        .ok_or_else(|| anyhow::anyhow!("unknown plan {:?}: use standard, advanced or plus", cli.plan))?;
    let mut config = SimConfig {
        listen: cli.listen,
        plan,
        webhook_retry_base: Duration::from_millis(cli.webhook_retry_base_ms),
        ..SimConfig::default()
    };
    if let Some(token) = cli.token {
        config.token = token;
    }
    if let Some(secret) = cli.webhook_secret {
        config.webhook_secret = secret;
    }
    if let Some(domain) = cli.shop_domain {
        config.shop_domain = domain;
    }
    if let Some(currency) = cli.shop_currency {
        config.shop_currency = currency;
    }
    if let Some(scopes) = cli.access_scopes {
        config.access_scopes = scopes;
    }
    if let Some(rate) = cli.bulk_mutation_lines_per_second {
        config.bulk_mutation_lines_per_second = rate;
    }
    if let Some(path) = &cli.seed {
        config.seed = load_seed(path)?;
    }
    let handle = Simulator::start(config).await?;
    println!("shopify-sim listening on {} (GraphQL at {})", handle.base_url(), handle.graphql_url("2026-04"));
    tokio::signal::ctrl_c().await?;
    Ok(())
}
