//! `accept-to-promisers-only`
//!
//! # Bug
//! Phase 2's `Accept` goes only to the acceptors whose promises made the quorum, not to
//! every acceptor (an optimisation: only they are known to be up).
//!
//! # Violates
//! `fault-tolerance`, on `learner-crash`: safe everywhere, but a learner that crashes and
//! forgets its votes can be left waiting for an acceptance nobody will send.
//!
//! # Why
//! Any majority accepting is enough to choose a value, so this keeps safety. But the
//! acceptors outside the phase-1 quorum never hear the proposal, so they can never send the
//! `Accepted` that a learner which lost its votes needs: with two of three acceptors and one
//! of them already heard, one vote is all the restarted learner can ever collect, and the
//! other proposer's lower ballot is refused by both.
//!
//! # Counterexample
//! 7 steps on `learner-crash`: a1 and a2 promise ballot 2, p2 sends `Accept(b=2, "blue")` to
//! a1 and a2 only, a1 accepts and tells l1, and l1 crashes. From there a2's acceptance is the
//! only one l1 can still hear.
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
    summary: "phase 2's Accept goes only to the acceptors that promised: safe, but a learner that loses its votes can wait forever",
    rules: &AcceptToPromisersOnly,
    violates: &[PropertyName::FaultTolerance],
    source: include_str!("accept_to_promisers_only.rs"),
    exposed_by: &["learner-crash"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
