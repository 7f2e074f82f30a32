//! `paxos-lab bench`: figures, never assertions. First the exhaustive engines side by side
//! on correct Paxos (`classic` and `three-proposers` by default): ours at 1 and 2 threads
//! with symmetry on and off, and stateright's `spawn_bfs`/`spawn_dfs` on the same model,
//! with ratios against stateright's BFS; then simulator throughput (steps/s, runs/s) at 1
//! and 2 threads; then, for every broken variant in each scenario that exposes it, the time
//! to its first violation by the simulator (unshrunk and shrunk lengths) and by the
//! breadth-first check. Everything runs in one process.

use std::io::Write;
use std::time::Instant;

use paxos_models::{PaxosModel, PropertyName, VARIANTS};

use crate::check::{self, CheckCfg, SearchOpts, Strategy, Verdict};
use crate::cli::{BenchArgs, CliError};
use crate::scenario::Scenario;
use crate::sim::{self, End, FaultMix, SimCfg};

fn sim_cfg(scenario: &Scenario, runs: u64, threads: usize, keep_going: bool) -> SimCfg {
    let d = &scenario.simulate;
    SimCfg {
        seed: 0,
        runs,
        steps_max: d.steps_max,
        threads,
        swarm: false,
        mix: FaultMix::fixed(&scenario.cluster, d.drop, d.duplicate, d.crash, d.restart),
        keep_going,
        shard: crate::sim::shard::Shard::WHOLE,
    }
}

/// Linux's peak resident set (VmHWM) and current one (VmRSS), in bytes, after resetting
/// the peak (writing 5 to /proc/self/clear_refs), so each engine's peak is its own.
use crate::mem;

/// One exhaustive engine run: (unique, seconds, (bytes, how they were measured), peak RSS).
fn engine_run(
    scenario: &Scenario,
    engine: &str,
    threads: usize,
    symmetry: bool,
) -> (u64, f64, Option<(u64, &'static str)>, Option<u64>) {
    let before = mem::reset_peak();
    let opts = SearchOpts {
        threads,
        depth_max: None,
        states_max: None,
        memory_max: None,
        stop_when_all_found: true,
        stop_when_any_found: false,
    };
    let search = match engine {
        "paxos-lab-bfs" => {
            let cfg = CheckCfg {
                strategy: Strategy::Bfs,
                symmetry,
                por: false,
                opts,
            };
            check::safety_search(scenario, &paxos_models::Correct, &cfg)
        }
        _ => {
            let model =
                PaxosModel::new(scenario.cluster.clone(), &paxos_models::Correct).reduce_loss();
            let props: Vec<_> = check::safety_properties(&model)
                .into_iter()
                .map(|(_, p)| p)
                .collect();
            check::stateright_search(model, &props, &opts, engine == "stateright-bfs").0
        }
    };
    let peak = mem::peak();
    let grew = match (before, peak) {
        (Some(b), Some(p)) => Some(p.saturating_sub(b)),
        _ => None,
    };
    // Our engine counts its own memory; stateright's is sampled from the resident set.
    let bytes = match search.peak_bytes {
        Some(b) => Some((b, "counted")),
        None => grew.map(|g| (g, "rss")),
    };
    (search.unique, search.seconds, bytes, peak)
}

/// The exhaustive engines side by side on correct Paxos: ours (1 and 2 threads, symmetry on
/// and off) and stateright's BFS and DFS on the same model, then ratios against stateright
/// BFS. Unique states per second. Bytes per state: for our engine, its own peak memory as it
/// counts it (visited set, parent links, both frontiers with their packed states) over the
/// unique states (`bytes_from=counted`, the same every run); for stateright's, the growth of
/// the peak resident set over the run (`bytes_from=rss`: sampled, allocator slack included,
/// and low when memory freed by an earlier run is reused).
fn engines(out: &mut impl Write, scenarios: &[String]) -> Result<(), CliError> {
    for name in scenarios {
        let scenario = Scenario::load(name)?;
        // stateright's DFS first: its resident set is sampled, and after a bigger run it
        // would only reuse memory already mapped (a growth of 0).
        let runs: [(&str, usize, bool); 8] = [
            ("stateright-dfs", 1, false),
            ("stateright-dfs", 2, false),
            ("stateright-bfs", 1, false),
            ("paxos-lab-bfs", 1, false),
            ("paxos-lab-bfs", 2, false),
            ("paxos-lab-bfs", 1, true),
            ("paxos-lab-bfs", 2, true),
            ("stateright-bfs", 2, false),
        ];
        let mut base: Option<(f64, f64)> = None;
        let mut full: Option<u64> = None;
        let mut lines = Vec::new();
        for (engine, threads, symmetry) in runs {
            let (unique, seconds, grew, peak) = engine_run(&scenario, engine, threads, symmetry);
            let per_s = unique as f64 / seconds.max(1e-9);
            if engine == "stateright-bfs" && threads == 1 {
                base = Some((per_s, seconds));
            }
            if !symmetry {
                full = Some(unique);
            }
            // With symmetry each unique state stands for its whole class: `covers` is the
            // unreduced count (from the runs without it), the space the run verified.
            let covers = match (symmetry, full) {
                (true, Some(f)) => format!(
                    " covers={f} covered_per_s={:.0}",
                    f as f64 / seconds.max(1e-9)
                ),
                _ => String::new(),
            };
            let mb = |b: Option<u64>| {
                b.map_or("n/a".to_string(), |b| {
                    format!("{:.0}", b as f64 / 1048576.0)
                })
            };
            writeln!(
                out,
                "engine={engine} scenario={name} threads={threads} symmetry={} unique={unique} seconds={seconds:.2} states_per_s={per_s:.0} bytes_per_state={} peak_rss_mb={}{covers}",
                if symmetry { "on" } else { "off" },
                match grew {
                    // The run fit in memory an earlier run had mapped: nothing was measured.
                    Some((g, "rss")) if g < unique => "n/a bytes_from=rss_no_growth".to_string(),
                    Some((g, how)) => format!("{:.0} bytes_from={how}", g as f64 / unique.max(1) as f64),
                    None => "n/a".to_string(),
                },
                mb(peak)
            )?;
            out.flush()?;
            lines.push((engine, threads, symmetry, per_s, seconds));
        }
        if let Some((base_rate, base_seconds)) = base {
            for (engine, threads, symmetry, per_s, seconds) in lines {
                writeln!(
                    out,
                    "ratio scenario={name} engine={engine} threads={threads} symmetry={} vs=stateright-bfs/1 states_per_s={:.2} time_to_verify={:.2}",
                    if symmetry { "on" } else { "off" },
                    per_s / base_rate,
                    base_seconds / seconds.max(1e-9)
                )?;
            }
        }
    }
    Ok(())
}

pub fn run(args: &BenchArgs, out: &mut impl Write) -> Result<(), CliError> {
    let scenarios: Vec<String> = args
        .engines
        .iter()
        .filter(|s| s.as_str() != "none")
        .cloned()
        .collect();
    engines(out, &scenarios)?;
    let classic = Scenario::load("classic")?;
    let mut base = None;
    for threads in [1, 2] {
        let sim = sim_cfg(&classic, args.runs, threads, true);
        let b = sim::simulate(&classic.cluster, &paxos_models::Correct, &sim, &|_| {});
        let steps_per_s = b.steps as f64 / b.seconds.max(1e-9);
        writeln!(
            out,
            "bench=simulate scenario=classic variant=paxos threads={threads} runs={} steps={} seconds={:.3} steps_per_s={:.0} runs_per_s={:.0}",
            b.runs,
            b.steps,
            b.seconds,
            steps_per_s,
            b.runs as f64 / b.seconds.max(1e-9)
        )?;
        match base {
            None => base = Some(steps_per_s),
            Some(one) => writeln!(
                out,
                "ratio simulate threads=2/threads=1 steps_per_s={:.2}",
                steps_per_s / one
            )?,
        }
    }
    for v in VARIANTS.iter().skip(1) {
        for name in v.exposed_by {
            let scenario = Scenario::load(name)?;
            let sim = sim_cfg(&scenario, scenario.simulate.runs, 1, false);
            let started = Instant::now();
            let b = sim::simulate(&scenario.cluster, v.rules, &sim, &|_| {});
            let found = started.elapsed().as_secs_f64();
            let (seed, unshrunk, shrunk) = match &b.first {
                Some(run) => {
                    let End::Violation(p) = run.end else {
                        unreachable!("a failing run ends in a violation")
                    };
                    let model = PaxosModel::new(scenario.cluster.clone(), v.rules);
                    let s = sim::shrink(&model, p, &run.actions);
                    (
                        run.seed.to_string(),
                        run.actions.len().to_string(),
                        s.actions.len().to_string(),
                    )
                }
                None => ("none".into(), "-".into(), "-".into()),
            };
            writeln!(
                out,
                "bench=first-violation engine=simulate variant={} scenario={name} seed={seed} runs={} seconds={found:.4} unshrunk_steps={unshrunk} shrunk_steps={shrunk}",
                v.name, b.runs
            )?;
            // The breadth-first safety search alone, stopping at the first violation (its
            // path is a shortest one); fault tolerance, which has no trace, by the whole
            // check. Two threads: the machine's two cores.
            let cfg = CheckCfg {
                strategy: Strategy::Bfs,
                symmetry: true,
                por: false,
                opts: SearchOpts {
                    threads: 2,
                    depth_max: None,
                    states_max: None,
                    memory_max: None,
                    stop_when_all_found: true,
                    stop_when_any_found: true,
                },
            };
            let started = Instant::now();
            let (shortest, unique) = if v
                .violates
                .iter()
                .any(|p| *p != PropertyName::FaultTolerance)
            {
                let search = check::safety_search(&scenario, v.rules, &cfg);
                let shortest = search
                    .discoveries
                    .iter()
                    .flatten()
                    .map(|(_, path)| path.len())
                    .min();
                (
                    shortest.map_or("-".into(), |n| n.to_string()),
                    search.unique,
                )
            } else {
                let outcome = check::check(&scenario, v.rules, &cfg, &mut |_, _| {});
                let unreachable = outcome
                    .verdicts
                    .iter()
                    .any(|x| matches!(x.verdict, Verdict::Unreachable { .. }));
                let shortest = if unreachable { "unreachable" } else { "-" };
                (shortest.to_string(), outcome.main.unique)
            };
            writeln!(
                out,
                "bench=first-violation engine=check-bfs threads=2 variant={} scenario={name} seconds={:.4} shortest_steps={shortest} unique={unique}",
                v.name,
                started.elapsed().as_secs_f64(),
            )?;
        }
    }
    Ok(())
}
