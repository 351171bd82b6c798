//! A small stateful HTTP/JSON ERP on 127.0.0.1 for the non-Rust connector (plugins/http-erp-py
//! documents the API). Paths under `/down` answer 503 and under `/busy` 429, so a grant whose
//! `base_url` ends in one of them makes every call fail that way.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The ERP's data.
#[derive(Default)]
struct Data {
    products: BTreeMap<String, Value>,
    stock: BTreeMap<String, Value>,
    orders: BTreeMap<String, Value>,
    requests: usize,
}

/// A running fake ERP.
pub struct FakeErp {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The bearer token it accepts.
    pub token: String,
    data: Arc<Mutex<Data>>,
}

impl FakeErp {
    /// Start it with `products` products (two variants each) and their stock in two warehouses.
    pub fn start(products: usize) -> FakeErp {
        let mut data = Data::default();
        for i in 1..=products {
            let id = format!("P{i:03}");
            let variants: Vec<Value> = ["S", "M"]
                .iter()
                .enumerate()
                .map(|(j, size)| json!({"id": format!("V{i:03}{j}"), "sku": format!("SKU-{i:03}-{size}"), "size": size, "price": format!("{}.90", 10 + i), "currency": "EUR", "barcode": null}))
                .collect();
            for v in &variants {
                let sku = v["sku"].as_str().unwrap_or_default().to_owned();
                for (w, on_hand) in [("WH1", i as i64 * 3), ("WH2", 100 - i as i64)] {
                    data.stock.insert(
                        format!("{sku}@{w}"),
                        json!({"sku": sku, "warehouse": w, "on_hand": on_hand, "reserved": 1, "incoming": 0}),
                    );
                }
            }
            data.products.insert(id.clone(), json!({"id": id, "code": format!("T{i:03}"), "name": format!("Product {i} – Straße"), "brand": "Acme", "category": "Shirts", "active": i % 5 != 0, "updated": "2026-11-26T10:00:00Z", "variants": variants}));
        }
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let erp = FakeErp { port, token: "erp-token-s3cr3t".into(), data: Arc::new(Mutex::new(data)) };
        let (data, token) = (erp.data.clone(), erp.token.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (data, token) = (data.clone(), token.clone());
                std::thread::spawn(move || serve(stream, &data, &token));
            }
        });
        erp
    }

    /// `host:port` to grant.
    pub fn authority(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Base URL (optionally under `/down` or `/busy`).
    pub fn url(&self, prefix: &str) -> String {
        format!("http://127.0.0.1:{}{prefix}", self.port)
    }

    /// Orders stored so far.
    pub fn orders(&self) -> Vec<Value> {
        self.data.lock().map(|d| d.orders.values().cloned().collect()).unwrap_or_default()
    }

    /// Requests served so far.
    pub fn requests(&self) -> usize {
        self.data.lock().map(|d| d.requests).unwrap_or_default()
    }
}

struct Request {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    authorization: Option<String>,
    body: Vec<u8>,
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let (mut length, mut authorization) = (0usize, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "authorization" => authorization = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect();
    Some(Request { method, path: decode(path), query, authorization, body })
}

/// Percent-decoding of a URL component.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()),
        ) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve(mut stream: TcpStream, data: &Mutex<Data>, token: &str) {
    let Some(req) = read_request(&stream) else { return };
    let (status, body) = match data.lock() {
        Ok(mut d) => {
            d.requests += 1;
            route(&req, &mut d, token)
        }
        Err(_) => (500, json!({"error": "poisoned"})),
    };
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        _ => "Service Unavailable",
    };
    let retry = if status == 429 { "retry-after: 2\r\n" } else { "" };
    let _ = write!(stream, "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n{retry}content-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
}

/// One page of `items` after key `after`.
fn page(items: &BTreeMap<String, Value>, query: &BTreeMap<String, String>) -> Value {
    let limit: usize = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(50).clamp(1, 500);
    let after = query.get("after").cloned().unwrap_or_default();
    let rest: Vec<(&String, &Value)> =
        items.range::<String, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded)).collect();
    let next = if rest.len() > limit { Some(rest[limit - 1].0.clone()) } else { None };
    json!({"items": rest.iter().take(limit).map(|(_, v)| (*v).clone()).collect::<Vec<_>>(), "next": next})
}

fn route(req: &Request, d: &mut Data, token: &str) -> (u16, Value) {
    if req.path.starts_with("/down/") {
        return (503, json!({"error": "maintenance"}));
    }
    if req.path.starts_with("/busy/") {
        return (429, json!({"error": "slow down"}));
    }
    if req.authorization.as_deref() != Some(&format!("Bearer {token}")) {
        return (401, json!({"error": "bad token"}));
    }
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match (req.method.as_str(), segments.as_slice()) {
        ("GET", ["api", "ping"]) => (200, json!({"ok": true})),
        ("GET", ["api", "products"]) => (200, page(&d.products, &req.query)),
        ("GET", ["api", "products", id]) => {
            d.products.get(*id).map_or((404, json!({"error": "no such product"})), |p| (200, p.clone()))
        }
        ("GET", ["api", "stock"]) => (200, page(&d.stock, &req.query)),
        ("GET", ["api", "orders"]) => {
            let reference = req.query.get("reference").cloned().unwrap_or_default();
            let found: Vec<Value> =
                d.orders.values().filter(|o| o["reference"] == reference.as_str()).cloned().collect();
            (200, json!({"items": found}))
        }
        ("GET", ["api", "orders", id]) => {
            d.orders.get(*id).map_or((404, json!({"error": "no such order"})), |o| (200, o.clone()))
        }
        ("POST", ["api", "orders"]) => create_order(req, d),
        _ => (404, json!({"error": "no such route"})),
    }
}

fn create_order(req: &Request, d: &mut Data) -> (u16, Value) {
    let Ok(mut order) = serde_json::from_slice::<Value>(&req.body) else {
        return (422, json!({"error": "not JSON", "field": "order"}));
    };
    let known = |sku: &str| {
        d.products.values().any(|p| p["variants"].as_array().is_some_and(|vs| vs.iter().any(|v| v["sku"] == sku)))
    };
    let mut total = 0.0;
    for (i, line) in order["lines"].as_array().cloned().unwrap_or_default().iter().enumerate() {
        let sku = line["sku"].as_str().unwrap_or_default();
        if !known(sku) {
            return (422, json!({"error": format!("unknown sku {sku}"), "field": format!("lines[{i}].sku")}));
        }
        total += line["price"].as_str().and_then(|p| p.parse::<f64>().ok()).unwrap_or(0.0)
            * line["qty"].as_f64().unwrap_or(0.0);
    }
    let id = format!("SO-{:04}", d.orders.len() + 1);
    order["id"] = json!(id);
    order["total"] = json!(format!("{total:.2}"));
    d.orders.insert(id, order.clone());
    (201, order)
}
