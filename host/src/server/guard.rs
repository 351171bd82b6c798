//! Who may use the admin API, `/metrics` and the dashboard.
//!
//! - `Host` must be a loopback name (`localhost`, `127.0.0.1`, `[::1]`), `[server] listen`'s own
//!   host, or one of `[server] allowed_hosts`: a page on another name that resolves to this
//!   machine (DNS rebinding) is refused.
//! - With `[server] admin_token`, the bearer token is required.
//! - Without one, only a loopback client is served, and a request that changes something must
//!   come from the same origin (`Sec-Fetch-Site` and `Origin`, when the browser sends them) with
//!   a JSON content type, which a cross-site form or `fetch` without a CORS preflight cannot send.
//! - The client is the peer, unless the peer is one of `[server] trusted_proxies`, in which case
//!   it is the address its `X-Forwarded-For` names; a request an untrusted peer forwarded
//!   (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`) is never taken as loopback.

use crate::config::http::trusted_proxies;
use crate::config::{Secret, ServerConfig};
use hyper::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use hyper::http::uri::Authority;
use std::net::{IpAddr, SocketAddr};

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No or a wrong token, or a non-loopback client without a token configured (401).
    Unauthorized(String),
    /// A foreign `Host`, or a cross-site request (403).
    Forbidden(String),
}

/// The access rules of one server.
pub struct Access {
    token: Option<Secret>,
    proxies: Vec<IpAddr>,
    /// Accepted `Host` values besides loopback names: lower-case host names, or `host:port`.
    hosts: Vec<String>,
}

/// Whether `host` (no port, IPv6 without brackets) names this machine's loopback.
fn loopback_name(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// (host, authority) of a `Host` header value, lower-cased, IPv6 brackets removed from the host.
fn parse_host(value: &str) -> Option<(String, String)> {
    let authority: Authority = value.trim().parse().ok()?;
    if authority.as_str().contains('@') {
        return None;
    }
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    Some((host, authority.as_str().to_ascii_lowercase()))
}

impl Access {
    /// Whether an admin token is required (and so was given by whoever got past [`Access::check`]).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The rules of `config` with the loaded admin token.
    pub fn new(config: &ServerConfig, token: Option<Secret>) -> Result<Access, String> {
        let proxies = trusted_proxies(&config.trusted_proxies).map_err(|(key, reason)| format!("{key}: {reason}"))?;
        let mut hosts: Vec<String> = config.allowed_hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
        if let Some((host, _)) = parse_host(&config.listen) {
            hosts.push(host);
        }
        Ok(Access { token, proxies, hosts })
    }

    /// Refuse to serve on `addr` when it reaches beyond loopback and no admin token guards the
    /// admin API.
    pub fn check_listen(&self, addr: SocketAddr) -> Result<(), String> {
        if self.token.is_none() && !addr.ip().is_loopback() {
            return Err(format!(
                "listen = \"{addr}\" reaches beyond this machine, but [server] admin_token is not set: anyone who \
                 can connect could pause flows and retry or discard dead letters. Set admin_token, or listen on \
                 a loopback address (127.0.0.1)"
            ));
        }
        Ok(())
    }

    /// Whether the `Host` header names this server.
    pub fn host_allowed(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let value = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let Some((host, authority)) = parse_host(value) else {
            return Err(Refusal::Forbidden("missing or malformed Host header".into()));
        };
        if loopback_name(&host) || self.hosts.iter().any(|h| *h == host || *h == authority) {
            return Ok(());
        }
        Err(Refusal::Forbidden(format!(
            "Host `{value}` is not a name this server answers to (add it to [server] allowed_hosts)"
        )))
    }

    /// The client's address: the peer, or whom a trusted proxy forwarded for; `None` when an
    /// untrusted peer forwarded the request (the client is unknown).
    fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> Option<IpAddr> {
        let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"].iter().any(|h| headers.contains_key(*h));
        if !self.proxies.contains(&peer.ip()) {
            return (!forwarded).then_some(peer.ip());
        }
        let chain: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|a| a.trim().parse::<IpAddr>().ok())
            .collect::<Option<Vec<_>>>()?;
        // Walk back from the peer: the first hop that is not a trusted proxy is the client.
        Some(chain.into_iter().rev().find(|ip| !self.proxies.contains(ip)).unwrap_or(peer.ip()))
    }

    fn token_matches(token: &Secret, headers: &HeaderMap) -> bool {
        let given = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.expose().as_bytes()))
    }

    /// Whether the request may use the admin API or `/metrics`; `changes_state` for anything but
    /// a read (`GET`, `HEAD`).
    pub fn check(&self, peer: SocketAddr, headers: &HeaderMap, changes_state: bool) -> Result<(), Refusal> {
        self.host_allowed(headers)?;
        if let Some(token) = &self.token {
            return if Access::token_matches(token, headers) {
                Ok(())
            } else {
                Err(Refusal::Unauthorized("missing or wrong bearer token".into()))
            };
        }
        if !self.client(peer, headers).is_some_and(|ip| ip.is_loopback()) {
            return Err(Refusal::Unauthorized(
                "without [server] admin_token only loopback clients are served (a forwarded request is not one unless its proxy is in [server] trusted_proxies)".into(),
            ));
        }
        if changes_state {
            same_origin(headers)?;
        }
        Ok(())
    }
}

/// A state-changing request without a token: same origin, JSON.
fn same_origin(headers: &HeaderMap) -> Result<(), Refusal> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        if !matches!(site.to_ascii_lowercase().as_str(), "same-origin" | "none") {
            return Err(Refusal::Forbidden(format!("cross-site request refused (Sec-Fetch-Site: {site})")));
        }
    }
    if let Some(origin) = text(ORIGIN.as_str()) {
        let host = text(HOST.as_str()).unwrap_or("").to_ascii_lowercase();
        let origin_authority =
            origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/').to_ascii_lowercase());
        if origin_authority.as_deref() != Some(host.as_str()) {
            return Err(Refusal::Forbidden(format!("cross-origin request refused (Origin: {origin})")));
        }
    }
    let json = text(CONTENT_TYPE.as_str())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(Refusal::Forbidden(
            "a request that changes something must be sent as Content-Type: application/json".into(),
        ));
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn access(proxies: &[&str], hosts: &[&str]) -> Access {
        let config = ServerConfig {
            trusted_proxies: proxies.iter().map(|p| p.to_string()).collect(),
            allowed_hosts: hosts.iter().map(|p| p.to_string()).collect(),
            ..ServerConfig::default()
        };
        Access::new(&config, None).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const LOCAL: &str = "127.0.0.1:5000";

    #[test]
    fn hosts_are_loopback_names_listen_or_configured() {
        let a = access(&[], &["weft.example.com", "ops.example.com:8443"]);
        for ok in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "[::1]:8080",
            "weft.example.com",
            "ops.example.com:8443",
            "a.localhost",
        ] {
            assert_eq!(a.host_allowed(&headers(&[("host", ok)])), Ok(()), "{ok}");
        }
        for bad in
            ["evil.example", "weft.example.com.evil.example", "ops.example.com:9999", "", "user@localhost", "10.0.0.1"]
        {
            assert!(a.host_allowed(&headers(&[("host", bad)])).is_err(), "{bad}");
        }
        assert!(a.host_allowed(&HeaderMap::new()).is_err(), "no Host");
    }

    #[test]
    fn a_forwarded_request_is_loopback_only_through_a_trusted_proxy() {
        let peer: SocketAddr = LOCAL.parse().unwrap();
        let untrusted = access(&[], &[]);
        let via = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(untrusted.client(peer, &HeaderMap::new()), Some(peer.ip()));
        assert_eq!(untrusted.client(peer, &via), None);
        assert_eq!(untrusted.client(peer, &headers(&[("forwarded", "for=127.0.0.1")])), None);
        let trusted = access(&["127.0.0.1"], &[]);
        assert_eq!(trusted.client(peer, &via), Some("203.0.113.9".parse().unwrap()));
        let spoofed = headers(&[("x-forwarded-for", "127.0.0.1, 203.0.113.9")]);
        assert_eq!(trusted.client(peer, &spoofed), Some("203.0.113.9".parse().unwrap()), "the proxy's own hop wins");
        assert_eq!(trusted.client(peer, &headers(&[("x-forwarded-for", "garbage")])), None);
    }

    #[test]
    fn without_a_token_a_change_must_be_same_origin_json() {
        let a = access(&[], &[]);
        let peer: SocketAddr = LOCAL.parse().unwrap();
        let host = ("host", "127.0.0.1:8080");
        let json = ("content-type", "application/json");
        assert_eq!(a.check(peer, &headers(&[host, json]), true), Ok(()), "the CLI");
        let dashboard = [host, json, ("origin", "http://127.0.0.1:8080"), ("sec-fetch-site", "same-origin")];
        assert_eq!(a.check(peer, &headers(&dashboard), true), Ok(()), "the dashboard");
        let forms = [
            vec![
                host,
                ("content-type", "text/plain"),
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
            vec![host, ("content-type", "application/x-www-form-urlencoded")],
            vec![host, json, ("origin", "http://evil.example")],
            vec![host, json, ("sec-fetch-site", "same-site")],
            vec![host, json, ("origin", "null")],
            vec![host],
        ];
        for form in forms {
            assert!(matches!(a.check(peer, &headers(&form), true), Err(Refusal::Forbidden(_))), "{form:?}");
        }
        assert_eq!(a.check(peer, &headers(&[host]), false), Ok(()), "reads need no content type");
        let remote: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        assert!(matches!(a.check(remote, &headers(&[host, json]), false), Err(Refusal::Unauthorized(_))));
    }
}
