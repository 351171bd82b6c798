//! What differs between two JSON values, path by path (`[0].Ok[0].Product.sku: expected "A", got
//! "B"`), for `weft plugins test` failures.

use serde_json::Value;

/// Differences shown of one comparison; the rest are counted.
const MAX_DIFFERENCES: usize = 20;

/// What differs between `expected` and `got`, one line per differing value with its path
/// (`[0].Ok[0].Product.variants[0].sku`), at most [`MAX_DIFFERENCES`] lines; empty when equal.
pub fn json_diff(expected: &Value, got: &Value) -> Vec<String> {
    let mut diff = Diff { lines: Vec::new(), total: 0 };
    diff.at("", expected, got);
    if diff.total > diff.lines.len() {
        let more = diff.total - diff.lines.len();
        diff.lines.push(format!("    ... and {more} more difference(s)"));
    }
    diff.lines
}

struct Diff {
    lines: Vec<String>,
    total: usize,
}

impl Diff {
    fn push(&mut self, line: String) {
        self.total += 1;
        if self.lines.len() < MAX_DIFFERENCES {
            self.lines.push(line);
        }
    }

    fn at(&mut self, path: &str, expected: &Value, got: &Value) {
        let join = |k: &str| if path.is_empty() { k.to_owned() } else { format!("{path}.{k}") };
        let here = if path.is_empty() { "(the whole value)" } else { path };
        match (expected, got) {
            (Value::Object(e), Value::Object(g)) => {
                for (k, ev) in e {
                    match g.get(k) {
                        Some(gv) => self.at(&join(k), ev, gv),
                        None => self.push(format!("    {}: expected {}, missing", join(k), shown(ev))),
                    }
                }
                for (k, gv) in g.iter().filter(|(k, _)| !e.contains_key(*k)) {
                    self.push(format!("    {}: not expected, got {}", join(k), shown(gv)));
                }
            }
            (Value::Array(e), Value::Array(g)) => {
                for (i, (ev, gv)) in e.iter().zip(g).enumerate() {
                    self.at(&format!("{path}[{i}]"), ev, gv);
                }
                if e.len() != g.len() {
                    self.push(format!("    {here}: expected {} item(s), got {}", e.len(), g.len()));
                    for (i, ev) in e.iter().enumerate().skip(g.len()) {
                        self.push(format!("    {path}[{i}]: expected {}, missing", shown(ev)));
                    }
                    for (i, gv) in g.iter().enumerate().skip(e.len()) {
                        self.push(format!("    {path}[{i}]: not expected, got {}", shown(gv)));
                    }
                }
            }
            (e, g) if e != g => self.push(format!("    {here}: expected {}, got {}", shown(e), shown(g))),
            _ => {}
        }
    }
}

/// A JSON value on one line, cut at 200 characters.
fn shown(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 200 {
        format!("{}…", text.chars().take(200).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_names_each_differing_path() {
        let expected = serde_json::json!([{"Ok": [{"Product": {"sku": "A", "tags": ["x"], "title": "T"}}]}]);
        let got = serde_json::json!([{"Ok": [{"Product": {"sku": "B", "tags": ["x", "y"], "title": "T"}}]}]);
        let diff = json_diff(&expected, &got);
        assert_eq!(
            diff,
            [
                "    [0].Ok[0].Product.sku: expected \"A\", got \"B\"",
                "    [0].Ok[0].Product.tags: expected 1 item(s), got 2",
                "    [0].Ok[0].Product.tags[1]: not expected, got \"y\"",
            ]
        );
        assert!(json_diff(&expected, &expected).is_empty());
    }
}
