//! `paxos-lab merge FILE...`: the result files of a sharded batch merged into what one
//! `simulate` over the whole batch prints (every line but the timing line, byte for byte):
//! the counts summed as one process would have counted them, the first violation (the
//! lowest failing seed) re-walked from its seed, checked against the shard's record, shrunk
//! once and saved. Refuses files of different batches, variants, scenarios or builds,
//! overlapping shards, missing shards, and files whose scenario or variant has changed.

use std::io::Write;

use paxos_models::PaxosModel;

use super::simulation::{header, sim_cfg, summary};
use super::{find_variant, CliError, MergeArgs};
use crate::scenario::Scenario;
use crate::sim::shard::{self, MergeError, Shard};
use crate::sim::{self, Batch, End};

fn refuse(file: &str, problem: String, fix: &str) -> CliError {
    CliError::Merge(MergeError::Bad {
        file: file.to_string(),
        problem,
        fix: fix.to_string(),
    })
}

pub fn run(args: &MergeArgs, out: &mut impl Write, color: bool) -> Result<u8, CliError> {
    let mut files = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            refuse(
                &name,
                format!("cannot read it: {e}"),
                "pass the files `simulate --shard I/N --out FILE.json` wrote",
            )
        })?;
        files.push((name.clone(), shard::parse(&name, &text)?));
    }
    let c = shard::combine(&files)?;
    let file0 = &files[0].0;
    if c.code != shard::CODE {
        return Err(refuse(
            file0,
            format!(
                "written by another build of paxos-lab (code {}; this one is {})",
                c.code,
                shard::CODE
            ),
            "merge with the build that ran the shards, or re-run them with this one",
        ));
    }
    let scenario = Scenario::load(&c.batch.scenario)?;
    if scenario.hash != c.scenario.hash {
        return Err(refuse(
            file0,
            format!(
                "scenario {} changed since the shards ran (hash {} now, {} then)",
                scenario.file, scenario.hash, c.scenario.hash
            ),
            "re-run the shards on the scenario as it is",
        ));
    }
    let variant = find_variant(&c.batch.variant)?;
    if variant.source_hash() != c.variant.hash {
        return Err(refuse(
            file0,
            format!(
                "variant `{}` changed since the shards ran (hash {} now, {} then)",
                variant.name,
                variant.source_hash(),
                c.variant.hash
            ),
            "re-run the shards with the variant as it is",
        ));
    }
    let sim = sim_cfg(&c.batch, 1, Shard::WHOLE, &scenario)?;
    crate::report::check_writable(
        &args
            .report
            .clone()
            .unwrap_or_else(|| crate::report::variant_dir(&scenario.name, variant.name)),
    )?;
    let cfg = &scenario.cluster;
    let first = match &c.first {
        None => None,
        Some((file, f)) => {
            // The shard kept the run's words; its actions come back from its seed.
            let model = PaxosModel::new(cfg.clone(), variant.rules);
            let mix = sim::mix_for(cfg, &sim, f.seed);
            let run = sim::walk(&model, f.seed, &mix, sim.steps_max);
            let words = run.words(cfg);
            let property = shard::property(&f.property);
            if words != f.trace || property.map(End::Violation) != Some(run.end.clone()) {
                return Err(refuse(
                    file,
                    format!(
                        "seed {} does not walk again to the run its field `first` records",
                        f.seed
                    ),
                    "re-run the shard with this build, and merge the file it writes unedited",
                ));
            }
            Some(run)
        }
    };
    eprintln!(
        "merge: {} shard files of seeds {}..{} ({} shards, all present)",
        files.len(),
        c.batch.seed,
        c.batch.seed + (c.batch.runs - 1),
        c.count
    );
    let batch = Batch {
        runs: c.runs,
        steps: c.steps,
        violations: c.violations.clone(),
        decided_runs: c.decided_runs,
        first,
        seconds: c.seconds,
        cpu_seconds: c.cpu_seconds,
    };
    let timing = format!(
        "runs={} steps={} seconds={:.2} cpu_seconds={:.2} shards={} (seconds summed over the shards)",
        batch.runs, batch.steps, batch.seconds, batch.cpu_seconds, c.count
    );
    // With --json, the text is dropped and one JSON document goes to stdout, as `simulate`.
    let mut text = Vec::new();
    header(&mut text, &scenario, variant, &sim)?;
    let json = args.json.then_some(&mut *out as &mut dyn Write);
    let code = summary(
        &mut text,
        &c.batch,
        args.report.as_deref(),
        &scenario,
        variant,
        &sim,
        &batch,
        &timing,
        json,
    )?;
    if !args.json {
        super::emit(out, &String::from_utf8_lossy(&text), color)?;
    }
    Ok(code)
}
