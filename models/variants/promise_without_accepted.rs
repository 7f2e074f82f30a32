//! `promise-without-accepted`
//!
//! # Bug
//! A promise omits the acceptor's accepted ballot and value.
//!
//! # Violates
//! `conflict-resolution`, and `coherence` where two learners can each hear one of the two
//! chosen values (as in `classic`).
//!
//! # Why
//! The proposer can only adopt a possibly-chosen value if the promises tell it about one.
//! Promises that always say "nothing accepted" make every proposer free to propose its own
//! value, exactly as if it ignored the reports.
//!
//! # Counterexample
//! p1's ballot 1 gets "red" chosen by a1 and a2. p2's ballot 2 gathers promises from a2 and
//! a3; a2 accepted "red" but its promise says nothing, so p2 proposes "blue", and a2 and a3
//! accept it: "blue" is chosen too.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2, phase 1b: the acceptor responds "with
//! the highest-numbered proposal (if any) that it has accepted".

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::types::{Ballot, Value};

pub struct PromiseWithoutAccepted;

impl Rules for PromiseWithoutAccepted {
    fn promise_reports(&self, _accepted: Option<(Ballot, Value)>) -> Option<(Ballot, Value)> {
        None
    }
}

pub const VARIANT: Variant = Variant {
    name: "promise-without-accepted",
    summary: "a promise omits the acceptor's accepted ballot and value",
    rules: &PromiseWithoutAccepted,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("promise_without_accepted.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
