//! `accept-only-promised-ballot` (a correct control)
//!
//! # Bug
//! None: an acceptor accepts only the very ballot it promised last, so an `Accept` for a
//! higher ballot it never promised is ignored too. It looks like it could starve a ballot.
//!
//! # Violates
//! Nothing: all four properties hold in every scenario it is checked in (the small worlds
//! and `three-proposers`).
//!
//! # Why
//! Refusing more than Paxos refuses can only lose liveness, never safety. Liveness holds
//! because a ballot reaches phase 2 only with a majority that promised it, and those
//! acceptors accept it unless a higher ballot's `Prepare` came first, in which case that
//! higher ballot can finish instead.
//!
//! # Counterexample
//! None.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2, P1a (an acceptor *can* accept; it need
//! not).

use crate::node::AcceptorState;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules};
use crate::types::{Ballot, Value};

pub struct AcceptOnlyPromisedBallot;

impl Rules for AcceptOnlyPromisedBallot {
    /// Paxos, but an acceptor accepts only the very ballot it promised last: an `Accept` for
    /// a higher ballot it never promised is ignored too.
    fn on_accept(
        &self,
        ctx: &Ctx,
        a: &AcceptorState,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        if b != a.promised {
            return None;
        }
        Correct.on_accept(ctx, a, b, v, fx)
    }
}

pub const VARIANT: Variant = Variant {
    name: "accept-only-promised-ballot",
    summary: "correct control: an acceptor accepts only the very ballot it promised last",
    rules: &AcceptOnlyPromisedBallot,
    violates: &[],
    source: include_str!("accept_only_promised_ballot.rs"),
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
