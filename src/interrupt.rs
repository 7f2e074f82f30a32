//! SIGINT and SIGTERM: the first one sets a flag that the engines poll (after every block
//! of states, between simulated runs, between matrix cells), so a run stops within a moment,
//! says what it had covered and that nothing is proven, writes no report, and exits
//! 128 + the signal (130, 143). A second signal while stopping ends the process at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

static SIGNAL: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// Installs the handlers (once; the CLI calls it at start). Library users who never call it
/// never see an interrupt.
pub fn install() {
    let flag = SIGNAL.get_or_init(|| Arc::new(AtomicUsize::new(0)));
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Registered first, so it sees the flag as the previous signal left it: a second
        // signal while the first is being handled exits at once.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, armed.clone());
        let _ = signal_hook::flag::register(sig, armed.clone());
        let _ = signal_hook::flag::register_usize(sig, flag.clone(), sig as usize);
    }
}

/// The signal received, if any.
pub fn signal() -> Option<i32> {
    SIGNAL
        .get()
        .map(|f| f.load(Ordering::Relaxed))
        .filter(|&s| s != 0)
        .map(|s| s as i32)
}

/// `SIGINT` / `SIGTERM`.
pub fn name(sig: i32) -> &'static str {
    match sig {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
