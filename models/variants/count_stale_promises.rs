//! `count-stale-promises`
//!
//! # Bug
//! A proposer counts a promise for any of its ballots, an older one included, as a promise
//! for its current ballot (it checks who sent the promise, not which ballot it is for).
//!
//! # Violates
//! `conflict-resolution` (on `proposer-restart` and `dueling`: it needs a proposer with two
//! ballots, started by a restart or by the retry timer).
//!
//! # Why
//! A promise for ballot 1 says nothing about ballot 3: the acceptor may have accepted a
//! value in ballot 2 since, and its old promise cannot report it. Counting it lets a quorum
//! of stale promises hide a chosen value.
//!
//! # Counterexample
//! 14 steps on `proposer-restart`: a1 and a2 promise ballot 1 (their promises stay in
//! flight), then promise ballot 2 and accept p2's `Accept(b=2, "blue")`: "blue" is chosen.
//! p1 crashes, restarts with ballot 3, and counts the two stale promises for ballot 1, which
//! report nothing: it proposes its own "red" in ballot 3, which a1 and a2 accept. 13 steps
//! on `dueling`, the same story with p1's retry timer in place of the crash and restart.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2: the proposer needs responses to its
//! prepare request *numbered n*.

use crate::node::ProposerState;
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules};
use crate::types::{Ballot, Value};

pub struct CountStalePromises;

impl Rules for CountStalePromises {
    /// Counts a promise for any of its ballots, an older one included, as a promise for the
    /// current one.
    fn on_promise(
        &self,
        ctx: &Ctx,
        p: &ProposerState,
        acceptor: usize,
        _b: Ballot,
        accepted: Option<(Ballot, Value)>,
        fx: &mut Effects,
    ) -> Option<ProposerState> {
        Correct.on_promise(ctx, p, acceptor, p.ballot, accepted, fx)
    }
}

pub const VARIANT: Variant = Variant {
    name: "count-stale-promises",
    summary: "a proposer counts promises for its older ballots toward its current one",
    rules: &CountStalePromises,
    violates: &[PropertyName::ConflictResolution],
    source: include_str!("count_stale_promises.rs"),
    exposed_by: &["proposer-restart", "dueling"],
    scenarios: &[
        "classic",
        "crash-restart",
        "four-acceptors",
        "learner-crash",
        "lossy-duplicating",
        "proposer-restart",
        "dueling",
    ],
    declared: true,
};
