//! `accept-to-promisers-only`
//!
//! # Bug
//! Phase 2's `Accept` goes only to the acceptors whose promises made the quorum, not to
//! every acceptor (an optimisation: only they are known to be up).
//!
//! # Violates
//! `fault-tolerance`, on `classic` (and on `learner-crash`): safe everywhere, but with one
//! promiser cut off the proposal can never reach a majority.
//!
//! # Why
//! Any majority accepting is enough to choose a value, so this keeps safety. But the
//! acceptors outside the phase-1 quorum never hear the proposal: phase 2 can finish only if
//! every promiser stays reachable. Cut one off (a partition that does not heal, or an
//! acceptor that is merely slow) and the one promiser left cannot make a majority, while the
//! acceptor that could is never asked. Correct Paxos sends `Accept` to every acceptor, so any
//! majority of them, not one fixed majority, can finish the ballot. On `learner-crash` the
//! same gap strands a learner that crashed and forgot its votes: the acceptors outside the
//! quorum can never send the `Accepted` it needs.
//!
//! # Counterexample
//! 3 steps on `classic`: a1 and a2 get p2's `Prepare(b=2)` and promise, p2 hears a1's
//! promise; then a1 is cut off. a2's promise completes p2's quorum and p2 sends
//! `Accept(b=2, "blue")` to a1 and a2 only; a2 alone accepts, a3 never hears it, and p1's
//! lower ballot is refused by the two that promised ballot 2.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2 ("sends an accept request to each of
//! those acceptors" allows it) and section 2.3, on learners that may miss messages.

use crate::cfg::Role;
use crate::node::{Phase, ProposerState};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg, Value};

pub struct AcceptToPromisersOnly;

impl Rules for AcceptToPromisersOnly {
    /// Paxos, but phase 2's `Accept` goes only to the acceptors whose promises made the
    /// quorum, not to every acceptor.
    fn on_promise(
        &self,
        ctx: &Ctx,
        p: &ProposerState,
        acceptor: usize,
        b: Ballot,
        accepted: Option<(Ballot, Value)>,
        fx: &mut Effects,
    ) -> Option<ProposerState> {
        let Some(Phase::Preparing { promised, .. }) = &p.phase else {
            return None;
        };
        let promised = promised | 1 << acceptor;
        let next = Correct.on_promise(ctx, p, acceptor, b, accepted, fx)?;
        for (to, msg) in std::mem::take(&mut fx.sends) {
            match (to, msg) {
                (To::Acceptors, accept @ Msg::Accept { .. }) => {
                    for i in (0..ctx.cfg.acceptors).filter(|i| promised & (1 << i) != 0) {
                        fx.send(To::Node(ctx.cfg.id_of(Role::Acceptor, i)), accept);
                    }
                }
                other => fx.sends.push(other),
            }
        }
        Some(next)
    }
}

pub const VARIANT: Variant = Variant {
    name: "accept-to-promisers-only",
    summary: "phase 2's Accept goes only to the acceptors that promised: safe, but cut one of them off and no decision is reachable",
    rules: &AcceptToPromisersOnly,
    violates: &[PropertyName::FaultTolerance],
    source: include_str!("accept_to_promisers_only.rs"),
    exposed_by: &["classic", "learner-crash"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
