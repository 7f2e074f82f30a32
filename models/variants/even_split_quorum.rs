//! `even-split-quorum`
//!
//! # Bug
//! Quorums are half the acceptors (n/2), which with an even number of acceptors lets two
//! quorums be disjoint.
//!
//! # Violates
//! `conflict-resolution` (and `coherence` where two learners hear the two halves).
//!
//! # Why
//! Quorum intersection is what carries a chosen value into every later ballot. With four
//! acceptors, {a1, a2} and {a3, a4} are both "quorums" of two and share nobody.
//!
//! # Counterexample
//! p1's ballot 1 prepares and gets "red" accepted with a1 and a2: chosen. p2's ballot 2
//! prepares with a3 and a4, which report nothing, and gets "blue" accepted by them: chosen
//! too. Meant for even clusters only (`four-acceptors`): with three acceptors n/2 is a
//! single acceptor, which is `minority-quorum` and breaks `coherence` as well.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2: a majority, so that any two majorities
//! have an acceptor in common.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;

pub struct EvenSplitQuorum;

impl Rules for EvenSplitQuorum {
    fn phase1_quorum(&self, acceptors: usize) -> usize {
        (acceptors / 2).max(1)
    }
    fn phase2_quorum(&self, acceptors: usize) -> usize {
        (acceptors / 2).max(1)
    }
}

pub const VARIANT: Variant = Variant {
    name: "even-split-quorum",
    summary: "quorums are n/2 acceptors, so with an even n two quorums need not intersect",
    rules: &EvenSplitQuorum,
    violates: &[PropertyName::ConflictResolution],
    source: include_str!("even_split_quorum.rs"),
    exposed_by: &["four-acceptors"],
    scenarios: &["four-acceptors"],
    declared: true,
};
