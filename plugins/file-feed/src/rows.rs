//! Export files as numbered rows: CSV with a header line, or JSON lines (one flat object per line,
//! the same keys as the CSV columns). Every row keeps its 1-based line number for error messages
//! and the byte offset it starts at, so a pull resumes in the middle of a file without reading
//! what comes before: memory stays at one page whatever the file's size.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

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

/// Where a row starts: its byte offset and its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Byte offset in the file.
    pub offset: u64,
    /// 1-based line number.
    pub line: u64,
}

/// The data rows of one export file, read one at a time from a position on.
pub enum Rows {
    /// A CSV file: its header, and a reader started at a row's first byte.
    Csv { headers: Vec<String>, reader: csv::Reader<BufReader<File>>, base: Position, done: bool },
    /// A JSON-lines file.
    JsonLines { reader: BufReader<File>, at: Position },
    /// A CSV file whose header can't be read: one bad row at line 1, then nothing.
    BadHeader(Option<Row>),
}

/// Why a file could not be opened for reading.
pub type OpenError = String;

impl Rows {
    /// The rows of `path` (read by its extension, `.csv` or `.jsonl`) from `from` on, or from the
    /// first data row. A CSV file whose header can't be read yields one bad row, at line 1.
    pub fn open(path: &Path, from: Option<Position>) -> Result<Rows, OpenError> {
        let open = || File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
        let seek = |file: &mut File, at: Position| {
            file.seek(SeekFrom::Start(at.offset)).map_err(|e| format!("cannot read {}: {e}", path.display()))
        };
        if path.extension().is_some_and(|e| e == "jsonl") {
            let mut file = open()?;
            let at = from.unwrap_or(Position { offset: 0, line: 1 });
            seek(&mut file, at)?;
            return Ok(Rows::JsonLines { reader: BufReader::new(file), at });
        }
        let mut head = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(open()?);
        let mut record = csv::StringRecord::new();
        let headers: Vec<String> = match head.read_record(&mut record) {
            Ok(_) => record.iter().map(|s| s.trim().to_owned()).collect(),
            Err(e) => {
                return Ok(Rows::BadHeader(Some(Row { line: 1, fields: Err(format!("unreadable header: {e}")) })))
            }
        };
        let first = head.position();
        let base = from.unwrap_or(Position { offset: first.byte(), line: first.line() });
        let mut file = open()?;
        seek(&mut file, base)?;
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(BufReader::new(file));
        Ok(Rows::Csv { headers, reader, base, done: false })
    }

    /// The next data row and where it starts; `None` at the end. Blank rows are skipped.
    pub fn next_row(&mut self) -> Option<(Position, Row)> {
        match self {
            Rows::Csv { headers, reader, base, done } => next_csv(headers, reader, *base, done),
            Rows::JsonLines { reader, at } => next_json_line(reader, at),
            Rows::BadHeader(row) => row.take().map(|r| (Position { offset: 0, line: 1 }, r)),
        }
    }

    /// Where the row after the last one returned starts (the file's end once `next_row` is `None`).
    pub fn position(&self) -> Position {
        match self {
            Rows::Csv { reader, base, .. } => {
                let p = reader.position();
                Position { offset: base.offset + p.byte(), line: base.line + p.line() - 1 }
            }
            Rows::JsonLines { at, .. } => *at,
            Rows::BadHeader(_) => Position { offset: 0, line: 1 },
        }
    }
}

fn next_csv(
    headers: &[String],
    reader: &mut csv::Reader<BufReader<File>>,
    base: Position,
    done: &mut bool,
) -> Option<(Position, Row)> {
    let mut record = csv::StringRecord::new();
    loop {
        if *done {
            return None;
        }
        let start = reader.position();
        let at = Position { offset: base.offset + start.byte(), line: base.line + start.line() - 1 };
        match reader.read_record(&mut record) {
            Ok(false) => return None,
            Ok(true) => {
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let line = record.position().map(|p| base.line + p.line() - 1).unwrap_or(at.line);
                let fields = if record.len() != headers.len() {
                    Err(format!("{} columns, the header has {}", record.len(), headers.len()))
                } else {
                    Ok(headers.iter().cloned().zip(record.iter().map(str::to_owned)).collect())
                };
                return Some((Position { offset: at.offset, line }, Row { line, fields }));
            }
            Err(e) => {
                let line = e.position().map(|p| base.line + p.line() - 1).unwrap_or(at.line);
                // Past a malformed row (other than bad UTF-8) nothing in the file can be trusted.
                *done = !matches!(e.kind(), csv::ErrorKind::Utf8 { .. });
                return Some((
                    Position { offset: at.offset, line },
                    Row { line, fields: Err(format!("malformed CSV: {e}")) },
                ));
            }
        }
    }
}

fn next_json_line(reader: &mut BufReader<File>, at: &mut Position) -> Option<(Position, Row)> {
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let start = *at;
        let read = reader.read_until(b'\n', &mut bytes).ok()?;
        if read == 0 {
            return None;
        }
        at.offset += read as u64;
        at.line += 1;
        let text = String::from_utf8_lossy(&bytes);
        if text.trim().is_empty() {
            continue;
        }
        return Some((start, Row { line: start.line, fields: json_object(&text) }));
    }
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

/// sha256 of a whole file, read in chunks (hex).
pub fn sha256(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
