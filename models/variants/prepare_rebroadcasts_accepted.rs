//! `prepare-rebroadcasts-accepted` (a correct control)
//!
//! # Bug
//! None: an acceptor that promises a new ballot also tells every learner again what it
//! accepted before.
//!
//! # Violates
//! Nothing: all four properties hold in every scenario it is checked in.
//!
//! # Why
//! It repeats a vote that was cast, for the ballot it was cast in; learners count one vote
//! per acceptor and ballot, so a repeat cannot make a quorum that was not there. On
//! `learner-crash` it lets a restarted learner hear old votes again (31,360 unique states
//! instead of 26,422).
//!
//! # Counterexample
//! None.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.3.

use crate::node::AcceptorState;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg};

pub struct PrepareRebroadcastsAccepted;

impl Rules for PrepareRebroadcastsAccepted {
    /// Paxos, and an acceptor that promises also tells every learner again what it accepted.
    fn on_prepare(
        &self,
        ctx: &Ctx,
        a: &AcceptorState,
        from: usize,
        b: Ballot,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        let next = Correct.on_prepare(ctx, a, from, b, fx)?;
        if let Some((ab, v)) = a.accepted {
            fx.send(To::Learners, Msg::Accepted { b: ab, v });
        }
        Some(next)
    }
}

pub const VARIANT: Variant = Variant {
    name: "prepare-rebroadcasts-accepted",
    summary: "correct control: an acceptor that promises also re-sends its accepted proposal to the learners",
    rules: &PrepareRebroadcastsAccepted,
    violates: &[],
    source: include_str!("prepare_rebroadcasts_accepted.rs"),
    exposed_by: &[],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
