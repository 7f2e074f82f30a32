//! `shared-ballots`
//!
//! # Bug
//! Two proposers may use the same ballot number, and an acceptor promises a ballot *equal*
//! to the one it promised. Each half is harmless alone; together they are not.
//!
//! # Violates
//! `conflict-resolution`, and `coherence` where two learners can each hear one of the two
//! chosen values (as in `classic`).
//!
//! # Why
//! Paxos needs a ballot to stand for one proposal: then the acceptors of one ballot all
//! accept the same value. With shared numbers one ballot carries two values, and equal
//! promises let both proposers finish phase 1 with overlapping quorums.
//!
//! # Counterexample
//! p1 and p2 both use ballot 1. a2 promises ballot 1 to p1 and then again to p2. p1, with a1
//! and a2, sends Accept(b=1, "red"); p2, with a2 and a3, sends Accept(b=1, "blue"). a1 and a2
//! accept "red" (chosen), then a2 and a3 accept "blue" in the same ballot (chosen too).
//!
//! Not meant for `lossy-duplicating`: with one ballot shared and every message redelivered
//! forever, acceptors flip between the two values without end and the state space grows
//! past tens of millions of states.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2 ("different proposals have different
//! numbers") and P1a (a promise is not to accept anything *less than* n).

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::types::Ballot;

pub struct SharedBallots;

impl Rules for SharedBallots {
    fn ballot(&self, round: usize, _proposer: usize, _proposers: usize) -> Ballot {
        Ballot(round as u8 + 1)
    }
    fn may_promise(&self, promised: Ballot, b: Ballot) -> bool {
        b >= promised
    }
}

pub const VARIANT: Variant = Variant {
    name: "shared-ballots",
    summary: "proposers share ballot numbers and acceptors promise a ballot equal to their promise",
    rules: &SharedBallots,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("shared_ballots.rs"),
    exposed_by: &["classic"],
    scenarios: &[
        "classic",
        "crash-restart",
        "four-acceptors",
        "learner-crash",
    ],
    declared: true,
};
