//! A line diff of two config texts (what saving a change or a rollback would change), as the
//! lines of each side marked kept, removed or added.

use serde::Serialize;

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `" "` kept, `"-"` only in the old text, `"+"` only in the new.
    pub op: &'static str,
    /// The line.
    pub text: String,
}

/// Longest texts diffed line by line (a longer one is shown whole, removed then added).
const MAX_LINES: usize = 5000;

/// The lines of `old` and `new`, in order, each marked (longest common subsequence).
pub fn lines(old: &str, new: &str) -> Vec<Line> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let line = |op, text: &str| Line { op, text: text.to_owned() };
    if a.len() > MAX_LINES || b.len() > MAX_LINES {
        return a.iter().map(|t| line("-", t)).chain(b.iter().map(|t| line("+", t))).collect();
    }
    // common[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut common = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] { common[i + 1][j + 1] + 1 } else { common[i + 1][j].max(common[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(line(" ", a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push(line("-", a[i]));
            i += 1;
        } else {
            out.push(line("+", b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_is_removed_and_added_and_the_rest_kept() {
        let diff = lines("a\nb\nc\n", "a\nB\nc\nd\n");
        let shown: Vec<String> = diff.iter().map(|l| format!("{}{}", l.op, l.text)).collect();
        assert_eq!(shown, [" a", "-b", "+B", " c", "+d"]);
    }
}
