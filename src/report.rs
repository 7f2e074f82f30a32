//! Saved traces: the versioned JSON form every counterexample is written in, by `check` and
//! `simulate` alike, and read back by `replay`. Files are written atomically (a temporary
//! file, then a rename) and named deterministically: `<dir>/<property>.json`.
//!
//! Actions are stored in protocol words (`p1 -> a1  Prepare(b=1)`), the same text the
//! terminal shows; replay matches each against the actions enabled at that step, so a file
//! is readable by people and by the tool, and any engine's trace replays in any other.

use std::path::{Path, PathBuf};

use paxos_models::describe;
use paxos_models::model::Action;
use paxos_models::{PaxosModel, PropertyName};
use serde::{Deserialize, Serialize};
use stateright::Model;

use crate::scenario::Scenario;
use crate::trace::Trace;

/// The `format` field of every trace file.
pub const FORMAT: &str = "paxos-lab-trace";
/// The current `version`; readers refuse other versions.
pub const VERSION: u32 = 1;

/// A trace file (see reports/README.md for every field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceFile {
    pub format: String,
    pub version: u32,
    pub scenario: ScenarioRef,
    pub variant: VariantRef,
    /// `bfs`, `dfs` or `simulate`.
    pub engine: String,
    /// The simulation seed, for `simulate`.
    pub seed: Option<u64>,
    pub property: String,
    /// The actions from the initial state, in protocol words.
    pub actions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRef {
    pub name: String,
    pub file: String,
    /// FNV-1a 64 of the scenario file's bytes.
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantRef {
    pub name: String,
    /// FNV-1a 64 of the variant's source file.
    pub hash: String,
}

/// Errors reading or writing trace files: one line, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{file}: {problem} (fix: {fix})")]
    Bad {
        file: String,
        problem: String,
        fix: String,
    },
    #[error("cannot write {file}: {source}")]
    Write {
        file: String,
        source: std::io::Error,
    },
}

/// Writes `text` to `dir/name` atomically: a temporary file in the same directory, then a
/// rename, so a reader never sees half a file.
pub fn write_atomic(dir: &Path, name: &str, text: &str) -> Result<PathBuf, ReportError> {
    write_set(dir, name, &[(name.to_string(), text.to_string())])?;
    Ok(dir.join(name))
}

/// Writes a set of files into `dir`, all or nothing: each is written into a staging
/// directory `dir/.staging-<key>-<pid>` first, then the files are renamed into place (a
/// rename within one directory tree cannot fail half-way for lack of space). The staging
/// directory is removed on every path, error paths included.
pub fn write_set(dir: &Path, key: &str, files: &[(String, String)]) -> Result<(), ReportError> {
    let err = |path: &Path| {
        let file = path.display().to_string();
        move |source| ReportError::Write { file, source }
    };
    std::fs::create_dir_all(dir).map_err(err(dir))?;
    let staging = dir.join(format!(".staging-{key}-{}", std::process::id()));
    let result = (|| {
        std::fs::create_dir_all(&staging).map_err(err(&staging))?;
        for (name, text) in files {
            let tmp = staging.join(name);
            std::fs::write(&tmp, text).map_err(err(&dir.join(name)))?;
        }
        for (name, _) in files {
            let path = dir.join(name);
            std::fs::rename(staging.join(name), &path).map_err(err(&path))?;
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// Checks, before a long run, that reports can be written under `dir`: creates it (and
/// its parents) and writes and removes a probe file there.
pub fn check_writable(dir: &Path) -> Result<(), ReportError> {
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    let result = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .map_err(|source| ReportError::Write {
            file: dir.display().to_string(),
            source,
        });
    let _ = std::fs::remove_file(&probe);
    result
}

/// `reports/<scenario>/<variant>/`: every engine's reports of that variant in that world.
pub fn variant_dir(scenario: &str, variant: &str) -> PathBuf {
    Path::new("reports").join(scenario).join(variant)
}

/// The default report directory, keyed by the engine so that no run replaces another
/// engine's report: `reports/<scenario>/<variant>/` for `check` (breadth-first: the
/// shortest counterexample), `.../dfs/` for `check --strategy dfs`, and
/// `.../simulate-seed-<N>/` for the simulator's shrunk run of seed N.
pub fn default_dir(scenario: &str, variant: &str, engine: &str, seed: Option<u64>) -> PathBuf {
    let base = variant_dir(scenario, variant);
    match (engine, seed) {
        ("bfs", _) => base,
        (_, Some(seed)) => base.join(format!("{engine}-seed-{seed}")),
        (_, None) => base.join(engine),
    }
}

impl TraceFile {
    pub fn new(
        scenario: &Scenario,
        variant: &paxos_models::Variant,
        engine: &str,
        seed: Option<u64>,
        property: PropertyName,
        trace: &Trace,
    ) -> TraceFile {
        TraceFile {
            format: FORMAT.into(),
            version: VERSION,
            scenario: ScenarioRef {
                name: scenario.name.clone(),
                file: scenario.file.clone(),
                hash: scenario.hash.clone(),
            },
            variant: VariantRef {
                name: variant.name.into(),
                hash: variant.source_hash(),
            },
            engine: engine.into(),
            seed,
            property: property.name().into(),
            actions: trace
                .actions
                .iter()
                .map(|a| describe::action(&scenario.cluster, a))
                .collect(),
        }
    }

    /// The trace file's text: pretty JSON and a final newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a trace file serializes");
        text.push('\n');
        text
    }

    /// Writes the whole report of `trace` into `dir`: `<property>.json` (this file), `.txt`
    /// (the terminal report without colour), `.md` (narration, Mermaid diagram and trace)
    /// and `.svg` (the sequence diagram); returns the JSON file's path.
    ///
    /// All or nothing: the four files are written into a staging directory inside `dir`
    /// and only then renamed into place, so a failed write leaves the earlier set whole and
    /// no temporary file behind.
    pub fn write_all(
        &self,
        dir: &Path,
        model: &PaxosModel,
        trace: &Trace,
    ) -> Result<PathBuf, ReportError> {
        let property = PropertyName::from_name(&self.property).expect("a property name");
        let json = dir.join(format!("{}.json", self.property));
        let replay = format!("paxos-lab replay {}", json.display());
        let title = format!(
            "{} violated: {} on {} ({})",
            self.property, self.variant.name, self.scenario.name, self.engine
        );
        let mut txt = format!("{title}\n\n");
        txt.push_str(&crate::story::text(model, trace, property));
        let md = crate::story::markdown(model, trace, property, &title, &replay);
        let svg = crate::chart::svg(model, trace, Some(property));
        let files = [
            (format!("{}.json", self.property), self.to_text()),
            (format!("{}.txt", self.property), txt),
            (format!("{}.md", self.property), md),
            (format!("{}.svg", self.property), svg),
        ];
        write_set(dir, &self.property, &files)?;
        Ok(json)
    }

    /// Reads and checks the shape of a trace file.
    pub fn read(path: &Path) -> Result<TraceFile, ReportError> {
        let file = path.display().to_string();
        let bad = |problem: String, fix: &str| ReportError::Bad {
            file: file.clone(),
            problem,
            fix: fix.into(),
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("cannot read: {e}"), "check the path"))?;
        let t: TraceFile = serde_json::from_str(&text).map_err(|e| {
            bad(
                format!("not a paxos-lab trace file: {e}"),
                "pass a .json file written by `check` or `simulate`",
            )
        })?;
        if t.format != FORMAT {
            return Err(bad(
                format!("field `format` is {:?}, expected {FORMAT:?}", t.format),
                "pass a .json file written by `check` or `simulate`",
            ));
        }
        if t.version != VERSION {
            return Err(bad(
                format!(
                    "field `version` is {}, this paxos-lab reads {VERSION}",
                    t.version
                ),
                "re-create the trace with this version's `check` or `simulate`",
            ));
        }
        if PropertyName::from_name(&t.property).is_none() {
            return Err(bad(
                format!("field `property`: unknown property {:?}", t.property),
                "use coherence, conflict-resolution or no-takebacks",
            ));
        }
        Ok(t)
    }
}

/// Rebuilds the trace from its action words: each must name an action enabled at its step.
/// `Err((step, action))` names the first step that no longer replays.
pub fn replay(model: &PaxosModel, words: &[String]) -> Result<Trace, (usize, String)> {
    let cfg = model.cfg();
    let mut state = model.init_states().swap_remove(0);
    let mut states = vec![state.clone()];
    let mut actions: Vec<Action> = Vec::new();
    let mut enabled = Vec::new();
    for (i, w) in words.iter().enumerate() {
        enabled.clear();
        model.actions(&state, &mut enabled);
        let next = enabled
            .drain(..)
            .filter(|a| describe::action(cfg, a) == *w)
            .find_map(|a| model.next_state(&state, a.clone()).map(|s| (a, s)));
        let Some((a, s)) = next else {
            return Err((i + 1, w.clone()));
        };
        actions.push(a);
        states.push(s.clone());
        state = s;
    }
    Ok(Trace { states, actions })
}
