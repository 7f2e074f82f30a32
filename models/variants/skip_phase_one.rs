//! `skip-phase-one`
//!
//! # Bug
//! Every proposer skips phase 1: it sends `Accept(b, own value)` at once, with no `Prepare`,
//! no promises, and so nothing reported to adopt.
//!
//! # Violates
//! `conflict-resolution`, `coherence` (on `classic`, and everywhere two proposers run).
//!
//! # Why
//! Phase 1 is how a proposer learns what may already be chosen (the promises report it) and
//! makes lower ballots stop (the acceptors promise). Without it a higher ballot overwrites a
//! chosen value with its own. Compare `fast-first-ballot`, which skips phase 1 only for
//! ballot 1 and stays correct.
//!
//! # Counterexample
//! 4 steps on `classic`: `Accept(b=1, "red")` reaches a1 and a2 ("red" is chosen), then
//! `Accept(b=2, "blue")` reaches them too ("blue" is chosen as well); 8 steps until the two
//! learners decide differently.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2, P2c: a proposer may propose `v` in
//! ballot `n` only after a majority promised `n` and reported what they accepted.

use crate::node::{Phase, ProposerState, Storage};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Ctx, Effects, Rules, To};
use crate::types::Msg;

pub struct SkipPhaseOne;

impl Rules for SkipPhaseOne {
    /// Sends `Accept(b, own value)` straight away: no `Prepare`, no promises, no adoption.
    fn start_ballot(&self, ctx: &Ctx, round: usize, fx: &mut Effects) -> ProposerState {
        let ballot = self.ballot(round, ctx.index, ctx.cfg.proposers);
        let v = ctx.cfg.value_of_proposer(ctx.index);
        fx.send(To::Acceptors, Msg::Accept { b: ballot, v });
        fx.save = Some(Storage::Proposer { round: round as u8 });
        fx.retry = ctx.cfg.retries && round + 1 < ctx.cfg.ballots_max;
        ProposerState {
            round: round as u8,
            ballot,
            phase: Some(Phase::Accepting { v }),
        }
    }
}

pub const VARIANT: Variant = Variant {
    name: "skip-phase-one",
    summary: "every proposer skips phase 1 and sends Accept with its own value at once",
    rules: &SkipPhaseOne,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("skip_phase_one.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
