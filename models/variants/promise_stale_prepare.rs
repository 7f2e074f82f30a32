//! `promise-stale-prepare` (a correct control)
//!
//! # Bug
//! None: an acceptor answers even a `Prepare` it may not promise (a ballot not above its
//! promise) with a `Promise` for that ballot and what it accepted, while its real promise
//! stays where it was. It looks like a promise it will not keep.
//!
//! # Violates
//! Nothing: all four properties hold in every scenario it is checked in (`classic`,
//! `crash-restart`, `four-acceptors`, `learner-crash`; `three-proposers` holds the safety
//! properties too, 4.5 M states, but its fault-tolerance graph exceeds the default bound).
//!
//! # Why
//! The hollow promise cannot be broken: the acceptor already promised a *higher* ballot, so
//! it will not accept the lower one's `Accept` anyway, and it reports its accepted proposal
//! honestly. A proposer that counts it gets a quorum whose every member either promised or
//! already refuses lower ballots, and reports at least what the true quorum would: the
//! highest reported proposal still carries on any chosen value.
//!
//! # Counterexample
//! None. It is costly on duplicating networks (every redelivered `Prepare` is answered):
//! `lossy-duplicating` has 776,183 unique states instead of 8,196, so it is not checked there.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2 (the proposer's safety relies on P1a and
//! on the reported proposals, not on the promise message itself).

use crate::node::AcceptorState;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg};

pub struct PromiseStalePrepare;

impl Rules for PromiseStalePrepare {
    /// Paxos, and a `Prepare` for a ballot it may not promise is answered anyway: a
    /// `Promise(b)` with what it accepted, while its real promise stays where it was.
    fn on_prepare(
        &self,
        ctx: &Ctx,
        a: &AcceptorState,
        from: usize,
        b: Ballot,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        if let Some(next) = Correct.on_prepare(ctx, a, from, b, fx) {
            return Some(next);
        }
        fx.send(
            To::Node(from),
            Msg::Promise {
                b,
                accepted: a.accepted,
            },
        );
        Some(*a)
    }
}

pub const VARIANT: Variant = Variant {
    name: "promise-stale-prepare",
    summary: "correct control: an acceptor answers a Prepare it may not promise with a Promise it does not record",
    rules: &PromiseStalePrepare,
    violates: &[],
    source: include_str!("promise_stale_prepare.rs"),
    exposed_by: &[],
    scenarios: &["classic", "crash-restart", "four-acceptors", "learner-crash"],
    declared: true,
};
