//! A batch of runs, seeds `seed..seed+runs`, over any number of threads with the same
//! result.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use paxos_models::{ClusterCfg, PaxosModel, PropertyName, Rules};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::mix::FaultMix;
use super::run::{walk, End, Run};
use super::shard::Shard;

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
    /// Which runs of the batch to run ([`Shard::WHOLE`]: all of them).
    pub shard: Shard,
}

/// The mix run `seed` uses: the fixed one, or one drawn from a generator of its own (so the
/// walk's stream is the same with or without swarm).
pub fn mix_for(cfg: &ClusterCfg, sim: &SimCfg, seed: u64) -> FaultMix {
    if sim.swarm {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5741_524d_5741_524d);
        FaultMix::swarm(cfg, &mut rng).with_partitions(
            sim.mix.partition,
            sim.mix.partition_steps,
            sim.mix.one_way,
        )
    } else {
        sim.mix.clone()
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
    /// CPU seconds the batch used (every thread; 0 where the kernel does not say).
    pub cpu_seconds: f64,
}

/// What a batch keeps of one run: the failing run whole, the others as counts.
struct RunRecord {
    index: u64,
    steps: u64,
    violated: Vec<PropertyName>,
    decided: bool,
    failing: Option<Run>,
}

/// Runs the batch's runs of `sim.shard` (all of them for [`Shard::WHOLE`]), run `i` with
/// seed `seed + i`, over `threads` threads. Seeds are handed out in order;
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
    let cpu_started = crate::mem::cpu_seconds();
    let range = sim.shard.range(sim.runs);
    let model = PaxosModel::new(cfg.clone(), rules);
    let next = AtomicU64::new(range.start);
    let fail_at = AtomicU64::new(u64::MAX);
    let results: Mutex<Vec<RunRecord>> = Mutex::new(Vec::new());
    let done_runs = AtomicU64::new(0);
    let done_steps = AtomicU64::new(0);
    let done_violations = AtomicU64::new(0);
    let last_report = Mutex::new(Instant::now());
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= range.end
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
    let mut violations: Vec<(PropertyName, u64)> = model.safety().iter().map(|&p| (p, 0)).collect();
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
        cpu_seconds: match (cpu_started, crate::mem::cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        },
    }
}
