//! `plugin.toml`: what a plugin says it is and what it asks for.

use super::policy::HostPattern;
use super::wit::{WitVersion, WIT_PACKAGE};
use serde::Deserialize;
use std::fmt;

/// What kind of plugin, i.e. which world it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    /// Exports `weft:plugin/connector`.
    Connector,
    /// Exports `weft:plugin/transform`.
    Transform,
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PluginKind::Connector => "connector",
            PluginKind::Transform => "transform",
        })
    }
}

/// The language family of the plugin, which sets its default memory limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// Compiled to Wasm directly (Rust, C, Go).
    #[default]
    Compiled,
    /// Carries an interpreter (Python, JavaScript): needs more memory.
    Interpreted,
}

/// The `[capabilities]` a plugin requests. The operator's grant narrows them further.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Hosts it wants to call (`host:port`, `host`, `*.domain`).
    #[serde(default)]
    pub outbound_hosts: Vec<String>,
    /// Secret names it reads.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Config keys it reads.
    #[serde(default)]
    pub config: Vec<String>,
    /// Whether it uses the kv store.
    #[serde(default)]
    pub kv: bool,
    /// Whether it needs a directory (preopened as `/data` when the operator grants one).
    #[serde(default)]
    pub directory: bool,
}

/// A parsed and validated `plugin.toml`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Plugin id: lower-case letters, digits and `-`; equals its folder name.
    pub id: String,
    /// Semantic version of the plugin.
    pub version: String,
    /// Connector or transform.
    pub kind: PluginKind,
    /// The WIT package and version it was built against (`weft:plugin@0.1.0`).
    pub wit: String,
    /// One line for the operator.
    #[serde(default)]
    pub description: String,
    /// Compiled or interpreted (sets the default memory limit).
    #[serde(default)]
    pub runtime: Runtime,
    /// What it asks for.
    #[serde(default)]
    pub capabilities: Capabilities,
}

impl Manifest {
    /// Parse and validate manifest text for the plugin in folder `folder_id`.
    pub fn parse(text: &str, folder_id: &str) -> Result<Manifest, String> {
        let m: Manifest = toml::from_str(text).map_err(|e| format!("malformed plugin.toml: {e}"))?;
        m.validate(folder_id)?;
        Ok(m)
    }

    fn validate(&self, folder_id: &str) -> Result<(), String> {
        if !valid_id(&self.id) {
            return Err(format!(
                "plugin.toml: id `{}` must be 1-64 of a-z, 0-9 and `-`, starting with a letter or digit",
                self.id
            ));
        }
        if self.id != folder_id {
            return Err(format!("plugin.toml: id `{}` differs from its folder name `{folder_id}`", self.id));
        }
        semver::Version::parse(&self.version)
            .map_err(|e| format!("plugin.toml: version `{}` is not semver: {e}", self.version))?;
        self.wit_version()?;
        for host in &self.capabilities.outbound_hosts {
            HostPattern::parse(host).map_err(|e| format!("plugin.toml: capabilities.outbound_hosts: {e}"))?;
        }
        if self.kind == PluginKind::Transform && !self.capabilities.outbound_hosts.is_empty() {
            return Err("plugin.toml: transforms get no network; remove capabilities.outbound_hosts".into());
        }
        if self.kind == PluginKind::Transform && !self.capabilities.secrets.is_empty() {
            return Err("plugin.toml: transforms get no secrets; remove capabilities.secrets".into());
        }
        Ok(())
    }

    /// The contract version that serves the `weft:plugin` version named in `wit`.
    pub fn wit_version(&self) -> Result<WitVersion, String> {
        let version = self
            .wit
            .strip_prefix(WIT_PACKAGE)
            .and_then(|rest| rest.strip_prefix('@'))
            .ok_or_else(|| format!("plugin.toml: wit `{}` must look like `{WIT_PACKAGE}@0.1.0`", self.wit))?;
        let version =
            semver::Version::parse(version).map_err(|e| format!("plugin.toml: wit version `{version}`: {e}"))?;
        WitVersion::serving(&version).ok_or_else(|| {
            format!(
                "incompatible WIT version: plugin targets {WIT_PACKAGE}@{version}, this host implements {}",
                WitVersion::supported_text()
            )
        })
    }

    /// The outbound hosts requested, parsed.
    pub fn requested_hosts(&self) -> Vec<HostPattern> {
        self.capabilities.outbound_hosts.iter().filter_map(|h| HostPattern::parse(h).ok()).collect()
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        id = "erp-x"
        version = "1.2.3"
        kind = "connector"
        wit = "weft:plugin@0.1.0"
        [capabilities]
        outbound_hosts = ["erp.example.com"]
    "#;

    #[test]
    fn accepts_a_good_manifest() {
        let m = Manifest::parse(GOOD, "erp-x").unwrap();
        assert_eq!(m.kind, PluginKind::Connector);
        assert_eq!(m.requested_hosts().len(), 1);
    }

    #[test]
    fn refuses_with_a_precise_reason() {
        let cases = [
            (GOOD.replace("erp-x", "Erp_X"), "must be 1-64"),
            (GOOD.to_owned(), "differs from its folder"),
            (GOOD.replace("1.2.3", "one"), "not semver"),
            (GOOD.replace("0.1.0", "0.9.0"), "incompatible WIT version"),
            (GOOD.replace("weft:plugin@", "other:x@"), "must look like"),
            (GOOD.replace("kind = \"connector\"", "kind = \"transform\""), "transforms get no network"),
            (GOOD.replace("version", "versio"), "malformed plugin.toml"),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            let folder = if i == 1 {
                "other"
            } else if i == 0 {
                "Erp_X"
            } else {
                "erp-x"
            };
            let err = Manifest::parse(text, folder).unwrap_err();
            assert!(err.contains(want), "case {i}: {err}");
        }
        assert_eq!(WitVersion::serving(&semver::Version::new(0, 1, 7)), Some(WitVersion::V0_1_0));
        assert_eq!(WitVersion::serving(&semver::Version::new(0, 2, 3)), Some(WitVersion::V0_2_0));
        assert_eq!(WitVersion::serving(&semver::Version::new(1, 1, 0)), None);
    }
}
