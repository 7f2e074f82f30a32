//! `learner-counts-duplicates`
//!
//! # Bug
//! A learner counts a duplicated `Accepted` from one acceptor as another vote.
//!
//! # Violates
//! `coherence` (only where the network duplicates messages).
//!
//! # Why
//! A quorum is a set of distinct acceptors. Counting copies lets one acceptor's vote, heard
//! twice, pass for a majority, so a learner decides a value that no majority accepted.
//!
//! # Counterexample
//! p1's ballot 1 gets "red" accepted by a1, and the network delivers a1's Accepted to l1
//! twice: l1 counts two votes and decides "red". p2's ballot 2 gets "blue" chosen by a2 and
//! a3, and l2 decides "blue".
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.3 (accepted by a majority of acceptors);
//! the network may duplicate messages (section 2.1).

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;

pub struct LearnerCountsDuplicates;

impl Rules for LearnerCountsDuplicates {
    fn learner_counts_duplicates(&self) -> bool {
        true
    }
}

pub const VARIANT: Variant = Variant {
    name: "learner-counts-duplicates",
    summary: "a learner counts a duplicated Accepted from one acceptor twice",
    rules: &LearnerCountsDuplicates,
    violates: &[PropertyName::Coherence],
    source: include_str!("learner_counts_duplicates.rs"),
    exposed_by: &["lossy-duplicating"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
