//! The `Rules` trait: one method per Paxos decision point. Its default methods *are* correct
//! Paxos; [`Correct`] overrides nothing. A broken variant is a unit struct that overrides one
//! hook (see `models/variants/`), so the diff between a variant and Paxos is the variant.

use crate::node::AcceptorState;
use crate::replication::Protocol;
use crate::types::{Ballot, Value, Vote};

/// A strict majority of `n`: the smallest quorum size whose quorums pairwise intersect.
pub fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// The Paxos decision points. Every default is the rule from *Paxos Made Simple*.
pub trait Rules: Send + Sync + 'static {
    /// The ballot of proposer `proposer`'s attempt `round` (both 0-based), among `proposers`
    /// proposers. Correct Paxos gives every proposer its own, disjoint ballots:
    /// `round * proposers + proposer + 1` (p1: 1, 3, 5...; p2: 2, 4, 6...).
    fn ballot(&self, round: usize, proposer: usize, proposers: usize) -> Ballot {
        Ballot((round * proposers + proposer + 1) as u8)
    }

    /// May an acceptor that promised `promised` promise ballot `b`? Only to a higher ballot.
    fn may_promise(&self, promised: Ballot, b: Ballot) -> bool {
        b > promised
    }

    /// May an acceptor that promised `promised` accept a proposal in ballot `b`? Unless it
    /// promised a higher ballot.
    fn may_accept(&self, promised: Ballot, b: Ballot) -> bool {
        b >= promised
    }

    /// Which value a proposer sends in phase 2, given its own value and the `(ballot, value)`
    /// pairs the promises of its phase-1 quorum reported as already accepted (sorted, without
    /// duplicates). Paxos: the value of the highest reported ballot, or its own if none.
    fn value_to_propose(&self, own: Value, reported: &[(Ballot, Value)]) -> Value {
        reported.iter().max().map_or(own, |&(_, v)| v)
    }

    /// What an acceptor's promise reports of the proposal it accepted before: Paxos reports
    /// it whole, so the proposer can adopt it.
    fn promise_reports(&self, accepted: Option<(Ballot, Value)>) -> Option<(Ballot, Value)> {
        accepted
    }

    /// How many promises a proposer waits for before phase 2.
    fn phase1_quorum(&self, acceptors: usize) -> usize {
        majority(acceptors)
    }

    /// How many acceptors must accept one ballot for its value to be chosen; learners decide
    /// on this many matching votes.
    fn phase2_quorum(&self, acceptors: usize) -> usize {
        majority(acceptors)
    }

    /// What an acceptor writes to durable storage after it changes: Paxos persists both its
    /// promise and its accepted proposal before answering. `None` keeps nothing durable.
    fn acceptor_persists(&self, state: &AcceptorState) -> Option<AcceptorState> {
        Some(*state)
    }

    /// What a learner decides from the votes it holds (sorted by ballot, then acceptor), if
    /// anything: Paxos decides `v` once `quorum` distinct acceptors accepted `v` in one ballot.
    fn learner_decides(&self, votes: &[Vote], quorum: usize) -> Option<Value> {
        votes.iter().find_map(|vote| {
            let same = votes
                .iter()
                .filter(|w| w.b == vote.b && w.v == vote.v)
                .count();
            (same >= quorum).then_some(vote.v)
        })
    }

    /// Whether a learner counts an `Accepted` it already holds (a duplicate from the same
    /// acceptor) again. Paxos: no, a quorum is of distinct acceptors.
    fn learner_counts_duplicates(&self) -> bool {
        false
    }

    /// Whether a learner that has decided keeps listening and may decide again. Paxos: no,
    /// a decision is final.
    fn learner_may_change_mind(&self) -> bool {
        false
    }

    /// Whether a learner writes its decision to durable storage. Paxos: yes, so a restart
    /// cannot take it back.
    fn learner_persists_decision(&self) -> bool {
        true
    }

    /// Which protocol the nodes run: Paxos under these rules, or, for a variant that is not
    /// Paxos at all, a replication protocol whose nodes ignore every other hook here.
    fn protocol(&self) -> Protocol {
        Protocol::Paxos
    }

    /// Whether acceptors are interchangeable and so are learners, so that symmetry reduction
    /// is sound. True for Paxos and for any variant that does not single out one node.
    fn symmetric(&self) -> bool {
        true
    }
}

/// Correct single-decree Paxos: every default, nothing overridden.
pub struct Correct;

impl Rules for Correct {}
