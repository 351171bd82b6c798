//! The subset of Shopify's search syntax used in `query:` arguments:
//! `field:value`, `field:>value` (also `>=`, `<`, `<=`), quoted values, `value*` prefixes,
//! `-field:value` negation, implicit AND between terms, and bare words (matched against a
//! default field such as `title`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A comparison operator in a term.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

/// One `field:op value` term.
#[derive(Clone, Debug)]
struct Term {
    field: Option<String>,
    op: Op,
    value: String,
    negated: bool,
}

/// A parsed search query: alternatives joined by `OR`, each a list of terms that must all
/// match. An empty query matches everything.
#[derive(Clone, Debug, Default)]
pub struct Query {
    groups: Vec<Vec<Term>>,
}

impl Query {
    /// Parses `query`; unknown syntax degrades to bare-word terms, as Shopify is lenient too.
    pub fn parse(query: Option<&str>) -> Query {
        let Some(query) = query else {
            return Query::default();
        };
        let mut groups = vec![Vec::new()];
        for token in tokenize(query) {
            if token.eq_ignore_ascii_case("AND") {
                continue;
            }
            if token == "OR" {
                groups.push(Vec::new());
                continue;
            }
            let (negated, token) = match token.strip_prefix('-') {
                Some(rest) => (true, rest.to_string()),
                None => (false, token),
            };
            let (field, rest) = match token.split_once(':') {
                Some((f, r)) if !f.is_empty() && !f.contains('"') => (Some(f.to_lowercase()), r.to_string()),
                _ => (None, token.clone()),
            };
            let (op, value) = if let Some(v) = rest.strip_prefix(">=") {
                (Op::Ge, v)
            } else if let Some(v) = rest.strip_prefix("<=") {
                (Op::Le, v)
            } else if let Some(v) = rest.strip_prefix('>') {
                (Op::Gt, v)
            } else if let Some(v) = rest.strip_prefix('<') {
                (Op::Lt, v)
            } else {
                (Op::Eq, rest.as_str())
            };
            let value = value.trim_matches(|c| c == '"' || c == '\'').to_string();
            if let Some(group) = groups.last_mut() {
                group.push(Term { field, op, value, negated });
            }
        }
        groups.retain(|g| !g.is_empty());
        Query { groups }
    }

    /// True when every term of some alternative matches. `lookup(field)` returns the record's values for a field
    /// (`None` = the record has no such field: the term then fails); bare words use `default_field`.
    pub fn matches(&self, default_field: &str, lookup: impl Fn(&str) -> Option<Vec<String>>) -> bool {
        let term_matches = |t: &Term| {
            let field = t.field.as_deref().unwrap_or(default_field);
            let hit = match lookup(field) {
                Some(values) => values.iter().any(|v| compare(v, t.op, &t.value, t.field.is_none())),
                None => false,
            };
            hit != t.negated
        };
        self.groups.is_empty() || self.groups.iter().any(|g| g.iter().all(term_matches))
    }
}

fn tokenize(query: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in query.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                current.push(c);
            }
            (None, c) if c.is_whitespace() => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            (None, c) => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// Parses the date forms Shopify accepts in search: RFC 3339, `YYYY-MM-DDTHH:MM:SS`, `YYYY-MM-DD`.
pub fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

fn compare(actual: &str, op: Op, wanted: &str, bare_word: bool) -> bool {
    if let (Some(a), Some(w)) = (parse_time(actual), parse_time(wanted)) {
        return ordered(a.cmp(&w), op);
    }
    if let (Ok(a), Ok(w)) = (actual.parse::<f64>(), wanted.parse::<f64>()) {
        return ordered(a.partial_cmp(&w).unwrap_or(std::cmp::Ordering::Less), op);
    }
    let a = actual.to_lowercase();
    let w = wanted.to_lowercase();
    match op {
        Op::Eq => match w.strip_suffix('*') {
            Some(prefix) => a.starts_with(prefix),
            None if bare_word => a.contains(&w),
            None => a == w,
        },
        _ => ordered(a.cmp(&w), op),
    }
}

fn ordered(ord: std::cmp::Ordering, op: Op) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => ord == Equal,
        Op::Gt => ord == Greater,
        Op::Ge => ord != Less,
        Op::Lt => ord == Less,
        Op::Le => ord != Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(field: &str) -> Option<Vec<String>> {
        match field {
            "sku" => Some(vec!["ABC-1".into()]),
            "updated_at" => Some(vec!["2026-04-02T10:00:00Z".into()]),
            "title" => Some(vec!["Blue Shirt".into()]),
            _ => None,
        }
    }

    #[test]
    fn filters_by_field_time_and_words() {
        assert!(Query::parse(Some("sku:ABC-1")).matches("title", record));
        assert!(!Query::parse(Some("sku:ABC-2")).matches("title", record));
        assert!(Query::parse(Some("sku:ABC*")).matches("title", record));
        assert!(Query::parse(Some("updated_at:>'2026-04-01T00:00:00Z'")).matches("title", record));
        assert!(!Query::parse(Some("updated_at:>2026-04-03")).matches("title", record));
        assert!(Query::parse(Some("shirt AND sku:abc-1")).matches("title", record));
        assert!(!Query::parse(Some("-sku:ABC-1")).matches("title", record));
        assert!(!Query::parse(Some("vendor:x")).matches("title", record));
        assert!(Query::parse(Some("sku:NOPE OR sku:ABC-1")).matches("title", record));
        assert!(!Query::parse(Some("sku:NOPE OR sku:NADA")).matches("title", record));
    }
}
