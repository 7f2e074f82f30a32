//! `paxos-lab simulate`: validate the flags, run the batch (or one shard of it), and print
//! the counts and the first violation, shrunk, with the command that reproduces it; a shard
//! writes its result for `paxos-lab merge` instead.

use std::io::Write;
use std::path::Path;

use paxos_models::PaxosModel;

use super::simulation::{self, header, sim_cfg, summary};
use super::{find_variant, CliError, SimulateArgs};
use crate::scenario::Scenario;
use crate::sim::shard::{self, BatchSpec, Shard, ShardFile};
use crate::sim::{self, Batch, End, SimCfg, SimProgress};

/// `--shard`: parsed, with `auto/N` read from the scheduler's variable.
fn shard(args: &SimulateArgs) -> Result<Shard, CliError> {
    let Some(text) = &args.shard else {
        return Ok(Shard::WHOLE);
    };
    if args.out.is_none() {
        return Err(CliError::BadFlag {
            flag: "shard",
            problem: "a shard's result is only of use merged with the others'".into(),
            fix: format!("add --out FILE.json, e.g. --shard {text} --out shard-I.json"),
        });
    }
    Shard::parse(text, |v| std::env::var(v).ok()).map_err(|e| CliError::BadFlag {
        flag: "shard",
        problem: e.problem,
        fix: e.fix,
    })
}

/// Where `--out FILE` goes: its directory (`.` for a bare name) and its file name.
fn out_target(file: &Path) -> Result<(&Path, String), CliError> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file.file_name().ok_or_else(|| CliError::BadFlag {
        flag: "out",
        problem: format!("{} names no file", file.display()),
        fix: "pass a file name, e.g. --out shard-0.json".into(),
    })?;
    Ok((dir, name.to_string_lossy().to_string()))
}

pub fn run(args: &SimulateArgs, out: &mut impl Write, color: bool) -> Result<u8, CliError> {
    let scenario = Scenario::load(&args.scenario)?;
    let variant = find_variant(&args.variant)?;
    let shard = shard(args)?;
    let spec = simulation::spec(args, &scenario);
    let sim = sim_cfg(&spec, args.threads, shard, &scenario)?;
    if let Some(warning) = super::scope_warning(variant, &scenario) {
        eprintln!("{warning}");
    }
    // Before the runs, not after them: the result or the first violation's report goes there.
    match &args.out {
        Some(file) => crate::report::check_writable(out_target(file)?.0)?,
        None => crate::report::check_writable(
            &args
                .report
                .clone()
                .unwrap_or_else(|| crate::report::variant_dir(&scenario.name, variant.name)),
        )?,
    }
    if args.json {
        // One JSON document on stdout and nothing else.
        let mut sink = std::io::sink();
        return simulate_to(
            args,
            &spec,
            &mut sink,
            &scenario,
            variant,
            &sim,
            color,
            Some(out),
        );
    }
    simulate_to(args, &spec, out, &scenario, variant, &sim, color, None)
}

#[allow(clippy::too_many_arguments)]
fn simulate_to(
    args: &SimulateArgs,
    spec: &BatchSpec,
    out: &mut impl Write,
    scenario: &Scenario,
    variant: &'static paxos_models::Variant,
    sim: &SimCfg,
    color: bool,
    json: Option<&mut dyn Write>,
) -> Result<u8, CliError> {
    let cfg = &scenario.cluster;
    header(out, scenario, variant, sim)?;
    let range = sim.shard.range(sim.runs);
    if args.out.is_some() {
        writeln!(
            out,
            "  shard:  {}/{} (0-based): runs {}..{} of the batch, seeds {}..{}",
            sim.shard.index,
            sim.shard.count,
            range.start,
            range.end - 1,
            sim.seed + range.start,
            sim.seed + (range.end - 1)
        )?;
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
            range.end - range.start,
            batch.steps,
            128 + sig
        );
        return Ok((128 + sig) as u8);
    }

    if args.check_determinism {
        let model = PaxosModel::new(cfg.clone(), variant.rules);
        let (first, last) = (
            sim.seed + range.start,
            sim.seed + range.start + (batch.runs.max(1) - 1),
        );
        for seed in first..=last {
            let mix = sim::mix_for(cfg, sim, seed);
            let a = sim::walk(&model, seed, &mix, sim.steps_max);
            let b = sim::walk(&model, seed, &mix, sim.steps_max);
            let text = |r: &sim::Run| r.words(cfg).join("\n");
            if text(&a) != text(&b) || a.end != b.end {
                writeln!(out, "NONDETERMINISM: seed {seed} gave two different traces")?;
                return Ok(2);
            }
        }
        writeln!(
            out,
            "determinism: seeds {first}..{last} each ran twice with byte-identical traces"
        )?;
    }

    if let Some(file) = &args.out {
        return write_shard(out, file, spec, scenario, variant, sim, &batch, json);
    }
    let mut text = Vec::new();
    let timing = simulation::timing(&batch, sim.threads);
    let code = summary(
        &mut text,
        spec,
        args.report.as_deref(),
        scenario,
        variant,
        sim,
        &batch,
        &timing,
        json,
    )?;
    super::emit(out, &String::from_utf8_lossy(&text), color)?;
    Ok(code)
}

/// A shard's result: its counts and its first violation, unshrunk (the merge shrinks the
/// batch's first), written atomically to `file`.
#[allow(clippy::too_many_arguments)]
fn write_shard(
    out: &mut impl Write,
    file: &Path,
    spec: &BatchSpec,
    scenario: &Scenario,
    variant: &paxos_models::Variant,
    sim: &SimCfg,
    batch: &Batch,
    json: Option<&mut dyn Write>,
) -> Result<u8, CliError> {
    let cfg = &scenario.cluster;
    let range = sim.shard.range(sim.runs);
    let first = batch.first.as_ref().map(|run| {
        let End::Violation(property) = run.end else {
            unreachable!("the first failing run ends in a violation")
        };
        shard::FirstViolation {
            seed: run.seed,
            property: property.name().to_string(),
            steps: run.actions.len(),
            trace: run.words(cfg),
        }
    });
    let result = ShardFile {
        format: shard::FORMAT.into(),
        version: shard::VERSION,
        code: shard::CODE.into(),
        batch: spec.clone(),
        scenario: shard::Named {
            name: scenario.name.clone(),
            hash: scenario.hash.clone(),
        },
        variant: shard::Named {
            name: variant.name.into(),
            hash: variant.source_hash(),
        },
        shard: sim.shard,
        seeds: [sim.seed + range.start, sim.seed + (range.end - 1)],
        runs: batch.runs,
        steps: batch.steps,
        decided_runs: batch.decided_runs,
        violations: shard::counts(batch),
        first: first.clone(),
        seconds: batch.seconds,
        cpu_seconds: batch.cpu_seconds,
        threads: sim.threads,
    };
    let text = serde_json::to_string_pretty(&result).expect("json") + "\n";
    let (dir, name) = out_target(file)?;
    crate::report::write_atomic(dir, &name, &text)?;
    let code = u8::from(first.is_some());
    if let Some(json) = json {
        write!(json, "{text}")?;
        return Ok(code);
    }
    simulation::counts(out, batch)?;
    writeln!(out, "{}", simulation::timing(batch, sim.threads))?;
    writeln!(out)?;
    if let Some(f) = &first {
        writeln!(
            out,
            "first violation in this shard: seed {}, {} after {} steps (unshrunk; `merge` re-walks and shrinks the batch's first)",
            f.seed, f.property, f.steps
        )?;
    }
    writeln!(
        out,
        "shard {}/{} written to {} (then: paxos-lab merge FILE... with every shard's file) (exit {code})",
        sim.shard.index,
        sim.shard.count,
        file.display()
    )?;
    Ok(code)
}
