//! `[server]` keys that guard the HTTP server of `weft serve`: which `Host` names and proxies it
//! believes, and the limits on what a client may make it hold (connections, bodies, time).

use serde::Deserialize;
use std::net::IpAddr;
use std::time::Duration;

/// `[server.limits]`: what one client, or all of them together, may make the server hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpLimits {
    /// Connections open at once; beyond it new ones wait in the kernel's backlog.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Largest request body (a webhook), in KiB; a larger `Content-Length` is refused unread.
    #[serde(default = "default_max_body_kib")]
    pub max_body_kib: usize,
    /// Request bodies held in memory at once, all connections together, in MiB; beyond it a
    /// request is answered 503 with `Retry-After` (Shopify delivers it again).
    #[serde(default = "default_max_inflight_body_mib")]
    pub max_inflight_body_mib: usize,
    /// Time to receive a request's headers, and the longest a kept-alive connection stays idle,
    /// in seconds.
    #[serde(default = "default_header_timeout_secs")]
    pub header_timeout_secs: u64,
    /// Time to receive a request's body, in seconds.
    #[serde(default = "default_body_timeout_secs")]
    pub body_timeout_secs: u64,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_connections: default_max_connections(),
            max_body_kib: default_max_body_kib(),
            max_inflight_body_mib: default_max_inflight_body_mib(),
            header_timeout_secs: default_header_timeout_secs(),
            body_timeout_secs: default_body_timeout_secs(),
        }
    }
}

fn default_max_connections() -> usize {
    256
}
fn default_max_body_kib() -> usize {
    8 * 1024
}
fn default_max_inflight_body_mib() -> usize {
    64
}
fn default_header_timeout_secs() -> u64 {
    10
}
fn default_body_timeout_secs() -> u64 {
    30
}

impl HttpLimits {
    /// Largest request body, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_kib.saturating_mul(1024)
    }

    /// Bodies held at once, in bytes.
    pub fn inflight_body_bytes(&self) -> usize {
        self.max_inflight_body_mib.saturating_mul(1 << 20)
    }

    /// Time to receive headers (and idle time of a kept-alive connection).
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }

    /// Time to receive a body.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs)
    }

    /// Each limit is at least 1 and one body fits in the in-flight budget; `Err((key, reason))`.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (key, value) in [
            ("max_connections", self.max_connections as u64),
            ("max_body_kib", self.max_body_kib as u64),
            ("max_inflight_body_mib", self.max_inflight_body_mib as u64),
            ("header_timeout_secs", self.header_timeout_secs),
            ("body_timeout_secs", self.body_timeout_secs),
        ] {
            if value == 0 {
                return Err((format!("server.limits.{key}"), "must be greater than 0".into()));
            }
        }
        if self.max_body_bytes() > self.inflight_body_bytes() {
            return Err((
                "server.limits.max_body_kib".into(),
                format!("one body may not exceed max_inflight_body_mib ({} MiB)", self.max_inflight_body_mib),
            ));
        }
        Ok(())
    }
}

/// Parse `[server] trusted_proxies` (IP addresses); `Err((key, reason))` names the bad entry.
pub fn trusted_proxies(entries: &[String]) -> Result<Vec<IpAddr>, (String, String)> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            e.trim().parse::<IpAddr>().map_err(|_| {
                (format!("server.trusted_proxies[{i}]"), format!("`{e}` is not an IP address (like 127.0.0.1 or ::1)"))
            })
        })
        .collect()
}

/// Check `[server] allowed_hosts`: host names (optionally with `:port`), no scheme or path.
pub fn validate_allowed_hosts(entries: &[String]) -> Result<(), (String, String)> {
    for (i, entry) in entries.iter().enumerate() {
        let ok = !entry.is_empty()
            && entry.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            && !entry.starts_with(':');
        if !ok {
            return Err((
                format!("server.allowed_hosts[{i}]"),
                format!("`{entry}` is not a host name (like weft.example.com or weft.example.com:8443)"),
            ));
        }
    }
    Ok(())
}
