//! `unanimous-quorum`
//!
//! # Bug
//! Every quorum is all the acceptors.
//!
//! # Violates
//! `fault-tolerance` only: it is still safe.
//!
//! # Why
//! All-acceptor quorums intersect, so nothing conflicting is ever chosen. But one acceptor
//! down blocks every ballot: a minority failure stops progress, which is what quorums of a
//! majority exist to avoid.
//!
//! # Counterexample
//! Not a trace: with a1 down from the start, no sequence of steps reaches a decision.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2 (a majority suffices) and the FLP-style
//! liveness discussion of section 2.4.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;

pub struct UnanimousQuorum;

impl Rules for UnanimousQuorum {
    fn phase1_quorum(&self, acceptors: usize) -> usize {
        acceptors
    }
    fn phase2_quorum(&self, acceptors: usize) -> usize {
        acceptors
    }
}

pub const VARIANT: Variant = Variant {
    name: "unanimous-quorum",
    summary: "every quorum is all acceptors: safe, but one acceptor down blocks progress",
    rules: &UnanimousQuorum,
    violates: &[PropertyName::FaultTolerance],
    source: include_str!("unanimous_quorum.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
