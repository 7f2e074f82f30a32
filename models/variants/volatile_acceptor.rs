//! `volatile-acceptor`
//!
//! # Bug
//! Acceptors keep their promise and their accepted proposal only in volatile memory, so a
//! crash-restart forgets both.
//!
//! # Violates
//! `conflict-resolution`, `coherence` (only where an acceptor may crash and restart).
//!
//! # Why
//! Paxos's safety argument counts on an acceptor never going back on a promise or forgetting
//! an acceptance: that is why an acceptor writes both to stable storage before it answers.
//! An acceptor that restarts empty can be counted in a second majority that reports nothing,
//! so a later ballot is free to propose another value.
//!
//! # Counterexample
//! p1's ballot 1 gets "red" accepted by a1 and a2: "red" is chosen. a2 crashes and restarts
//! with nothing. p2's ballot 2 gathers promises from a2 and a3, neither reports anything, so
//! p2 proposes "blue", and a2 and a3 accept it: "blue" is chosen too. With no crash the bug
//! is invisible.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.3: "an acceptor must remember this
//! information even if it fails and then restarts", and section 3's stable storage.

use crate::node::AcceptorState;
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;

pub struct VolatileAcceptor;

impl Rules for VolatileAcceptor {
    fn acceptor_persists(&self, _state: &AcceptorState) -> Option<AcceptorState> {
        None
    }
}

pub const VARIANT: Variant = Variant {
    name: "volatile-acceptor",
    summary: "acceptors keep promises and accepted values only in volatile state",
    rules: &VolatileAcceptor,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("volatile_acceptor.rs"),
    exposed_by: &["crash-restart"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
