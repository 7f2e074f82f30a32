//! The exhaustive check: the three safety properties over the scenario's whole state space,
//! then the fault-tolerance witnesses (a decision reachable with no node down, and with each
//! minority of acceptors down from the start), then its graph part ([`reach`]: a decision
//! stays reachable from every state, with nothing and with any minority cut off). Breadth-first by our own engine
//! ([`bfs`]), so every counterexample is a shortest one; depth-first by stateright's
//! `spawn_dfs` for comparison, with its discoveries replayed and cut at the first violating
//! state (stateright reports the *last* hit, not the first: trap P1).
//!
//! A run stopped by a bound is never reported as "holds": it is inconclusive.

pub mod reach;

pub use crate::engine::{fingerprint, Progress, Search, SearchOpts};
pub use reach::{decision_reachable_from, explore_back, stays_reachable, without_graph, Reach};

use crate::engine::bfs;
use crate::engine::world::{Engine, World};
use reach::Judged;

use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::Instant;

use paxos_models::model::Action;
use paxos_models::{Mode, PaxosModel, PaxosState, PropertyName, Rules};
use stateright::{Checker, Model, Property};

use crate::report::trace::Trace;
use crate::scenario::Scenario;

/// Which engine explores the state space.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// Our breadth-first engine: shortest counterexamples, deterministic at any thread count.
    Bfs,
    /// stateright's depth-first checker: less memory, counterexamples not the shortest.
    Dfs,
}

/// The verdict on one property.
#[derive(Clone, Debug)]
pub enum Verdict {
    Holds,
    /// A safety property fails: the shortest trace to the first violating state.
    Violated(Trace),
    /// Fault tolerance fails: no decision is reachable with these nodes down (names).
    Unreachable {
        down: Vec<String>,
    },
    /// A bound stopped the run before the property could be decided.
    Inconclusive,
    /// The scenario says the property cannot hold for correct Paxos in its bounded world
    /// (`faults.fault_tolerance_not_judged`), so it is not checked there: the reason.
    NotJudged(String),
}

/// One property's verdict and, for fault tolerance, what was searched.
#[derive(Clone, Debug)]
pub struct PropertyVerdict {
    pub property: PropertyName,
    pub verdict: Verdict,
}

/// The whole outcome of `check`.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub verdicts: Vec<PropertyVerdict>,
    /// The main search (the safety properties under the scenario's faults).
    pub main: Search,
    /// The fault-tolerance witness searches: (acceptors down, search).
    pub witnesses: Vec<(Vec<String>, Search)>,
    /// The sets of acceptors down whose witness was not searched: acceptors are
    /// interchangeable, so each is the searched one renamed, with the same verdict.
    pub witnesses_by_symmetry: usize,
    /// The graph part of fault tolerance ([`stays_reachable`]), run once the witnesses hold.
    pub stays: Option<Reach>,
    /// What became of partial-order reduction in the safety search.
    pub por: PorUse,
    /// Where the variant's rules broke the symmetry they claim
    /// ([`crate::engine::premise`]): the check then ran without the reduction.
    pub symmetry_set_aside: Option<crate::engine::premise::Asymmetry>,
    pub seconds: f64,
}

impl Outcome {
    pub fn any_violated(&self) -> bool {
        self.verdicts.iter().any(|v| {
            matches!(
                v.verdict,
                Verdict::Violated(_) | Verdict::Unreachable { .. }
            )
        })
    }

    pub fn any_inconclusive(&self) -> bool {
        self.verdicts
            .iter()
            .any(|v| matches!(v.verdict, Verdict::Inconclusive))
    }

    /// 0 every property holds, 1 a property is violated, 3 inconclusive.
    pub fn exit_code(&self) -> u8 {
        if self.any_violated() {
            1
        } else if self.any_inconclusive() {
            3
        } else {
            0
        }
    }
}

/// What to check and how.
#[derive(Clone, Debug)]
pub struct CheckCfg {
    pub strategy: Strategy,
    /// Symmetry reduction over acceptors and learners (bfs only; skipped when the rules
    /// are not symmetric).
    pub symmetry: bool,
    /// Partial-order reduction (bfs only).
    pub por: bool,
    /// Dead-message pruning (bfs only; skipped on ordered networks, see `engine::dead`).
    pub dead: bool,
    /// The sleep reduction (bfs only; see `engine::bfs::Reductions::sleep`): in every
    /// search that takes each state's every step and judges no state by its steps, which
    /// is every search but a partial-order-reduced one and the fault-tolerance graph's.
    pub sleep: bool,
    pub opts: SearchOpts,
}

impl CheckCfg {
    /// A breadth-first check with `reduction` on `threads` threads, bounded only by
    /// `states_max` unique states, going on until every property has a discovery: what
    /// `bench` and the matrix run.
    pub fn bfs(reduction: Reduction, threads: usize, states_max: Option<usize>) -> CheckCfg {
        CheckCfg {
            strategy: Strategy::Bfs,
            symmetry: reduction.symmetry(),
            por: reduction.por(),
            dead: reduction.dead(),
            sleep: reduction.sleep(),
            opts: SearchOpts {
                threads,
                depth_max: None,
                states_max,
                memory_max: None,
                stop_when_all_found: true,
                stop_when_any_found: false,
            },
        }
    }
}

/// The model's safety properties in report order, each with its name; both engines
/// evaluate these.
pub fn safety_properties(model: &PaxosModel) -> Vec<(PropertyName, Property<PaxosModel>)> {
    let all = model.properties();
    model
        .safety()
        .iter()
        .map(|&p| {
            let prop = all
                .iter()
                .find(|q| q.name == p.name())
                .expect("the model defines every safety property")
                .clone();
            (p, prop)
        })
        .collect()
}

/// Which reductions a breadth-first check uses (`--reduction`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Reduction {
    /// The whole state space, state by state.
    None,
    /// One state per symmetry class of acceptors and learners.
    Symmetry,
    /// Partial-order reduction (stubborn sets over nodes), no symmetry.
    Por,
    /// Dead-message pruning alone: messages their receiver will ignore for good are taken
    /// off the network.
    Dead,
    /// The sleep reduction alone: a state skips the steps that commute with one of the last
    /// steps into it (and with those after that one) and rank above it; every state is still
    /// reached, at its least depth.
    Sleep,
    /// Symmetry, partial-order reduction, dead-message pruning and the sleep reduction
    /// together (the sleep reduction where partial-order reduction is not used).
    All,
}

impl Reduction {
    pub fn symmetry(self) -> bool {
        matches!(self, Reduction::Symmetry | Reduction::All)
    }

    pub fn por(self) -> bool {
        matches!(self, Reduction::Por | Reduction::All)
    }

    pub fn dead(self) -> bool {
        matches!(self, Reduction::Dead | Reduction::All)
    }

    pub fn sleep(self) -> bool {
        matches!(self, Reduction::Sleep | Reduction::All)
    }

    pub fn name(self) -> &'static str {
        match self {
            Reduction::None => "none",
            Reduction::Symmetry => "symmetry",
            Reduction::Por => "por",
            Reduction::Dead => "dead",
            Reduction::Sleep => "sleep",
            Reduction::All => "all",
        }
    }
}

/// What became of a partial-order reduction asked for: why it was set aside, if it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PorUse {
    /// Not asked for.
    Off,
    /// Used; every send was one `may_send` allows.
    Used,
    /// Used for the verdicts; the traces were found again without it (shortest), by a
    /// search of this many unique states.
    UsedTracesRefound(u64),
    /// Set aside (the search was redone without it), for this reason.
    Dropped(String),
    /// Not used by the safety search because there was none of its own: in a world with
    /// crashes the safety properties are judged on the fault-tolerance graph's exploration,
    /// which is never reduced ([`reach::with_safety`]).
    InGraph,
}

impl PorUse {
    /// Set aside because a step sent a message `Rules::may_send` does not allow.
    pub fn stray_send() -> PorUse {
        PorUse::Dropped("a step sent a message Rules::may_send does not allow".into())
    }

    /// Set aside in a fault-tolerance graph of a world with crashes, which is never reduced.
    pub fn graph_with_crashes() -> PorUse {
        PorUse::Dropped(
            "the fault-tolerance graph is reduced only in worlds without crashes".into(),
        )
    }
}

/// The engine's own copies of `props` (the model's), by name, in the order asked.
fn engine_props<'m>(
    engine: &Engine<'m>,
    props: &[Property<PaxosModel>],
) -> Vec<Property<Engine<'m>>> {
    let all = engine.properties();
    props
        .iter()
        .map(|q| {
            all.iter()
                .find(|p| p.name == q.name)
                .expect("the engine defines every property the model does")
                .clone()
        })
        .collect()
}

/// One breadth-first search of our engine on `model`: by symmetry class when `symmetry` is
/// on and sound for the model's rules, with partial-order reduction when `por` is on, for
/// the engine's copies of `props`. With `cuts` (the fault-tolerance graph part's cuts, as
/// acceptor bitmasks and as node bitmasks) the stubborn sets are widened for them and every
/// expanded state is judged by [`reach::keeps_a_step`]; a state found wanting stops the
/// search when `stop_when_wanting`, and otherwise only marks the space as one the graph
/// must judge. Returns the search, whether a step sent outside `Rules::may_send`, and with
/// `cuts` what the judge made of the states ([`Judged`]).
#[allow(clippy::too_many_arguments)]
fn engine_search(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    sleep: bool,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
    cuts: Option<&(Vec<u16>, Vec<u16>)>,
    stop_when_wanting: bool,
) -> (Search, bool, Option<Judged>) {
    if model.dead_pruned {
        analyse_dead_for(model, opts, symmetry);
    }
    let engine = Engine::for_search(model, por);
    let props_asked = props;
    let props = engine_props(&engine, props);
    let canon = |w: &World| engine.canonical(w).0;
    let canon: bfs::Canon<World> = (symmetry && model.symmetric()).then_some(&canon);
    let step = |w: &World, actions: &[Action], take: &mut dyn FnMut(usize, &World, usize)| match (
        &engine.por,
        cuts,
    ) {
        (Some(p), None) => p.successors(&engine, w, actions, take),
        (Some(p), Some((_, nodes))) => p.successors_for_cuts(&engine, w, actions, nodes, take),
        (None, _) => {}
    };
    let reduced: bfs::Reduced<Engine> = engine.por.is_some().then_some(&step);
    let wanting = AtomicBool::new(false);
    let stuck = AtomicBool::new(false);
    let acyclic = engine.dead.as_ref().is_some_and(|d| d.acyclic);
    let judge = |w: &World, actions: &[Action], taken: &[(usize, bool)]| {
        let fine = cuts.is_none_or(|(acceptor_cuts, _)| {
            let fine = reach::keeps_a_step(model, acceptor_cuts, w, actions, taken, acyclic);
            if !fine && reach::surely_stuck(model, acceptor_cuts, w, actions, taken) {
                stuck.store(true, AtomicOrdering::Relaxed);
            }
            fine
        });
        if !fine {
            wanting.store(true, AtomicOrdering::Relaxed);
        }
        fine || !stop_when_wanting
    };
    let red = bfs::Reductions {
        canon,
        reduced,
        judge: cuts.is_some().then_some(&judge),
        // Unsound with a reduced step function or a judge (see `Reductions::sleep`).
        sleep: sleep && reduced.is_none() && cuts.is_none(),
        // Every path finite: no cycle can postpone a step forever (see `engine::por`).
        proviso: !acyclic,
    };
    let mut search = bfs::search(&engine, &engine, &props, &red, opts, progress);
    if engine.dead_escaped() {
        // A node left out of the dead-message analysis sent what it did not foresee: the
        // pruning may have been unsound from there on, and the model's every search now
        // runs without it, this one first.
        return engine_search(
            model,
            symmetry,
            por,
            sleep,
            props_asked,
            opts,
            progress,
            cuts,
            stop_when_wanting,
        );
    }
    // Paths as the reference model numbers its actions (pruning lists fewer deliveries).
    for d in search.discoveries.iter_mut().flatten() {
        d.1 = engine.reference_path(d.0, &d.1);
    }
    search.dead = engine.dead_use();
    let judged = cuts.map(|_| {
        match (
            stuck.load(AtomicOrdering::Relaxed),
            wanting.load(AtomicOrdering::Relaxed),
        ) {
            (true, _) => Judged::Stuck,
            (false, true) => Judged::Wanting,
            (false, false) => Judged::Fine,
        }
    });
    (search, engine.stray_send(), judged)
}

/// The bound on one node's lone exploration (see [`crate::engine::dead::NODE_STATES_MAX`])
/// in a search that stops at its first violation. Explored a class at a time (about a
/// sixth of them with three acceptors), three-proposers' learner (4,098 local states) fits:
/// its pruning takes accept-keeps-promise's search from 80,432 classes to 70,588 (9% fewer
/// instructions, 1,355 M), where a kv-store replica (264,966) is left out later, which
/// costs replica-applies-out-of-order a third more (388 M).
pub const FIRST_VIOLATION_NODE_STATES_MAX: usize = 8_192;

/// Runs `model`'s dead-message analysis (unless it has one) with the bound a search of it
/// with `opts` gives it, a class of local states at a time for a search that reduces by
/// `symmetry` (see [`crate::engine::dead::Dead::analyse_by_classes`]). A search that stops
/// at its first violation is mostly small: a node whose lone exploration would cost more
/// than the search (a learner's 65,538 local states, a store replica's 264,966) is left out
/// early (the model's later searches share it).
fn analyse_dead_for(model: &PaxosModel, opts: &SearchOpts, symmetry: bool) {
    Engine::analyse_dead(
        model,
        if opts.stop_when_any_found {
            FIRST_VIOLATION_NODE_STATES_MAX
        } else {
            crate::engine::dead::NODE_STATES_MAX
        },
        opts.threads,
        symmetry,
    );
}

/// Our breadth-first engine on `model`, deduplicating by symmetry class when `cfg.symmetry`
/// is on and sound for the model's rules, with partial-order reduction when `cfg.por` is
/// on, and with the sleep reduction when `cfg.sleep` is on (in the searches it suits).
/// A reduced search whose premise fails (a send outside `Rules::may_send`) is redone
/// without the reduction; one that finds a violation is redone without it up to that
/// depth, so that every trace is still a shortest one.
///
/// With `cuts` (the fault-tolerance graph part's cuts, as acceptor bitmasks and as node
/// bitmasks) the reduced search explores the space [`reach::without_graph`] explores (each
/// stubborn set widened for the cuts: a union of closed sets, so still stubborn and as sound
/// for the safety properties) and judges every state as it does; the third result is then
/// whether every state passed (`None` when the search ran without the reduction).
fn bfs_search(
    model: &PaxosModel,
    cfg: &CheckCfg,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
    cuts: Option<&(Vec<u16>, Vec<u16>)>,
) -> (Search, PorUse, Option<Judged>) {
    let plain = |por: bool,
                 props: &[Property<PaxosModel>],
                 opts: &SearchOpts,
                 progress: &mut dyn FnMut(&Progress),
                 cuts: Option<&(Vec<u16>, Vec<u16>)>| {
        engine_search(
            model,
            cfg.symmetry,
            por,
            cfg.sleep,
            props,
            opts,
            progress,
            cuts,
            false,
        )
    };
    if !cfg.por {
        return (
            plain(false, props, opts, progress, None).0,
            PorUse::Off,
            None,
        );
    }
    let (search, stray, judged) = plain(true, props, opts, progress, cuts);
    // Whatever a reduced search found is real (a reduced path is a path), and without a
    // complete search nothing is claimed to hold; a claim that holds rests on `may_send`.
    let undecided = search.discoveries.iter().any(Option::is_none);
    if stray && undecided && search.complete {
        let (search, _, _) = plain(false, props, opts, progress, None);
        return (search, PorUse::stray_send(), None);
    }
    // A send outside `may_send` leaves the graph part's judgement to its own search.
    let judged = judged.filter(|_| !stray);
    // A violation found under the reduction may not be at its least depth: find each again
    // without it, no deeper than where the reduced search found it.
    let violated: Vec<usize> = (0..props.len())
        .filter(|&i| {
            search.discoveries[i].is_some()
                && props[i].expectation == stateright::Expectation::Always
        })
        .collect();
    if violated.is_empty() {
        return (search, PorUse::Used, judged);
    }
    let again_props: Vec<Property<PaxosModel>> =
        violated.iter().map(|&i| props[i].clone()).collect();
    let deepest = violated
        .iter()
        .filter_map(|&i| search.discoveries[i].as_ref().map(|(_, p)| p.len()))
        .max()
        .unwrap_or(0);
    let again_opts = SearchOpts {
        stop_when_all_found: true,
        stop_when_any_found: false,
        depth_max: Some(deepest),
        ..opts.clone()
    };
    let (again, _, _) = plain(false, &again_props, &again_opts, progress, None);
    let mut search = search;
    for (k, &i) in violated.iter().enumerate() {
        if let Some(found) = &again.discoveries[k] {
            search.discoveries[i] = Some(found.clone());
        }
    }
    (search, PorUse::UsedTracesRefound(again.unique), judged)
}

/// [`bfs_search`] on stateright's `ActorModel` itself, the reference semantics: what the
/// engine is compared with, in tests and in `bench`.
pub fn reference_search(
    model: &PaxosModel,
    symmetry: bool,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
) -> Search {
    let canon = |s: &PaxosState| model.canonical_fingerprint(s);
    let canon: bfs::Canon<PaxosState> = (symmetry && model.symmetric()).then_some(&canon);
    let red = bfs::Reductions {
        canon,
        reduced: None,
        judge: None,
        sleep: false,
        proviso: true,
    };
    bfs::search(model, model, props, &red, opts, &mut |_| {})
}

/// Rebuilds a discovery as a real trace: the engine keeps real states (symmetry only
/// decides which are new), so the recorded action indices replay exactly.
pub fn replay_indices(model: &PaxosModel, init: usize, indices: &[usize]) -> Trace {
    let mut state = model.init_states().swap_remove(init);
    let mut states = vec![state.clone()];
    let mut taken = Vec::new();
    let mut actions = Vec::new();
    for &i in indices {
        actions.clear();
        model.actions(&state, &mut actions);
        let action = actions.swap_remove(i);
        state = model
            .next_state(&state, action.clone())
            .expect("a recorded action has a successor");
        taken.push(action);
        states.push(state.clone());
    }
    Trace {
        states,
        actions: taken,
        events: Vec::new(),
    }
}

/// [`replay_indices`] for a discovery of `property`, held to what the discovery claims: its
/// last state, replayed on the reference model, violates the property (an always property)
/// or satisfies it (a sometimes one). A path that does not is an engine bug, or a build the
/// compiler got wrong (rustc 1.95's one-codegen-unit build once stored every parent link of
/// the search as zeros, and printed one-step "counterexamples"): the check stops there
/// rather than show a trace that shows nothing.
pub fn replay_discovery(
    model: &PaxosModel,
    property: &Property<PaxosModel>,
    init: usize,
    indices: &[usize],
) -> Trace {
    let trace = replay_indices(model, init, indices);
    let last = trace.states.last().expect("a trace has its first state");
    let holds = (property.condition)(model, last);
    let shown = match property.expectation {
        stateright::Expectation::Always => !holds,
        stateright::Expectation::Sometimes => holds,
        stateright::Expectation::Eventually => true,
    };
    assert!(
        shown,
        "internal error: the breadth-first engine's path for {} ({} steps) does not replay to \
         a state that shows it on the reference model: an engine bug or a miscompiled build \
         (please report it with the command line)",
        property.name,
        indices.len()
    );
    trace
}

/// The most states [`hold_stuck`] and [`hold_unreachable`] search, each state kept whole
/// in the queue (so a bound on memory too: a few hundred MB at most): past it the verdict
/// stands unconfirmed. Every such search of the catalog's violations visits under 1,000
/// (run over the matrix on 2026-12-07).
pub const STUCK_STATES_MAX: usize = 200_000;

/// Holds a fault-tolerance trace to what it claims, as [`replay_discovery`] holds a safety
/// one: from its last state, replayed on the reference model, no decision is reachable
/// with its partition (the minority cut off, if any) in force for good, searched state by
/// state without any reduction. A trace from which a decision is reachable is an engine
/// bug (or a miscompiled build), and the check stops there. A search that passes
/// [`STUCK_STATES_MAX`] states first proves nothing either way and lets the trace stand.
pub fn hold_stuck(model: &PaxosModel, trace: &Trace) {
    let last = trace.states.last().expect("a trace has its first state");
    let reachable =
        decision_reachable_from(model, last, trace.partition_at_end(), STUCK_STATES_MAX);
    assert!(
        reachable != Some(true),
        "internal error: the breadth-first engine's fault-tolerance path ({} steps) ends where \
         a decision is still reachable on the reference model: an engine bug or a miscompiled \
         build (please report it with the command line)",
        trace.len()
    );
}

/// Holds an "unreachable" verdict to what it claims: in `witness` (a world with acceptors
/// down from the start), searched state by state on the reference model without any
/// reduction, no decision is reachable from any initial state. One that is reachable is
/// an engine bug (or a miscompiled build), and the check stops there; a search that passes
/// [`STUCK_STATES_MAX`] states first lets the verdict stand.
pub fn hold_unreachable(witness: &PaxosModel) {
    for init in witness.init_states() {
        assert!(
            decision_reachable_from(witness, &init, None, STUCK_STATES_MAX) != Some(true),
            "internal error: the breadth-first engine found no decision reachable with \
             acceptors down, but the reference model reaches one: an engine bug or a \
             miscompiled build (please report it with the command line)"
        );
    }
}

/// Cuts a trace at the first state where `property` fails.
fn cut_at_first_violation(
    model: &PaxosModel,
    property: &Property<PaxosModel>,
    mut trace: Trace,
) -> Trace {
    if let Some(at) = trace
        .states
        .iter()
        .position(|s| !(property.condition)(model, s))
    {
        trace.states.truncate(at + 1);
        trace.actions.truncate(at);
    }
    trace
}

/// Whether searches of `model` may reduce by symmetry: its variant claims its acceptors and
/// learners interchangeable (`Rules::symmetric`) and the premise check
/// ([`crate::engine::premise::asymmetry`]) finds no step that tells them apart. What
/// [`check_model`] decides before its searches, for a caller of [`safety_search`].
pub fn may_reduce_by_symmetry(model: &PaxosModel) -> bool {
    model.symmetric() && broken_symmetry(model).is_none()
}

/// Where `model`'s variant claims symmetry and the premise check finds a step that breaks
/// the claim; `None` for a variant that claims none, or keeps it.
fn broken_symmetry(model: &PaxosModel) -> Option<crate::engine::premise::Asymmetry> {
    model
        .symmetric()
        .then(|| crate::engine::premise::asymmetry(model))
        .flatten()
}

/// The model `check` searches for `rules` in `scenario`: its loss reduced and its dead
/// messages pruned as `cfg` asks. A search's discoveries are action indices of this model,
/// so whatever replays them builds it here too.
fn checked_model(scenario: &Scenario, rules: &'static dyn Rules, cfg: &CheckCfg) -> PaxosModel {
    PaxosModel::new(scenario.cluster.clone(), rules)
        .reduce_loss()
        .prune_dead(cfg.dead)
}

/// The breadth-first safety search alone (no fault-tolerance witnesses, no traces): what
/// `paxos-lab bench` times. It takes `Rules::symmetric()` at its word when `cfg.symmetry`
/// is on: a caller with a variant that may not keep it asks [`may_reduce_by_symmetry`]
/// first, as `bench` does.
pub fn safety_search(scenario: &Scenario, rules: &'static dyn Rules, cfg: &CheckCfg) -> Search {
    let model = checked_model(scenario, rules, cfg);
    let props: Vec<Property<PaxosModel>> = safety_properties(&model)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    bfs_search(&model, cfg, &props, &cfg.opts, &mut |_| {}, None).0
}

/// The discoveries of a [`safety_search`] (run with `cfg`), each replayed on the reference
/// model and held to its property ([`replay_discovery`]): `bench` reports their lengths
/// from these (a few steps replayed: microseconds beside the search).
pub fn safety_traces(
    scenario: &Scenario,
    rules: &'static dyn Rules,
    cfg: &CheckCfg,
    search: &Search,
) -> Vec<Option<Trace>> {
    let model = checked_model(scenario, rules, cfg);
    safety_properties(&model)
        .iter()
        .zip(&search.discoveries)
        .map(|((_, p), d)| {
            d.as_ref()
                .map(|(init, path)| replay_discovery(&model, p, *init, path))
        })
        .collect()
}

/// Runs the whole check of one variant in one scenario.
pub fn check(
    scenario: &Scenario,
    rules: &'static dyn Rules,
    cfg: &CheckCfg,
    progress: &mut dyn FnMut(&str, &Progress),
) -> Outcome {
    let model = checked_model(scenario, rules, cfg);
    check_model(scenario, &model, cfg, progress)
}

/// [`check`] on a model built from `scenario` (its loss reduced and its pruning as `cfg`
/// asks): a test primes its dead-message analysis first
/// ([`crate::engine::world::Engine::analyse_dead`]).
pub fn check_model(
    scenario: &Scenario,
    model: &PaxosModel,
    cfg: &CheckCfg,
    progress: &mut dyn FnMut(&str, &Progress),
) -> Outcome {
    let started = Instant::now();
    // A variant that claims its acceptors and learners interchangeable is held to it before
    // any search leans on it: where a swap of two of them changes what a step does, every
    // search of this check runs without symmetry.
    let asymmetry = cfg.symmetry.then(|| broken_symmetry(model)).flatten();
    let unreduced;
    let cfg = match asymmetry {
        Some(_) => {
            unreduced = CheckCfg {
                symmetry: false,
                ..cfg.clone()
            };
            &unreduced
        }
        None => cfg,
    };
    let rules = model.rules();
    let props: Vec<Property<PaxosModel>> = safety_properties(model)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    // The states bound holds for the whole run: each search gets what the ones before it
    // left of it.
    let mut left = cfg.opts.states_max;
    let spend = |left: &mut Option<usize>, unique: u64| {
        *left = left.map(|l| l.saturating_sub(unique as usize));
    };
    // The safety search also judges the fault-tolerance graph part where it can: a reduced
    // breadth-first search of a world without crashes, asked for every verdict (see
    // `bfs_search`); that spares the graph part a search of its own. Then the witnesses
    // come first: when one fails, the graph part is not judged, and the safety search need
    // not widen its stubborn sets for it.
    let judged_here = matches!(cfg.strategy, Strategy::Bfs)
        && cfg.por
        && model.cfg().crashes_max == 0
        && scenario.fault_tolerance_not_judged.is_none()
        && !cfg.opts.stop_when_any_found;
    // In a world with crashes the graph part is not reduced, and the safety properties are
    // judged on its exploration when it is searched at all (`reach::with_safety`): the
    // witnesses come first, and only if they hold is that one search made.
    let with_graph = matches!(cfg.strategy, Strategy::Bfs)
        && model.cfg().crashes_max > 0
        && scenario.fault_tolerance_not_judged.is_none()
        && !cfg.opts.stop_when_any_found;
    let early =
        (judged_here || with_graph).then(|| fault_tolerance(scenario, model, cfg, left, progress));
    if let Some((_, w, _)) = &early {
        spend(&mut left, w.iter().map(|(_, s)| s.unique).sum());
    }
    let cut_off = scenario.cut_off_not_judged.is_none();
    let mut merged = None;
    if with_graph && matches!(&early, Some((Verdict::Holds, _, _))) {
        let opts = SearchOpts {
            states_max: left,
            ..cfg.opts.clone()
        };
        merged = Some(reach::with_safety(
            model,
            cfg.symmetry,
            cfg.por,
            cut_off,
            &props,
            &opts,
            &mut |p| progress("safety and fault-tolerance graph", p),
        ));
    }
    let cuts = early
        .as_ref()
        .filter(|(v, _, _)| matches!(v, Verdict::Holds))
        .map(|_| reach::cuts_of(model, scenario.cut_off_not_judged.is_none()));
    let opts = SearchOpts {
        stop_when_all_found: true,
        states_max: left,
        ..cfg.opts.clone()
    };
    let mut por = PorUse::Off;
    let mut judged = None;
    // Our engines' discoveries, as traces.
    let replay_all = |search: &Search| -> Vec<Option<Trace>> {
        search
            .discoveries
            .iter()
            .zip(&props)
            .map(|(d, p)| {
                d.as_ref()
                    .map(|(init, path)| replay_discovery(model, p, *init, path))
            })
            .collect()
    };
    let (main, traces) = match (&merged, cfg.strategy) {
        (Some(reach), _) => {
            if cfg.por {
                por = PorUse::InGraph;
            }
            let search = Search {
                discoveries: reach.safety.clone(),
                ..reach.search.clone()
            };
            let traces = replay_all(&search);
            (search, traces)
        }
        (None, Strategy::Bfs) => {
            let (search, used, fine) = bfs_search(
                model,
                cfg,
                &props,
                &opts,
                &mut |p| progress("safety", p),
                cuts.as_ref(),
            );
            por = used;
            judged = fine;
            let traces = replay_all(&search);
            (search, traces)
        }
        (None, Strategy::Dfs) => dfs(
            PaxosModel::new(scenario.cluster.clone(), rules).reduce_loss(),
            &props,
            &opts,
        ),
    };
    spend(&mut left, main.unique);
    let mut verdicts: Vec<PropertyVerdict> = model
        .safety()
        .iter()
        .zip(traces)
        .map(|(&property, trace)| PropertyVerdict {
            property,
            verdict: match trace {
                Some(t) => Verdict::Violated(t),
                None if main.complete => Verdict::Holds,
                None => Verdict::Inconclusive,
            },
        })
        .collect();
    let (mut ft, witnesses, witnesses_by_symmetry) =
        match (&scenario.fault_tolerance_not_judged, early) {
            (Some(why), _) => (Verdict::NotJudged(why.clone()), Vec::new(), 0),
            (None, Some(early)) => early,
            (None, None) => {
                let (v, w, by_symmetry) = fault_tolerance(scenario, model, cfg, left, progress);
                spend(&mut left, w.iter().map(|(_, s)| s.unique).sum());
                (v, w, by_symmetry)
            }
        };
    // Then the graph part, once the cheap part holds: a decision stays reachable from every
    // judged state under the scenario's faults.
    let mut stays = None;
    let mut graph = merged;
    if graph.is_some() {
        // Searched above, with the safety properties.
    } else if matches!(ft, Verdict::Holds) && cfg.opts.stop_when_any_found {
        // Asked to stop at the first violation: the graph part is not judged.
        ft = Verdict::Inconclusive;
    } else if matches!(ft, Verdict::Holds) {
        let opts = SearchOpts {
            states_max: left,
            ..cfg.opts.clone()
        };
        let mut progress = |p: &Progress| progress("fault-tolerance graph", p);
        let reach = match (judged, &cuts) {
            // The safety search explored the space the graph-free proof needs, whole, and
            // every state passed: proven there.
            (Some(Judged::Fine), Some((acceptor_cuts, _))) if main.complete => Reach {
                search: Search {
                    discoveries: vec![None],
                    ..main.clone()
                },
                cut: 0,
                cuts: acceptor_cuts.len() - 1,
                por: PorUse::Used,
                edges_kept: false,
                in_safety_search: true,
                safety: Vec::new(),
            },
            // A state is stuck for certain: the property fails, and the whole graph finds
            // the shortest path to a stuck state (a reduced graph would find one, not
            // necessarily the nearest, and be searched again).
            (Some(Judged::Stuck), _) => {
                reach::shortest_stuck(model, cfg.symmetry, cut_off, &opts, &mut progress)
            }
            // A state failed: only the graph judges this space.
            (Some(Judged::Wanting), _) => {
                reach::by_graph(model, cfg.symmetry, cfg.por, cut_off, &opts, &mut progress)
            }
            _ => stays_reachable(model, cfg.symmetry, cfg.por, cut_off, &opts, &mut progress),
        };
        graph = Some(reach);
    }
    if let Some(reach) = graph {
        ft = match &reach.search.discoveries[0] {
            Some((init, path)) => {
                let mut trace = replay_indices(model, *init, path);
                if reach.cut != 0 {
                    trace
                        .events
                        .push((trace.len(), cut_event(&scenario.cluster, reach.cut)));
                }
                hold_stuck(model, &trace);
                Verdict::Violated(trace)
            }
            None if reach.search.complete => Verdict::Holds,
            None => Verdict::Inconclusive,
        };
        stays = Some(reach);
    }
    verdicts.push(PropertyVerdict {
        property: PropertyName::FaultTolerance,
        verdict: ft,
    });
    Outcome {
        verdicts,
        main,
        witnesses,
        witnesses_by_symmetry,
        stays,
        por,
        symmetry_set_aside: asymmetry,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// stateright's depth-first checker, its discoveries replayed and cut at the first violation.
fn dfs(
    model: PaxosModel,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
) -> (Search, Vec<Option<Trace>>) {
    stateright_search(model, props, opts, false)
}

/// stateright's own checker on our model: `spawn_bfs` when `breadth_first`, else
/// `spawn_dfs`. Its discoveries are replayed and cut at the first violating state.
pub fn stateright_search(
    model: PaxosModel,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
    breadth_first: bool,
) -> (Search, Vec<Option<Trace>>) {
    let started = Instant::now();
    let replayer = PaxosModel::with_mode(model.cfg().clone(), model.rules(), model.mode);
    let replayer = PaxosModel {
        drops: model.drops,
        ..replayer
    };
    // One thread, always: stateright 0.31's depth-first search on several threads found a
    // violation in 1 of 7 identical runs (its result depends on scheduling), and a model
    // checker's verdict must not.
    let mut builder = model.checker().threads(1);
    if let Some(d) = opts.depth_max {
        // stateright counts states (init = 1) and skips depth >= d before checking (trap P5).
        builder = builder.target_max_depth(d.saturating_add(2));
    }
    if let Some(n) = opts.states_max {
        builder = builder.target_state_count(n);
    }
    if breadth_first {
        collect(&builder.spawn_bfs().join(), &replayer, props, started, opts)
    } else {
        collect(&builder.spawn_dfs().join(), &replayer, props, started, opts)
    }
}

/// The counts and replayed discoveries of a finished stateright checker.
fn collect(
    checker: &impl Checker<PaxosModel>,
    replayer: &PaxosModel,
    props: &[Property<PaxosModel>],
    started: Instant,
    opts: &SearchOpts,
) -> (Search, Vec<Option<Trace>>) {
    // stateright cannot tell whether a depth bound cut the run short (trap P4): count it
    // as cut once the run reached the bound's depth (its max_depth counts the init state
    // as 1, so paths of d actions show as d + 1), which a bound beyond every path never
    // is. A state bound did cut it short only if the run reached it: stateright stops once
    // its state count reaches the target.
    let bounded = opts
        .depth_max
        .is_some_and(|d| checker.max_depth() >= d.saturating_add(1))
        || opts.states_max.is_some_and(|m| checker.state_count() >= m);
    let traces = props
        .iter()
        .map(|p| {
            checker.discovery(p.name).map(|path| {
                let actions: Vec<Action> = path.into_actions();
                let trace = crate::report::trace::replay_actions(replayer, &actions)
                    .expect("stateright's discovery replays");
                cut_at_first_violation(replayer, p, trace)
            })
        })
        .collect();
    let search = Search {
        states: checker.state_count() as u64,
        unique: checker.unique_state_count() as u64,
        depth: checker.max_depth().saturating_sub(1),
        seconds: started.elapsed().as_secs_f64(),
        complete: !bounded,
        discoveries: Vec::new(),
        peak_bytes: None,
        fully_expanded: None,
        dead: crate::engine::DeadUse::Off,
        levels: Vec::new(),
    };
    (search, traces)
}

/// Every subset of `n` items with exactly `k` members, as bitmasks, in increasing order.
pub fn subsets(n: usize, k: usize) -> Vec<u16> {
    (0u16..1 << n)
        .filter(|m| m.count_ones() as usize == k)
        .collect()
}

/// The fault-tolerance witnesses: a decision reachable with nobody down, and with every set
/// of f = (n-1)/2 acceptors down from the start (no other fault). Also how many of those
/// sets were judged by symmetry rather than searched.
///
/// With symmetry on and the rules treating acceptors alike ([`Rules::symmetric`]), one set
/// of f stands for all: renaming the acceptors takes the world with one set down to the
/// world with any other down (the acceptors start alike and every set has f members), and
/// maps each path to a path, decisions to decisions. So a decision is reachable with one
/// set down exactly when it is with every other, and the first set (the one a violation is
/// reported with) is the one searched.
///
/// The witness with nobody down prunes with the dead-message analysis of `whole`, the
/// checked model (run here if the safety search has not run it yet, with the bound that
/// search would give it): its world is `whole`'s without crashes, restarts or lost messages,
/// so every local state and input of its nodes is among those `whole`'s lone explorations
/// tried, and a message dead there is dead here. (A witness with acceptors down has nodes
/// crashed from the start, which no exploration of `whole` need have tried: it is analysed
/// on its own.)
fn fault_tolerance(
    scenario: &Scenario,
    whole: &PaxosModel,
    check: &CheckCfg,
    mut states_left: Option<usize>,
    progress: &mut dyn FnMut(&str, &Progress),
) -> (Verdict, Vec<(Vec<String>, Search)>, usize) {
    let cfg = &scenario.cluster;
    let rules = whole.rules();
    let f = cfg.acceptor_faults_tolerated();
    let mut downs = vec![0u16];
    let mut by_symmetry = 0;
    if f > 0 {
        let sets = subsets(cfg.acceptors, f);
        if check.symmetry && rules.symmetric() {
            by_symmetry = sets.len() - 1;
            downs.push(sets[0]);
        } else {
            downs.extend(sets);
        }
    }
    let mut searches = Vec::new();
    let mut verdict = Verdict::Holds;
    for &down in &downs {
        if states_left == Some(0) || crate::interrupt::signal().is_some() {
            // The bound (or an interrupt) left nothing for the remaining searches.
            if !matches!(verdict, Verdict::Unreachable { .. }) {
                verdict = Verdict::Inconclusive;
            }
            break;
        }
        // A witness search is pruned, since where no decision is reachable it runs on
        // through the whole world: with nobody down, by the checked model's analysis (see
        // above); with acceptors down, by its own, bounded as for a search that stops at its
        // first violation (it stops at its first decision, mostly within a few thousand
        // states: a learner or replica is left out early).
        let model = PaxosModel::with_mode(cfg.clone(), rules, Mode::Witness { down })
            .prune_dead(check.dead);
        if check.dead && down == 0 && whole.dead_pruned {
            analyse_dead_for(whole, &check.opts, check.symmetry);
            Engine::share_dead(whole, &model);
        } else if check.dead {
            Engine::analyse_dead(
                &model,
                FIRST_VIOLATION_NODE_STATES_MAX,
                check.opts.threads,
                check.symmetry,
            );
        }
        let props: Vec<Property<PaxosModel>> = model
            .properties()
            .into_iter()
            .filter(|p| p.name == "decision-reachable")
            .collect();
        let opts = SearchOpts {
            stop_when_all_found: true,
            states_max: states_left,
            ..check.opts.clone()
        };
        let names: Vec<String> = (0..cfg.acceptors)
            .filter(|a| down & (1 << a) != 0)
            .map(|a| format!("a{}", a + 1))
            .collect();
        let (search, _, _) = bfs_search(
            &model,
            check,
            &props,
            &opts,
            &mut |p| progress("fault-tolerance", p),
            None,
        );
        states_left = states_left.map(|l| l.saturating_sub(search.unique as usize));
        let found = search.discoveries[0].is_some();
        if !found {
            let v = if search.complete {
                hold_unreachable(&model);
                Verdict::Unreachable {
                    down: names.clone(),
                }
            } else {
                Verdict::Inconclusive
            };
            if !matches!(verdict, Verdict::Unreachable { .. }) {
                verdict = v;
            }
        }
        searches.push((names, search));
    }
    if searches.len() < downs.len() {
        // Stopped before the set that stands for the others.
        by_symmetry = 0;
    }
    (verdict, searches, by_symmetry)
}

/// Whether `state` violates `property` (for tests and replay).
pub fn violates(model: &PaxosModel, property: PropertyName, state: &PaxosState) -> bool {
    model
        .properties()
        .iter()
        .find(|p| p.name == property.name())
        .is_some_and(|p| !(p.condition)(model, state))
}

/// The partition line that cuts off the acceptors in `cut` (bitmask of acceptor indices)
/// from everyone else: how a fault-tolerance trace says which minority, cut off from its
/// last state on, leaves no decision reachable.
pub fn cut_event(cfg: &paxos_models::ClusterCfg, cut: u16) -> crate::sim::NetEvent {
    let (off, rest): (Vec<usize>, Vec<usize>) = (0..cfg.node_count()).partition(
        |&i| matches!(cfg.role_of(i), (paxos_models::Role::Acceptor, a) if cut & 1 << a != 0),
    );
    crate::sim::NetEvent::Partition {
        groups: [off, rest],
        one_way: false,
    }
}
