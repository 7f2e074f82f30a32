//! `accept-below-promise`
//!
//! # Bug
//! An acceptor accepts a proposal whose ballot is lower than the one it promised.
//!
//! # Violates
//! `conflict-resolution`, and `coherence` where two learners can each hear one of the two
//! chosen values (as in `classic`).
//!
//! # Why
//! A promise is what lets a proposer rely on its phase-1 answers: "I will accept nothing
//! below your ballot, and this is all I accepted so far". Breaking it lets an older ballot
//! get a value chosen behind the back of a newer proposer that already picked its value.
//!
//! # Counterexample
//! p2's ballot 2 gathers promises from a2 and a3 (nothing accepted yet) and proposes "blue".
//! Meanwhile p1's ballot 1 got promises from a1 and a2 and sends Accept(b=1, "red"); a2
//! accepts it despite its promise to ballot 2, so "red" is chosen by a1 and a2. Then a2 and a3
//! accept (b=2, "blue"): "blue" is chosen too.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2, P1a: "an acceptor can accept a proposal
//! numbered n iff it has not responded to a prepare request having a number greater than n".

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::types::Ballot;

pub struct AcceptBelowPromise;

impl Rules for AcceptBelowPromise {
    fn may_accept(&self, _promised: Ballot, _b: Ballot) -> bool {
        true
    }
}

pub const VARIANT: Variant = Variant {
    name: "accept-below-promise",
    summary: "an acceptor accepts a ballot lower than the one it promised",
    rules: &AcceptBelowPromise,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("accept_below_promise.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
