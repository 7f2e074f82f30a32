//! `leader-skips-reproposal`
//!
//! # Bug
//! A new store leader ignores what its phase-1 promises report as accepted in earlier slots:
//! it starts from an empty log and puts its own clients' requests there.
//!
//! # Violates
//! `conflict-resolution`, and then `log-coherence`: a replica that applied the first command finds another chosen in its slot.
//!
//! # Why
//! This is single-decree Paxos's "ignore the promised value", once per slot. A command the
//! old leader got accepted by a majority is chosen already; every majority the new leader
//! hears from includes an acceptor that accepted it, and says so. Proposing another
//! command in that slot gets a second command chosen there.
//!
//! # Counterexample
//! p1 gets c1's put(x, 1) accepted by a1 and a2 in slot 1 (chosen). p2 prepares with a2 and
//! a3; a2 reports the put, p2 ignores it and proposes c2's get(x) in slot 1, which a2 and
//! a3 accept: two commands chosen in slot 1.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 3: a new leader runs phase 1 for every slot
//! and must propose, in each, the value of the highest-numbered proposal reported.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::Rules;
use crate::store::{Cmd, SlotVotes, StoreRules, SLOTS_MAX};

pub struct LeaderSkipsReproposal;

impl Rules for LeaderSkipsReproposal {
    fn store(&self) -> &'static dyn StoreRules {
        &LeaderSkipsReproposal
    }
}

impl StoreRules for LeaderSkipsReproposal {
    fn take_over(&self, _reported: &SlotVotes) -> [Option<Cmd>; SLOTS_MAX] {
        [None; SLOTS_MAX]
    }
}

pub const VARIANT: Variant = Variant {
    name: "leader-skips-reproposal",
    summary: "a new store leader ignores the commands its promises report, slot by slot",
    rules: &LeaderSkipsReproposal,
    violates: &[PropertyName::ConflictResolution, PropertyName::LogCoherence],
    source: include_str!("leader_skips_reproposal.rs"),
    exposed_by: &["kv-store-one-slot"],
    scenarios: crate::registry::STORE_WORLDS,
    declared: true,
};
