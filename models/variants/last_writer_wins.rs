//! `last-writer-wins`
//!
//! # Bug
//! Not Paxos at all: replication without consensus. Each proposer (a client) writes its
//! value to every acceptor; each acceptor (a replica) takes whichever value reached it last,
//! replacing the one it held, and copies every value it takes to the learners, which take
//! the copies the same way. No ballots, no promises, no quorums (see `replication.rs`).
//!
//! # Violates
//! `coherence`, `conflict-resolution`, `no-takebacks`.
//!
//! # Why
//! "Last" is a matter of arrival order, and every replica sees its own order. A replica
//! that served "red" and then receives "blue" serves "blue": it took its decision back.
//! Two replicas that received the writes in opposite orders disagree for good.
//!
//! The catalog's table expected `coherence` and `no-takebacks` only. `conflict-resolution`
//! fails too, and must: it asks that at most one value is *ever* chosen, and here a replica
//! takes a value on its own (a quorum of one), so the first write a replica takes is chosen
//! and the overwrite chooses a second value. Even with timestamps (every replica keeps the
//! highest-stamped write, so they end up agreeing) the lower-stamped value was served, and
//! so chosen, before it was overwritten. Without a quorum, a conflict is resolved only
//! after the loser has been chosen.
//!
//! # Counterexample
//! p1's write of "red" reaches a1 (a1 holds "red"), then p2's write of "blue" reaches a1:
//! a1 now holds "blue", two steps in. With a2 holding "red" meanwhile, coherence fails too.
//!
//! # Reference
//! The consensus guide, "Consensus vs Replication" and its no-takebacks rule; Vogels,
//! *Eventually Consistent* (2009), on last-writer-wins registers.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::replication::{Adopt, Protocol};
use crate::rules::Rules;

pub struct LastWriterWins;

impl Rules for LastWriterWins {
    fn protocol(&self) -> Protocol {
        Protocol::Replication(Adopt::Last)
    }

    /// A replica takes a value on its own, without asking anyone: one replica makes a
    /// value chosen.
    fn phase2_quorum(&self, _acceptors: usize) -> usize {
        1
    }

    /// The harness's symmetry reduction describes Paxos states only.
    fn symmetric(&self) -> bool {
        false
    }
}

pub const VARIANT: Variant = Variant {
    name: "last-writer-wins",
    summary: "not Paxos: each replica takes whichever value reached it last and copies it on",
    rules: &LastWriterWins,
    violates: &[
        PropertyName::Coherence,
        PropertyName::ConflictResolution,
        PropertyName::NoTakebacks,
    ],
    source: include_str!("last_writer_wins.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
