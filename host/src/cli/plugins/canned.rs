//! Canned HTTP responses on 127.0.0.1 for `weft plugins test`: each request gets the first
//! `[[http]]` entry whose method, path and query match and that has answers left.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One canned response.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedResponse {
    /// Method to match (default GET).
    #[serde(default = "get")]
    pub method: String,
    /// Exact path to match (`/api/products`).
    pub path: String,
    /// Text the query string must contain (`after=P002`); none matches any query.
    #[serde(default)]
    pub query: Option<String>,
    /// How many times it answers before the next match takes over (none = always).
    #[serde(default)]
    pub times: Option<u32>,
    /// Status code (default 200).
    #[serde(default = "ok")]
    pub status: u16,
    /// Response headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Response body.
    #[serde(default)]
    pub body: String,
}

fn get() -> String {
    "GET".into()
}
fn ok() -> u16 {
    200
}

/// The running server; it stops accepting when the process ends.
pub struct CannedServer {
    port: u16,
}

impl CannedServer {
    /// Start serving `responses` on an ephemeral loopback port.
    pub fn start(responses: Vec<CannedResponse>) -> std::io::Result<CannedServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(responses));
        std::thread::Builder::new().name("weft-canned-http".into()).spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = state.clone();
                std::thread::spawn(move || answer(stream, &state));
            }
        })?;
        Ok(CannedServer { port })
    }

    /// `127.0.0.1:PORT`.
    pub fn authority(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.authority())
    }
}

/// Method and target of a request, with its body consumed.
fn read_head(stream: &TcpStream) -> Option<(String, String)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length.min(16 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some((method, target))
}

fn answer(mut stream: TcpStream, state: &Mutex<Vec<CannedResponse>>) {
    let Some((method, target)) = read_head(&stream) else { return };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let chosen = state.lock().ok().and_then(|mut responses| {
        let r = responses.iter_mut().find(|r| {
            r.method.eq_ignore_ascii_case(&method)
                && r.path == path
                && r.query.as_deref().is_none_or(|q| query.contains(q))
                && r.times != Some(0)
        })?;
        if let Some(t) = r.times.as_mut() {
            *t -= 1;
        }
        Some(r.clone())
    });
    let (status, headers, body) = match chosen {
        Some(r) => (r.status, r.headers, r.body),
        None => (404, BTreeMap::new(), format!("no canned response for {method} {target}")),
    };
    let mut head = format!("HTTP/1.1 {status} canned\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (k, v) in &headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let _ = write!(stream, "{head}\r\n{body}");
}
