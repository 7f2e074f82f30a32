//! What `simulate` and `merge` print about a batch: its settings, checked against the
//! scenario; the header; the counts, the verdict and the first violation, shrunk, saved and
//! with the command that reproduces it. Shared by the two subcommands (neither imports the
//! other), so a merged batch prints what one `simulate` over it prints, byte for byte but
//! for the timing line.

use std::io::Write;
use std::path::Path;

use paxos_models::{PaxosModel, PropertyName};

use super::{CliError, SimulateArgs};
use crate::report::trace;
use crate::scenario::Scenario;
use crate::sim::shard::{BatchSpec, Shard};
use crate::sim::{self, Batch, End, FaultMix, SimCfg};

/// The batch `simulate`'s flags ask for (`--runs` defaults to the scenario's).
pub fn spec(args: &SimulateArgs, scenario: &Scenario) -> BatchSpec {
    BatchSpec {
        variant: args.variant.clone(),
        scenario: args.scenario.clone(),
        seed: args.seed,
        runs: args.runs.unwrap_or(scenario.simulate.runs),
        steps: args.steps,
        swarm: args.swarm,
        keep_going: args.keep_going,
        drop: args.drop,
        duplicate: args.duplicate,
        crash: args.crash,
        restart: args.restart,
        partition: args.partition,
        partition_steps: args.partition_steps,
        one_way: args.one_way,
    }
}

fn probability(flag: &'static str, p: Option<f64>, default: f64) -> Result<f64, CliError> {
    let p = p.unwrap_or(default);
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(CliError::BadFlag {
            flag,
            problem: format!("must be a probability from 0 to 1, got {p}"),
            fix: format!("pass e.g. --{flag} 0.05"),
        })
    }
}

/// Validates a batch's flags against the scenario: the run settings of `shard` of it, on
/// `threads` threads.
pub fn sim_cfg(
    args: &BatchSpec,
    threads: usize,
    shard: Shard,
    scenario: &Scenario,
) -> Result<SimCfg, CliError> {
    let d = &scenario.simulate;
    let runs = args.runs;
    if runs == 0 {
        return Err(CliError::BadFlag {
            flag: "runs",
            problem: "must be at least 1".into(),
            fix: "pass --runs 1 or more".into(),
        });
    }
    let steps_max = args.steps.unwrap_or(d.steps_max);
    if steps_max == 0 {
        return Err(CliError::BadFlag {
            flag: "steps",
            problem: "must be at least 1".into(),
            fix: "pass --steps 200".into(),
        });
    }
    super::check_threads(threads)?;
    if shard.count > runs {
        return Err(CliError::BadFlag {
            flag: "shard",
            problem: format!(
                "{} shards of {} leave some shards without a run",
                shard.count,
                crate::report::narrate::plural(runs as usize, "run", "runs")
            ),
            fix: format!("pass at most {runs} shards, or more --runs"),
        });
    }
    if args.seed.checked_add(runs - 1).is_none() {
        return Err(CliError::BadFlag {
            flag: "seed",
            problem: "seed + runs overflows 64 bits".into(),
            fix: "pass a smaller --seed or --runs".into(),
        });
    }
    let mix = FaultMix::fixed(
        &scenario.cluster,
        probability("drop", args.drop, d.drop)?,
        probability("duplicate", args.duplicate, d.duplicate)?,
        probability("crash", args.crash, d.crash)?,
        probability("restart", args.restart, d.restart)?,
    )
    .with_partitions(
        probability("partition", args.partition, d.partition)?,
        match args.partition_steps {
            Some(0) => {
                return Err(CliError::BadFlag {
                    flag: "partition-steps",
                    problem: "must be at least 1".into(),
                    fix: "pass --partition-steps 20".into(),
                })
            }
            Some(n) => n,
            None => d.partition_steps,
        },
        probability("one-way", args.one_way, d.one_way)?,
    );
    Ok(SimCfg {
        seed: args.seed,
        runs,
        steps_max,
        threads,
        swarm: args.swarm,
        mix,
        keep_going: args.keep_going,
        shard,
    })
}

/// The lines that say what the batch is, before it runs.
pub fn header(
    out: &mut impl Write,
    scenario: &Scenario,
    variant: &paxos_models::Variant,
    sim: &SimCfg,
) -> std::io::Result<()> {
    let cfg = &scenario.cluster;
    writeln!(
        out,
        "paxos-lab simulate: variant {} on scenario {} ({})",
        variant.name, scenario.name, scenario.file
    )?;
    writeln!(out, "  world:  {}", scenario.summary())?;
    writeln!(
        out,
        "  runs:   seeds {}..{} ({}), at most {} steps each{}",
        sim.seed,
        sim.seed + (sim.runs - 1),
        crate::report::narrate::plural(sim.runs as usize, "run", "runs"),
        sim.steps_max,
        if sim.keep_going {
            ""
        } else {
            ", stopping at the first violation"
        }
    )?;
    if sim.swarm {
        writeln!(
            out,
            "  faults: swarm (each run draws its own mix from its seed)"
        )?;
    } else {
        writeln!(out, "  faults: {}", sim.mix.describe(cfg))?;
    }
    if sim.runs == 1 {
        // Like TigerBeetle's VOPR: the seed and everything derived from it, before the run.
        let mix = sim::mix_for(cfg, sim, sim.seed);
        writeln!(out, "SEED={} {}", sim.seed, mix.describe(cfg))?;
    }
    Ok(())
}

/// Each property's count in the batch, and how many runs decided.
pub fn counts(out: &mut impl Write, batch: &Batch) -> std::io::Result<()> {
    let runs_text = crate::report::narrate::plural(batch.runs as usize, "run", "runs");
    writeln!(out)?;
    for (p, n) in &batch.violations {
        let text = if *n == 0 {
            format!("no violation in {}", runs_text)
        } else {
            format!("VIOLATED in {n} of {runs_text}")
        };
        writeln!(out, "  {:<20} {text}", p.name())?;
    }
    writeln!(
        out,
        "  {:<20} not judged by simulation (a random walk cannot show a decision unreachable; `check` does): decided in {} of {runs_text}",
        PropertyName::FaultTolerance.name(),
        batch.decided_runs,
    )?;
    writeln!(out)?;
    Ok(())
}

/// The timing line of a batch run in this process.
pub fn timing(batch: &Batch, threads: usize) -> String {
    format!(
        "runs={} steps={} seconds={:.2} cpu_seconds={:.2} steps/s={:.0} runs/s={:.0} threads={threads}",
        batch.runs,
        batch.steps,
        batch.seconds,
        batch.cpu_seconds,
        batch.steps as f64 / batch.seconds.max(1e-9),
        batch.runs as f64 / batch.seconds.max(1e-9)
    )
}

/// The counts, the verdict and, for a violation, the first failing run shrunk, printed and
/// saved (under `report`, or the default directory); `timing` is the one line that depends
/// on the machine. With `json`, one JSON document goes there instead of the text's verdict.
#[allow(clippy::too_many_arguments)]
pub fn summary(
    out: &mut impl Write,
    args: &BatchSpec,
    report: Option<&Path>,
    scenario: &Scenario,
    v: &paxos_models::Variant,
    sim: &SimCfg,
    batch: &Batch,
    timing: &str,
    json: Option<&mut dyn Write>,
) -> Result<u8, CliError> {
    let (variant, rules) = (v.name, v.rules);
    let cfg = &scenario.cluster;
    let runs_text = crate::report::narrate::plural(batch.runs as usize, "run", "runs");
    counts(out, batch)?;
    writeln!(out, "{timing}")?;
    let doc = |first: serde_json::Value, code: u8| {
        serde_json::json!({
            "command": "simulate",
            "variant": variant,
            "scenario": {"name": scenario.name, "file": scenario.file, "hash": scenario.hash},
            "seed": sim.seed,
            "runs": batch.runs,
            "steps": batch.steps,
            "seconds": batch.seconds,
            "cpu_seconds": batch.cpu_seconds,
            "swarm": sim.swarm,
            "violations": batch.violations.iter().map(|(p, n)| serde_json::json!({"property": p.name(), "runs": n})).collect::<Vec<_>>(),
            "decided_runs": batch.decided_runs,
            "first": first,
            "exit_code": code,
        })
    };
    let Some(run) = &batch.first else {
        if let Some(json) = json {
            let d = doc(serde_json::Value::Null, 0);
            writeln!(json, "{}", serde_json::to_string_pretty(&d).expect("json"))?;
            return Ok(0);
        }
        writeln!(out)?;
        writeln!(
            out,
            "verdict: no violation in {runs_text} (a simulation proves nothing; `paxos-lab check` explores every state) (exit 0)",
        )?;
        return Ok(0);
    };
    let End::Violation(property) = run.end else {
        unreachable!("the first failing run ends in a violation")
    };
    let model = PaxosModel::new(cfg.clone(), rules);
    let shrunk = sim::shrink_run(&model, property, &run.actions, &run.events);
    let mut t =
        trace::replay_actions(&model, &shrunk.actions).expect("a shrunk trace replays exactly");
    t.events = shrunk.events.clone();
    writeln!(out)?;
    writeln!(
        out,
        "first violation: seed {} (run {} of the batch)",
        run.seed,
        run.seed - sim.seed + 1
    )?;
    if sim.runs > 1 {
        // With one run, the header already printed it before the run.
        writeln!(out, "SEED={} {}", run.seed, run.mix.describe(cfg))?;
    }
    writeln!(
        out,
        "shrunk: {} steps with {} injected faults -> {} steps with {} (delta debugging, every candidate replayed)",
        shrunk.steps_before,
        shrunk.faults_before,
        shrunk.actions.len(),
        shrunk.faults_after
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "counterexample: {} violated after {} steps (shrunk, {variant} on {})",
        property.name(),
        t.len(),
        scenario.name
    )?;
    write!(out, "{}", crate::report::story::text(&model, &t, property))?;
    let file = crate::report::TraceFile::new(scenario, v, "simulate", Some(run.seed), property, &t);
    let saved = super::save(report, &file, &model, &t)?;
    writeln!(out, "{}", super::saved_line(&saved))?;
    writeln!(out)?;
    let mut cmd = format!(
        "paxos-lab simulate --scenario {} --variant {variant} --seed {} --runs 1",
        args.scenario, run.seed
    );
    if args.steps.is_some() {
        cmd += &format!(" --steps {}", sim.steps_max);
    }
    if sim.swarm {
        cmd += " --swarm";
    } else {
        for (flag, v) in [
            ("drop", args.drop),
            ("duplicate", args.duplicate),
            ("crash", args.crash),
            ("restart", args.restart),
        ] {
            if let Some(v) = v {
                cmd += &format!(" --{flag} {v}");
            }
        }
    }
    for (flag, v) in [("partition", args.partition), ("one-way", args.one_way)] {
        if let Some(v) = v {
            cmd += &format!(" --{flag} {v}");
        }
    }
    if let Some(n) = args.partition_steps {
        cmd += &format!(" --partition-steps {n}");
    }
    if let Some(json) = json {
        let first = serde_json::json!({
            "seed": run.seed,
            "property": property.name(),
            "steps_before_shrinking": shrunk.steps_before,
            "steps": t.len(),
            "trace": t.words(cfg),
            "why": crate::report::narrate::narrate(&model, &t, property),
            "report": saved.display().to_string(),
            "reproduce": cmd,
        });
        let d = doc(first, 1);
        writeln!(json, "{}", serde_json::to_string_pretty(&d).expect("json"))?;
        return Ok(1);
    }
    writeln!(out, "reproduce: {cmd}")?;
    writeln!(out)?;
    writeln!(out, "verdict: violated: {} (exit 1)", property.name())?;
    Ok(1)
}
