//! The process's memory and CPU time as the kernel counts them (`/proc/self/status`,
//! `/proc/self/stat`): the resident set now and at its peak, for progress lines,
//! `--memory-max` and `bench`, and the CPU seconds a simulation shard reports. `None` where
//! there is no procfs.

fn field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The resident set now, in bytes.
pub fn rss() -> Option<u64> {
    field("VmRSS:")
}

/// Resets the peak to the current resident set; returns the current resident set.
pub fn reset_peak() -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    rss()
}

/// The peak resident set since the start or the last [`reset_peak`], in bytes.
pub fn peak() -> Option<u64> {
    field("VmHWM:")
}

/// The machine's memory available to new allocations (`MemAvailable` in /proc/meminfo).
pub fn available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The sum of two clock-tick fields of `/proc/self/stat` (numbered from 1), in seconds:
/// ticks are 1/100 s (Linux's fixed `USER_HZ`).
fn stat_seconds(a: usize, b: usize) -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name, field 2, is in parentheses and may hold spaces: count from after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3)?.parse::<u64>().ok();
    Some((ticks(a)? + ticks(b)?) as f64 / 100.0)
}

/// CPU seconds (user + system, every thread) the process has used so far: fields 14 and 15
/// of `/proc/self/stat`.
pub fn cpu_seconds() -> Option<f64> {
    stat_seconds(14, 15)
}

/// CPU seconds (user + system) of the children this process has waited for: fields 16 and
/// 17 of `/proc/self/stat` (what `bench --spin` counts for pan).
pub fn children_cpu_seconds() -> Option<f64> {
    stat_seconds(16, 17)
}
