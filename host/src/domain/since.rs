//! Where a flow of shop orders starts: `now`, a date (`2026-01-31`) or an RFC 3339 time.

/// The RFC 3339 time (UTC) a `since` value names; `None` for `now`.
pub fn parse(since: &str) -> Result<Option<String>, String> {
    let since = since.trim();
    if since.eq_ignore_ascii_case("now") {
        return Ok(None);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(since) {
        return Ok(Some(t.to_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
    }
    chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d")
        .map(|d| Some(format!("{d}T00:00:00Z")))
        .map_err(|_| format!("`{since}`: use `now`, a date (2026-01-31) or an RFC 3339 time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_now_a_date_or_a_time() {
        assert_eq!(parse("now"), Ok(None));
        assert_eq!(parse("2026-03-01"), Ok(Some("2026-03-01T00:00:00Z".into())));
        assert_eq!(parse("2026-03-01T10:00:00+01:00"), Ok(Some("2026-03-01T09:00:00Z".into())));
        assert!(parse("yesterday").unwrap_err().contains("yesterday"));
    }
}
