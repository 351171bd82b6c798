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
        /// The shop (`shopify`, or a `[shops.NAME]`); needed when there are several.
        #[arg(long)]
        shop: Option<String>,
    },
}

/// Run a `shopify` command.
pub fn run(cmd: ShopifyCommand, config: &Config) -> Result<ExitCode, String> {
    let ShopifyCommand::Locations { json, shop } = cmd;
    let (client, shop) = client(config, shop.as_deref())?;
    let found = block_on(locations(&client)).map_err(|e| format!("{shop}: {e}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&found).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = super::table::Table::new(&["ID", "NAME", "ACTIVE", "PLACE"]);
    for l in &found {
        t.row(vec![l.id.clone(), l.name.clone(), if l.active { "yes" } else { "no" }.into(), l.place.to_string()]);
    }
    t.print();
    println!(
        "\nmap ERP warehouses to them in an inventory flow: locations = {{ \"WH-EAST\" = \"{}\" }}",
        found.first().map(|l| l.id.as_str()).unwrap_or("gid://shopify/Location/1")
    );
    Ok(ExitCode::SUCCESS)
}

/// A client of shop `name` (or of the only shop), and the shop's domain (for messages).
pub(super) fn client(config: &Config, name: Option<&str>) -> Result<(ShopifyClient, String), String> {
    let (name, shop) = config.chosen_shop(name)?;
    let key = |k: &str| crate::config::shops::shop_key(name, k);
    let token = shop.access_token.load().map_err(|e| format!("{}: {e}", key("access_token")))?;
    let client = ShopifyClient::new(ClientConfig::new(&shop.endpoint_url(), &shop.api_version, token))
        .map_err(|e| e.to_string())?;
    Ok((client, shop.shop.clone()))
}
