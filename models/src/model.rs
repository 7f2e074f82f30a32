//! The harness model: stateright's `ActorModel` of [`Node`]s, wrapped so that the harness,
//! not the variant, records what the outside world observed ([`Obs`]), enforces the fault
//! budget (only roles the scenario allows crash, at most `crashes_max` times in a run), and
//! can start with a set of acceptors down (the fault-tolerance witness searches).
//!
//! Both engines (the exhaustive checker and the simulator) walk this model's
//! `actions`/`next_state`, so a trace from either replays in the other.

use std::sync::Arc;

use stateright::actor::{ActorModel, ActorModelAction, ActorModelState, LossyNetwork, Network};
use stateright::{Model, Property};

use crate::cfg::{ClusterCfg, Delivery, Role};
use crate::node::{Node, NodeState, Setup};
use crate::properties::{self, PropertyName};
use crate::rules::Rules;
use crate::store::LogObs;
use crate::types::{Ballot, Few, Msg, PerNode, Timer, Value};

/// One action of the model: deliver, drop, timeout, crash or restart.
pub type Action = ActorModelAction<Msg, Timer, ()>;

/// How the model treats faults.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The scenario's faults: its network, its crash budget and restarts.
    Faults,
    /// A reachability witness: the acceptors in bitmask `down` are crashed from the start
    /// and never restart; no other node crashes and no message is lost.
    Witness { down: u16 },
}

/// What the outside world has seen, recorded by the harness after every step. It survives
/// crashes: a node that restarts cannot take back what it was seen to decide.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Obs {
    /// Crashes so far in this run (the budget is `crashes_max`).
    pub crashes: u8,
    /// Values the proposers were asked to propose (bitmask of value indices).
    pub proposed: u16,
    /// Per node: the first value it was seen to decide.
    pub first_decision: PerNode<Option<Value>>,
    /// Per node: every value it was ever seen to decide (bitmask of value indices).
    pub decided_ever: PerNode<u16>,
    /// Every proposal any acceptor was seen to accept: (ballot, value, bitmask of acceptor
    /// indices), sorted by ballot and value.
    pub accepted: Few<(Ballot, Value, u16)>,
    /// A store world's record, per slot and per client (`None` in a single-decree world,
    /// whose record is the fields above).
    pub log: Option<Box<LogObs>>,
}

impl Clone for Obs {
    fn clone(&self) -> Obs {
        Obs {
            crashes: self.crashes,
            proposed: self.proposed,
            first_decision: self.first_decision.clone(),
            decided_ever: self.decided_ever.clone(),
            accepted: self.accepted.clone(),
            log: self.log.clone(),
        }
    }

    /// Field by field, into the buffers `self` has (a store world's record stays in its
    /// box): the engine copies observations back into one scratch world per successor.
    fn clone_from(&mut self, source: &Obs) {
        self.crashes = source.crashes;
        self.proposed = source.proposed;
        crate::types::copy_from(&mut self.first_decision, &source.first_decision);
        crate::types::copy_from(&mut self.decided_ever, &source.decided_ever);
        crate::types::copy_from(&mut self.accepted, &source.accepted);
        self.log.clone_from(&source.log);
    }
}

impl Obs {
    /// Records that `acceptor` accepted (b, v); whether that is news.
    fn record_accept(&mut self, b: Ballot, v: Value, acceptor: usize) -> bool {
        let bit = 1u16 << acceptor;
        match self
            .accepted
            .binary_search_by(|&(b2, v2, _)| (b2, v2).cmp(&(b, v)))
        {
            Ok(at) => {
                let was = self.accepted[at].2;
                self.accepted[at].2 |= bit;
                was & bit == 0
            }
            Err(at) => {
                self.accepted.insert(at, (b, v, bit));
                true
            }
        }
    }
}

/// A model state: stateright's actor system state plus the harness's observations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PaxosState {
    pub sys: ActorModelState<Node>,
    pub obs: Obs,
}

/// The Paxos model in one world under one set of rules.
pub struct PaxosModel {
    pub setup: Arc<Setup>,
    pub inner: ActorModel<Node, (), ()>,
    pub mode: Mode,
    /// Whether message loss is explored as `Drop` actions. See [`PaxosModel::reduce_loss`].
    pub drops: bool,
    /// Whether the exhaustive engine (`paxos_lab::engine`) takes dead messages off the
    /// network as it steps: those the receiver will ignore in every state it can still
    /// reach. The model's own steps are unchanged. See [`PaxosModel::prune_dead`].
    pub dead_pruned: bool,
    /// What the exhaustive engine computed once about this model and reuses in every search
    /// of it (the dead-message analysis): opaque here, the engine's own type.
    pub engine_cache: std::sync::OnceLock<Arc<dyn std::any::Any + Send + Sync>>,
}

impl PaxosModel {
    /// The model of `cfg` under `rules`, with the scenario's faults.
    pub fn new(cfg: ClusterCfg, rules: &'static dyn Rules) -> PaxosModel {
        PaxosModel::with_mode(cfg, rules, Mode::Faults)
    }

    pub fn with_mode(cfg: ClusterCfg, rules: &'static dyn Rules, mode: Mode) -> PaxosModel {
        let setup = Arc::new(Setup::new(cfg, rules));
        let cfg = &setup.cfg;
        let nodes = Role::ALL.into_iter().flat_map(|role| {
            let setup = Arc::clone(&setup);
            (0..cfg.count(role)).map(move |index| Node {
                role,
                index,
                setup: Arc::clone(&setup),
            })
        });
        let network = match cfg.delivery {
            Delivery::Ordered => Network::new_ordered([]),
            Delivery::Unordered => Network::new_unordered_nonduplicating([]),
            Delivery::UnorderedDuplicating => Network::new_unordered_duplicating([]),
        };
        let faults = mode == Mode::Faults;
        let inner = ActorModel::new((), ())
            .actors(nodes)
            .init_network(network)
            .lossy_network(if faults && cfg.lossy {
                LossyNetwork::Yes
            } else {
                LossyNetwork::No
            })
            .max_crashes(if faults { cfg.crashes_max } else { 0 });
        let drops = faults && cfg.lossy;
        PaxosModel {
            setup,
            inner,
            mode,
            drops,
            dead_pruned: false,
            engine_cache: std::sync::OnceLock::new(),
        }
    }

    /// Loss reduction for exhaustive checking. In an unordered network (duplicating or not) a
    /// lost message is indistinguishable from one that is never delivered: removing the
    /// `Drop` steps from any path leaves every other step enabled with the same effect on
    /// every node. Every property reads only node state and the harness's observations, so
    /// the exhaustive check may skip drops there without missing a violation. In an ordered
    /// network a drop unblocks the messages queued behind it, so drops stay.
    pub fn reduce_loss(mut self) -> PaxosModel {
        if self.cfg().delivery != Delivery::Ordered {
            self.drops = false;
        }
        self
    }

    /// The model with dead-message pruning asked of the engine that searches it (when `on`):
    /// a reduction that keeps every verdict and every shortest trace (see
    /// `paxos_lab::engine::dead`).
    pub fn prune_dead(mut self, on: bool) -> PaxosModel {
        self.dead_pruned = on;
        self
    }

    /// Whether [`PaxosModel::reduce_loss`] removed the drops of a lossy network.
    pub fn loss_reduced(&self) -> bool {
        self.mode == Mode::Faults && self.cfg().lossy && !self.drops
    }

    pub fn cfg(&self) -> &ClusterCfg {
        &self.setup.cfg
    }

    pub fn rules(&self) -> &'static dyn Rules {
        self.setup.rules
    }

    /// The steps enabled in `state` that change something, in a fixed order, each with the
    /// state it leads to.
    pub fn successors(&self, state: &PaxosState) -> Vec<(Action, PaxosState)> {
        let mut actions = Vec::new();
        self.actions(state, &mut actions);
        actions
            .into_iter()
            .filter_map(|a| self.next_state(state, a.clone()).map(|s| (a, s)))
            .collect()
    }

    /// The phase-2 quorum in force: how many acceptors of one ballot make a value chosen.
    pub fn chosen_quorum(&self) -> usize {
        if self.cfg().is_store() {
            return crate::rules::majority(self.cfg().acceptors);
        }
        self.rules().phase2_quorum(self.cfg().acceptors)
    }

    /// The safety properties this world is judged on, in report order: the guide's three,
    /// and in a store world log coherence and linearizability too.
    pub fn safety(&self) -> &'static [PropertyName] {
        if self.cfg().is_store() {
            &PropertyName::STORE_SAFETY
        } else {
            &PropertyName::SAFETY
        }
    }

    /// Every property this world is judged on, in report order: its safety properties, then
    /// fault tolerance.
    pub fn judged(&self) -> Vec<PropertyName> {
        let mut all = self.safety().to_vec();
        all.push(PropertyName::FaultTolerance);
        all
    }

    /// Whether symmetry reduction is sound here: the rules treat acceptors alike and
    /// learners alike (clients and proposers keep their names: each has its own operations
    /// or ballots).
    pub fn symmetric(&self) -> bool {
        self.rules().symmetric()
    }

    /// Whether the harness allows `action` in `state` (the fault budget and roles).
    fn allowed(&self, state: &PaxosState, action: &Action) -> bool {
        match action {
            ActorModelAction::Crash(id) => {
                let cfg = self.cfg();
                let (role, _) = cfg.role_of(usize::from(*id));
                self.mode == Mode::Faults
                    && cfg.may_crash.contains(role)
                    && (state.obs.crashes as usize) < cfg.crashes_max
            }
            ActorModelAction::Recover(_) => self.mode == Mode::Faults && self.cfg().restarts,
            ActorModelAction::Drop(_) => self.drops,
            _ => true,
        }
    }

    /// Brings `obs` up to date with node `i`'s state in `sys`.
    fn observe(&self, sys: &ActorModelState<Node>, i: usize, obs: &mut Obs) {
        self.observe_node(i, &sys.actor_states[i], obs);
    }

    /// Brings `obs` up to date with node `i` now in state `node`. Observing a node twice in
    /// one state records nothing new, so an engine may observe every node a step touched.
    /// Returns whether `obs` changed (an engine then knows most steps leave it as it was).
    pub fn observe_node(&self, i: usize, node: &NodeState, obs: &mut Obs) -> bool {
        if let Some(log) = &mut obs.log {
            let (_, index) = self.cfg().role_of(i);
            return log.observe(i, index, node);
        }
        let mut changed = false;
        if let Some(v) = node.decision() {
            changed |= obs.first_decision[i].is_none() || obs.decided_ever[i] & 1 << v == 0;
            obs.first_decision[i].get_or_insert(v);
            obs.decided_ever[i] |= 1 << v;
        }
        let (role, index) = self.cfg().role_of(i);
        if role == Role::Acceptor {
            if let Some((b, v)) = node.accepted() {
                changed |= obs.record_accept(b, v, index);
            }
        }
        changed
    }
}

/// Every message in flight as (src, dst, msg), one entry per copy, in a deterministic order.
///
/// stateright 0.31's `Network::iter_all` is not used: it never ends on an ordered network
/// (its iterator keeps returning the head of the first flow), and on a non-duplicating one
/// it yields an envelope held `c > 1` times `c + 1` times. Its maps are read directly.
pub fn in_flight(network: &Network<Msg>) -> Vec<(usize, usize, Msg)> {
    let at = |e: &stateright::actor::Envelope<Msg>| (usize::from(e.src), usize::from(e.dst), e.msg);
    let mut v: Vec<(usize, usize, Msg)> = match network {
        Network::Ordered(flows) => flows
            .iter()
            .flat_map(|(&(src, dst), msgs)| {
                msgs.iter()
                    .map(move |m| (usize::from(src), usize::from(dst), *m))
            })
            .collect(),
        Network::UnorderedNonDuplicating(multiset) => multiset
            .iter()
            .flat_map(|(e, &count)| std::iter::repeat_n(at(e), count))
            .collect(),
        Network::UnorderedDuplicating(set, _) => set.iter().map(at).collect(),
    };
    if !matches!(network, Network::Ordered(_)) {
        // Unordered networks iterate in hash order: sort. Ordered flows keep FIFO order.
        v.sort();
    }
    v
}

impl Model for PaxosModel {
    type State = PaxosState;
    type Action = Action;

    fn init_states(&self) -> Vec<PaxosState> {
        let cfg = self.cfg();
        self.inner
            .init_states()
            .into_iter()
            .map(|mut sys| {
                if let Mode::Witness { down } = self.mode {
                    for a in 0..cfg.acceptors {
                        if down & (1 << a) != 0 {
                            sys.crashed[cfg.id_of(Role::Acceptor, a)] = true;
                        }
                    }
                }
                let mut obs = Obs {
                    crashes: 0,
                    proposed: (0..cfg.proposers)
                        .filter(|_| !cfg.is_store())
                        .map(|p| 1u16 << cfg.value_of_proposer(p))
                        .fold(0, |m, bit| m | bit),
                    first_decision: smallvec::smallvec![None; cfg.node_count()],
                    decided_ever: smallvec::smallvec![0; cfg.node_count()],
                    accepted: Few::new(),
                    log: cfg
                        .is_store()
                        .then(|| Box::new(LogObs::new(cfg.node_count()))),
                };
                for i in 0..cfg.node_count() {
                    self.observe(&sys, i, &mut obs);
                }
                PaxosState { sys, obs }
            })
            .collect()
    }

    fn actions(&self, state: &PaxosState, actions: &mut Vec<Action>) {
        self.inner.actions(&state.sys, actions);
        actions.retain(|a| self.allowed(state, a));
    }

    fn next_state(&self, last: &PaxosState, action: Action) -> Option<PaxosState> {
        let crash = matches!(action, ActorModelAction::Crash(_));
        let mut sys = self.inner.next_state(&last.sys, action)?;
        if let Network::UnorderedDuplicating(_, last_delivered) = &mut sys.network {
            // stateright keeps the last delivered envelope only so that a redelivery that
            // changes nothing still yields a new fingerprint; no behaviour depends on it, and
            // keeping it multiplies the state space, so the harness forgets it.
            *last_delivered = None;
        }
        let mut obs = last.obs.clone();
        if crash {
            obs.crashes += 1;
        }
        for i in 0..sys.actor_states.len() {
            if !Arc::ptr_eq(&sys.actor_states[i], &last.sys.actor_states[i]) {
                self.observe(&sys, i, &mut obs);
            }
        }
        Some(PaxosState { sys, obs })
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always("coherence", |_, s: &PaxosState| {
                properties::coherence(&s.obs)
            }),
            Property::always("conflict-resolution", |m: &PaxosModel, s: &PaxosState| {
                properties::conflict_resolution(&s.obs, m.chosen_quorum())
            }),
            Property::always("no-takebacks", |_, s: &PaxosState| {
                properties::no_takebacks(s)
            }),
            Property::always("log-coherence", |m: &PaxosModel, s: &PaxosState| {
                properties::log_coherence(&s.obs, m.chosen_quorum())
            }),
            Property::always("linearizability", |m: &PaxosModel, s: &PaxosState| {
                properties::linearizable(m.cfg(), &s.obs)
            }),
            Property::sometimes("decision-reachable", |_, s: &PaxosState| {
                properties::decided_somewhere(&s.obs)
            }),
        ]
    }

    fn format_action(&self, action: &Action) -> String {
        crate::describe::action(self.cfg(), action)
    }
}
