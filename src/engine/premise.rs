//! The symmetry reduction's premise, checked on the variant before a search leans on it.
//!
//! Reducing by symmetry explores one state per class of states that differ only in how the
//! acceptors (and the learners) are named, and judges one set of acceptors down for every
//! set of its size. That is sound only when renaming commutes with stepping: the successors
//! of a renamed state are the renamed successors. A variant claims it through
//! `Rules::symmetric` (true unless overridden). One that singles out a node by name (sends
//! `Prepare` to "the first acceptors", breaks a tie by id) and does not override it would
//! have one down set judged for all, and a property could be said to hold that does not.
//!
//! So the claim is tested, as `Rules::may_send` is watched by the partial-order reduction:
//! each of the first [`BFS_STATES`] states of a breadth-first search, and every state along
//! [`WALKS`] seeded random walks of up to [`WALK_STEPS`] steps, is stepped both as it is and
//! renamed by a swap of two neighbouring acceptors or learners (the swaps generate every
//! renaming; the states take them in turn), on the reference model, and the renamed
//! successors must be exactly the successors of the renamed state. Where they are not, the
//! check says where, and every search of the check runs without the reduction. About 2,000
//! expansions: some 15 ms on `classic`.
//!
//! A sample is not a proof: a variant that singles out a node only deep in a run the sample
//! misses would pass. A variant that treats nodes by name should say so by overriding
//! `Rules::symmetric`, as thrifty-prepare does; so should one that keeps something other
//! than a set of acceptors where Paxos keeps one (promise-counts-duplicates' counter), since
//! the reduction renames it as a set.

use std::collections::HashSet;

use paxos_models::cfg::Role;
use paxos_models::model::Action;
use paxos_models::symmetry::digest;
use paxos_models::{PaxosModel, PaxosState};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stateright::Model;

/// States of the breadth-first part, each checked.
pub const BFS_STATES: usize = 300;
/// Seeded random walks, every state along them checked.
pub const WALKS: usize = 12;
/// Steps of a walk at most (it ends earlier where no step is left).
pub const WALK_STEPS: usize = 32;
/// The walks' seed: the same walks in every run.
const SEED: u64 = 0x5359_4d4d_4554_5259;

/// Where renaming two interchangeable nodes changed what the steps do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asymmetry {
    /// The two nodes swapped, by name (`a1`, `a2`).
    pub swapped: (String, String),
    /// The actions from an initial state to the state where it shows (empty: at an initial
    /// state, whose successors, or the initial states themselves, differ once swapped).
    pub path: Vec<Action>,
}

impl Asymmetry {
    /// One line for a user: what failed and what to do.
    pub fn describe(&self) -> String {
        let (a, b) = &self.swapped;
        let at = match self.path.len() {
            0 => "in the initial state".to_string(),
            1 => "1 step into a run".to_string(),
            n => format!("{n} steps into a run"),
        };
        format!(
            "Rules::symmetric() says {a} and {b} are interchangeable, but swapping them {at} changes what the next step can do; the search ran without symmetry (a variant that singles out nodes by name should override symmetric() to return false)"
        )
    }
}

/// A swap of two neighbouring nodes of one role, as `PaxosModel::rename` takes it.
struct Swap {
    acceptors: Vec<usize>,
    learners: Vec<usize>,
    names: (String, String),
}

fn swaps(model: &PaxosModel) -> Vec<Swap> {
    let cfg = model.cfg();
    let (a, l) = (cfg.acceptors, cfg.learners);
    let mut out = Vec::new();
    for (role, count) in [(Role::Acceptor, a), (Role::Learner, l)] {
        for i in 1..count {
            let mut perm: Vec<usize> = (0..count).collect();
            perm.swap(i - 1, i);
            let (acceptors, learners) = match role {
                Role::Acceptor => (perm, (0..l).collect()),
                _ => ((0..a).collect(), perm),
            };
            out.push(Swap {
                acceptors,
                learners,
                names: (
                    cfg.node_name(cfg.id_of(role, i - 1)),
                    cfg.node_name(cfg.id_of(role, i)),
                ),
            });
        }
    }
    out
}

/// The set of `states`, as sorted digests.
fn digests<'a>(states: impl Iterator<Item = &'a PaxosState>) -> Vec<u64> {
    let mut d: Vec<u64> = states.map(digest).collect();
    d.sort_unstable();
    d.dedup();
    d
}

/// Whether `state`'s successors (`next`), renamed by `swap`, are not exactly the successors
/// of `state` renamed.
fn broken_at(
    model: &PaxosModel,
    swap: &Swap,
    state: &PaxosState,
    next: &[(Action, PaxosState)],
) -> bool {
    let renamed = model.rename(state, &swap.acceptors, &swap.learners);
    let theirs = model.successors(&renamed);
    let expected: Vec<PaxosState> = next
        .iter()
        .map(|(_, n)| model.rename(n, &swap.acceptors, &swap.learners))
        .collect();
    digests(theirs.iter().map(|(_, n)| n)) != digests(expected.iter())
}

/// Where `model`'s rules break the symmetry they claim, on the sample the module doc
/// describes; `None` when the sample shows none (or the model has no two interchangeable
/// nodes). Deterministic: the same sample in every run.
pub fn asymmetry(model: &PaxosModel) -> Option<Asymmetry> {
    let swaps = swaps(model);
    if swaps.is_empty() {
        return None;
    }
    let found = |swap: &Swap, path: Vec<Action>| Asymmetry {
        swapped: swap.names.clone(),
        path,
    };
    let inits = model.init_states();
    let init_set = digests(inits.iter());
    for swap in &swaps {
        let renamed: Vec<PaxosState> = inits
            .iter()
            .map(|s| model.rename(s, &swap.acceptors, &swap.learners))
            .collect();
        if digests(renamed.iter()) != init_set {
            return Some(found(swap, Vec::new()));
        }
    }
    // Breadth-first: every state near the start, with the path to it.
    let mut seen: HashSet<u64> = HashSet::new();
    let mut queue: std::collections::VecDeque<(PaxosState, Vec<Action>)> =
        inits.iter().map(|s| (s.clone(), Vec::new())).collect();
    for s in &inits {
        seen.insert(digest(s));
    }
    // The states take the swaps in turn.
    let mut checked = 0;
    let mut turn = || {
        checked += 1;
        &swaps[checked % swaps.len()]
    };
    let mut bfs_left = BFS_STATES;
    while let Some((state, path)) = queue.pop_front() {
        if bfs_left == 0 {
            break;
        }
        bfs_left -= 1;
        let next = model.successors(&state);
        let swap = turn();
        if broken_at(model, swap, &state, &next) {
            return Some(found(swap, path));
        }
        for (a, n) in next {
            if seen.insert(digest(&n)) {
                let mut p = path.clone();
                p.push(a);
                queue.push_back((n, p));
            }
        }
    }
    // Seeded random walks: states deep into a run.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for _ in 0..WALKS {
        let mut state = inits[rng.random_range(0..inits.len())].clone();
        let mut path = Vec::new();
        let mut next = model.successors(&state);
        for _ in 0..WALK_STEPS {
            if next.is_empty() {
                break;
            }
            let (a, n) = next.swap_remove(rng.random_range(0..next.len()));
            path.push(a);
            state = n;
            next = model.successors(&state);
            let swap = turn();
            if broken_at(model, swap, &state, &next) {
                return Some(found(swap, path));
            }
        }
    }
    None
}
