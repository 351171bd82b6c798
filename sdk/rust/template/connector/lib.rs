//! {{id}}: a weft connector in Rust for an HTTP/JSON API.
//!
//! It pulls products from `GET {base_url}/products?limit=N&after=ID`, which answers
//! `{"items": [{"id", "sku", "name"}], "next": ID | null}`, with a bearer token.
//!
//! Build: plugins/build.sh OUT PARENT   (wasm32-wasip2; the first build takes about a minute)
//! Test:  weft plugins test OUT/{{id}}   (the conformance suite against weft-test.toml's canned HTTP)
use serde::Deserialize;
use weft_sdk::prelude::*;

/// One product as the API sends it.
#[derive(Deserialize)]
struct Item {
    id: String,
    sku: Option<String>,
    name: String,
}

/// One page of the API.
#[derive(Deserialize)]
struct Items {
    items: Vec<Item>,
    next: Option<String>,
}

/// `GET {base_url}{path}` with the token, parsed; HTTP errors become the plugin error they mean.
fn get<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, PluginError> {
    let base = config::require("base_url")?;
    let token = secrets::require("token")?;
    http::get_json(&format!("{}{path}", base.trim_end_matches('/')), &token)
}

/// The canonical record of one API item: required fields as arguments, the rest by name.
fn product(item: Item) -> Record {
    let mut variant = Variant::new(&item.id);
    if let Some(sku) = &item.sku {
        variant = variant.sku(sku);
    }
    let mut product = Product::new(&item.id, item.name).variant(variant);
    if let Some(sku) = item.sku {
        product = product.sku(sku);
    }
    product.into()
}

struct Plugin;

impl Connector for Plugin {
    fn describe() -> PluginInfo {
        let mut info = PluginInfo::new("{{id}}", env!("CARGO_PKG_VERSION"), "Pulls products from an HTTP/JSON API");
        info.entities = vec![EntitySupport { entity: Entity::Product, direction: Direction::Pull }];
        info.config_keys =
            vec![ConfigKey { name: "base_url".into(), required: true, description: "the API root".into() }];
        info.secrets = vec!["token".into()];
        info
    }

    fn check() -> Result<(), PluginError> {
        get::<Items>("/products?limit=1").map(drop)
    }

    fn pull(entity: Entity, cursor: Option<String>, limit: u32) -> Result<Page, PluginError> {
        if entity != Entity::Product {
            return Err(PluginError::Permanent(format!("pull of {entity:?} is not supported")));
        }
        // The API pages by its own `after` token: `cursor::paged` fills weft pages of at most
        // `limit` from its pages and keeps where it stands in the cursor.
        cursor::paged(cursor.as_deref(), limit, |after| {
            let after = after.map(|a| format!("&after={}", http::encode(a))).unwrap_or_default();
            let page: Items = get(&format!("/products?limit={limit}{after}"))?;
            Ok((page.items.into_iter().map(product).collect(), page.next))
        })
    }
}

weft_sdk::export_connector!(Plugin);
