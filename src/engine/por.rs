//! Partial-order reduction: stubborn sets over the nodes of the world.
//!
//! Every step of the model belongs to one node: a delivery (or a drop) to its destination,
//! a timeout, crash or restart to its node. Steps of two different nodes are independent:
//! they touch different node states, they add and remove different messages of a multiset
//! (or of different flows), and the harness's observations they update are unions. Neither
//! can disable the other, except two crashes, which share the fault budget. So from a state
//! it is enough to take the steps of a set `C` of nodes closed under "who may enable a step
//! of a node in `C`": a delivery to node `j` is enabled only by a send from a node that may
//! send to `j` ([`Rules::may_send`](paxos_models::Rules::may_send)), every other step of
//! `j` only by `j` itself, and a crash, while the budget lasts, also by the other nodes that
//! may crash (their crashes spend it, their restarts free the bound on nodes down at once).
//! The harness's observations are unions, except one: a store world's client history is
//! a sequence, so two clients' invocations and returns do not commute; every client joins
//! a closure that has one.
//! A node that will never send again (a store client whose every operation is invoked:
//! [`Engine::silent`]) enables nothing, so it is left out of every closure it does not
//! start; a send by a node the engine took for silent counts as a send outside `may_send`.
//! If `C` has an enabled step, the steps of `C` are a stubborn set in Valmari's sense (D1:
//! each commutes to the front of any path of steps outside it; D2: an enabled one stays
//! enabled along such a path), and a search that takes only those keeps every deadlock.
//!
//! Our safety properties are stable: they read the harness's observations, which only grow,
//! so once violated, violated in every later state. A violation reachable in the whole
//! space is then reachable in the reduced one provided no cycle of the reduced graph
//! postpones a step forever (the "ignoring" problem). The search ensures it with the cycle
//! proviso for breadth-first search: a state with a stubborn successor in a level already
//! expanded, or being expanded, is expanded fully. Every cycle has such an edge (an edge
//! goes at most one level deeper), so every cycle has a fully expanded state.
//!
//! Where every path of the world is finite (its state graph has no cycle, proven by the
//! dead-message analysis from each node's lone exploration: [`super::dead::Dead::acyclic`])
//! the proviso is left out, and nothing is lost: take a state `s` of the reduced graph and
//! a path `w` of the whole space from it to a violation, and induct on the longest path
//! from `s` (finite, and shorter from any successor). If `w` takes a step `t` of the
//! stubborn set, the first such commutes to the front (D1), so `t(s)` reaches the same
//! violation; if it takes none, an enabled step `t` of the set stays enabled along `w` (D2)
//! and commutes past it, so `t(s)` reaches `t` of the violation, itself a violation (the
//! properties are stable). Either way a stubborn successor reaches one, and it is nearer the
//! end of every path. (With a cut, `t` is a step that survives it, which the widened sets
//! hold whenever the state has one, and being stuck spreads along such steps.) On
//! `dueling-two-learners` the proviso had expanded 3,105,774 of 4,473,943 classes fully;
//! without it the search takes 427,639. The test `where_every_path_is_claimed_finite_*`
//! searches the worlds whose analysis claims it, every variant of the matrix, for a cycle.
//!
//! The search also checks the premise itself: every send it makes is checked against
//! `may_send`, and a search that saw one outside it and claims a property holds is redone
//! without the reduction, so a wrong `may_send` costs time, never a missed violation. The
//! same argument covers "a decision is reachable" (also stable), and the symmetry
//! reduction composes with it: a state deduplicated into its class stands for a renamed
//! copy of the same futures, and the proviso is decided on classes.

use paxos_models::model::Action;
use paxos_models::PaxosModel;
use smallvec::SmallVec;
use stateright::actor::ActorModelAction;

use super::world::{Engine, World};

thread_local! {
    /// Each thread's successor worlds of [`Por::successors_for_cuts`], reused.
    static FOUND: std::cell::RefCell<Vec<World>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The steps [`Por::successors_for_cuts`] found: (action index, the step's mark).
pub type Found = SmallVec<[(usize, usize); 32]>;

/// Closures to try, smallest first: (steps listed in it, start node, closure as a node
/// bitmask).
type Candidates = SmallVec<[(usize, usize, u16); 16]>;

/// The nodes each node's closure must include: precomputed per start node, with and without
/// the crash budget still open.
pub struct Por {
    /// Per node `i`, the nodes (bitmask) that may send it a message.
    senders: Vec<u16>,
    /// The nodes (bitmask) whose role may crash.
    crashable: u16,
    /// The nodes (bitmask) whose steps append to one ordered record (a store world's
    /// clients, whose invocations and returns make its history): they do not commute with
    /// one another.
    ordered: u16,
    /// Per node: its closure while crashes remain possible, and once they are not.
    closures: Vec<[u16; 2]>,
}

/// The nodes (bitmask) whose steps append to one ordered record, so that no two of them
/// commute: a store world's clients, whose invocations and returns make its history. Both
/// the partial-order reduction's closures and the sleep reduction's independence read it.
pub fn ordered_nodes(model: &PaxosModel) -> u16 {
    let cfg = model.cfg();
    (0..cfg.node_count())
        .filter(|&i| cfg.role_of(i).0 == paxos_models::Role::Client)
        .fold(0u16, |m, i| m | 1 << i)
}

impl Por {
    pub fn new(model: &PaxosModel) -> Por {
        let cfg = model.cfg();
        let rules = model.rules();
        let n = cfg.node_count();
        let role = |i: usize| cfg.role_of(i).0;
        let senders: Vec<u16> = (0..n)
            .map(|j| {
                (0..n)
                    .filter(|&k| rules.may_send(role(k), role(j)))
                    .fold(0u16, |m, k| m | 1 << k)
            })
            .collect();
        let crashable = (0..n)
            .filter(|&i| cfg.crashes_max > 0 && cfg.may_crash.contains(role(i)))
            .fold(0u16, |m, i| m | 1 << i);
        let ordered = ordered_nodes(model);
        let mut por = Por {
            senders,
            crashable,
            ordered,
            closures: Vec::new(),
        };
        por.closures = (0..n)
            .map(|i| [por.close(1 << i, true, 0), por.close(1 << i, false, 0)])
            .collect();
        por
    }

    /// The smallest set of nodes holding `start` and closed under "may send to" (leaving
    /// out the `silent` nodes, which never send again) and, when `crashes`, under "may crash
    /// too".
    fn close(&self, start: u16, crashes: bool, silent: u16) -> u16 {
        let mut c = start;
        loop {
            let mut next = c;
            for j in (0..self.senders.len()).filter(|j| c & (1 << j) != 0) {
                next |= self.senders[j] & !silent;
            }
            if crashes && next & self.crashable != 0 {
                next |= self.crashable;
            }
            if next & self.ordered != 0 {
                next |= self.ordered;
            }
            if next == c {
                return c;
            }
            c = next;
        }
    }

    /// Node `i`'s closure (see [`Por::close`]).
    fn closure(&self, i: usize, crashes: bool, silent: u16) -> u16 {
        if silent == 0 {
            self.closures[i][if crashes { 0 } else { 1 }]
        } else {
            self.close(1 << i, crashes, silent)
        }
    }

    /// Whether node `from` may send to node `to`.
    pub fn may_send(&self, from: usize, to: usize) -> bool {
        self.senders[to] & (1 << from) != 0
    }

    /// The nodes of `actions` (one per action) and, for every node that has one, its
    /// closure, smallest first: (steps listed in it, start node, closure). `crashes_open`:
    /// whether crashes remain possible (then every node that may crash joins a closure that
    /// has one).
    fn candidates(
        &self,
        actions: &[Action],
        crashes_open: bool,
        silent: u16,
    ) -> (SmallVec<[u8; 32]>, Candidates) {
        let nodes: SmallVec<[u8; 32]> = actions.iter().map(|a| Engine::node_of(a) as u8).collect();
        let active = nodes.iter().fold(0u16, |m, &i| m | 1 << i);
        let mut candidates: Candidates = (0..16)
            .filter(|&i| active & (1 << i) != 0)
            .map(|i| {
                let c = self.closure(i, crashes_open, silent);
                let count = nodes.iter().filter(|&&j| c & (1 << j) != 0).count();
                (count, i, c)
            })
            .collect();
        candidates.sort_unstable();
        (nodes, candidates)
    }

    /// The successors of `w` a reduced search takes, as (action index, successor, the
    /// step's mark: [`Engine::mark`]) handed to `take` in action order: the enabled steps
    /// of the smallest closure that has one (fewest listed steps, then lowest start node);
    /// none when no step at all is enabled.
    pub fn successors(
        &self,
        engine: &Engine,
        w: &World,
        actions: &[Action],
        take: &mut dyn FnMut(usize, &World, usize),
    ) {
        // Every step is taken into this one world, handed to `take` by reference; before
        // each, only what the last step changed is put back.
        let mut scratch = w.clone();
        let mut last = None;
        let crashes_open = self.crashable != 0 && (w.obs.crashes as usize) < engine.crashes_max();
        let (nodes, candidates) = self.candidates(actions, crashes_open, engine.silent(w));
        let active = nodes.iter().fold(0u16, |m, &i| m | 1 << i);
        // Nodes whose every listed step was tried and found disabled (a closure is taken
        // as soon as one of its steps is enabled, so every step tried before was disabled).
        let mut idle = 0u16;
        for (_, _, c) in candidates {
            if c & active & !idle == 0 {
                continue;
            }
            let mut any = false;
            for (a, action) in actions.iter().enumerate() {
                let node = nodes[a];
                if c & (1 << node) != 0 && idle & (1 << node) == 0 {
                    if let Some(i) = engine.step_again(w, action.clone(), &mut scratch, last) {
                        last = Some(i);
                        any = true;
                        take(a, &scratch, i);
                    }
                }
            }
            if any {
                return;
            }
            idle |= c;
        }
    }

    /// The nodes (bitmask) a step touches: a delivery's two ends, a drop's destination, the
    /// node of any other step.
    fn touches(action: &Action) -> u16 {
        match action {
            ActorModelAction::Deliver { src, dst, .. } => {
                1 << usize::from(*src) | 1 << usize::from(*dst)
            }
            a => 1 << Engine::node_of(a),
        }
    }

    /// [`Por::successors`] for the fault-tolerance graph, whose backward search also runs
    /// with sets of nodes cut off (`cuts`, node bitmasks): the set taken is widened until,
    /// for every cut, it has an enabled step that touches no cut-off node whenever the state
    /// has one. Then the steps taken that survive a cut are a stubborn set of the world with
    /// that cut in force too. Only for worlds without crashes (see `check/reach.rs`).
    pub fn successors_for_cuts(
        &self,
        engine: &Engine,
        w: &World,
        actions: &[Action],
        cuts: &[u16],
        take: &mut dyn FnMut(usize, &World, usize),
    ) {
        FOUND.with(|slots| {
            let slots = &mut *slots.borrow_mut();
            let found = self.successors_for_cuts_into(engine, w, actions, cuts, slots);
            for (&(a, mark), next) in found.iter().zip(slots.iter()) {
                take(a, next, mark);
            }
        })
    }

    /// [`Por::successors_for_cuts`], stepping into the worlds `slots` (reused from state to
    /// state: no world is allocated or moved per successor): the steps taken, (action
    /// index, the step's mark) in action order, the i-th one's successor in `slots[i]`.
    pub fn successors_for_cuts_into(
        &self,
        engine: &Engine,
        w: &World,
        actions: &[Action],
        cuts: &[u16],
        slots: &mut Vec<World>,
    ) -> Found {
        // The smallest closure with an enabled step, as for the safety search.
        let silent = engine.silent(w);
        let (nodes, candidates) = self.candidates(actions, false, silent);
        let touches: SmallVec<[u16; 32]> = actions.iter().map(Self::touches).collect();
        let mut tried: SmallVec<[bool; 32]> = SmallVec::from_elem(false, actions.len());
        // The steps found: (action index, the step's mark); the i-th one's successor is in
        // `slots[i]`.
        let mut found: Found = SmallVec::new();
        // Steps action `a` into the next free slot; whether it is a step.
        let mut step = |a: usize, found: &mut Found| {
            let k = found.len();
            if slots.len() == k {
                slots.push(w.clone());
            }
            match engine.step_into_marked(w, actions[a].clone(), &mut slots[k]) {
                Some(mark) => {
                    found.push((a, mark));
                    true
                }
                None => false,
            }
        };
        let mut chosen = 0u16;
        let widen = |c: u16,
                     tried: &mut SmallVec<[bool; 32]>,
                     found: &mut Found,
                     step: &mut dyn FnMut(usize, &mut Found) -> bool| {
            for a in 0..actions.len() {
                if c & (1 << nodes[a]) != 0 && !tried[a] {
                    tried[a] = true;
                    step(a, found);
                }
            }
        };
        for (_, _, c) in candidates {
            widen(c, &mut tried, &mut found, &mut step);
            chosen |= c;
            if !found.is_empty() {
                break;
            }
        }
        // Then, for every cut, an enabled step that survives it, if there is one.
        for &cut in cuts {
            if found.iter().any(|&(a, _)| touches[a] & cut == 0) {
                continue;
            }
            let safe = (0..actions.len()).find(|&a| {
                if tried[a] || touches[a] & cut != 0 {
                    return false;
                }
                tried[a] = true;
                step(a, &mut found)
            });
            if let Some(a) = safe {
                let c = self.closure(nodes[a] as usize, false, silent) & !chosen;
                widen(c, &mut tried, &mut found, &mut step);
                chosen |= c;
            }
        }
        // In action order, each successor in its step's slot: widening may have found
        // earlier actions last (an insertion sort: the steps are few, and mostly in order).
        for i in 1..found.len() {
            let mut j = i;
            while j > 0 && found[j - 1].0 > found[j].0 {
                found.swap(j - 1, j);
                slots.swap(j - 1, j);
                j -= 1;
            }
        }
        found
    }
}
