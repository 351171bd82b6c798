//! A small client for the admin API of a running `weft serve`.

use crate::config::{Config, Secret};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;

/// The admin API at `[server] listen`.
pub struct Admin {
    addr: String,
    token: Option<Secret>,
}

impl Admin {
    /// From the config's listen address and admin token.
    pub fn from_config(config: &Config) -> Result<Admin, String> {
        let token = match &config.server.admin_token {
            Some(source) => Some(source.load().map_err(|e| format!("server.admin_token: {e}"))?),
            None => None,
        };
        Ok(Admin { addr: config.server.listen.clone(), token })
    }

    /// GET a path, parse JSON.
    pub fn get(&self, path: &str) -> Result<Value, String> {
        self.request("GET", path, None)
    }

    /// POST JSON to a path, parse JSON.
    pub fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        self.request("POST", path, Some(body))
    }

    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let unreachable = |e: &dyn std::fmt::Display| {
                format!(
                    "the database is held by another process but its admin API at {} does not answer: {e}",
                    self.addr
                )
            };
            let stream = tokio::net::TcpStream::connect(&self.addr).await.map_err(|e| unreachable(&e))?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| unreachable(&e))?;
            tokio::spawn(conn);
            let payload = body.map(|b| b.to_string()).unwrap_or_default();
            let mut req = hyper::Request::builder()
                .method(method)
                .uri(path)
                .header("host", &self.addr)
                .header("content-type", "application/json");
            if let Some(token) = &self.token {
                req = req.header("authorization", format!("Bearer {}", token.expose()));
            }
            let req = req.body(Full::new(Bytes::from(payload))).map_err(|e| e.to_string())?;
            let response = sender.send_request(req).await.map_err(|e| unreachable(&e))?;
            let status = response.status();
            let bytes = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| format!("admin API answered {status} with non-JSON: {e}"))?;
            if !status.is_success() {
                return Err(format!("admin API: {status}: {}", value["error"].as_str().unwrap_or("")));
            }
            Ok(value)
        })
    }
}
