//! `fast-first-ballot` (a correct control)
//!
//! # Bug
//! None: ballot 1, the lowest ballot there is, goes straight to phase 2 with the proposer's
//! own value; every other ballot runs phase 1 as Paxos does. It looks like `skip-phase-one`.
//!
//! # Violates
//! Nothing: all four properties hold in every scenario it is checked in (`classic`,
//! `crash-restart`, `four-acceptors`, `learner-crash`, `lossy-duplicating`,
//! `three-proposers`, `proposer-restart`).
//!
//! # Why
//! Phase 1 of ballot `b` finds what ballots below `b` may have chosen. Below ballot 1 there
//! is nothing, so its phase 1 can only report nothing and the proposer would propose its own
//! value anyway; and the promises it would gather only stop ballots lower than 1. Every
//! higher ballot still runs phase 1 and so adopts "red" once ballot 1 may have chosen it.
//! This is the optimisation Multi-Paxos leaders use for every slot after their first.
//!
//! # Counterexample
//! None. The state space shrinks (`classic`: 5,898 unique states instead of 35,654) because
//! p1 sends no `Prepare`.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 3 (a leader that has completed phase 1 for
//! every instance skips it); Lamport, *Fast Paxos* (2006), section 2.

use crate::node::{Phase, ProposerState, Storage};
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg};

pub struct FastFirstBallot;

impl Rules for FastFirstBallot {
    /// Ballot 1, the lowest there is, goes straight to phase 2 with the proposer's own value;
    /// every other ballot runs phase 1 as Paxos does.
    fn start_ballot(&self, ctx: &Ctx, round: usize, fx: &mut Effects) -> ProposerState {
        let ballot = self.ballot(round, ctx.index, ctx.cfg.proposers);
        if ballot != Ballot(1) {
            return Correct.start_ballot(ctx, round, fx);
        }
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
    name: "fast-first-ballot",
    summary: "correct control: ballot 1, the lowest, skips phase 1; every other ballot runs it",
    rules: &FastFirstBallot,
    violates: &[],
    source: include_str!("fast_first_ballot.rs"),
    exposed_by: &[],
    scenarios: &[
        "classic",
        "crash-restart",
        "four-acceptors",
        "learner-crash",
        "lossy-duplicating",
        "three-proposers",
        "proposer-restart",
        "dueling",
    ],
    declared: true,
};
