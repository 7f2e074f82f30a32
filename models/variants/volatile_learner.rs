//! `volatile-learner`
//!
//! # Bug
//! A learner keeps its decision only in volatile memory, so a crash-restart loses it.
//!
//! # Violates
//! `no-takebacks`.
//!
//! # Why
//! A decision is a promise to the outside world. A node that forgets it after a restart
//! has, as far as its users can tell, taken it back.
//!
//! # Counterexample
//! "red" is chosen and l1 decides it. l1 crashes and restarts with nothing: it now holds no
//! decision.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 3: stable storage survives failures; the
//! guide's no-takebacks rule.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;

pub struct VolatileLearner;

impl Rules for VolatileLearner {
    fn learner_persists_decision(&self) -> bool {
        false
    }
}

pub const VARIANT: Variant = Variant {
    name: "volatile-learner",
    summary: "a learner's decision is not durable and is lost on crash-restart",
    rules: &VolatileLearner,
    violates: &[PropertyName::NoTakebacks],
    source: include_str!("volatile_learner.rs"),
    exposed_by: &["learner-crash"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
