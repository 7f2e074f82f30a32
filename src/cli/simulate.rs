//! `paxos-lab simulate`: validate the flags, run the batch, shrink the first violation and
//! print it with the command that reproduces it.

use std::io::Write;

use paxos_models::{PaxosModel, PropertyName};

use super::{find_variant, CliError, SimulateArgs};
use crate::report::trace;
use crate::scenario::Scenario;
use crate::sim::{self, Batch, End, FaultMix, SimCfg, SimProgress};

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

/// Validates `simulate`'s flags against the scenario.
pub fn sim_cfg(args: &SimulateArgs, scenario: &Scenario) -> Result<SimCfg, CliError> {
    let d = &scenario.simulate;
    let runs = args.runs.unwrap_or(d.runs);
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
    super::check_threads(args.threads)?;
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
    );
    Ok(SimCfg {
        seed: args.seed,
        runs,
        steps_max,
        threads: args.threads,
        swarm: args.swarm,
        mix,
        keep_going: args.keep_going,
    })
}

pub fn run(args: &SimulateArgs, out: &mut impl Write, color: bool) -> Result<u8, CliError> {
    let scenario = Scenario::load(&args.scenario)?;
    let variant = find_variant(&args.variant)?;
    let sim = sim_cfg(args, &scenario)?;
    if let Some(warning) = super::scope_warning(variant, &scenario) {
        eprintln!("{warning}");
    }
    // Before the runs, not after them: the first violation's report goes under here.
    crate::report::check_writable(
        &args
            .report
            .clone()
            .unwrap_or_else(|| crate::report::variant_dir(&scenario.name, variant.name)),
    )?;
    if args.json {
        // One JSON document on stdout and nothing else.
        let mut sink = std::io::sink();
        return simulate_to(args, &mut sink, &scenario, variant, &sim, color, Some(out));
    }
    simulate_to(args, out, &scenario, variant, &sim, color, None)
}

fn simulate_to(
    args: &SimulateArgs,
    out: &mut impl Write,
    scenario: &Scenario,
    variant: &'static paxos_models::Variant,
    sim: &SimCfg,
    color: bool,
    json: Option<&mut dyn Write>,
) -> Result<u8, CliError> {
    let cfg = &scenario.cluster;
    writeln!(
        out,
        "paxos-lab simulate: variant {} on scenario {} ({})",
        variant.name, scenario.name, scenario.file
    )?;
    writeln!(out, "  world:  {}", scenario.summary())?;
    writeln!(
        out,
        "  runs:   seeds {}..{} ({}), at most {} steps each, {} thread{}{}",
        sim.seed,
        sim.seed + (sim.runs - 1),
        crate::report::narrate::plural(sim.runs as usize, "run", "runs"),
        sim.steps_max,
        sim.threads,
        if sim.threads == 1 { "" } else { "s" },
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
    out.flush()?;

    let progress = |p: &SimProgress| {
        eprintln!(
            "progress: runs={} steps={} steps/s={:.0} violations={}",
            p.runs,
            p.steps,
            p.steps as f64 / p.seconds.max(1e-9),
            p.violations
        );
    };
    let batch = sim::simulate(cfg, variant.rules, sim, &progress);
    if let Some(sig) = crate::interrupt::signal() {
        eprintln!(
            "interrupted by {}: {} of {} runs done ({} steps); nothing is proven and no report was written (exit {})",
            crate::interrupt::name(sig),
            batch.runs,
            sim.runs,
            batch.steps,
            128 + sig
        );
        return Ok((128 + sig) as u8);
    }

    if args.check_determinism {
        let model = PaxosModel::new(cfg.clone(), variant.rules);
        let last = sim.seed + (batch.runs.max(1) - 1);
        for seed in sim.seed..=last {
            let mix = sim::mix_for(cfg, sim, seed);
            let a = sim::walk(&model, seed, &mix, sim.steps_max);
            let b = sim::walk(&model, seed, &mix, sim.steps_max);
            let text = |r: &sim::Run| {
                r.actions
                    .iter()
                    .map(|x| paxos_models::describe::action(cfg, x))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            if text(&a) != text(&b) || a.end != b.end {
                writeln!(out, "NONDETERMINISM: seed {seed} gave two different traces")?;
                return Ok(2);
            }
        }
        writeln!(
            out,
            "determinism: seeds {}..{} each ran twice with byte-identical traces",
            sim.seed, last
        )?;
    }

    let mut text = Vec::new();
    let code = report(&mut text, args, scenario, variant, sim, &batch, json)?;
    super::emit(out, &String::from_utf8_lossy(&text), color)?;
    Ok(code)
}

fn report(
    out: &mut impl Write,
    args: &SimulateArgs,
    scenario: &Scenario,
    v: &paxos_models::Variant,
    sim: &SimCfg,
    batch: &Batch,
    json: Option<&mut dyn Write>,
) -> Result<u8, CliError> {
    let (variant, rules) = (v.name, v.rules);
    let cfg = &scenario.cluster;
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
    writeln!(
        out,
        "runs={} steps={} seconds={:.2} steps/s={:.0} runs/s={:.0}",
        batch.runs,
        batch.steps,
        batch.seconds,
        batch.steps as f64 / batch.seconds.max(1e-9),
        batch.runs as f64 / batch.seconds.max(1e-9)
    )?;
    let doc = |first: serde_json::Value, code: u8| {
        serde_json::json!({
            "command": "simulate",
            "variant": variant,
            "scenario": {"name": scenario.name, "file": scenario.file, "hash": scenario.hash},
            "seed": sim.seed,
            "runs": batch.runs,
            "steps": batch.steps,
            "seconds": batch.seconds,
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
    let shrunk = sim::shrink(&model, property, &run.actions);
    let t = trace::replay_actions(&model, &shrunk.actions).expect("a shrunk trace replays exactly");
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
    let saved = super::save(args.report.as_deref(), &file, &model, &t)?;
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
    if let Some(json) = json {
        let first = serde_json::json!({
            "seed": run.seed,
            "property": property.name(),
            "steps_before_shrinking": shrunk.steps_before,
            "steps": t.len(),
            "trace": t.actions.iter().map(|a| paxos_models::describe::action(cfg, a)).collect::<Vec<_>>(),
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
