//! `paxos-lab bench`: figures, never assertions. First the exhaustive engines side by side
//! on correct Paxos (`classic` and `three-proposers` by default): ours at 1 and 2 threads
//! with each reduction (none, symmetry, partial-order, all), and stateright's
//! `spawn_bfs`/`spawn_dfs` on the same model, with ratios against stateright's BFS, in wall
//! and CPU seconds; with `--dueling`, the safety search in the retry worlds; then simulator
//! throughput (steps/s, runs/s) at 1
//! and 2 threads; then, for every broken variant in each scenario that exposes it, the time
//! to its first violation by the simulator (unshrunk and shrunk lengths) and by the
//! breadth-first check. Everything runs in one process.

pub mod spin;

use std::io::Write;
use std::time::Instant;

use paxos_models::{PaxosModel, PropertyName, VARIANTS};

use crate::check::{self, CheckCfg, Reduction, SearchOpts, Strategy, Verdict};
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

/// What one exhaustive engine run measured.
struct EngineRun {
    unique: u64,
    seconds: f64,
    /// CPU seconds of the process over the run (every thread; the machine is shared).
    cpu_seconds: Option<f64>,
    /// Bytes per state and how they were measured.
    bytes: Option<(u64, &'static str)>,
    peak_rss: Option<u64>,
    complete: bool,
    depth: usize,
    /// Steps taken (successors generated, duplicates included): SPIN's "transitions".
    transitions: u64,
}

/// One exhaustive engine run on correct Paxos: ours with `reduction`, or stateright's BFS
/// or DFS (no reduction).
fn engine_run(
    scenario: &Scenario,
    engine: &str,
    threads: usize,
    reduction: Reduction,
    states_max: Option<usize>,
) -> EngineRun {
    let before = mem::reset_peak();
    let cpu_before = mem::cpu_seconds();
    let cfg = CheckCfg::bfs(reduction, threads, states_max);
    let search = match engine {
        "paxos-lab-bfs" => check::safety_search(scenario, &paxos_models::Correct, &cfg),
        _ => {
            let model =
                PaxosModel::new(scenario.cluster.clone(), &paxos_models::Correct).reduce_loss();
            let props: Vec<_> = check::safety_properties(&model)
                .into_iter()
                .map(|(_, p)| p)
                .collect();
            check::stateright_search(model, &props, &cfg.opts, engine == "stateright-bfs").0
        }
    };
    let cpu_seconds = match (cpu_before, mem::cpu_seconds()) {
        (Some(b), Some(a)) => Some(a - b),
        _ => None,
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
    EngineRun {
        unique: search.unique,
        seconds: search.seconds,
        cpu_seconds,
        bytes,
        peak_rss: peak,
        complete: search.complete,
        depth: search.depth,
        transitions: search.states,
    }
}

/// One `engine=...` line: the run's figures.
fn engine_line(
    engine: &str,
    name: &str,
    threads: usize,
    reduction: Reduction,
    r: &EngineRun,
    covers: &str,
) -> String {
    let per_s = r.unique as f64 / r.seconds.max(1e-9);
    let mb = |b: Option<u64>| {
        b.map_or("n/a".to_string(), |b| {
            format!("{:.0}", b as f64 / 1048576.0)
        })
    };
    format!(
        "engine={engine} scenario={name} threads={threads} reduction={} unique={} complete={} depth={} seconds={:.2} cpu_seconds={} states_per_s={per_s:.0} states_per_cpu_s={} bytes_per_state={} peak_rss_mb={}{covers}",
        reduction.name(),
        r.unique,
        r.complete,
        r.depth,
        r.seconds,
        r.cpu_seconds.map_or("n/a".into(), |c| format!("{c:.2}")),
        r.cpu_seconds
            .map_or("n/a".into(), |c| format!("{:.0}", r.unique as f64 / c.max(1e-9))),
        match r.bytes {
            // The run fit in memory an earlier run had mapped: nothing was measured.
            Some((g, "rss")) if g < r.unique => "n/a bytes_from=rss_no_growth".to_string(),
            Some((g, how)) => format!("{:.0} bytes_from={how}", g as f64 / r.unique.max(1) as f64),
            None => "n/a".to_string(),
        },
        mb(r.peak_rss)
    )
}

/// The exhaustive engines side by side on correct Paxos: ours (1 and 2 threads, with each
/// reduction) and stateright's BFS and DFS on the same model, then ratios against
/// stateright BFS. Unique states per second, per wall second and per CPU second. Bytes per
/// state: for our engine, its own peak memory as it counts it (visited set, parent links,
/// both frontiers with their packed states) over the unique states (`bytes_from=counted`,
/// the same every run); for stateright's, the growth of the peak resident set over the run
/// (`bytes_from=rss`: sampled, allocator slack included, and low when memory freed by an
/// earlier run is reused).
fn engines(out: &mut impl Write, scenarios: &[String]) -> Result<(), CliError> {
    for name in scenarios {
        let scenario = Scenario::load(name)?;
        // stateright's DFS first: its resident set is sampled, and after a bigger run it
        // would only reuse memory already mapped (a growth of 0).
        let runs: [(&str, usize, Reduction); 14] = [
            ("stateright-dfs", 1, Reduction::None),
            ("stateright-dfs", 2, Reduction::None),
            ("stateright-bfs", 1, Reduction::None),
            ("paxos-lab-bfs", 1, Reduction::None),
            ("paxos-lab-bfs", 2, Reduction::None),
            ("paxos-lab-bfs", 1, Reduction::Sleep),
            ("paxos-lab-bfs", 2, Reduction::Sleep),
            ("paxos-lab-bfs", 1, Reduction::Symmetry),
            ("paxos-lab-bfs", 2, Reduction::Symmetry),
            ("paxos-lab-bfs", 1, Reduction::Por),
            ("paxos-lab-bfs", 1, Reduction::Dead),
            ("paxos-lab-bfs", 1, Reduction::All),
            ("paxos-lab-bfs", 2, Reduction::All),
            ("stateright-bfs", 2, Reduction::None),
        ];
        let mut base: Option<(f64, f64)> = None;
        let mut full: Option<u64> = None;
        let mut lines = Vec::new();
        for (engine, threads, reduction) in runs {
            let r = engine_run(&scenario, engine, threads, reduction, None);
            let per_s = r.unique as f64 / r.seconds.max(1e-9);
            if engine == "stateright-bfs" && threads == 1 {
                base = Some((per_s, r.seconds));
            }
            if reduction == Reduction::None {
                full = Some(r.unique);
            }
            // A reduced run verifies the whole space: `covers` is the unreduced count (from
            // the runs without reduction), the space the run verified.
            let covers = match (reduction, full) {
                (Reduction::None, _) | (_, None) => String::new(),
                (_, Some(f)) => format!(
                    " covers={f} covered_per_s={:.0}",
                    f as f64 / r.seconds.max(1e-9)
                ),
            };
            writeln!(
                out,
                "{}",
                engine_line(engine, name, threads, reduction, &r, &covers)
            )?;
            out.flush()?;
            lines.push((engine, threads, reduction, per_s, r.seconds));
        }
        if let Some((base_rate, base_seconds)) = base {
            for (engine, threads, reduction, per_s, seconds) in lines {
                writeln!(
                    out,
                    "ratio scenario={name} engine={engine} threads={threads} reduction={} vs=stateright-bfs/1 states_per_s={:.2} time_to_verify={:.2}",
                    reduction.name(),
                    per_s / base_rate,
                    base_seconds / seconds.max(1e-9)
                )?;
            }
        }
    }
    Ok(())
}

/// The dueling worlds (`scenarios/dueling*.toml`: two proposers with two ballots
/// each): the safety search of correct Paxos with every reduction on two threads, bounded
/// at `states_max` unique states (`complete=false` when the bound stopped it), and with
/// dead-message pruning alone and symmetry alone for comparison.
fn dueling(out: &mut impl Write, states_max: usize) -> Result<(), CliError> {
    for name in ["dueling", "dueling-two-learners", "dueling-crash-restart"] {
        let scenario = Scenario::load(name)?;
        let bound = Some(states_max);
        reduced_runs(
            out,
            name,
            &scenario,
            &[
                (Reduction::All, bound),
                (Reduction::Dead, bound),
                (Reduction::Symmetry, bound),
            ],
        )?;
    }
    Ok(())
}

/// Our engine's safety search of correct Paxos in `scenario` on two threads, once per
/// (reduction, bound on unique states), each printed as an engine line.
fn reduced_runs(
    out: &mut impl Write,
    name: &str,
    scenario: &Scenario,
    runs: &[(Reduction, Option<usize>)],
) -> Result<(), CliError> {
    for &(reduction, bound) in runs {
        let r = engine_run(scenario, "paxos-lab-bfs", 2, reduction, bound);
        writeln!(
            out,
            "{}",
            engine_line("paxos-lab-bfs", name, 2, reduction, &r, "")
        )?;
        out.flush()?;
    }
    Ok(())
}

/// The key-value store worlds (`scenarios/kv-store*.toml`, Multi-Paxos): the safety search
/// of correct Multi-Paxos with every reduction and with symmetry alone (bounded at 10
/// million classes, `complete=false` there), on two threads: states, seconds and bytes per
/// state.
fn store(out: &mut impl Write) -> Result<(), CliError> {
    for name in [
        "kv-store-one-slot",
        "kv-store-crash-restart",
        "kv-store-two-replicas",
        "kv-store",
    ] {
        let scenario = Scenario::load(name)?;
        // Symmetry alone, for comparison, stops at 10 million classes (kv-store passes it).
        reduced_runs(
            out,
            name,
            &scenario,
            &[
                (Reduction::All, None),
                (Reduction::Symmetry, Some(10_000_000)),
            ],
        )?;
    }
    Ok(())
}

/// Rounds of SPIN's search and ours side by side: each round runs SPIN, then ours
/// unreduced, then ours with the sleep reduction, and each engine's least-CPU run is the
/// one printed. This host's speed drifts by up to 2x within a minute and a disturbance only
/// ever adds time, so the fastest of runs taken in turn compares the engines at one speed
/// where a single pair may straddle a change (SPIN measured 286 ns a step one day, 526 the
/// next).
const SPIN_ROUNDS: usize = 3;

/// SPIN on the Promela model of `classic` (and, with `dueling`, of `dueling`) next to our
/// engine without reductions on one thread, in the same process run, in [`SPIN_ROUNDS`]
/// rounds (one when SPIN's search did not finish: its count then bounds ours, and a time
/// bound is not a speed): states, wall and CPU seconds, states per CPU second, and the
/// ratio of the fastest runs, with each round's ratio beside it to show the spread. Skipped,
/// with a line saying so, when `spin` or `gcc` is missing.
fn spin_side_by_side(
    out: &mut impl Write,
    dueling: bool,
    seconds_max: u64,
) -> Result<(), CliError> {
    if !spin::available() {
        writeln!(
            out,
            "bench=spin skipped: spin and gcc are not both installed (apt-get install spin gcc)"
        )?;
        return Ok(());
    }
    let mut worlds = vec!["classic"];
    if dueling {
        worlds.push("dueling");
    }
    for name in worlds {
        let scenario = Scenario::load(name)?;
        let model = spin::promela(&scenario.cluster, name);
        let dir =
            std::env::temp_dir().join(format!("paxos-lab-spin-{}-{name}", std::process::id()));
        let rounds = spin::build(&model, &dir)
            .and_then(|compiled| spin_rounds(&scenario, &dir, seconds_max, compiled));
        let _ = std::fs::remove_dir_all(&dir);
        match rounds {
            Ok(rounds) => rounds.print(out, name)?,
            Err(why) => writeln!(out, "bench=spin scenario={name} failed: {why}")?,
        }
        out.flush()?;
    }
    Ok(())
}

/// What [`spin_rounds`] measured: each engine's least-CPU run, and per round the ratio of
/// our unreduced states per CPU second to SPIN's.
struct SpinRounds {
    rounds: usize,
    spin: spin::SpinRun,
    ours: Vec<(Reduction, EngineRun)>,
    round_ratios: Vec<f64>,
}

/// Runs the verifier compiled in `dir` and our engine (unreduced, and with the sleep
/// reduction) in turn, [`SPIN_ROUNDS`] times or once when SPIN did not finish.
fn spin_rounds(
    scenario: &Scenario,
    dir: &std::path::Path,
    seconds_max: u64,
    compile_seconds: f64,
) -> Result<SpinRounds, String> {
    let least_cpu = |c: Option<f64>| c.unwrap_or(f64::INFINITY);
    let mut best: Option<SpinRounds> = None;
    for round in 1..=SPIN_ROUNDS {
        let r = spin::search(dir, seconds_max, compile_seconds)?;
        let complete = r.complete;
        let mut ours = Vec::new();
        for reduction in [Reduction::None, Reduction::Sleep] {
            // An unfinished SPIN search bounds ours at its count: the same states compared.
            let bound = (!complete).then_some(r.states as usize);
            ours.push((
                reduction,
                engine_run(scenario, "paxos-lab-bfs", 1, reduction, bound),
            ));
        }
        let ratio = match (r.cpu_seconds, ours[0].1.cpu_seconds) {
            (Some(s), Some(o)) => {
                (ours[0].1.unique as f64 / o.max(1e-9)) / (r.states as f64 / s.max(1e-9))
            }
            _ => f64::NAN,
        };
        match &mut best {
            None => {
                best = Some(SpinRounds {
                    rounds: round,
                    spin: r,
                    ours,
                    round_ratios: vec![ratio],
                })
            }
            Some(b) => {
                b.rounds = round;
                b.round_ratios.push(ratio);
                if least_cpu(r.cpu_seconds) < least_cpu(b.spin.cpu_seconds) {
                    b.spin = r;
                }
                for ((_, kept), (_, run)) in b.ours.iter_mut().zip(ours) {
                    if least_cpu(run.cpu_seconds) < least_cpu(kept.cpu_seconds) {
                        *kept = run;
                    }
                }
            }
        }
        if !complete {
            break;
        }
    }
    Ok(best.expect("at least one round"))
}

impl SpinRounds {
    /// SPIN's line, ours, and the ratios (per state and per step), each from the fastest
    /// runs, with `best_of` the rounds run.
    fn print(&self, out: &mut impl Write, name: &str) -> Result<(), CliError> {
        let (r, n) = (&self.spin, self.rounds);
        let cpu = r.cpu_seconds;
        writeln!(
            out,
            "engine=spin scenario={name} threads=1 reduction=none unique={} complete={}{} seconds={:.2} cpu_seconds={} compile_seconds={:.2} states_per_s={:.0} states_per_cpu_s={} memory_mb={} transitions={} best_of={n}",
            r.states,
            r.complete,
            r.stopped_by
                .map_or(String::new(), |why| format!(" stopped_by={why}")),
            r.seconds,
            cpu.map_or("n/a".into(), |c| format!("{c:.2}")),
            r.compile_seconds,
            r.states as f64 / (r.seconds - r.compile_seconds).max(1e-9),
            cpu.map_or("n/a".into(), |c| format!("{:.0}", r.states as f64 / c.max(1e-9))),
            r.memory_mb.map_or("n/a".into(), |m| format!("{m:.0}")),
            r.transitions.map_or("n/a".into(), |t| t.to_string()),
        )?;
        for (reduction, run) in &self.ours {
            let best_of = format!(" best_of={n}");
            writeln!(
                out,
                "{}",
                engine_line("paxos-lab-bfs", name, 1, *reduction, run, &best_of)
            )?;
        }
        let per_cpu = |states: u64, c: Option<f64>| c.map(|c| states as f64 / c.max(1e-9));
        // Per step as well as per state: with the same steps (unreduced), the ratio is the
        // cost of one step against SPIN's.
        let ns_per_step = |c: Option<f64>, steps: Option<u64>| match (c, steps) {
            (Some(c), Some(t)) if t > 0 => format!("{:.0}", c * 1e9 / t as f64),
            _ => "n/a".into(),
        };
        for (reduction, run) in &self.ours {
            let (Some(s), Some(o)) = (per_cpu(r.states, cpu), per_cpu(run.unique, run.cpu_seconds))
            else {
                continue;
            };
            // Each round's own ratio (its two runs side by side), unreduced only.
            let rounds = match reduction {
                Reduction::None => format!(
                    " round_ratios={}",
                    self.round_ratios
                        .iter()
                        .map(|x| format!("{x:.2}"))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                _ => String::new(),
            };
            writeln!(
                out,
                "ratio scenario={name} engine=paxos-lab-bfs threads=1 reduction={} vs=spin states_per_cpu_s={:.2} same_count={} same_transitions={} cpu_ns_per_transition={} spin_cpu_ns_per_transition={} best_of={n}{rounds}",
                reduction.name(),
                o / s,
                r.complete && run.complete && r.states == run.unique,
                r.transitions == Some(run.transitions),
                ns_per_step(run.cpu_seconds, Some(run.transitions)),
                ns_per_step(cpu, r.transitions),
            )?;
        }
        Ok(())
    }
}

pub fn run(args: &BenchArgs, out: &mut impl Write) -> Result<(), CliError> {
    let scenarios: Vec<String> = args
        .engines
        .iter()
        .filter(|s| s.as_str() != "none")
        .cloned()
        .collect();
    engines(out, &scenarios)?;
    if args.dueling {
        dueling(out, args.dueling_states_max)?;
    }
    if args.store {
        store(out)?;
    }
    if args.spin {
        spin_side_by_side(out, args.dueling, args.spin_seconds_max)?;
    }
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
    // Per breadth-first cell, its best wall time and its name.
    let mut cells: Vec<(f64, String)> = Vec::new();
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
            // A variant is held to its symmetry claim before its safety search leans on it,
            // as `check` holds it (the fault-tolerance cells run `check` itself): outside
            // the timing, which is of the search.
            let safety_symmetry = check::may_reduce_by_symmetry(
                &PaxosModel::new(scenario.cluster.clone(), v.rules).reduce_loss(),
            );
            // Two threads: the machine's two cores. CPU seconds beside the wall's: the machine
            // is shared, and a neighbour's load shows in the wall time only; the best of a few
            // runs, for the same reason (a cell takes a tenth of a second or less).
            let mut best: Option<(f64, Option<f64>, Found, u64)> = None;
            for _ in 0..FIRST_VIOLATION_RUNS {
                let started = Instant::now();
                let cpu_started = mem::cpu_seconds();
                let (found, unique) =
                    first_violation(&scenario, v.rules, v.violates, safety_symmetry);
                let wall = started.elapsed().as_secs_f64();
                let cpu = cpu_started.zip(mem::cpu_seconds()).map(|(a, b)| b - a);
                if best.as_ref().is_none_or(|b| wall < b.0) {
                    best = Some((wall, cpu, found, unique));
                }
            }
            let (wall, cpu, found, unique) = best.expect("at least one run");
            let shortest = found.shortest(&scenario, v.rules);
            writeln!(
                out,
                "bench=first-violation engine=check-bfs threads=2 variant={} scenario={name} best_of={FIRST_VIOLATION_RUNS} seconds={wall:.4} cpu_seconds={} shortest_steps={shortest} unique={unique}",
                v.name,
                cpu.map_or("n/a".into(), |c| format!("{c:.4}")),
            )?;
            cells.push((wall, format!("{}/{name}", v.name)));
        }
    }
    // The first of the slowest, in catalog order.
    let slowest = cells.iter().rev().max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((wall, cell)) = slowest {
        writeln!(
            out,
            "bench=first-violation-summary engine=check-bfs threads=2 cells={} best_of={FIRST_VIOLATION_RUNS} sum_seconds={:.3} slowest={cell} slowest_seconds={wall:.4} cells_over_0.1s={}",
            cells.len(),
            cells.iter().map(|c| c.0).sum::<f64>(),
            cells.iter().filter(|c| c.0 > 0.1).count(),
        )?;
    }
    Ok(())
}

/// Runs of each breadth-first first-violation cell; `bench` prints the fastest.
const FIRST_VIOLATION_RUNS: usize = 3;

/// What a first-violation cell found: a safety search's paths (replayed and measured after
/// the timing, [`Found::shortest`]), or the whole check's answer already in words.
enum Found {
    Paths(Box<(check::Search, CheckCfg)>),
    Told(String),
}

impl Found {
    /// The shortest trace's length (each path replayed on the reference model and held to
    /// its property), or "unreachable", or "-" when nothing was found.
    fn shortest(self, scenario: &Scenario, rules: &'static dyn paxos_models::Rules) -> String {
        match self {
            Found::Paths(found) => check::safety_traces(scenario, rules, &found.1, &found.0)
                .iter()
                .flatten()
                .map(|t| t.len())
                .min()
                .map_or("-".into(), |n| n.to_string()),
            Found::Told(s) => s,
        }
    }
}

/// `rules`' first violation in `scenario` by the breadth-first check, as a first-violation
/// cell times it: (what it found, [`Found`]; the unique states searched). `symmetry`:
/// whether the safety search may reduce by symmetry (the variant claims it and `check`'s
/// premise check found it kept).
fn first_violation(
    scenario: &Scenario,
    rules: &'static dyn paxos_models::Rules,
    violates: &[PropertyName],
    symmetry: bool,
) -> (Found, u64) {
    if violates.iter().any(|p| *p != PropertyName::FaultTolerance) {
        // The breadth-first safety search alone, stopping at the first violation (its path
        // is a shortest one).
        let cfg = CheckCfg {
            strategy: Strategy::Bfs,
            symmetry,
            por: false,
            dead: true,
            sleep: true,
            opts: SearchOpts {
                threads: 2,
                depth_max: None,
                states_max: None,
                memory_max: None,
                stop_when_all_found: true,
                stop_when_any_found: true,
            },
        };
        let search = check::safety_search(scenario, rules, &cfg);
        let unique = search.unique;
        (Found::Paths(Box::new((search, cfg))), unique)
    } else {
        // Fault tolerance by the whole check as `check --threads 2` runs it: stopping at the
        // first discovery would leave its graph part unjudged, and the cell would time a run
        // that finds nothing.
        let cfg = CheckCfg::bfs(Reduction::All, 2, None);
        let outcome = check::check(scenario, rules, &cfg, &mut |_, _| {});
        // The trace's length, "unreachable" when no decision is reachable from the start,
        // "-" when nothing was found.
        let shortest = outcome.verdicts.iter().find_map(|x| match &x.verdict {
            Verdict::Violated(t) => Some(t.len().to_string()),
            Verdict::Unreachable { .. } => Some("unreachable".to_string()),
            _ => None,
        });
        (
            Found::Told(shortest.unwrap_or_else(|| "-".into())),
            outcome.main.unique,
        )
    }
}
