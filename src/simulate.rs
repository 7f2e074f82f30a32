//! The seeded random simulator. One run is a random walk over the same
//! `Model::actions`/`next_state` the exhaustive checker uses, driven by one
//! `rand_chacha::ChaCha8Rng` seeded from a `u64`; a batch of N runs is seeds
//! `seed..seed+N`. Every choice comes from the run's own generator (through `next_u64`, not
//! `random_range`, whose algorithm rand does not promise to keep), so a seed alone
//! reproduces a run, whatever the thread count.
//!
//! Faults are injected with per-scenario probabilities (drop, duplicate, crash, restart),
//! or, with `--swarm`, with a mix each run draws from its own seed (swarm testing). A
//! violating run is shrunk by delta debugging, every candidate re-checked by replay.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use paxos_models::model::Action;
use paxos_models::{ClusterCfg, Delivery, Msg, PaxosModel, PaxosState, PropertyName, Rules};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stateright::actor::ActorModelAction;
use stateright::{Model, Property};

use crate::check::{safety_properties, SAFETY};

/// Fault probabilities and cluster timing for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultMix {
    /// Chance, at each step where a message could be lost, that one is.
    pub drop: f64,
    /// Chance, at each step where a delivered message could be delivered again, that it is.
    pub duplicate: f64,
    /// Chance, at each step where a node may crash, that one does.
    pub crash: f64,
    /// Chance, at each step where a crashed node may restart, that one does.
    pub restart: f64,
    /// Relative speed of each node: a delivery to node `i` is picked in proportion to
    /// `node_weights[i]`.
    pub node_weights: Vec<u32>,
    /// Relative eagerness of proposers' retry timers.
    pub timeout_weight: u32,
}

impl FaultMix {
    /// The mix a scenario asks for, with faults the world does not allow zeroed.
    pub fn fixed(
        cfg: &ClusterCfg,
        drop: f64,
        duplicate: f64,
        crash: f64,
        restart: f64,
    ) -> FaultMix {
        FaultMix {
            drop: if cfg.lossy { drop } else { 0.0 },
            duplicate: if cfg.delivery == Delivery::UnorderedDuplicating {
                duplicate
            } else {
                0.0
            },
            crash: if cfg.crashes_max > 0 { crash } else { 0.0 },
            restart: if cfg.restarts { restart } else { 0.0 },
            node_weights: vec![1; cfg.node_count()],
            timeout_weight: 1,
        }
    }

    /// Swarm testing: a mix drawn from the run's own generator. Each fault the world allows
    /// is off in a third of the runs and otherwise drawn up to a cap; nodes get speeds 1, 2,
    /// 4 or 8.
    pub fn swarm(cfg: &ClusterCfg, rng: &mut ChaCha8Rng) -> FaultMix {
        let mut draw = |cap: f64| {
            if below(rng, 1.0 / 3.0) {
                0.0
            } else {
                (unit(rng) * cap * 1000.0).round() / 1000.0
            }
        };
        let drop = draw(0.3);
        let duplicate = draw(0.5);
        let crash = draw(0.2);
        let restart = draw(0.5);
        let mut mix = FaultMix::fixed(cfg, drop, duplicate, crash, restart);
        mix.node_weights = (0..cfg.node_count()).map(|_| 1 << pick(rng, 4)).collect();
        mix.timeout_weight = 1 + pick(rng, 4) as u32;
        mix
    }

    /// `drop=0.050 duplicate=0.000 crash=0.020 restart=0.200 speeds=p1:1,... timeout=1`.
    pub fn describe(&self, cfg: &ClusterCfg) -> String {
        let speeds: Vec<String> = self
            .node_weights
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{}:{w}", cfg.node_name(i)))
            .collect();
        format!(
            "drop={:.3} duplicate={:.3} crash={:.3} restart={:.3} speeds={} timeout={}",
            self.drop,
            self.duplicate,
            self.crash,
            self.restart,
            speeds.join(","),
            self.timeout_weight
        )
    }
}

/// A uniform draw in [0, 1) from the top 53 bits of `next_u64`.
fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn below(rng: &mut ChaCha8Rng, p: f64) -> bool {
    p > 0.0 && unit(rng) < p
}

/// A uniform index below `n` (n > 0), by Lemire's multiply-shift on `next_u64`.
fn pick(rng: &mut ChaCha8Rng, n: usize) -> usize {
    ((rng.next_u64() as u128 * n as u128) >> 64) as usize
}

/// A weighted index (weights > 0).
fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[u64]) -> usize {
    let total: u64 = weights.iter().sum();
    let mut x = ((rng.next_u64() as u128 * total as u128) >> 64) as u64;
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

type Envelope = (usize, usize, Msg);

fn envelope(a: &Action) -> Option<Envelope> {
    match a {
        ActorModelAction::Deliver { src, dst, msg } => {
            Some((usize::from(*src), usize::from(*dst), *msg))
        }
        _ => None,
    }
}

/// Whether step `i` of `actions` injects a fault: a drop, a crash, a restart, or the
/// redelivery of a message already delivered earlier in the same trace.
pub fn fault_steps(actions: &[Action]) -> Vec<bool> {
    let mut delivered = BTreeSet::new();
    actions
        .iter()
        .map(|a| match a {
            ActorModelAction::Drop(_)
            | ActorModelAction::Crash(_)
            | ActorModelAction::Recover(_) => true,
            ActorModelAction::Deliver { .. } => {
                !delivered.insert(envelope(a).expect("a delivery has an envelope"))
            }
            _ => false,
        })
        .collect()
}

/// How one run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// A property failed at the last step.
    Violation(PropertyName),
    /// No action was enabled.
    Terminal,
    /// `steps_max` steps were taken.
    StepsMax,
}

/// One run: its seed, the fault mix it used, the actions it took and how it ended.
#[derive(Clone, Debug)]
pub struct Run {
    pub seed: u64,
    pub mix: FaultMix,
    pub actions: Vec<Action>,
    pub end: End,
    /// Whether some node decided during the run.
    pub decided: bool,
    /// Every safety property the run violated, in report order. A run goes on to its end
    /// after its first violation, so each property is judged on its own; `actions` and
    /// `end` are cut at the first violation (the one the report shows).
    pub violated: Vec<PropertyName>,
    /// Steps the whole run took (past its first violation too).
    pub steps: usize,
}

/// What a batch of runs is asked to do.
#[derive(Clone, Debug)]
pub struct SimCfg {
    pub seed: u64,
    pub runs: u64,
    pub steps_max: usize,
    pub threads: usize,
    pub swarm: bool,
    /// The fixed mix (ignored with `swarm`).
    pub mix: FaultMix,
    /// Run every seed to the end instead of stopping at the first violation.
    pub keep_going: bool,
}

/// Records, for each property not yet violated in this run, whether `state` violates it
/// (`at`: the number of actions taken to reach it); the first violation is kept in `first`.
fn judge(
    model: &PaxosModel,
    props: &[(PropertyName, Property<PaxosModel>)],
    state: &PaxosState,
    at: usize,
    violated: &mut Vec<PropertyName>,
    first: &mut Option<(PropertyName, usize)>,
) {
    for (name, p) in props {
        if !violated.contains(name) && !(p.condition)(model, state) {
            violated.push(*name);
            if first.is_none() {
                *first = Some((*name, at));
            }
        }
    }
}

/// The mix run `seed` uses: the fixed one, or one drawn from a generator of its own (so the
/// walk's stream is the same with or without swarm).
pub fn mix_for(cfg: &ClusterCfg, sim: &SimCfg, seed: u64) -> FaultMix {
    if sim.swarm {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5741_524d_5741_524d);
        FaultMix::swarm(cfg, &mut rng)
    } else {
        sim.mix.clone()
    }
}

/// One random walk from the init state.
pub fn walk(model: &PaxosModel, seed: u64, mix: &FaultMix, steps_max: usize) -> Run {
    let props = safety_properties(model);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut state = model.init_states().swap_remove(0);
    let mut actions = Vec::new();
    let mut delivered: BTreeSet<Envelope> = BTreeSet::new();
    let mut decided = paxos_models::properties::decided_somewhere(&state.obs);
    let mut enabled = Vec::new();
    let mut violated = Vec::new();
    let mut first = None;
    let done = |mut actions: Vec<Action>,
                end: End,
                decided: bool,
                mut violated: Vec<PropertyName>,
                first: Option<(PropertyName, usize)>| {
        let steps = actions.len();
        let end = match first {
            Some((p, at)) => {
                actions.truncate(at);
                End::Violation(p)
            }
            None => end,
        };
        violated.sort();
        Run {
            seed,
            mix: mix.clone(),
            actions,
            end,
            decided,
            violated,
            steps,
        }
    };
    judge(model, &props, &state, 0, &mut violated, &mut first);
    for _ in 0..steps_max {
        enabled.clear();
        model.actions(&state, &mut enabled);
        let succs: Vec<(Action, PaxosState)> = enabled
            .drain(..)
            .filter_map(|a| model.next_state(&state, a.clone()).map(|s| (a, s)))
            .collect();
        if succs.is_empty() {
            return done(actions, End::Terminal, decided, violated, first);
        }
        // Sort the successors into kinds, then pick a kind by the fault mix.
        let (mut drops, mut crashes, mut restarts, mut dups, mut normal) =
            (vec![], vec![], vec![], vec![], vec![]);
        for (i, (a, _)) in succs.iter().enumerate() {
            match a {
                ActorModelAction::Drop(_) => drops.push(i),
                ActorModelAction::Crash(_) => crashes.push(i),
                ActorModelAction::Recover(_) => restarts.push(i),
                ActorModelAction::Deliver { .. } => {
                    if delivered.contains(&envelope(a).expect("a delivery")) {
                        dups.push(i)
                    } else {
                        normal.push(i)
                    }
                }
                _ => normal.push(i),
            }
        }
        let choice = if !drops.is_empty() && below(&mut rng, mix.drop) {
            drops[pick(&mut rng, drops.len())]
        } else if !crashes.is_empty() && below(&mut rng, mix.crash) {
            crashes[pick(&mut rng, crashes.len())]
        } else if !restarts.is_empty() && below(&mut rng, mix.restart) {
            restarts[pick(&mut rng, restarts.len())]
        } else if !dups.is_empty() && below(&mut rng, mix.duplicate) {
            dups[pick(&mut rng, dups.len())]
        } else if !normal.is_empty() {
            let weights: Vec<u64> = normal
                .iter()
                .map(|&i| match &succs[i].0 {
                    ActorModelAction::Deliver { dst, .. } => {
                        mix.node_weights[usize::from(*dst)] as u64
                    }
                    _ => mix.timeout_weight as u64,
                })
                .collect();
            normal[pick_weighted(&mut rng, &weights)]
        } else {
            // Only faults are left: take one of those the mix allows, so the run goes on; a
            // fault whose chance is 0 never happens (the printed mix is the whole truth).
            let rest: Vec<usize> = [
                (drops, mix.drop),
                (crashes, mix.crash),
                (restarts, mix.restart),
                (dups, mix.duplicate),
            ]
            .into_iter()
            .filter(|(_, p)| *p > 0.0)
            .flat_map(|(kind, _)| kind)
            .collect();
            if rest.is_empty() {
                return done(actions, End::Terminal, decided, violated, first);
            }
            rest[pick(&mut rng, rest.len())]
        };
        let (action, next) = succs.into_iter().nth(choice).expect("a valid choice");
        if let Some(e) = envelope(&action) {
            delivered.insert(e);
        }
        actions.push(action);
        state = next;
        decided |= paxos_models::properties::decided_somewhere(&state.obs);
        let at = actions.len();
        judge(model, &props, &state, at, &mut violated, &mut first);
        if violated.len() == props.len() {
            // Every property is violated: nothing is left to judge.
            break;
        }
    }
    let end = if actions.len() >= steps_max {
        End::StepsMax
    } else {
        End::Terminal
    };
    done(actions, end, decided, violated, first)
}

/// Replays `actions`, skipping any that is not enabled where it comes, and returns the
/// actions actually taken, cut at the first state that violates `property`, if one does.
fn replay_until(
    model: &PaxosModel,
    property: PropertyName,
    actions: &[Action],
) -> Option<Vec<Action>> {
    let props = safety_properties(model);
    let (_, prop) = props.iter().find(|(p, _)| *p == property)?;
    let mut state = model.init_states().swap_remove(0);
    let mut taken = Vec::new();
    let mut enabled = Vec::new();
    if !(prop.condition)(model, &state) {
        return Some(taken);
    }
    for a in actions {
        enabled.clear();
        model.actions(&state, &mut enabled);
        if !enabled.contains(a) {
            continue;
        }
        let Some(next) = model.next_state(&state, a.clone()) else {
            continue;
        };
        taken.push(a.clone());
        state = next;
        if !(prop.condition)(model, &state) {
            return Some(taken);
        }
    }
    None
}

/// The result of shrinking: the shortest trace found, and the sizes before and after.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub actions: Vec<Action>,
    pub steps_before: usize,
    pub faults_before: usize,
    pub faults_after: usize,
}

fn fault_count(actions: &[Action]) -> usize {
    fault_steps(actions).into_iter().filter(|&f| f).count()
}

/// Shrinks a violating trace of `property`: delta debugging over its steps (ddmin), then
/// removing injected faults one by one, each candidate re-checked by replay. The result
/// replays exactly (every step enabled) and violates `property` at its last state; it is
/// never longer than the input and never has more faults.
pub fn shrink(model: &PaxosModel, property: PropertyName, actions: &[Action]) -> Shrunk {
    let steps_before = actions.len();
    let faults_before = fault_count(actions);
    let Some(mut cur) = replay_until(model, property, actions) else {
        return Shrunk {
            actions: actions.to_vec(),
            steps_before,
            faults_before,
            faults_after: faults_before,
        };
    };
    let better = |cand: &[Action], cur: &[Action]| {
        cand.len() < cur.len() || (cand.len() == cur.len() && fault_count(cand) < fault_count(cur))
    };
    // ddmin over steps.
    let mut n = 2usize;
    while cur.len() >= 2 {
        let chunk = cur.len().div_ceil(n);
        let mut improved = false;
        let parts = n;
        for i in 0..parts {
            let lo = i * chunk;
            if lo >= cur.len() {
                break;
            }
            let hi = (lo + chunk).min(cur.len());
            let cand: Vec<Action> = cur[..lo].iter().chain(&cur[hi..]).cloned().collect();
            if let Some(r) = replay_until(model, property, &cand) {
                if better(&r, &cur) {
                    cur = r;
                    n = (n - 1).max(2);
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            if n >= cur.len() {
                break;
            }
            n = (n * 2).min(cur.len());
        }
    }
    // Then single steps, faults first, until nothing more goes.
    loop {
        let faults = fault_steps(&cur);
        let order: Vec<usize> = (0..cur.len())
            .filter(|&i| faults[i])
            .chain((0..cur.len()).filter(|&i| !faults[i]))
            .collect();
        let mut improved = false;
        for i in order {
            let cand: Vec<Action> = cur[..i].iter().chain(&cur[i + 1..]).cloned().collect();
            if let Some(r) = replay_until(model, property, &cand) {
                if better(&r, &cur) {
                    cur = r;
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            break;
        }
    }
    let faults_after = fault_count(&cur);
    Shrunk {
        actions: cur,
        steps_before,
        faults_before,
        faults_after,
    }
}

/// Progress of a batch, about once a second.
#[derive(Clone, Debug)]
pub struct SimProgress {
    pub runs: u64,
    pub steps: u64,
    pub violations: u64,
    pub seconds: f64,
}

/// The outcome of a batch.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Runs counted: every run, or with early stop, seeds up to the first failing one.
    pub runs: u64,
    pub steps: u64,
    /// Per safety property: runs that violated it (each property judged in every run).
    pub violations: Vec<(PropertyName, u64)>,
    /// Runs in which some node decided.
    pub decided_runs: u64,
    /// The first failing run (lowest seed), if any.
    pub first: Option<Run>,
    pub seconds: f64,
}

/// What a batch keeps of one run: the failing run whole, the others as counts.
struct RunRecord {
    index: u64,
    steps: u64,
    violated: Vec<PropertyName>,
    decided: bool,
    failing: Option<Run>,
}

/// Runs seeds `seed..seed+runs` over `threads` threads. Seeds are handed out in order;
/// unless `keep_going`, once a run fails no higher seed is started, and results of higher
/// seeds already running are discarded, so every count and the failing run are the same at
/// any thread count.
pub fn simulate(
    cfg: &ClusterCfg,
    rules: &'static dyn Rules,
    sim: &SimCfg,
    progress: &(dyn Fn(&SimProgress) + Sync),
) -> Batch {
    let started = Instant::now();
    let model = PaxosModel::new(cfg.clone(), rules);
    let next = AtomicU64::new(0);
    let fail_at = AtomicU64::new(u64::MAX);
    let results: Mutex<Vec<RunRecord>> = Mutex::new(Vec::new());
    let done_runs = AtomicU64::new(0);
    let done_steps = AtomicU64::new(0);
    let done_violations = AtomicU64::new(0);
    let last_report = Mutex::new(Instant::now());
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= sim.runs
            || (!sim.keep_going && i > fail_at.load(Ordering::SeqCst))
            || crate::interrupt::signal().is_some()
        {
            return;
        }
        let seed = sim.seed.wrapping_add(i);
        let mix = mix_for(cfg, sim, seed);
        let run = walk(&model, seed, &mix, sim.steps_max);
        let failed = matches!(run.end, End::Violation(_));
        if failed {
            fail_at.fetch_min(i, Ordering::SeqCst);
            done_violations.fetch_add(1, Ordering::Relaxed);
        }
        done_runs.fetch_add(1, Ordering::Relaxed);
        done_steps.fetch_add(run.steps as u64, Ordering::Relaxed);
        let steps = run.steps as u64;
        let decided = run.decided;
        let violated = run.violated.clone();
        results.lock().expect("results lock").push(RunRecord {
            index: i,
            steps,
            violated,
            decided,
            failing: failed.then_some(run),
        });
        let mut last = last_report.lock().expect("progress lock");
        if last.elapsed().as_secs_f64() >= 1.0 {
            *last = Instant::now();
            progress(&SimProgress {
                runs: done_runs.load(Ordering::Relaxed),
                steps: done_steps.load(Ordering::Relaxed),
                violations: done_violations.load(Ordering::Relaxed),
                seconds: started.elapsed().as_secs_f64(),
            });
        }
    };
    if sim.threads <= 1 {
        worker();
    } else {
        std::thread::scope(|s| {
            for _ in 0..sim.threads {
                s.spawn(worker);
            }
        });
    }
    let mut results = results.into_inner().expect("results lock");
    results.sort_by_key(|r| r.index);
    let cutoff = if sim.keep_going {
        u64::MAX
    } else {
        fail_at.load(Ordering::SeqCst)
    };
    results.retain(|r| r.index <= cutoff);
    let mut violations: Vec<(PropertyName, u64)> = SAFETY.iter().map(|&p| (p, 0)).collect();
    for r in &results {
        for p in &r.violated {
            if let Some(v) = violations.iter_mut().find(|v| v.0 == *p) {
                v.1 += 1;
            }
        }
    }
    Batch {
        runs: results.len() as u64,
        steps: results.iter().map(|r| r.steps).sum(),
        violations,
        decided_runs: results.iter().filter(|r| r.decided).count() as u64,
        first: results.iter_mut().find_map(|r| r.failing.take()),
        seconds: started.elapsed().as_secs_f64(),
    }
}
