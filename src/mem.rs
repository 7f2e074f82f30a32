//! The process's memory as the kernel counts it (`/proc/self/status`): the resident set now
//! and at its peak, for progress lines, `--memory-max` and `bench`. `None` where there is no
//! procfs.

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
