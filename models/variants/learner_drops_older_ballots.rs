//! `learner-drops-older-ballots` (a correct control)
//!
//! # Bug
//! None: a learner keeps only the votes of the highest ballot it has heard; a vote for a
//! newer ballot discards the older ones, and a vote for an older ballot is ignored. It looks
//! like it could miss a chosen value.
//!
//! # Violates
//! Nothing: all four properties hold in every scenario it is checked in (the small worlds
//! and `three-proposers`).
//!
//! # Why
//! A learner decides on a quorum within one ballot, so votes of different ballots never add
//! up anyway; and once a value is chosen in ballot `b`, every higher ballot proposes that
//! same value, so following the highest ballot learns the same value, as soon as its quorum
//! reports.
//!
//! # Counterexample
//! None.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2, P2b: if `v` is chosen, every
//! higher-numbered proposal has value `v`.

use crate::node::LearnerState;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules};
use crate::types::{Ballot, Value};

pub struct LearnerDropsOlderBallots;

impl Rules for LearnerDropsOlderBallots {
    /// Paxos, but a learner keeps only the votes of the highest ballot it has heard: a vote
    /// for a newer ballot discards the older ones, and a vote for an older ballot is ignored.
    fn on_accepted(
        &self,
        ctx: &Ctx,
        l: &LearnerState,
        acceptor: usize,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<LearnerState> {
        let newest = l.votes.iter().map(|w| w.b).max();
        if newest.is_some_and(|n| b < n) {
            return None;
        }
        let mut fresh = l.clone();
        fresh.votes.retain(|w| w.b == b);
        Correct.on_accepted(ctx, &fresh, acceptor, b, v, fx)
    }
}

pub const VARIANT: Variant = Variant {
    name: "learner-drops-older-ballots",
    summary: "correct control: a learner keeps only the votes of the highest ballot it has heard",
    rules: &LearnerDropsOlderBallots,
    violates: &[],
    source: include_str!("learner_drops_older_ballots.rs"),
    exposed_by: &[],
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
