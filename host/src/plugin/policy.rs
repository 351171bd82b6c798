//! Outbound network policy: effective permission = what the manifest requests ∩ what the
//! operator grants, and which resolved addresses a plugin may reach.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One entry of `capabilities.outbound_hosts` or `allow_hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// `host:port`: exactly this host and port. The only form that may reach internal addresses.
    Exact {
        /// Lower-case host name or IP literal (IPv6 without brackets).
        host: String,
        /// Port.
        port: u16,
    },
    /// `host`: this host on the default ports (80 for http, 443 for https).
    Host(String),
    /// `*.domain`: any subdomain of `domain` on the default ports.
    Suffix(String),
}

impl HostPattern {
    /// Parse `host:port`, `[v6]:port`, `host` or `*.domain`.
    pub fn parse(text: &str) -> Result<HostPattern, String> {
        let text = text.trim().to_ascii_lowercase();
        if text.is_empty() {
            return Err("empty host".into());
        }
        if text.contains("://") || text.contains('/') {
            return Err(format!("`{text}`: give a host or host:port, not a URL"));
        }
        if let Some(domain) = text.strip_prefix("*.") {
            if domain.is_empty() || domain.contains('*') || domain.contains(':') {
                return Err(format!("`{text}`: a wildcard is `*.domain`, without a port"));
            }
            return Ok(HostPattern::Suffix(domain.to_owned()));
        }
        if text.contains('*') {
            return Err(format!("`{text}`: `*` is only allowed as a leading `*.`"));
        }
        if let Some((host, port)) = split_host_port(&text) {
            let port: u16 = port.parse().map_err(|_| format!("`{text}`: bad port"))?;
            return Ok(HostPattern::Exact { host, port });
        }
        if text.parse::<Ipv6Addr>().is_ok() {
            return Ok(HostPattern::Host(text));
        }
        Ok(HostPattern::Host(text))
    }

    fn matches(&self, host: &str, port: u16, default_port: bool) -> bool {
        match self {
            HostPattern::Exact { host: h, port: p } => h == host && *p == port,
            HostPattern::Host(h) => default_port && h == host,
            HostPattern::Suffix(d) => {
                default_port
                    && host.len() > d.len() + 1
                    && host.ends_with(d.as_str())
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.'
            }
        }
    }

    fn is_exact(&self, host: &str, port: u16) -> bool {
        matches!(self, HostPattern::Exact { host: h, port: p } if h == host && *p == port)
    }
}

/// Split `host:port` or `[v6]:port`; none when there is no port.
fn split_host_port(text: &str) -> Option<(String, String)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        return Some((host.to_owned(), port.to_owned()));
    }
    if text.matches(':').count() == 1 {
        let (host, port) = text.split_once(':')?;
        return Some((host.to_owned(), port.to_owned()));
    }
    None
}

/// Which side of the permission intersection refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusingSide {
    /// The plugin's manifest does not request it.
    Manifest,
    /// The operator's config does not grant it.
    Operator,
    /// Neither requests nor grants it.
    Both,
    /// The sandbox's address rules (internal address without an exact grant).
    AddressPolicy,
}

impl fmt::Display for RefusingSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefusingSide::Manifest => "not requested by the plugin manifest (capabilities.outbound_hosts)",
            RefusingSide::Operator => "not granted by the operator config (allow_hosts)",
            RefusingSide::Both => "neither requested by the plugin manifest nor granted by the operator config",
            RefusingSide::AddressPolicy => "refused by the address policy",
        })
    }
}

/// An outbound request the policy refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Who refused.
    pub side: RefusingSide,
    /// The full reason, naming host, port and address.
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// The class of an IP address, as far as the sandbox cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// Routable on the internet.
    Public,
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918, unique-local, CGNAT, and other non-public ranges.
    Private,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// Cloud metadata endpoints (169.254.169.254, fd00:ec2::254).
    Metadata,
    /// 0.0.0.0, ::, broadcast, multicast, documentation ranges.
    Unroutable,
}

/// Classify an address (IPv4-mapped IPv6 addresses are classified as IPv4).
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let o = ip.octets();
    if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
        AddressClass::Metadata
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_private() || (o[0] == 100 && (64..128).contains(&o[1])) || o[0] == 198 && (o[1] == 18 || o[1] == 19)
    {
        AddressClass::Private
    } else if ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || o[0] >= 240
    {
        AddressClass::Unroutable
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let seg = ip.segments();
    if seg == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] {
        AddressClass::Metadata
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if (seg[0] & 0xffc0) == 0xfe80 {
        AddressClass::LinkLocal
    } else if (seg[0] & 0xfe00) == 0xfc00 {
        AddressClass::Private
    } else if ip.is_unspecified() || ip.is_multicast() || seg[0] == 0x2001 && seg[1] == 0xdb8 {
        AddressClass::Unroutable
    } else {
        AddressClass::Public
    }
}

/// The outbound permissions of one plugin instance.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    requested: Vec<HostPattern>,
    granted: Vec<HostPattern>,
}

impl OutboundPolicy {
    /// Build from the manifest's request and the operator's grant (both already parsed).
    pub fn new(requested: Vec<HostPattern>, granted: Vec<HostPattern>) -> OutboundPolicy {
        OutboundPolicy { requested, granted }
    }

    /// Whether `host:port` may be contacted at all (before resolution).
    /// `default_port` says the port is the scheme's default (80/443).
    pub fn check_host(&self, host: &str, port: u16, default_port: bool) -> Result<(), Refusal> {
        let host = host.to_ascii_lowercase();
        let requested = self.requested.iter().any(|p| p.matches(&host, port, default_port));
        let granted = self.granted.iter().any(|p| p.matches(&host, port, default_port));
        let side = match (requested, granted) {
            (true, true) => return Ok(()),
            (false, true) => RefusingSide::Manifest,
            (true, false) => RefusingSide::Operator,
            (false, false) => RefusingSide::Both,
        };
        Err(Refusal { side, reason: format!("outbound request to {host}:{port} refused: {side}") })
    }

    /// Whether a resolved address of an allowed host may be contacted: internal addresses
    /// (loopback, private, link-local, metadata) need an exact `host:port` on both sides.
    pub fn check_address(&self, host: &str, port: u16, ip: IpAddr) -> Result<(), Refusal> {
        let class = classify(ip);
        let exact = |list: &[HostPattern]| list.iter().any(|p| p.is_exact(host, port));
        let allowed = match class {
            AddressClass::Public => true,
            AddressClass::Unroutable => false,
            AddressClass::Loopback | AddressClass::Private | AddressClass::LinkLocal | AddressClass::Metadata => {
                exact(&self.requested) && exact(&self.granted)
            }
        };
        if allowed {
            return Ok(());
        }
        Err(Refusal {
            side: RefusingSide::AddressPolicy,
            reason: format!(
                "outbound request to {host}:{port} refused: it resolves to {ip} ({class:?} address), \
                 which is only reachable when exactly `{host}:{port}` is both requested and granted"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(req: &[&str], grant: &[&str]) -> OutboundPolicy {
        let p = |v: &[&str]| v.iter().map(|s| HostPattern::parse(s).unwrap()).collect();
        OutboundPolicy::new(p(req), p(grant))
    }

    #[test]
    fn refusal_names_the_refusing_side() {
        let pol = policy(&["erp.example.com"], &["other.example.com"]);
        assert_eq!(pol.check_host("erp.example.com", 443, true).unwrap_err().side, RefusingSide::Operator);
        assert_eq!(pol.check_host("other.example.com", 443, true).unwrap_err().side, RefusingSide::Manifest);
        assert_eq!(pol.check_host("x.example.org", 443, true).unwrap_err().side, RefusingSide::Both);
        let both = policy(&["*.example.com"], &["api.example.com"]);
        assert!(both.check_host("api.example.com", 443, true).is_ok());
        assert!(both.check_host("api.example.com", 8443, false).is_err(), "bare host means default port only");
        assert!(both.check_host("evilexample.com", 443, true).is_err());
    }

    #[test]
    fn internal_addresses_need_an_exact_grant_on_both_sides() {
        let wide = policy(&["*.example.com"], &["*.example.com"]);
        let md: IpAddr = "169.254.169.254".parse().unwrap();
        let private: IpAddr = "10.1.2.3".parse().unwrap();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        for ip in [
            md,
            private,
            mapped,
            "192.168.1.1".parse().unwrap(),
            "fe80::1".parse().unwrap(),
            "0.0.0.0".parse().unwrap(),
        ] {
            let r = wide.check_address("rebind.example.com", 443, ip).unwrap_err();
            assert_eq!(r.side, RefusingSide::AddressPolicy, "{ip}");
        }
        assert!(wide.check_address("api.example.com", 443, "93.184.216.34".parse().unwrap()).is_ok());
        let exact = policy(&["127.0.0.1:8000"], &["127.0.0.1:8000"]);
        assert!(exact.check_address("127.0.0.1", 8000, "127.0.0.1".parse().unwrap()).is_ok());
        assert!(exact.check_address("127.0.0.1", 8001, "127.0.0.1".parse().unwrap()).is_err());
        assert_eq!(classify(md), AddressClass::Metadata);
    }

    #[test]
    fn patterns_parse_and_reject_urls() {
        assert_eq!(HostPattern::parse("[::1]:80").unwrap(), HostPattern::Exact { host: "::1".into(), port: 80 });
        assert!(HostPattern::parse("http://x").is_err());
        assert!(HostPattern::parse("a*.b").is_err());
        assert!(HostPattern::parse("h:99999").is_err());
    }
}
