//! The small value types every node and message is made of: ballots, values, votes and the
//! Paxos messages. All are a byte or two, `Copy`, and totally ordered, so states hash fast
//! and actions come out in a deterministic order.

use smallvec::SmallVec;

use crate::store::{Cmd, SlotVotes};

/// A per-node list held inline (no heap allocation) for clusters of up to 12 nodes.
pub type PerNode<T> = SmallVec<[T; 12]>;

/// A short sorted list held inline: votes a learner heard, proposals promises reported,
/// proposals acceptors accepted. Longer lists spill to the heap.
pub type Few<T> = SmallVec<[T; 6]>;

/// Makes `dst` a copy of `src` in the buffer `dst` has, with one `memcpy`: `clone_from`
/// clones element by element (on a store world's search, copying its record back into the
/// scratch world was 7% of the run).
#[inline]
pub fn copy_from<A: smallvec::Array>(dst: &mut SmallVec<A>, src: &SmallVec<A>)
where
    A::Item: Copy,
{
    if dst.len() == src.len() {
        // The usual case (per-node lists, a network that kept its length): one copy.
        dst.copy_from_slice(src);
    } else {
        // `extend_from_slice` inserts: it reserves, then moves the (empty) tail, then copies.
        dst.truncate(src.len());
        let at = dst.len();
        dst.copy_from_slice(&src[..at]);
        dst.extend(src[at..].iter().copied());
    }
}

/// A value is an index into the scenario's `values` list (`0` is `values[0]`).
pub type Value = u8;

/// A ballot number. `Ballot(0)` means "no ballot": nothing promised or accepted yet. Real
/// ballots start at 1 and compare as plain numbers.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ballot(pub u8);

impl Ballot {
    pub const NONE: Ballot = Ballot(0);

    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

/// One acceptor's vote as a learner saw it: acceptor `acceptor` accepted value `v` in ballot `b`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vote {
    pub b: Ballot,
    pub acceptor: u8,
    pub v: Value,
}

/// The Paxos messages (Lamport, *Paxos Made Simple*, section 2.2 and 2.3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Msg {
    /// Phase 1a, proposer to acceptors: "promise me ballot `b`".
    Prepare { b: Ballot },
    /// Phase 1b, acceptor to proposer: "I promise `b`; here is what I accepted before, if anything".
    Promise {
        b: Ballot,
        accepted: Option<(Ballot, Value)>,
    },
    /// Phase 2a, proposer to acceptors: "accept value `v` in ballot `b`".
    Accept { b: Ballot, v: Value },
    /// Phase 2b, acceptor to learners: "I accepted `v` in ballot `b`".
    Accepted { b: Ballot, v: Value },
    /// Replication protocols only (not Paxos): "take value `v`", from a client to the
    /// replicas, and copied on from replica to replica.
    Write { v: Value },
    /// Store worlds (Multi-Paxos, see `store.rs`), client to every proposer: "run `cmd`".
    Request { cmd: Cmd },
    /// Store worlds, phase 1b: "I promise `b` for every slot; here is what I accepted in each".
    LogPromise { b: Ballot, log: SlotVotes },
    /// Store worlds, phase 2a: "accept command `cmd` in slot `slot`, ballot `b`".
    Propose { b: Ballot, slot: u8, cmd: Cmd },
    /// Store worlds, phase 2b, acceptor to every replica: "I accepted `cmd` in `slot`, ballot `b`".
    Voted { b: Ballot, slot: u8, cmd: Cmd },
    /// Store worlds, replica to client: "`cmd` ran and returned `result`".
    Reply { cmd: Cmd, result: u8 },
}

/// Timers. A proposer's `Retry` fires at any moment (the checker has no clock): the proposer
/// gives up on its current ballot and starts the next one, up to the scenario's `ballots_max`.
/// A store client's `Retry` is its next operation coming due: it invokes it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    Retry,
}
