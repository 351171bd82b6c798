//! Shopify's search syntax (`query:` arguments): values quoted so any text is matched as it is.

/// `value` as a quoted search term.
pub fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A search for any of `skus`: `sku:"A" OR sku:"B"`.
pub fn any_sku<S: AsRef<str>>(skus: &[S]) -> String {
    any_of("sku", skus)
}

/// A search for any of `values` of `field`: `barcode:"A" OR barcode:"B"`.
pub fn any_of<S: AsRef<str>>(field: &str, values: &[S]) -> String {
    values.iter().map(|v| format!("{field}:{}", quoted(v.as_ref()))).collect::<Vec<_>>().join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_quoted_and_escaped() {
        assert_eq!(any_sku(&["A", "B\"1", "C\\2"]), r#"sku:"A" OR sku:"B\"1" OR sku:"C\\2""#);
    }
}
