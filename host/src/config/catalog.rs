//! Catalog flows' onboarding decisions: what a person decided for an ERP product the existing
//! shop makes ambiguous (see `weft onboard`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What to do with one ERP product whose link to the shop a person must decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Decision {
    /// Never write it.
    Skip,
    /// Create a product of its own (under a handle no other product has).
    Create,
    /// Update this Shopify product (`gid://shopify/Product/N`) in place.
    Link(String),
}

impl TryFrom<String> for Decision {
    type Error = String;

    fn try_from(text: String) -> Result<Decision, String> {
        match text.as_str() {
            "skip" => Ok(Decision::Skip),
            "create" => Ok(Decision::Create),
            gid if gid
                .strip_prefix("gid://shopify/Product/")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
            {
                Ok(Decision::Link(text))
            }
            _ => Err(format!("`{text}`: expected \"skip\", \"create\" or a product id (gid://shopify/Product/N)")),
        }
    }
}

impl From<Decision> for String {
    fn from(d: Decision) -> String {
        d.to_string()
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Skip => f.write_str("skip"),
            Decision::Create => f.write_str("create"),
            Decision::Link(gid) => f.write_str(gid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_parse_or_say_what_they_take() {
        assert_eq!(Decision::try_from("skip".to_owned()), Ok(Decision::Skip));
        assert_eq!(
            Decision::try_from("gid://shopify/Product/7".to_owned()),
            Ok(Decision::Link("gid://shopify/Product/7".into()))
        );
        assert!(Decision::try_from("gid://shopify/Variant/7".to_owned()).unwrap_err().contains("skip"));
    }
}
