//! `paxos-lab bench`: figures, never assertions. Simulator throughput (steps/s, runs/s) on
//! correct Paxos at 1 and 2 threads with the ratio between them, measured in one process;
//! then, for every broken variant in each scenario it declares, the time to its first
//! violation by the simulator (with shrunk and unshrunk lengths) and by the exhaustive
//! breadth-first check.

use std::io::Write;
use std::time::Instant;

use paxos_models::{PaxosModel, VARIANTS};

use crate::check::{self, CheckCfg, SearchOpts, Strategy, Verdict};
use crate::cli::{BenchArgs, CliError};
use crate::scenario::Scenario;
use crate::simulate::{self, End, FaultMix, SimCfg};

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
    }
}

pub fn run(args: &BenchArgs, out: &mut impl Write) -> Result<(), CliError> {
    let classic = Scenario::load("classic")?;
    let mut base = None;
    for threads in [1, 2] {
        let sim = sim_cfg(&classic, args.runs, threads, true);
        let b = simulate::simulate(&classic.cluster, &paxos_models::Correct, &sim, &|_| {});
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
            let b = simulate::simulate(&scenario.cluster, v.rules, &sim, &|_| {});
            let found = started.elapsed().as_secs_f64();
            let (seed, unshrunk, shrunk) = match &b.first {
                Some(run) => {
                    let End::Violation(p) = run.end else {
                        unreachable!("a failing run ends in a violation")
                    };
                    let model = PaxosModel::new(scenario.cluster.clone(), v.rules);
                    let s = simulate::shrink(&model, p, &run.actions);
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
            let cfg = CheckCfg {
                strategy: Strategy::Bfs,
                symmetry: true,
                opts: SearchOpts {
                    threads: 1,
                    depth_max: None,
                    states_max: None,
                    stop_when_all_found: true,
                    stop_when_any_found: true,
                },
            };
            let started = Instant::now();
            let outcome = check::check(&scenario, v.rules, &cfg, &mut |_, _| {});
            let shortest = outcome
                .verdicts
                .iter()
                .filter_map(|x| match &x.verdict {
                    Verdict::Violated(t) => Some(t.len()),
                    _ => None,
                })
                .min();
            writeln!(
                out,
                "bench=first-violation engine=check-bfs variant={} scenario={name} seconds={:.4} shortest_steps={} unique={}",
                v.name,
                started.elapsed().as_secs_f64(),
                shortest.map_or("-".into(), |n| n.to_string()),
                outcome.main.unique
            )?;
        }
    }
    Ok(())
}
