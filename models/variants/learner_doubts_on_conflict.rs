//! `learner-doubts-on-conflict`
//!
//! # Bug
//! A learner that has decided keeps listening, and a vote for another value makes it
//! withdraw its decision ("there is a conflict, wait for agreement") until it hears a
//! quorum again.
//!
//! # Violates
//! `no-takebacks` (on `classic`).
//!
//! # Why
//! A decision is final once a quorum accepted a value in one ballot: that value is chosen
//! and no other can be. A late vote for another value comes from an older ballot that lost,
//! and means nothing; withdrawing the decision takes back what users were shown.
//!
//! # Counterexample
//! 14 steps on `classic`: l1 decides "blue" from ballot 2, then a3's `Accepted(b=1, "red")`,
//! sent before ballot 2 won, arrives and l1 withdraws its decision.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.3: a learner learns a value once it is
//! chosen, and a chosen value stays chosen.

use crate::node::{LearnerState, Storage};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules};
use crate::types::{Ballot, Few, Value};

pub struct LearnerDoubtsOnConflict;

impl Rules for LearnerDoubtsOnConflict {
    /// Paxos, but a learner that has decided keeps listening, and a vote for another value
    /// makes it withdraw its decision until it hears a quorum again.
    fn on_accepted(
        &self,
        ctx: &Ctx,
        l: &LearnerState,
        acceptor: usize,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<LearnerState> {
        match l.decided {
            Some(d) if d != v => {
                fx.save = Some(Storage::Learner { decided: None });
                Some(LearnerState {
                    votes: Few::new(),
                    decided: None,
                })
            }
            Some(_) => None,
            None => Correct.on_accepted(ctx, l, acceptor, b, v, fx),
        }
    }
}

pub const VARIANT: Variant = Variant {
    name: "learner-doubts-on-conflict",
    summary: "a decided learner withdraws its decision when it hears a vote for another value",
    rules: &LearnerDoubtsOnConflict,
    violates: &[PropertyName::NoTakebacks],
    source: include_str!("learner_doubts_on_conflict.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
