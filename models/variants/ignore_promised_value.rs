//! `ignore-promised-value`
//!
//! # Bug
//! After phase 1 the proposer proposes its own value even when a promise reported a value
//! an acceptor had already accepted.
//!
//! # Violates
//! `conflict-resolution`, `coherence`.
//!
//! # Why
//! Paxos keeps a chosen value chosen because every later ballot's proposer must adopt the
//! value of the highest ballot its phase-1 quorum reports (P2c). A chosen value was accepted
//! by a majority, so any later majority contains an acceptor that reports it. Ignoring that
//! report lets a later ballot get a different value accepted by another majority.
//!
//! # Counterexample
//! p1 runs ballot 1 with a1, a2: both promise, both accept "red", so "red" is chosen. p2 runs
//! ballot 2 with a2, a3: a2's promise reports (b=1, "red"), p2 ignores it and sends
//! Accept(b=2, "blue"); a2 and a3 accept it, so "blue" is chosen too (14 steps). Once l1
//! hears ballot 1 and l2 hears ballot 2 they decide differently.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2, P2c and the phase-2a rule: "v is the
//! value of the highest-numbered proposal among the responses, or is any value if the
//! responses reported no proposals".

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::types::{Ballot, Value};

pub struct IgnorePromisedValue;

impl Rules for IgnorePromisedValue {
    fn value_to_propose(&self, own: Value, _reported: &[(Ballot, Value)]) -> Value {
        own
    }
}

pub const VARIANT: Variant = Variant {
    name: "ignore-promised-value",
    summary: "the proposer proposes its own value even when a promise reports an accepted one",
    rules: &IgnorePromisedValue,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("ignore_promised_value.rs"),
    exposed_by: &["classic"],
    scenarios: &[
        "classic",
        "crash-restart",
        "four-acceptors",
        "learner-crash",
        "lossy-duplicating",
        "dueling",
    ],
    declared: true,
};
