//! `weft shopify locations [--json]`: the shop's locations with their ids, for the
//! `locations` maps of inventory flows.

use crate::config::Config;
use crate::flow::base::block_on;
use crate::shopify::shop::locations;
use crate::shopify::{ClientConfig, ShopifyClient};
use clap::Subcommand;
use std::process::ExitCode;

/// `weft shopify ...`
#[derive(Debug, Subcommand)]
pub enum ShopifyCommand {
    /// The shop's locations: id, name, whether active, where.
    Locations {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Run a `shopify` command.
pub fn run(cmd: ShopifyCommand, config: &Config) -> Result<ExitCode, String> {
    let ShopifyCommand::Locations { json } = cmd;
    let shop = config.shopify.as_ref().ok_or("the config has no [shopify] section")?;
    let token = shop.access_token.load().map_err(|e| format!("shopify.access_token: {e}"))?;
    let client = ShopifyClient::new(ClientConfig::new(&shop.endpoint_url(), &shop.api_version, token))
        .map_err(|e| e.to_string())?;
    let found = block_on(locations(&client)).map_err(|e| format!("{}: {e}", shop.shop))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&found).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<34} {:<28} {:<8} PLACE", "ID", "NAME", "ACTIVE");
    for l in &found {
        println!("{:<34} {:<28} {:<8} {}", l.id, l.name, if l.active { "yes" } else { "no" }, l.place);
    }
    println!(
        "\nmap ERP warehouses to them in an inventory flow: locations = {{ \"WH-EAST\" = \"{}\" }}",
        found.first().map(|l| l.id.as_str()).unwrap_or("gid://shopify/Location/1")
    );
    Ok(ExitCode::SUCCESS)
}
