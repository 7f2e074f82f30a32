//! `lowest-accepted-value`
//!
//! # Bug
//! After phase 1 the proposer adopts the reported value with the *lowest* ballot instead of
//! the highest.
//!
//! # Violates
//! `conflict-resolution`.
//!
//! # Why
//! Only the value of the highest reported ballot is safe: a value accepted in a lower ballot
//! may have been abandoned, while the highest one may already be chosen (P2c). Adopting an
//! older value can overwrite a chosen one.
//!
//! # Counterexample
//! p1's ballot 1 gets "red" accepted by a1 alone. p2's ballot 2 gets "blue" accepted by a2
//! and a3: "blue" is chosen. p3's ballot 3 hears from a1 (b=1, "red") and a2 (b=2, "blue");
//! it picks the lowest, "red", and a1 and a2 accept it: "red" is chosen too. It takes three
//! ballots, so the `three-proposers` scenario (a proposer retrying would do as well, at a
//! much larger state space).
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2: "v is the value of the
//! highest-numbered proposal among the responses".

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::types::{Ballot, Value};

pub struct LowestAcceptedValue;

impl Rules for LowestAcceptedValue {
    fn value_to_propose(&self, own: Value, reported: &[(Ballot, Value)]) -> Value {
        reported.iter().min().map_or(own, |&(_, v)| v)
    }
}

pub const VARIANT: Variant = Variant {
    name: "lowest-accepted-value",
    summary: "the proposer adopts the reported value with the lowest ballot, not the highest",
    rules: &LowestAcceptedValue,
    violates: &[PropertyName::ConflictResolution],
    source: include_str!("lowest_accepted_value.rs"),
    exposed_by: &["three-proposers"],
    scenarios: &[
        "classic",
        "crash-restart",
        "four-acceptors",
        "learner-crash",
        "lossy-duplicating",
        "three-proposers",
        "dueling",
    ],
    declared: true,
};
