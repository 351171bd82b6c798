//! A connector that misbehaves on purpose, to prove the sandbox contains it.
//! Config `mode` selects the behaviour of `check()` (and `pull()` for `oversized`):
//! `ok`, `loop`, `memory`, `recursion`, `trap`, `http` (GET config `url`), `oversized`
//! (a page of config `size` MiB), `secret-leak` (logs, prints and returns the secret `token`),
//! `chatty` (1,000 log lines and 1,000 stdout lines per call).

use std::hint::black_box;
use weft_sdk::prelude::*;

struct Hostile;

/// Recursion on the Wasm stack itself (scalar arguments live in Wasm locals, not in the
/// shadow stack in linear memory); `black_box` keeps it from being turned into a loop.
fn recurse(n: u64) -> u64 {
    if black_box(n) == u64::MAX {
        return 0;
    }
    black_box(recurse(black_box(n + 1))) ^ n
}

fn mode() -> String {
    config::get("mode").unwrap_or_else(|| "ok".into())
}

impl Connector for Hostile {
    fn describe() -> PluginInfo {
        let mut info = PluginInfo::new("hostile", env!("CARGO_PKG_VERSION"), "misbehaves on purpose");
        if mode() == "oversized" {
            // It pulls customers (pages as large as `size` says), so a flow can schedule it.
            info.entities = vec![EntitySupport { entity: Entity::Customer, direction: Direction::Pull }];
        }
        info
    }

    fn check() -> Result<(), PluginError> {
        match mode().as_str() {
            "ok" | "oversized" => Ok(()),
            "loop" => {
                let mut i: u64 = 0;
                loop {
                    i = black_box(i.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    black_box(&hoard);
                }
            }
            "recursion" => {
                black_box(recurse(0));
                Ok(())
            }
            "trap" => panic!("hostile plugin panics on purpose"),
            "chatty" => {
                for i in 0..1000 {
                    log::info(&format!("chatty log line {i}"));
                    println!("chatty stdout line {i}");
                }
                Ok(())
            }
            "http" => {
                let url = config::require("url")?;
                let response = weft_sdk::http::Request::new("GET", &url).send()?.error_for_status()?;
                log::info(&format!("http status {}", response.status));
                Ok(())
            }
            "secret-leak" => {
                let token = secrets::require("token")?;
                log::info(&format!("the token is {token}"));
                log::with_fields(log::Level::Warn, "leaking in fields", &[("token", &token)]);
                println!("stdout token {token}");
                eprintln!("stderr token {token}");
                Err(PluginError::Unauthorized(format!("token {token} was refused")))
            }
            other => Err(PluginError::invalid("mode", &format!("unknown mode {other}"))),
        }
    }

    fn pull(_entity: Entity, _cursor: Option<String>, _limit: u32) -> Result<Page, PluginError> {
        let mib: usize = config::get("size").and_then(|s| s.parse().ok()).unwrap_or(8);
        let records = (0..mib * 16)
            .map(|i| {
                Record::Customer(Customer {
                    external_id: format!("{i}"),
                    sku: None,
                    email: None,
                    first_name: Some("x".repeat(64 * 1024)),
                    last_name: None,
                    phone: None,
                    company: None,
                    addresses: Vec::new(),
                    tags: Vec::new(),
                    metafields: Vec::new(),
                    updated_at: None,
                    extra: "{}".into(),
                })
            })
            .collect();
        Ok(Page { records, next_cursor: None, has_more: false })
    }
}

weft_sdk::export_connector!(Hostile);
