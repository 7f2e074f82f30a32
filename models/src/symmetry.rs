//! Symmetry reduction that is sound for Paxos: acceptors are interchangeable, and so are
//! learners (proposers are not: each owns its ballots and its value). A state is replaced by
//! a representative of its class: acceptors sorted by everything that concerns them, then
//! learners likewise. Renaming is applied to node slots, message endpoints, the acceptor
//! bitmasks and indices inside proposer, learner and harness state, all at once, so the
//! representative behaves exactly like the state it stands for.
//!
//! Only sound when the rules treat acceptors and learners uniformly ([`Rules::symmetric`]);
//! the engines skip it otherwise.
//!
//! [`Rules::symmetric`]: crate::Rules::symmetric

use std::sync::Arc;

use stateright::actor::{ActorModelState, Id};
use stateright::{Rewrite, RewritePlan};

use crate::cfg::Role;
use crate::model::{Obs, PaxosModel, PaxosState};
use crate::node::{AcceptorState, Node, NodeState, Phase, Storage};
use crate::types::{Ballot, Msg, Value};

impl Rewrite<Id> for Msg {
    fn rewrite<S>(&self, _plan: &RewritePlan<Id, S>) -> Self {
        *self
    }
}

/// Moves bit `i` of `mask` to bit `perm[i]`.
fn permute_bits(mask: u16, perm: &[usize]) -> u16 {
    perm.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .fold(0, |m, (_, &to)| m | 1 << to)
}

/// The positions that sort `keys` (stable): `order[j]` is the old index placed at `j`;
/// returns its inverse, old index -> new index.
fn sorting_perm<K: Ord>(keys: &[K]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut inv = vec![0; keys.len()];
    for (new, &old) in order.iter().enumerate() {
        inv[old] = new;
    }
    inv
}

/// Everything that concerns acceptor `a`, independent of acceptor and learner names.
type AcceptorKey = (
    bool,
    AcceptorState,
    Option<Storage>,
    Vec<(Ballot, Value)>,
    Vec<bool>,
    Vec<(Ballot, Value)>,
    Vec<(bool, usize, Msg)>,
);

/// Everything that concerns learner `l`, given acceptor renaming `acc`.
type LearnerKey = (
    bool,
    Option<Value>,
    Vec<(Ballot, u8, Value)>,
    Option<Storage>,
    Option<Value>,
    u16,
    Vec<(bool, usize, Msg)>,
);

impl PaxosModel {
    /// The representative of `state`'s symmetry class (see the module docs).
    pub fn representative(&self, state: &PaxosState) -> PaxosState {
        let cfg = self.cfg();
        let (p, a, l) = (cfg.proposers, cfg.acceptors, cfg.learners);
        let sys = &state.sys;
        let envelopes: Vec<(usize, usize, Msg)> = crate::model::in_flight(&sys.network);
        let learner_base = p + a;

        // Acceptors first, described without naming learners.
        let acc_keys: Vec<AcceptorKey> = (0..a)
            .map(|i| {
                let id = p + i;
                let NodeState::Acceptor(st) = &*sys.actor_states[id] else {
                    unreachable!("node {id} is an acceptor")
                };
                let mut col: Vec<(Ballot, Value)> = state
                    .obs
                    .accepted
                    .iter()
                    .filter(|e| e.2 & (1 << i) != 0)
                    .map(|e| (e.0, e.1))
                    .collect();
                col.sort();
                let promised_by: Vec<bool> = (0..p)
                    .map(|q| match &*sys.actor_states[q] {
                        NodeState::Proposer(ps) => match &ps.phase {
                            Some(Phase::Preparing { promised, .. }) => promised & (1 << i) != 0,
                            _ => false,
                        },
                        _ => false,
                    })
                    .collect();
                let mut votes: Vec<(Ballot, Value)> = (0..l)
                    .flat_map(|j| match &*sys.actor_states[learner_base + j] {
                        NodeState::Learner(ls) => ls
                            .votes
                            .iter()
                            .filter(|v| v.acceptor as usize == i)
                            .map(|v| (v.b, v.v))
                            .collect::<Vec<_>>(),
                        _ => Vec::new(),
                    })
                    .collect();
                votes.sort();
                let mut net: Vec<(bool, usize, Msg)> = envelopes
                    .iter()
                    .filter_map(|&(s, d, m)| {
                        let other = |x: usize| if x >= learner_base { usize::MAX } else { x };
                        if s == id {
                            Some((true, other(d), m))
                        } else if d == id {
                            Some((false, other(s), m))
                        } else {
                            None
                        }
                    })
                    .collect();
                net.sort();
                (
                    sys.crashed[id],
                    *st,
                    sys.actor_storages[id].clone(),
                    col,
                    promised_by,
                    votes,
                    net,
                )
            })
            .collect();
        let acc = sorting_perm(&acc_keys);
        let acc_id = |x: usize| {
            if (p..p + a).contains(&x) {
                p + acc[x - p]
            } else {
                x
            }
        };

        // Then learners, described with acceptors already renamed.
        let learner_keys: Vec<LearnerKey> = (0..l)
            .map(|j| {
                let id = learner_base + j;
                let NodeState::Learner(st) = &*sys.actor_states[id] else {
                    unreachable!("node {id} is a learner")
                };
                let mut votes: Vec<(Ballot, u8, Value)> = st
                    .votes
                    .iter()
                    .map(|v| (v.b, acc[v.acceptor as usize] as u8, v.v))
                    .collect();
                votes.sort();
                let mut net: Vec<(bool, usize, Msg)> = envelopes
                    .iter()
                    .filter_map(|&(s, d, m)| {
                        if s == id {
                            Some((true, acc_id(d), m))
                        } else if d == id {
                            Some((false, acc_id(s), m))
                        } else {
                            None
                        }
                    })
                    .collect();
                net.sort();
                (
                    sys.crashed[id],
                    st.decided,
                    votes,
                    sys.actor_storages[id].clone(),
                    state.obs.first_decision[id],
                    state.obs.decided_ever[id],
                    net,
                )
            })
            .collect();
        let lrn = sorting_perm(&learner_keys);

        // old id -> new id over all nodes.
        let perm: Vec<usize> = (0..cfg.node_count())
            .map(|x| match cfg.role_of(x) {
                (Role::Proposer, _) => x,
                (Role::Acceptor, i) => p + acc[i],
                (Role::Learner, j) => learner_base + lrn[j],
            })
            .collect();
        if perm.iter().enumerate().all(|(i, &x)| i == x) {
            return state.clone();
        }
        self.apply(state, &perm, &acc)
    }

    /// Renames nodes by `perm` (old id -> new id); `acc` is its acceptor part (old acceptor
    /// index -> new acceptor index).
    fn apply(&self, state: &PaxosState, perm: &[usize], acc: &[usize]) -> PaxosState {
        let sys = &state.sys;
        let n = perm.len();
        fn reorder<T: Clone, C: FromIterator<T>>(v: &[T], perm: &[usize]) -> C {
            let mut out: Vec<Option<T>> = vec![None; v.len()];
            for (old, x) in v.iter().enumerate() {
                out[perm[old]] = Some(x.clone());
            }
            out.into_iter()
                .map(|x| x.expect("a permutation fills every slot"))
                .collect()
        }
        let renamed: Vec<Arc<NodeState>> = sys
            .actor_states
            .iter()
            .map(|node| match &**node {
                NodeState::Acceptor(_) | NodeState::Replica(_) => Arc::clone(node),
                NodeState::Proposer(ps) => match &ps.phase {
                    Some(Phase::Preparing { promised, reported }) => {
                        let mut ps = ps.clone();
                        ps.phase = Some(Phase::Preparing {
                            promised: permute_bits(*promised, acc),
                            reported: reported.clone(),
                        });
                        Arc::new(NodeState::Proposer(ps))
                    }
                    _ => Arc::clone(node),
                },
                NodeState::Learner(ls) => {
                    if ls.votes.is_empty() {
                        return Arc::clone(node);
                    }
                    let mut ls = ls.clone();
                    for v in &mut ls.votes {
                        v.acceptor = acc[v.acceptor as usize] as u8;
                    }
                    ls.votes.sort();
                    Arc::new(NodeState::Learner(ls))
                }
            })
            .collect();
        let plan = RewritePlan::new(perm.to_vec(), |id: &Id, perm: &Vec<usize>| {
            Id::from(perm[usize::from(*id)])
        });
        let new_sys: ActorModelState<Node> = ActorModelState {
            actor_states: reorder(&renamed, perm),
            network: sys.network.rewrite(&plan),
            timers_set: reorder(&sys.timers_set, perm),
            random_choices: reorder(&sys.random_choices, perm),
            crashed: reorder(&sys.crashed, perm),
            history: (),
            actor_storages: reorder(&sys.actor_storages, perm),
        };
        let mut accepted: crate::types::Few<(Ballot, Value, u16)> = state
            .obs
            .accepted
            .iter()
            .map(|&(b, v, m)| (b, v, permute_bits(m, acc)))
            .collect();
        accepted.sort();
        let obs = Obs {
            crashes: state.obs.crashes,
            proposed: state.obs.proposed,
            first_decision: reorder(&state.obs.first_decision, perm),
            decided_ever: reorder(&state.obs.decided_ever, perm),
            accepted,
        };
        debug_assert_eq!(n, new_sys.actor_states.len());
        PaxosState { sys: new_sys, obs }
    }
}
