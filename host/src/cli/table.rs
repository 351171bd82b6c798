//! Plain-text tables whose columns line up whatever the values' widths.

/// A table: a header row, then rows; each column as wide as its widest cell (in characters).
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<usize>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Table {
        Table { headers: headers.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new(), right: Vec::new() }
    }

    /// Right-align these columns (numbers).
    pub fn right(mut self, columns: &[usize]) -> Table {
        self.right = columns.to_vec();
        self
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines (the last column is not padded).
    pub fn lines(&self) -> Vec<String> {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        std::iter::once(&self.headers)
            .chain(&self.rows)
            .map(|row| {
                let cells: Vec<String> = (0..columns)
                    .map(|i| {
                        let cell = row.get(i).map(String::as_str).unwrap_or("");
                        let pad = widths[i].saturating_sub(cell.chars().count());
                        if self.right.contains(&i) {
                            format!("{}{cell}", " ".repeat(pad))
                        } else if i + 1 == columns {
                            cell.to_owned()
                        } else {
                            format!("{cell}{}", " ".repeat(pad))
                        }
                    })
                    .collect();
                cells.join("  ").trim_end().to_owned()
            })
            .collect()
    }

    /// Print it to stdout.
    pub fn print(&self) {
        for line in self.lines() {
            println!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn columns_line_up_with_the_widest_cell() {
        let mut t = Table::new(&["ID", "FLOW", "ERROR"]).right(&[0]);
        t.row(vec!["7".into(), "inventory-long-name".into(), "bad".into()]);
        t.row(vec!["1234".into(), "x".into(), "worse".into()]);
        let lines = t.lines();
        assert_eq!(lines[0], "  ID  FLOW                 ERROR");
        assert_eq!(lines[1], "   7  inventory-long-name  bad");
        assert_eq!(lines[2], "1234  x                    worse");
    }
}
