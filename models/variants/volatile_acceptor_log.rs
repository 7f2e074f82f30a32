//! `volatile-acceptor-log`
//!
//! # Bug
//! A store acceptor writes its promise to durable storage but keeps the commands it
//! accepted, slot by slot, in memory only.
//!
//! # Violates
//! `conflict-resolution`, and then `log-coherence`: a replica that applied the first command finds another chosen in its slot.
//!
//! # Why
//! An acceptor's vote is a promise to every later leader: "this command may be chosen in
//! this slot; carry it on". After a crash and restart it reports an empty log, so a new
//! leader whose majority includes it may find no trace of a command that is already chosen,
//! and choose another one in the same slot.
//!
//! # Counterexample
//! a1 and a2 accept c1's put(x, 1) in slot 1 (chosen). a1 crashes and restarts with an empty
//! log; p2 prepares with a1 and a3, hears of nothing, and gets c2's get(x) chosen in slot 1
//! by a1 and a3.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.5: an acceptor must remember what it
//! accepted even if it fails and then restarts.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::store::{LogAcceptorState, StoreRules, SLOTS_MAX};

pub struct VolatileAcceptorLog;

impl Rules for VolatileAcceptorLog {
    fn store(&self) -> &'static dyn StoreRules {
        &VolatileAcceptorLog
    }
}

impl StoreRules for VolatileAcceptorLog {
    fn log_acceptor_persists(&self, a: &LogAcceptorState) -> Option<LogAcceptorState> {
        Some(LogAcceptorState {
            promised: a.promised,
            accepted: [None; SLOTS_MAX],
        })
    }
}

pub const VARIANT: Variant = Variant {
    name: "volatile-acceptor-log",
    summary: "a store acceptor keeps its promise durable but not the commands it accepted",
    rules: &VolatileAcceptorLog,
    violates: &[PropertyName::ConflictResolution, PropertyName::LogCoherence],
    source: include_str!("volatile_acceptor_log.rs"),
    exposed_by: &["kv-store-crash-restart"],
    scenarios: &["kv-store-crash-restart", "kv-store-one-slot"],
    declared: true,
};
