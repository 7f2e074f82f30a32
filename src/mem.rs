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

/// Hands the memory the allocator holds free back to the system, then resets the peak to
/// the resident set; returns that resident set. mimalloc (the binary's allocator) keeps
/// freed pages for reuse: after a run of stateright's breadth-first search (2 GB) the next
/// run started at over a gigabyte resident, and its peak said so.
pub fn reset_peak() -> Option<u64> {
    // SAFETY: `mi_collect` only returns free pages; it is safe at any time, from any
    // thread, and a no-op for memory that another allocator (the tests') handed out.
    unsafe { libmimalloc_sys::mi_collect(true) };
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

/// CPU seconds (user + system, every thread, ended ones included) the process has used so
/// far, to the nanosecond (`CLOCK_PROCESS_CPUTIME_ID`): the clock ticks of
/// `/proc/self/stat` (fields 14 and 15, its fallback) are hundredths, as long as a whole
/// first-violation run in `bench`.
pub fn cpu_seconds() -> Option<f64> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the call's whole duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    if rc == 0 {
        Some(t.tv_sec as f64 + t.tv_nsec as f64 / 1e9)
    } else {
        stat_seconds(14, 15)
    }
}

/// CPU seconds (user + system) of the children this process has waited for, to the
/// microsecond (`getrusage(RUSAGE_CHILDREN)`; fields 16 and 17 of `/proc/self/stat`, in
/// hundredths, its fallback): what `bench --spin` counts for pan.
pub fn children_cpu_seconds() -> Option<f64> {
    // SAFETY: an all-zero `rusage` is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage for the call's whole duration.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc == 0 {
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
    } else {
        stat_seconds(16, 17)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_seconds_are_counted_finer_than_clock_ticks() {
        // A hundredth of a second is a whole first-violation run in `bench`.
        let a = cpu_seconds().expect("a CPU clock");
        let mut b = a;
        while b == a {
            b = cpu_seconds().expect("a CPU clock");
        }
        assert!(b > a && b - a < 0.005, "{a} -> {b}");
        assert!(children_cpu_seconds().is_some_and(|c| c >= 0.0));
    }
}
