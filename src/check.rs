//! The exhaustive check: the three safety properties over the scenario's whole state space,
//! then the fault-tolerance witnesses (a decision reachable with no node down, and with each
//! minority of acceptors down from the start). Breadth-first by our own engine
//! ([`bfs`]), so every counterexample is a shortest one; depth-first by stateright's
//! `spawn_dfs` for comparison, with its discoveries replayed and cut at the first violating
//! state (stateright reports the *last* hit, not the first: trap P1).
//!
//! A run stopped by a bound is never reported as "holds": it is inconclusive.

pub mod bfs;
pub mod pack;

use std::hash::Hash;
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

/// Bounds and threads for one search.
#[derive(Clone, Debug)]
pub struct SearchOpts {
    pub threads: usize,
    /// Most actions on any explored path; deeper states are not explored (inconclusive).
    pub depth_max: Option<usize>,
    /// Most unique states; the run stops there (inconclusive).
    pub states_max: Option<usize>,
    /// Most resident memory of the process, in bytes; the run stops there (inconclusive)
    /// before the machine swaps or the kernel kills it. Our engine checks it after every
    /// block of states; stateright's DFS is watched by the CLI.
    pub memory_max: Option<u64>,
    /// Stop as soon as every property has a discovery.
    pub stop_when_all_found: bool,
    /// Stop as soon as any property has a discovery (the others are then inconclusive).
    pub stop_when_any_found: bool,
}

impl SearchOpts {
    /// Whether a search holding `unique` states must stop here: the state bound reached, an
    /// interrupt, or (when `check_memory`: reading the resident set costs a system call, so
    /// callers ask every few thousand states) the memory bound reached.
    pub fn must_stop(&self, unique: usize, check_memory: bool) -> bool {
        self.states_max.is_some_and(|m| unique >= m)
            || crate::interrupt::signal().is_some()
            || (check_memory
                && self
                    .memory_max
                    .is_some_and(|m| crate::mem::rss().is_some_and(|r| r >= m)))
    }
}

/// A progress report, about once a second.
#[derive(Clone, Debug)]
pub struct Progress {
    pub states: u64,
    pub unique: u64,
    pub depth: usize,
    pub seconds: f64,
}

/// What one search found.
#[derive(Clone, Debug)]
pub struct Search {
    /// States generated, duplicates included.
    pub states: u64,
    pub unique: u64,
    /// Longest path explored, in actions.
    pub depth: usize,
    pub seconds: f64,
    /// Whether every reachable state was explored (no bound cut the run short).
    pub complete: bool,
    /// Per property: (init index, action indices) to its first discovery.
    pub discoveries: Vec<Option<(usize, Vec<usize>)>>,
    /// The engine's own memory at its peak, counted (not sampled): the visited set, the
    /// parent links, and the two frontiers with their packed states. `None` for engines
    /// that do not count (stateright's).
    pub peak_bytes: Option<u64>,
}

/// The 64-bit fingerprint of a state: aHash with fixed seeds, as stateright's own, the same
/// in every process (SipHash cost twice as much and dedups no better).
pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> u64 {
    ahash::RandomState::with_seeds(
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    )
    .hash_one(value)
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
    /// The graph part of fault tolerance ([`stays_reachable`]), run once the witnesses hold.
    pub stays: Option<Search>,
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
    pub opts: SearchOpts,
}

/// The safety properties the main search evaluates, in report order.
pub const SAFETY: [PropertyName; 3] = [
    PropertyName::Coherence,
    PropertyName::ConflictResolution,
    PropertyName::NoTakebacks,
];

/// The model's safety properties in report order, each with its name; both engines
/// evaluate these.
pub fn safety_properties(model: &PaxosModel) -> Vec<(PropertyName, Property<PaxosModel>)> {
    let all = model.properties();
    SAFETY
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

/// Our breadth-first engine on `model`, deduplicating by symmetry class when `symmetry` is
/// on and sound for the model's rules.
fn bfs_search(
    model: &PaxosModel,
    symmetry: bool,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Search {
    let canon = |s: &PaxosState| model.canonical_fingerprint(s);
    let canon: bfs::Canon<PaxosState> = (symmetry && model.rules().symmetric()).then_some(&canon);
    bfs::search(model, model, props, canon, opts, progress)
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

/// The breadth-first safety search alone (no fault-tolerance witnesses, no traces): what
/// `paxos-lab bench` times.
pub fn safety_search(scenario: &Scenario, rules: &'static dyn Rules, cfg: &CheckCfg) -> Search {
    let model = PaxosModel::new(scenario.cluster.clone(), rules).reduce_loss();
    let props: Vec<Property<PaxosModel>> = safety_properties(&model)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    bfs_search(&model, cfg.symmetry, &props, &cfg.opts, &mut |_| {})
}

/// Runs the whole check of one variant in one scenario.
pub fn check(
    scenario: &Scenario,
    rules: &'static dyn Rules,
    cfg: &CheckCfg,
    progress: &mut dyn FnMut(&str, &Progress),
) -> Outcome {
    let started = Instant::now();
    let model = PaxosModel::new(scenario.cluster.clone(), rules).reduce_loss();
    let props: Vec<Property<PaxosModel>> = safety_properties(&model)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let opts = SearchOpts {
        stop_when_all_found: true,
        ..cfg.opts.clone()
    };
    let (main, traces) = match cfg.strategy {
        Strategy::Bfs => {
            let search = bfs_search(&model, cfg.symmetry, &props, &opts, &mut |p| {
                progress("safety", p)
            });
            let traces: Vec<Option<Trace>> = search
                .discoveries
                .iter()
                .map(|d| {
                    d.as_ref()
                        .map(|(init, path)| replay_indices(&model, *init, path))
                })
                .collect();
            (search, traces)
        }
        Strategy::Dfs => dfs(
            PaxosModel::new(scenario.cluster.clone(), rules).reduce_loss(),
            &props,
            &opts,
        ),
    };
    let mut verdicts: Vec<PropertyVerdict> = SAFETY
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
    // The state bound holds for the whole run: the witness searches share what the
    // safety search left of it.
    let left = cfg
        .opts
        .states_max
        .map(|m| m.saturating_sub(main.unique as usize));
    let (mut ft, witnesses) = match &scenario.fault_tolerance_not_judged {
        Some(why) => (Verdict::NotJudged(why.clone()), Vec::new()),
        None => fault_tolerance(scenario, rules, cfg, left, progress),
    };
    // Then the graph part, once the cheap part holds: a decision stays reachable from every
    // judged state under the scenario's faults.
    let mut stays = None;
    if matches!(ft, Verdict::Holds) && cfg.opts.stop_when_any_found {
        // Asked to stop at the first violation: the graph part is not judged.
        ft = Verdict::Inconclusive;
    } else if matches!(ft, Verdict::Holds) {
        let left =
            left.map(|l| l.saturating_sub(witnesses.iter().map(|(_, w)| w.unique as usize).sum()));
        let opts = SearchOpts {
            states_max: left,
            ..cfg.opts.clone()
        };
        let search = stays_reachable(&model, cfg.symmetry, &opts);
        ft = match &search.discoveries[0] {
            Some((init, path)) => Verdict::Violated(replay_indices(&model, *init, path)),
            None if search.complete => Verdict::Holds,
            None => Verdict::Inconclusive,
        };
        stays = Some(search);
    }
    verdicts.push(PropertyVerdict {
        property: PropertyName::FaultTolerance,
        verdict: ft,
    });
    Outcome {
        verdicts,
        main,
        witnesses,
        stays,
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
/// of f = (n-1)/2 acceptors down from the start (no other fault).
fn fault_tolerance(
    scenario: &Scenario,
    rules: &'static dyn Rules,
    check: &CheckCfg,
    mut states_left: Option<usize>,
    progress: &mut dyn FnMut(&str, &Progress),
) -> (Verdict, Vec<(Vec<String>, Search)>) {
    let cfg = &scenario.cluster;
    let f = cfg.acceptor_faults_tolerated();
    let mut downs = vec![0u16];
    if f > 0 {
        downs.extend(subsets(cfg.acceptors, f));
    }
    let mut searches = Vec::new();
    let mut verdict = Verdict::Holds;
    for down in downs {
        if states_left == Some(0) || crate::interrupt::signal().is_some() {
            // The bound (or an interrupt) left nothing for the remaining searches.
            if !matches!(verdict, Verdict::Unreachable { .. }) {
                verdict = Verdict::Inconclusive;
            }
            break;
        }
        let model = PaxosModel::with_mode(cfg.clone(), rules, Mode::Witness { down });
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
        let search = bfs_search(&model, check.symmetry, &props, &opts, &mut |p| {
            progress("fault-tolerance", p)
        });
        states_left = states_left.map(|l| l.saturating_sub(search.unique as usize));
        let found = search.discoveries[0].is_some();
        if !found {
            let v = if search.complete {
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
    (verdict, searches)
}

/// Whether `state` violates `property` (for tests and replay).
pub fn violates(model: &PaxosModel, property: PropertyName, state: &PaxosState) -> bool {
    model
        .properties()
        .iter()
        .find(|p| p.name == property.name())
        .is_some_and(|p| !(p.condition)(model, state))
}

/// Which states the graph part of fault tolerance judges: those with at most f acceptors
/// down (the guide's "a minority of nodes crash") and some learner up or able to restart
/// (a world whose every learner is down for good cannot decide, Paxos or not).
fn judged(model: &PaxosModel, state: &PaxosState) -> bool {
    let cfg = model.cfg();
    let crashed = |role| {
        (0..cfg.node_count())
            .filter(|&i| cfg.role_of(i).0 == role && state.sys.crashed[i])
            .count()
    };
    crashed(paxos_models::Role::Acceptor) <= cfg.acceptor_faults_tolerated()
        && (cfg.restarts || crashed(paxos_models::Role::Learner) < cfg.learners)
}

/// The graph part of fault tolerance, as the guide states it: a decision *stays*
/// reachable. The whole state space under the scenario's faults is explored breadth-first
/// with every edge kept (by symmetry class when `symmetry` is on: the predicates are
/// symmetric, so reachability is the same on the classes); a backward search from every
/// state where a node has decided marks the states that can still reach one; the first
/// judged state (in breadth-first order, so at the least depth) that cannot is the
/// violation, the search's one discovery as (init index, action indices); none when every
/// judged state can reach a decision. `Search::complete` is false when a bound or an
/// interrupt stopped the exploration (then nothing is proven).
pub fn stays_reachable(model: &PaxosModel, symmetry: bool, opts: &SearchOpts) -> Search {
    use pack::Pack;
    let started = Instant::now();
    let symmetric = symmetry && model.rules().symmetric();
    let mut buf = Vec::new();
    let mut key = |s: &PaxosState| {
        if symmetric {
            model.canonical_fingerprint(s)
        } else {
            buf.clear();
            model.pack_into(s, &mut buf);
            fingerprint(&buf)
        }
    };
    let mut g = Graph {
        ids: std::collections::HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
        bytes: Vec::new(),
        starts: vec![0],
        parents: Vec::new(),
        decided: Vec::new(),
        judged: Vec::new(),
    };
    let mut edges: Vec<u32> = Vec::new();
    let mut offsets: Vec<u32> = vec![0];
    let mut states = 0u64;
    let mut complete = true;
    for (i, s) in model.init_states().into_iter().enumerate() {
        states += 1;
        let k = key(&s);
        if !g.ids.contains_key(&k) {
            g.push(model, &s, (u32::MAX, i as u32), k);
        }
    }
    let mut actions = Vec::new();
    let mut next = 0usize;
    let mut depth = 0usize;
    let mut level_end = g.parents.len();
    while next < g.parents.len() {
        if next == level_end {
            depth += 1;
            level_end = g.parents.len();
        }
        if opts.must_stop(g.parents.len(), next.is_multiple_of(4096)) {
            complete = false;
            break;
        }
        let state = model.unpack(&g.bytes[g.starts[next]..g.starts[next + 1]]);
        actions.clear();
        model.actions(&state, &mut actions);
        if opts.depth_max.is_some_and(|d| depth >= d) && !actions.is_empty() {
            // Successors beyond the depth bound: the graph is not the whole space.
            complete = false;
            break;
        }
        for (ai, a) in actions.drain(..).enumerate() {
            let Some(succ) = model.next_state(&state, a) else {
                continue;
            };
            states += 1;
            let k = key(&succ);
            let id = match g.ids.get(&k) {
                Some(&id) => id,
                None => g.push(model, &succ, (next as u32, ai as u32), k),
            };
            edges.push(id);
        }
        offsets.push(edges.len() as u32);
        next += 1;
    }
    let n = g.parents.len();
    let search = |stuck: Option<(usize, Vec<usize>)>, complete: bool| Search {
        states,
        unique: n as u64,
        depth,
        seconds: started.elapsed().as_secs_f64(),
        complete,
        discoveries: vec![stuck],
        peak_bytes: None,
    };
    if !complete {
        return search(None, false);
    }
    // Backward from every decided state over the reversed edges.
    let mut rev_off = vec![0u32; n + 1];
    for &t in &edges {
        rev_off[t as usize + 1] += 1;
    }
    for i in 0..n {
        rev_off[i + 1] += rev_off[i];
    }
    let mut fill = rev_off.clone();
    let mut rev = vec![0u32; edges.len()];
    for s in 0..n {
        for &t in &edges[offsets[s] as usize..offsets[s + 1] as usize] {
            rev[fill[t as usize] as usize] = s as u32;
            fill[t as usize] += 1;
        }
    }
    let mut can = g.decided.clone();
    let mut queue: Vec<u32> = (0..n as u32).filter(|&i| can[i as usize]).collect();
    while let Some(t) = queue.pop() {
        for &s in &rev[rev_off[t as usize] as usize..rev_off[t as usize + 1] as usize] {
            if !can[s as usize] {
                can[s as usize] = true;
                queue.push(s);
            }
        }
    }
    let stuck = (0..n)
        .find(|&i| g.judged[i] && !can[i])
        .map(|i| bfs::path_to(|j| g.parents[j], i as u32));
    search(stuck, true)
}

/// The explored graph of [`stays_reachable`]: per state, in breadth-first order, its
/// packed bytes (one arena, `starts` into it), (parent, action index), and whether it has a
/// decision and is judged.
struct Graph {
    ids: std::collections::HashMap<u64, u32, ahash::RandomState>,
    bytes: Vec<u8>,
    starts: Vec<usize>,
    parents: Vec<(u32, u32)>,
    decided: Vec<bool>,
    judged: Vec<bool>,
}

impl Graph {
    fn push(&mut self, model: &PaxosModel, s: &PaxosState, parent: (u32, u32), key: u64) -> u32 {
        use pack::Pack;
        let id = self.parents.len() as u32;
        self.ids.insert(key, id);
        model.pack_into(s, &mut self.bytes);
        self.starts.push(self.bytes.len());
        self.parents.push(parent);
        self.decided
            .push(paxos_models::properties::decided_somewhere(&s.obs));
        self.judged.push(judged(model, s));
        id
    }
}

/// Whether some state where a node has decided is reachable from `state` (breadth-first,
/// every state kept by its packed bytes' fingerprint): what `replay` asks of the last state
/// of a fault-tolerance trace. `None` when `states_max` states were visited first.
pub fn decision_reachable_from(
    model: &PaxosModel,
    state: &PaxosState,
    states_max: usize,
) -> Option<bool> {
    use pack::Pack;
    let mut seen =
        std::collections::HashSet::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4));
    let mut buf = Vec::new();
    let mut queue = std::collections::VecDeque::from([state.clone()]);
    let mut actions = Vec::new();
    while let Some(s) = queue.pop_front() {
        if paxos_models::properties::decided_somewhere(&s.obs) {
            return Some(true);
        }
        if seen.len() >= states_max {
            return None;
        }
        actions.clear();
        model.actions(&s, &mut actions);
        for a in actions.drain(..) {
            if let Some(next) = model.next_state(&s, a) {
                buf.clear();
                model.pack_into(&next, &mut buf);
                if seen.insert(fingerprint(&buf)) {
                    queue.push_back(next);
                }
            }
        }
    }
    Some(false)
}
