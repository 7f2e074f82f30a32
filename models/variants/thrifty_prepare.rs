//! `thrifty-prepare`
//!
//! # Bug
//! A proposer sends `Prepare` to a bare majority (the first acceptors) instead of to every
//! acceptor, to save messages.
//!
//! # Violates
//! `fault-tolerance` (on `classic` and every scenario): safe, but with a1 down from the
//! start every proposer waits for a promise that never comes.
//!
//! # Why
//! Any majority of promises is enough for safety, so "thrifty" phase 1 keeps coherence and
//! conflict resolution. But a proposer that asks a fixed majority depends on every member of
//! it: one crashed acceptor in it blocks the ballot, although a majority is still up. Paxos
//! asks every acceptor (or re-asks others on a timeout) so that any live majority will do.
//!
//! # Counterexample
//! No trace: with a1 down from the start, p1 and p2 each send `Prepare` to a1 and a2 only,
//! get one promise each (from a2), and never start phase 2.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.4 (progress needs a majority of acceptors,
//! any majority); Moraru et al., *There Is More Consensus in Egalitarian Parliaments*
//! (SOSP 2013), on thrifty messaging and its cost under failures.

use crate::cfg::Role;
use crate::node::ProposerState;
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::Msg;

pub struct ThriftyPrepare;

impl Rules for ThriftyPrepare {
    /// Sends `Prepare` to a bare majority only (the first acceptors), not to every acceptor.
    fn start_ballot(&self, ctx: &Ctx, round: usize, fx: &mut Effects) -> ProposerState {
        let next = Correct.start_ballot(ctx, round, fx);
        let quorum = self.phase1_quorum(ctx.cfg.acceptors);
        for (to, msg) in std::mem::take(&mut fx.sends) {
            match (to, msg) {
                (To::Acceptors, Msg::Prepare { b }) => {
                    for i in 0..quorum {
                        fx.send(
                            To::Node(ctx.cfg.id_of(Role::Acceptor, i)),
                            Msg::Prepare { b },
                        );
                    }
                }
                other => fx.sends.push(other),
            }
        }
        next
    }

    /// Not symmetric: it sends to the first acceptors by name, so a1 is not interchangeable
    /// with a3 (with a1 down no proposer gets a majority; with a3 down they do), and
    /// judging one set of acceptors down for all by symmetry would be right only by luck.
    fn symmetric(&self) -> bool {
        false
    }
}

pub const VARIANT: Variant = Variant {
    name: "thrifty-prepare",
    summary: "a proposer sends Prepare to a bare majority only, so one crashed acceptor in it blocks the ballot",
    rules: &ThriftyPrepare,
    violates: &[PropertyName::FaultTolerance],
    source: include_str!("thrifty_prepare.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
