//! Shards: one batch of runs split over many processes or machines, and merged back.
//!
//! The split is fixed and contiguous: shard `I` of `N` (0-based) of a batch of `R` runs is
//! runs `I*R/N .. (I+1)*R/N` (integer division), seeds `SEED + that`. So shard `I` of `N` is
//! the same runs on any machine at any thread count, and the shards in index order are the
//! batch in seed order. Each shard writes a [`ShardFile`]; [`combine`] merges them into what
//! one process running the whole batch would have counted: without `--keep-going` a
//! batch stops at its first failing seed, and so does each shard, so the merge sums the
//! shards up to the first one that failed (the ones before it ran every seed) and ignores
//! the ones after it.

use std::ops::Range;

use paxos_models::PropertyName;
use serde::{Deserialize, Serialize};

use super::batch::Batch;

/// What a shard file's `format` field says.
pub const FORMAT: &str = "paxos-lab simulate shard";
/// The current shard file version; `merge` refuses others.
pub const VERSION: u32 = 1;
/// A hash of the sources this binary was built from (see `build.rs`).
pub const CODE: &str = env!("PAXOS_LAB_CODE_HASH");

/// Shard `index` of `count`, 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole batch as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// The run indices (0-based, within the batch) of this shard of a batch of `runs`.
    pub fn range(self, runs: u64) -> Range<u64> {
        let at = |i: u64| (i as u128 * runs as u128 / self.count as u128) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// Parses `I/N`, or `auto/N` with `I` read from the batch scheduler's index variable
    /// (`SLURM_ARRAY_TASK_ID` in a Slurm job array, `JOB_COMPLETION_INDEX` in a Kubernetes
    /// Indexed Job), looked up by `env`. The error says what is wrong and how to fix it.
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, BadShard> {
        let bad = |problem: String, fix: String| Err(BadShard { problem, fix });
        let Some((i, n)) = text.split_once('/') else {
            return bad(
                format!("`{text}` is not I/N"),
                "pass e.g. --shard 0/4, or --shard auto/4 in a job array".into(),
            );
        };
        let count: u64 = match n.trim().parse() {
            Ok(n) if n >= 1 => n,
            _ => {
                return bad(
                    format!("`{n}` in `{text}` is not a shard count of 1 or more"),
                    "pass e.g. --shard 0/4".into(),
                )
            }
        };
        let (index, from) = if i.trim() == "auto" {
            const VARS: [&str; 2] = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];
            let set: Vec<(&str, String)> = VARS
                .iter()
                .filter_map(|v| env(v).map(|x| (*v, x)))
                .collect();
            match set.as_slice() {
                [] => {
                    return bad(
                        format!("`auto/{count}` needs SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) in the environment, and neither is set"),
                        format!("pass --shard I/{count}"),
                    )
                }
                [(var, x)] => match x.trim().parse::<u64>() {
                    Ok(i) => (i, format!("{var}={x}")),
                    Err(_) => {
                        return bad(
                            format!("{var}={x} is not a shard index"),
                            format!("run the array with indices 0..{}", count - 1),
                        )
                    }
                },
                _ => {
                    return bad(
                        format!("`auto/{count}`: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set, so the shard is ambiguous"),
                        format!("unset one, or pass --shard I/{count}"),
                    )
                }
            }
        } else {
            match i.trim().parse::<u64>() {
                Ok(i) => (i, format!("`{text}`")),
                Err(_) => {
                    return bad(
                        format!("`{i}` in `{text}` is not a shard index"),
                        format!("pass e.g. --shard 0/{count}"),
                    )
                }
            }
        };
        if index >= count {
            return bad(
                format!("shard index {index} (from {from}) is not below the shard count {count}; shards are numbered from 0"),
                format!("use 0..{}, e.g. sbatch --array=0-{}", count - 1, count - 1),
            );
        }
        Ok(Shard { index, count })
    }
}

/// Why `--shard` cannot be read, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadShard {
    pub problem: String,
    pub fix: String,
}

/// A batch as the user asked for it, flags as typed (`None`: the scenario's default): what
/// a shard file records so that `merge` can rebuild the run settings, re-walk the first
/// violation, and print the command that reproduces it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSpec {
    pub variant: String,
    /// `--scenario` as typed: a name from `scenarios/` or a path.
    pub scenario: String,
    pub seed: u64,
    pub runs: u64,
    pub steps: Option<usize>,
    pub swarm: bool,
    pub keep_going: bool,
    pub drop: Option<f64>,
    pub duplicate: Option<f64>,
    pub crash: Option<f64>,
    pub restart: Option<f64>,
    pub partition: Option<f64>,
    pub partition_steps: Option<usize>,
    pub one_way: Option<f64>,
}

/// A name and the hash of its contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub name: String,
    pub hash: String,
}

/// One property's count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Count {
    pub property: String,
    pub runs: u64,
}

/// A shard's first violating run, unshrunk: `merge` re-walks the seed, checks that it takes
/// these very steps, and shrinks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstViolation {
    pub seed: u64,
    pub property: String,
    pub steps: usize,
    pub trace: Vec<String>,
}

/// What `simulate --shard I/N --out FILE.json` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    pub format: String,
    pub version: u32,
    /// The hash of the sources of the build that ran it ([`CODE`]).
    pub code: String,
    pub batch: BatchSpec,
    /// The scenario's name and the hash of its file.
    pub scenario: Named,
    /// The variant's name and the hash of its source.
    pub variant: Named,
    pub shard: Shard,
    /// The seeds of this shard, first and last (inclusive).
    pub seeds: [u64; 2],
    /// Runs counted: every run of the shard, or without `keep_going` those up to its first
    /// failing seed.
    pub runs: u64,
    pub steps: u64,
    pub decided_runs: u64,
    /// Per safety property, runs that violated it.
    pub violations: Vec<Count>,
    pub first: Option<FirstViolation>,
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub threads: usize,
}

/// Why shard files cannot be merged; `file` names the one at fault.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{file}: {problem} (fix: {fix})")]
    Bad {
        file: String,
        problem: String,
        fix: String,
    },
    #[error("shards missing: {missing} of {count} (fix: run them, e.g. paxos-lab simulate ... --shard {first}/{count} --out FILE.json, and merge every shard's file)")]
    Missing {
        missing: String,
        count: u64,
        first: u64,
    },
}

fn bad(file: &str, problem: String, fix: &str) -> MergeError {
    MergeError::Bad {
        file: file.to_string(),
        problem,
        fix: fix.to_string(),
    }
}

/// Reads a shard file's text; the error names the field that is wrong.
pub fn parse(file: &str, text: &str) -> Result<ShardFile, MergeError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        bad(
            file,
            format!("not JSON ({e})"),
            "pass the files `simulate --shard I/N --out FILE.json` wrote",
        )
    })?;
    if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(bad(
            file,
            format!("field `format` is not \"{FORMAT}\": not a shard result"),
            "pass the files `simulate --shard I/N --out FILE.json` wrote",
        ));
    }
    if v.get("version").and_then(|f| f.as_u64()) != Some(VERSION as u64) {
        return Err(bad(
            file,
            format!(
                "field `version` is {}, this paxos-lab reads {VERSION}",
                v.get("version").map_or("missing".into(), |x| x.to_string())
            ),
            "re-run the shard with this build",
        ));
    }
    let f: ShardFile = serde_json::from_value(v).map_err(|e| {
        bad(
            file,
            format!("corrupt shard result: {e}"),
            "re-run the shard, or pass the file it wrote unedited",
        )
    })?;
    if f.shard.count == 0 || f.shard.index >= f.shard.count {
        return Err(bad(
            file,
            format!(
                "field `shard` is {}/{}: not a shard",
                f.shard.index, f.shard.count
            ),
            "re-run the shard",
        ));
    }
    let range = f.shard.range(f.batch.runs);
    let seeds = [
        f.batch.seed.wrapping_add(range.start),
        f.batch.seed.wrapping_add(range.end.saturating_sub(1)),
    ];
    if f.seeds != seeds || f.runs > range.end - range.start {
        return Err(bad(
            file,
            format!(
                "fields `seeds` and `runs` ({:?}, {}) do not match shard {}/{} of seeds {}.. ({} runs)",
                f.seeds, f.runs, f.shard.index, f.shard.count, f.batch.seed, f.batch.runs
            ),
            "re-run the shard, or pass the file it wrote unedited",
        ));
    }
    let listed = |safety: &[PropertyName]| {
        f.violations.len() == safety.len()
            && f.violations
                .iter()
                .zip(safety)
                .all(|(c, p)| c.property == p.name() && c.runs <= f.runs)
    };
    if !listed(&PropertyName::SAFETY) && !listed(&PropertyName::STORE_SAFETY) {
        return Err(bad(
            file,
            "field `violations` does not list each safety property once, in order, with at most `runs` runs".into(),
            "re-run the shard, or pass the file it wrote unedited",
        ));
    }
    if let Some(first) = &f.first {
        if first.seed < seeds[0] || first.seed > seeds[1] || property(&first.property).is_none() {
            return Err(bad(
                file,
                format!(
                    "field `first` names seed {} and property `{}`, outside this shard or unknown",
                    first.seed, first.property
                ),
                "re-run the shard, or pass the file it wrote unedited",
            ));
        }
    }
    Ok(f)
}

/// A safety property by its CLI name (the only kind a simulated run can violate).
pub fn property(name: &str) -> Option<PropertyName> {
    PropertyName::from_name(name).filter(|p| PropertyName::STORE_SAFETY.contains(p))
}

/// The shards merged: the counts of one batch, with the first violation still to re-walk.
#[derive(Clone, Debug)]
pub struct Combined {
    pub batch: BatchSpec,
    pub scenario: Named,
    pub variant: Named,
    pub code: String,
    pub count: u64,
    pub runs: u64,
    pub steps: u64,
    pub decided_runs: u64,
    pub violations: Vec<(PropertyName, u64)>,
    /// The lowest failing seed of the batch, and which file recorded it.
    pub first: Option<(String, FirstViolation)>,
    /// Wall and CPU seconds summed over every shard (all of them, the ignored ones too).
    pub seconds: f64,
    pub cpu_seconds: f64,
}

/// Merges parsed shard files (`(file name, contents)`): refuses files of different batches,
/// scenarios, variants or builds, two files for one shard, and missing shards.
pub fn combine(files: &[(String, ShardFile)]) -> Result<Combined, MergeError> {
    let Some((name0, f0)) = files.first() else {
        return Err(bad(
            "merge",
            "no shard files given".into(),
            "pass every shard's file: paxos-lab merge shard-*.json",
        ));
    };
    let count = f0.shard.count;
    let mut by_index: Vec<Option<&(String, ShardFile)>> = vec![None; count as usize];
    for entry in files {
        let (name, f) = entry;
        let differs = |what: &str, a: String, b: String| {
            bad(
                name,
                format!("{what} is {b}, but {name0} has {a}: not shards of one batch"),
                "merge only the files of one `simulate --shard I/N` batch",
            )
        };
        if f.code != f0.code {
            return Err(differs("the code version", f0.code.clone(), f.code.clone()));
        }
        if f.scenario != f0.scenario {
            return Err(differs(
                "the scenario",
                format!("{} (hash {})", f0.scenario.name, f0.scenario.hash),
                format!("{} (hash {})", f.scenario.name, f.scenario.hash),
            ));
        }
        if f.variant != f0.variant {
            return Err(differs(
                "the variant",
                format!("{} (hash {})", f0.variant.name, f0.variant.hash),
                format!("{} (hash {})", f.variant.name, f.variant.hash),
            ));
        }
        if f.batch != f0.batch {
            return Err(differs(
                "the batch",
                serde_json::to_string(&f0.batch).expect("json"),
                serde_json::to_string(&f.batch).expect("json"),
            ));
        }
        if f.shard.count != count {
            return Err(differs(
                "the shard count",
                count.to_string(),
                f.shard.count.to_string(),
            ));
        }
        let slot = &mut by_index[f.shard.index as usize];
        if let Some((other, _)) = slot {
            return Err(bad(
                name,
                format!(
                    "shard {}/{count} is also in {other}: the two overlap",
                    f.shard.index
                ),
                "pass each shard's file once",
            ));
        }
        *slot = Some(entry);
    }
    let missing: Vec<String> = by_index
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| i.to_string())
        .collect();
    if !missing.is_empty() {
        let first = by_index
            .iter()
            .position(Option::is_none)
            .expect("one is missing") as u64;
        return Err(MergeError::Missing {
            missing: if missing.len() > 12 {
                format!(
                    "{} and {} more",
                    missing[..12].join(", "),
                    missing.len() - 12
                )
            } else {
                missing.join(", ")
            },
            count,
            first,
        });
    }
    let mut c = Combined {
        batch: f0.batch.clone(),
        scenario: f0.scenario.clone(),
        variant: f0.variant.clone(),
        code: f0.code.clone(),
        count,
        runs: 0,
        steps: 0,
        decided_runs: 0,
        violations: f0
            .violations
            .iter()
            .filter_map(|c| property(&c.property))
            .map(|p| (p, 0))
            .collect(),
        first: None,
        seconds: 0.0,
        cpu_seconds: 0.0,
    };
    for (name, f) in by_index.into_iter().flatten() {
        c.seconds += f.seconds;
        c.cpu_seconds += f.cpu_seconds;
        let full = f.shard.range(f.batch.runs);
        if f.first.is_none() && f.runs != full.end - full.start {
            return Err(bad(
                name,
                format!(
                    "counts {} runs of its {} and no violation: an interrupted or edited shard",
                    f.runs,
                    full.end - full.start
                ),
                "re-run the shard",
            ));
        }
        if c.first.is_some() && !c.batch.keep_going {
            // One process would have stopped at the first failing seed.
            continue;
        }
        c.runs += f.runs;
        c.steps += f.steps;
        c.decided_runs += f.decided_runs;
        for (total, n) in c.violations.iter_mut().zip(&f.violations) {
            total.1 += n.runs;
        }
        if c.first.is_none() {
            c.first = f.first.clone().map(|v| (name.clone(), v));
        }
    }
    Ok(c)
}

/// The counts of a batch as a shard file records them.
pub fn counts(batch: &Batch) -> Vec<Count> {
    batch
        .violations
        .iter()
        .map(|(p, n)| Count {
            property: p.name().to_string(),
            runs: *n,
        })
        .collect()
}
