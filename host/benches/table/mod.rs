//! One line per measure for the table `scripts/bench.sh` prints: the measure, its goal, the
//! value, the baseline measured in the same run, their ratio and whether the goal is met.

/// Print a measure as a `RESULT` line (tab-separated, read by `scripts/bench.sh`).
pub fn result(measure: &str, goal: &str, value: &str, baseline: &str, ratio: f64, met: bool) {
    let verdict = if met { "met" } else { "NOT MET" };
    println!("RESULT\t{measure}\t{goal}\t{value}\t{baseline}\t{ratio:.3}\t{verdict}");
}

/// The peak resident memory of process `pid` in MiB (`VmHWM`), where /proc says it.
pub fn peak_rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmHWM:")
}

/// The resident memory of process `pid` now, in MiB (`VmRSS`), where /proc says it.
pub fn rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmRSS:")
}

fn status_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU seconds (user + system) process `pid` has used so far, where /proc says it ("self":
/// this process).
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) end with `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
