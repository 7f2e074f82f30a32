//! `replica-applies-first-vote`
//!
//! # Bug
//! A store replica takes a slot as decided, and applies it, on the first acceptor's vote it
//! hears, without waiting for a majority.
//!
//! # Violates
//! `log-coherence` (in every store world), and with two replicas `coherence` and
//! `linearizability` too.
//!
//! # Why
//! One acceptor's vote does not make a command chosen: a later ballot, from a majority that
//! does not include that acceptor, may choose another command in the same slot. The
//! replica has then applied (and answered) a command that is not in the chosen log; a
//! second replica that applies what is chosen there disagrees with it, and the clients are
//! answered from two different histories.
//!
//! # Counterexample
//! p1 proposes c1's put(x, 1) in slot 1; a1 accepts and tells l1, which applies it at once.
//! p2 prepares with a2 and a3 (nothing to report) and gets c2's get(x) chosen in slot 1: l1's
//! applied log contradicts the chosen log. With two replicas, l2 applies the get there.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.3: a learner must find out that "a proposal
//! has been accepted by a majority of acceptors".

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::store::StoreRules;

pub struct ReplicaAppliesFirstVote;

impl Rules for ReplicaAppliesFirstVote {
    fn store(&self) -> &'static dyn StoreRules {
        &ReplicaAppliesFirstVote
    }
}

impl StoreRules for ReplicaAppliesFirstVote {
    fn replica_quorum(&self, _acceptors: usize) -> usize {
        1
    }
}

pub const VARIANT: Variant = Variant {
    name: "replica-applies-first-vote",
    summary: "a store replica applies a slot on one acceptor's vote",
    rules: &ReplicaAppliesFirstVote,
    violates: &[
        PropertyName::Coherence,
        PropertyName::LogCoherence,
        PropertyName::Linearizability,
    ],
    source: include_str!("replica_applies_first_vote.rs"),
    exposed_by: &["kv-store-one-slot", "kv-store-two-replicas"],
    scenarios: &["kv-store-one-slot", "kv-store-two-replicas"],
    declared: true,
};
