//! `weft init`: a commented `weft.toml` for a shop and an ERP connector, from flags (no
//! prompts). Secrets are read from environment variables the file names; nothing secret is
//! written. Then `weft shopify locations` and `weft config check` say what is left to do.

use clap::Args;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The flows `--flows` may name, in the order they are written.
const FLOWS: &[&str] = &["catalog", "inventory", "prices", "customers", "orders", "external-orders", "fulfillments"];

/// `weft init ...`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shop's domain (`name.myshopify.com`).
    #[arg(long)]
    pub shop: String,
    /// The ERP connector plugin: `tryton`, `file-feed`, `http-erp-py`, or another plugin's id.
    #[arg(long, default_value = "tryton")]
    pub erp: String,
    /// The ERP's address (Tryton's JSON-RPC root, an HTTP ERP's API root).
    #[arg(long, default_value = "http://127.0.0.1:8000")]
    pub erp_url: String,
    /// Tryton's database.
    #[arg(long, default_value = "weft")]
    pub erp_database: String,
    /// The exchange folder of the file-feed connector (exports in `in/`, orders to `out/`).
    #[arg(long, default_value = "./erp-exchange")]
    pub erp_dir: PathBuf,
    /// Flows to write, comma-separated: catalog, inventory, prices, customers, orders,
    /// external-orders, fulfillments.
    #[arg(long, value_delimiter = ',', default_value = "catalog,inventory,orders")]
    pub flows: Vec<String>,
    /// ERP warehouse → Shopify location id for the inventory flow (`WH-EAST=gid://shopify/Location/1`),
    /// repeatable; `weft shopify locations` lists the ids.
    #[arg(long = "location", value_name = "ERP=GID")]
    pub locations: Vec<String>,
    /// The address Shopify delivers webhooks to (`https://weft.example.com`); `weft serve`
    /// subscribes the topics its flows consume there.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Admin API base URL instead of `https://{shop}` (the simulator).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Where `weft serve` listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Where the plugins are (one folder per plugin, built by `plugins/build.sh`).
    #[arg(long, default_value = "./target/plugins")]
    pub plugins_dir: PathBuf,
    /// The file to write.
    #[arg(long, default_value = "weft.toml")]
    pub out: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Print what was written and the next steps as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Run `weft init`.
pub fn run(args: InitArgs) -> Result<ExitCode, String> {
    if args.out.exists() && !args.force {
        return Err(format!("{} exists; --force overwrites it", args.out.display()));
    }
    let text = render(&args)?;
    // The file must load: a template that does not is a bug here, not the operator's.
    crate::config::Config::parse(&text, &args.out)
        .map_err(|e| format!("weft init would write an invalid config: {e}"))?;
    std::fs::write(&args.out, &text).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    let cfg = args.out.display();
    let mut next =
        vec![format!("export SHOPIFY_ACCESS_TOKEN=... SHOPIFY_WEBHOOK_SECRET=...{}", secret_hint(&args.erp))];
    if args.flows.iter().any(|f| f == "inventory") && args.locations.is_empty() {
        next.push(format!("weft --config {cfg} shopify locations      # then fill in [flows.inventory] locations"));
    }
    next.push(format!("weft --config {cfg} config check"));
    next.push(format!("weft --config {cfg} serve"));
    if args.json {
        println!("{}", serde_json::json!({"wrote": args.out, "flows": args.flows, "next": next}));
        return Ok(ExitCode::SUCCESS);
    }
    println!("wrote {cfg}");
    println!("next:");
    for step in next {
        println!("  {step}");
    }
    Ok(ExitCode::SUCCESS)
}

fn secret_hint(erp: &str) -> &'static str {
    match erp {
        "tryton" => " TRYTON_PASSWORD=...",
        "file-feed" => "",
        _ => " ERP_TOKEN=...",
    }
}

/// The whole file.
fn render(args: &InitArgs) -> Result<String, String> {
    if let Some(unknown) = args.flows.iter().find(|f| !FLOWS.contains(&f.as_str())) {
        return Err(format!("--flows: no flow `{unknown}` (known: {})", FLOWS.join(", ")));
    }
    let locations = location_map(&args.locations)?;
    let mut out = String::new();
    let w = &mut out;
    let _ =
        writeln!(w, "# weft: {} <-> the ERP through the `{}` connector. Written by `weft init`.", args.shop, args.erp);
    let _ = writeln!(
        w,
        "# Every key is described in README.md (\"Flow keys by object\"); `weft config check` checks it.\n"
    );
    let _ = writeln!(w, "[store]\n# The embedded database: jobs, ledger, id map, runs. Back this directory up.\npath = \"./weft-data\"\n");
    let _ = writeln!(
        w,
        "[server]\n# Webhooks, the admin API (/api), /metrics and the dashboard (/).\nlisten = {}",
        quoted(&args.listen)
    );
    match &args.public_url {
        Some(url) => {
            let _ = writeln!(w, "# Shopify delivers webhooks to {{public_url}}/webhooks/shopify; `weft serve` keeps the subscriptions.\npublic_url = {}", quoted(url));
        }
        None => {
            let _ = writeln!(
                w,
                "# public_url = \"https://weft.example.com\"   # without it, orders arrive by polling only"
            );
        }
    }
    let _ = writeln!(w, "# admin_token = {{ env = \"WEFT_ADMIN_TOKEN\" }}   # required beyond loopback\n");
    let _ = writeln!(w, "[shopify]\nshop = {}\napi_version = \"2026-04\"", quoted(&args.shop));
    if let Some(endpoint) = &args.endpoint {
        let _ = writeln!(w, "endpoint = {}", quoted(endpoint));
    }
    let _ = writeln!(w, "# The Admin API token of the shop's custom app, and the secret that signs its webhooks.");
    let _ = writeln!(
        w,
        "access_token = {{ env = \"SHOPIFY_ACCESS_TOKEN\" }}\nwebhook_secret = {{ env = \"SHOPIFY_WEBHOOK_SECRET\" }}"
    );
    let _ = writeln!(
        w,
        "# After rotating the app's secret, keep the old one here for 4 h (Shopify's retries):\n# previous_webhook_secret = {{ env = \"SHOPIFY_WEBHOOK_SECRET_PREVIOUS\" }}\n"
    );
    let _ = writeln!(
        w,
        "[plugins]\n# One folder per plugin (plugin.wasm + plugin.toml), built by plugins/build.sh.\ndir = {}\n",
        quoted(&args.plugins_dir.display().to_string())
    );
    connection(w, args);
    let chosen = |f: &str| args.flows.iter().any(|g| g == f);
    for flow in FLOWS.iter().filter(|f| chosen(f)) {
        flow_section(w, flow, &locations);
        if *flow == "prices" && chosen("catalog") {
            // The catalog flow writes the base price; exactly one flow may.
            let _ = writeln!(
                w,
                "base_price = false               # the catalog flow writes the variant price; this one price lists\n"
            );
        }
    }
    let _ =
        writeln!(w, "[retention]\n# How long what grows is kept (defaults shown); `weft store stats` shows the sizes.");
    let _ = writeln!(w, "# webhook_receipts = \"48h\"   # at least Shopify's 4h redelivery window\n# runs = \"30d\"\n# superseded_ledger = \"30d\"");
    Ok(out)
}

fn location_map(given: &[String]) -> Result<BTreeMap<String, String>, String> {
    given
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((erp, gid)) if !erp.is_empty() && !gid.is_empty() => Ok((erp.to_owned(), gid.to_owned())),
            _ => Err(format!("--location {pair:?}: expected ERP=gid://shopify/Location/N")),
        })
        .collect()
}

/// `host:port` of an URL, for `allow_hosts`.
fn authority(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("--erp-url {url:?}: {e}"))?;
    let host = parsed.host_str().ok_or_else(|| format!("--erp-url {url:?} has no host"))?;
    Ok(format!("{host}:{}", parsed.port_or_known_default().unwrap_or(443)))
}

fn connection(w: &mut String, args: &InitArgs) {
    let _ = writeln!(w, "[connections.erp]\nplugin = {}", quoted(&args.erp));
    match args.erp.as_str() {
        "file-feed" => {
            let _ = writeln!(w, "# Exports are read from <directory>/in, orders written to <directory>/out.");
            let _ = writeln!(
                w,
                "directory = {}\nconfig = {{ inbox = \"in\", outbox = \"out\", currency = \"USD\" }}\n",
                quoted(&args.erp_dir.display().to_string())
            );
        }
        other => {
            let allow = authority(&args.erp_url).unwrap_or_else(|_| "erp.example.com:443".into());
            let _ = writeln!(
                w,
                "# The ERP's host:port, granted to the plugin (its manifest must ask for it too).\nallow_hosts = [{}]",
                quoted(&allow)
            );
            if other == "tryton" {
                let _ = writeln!(
                    w,
                    "config = {{ url = {}, database = {}, user = \"admin\" }}",
                    quoted(&args.erp_url),
                    quoted(&args.erp_database)
                );
                let _ = writeln!(w, "secrets = {{ password = {{ env = \"TRYTON_PASSWORD\" }} }}\n");
            } else {
                let _ = writeln!(w, "# The keys the plugin reads: `weft plugins inspect {other}`.");
                let _ = writeln!(
                    w,
                    "config = {{ base_url = {} }}\nsecrets = {{ token = {{ env = \"ERP_TOKEN\" }} }}\n",
                    quoted(&args.erp_url)
                );
            }
        }
    }
}

fn flow_section(w: &mut String, flow: &str, locations: &BTreeMap<String, String>) {
    let head = |w: &mut String, comment: &str, from: &str, to: &str, object: &str, trigger: &str| {
        let _ = writeln!(
            w,
            "# {comment}\n[flows.{flow}]\nfrom = \"{from}\"\nto = \"{to}\"\nobject = \"{object}\"\ntrigger = {trigger}"
        );
    };
    match flow {
        "catalog" => {
            head(
                w,
                "Products and variants, ERP -> Shopify (productSet). Existing products are linked by SKU first.",
                "erp",
                "shopify",
                "product",
                "{ every = \"5m\" }",
            );
            let _ =
                writeln!(w, "identity = \"sku\"                 # or barcode: how variants are matched in the shop");
            let _ = writeln!(
                w,
                "# mapping = {{ tags = \"erp.category + ',' + erp.brand\" }}\n# ownership = {{ tags = \"erp\" }}\n"
            );
        }
        "inventory" => {
            head(
                w,
                "Stock, ERP -> Shopify: available = the formula, per mapped location.",
                "erp",
                "shopify",
                "inventory",
                "{ every = \"1m\" }",
            );
            let _ = writeln!(w, "available = \"on_hand - reserved - safety_stock\"");
            let map: Vec<String> = locations.iter().map(|(k, v)| format!("{} = {}", quoted(k), quoted(v))).collect();
            if map.is_empty() {
                let _ = writeln!(w, "# ERP warehouse -> Shopify location id: `weft shopify locations` lists the ids.");
            }
            let _ = writeln!(w, "locations = {{ {} }}\n", map.join(", "));
        }
        "prices" => {
            head(
                w,
                "Prices, ERP -> Shopify (variant price and compare-at price, in the shop's currency).",
                "erp",
                "shopify",
                "price",
                "{ every = \"5m\" }",
            );
            let _ =
                writeln!(w, "# channel = \"online\"   # with [flows.prices.channels.online] price_list = \"WEB\"\n");
        }
        "customers" => {
            head(
                w,
                "Customers, ERP -> Shopify, matched by e-mail.",
                "erp",
                "shopify",
                "customer",
                "{ every = \"5m\" }",
            );
            let _ = writeln!(w);
        }
        "orders" => {
            head(
                w,
                "Shop orders, Shopify -> ERP: by webhook, with polling as the safety net.",
                "shopify",
                "erp",
                "order",
                "{ webhook = true, every = \"10m\" }",
            );
            let _ = writeln!(w);
        }
        "external-orders" => {
            head(
                w,
                "Orders taken elsewhere (marketplace, phone, B2B), ERP -> Shopify, once per order.",
                "erp",
                "shopify",
                "order",
                "{ every = \"2m\" }",
            );
            let _ = writeln!(w, "inventory_behaviour = \"bypass\"\n");
        }
        _ => {
            head(
                w,
                "Shipments, ERP -> Shopify (fulfillments with tracking).",
                "erp",
                "shopify",
                "fulfillment",
                "{ every = \"5m\" }",
            );
            let _ = writeln!(w);
        }
    }
}
