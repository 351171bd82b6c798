//! Export files as numbered rows: CSV with a header line, or JSON lines (one flat object per line,
//! the same keys as the CSV columns). Every row keeps its 1-based line number for error messages.

use std::collections::BTreeMap;

/// One data row.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line number in the file (the header is line 1 in CSV).
    pub line: u64,
    /// Column values, or why the row could not be read at all.
    pub fields: Result<BTreeMap<String, String>, String>,
}

impl Row {
    /// A column, trimmed; none when absent or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.as_ref().ok()?.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// The rows of `text`, read by the file's extension (`.csv` or `.jsonl`).
pub fn read(name: &str, text: &str) -> Vec<Row> {
    if name.ends_with(".jsonl") {
        json_lines(text)
    } else {
        csv_rows(text)
    }
}

fn csv_rows(text: &str) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
        Err(e) => return vec![Row { line: 1, fields: Err(format!("unreadable header: {e}")) }],
    };
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let fields = if record.len() != headers.len() {
                    Err(format!("{} columns, the header has {}", record.len(), headers.len()))
                } else {
                    Ok(headers.iter().cloned().zip(record.iter().map(str::to_owned)).collect())
                };
                rows.push(Row { line, fields });
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                rows.push(Row { line, fields: Err(format!("malformed CSV: {e}")) });
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    rows
}

fn json_lines(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Row { line: i as u64 + 1, fields: json_object(l) })
        .collect()
}

fn json_object(line: &str) -> Result<BTreeMap<String, String>, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("malformed JSON: {e}"))?;
    let object = value.as_object().ok_or("a JSON line must be an object")?;
    Ok(object
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
        .collect())
}
