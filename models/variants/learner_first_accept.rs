//! `learner-first-accept`
//!
//! # Bug
//! A learner decides on the first `Accepted` it hears, without waiting for a quorum.
//!
//! # Violates
//! `coherence`.
//!
//! # Why
//! One acceptor's acceptance does not make a value chosen: a later ballot may still choose
//! another one. Values *chosen* stay unique (the acceptors run correct Paxos), but learners
//! that decide on a single vote can decide values that were never chosen.
//!
//! # Counterexample
//! p1's ballot 1 gets "red" accepted by a1, which tells l1: l1 decides "red". p2's ballot 2
//! prepares with a2 and a3 (nothing to report) and gets "blue" accepted by a2, which tells
//! l2: l2 decides "blue".
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.3: a learner must find out that "a proposal
//! has been accepted by a majority of acceptors".

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::types::{Value, Vote};

pub struct LearnerFirstAccept;

impl Rules for LearnerFirstAccept {
    fn learner_decides(&self, votes: &[Vote], _quorum: usize) -> Option<Value> {
        votes.first().map(|v| v.v)
    }
}

pub const VARIANT: Variant = Variant {
    name: "learner-first-accept",
    summary: "a learner decides on the first Accepted it hears",
    rules: &LearnerFirstAccept,
    violates: &[PropertyName::Coherence],
    source: include_str!("learner_first_accept.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
