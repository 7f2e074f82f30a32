//! `retry-skips-prepare`
//!
//! # Bug
//! A proposer whose ballot reached phase 2 believes it still leads when its retry timer
//! fires: it starts the next ballot in phase 2 at once, sending `Accept(new ballot, same
//! value)` with no `Prepare`. A proposer that never reached phase 2 retries correctly.
//!
//! # Violates
//! `conflict-resolution` (on `dueling`: it needs a retry, so a world with two ballots per
//! proposer and a retry timer), and `coherence` where two learners can decide apart
//! (`dueling-two-learners`, 17 steps).
//!
//! # Why
//! A value the proposer sent in an old ballot says nothing about what was chosen since:
//! another proposer may have run both phases in a ballot between the two, and only a fresh
//! phase 1 in the new ballot would report it. Skipping it is safe only for a leader no one
//! can have pre-empted (Multi-Paxos keeps its ballot for that reason, and re-runs phase 1
//! whenever it changes ballot). Compare `fast-first-ballot` (skips phase 1 only for the
//! lowest ballot, which nothing can precede: correct) and `skip-phase-one` (skips it always).
//!
//! # Counterexample
//! 13 steps on `dueling`: a1 and a2 promise p1's ballot 1, then p2's ballot 2, and both
//! proposers send `Accept` ("red" in ballot 1, "blue" in ballot 2). `Accept(b=2, "blue")`
//! reaches a1 and a2: "blue" is chosen. p1's retry timer fires: its ballot 3 goes straight
//! to `Accept(b=3, "red")`, which a1 and a2 accept (3 is above their promise): "red" is
//! chosen too. On `classic` and `proposer-restart` it holds: no timer retries there (a
//! restart runs phase 1).
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2, P2c: a proposer may propose `v` in
//! ballot `n` only after a majority promised `n` and reported what they accepted; section
//! 3 (the distinguished proposer) runs phase 1 again for each new ballot.

use crate::node::{Phase, ProposerState, Storage};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::Msg;

pub struct RetrySkipsPrepare;

impl Rules for RetrySkipsPrepare {
    /// After a ballot that reached phase 2, the next ballot sends `Accept` with the same
    /// value at once; otherwise the retry is Paxos's.
    fn on_retry(&self, ctx: &Ctx, p: &ProposerState, fx: &mut Effects) -> Option<ProposerState> {
        let next = p.round as usize + 1;
        let Some(Phase::Accepting { v }) = p.phase else {
            return Correct.on_retry(ctx, p, fx);
        };
        if next >= ctx.cfg.ballots_max {
            return None;
        }
        let ballot = self.ballot(next, ctx.index, ctx.cfg.proposers);
        fx.send(To::Acceptors, Msg::Accept { b: ballot, v });
        fx.save = Some(Storage::Proposer { round: next as u8 });
        fx.retry = ctx.cfg.retries && next + 1 < ctx.cfg.ballots_max;
        Some(ProposerState {
            round: next as u8,
            ballot,
            phase: Some(Phase::Accepting { v }),
        })
    }
}

pub const VARIANT: Variant = Variant {
    name: "retry-skips-prepare",
    summary: "a proposer that reached phase 2 retries straight in phase 2, with no Prepare",
    rules: &RetrySkipsPrepare,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("retry_skips_prepare.rs"),
    exposed_by: &["dueling", "dueling-two-learners"],
    scenarios: &[
        "classic",
        "crash-restart",
        "proposer-restart",
        "dueling",
        "dueling-two-learners",
        "dueling-crash-restart",
    ],
    declared: true,
};
