//! `promise-counts-duplicates`
//!
//! # Bug
//! A proposer counts every `Promise` for its ballot as one more promise, a redelivered copy of
//! one it already has included: a counter where Paxos keeps a set of acceptors.
//!
//! # Violates
//! `conflict-resolution`, `coherence` (only on a duplicating network: `lossy-duplicating`).
//!
//! # Why
//! A quorum is a set of distinct acceptors; that is what makes any two quorums share one. A
//! proposer that counts a1's promise twice starts phase 2 having heard from a1 alone, so its
//! phase-1 "quorum" need not meet the quorum that chose a value, and it proposes its own.
//!
//! # Counterexample
//! 10 steps on `lossy-duplicating`: a1 promises ballot 1, its promise is delivered twice and
//! p1 sends `Accept(b=1, "red")`, which a2 and a3 accept ("red" is chosen); a1 promises
//! ballot 2 and its promise, delivered twice, sends p2 to phase 2 with its own "blue", which
//! a1 and a2 accept ("blue" is chosen too). 14 steps until the learners disagree.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2: "a majority of acceptors"; the same
//! bug on the learner side is `learner-counts-duplicates`.

use crate::node::{Phase, ProposerState};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg, Value};

pub struct PromiseCountsDuplicates;

impl Rules for PromiseCountsDuplicates {
    /// Counts every `Promise` for its ballot as one more, a redelivered one included.
    fn on_promise(
        &self,
        ctx: &Ctx,
        p: &ProposerState,
        _acceptor: usize,
        b: Ballot,
        accepted: Option<(Ballot, Value)>,
        fx: &mut Effects,
    ) -> Option<ProposerState> {
        let Some(Phase::Preparing { promised, reported }) = &p.phase else {
            return None;
        };
        if b != p.ballot {
            return None;
        }
        // A counter where Paxos keeps a set: the next free bit, whoever sent the promise.
        let promised = promised | 1 << promised.count_ones();
        let mut reported = reported.clone();
        if let Some(pair) = accepted {
            if let Err(at) = reported.binary_search(&pair) {
                reported.insert(at, pair);
            }
        }
        let phase = if promised.count_ones() as usize >= self.phase1_quorum(ctx.cfg.acceptors) {
            let v = self.value_to_propose(ctx.cfg.value_of_proposer(ctx.index), &reported);
            fx.send(To::Acceptors, Msg::Accept { b, v });
            Phase::Accepting { v }
        } else {
            Phase::Preparing { promised, reported }
        };
        Some(ProposerState {
            phase: Some(phase),
            ..p.clone()
        })
    }

    /// Not symmetric: the promise set holds a counter (its low bits, whoever sent the
    /// promises), and the symmetry reduction renames it as a set of acceptors. Swapping a1
    /// and a2 in a proposer that has one promise gives bit 1 set, and the next promise
    /// sets bit 1 again: the renamed proposer never counts to two.
    fn symmetric(&self) -> bool {
        false
    }
}

pub const VARIANT: Variant = Variant {
    name: "promise-counts-duplicates",
    summary: "a proposer counts a redelivered Promise again toward its phase-1 quorum",
    rules: &PromiseCountsDuplicates,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("promise_counts_duplicates.rs"),
    exposed_by: &["lossy-duplicating"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
