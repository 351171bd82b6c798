//! The live Tryton started by `tests/erp/tryton/start.sh`, found through its WEFT_TRYTON_*
//! variables, plus a minimal JSON-RPC client for reading back what the plugin wrote.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use weft::config::Secret;
use weft::plugin::policy::HostPattern;
use weft::plugin::Grant;

/// Connection details of the test server.
#[derive(Debug, Clone)]
pub struct Tryton {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub authority: String,
    /// Database.
    pub db: String,
    /// Login.
    pub user: String,
    /// Password.
    pub password: String,
    /// Company id.
    pub company: i64,
    /// Warehouse ids.
    pub warehouses: Vec<i64>,
    /// Install dir (venv, config, db).
    pub dir: String,
}

/// The server from the environment. When WEFT_TRYTON_URL is unset: in CI (CI set) the test
/// FAILS with instructions; locally it prints a notice and the test returns early.
pub fn env_or_skip(test: &str) -> Option<Tryton> {
    let Ok(url) = std::env::var("WEFT_TRYTON_URL") else {
        let how = "run `bash tests/erp/tryton/install.sh && bash tests/erp/tryton/start.sh && set -a && . target/tryton/env && set +a`";
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
            panic!("{test}: WEFT_TRYTON_URL is not set, so there is no Tryton to test against; {how}");
        }
        eprintln!("SKIPPED {test}: WEFT_TRYTON_URL is not set (no live Tryton); {how}");
        return None;
    };
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set; source target/tryton/env"));
    Some(Tryton {
        authority: url.trim_start_matches("http://").trim_end_matches('/').to_owned(),
        url,
        db: var("WEFT_TRYTON_DB"),
        user: var("WEFT_TRYTON_USER"),
        password: var("WEFT_TRYTON_PASSWORD"),
        company: var("WEFT_TRYTON_COMPANY").parse().expect("WEFT_TRYTON_COMPANY is an id"),
        warehouses: var("WEFT_TRYTON_WAREHOUSES").split(',').map(|w| w.parse().expect("warehouse id")).collect(),
        dir: var("WEFT_TRYTON_DIR"),
    })
}

impl Tryton {
    /// The operator's grant for the tryton plugin against this server (overlap 0: exact cursors).
    pub fn grant(&self) -> Grant {
        self.grant_for(&self.url, &self.password)
    }

    /// A grant to `url` (granted as an outbound host) with `password`.
    pub fn grant_for(&self, url: &str, password: &str) -> Grant {
        self.grant_as(url, &self.user, password)
    }

    /// Credentials Tryton refuses: a login of its own per call (Tryton slows down every login of
    /// a name after failures, so failing as the real user would slow the other tests).
    pub fn wrong_credentials(&self) -> Grant {
        self.grant_as(&self.url, &format!("nobody-{}", super::run_id()), "wrong-password")
    }

    /// A grant to `url` as `user` with `password`.
    pub fn grant_as(&self, url: &str, user: &str, password: &str) -> Grant {
        let authority = url.trim_start_matches("http://").trim_end_matches('/');
        let config = super::table(&[
            ("url", url.into()),
            ("database", self.db.clone().into()),
            ("user", user.into()),
            ("company", self.company.into()),
            ("warehouses", toml::Value::Array(self.warehouses.iter().map(|w| (*w).into()).collect())),
            ("overlap_seconds", 0.into()),
        ]);
        let mut secrets = BTreeMap::new();
        secrets.insert("password".to_owned(), Secret::new(password.to_owned()));
        Grant {
            allow_hosts: vec![HostPattern::parse(authority).expect("host pattern")],
            config,
            secrets,
            directory: None,
        }
    }

    /// Put `quantity` of `product` (in `unit`) into location `storage` from lost-and-found, done
    /// today (stock a count found); the move's id.
    pub fn stock_from_lost_found(&self, product: &Value, storage: &Value, quantity: i64, unit: &Value) -> i64 {
        let lost = self.model(
            "stock.location",
            "search",
            vec![json!([["type", "=", "lost_found"]]), json!(0), json!(1), Value::Null],
        )[0]
        .clone();
        let today = self.model("ir.date", "today", vec![]);
        let moved = self.model(
            "stock.move",
            "create",
            vec![json!([{"product": product, "from_location": lost, "to_location": storage, "quantity": quantity,
                "unit": unit, "effective_date": today, "company": self.company}])],
        );
        self.model("stock.move", "do", vec![moved.clone()]);
        moved[0].as_i64().expect("the move")
    }

    /// Call `model.<model>.<method>` directly (not through the plugin), to read back.
    pub fn model(&self, model: &str, method: &str, params: Vec<Value>) -> Value {
        let mut params = params;
        params.push(json!({"company": self.company}));
        let login = self.post("common.db.login", json!([self.user, {"password": self.password}, "en"]), None);
        let token = format!("{}:{}:{}", self.user, login[0], login[1].as_str().expect("session token"));
        let auth = format!("Session {}", base64_encode(token.as_bytes()));
        self.post(&format!("model.{model}.{method}"), Value::Array(params), Some(&auth))
    }

    fn post(&self, method: &str, params: Value, auth: Option<&str>) -> Value {
        let body = json!({"id": 1, "method": method, "params": params}).to_string();
        let mut stream = TcpStream::connect(&self.authority).expect("connect to Tryton");
        let auth = auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
        write!(
            stream,
            "POST /{}/rpc/ HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{auth}Connection: close\r\n\r\n{body}",
            self.db, self.authority, body.len()
        )
        .expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
        assert!(head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"), "{method}: {head}");
        let chunked = head.lines().any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
        let body = if chunked { dechunk(body) } else { body.to_owned() };
        let v: Value = serde_json::from_str(&body).expect("JSON body");
        assert!(v.get("error").is_none_or(Value::is_null), "{method}: {}", v["error"]);
        v["result"].clone()
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A `Transfer-Encoding: chunked` body, joined (a large answer comes in chunks).
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}
