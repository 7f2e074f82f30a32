//! `minority-quorum`
//!
//! # Bug
//! The phase-2 quorum is a single acceptor: a value counts as chosen, and learners decide,
//! as soon as one acceptor accepts it.
//!
//! # Violates
//! `conflict-resolution`, `coherence`.
//!
//! # Why
//! Paxos needs every phase-1 quorum to intersect every phase-2 quorum, so a later proposer
//! always hears of a chosen value. A one-acceptor phase-2 quorum misses most majorities.
//!
//! # Counterexample
//! p1's ballot 1 gets "red" accepted by a1: chosen. p2's ballot 2 prepares with a2 and a3,
//! which report nothing, and gets "blue" accepted by a2: chosen too. l1 hears a1 and
//! decides "red"; l2 hears a2 and decides "blue".
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2 (a value is chosen by a majority); Howard
//! et al., *Flexible Paxos* (2016): phase-1 and phase-2 quorums must intersect.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;

pub struct MinorityQuorum;

impl Rules for MinorityQuorum {
    fn phase2_quorum(&self, _acceptors: usize) -> usize {
        1
    }
}

pub const VARIANT: Variant = Variant {
    name: "minority-quorum",
    summary: "the phase-2 quorum is one acceptor",
    rules: &MinorityQuorum,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("minority_quorum.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
