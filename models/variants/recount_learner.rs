//! `recount-learner`
//!
//! # Bug
//! A learner re-derives its decision from the latest `Accepted` of each acceptor, and drops
//! it when the count for one ballot falls below a quorum.
//!
//! # Violates
//! `no-takebacks`.
//!
//! # Why
//! Once a value is chosen it stays chosen, even when its acceptors move on to higher
//! ballots (which carry the same value). Recounting per ballot mistakes that progress for a
//! change of mind, and retracts a decision users have seen.
//!
//! # Counterexample
//! "red" is chosen in ballot 1 by a1 and a2; l1 hears both and decides "red". p2's ballot 2
//! adopts "red" and a2 accepts (b=2, "red"). l1 hears it: a2's latest vote is now ballot 2,
//! ballot 1 has one vote left, and l1 drops its decision.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2: "once a value is chosen, it remains
//! chosen"; the guide's no-takebacks rule.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::types::{Value, Vote};

pub struct RecountLearner;

impl Rules for RecountLearner {
    fn learner_may_change_mind(&self) -> bool {
        true
    }
    fn learner_decides(&self, votes: &[Vote], quorum: usize) -> Option<Value> {
        // The latest (highest-ballot) vote of each acceptor; votes are sorted by ballot.
        let mut latest: Vec<Vote> = Vec::new();
        for v in votes {
            latest.retain(|w| w.acceptor != v.acceptor);
            latest.push(*v);
        }
        latest.iter().find_map(|v| {
            let n = latest.iter().filter(|w| w.b == v.b && w.v == v.v).count();
            (n >= quorum).then_some(v.v)
        })
    }
}

pub const VARIANT: Variant = Variant {
    name: "recount-learner",
    summary:
        "a learner recounts the latest Accepted per acceptor and drops its decision below a quorum",
    rules: &RecountLearner,
    violates: &[PropertyName::NoTakebacks],
    source: include_str!("recount_learner.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
