//! `flexible-quorums`
//!
//! # Bug
//! None: a *correct* control. On four acceptors, phase 1 waits for 3 promises and phase 2
//! for 2 acceptances (Flexible Paxos).
//!
//! # Violates
//! Nothing, in every scenario with four acceptors. Every phase-1 quorum (3 of 4) meets every
//! phase-2 quorum (2 of 4), which is all Paxos's safety needs: majorities everywhere are
//! sufficient, not necessary. With three acceptors the same rule would need all three
//! promises, so one acceptor down would block phase 1 and `fault-tolerance` would fail;
//! this control is therefore meant for `four-acceptors` only.
//!
//! # Why
//! A value chosen by 2 acceptors in ballot b is seen by any later proposer, because its 3
//! promises must include one of those 2. Phase-2 quorums may be small (fast commits) as long
//! as phase-1 quorums are large enough to intersect them.
//!
//! # Counterexample
//! None exists: the matrix shows every property holding.
//!
//! # Reference
//! Howard, Malkhi, Spiegelman, *Flexible Paxos: Quorum intersection revisited* (2016):
//! only phase-1 and phase-2 quorums need to intersect.

use crate::registry::Variant;
use crate::rules::Rules;

pub struct FlexibleQuorums;

impl Rules for FlexibleQuorums {
    /// Large enough to meet every phase-2 quorum: n - q2 + 1 (3 of 4; all 3 of 3).
    fn phase1_quorum(&self, acceptors: usize) -> usize {
        acceptors - self.phase2_quorum(acceptors) + 1
    }
    /// Half the acceptors (2 of 4).
    fn phase2_quorum(&self, acceptors: usize) -> usize {
        (acceptors / 2).max(1)
    }
}

pub const VARIANT: Variant = Variant {
    name: "flexible-quorums",
    summary:
        "correct control: phase-1 quorum 3 and phase-2 quorum 2 on four acceptors (Flexible Paxos)",
    rules: &FlexibleQuorums,
    violates: &[],
    source: include_str!("flexible_quorums.rs"),
    exposed_by: &[],
    scenarios: &["four-acceptors"],
    declared: true,
};
