//! The two text formats a scraper may ask for: OpenMetrics 1.0 (what the registry encodes) and
//! the classic Prometheus text format 0.0.4 (what `promtool check metrics` and scrapers that do
//! not ask for OpenMetrics read), chosen from the request's `Accept` header.

/// A text format of the scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
    /// `text/plain; version=0.0.4` (the default when the scraper states no preference).
    Classic,
}

impl Format {
    /// The format the `Accept` header prefers: OpenMetrics when it is acceptable with a weight at
    /// least that of the classic text (`text/plain`, `text/*` or `*/*`), else the classic text.
    pub fn negotiate(accept: Option<&str>) -> Format {
        let Some(accept) = accept else { return Format::Classic };
        let (mut open, mut classic) = (0.0f32, 0.0f32);
        for range in accept.split(',') {
            let mut params = range.split(';').map(str::trim);
            let media = params.next().unwrap_or_default().to_ascii_lowercase();
            let q = params
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, v)| v.trim().parse::<f32>().ok())
                .filter(|q| q.is_finite())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            match media.as_str() {
                "application/openmetrics-text" => open = open.max(q),
                "text/plain" | "text/*" | "*/*" => classic = classic.max(q),
                _ => {}
            }
        }
        if open > 0.0 && open >= classic {
            Format::OpenMetrics
        } else {
            Format::Classic
        }
    }

    /// The response's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Classic => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// The classic text of an OpenMetrics exposition: counters are named with their `_total` suffix
/// in `# HELP` and `# TYPE` (the classic format names the samples' family that way), `unknown`
/// becomes `untyped`, and `# UNIT` and `# EOF` (OpenMetrics only) are left out. Exemplars and
/// `_created` series are not produced by this registry, so there is nothing else to change.
pub fn classic(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_once(' '))
        .filter(|(_, kind)| *kind == "counter")
        .map(|(name, _)| name)
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "].into_iter().find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let tail = if prefix == "# TYPE " && tail == "unknown" { "untyped" } else { tail };
                let suffix = if counters.contains(name) { "_total" } else { "" };
                out.push_str(&format!("{prefix}{name}{suffix} {tail}\n"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_the_weights() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(Format::negotiate(None), Format::Classic);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Classic);
        assert_eq!(Format::negotiate(Some("text/plain;version=0.0.4")), Format::Classic);
        assert_eq!(Format::negotiate(Some("text/plain;q=1, application/openmetrics-text;q=0.5")), Format::Classic);
        assert_eq!(Format::negotiate(Some("application/openmetrics-text;q=0")), Format::Classic);
        assert_eq!(Format::negotiate(Some("application/openmetrics-text;q=nan")), Format::OpenMetrics);
    }

    #[test]
    fn counters_get_their_total_name_and_openmetrics_lines_go() {
        let om = "# HELP weft_records Records.\n# TYPE weft_records counter\nweft_records_total{flow=\"a\"} 1\n\
                  # HELP weft_run_duration_seconds Runs.\n# TYPE weft_run_duration_seconds histogram\n# UNIT weft_run_duration_seconds seconds\n\
                  weft_run_duration_seconds_sum 0.5\n# TYPE weft_x unknown\nweft_x 1\n# EOF\n";
        let text = classic(om);
        assert_eq!(
            text,
            "# HELP weft_records_total Records.\n# TYPE weft_records_total counter\nweft_records_total{flow=\"a\"} 1\n\
             # HELP weft_run_duration_seconds Runs.\n# TYPE weft_run_duration_seconds histogram\n\
             weft_run_duration_seconds_sum 0.5\n# TYPE weft_x untyped\nweft_x 1\n"
        );
    }
}
