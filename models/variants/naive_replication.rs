//! `naive-replication`
//!
//! # Bug
//! Not Paxos at all: replication without consensus. Each proposer (a client) writes its
//! value to every acceptor; each acceptor (a replica) keeps the first value it receives,
//! ignores every later one, and copies the value it kept to the learners, which keep the
//! first copy they receive. No ballots, no promises, no quorums (see `replication.rs`).
//!
//! # Violates
//! `coherence`, `conflict-resolution`.
//!
//! # Why
//! Replication only copies state; it has no way to settle a conflict. When two clients
//! write different values at once, whichever write reaches a replica first wins *there*,
//! and the replicas disagree for good. Each replica took its value on its own, so two
//! values are chosen. Nothing is ever taken back (a replica never changes its value, and
//! it keeps it on disk), so `no-takebacks` holds: this is the guide's point that
//! replication is not consensus.
//!
//! # Counterexample
//! p1's write of "red" reaches a1, p2's write of "blue" reaches a2: a1 holds "red", a2
//! holds "blue", two steps in.
//!
//! # Reference
//! The consensus guide, "Consensus vs Replication": replication algorithms just copy state;
//! consensus algorithms deal with ambiguity and conflicting updates.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::replication::{Adopt, Protocol};
use crate::rules::Rules;

pub struct NaiveReplication;

impl Rules for NaiveReplication {
    fn protocol(&self) -> Protocol {
        Protocol::Replication(Adopt::First)
    }

    /// A replica takes a value on its own, without asking anyone: one replica makes a
    /// value chosen.
    fn phase2_quorum(&self, _acceptors: usize) -> usize {
        1
    }

    /// The harness's symmetry reduction describes Paxos states only.
    fn symmetric(&self) -> bool {
        false
    }
}

pub const VARIANT: Variant = Variant {
    name: "naive-replication",
    summary: "not Paxos: each replica keeps the first value it receives and copies it on",
    rules: &NaiveReplication,
    violates: &[PropertyName::Coherence, PropertyName::ConflictResolution],
    source: include_str!("naive_replication.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
