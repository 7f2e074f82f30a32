//! The report stage: everything a user reads or replays of a counterexample. Its parts: the
//! numbered trace ([`trace`]), the sequence charts ([`chart`]), the narration ([`narrate`]),
//! the whole report as text and Markdown ([`story`]); and here, the saved files (the
//! versioned JSON trace every counterexample is written in, by `check` and `simulate` alike,
//! beside its `.txt`, `.md` and `.svg`, written all or nothing) and the loader and replayer
//! that `replay` and `explore --trace` share.
//!
//! Actions are stored in protocol words (`p1 -> a1  Prepare(b=1)`), the same text the
//! terminal shows; replay matches each against the actions enabled at that step, so a file
//! is readable by people and by the tool, and any engine's trace replays in any other.

pub mod chart;
pub mod deviation;
pub mod narrate;
pub mod store;
pub mod story;
pub mod trace;

use std::path::{Path, PathBuf};

use paxos_models::describe;
use paxos_models::model::Action;
use paxos_models::{PaxosModel, PropertyName};
use serde::{Deserialize, Serialize};
use stateright::Model;

use crate::report::trace::Trace;
use crate::scenario::Scenario;

/// The `format` field of every trace file.
pub const FORMAT: &str = "paxos-lab-trace";
/// The current `version`; readers refuse other versions.
pub const VERSION: u32 = 1;

/// The largest trace file read (a trace is a few kilobytes).
pub const TRACE_BYTES_MAX: u64 = 4 << 20;
/// The longest action word, or name, a trace file may hold.
pub const ACTION_BYTES_MAX: usize = 256;

/// At most 60 characters of `text`, quoted with escapes, for an error line.
pub fn short(text: &str) -> String {
    let head: String = text.chars().take(60).collect();
    if head.len() < text.len() {
        format!("{head:?}... ({} bytes)", text.len())
    } else {
        format!("{head:?}")
    }
}

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
/// its parents), writes and removes a probe file there, and removes again the directories
/// it created, so a run that ends without a report leaves the tree as it was.
pub fn check_writable(dir: &Path) -> Result<(), ReportError> {
    let created: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    let result = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .map_err(|source| ReportError::Write {
            file: dir.display().to_string(),
            source,
        });
    let _ = std::fs::remove_file(&probe);
    for d in created {
        let _ = std::fs::remove_dir(d);
    }
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
            actions: trace.words(&scenario.cluster),
        }
    }

    /// The steps in the file: its action lines, without the partition lines.
    pub fn steps(&self) -> usize {
        self.actions
            .iter()
            .filter(|w| !crate::sim::NetEvent::is_line(w))
            .count()
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
        let title = format!(
            "{} violated: {} on {} ({})",
            self.property, self.variant.name, self.scenario.name, self.engine
        );
        let mut txt = format!("{title}\n\n");
        txt.push_str(&crate::report::story::text(model, trace, property));
        let md = crate::report::story::markdown(model, trace, property, &title, &json);
        let svg = crate::report::chart::svg(model, trace, Some(property));
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
        if std::fs::metadata(path).is_ok_and(|m| m.len() > TRACE_BYTES_MAX) {
            return Err(bad(
                format!(
                    "the file is over {} MB; a trace is a few kilobytes",
                    TRACE_BYTES_MAX >> 20
                ),
                "pass a .json file written by `check` or `simulate`",
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("cannot read: {e}"), "check the path"))?;
        let t: TraceFile = serde_json::from_str(&text).map_err(|e| {
            bad(
                // serde quotes a bad key as it is: a control character in it would break
                // the one-line error.
                format!(
                    "not a paxos-lab trace file: {}",
                    e.to_string().escape_debug()
                ),
                "pass a .json file written by `check` or `simulate`",
            )
        })?;
        if t.format != FORMAT {
            return Err(bad(
                format!(
                    "field `format` is {}, expected {FORMAT:?}",
                    short(&t.format)
                ),
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
                format!("field `property`: unknown property {}", short(&t.property)),
                "use coherence, conflict-resolution, no-takebacks or fault-tolerance",
            ));
        }
        if !["bfs", "dfs", "simulate"].contains(&t.engine.as_str()) {
            return Err(bad(
                format!("field `engine`: unknown engine {}", short(&t.engine)),
                "use bfs, dfs or simulate",
            ));
        }
        for (i, w) in t.actions.iter().enumerate() {
            if w.len() > ACTION_BYTES_MAX || w.chars().any(char::is_control) {
                return Err(bad(
                    format!(
                        "field `actions`: step {} {} is not an action (too long, or a control character)",
                        i + 1,
                        short(w)
                    ),
                    "the file is corrupt: re-create the trace with `check` or `simulate`",
                ));
            }
        }
        for (field, text) in [
            ("scenario.name", &t.scenario.name),
            ("scenario.file", &t.scenario.file),
            ("scenario.hash", &t.scenario.hash),
            ("variant.name", &t.variant.name),
            ("variant.hash", &t.variant.hash),
        ] {
            if text.len() > ACTION_BYTES_MAX || text.chars().any(char::is_control) {
                return Err(bad(
                    format!(
                        "field `{field}` is {}: too long, or a control character",
                        short(text)
                    ),
                    "the file is corrupt: re-create the trace with `check` or `simulate`",
                ));
            }
        }
        Ok(t)
    }
}

/// A trace file read, checked and matched to the current code: its scenario loads and has
/// the hash the file names, its variant is registered with the same source hash, its
/// property is one `replay` judges, and every action word names an action this world can
/// have. What `replay` and `explore --trace` both start from.
pub struct Loaded {
    pub file: TraceFile,
    pub scenario: Scenario,
    pub variant: &'static paxos_models::Variant,
    pub property: PropertyName,
    pub model: PaxosModel,
}

impl Loaded {
    pub fn open(path: &Path) -> Result<Loaded, ReportError> {
        let t = TraceFile::read(path)?;
        let name = path.display().to_string();
        let bad = |problem: String, fix: &str| ReportError::Bad {
            file: name.clone(),
            problem,
            fix: fix.into(),
        };
        let scenario = Scenario::load(&t.scenario.file).map_err(|e| {
            bad(
                format!("its scenario {} cannot be loaded: {e}", t.scenario.file),
                "restore the scenario file, or re-create the trace",
            )
        })?;
        if scenario.hash != t.scenario.hash {
            return Err(bad(
                format!(
                    "scenario {} changed since the trace was written (hash {} now, {} then)",
                    t.scenario.file, scenario.hash, t.scenario.hash
                ),
                "re-create the trace with `check` or `simulate`",
            ));
        }
        let variant = paxos_models::registry::variant(&t.variant.name).ok_or_else(|| {
            bad(
                format!("variant `{}` is no longer registered", t.variant.name),
                "re-create the trace with a registered variant",
            )
        })?;
        if variant.source_hash() != t.variant.hash {
            return Err(bad(
                format!(
                    "variant `{}` changed since the trace was written (hash {} now, {} then)",
                    t.variant.name,
                    variant.source_hash(),
                    t.variant.hash
                ),
                "re-create the trace with `check` or `simulate`",
            ));
        }
        let property = PropertyName::from_name(&t.property).expect("checked on read");
        let model = PaxosModel::new(scenario.cluster.clone(), variant.rules);
        let vocabulary = Vocabulary::new(&model);
        for (i, w) in t.actions.iter().enumerate() {
            if let Err(why) = vocabulary.check(w) {
                return Err(bad(
                    format!("field `actions`: step {} `{w}` {why}", i + 1),
                    "the file is corrupt: re-create the trace with `check` or `simulate`",
                ));
            }
        }
        Ok(Loaded {
            file: t,
            scenario,
            variant,
            property,
            model,
        })
    }
}

/// Every message a store world's nodes can send, given its ballots: requests, promises
/// with every log of slot votes, proposals, votes and replies.
fn store_messages(
    store: &paxos_models::store::StoreCfg,
    ballots: &[paxos_models::Ballot],
) -> Vec<paxos_models::Msg> {
    use paxos_models::store::{SlotVote, StoreCfg, NOOP, SLOTS_MAX, VALUE_MAX};
    use paxos_models::Msg;
    let cmds: Vec<u8> = std::iter::once(NOOP)
        .chain(
            store
                .clients
                .iter()
                .enumerate()
                .flat_map(|(c, ops)| (0..ops.len()).map(move |i| StoreCfg::cmd(c, i))),
        )
        .collect();
    let votes: Vec<SlotVote> = std::iter::once(None)
        .chain(
            ballots
                .iter()
                .flat_map(|&b| cmds.iter().map(move |&c| Some((b, c)))),
        )
        .collect();
    // Every log of votes over the world's slots (later slots empty).
    let mut logs: Vec<[SlotVote; SLOTS_MAX]> = vec![[None; SLOTS_MAX]];
    for slot in 0..store.slots {
        logs = logs
            .into_iter()
            .flat_map(|log| {
                votes.iter().map(move |&v| {
                    let mut next = log;
                    next[slot] = v;
                    next
                })
            })
            .collect();
    }
    let mut msgs = Vec::new();
    for &cmd in &cmds {
        msgs.push(Msg::Request { cmd });
        for result in 0..=VALUE_MAX {
            msgs.push(Msg::Reply { cmd, result });
        }
    }
    for &b in ballots {
        msgs.extend(logs.iter().map(|&log| Msg::LogPromise { b, log }));
        for slot in 0..store.slots as u8 {
            for &cmd in &cmds {
                msgs.push(Msg::Propose { b, slot, cmd });
                msgs.push(Msg::Voted { b, slot, cmd });
            }
        }
    }
    msgs
}

/// Every action word the world can have: node names, and every message its ballots and
/// values can make, so a step that does not parse or names what cannot exist is told apart
/// from one the current code merely refuses.
struct Vocabulary {
    cfg: paxos_models::ClusterCfg,
    nodes: Vec<String>,
    proposers: Vec<String>,
    clients: Vec<String>,
    messages: std::collections::BTreeSet<String>,
}

impl Vocabulary {
    fn new(model: &PaxosModel) -> Vocabulary {
        use paxos_models::{Ballot, Msg};
        let cfg = model.cfg();
        let rules = model.rules();
        let mut ballots: Vec<Ballot> = (0..cfg.ballots_max)
            .flat_map(|r| (0..cfg.proposers).map(move |p| (r, p)))
            .map(|(r, p)| rules.ballot(r, p, cfg.proposers))
            .collect();
        ballots.sort();
        ballots.dedup();
        let values: Vec<u8> = (0..cfg.values.len() as u8).collect();
        let mut msgs = Vec::new();
        for &b in &ballots {
            msgs.push(Msg::Prepare { b });
            msgs.push(Msg::Promise { b, accepted: None });
            for &v in &values {
                msgs.push(Msg::Accept { b, v });
                msgs.push(Msg::Accepted { b, v });
                for &b2 in &ballots {
                    msgs.push(Msg::Promise {
                        b,
                        accepted: Some((b2, v)),
                    });
                }
            }
        }
        for &v in &values {
            msgs.push(Msg::Write { v });
            // Replication has one implicit ballot.
            msgs.push(Msg::Accepted { b: Ballot(0), v });
        }
        if let Some(store) = &cfg.store {
            msgs.extend(store_messages(store, &ballots));
        }
        let nodes: Vec<String> = (0..cfg.node_count()).map(|i| cfg.node_name(i)).collect();
        Vocabulary {
            cfg: cfg.clone(),
            proposers: nodes[..cfg.proposers].to_vec(),
            clients: nodes[cfg.id_of(paxos_models::Role::Client, 0)..].to_vec(),
            nodes,
            messages: msgs.iter().map(|m| describe::msg(cfg, m)).collect(),
        }
    }

    /// `Ok` when `word` is an action this world can have; else why not, in words.
    fn check(&self, word: &str) -> Result<(), String> {
        let node = |n: &str| {
            if self.nodes.iter().any(|x| x == n) {
                Ok(())
            } else {
                Err(format!(
                    "names node `{n}`, which this world does not have (it has {})",
                    self.nodes.join(", ")
                ))
            }
        };
        if let Some(event) = crate::sim::NetEvent::parse(&self.cfg, word) {
            return event.map(|_| ());
        }
        if let Some(n) = word
            .strip_prefix("CRASH ")
            .or_else(|| word.strip_prefix("RESTART "))
        {
            return node(n);
        }
        if let Some(n) = word.strip_suffix(" invokes its next operation") {
            return if self.clients.iter().any(|c| c == n) {
                Ok(())
            } else {
                Err(format!(
                    "`{n}` invokes an operation, but it is not a client of this world"
                ))
            };
        }
        if let Some(n) = word.strip_suffix(" timeout: retry with a new ballot") {
            return if self.proposers.iter().any(|p| p == n) {
                Ok(())
            } else {
                Err(format!(
                    "times out `{n}`, which is not a proposer of this world"
                ))
            };
        }
        let delivery = word.strip_prefix("DROP ").unwrap_or(word);
        let Some((ends, msg)) = delivery.split_once("  ") else {
            return Err("does not parse as an action (see reports/README.md)".into());
        };
        let Some((src, dst)) = ends.split_once(" -> ") else {
            return Err("does not parse as an action (see reports/README.md)".into());
        };
        node(src)?;
        node(dst)?;
        if self.messages.contains(msg) {
            Ok(())
        } else {
            Err(format!(
                "carries `{msg}`, which no node of this world can send (its ballots and values do not make it)"
            ))
        }
    }
}

/// How far a trace's path replays under the current code.
pub struct Replayed {
    /// The path replayed, up to the first violation of the property or the first step the
    /// current code refuses (whichever comes first), or to the end.
    pub trace: Trace,
    /// The step the current code refuses (1-based), with why, if the path stopped there.
    pub refused: Option<(usize, String, String)>,
}

/// Replays `words` from the initial state, stopping at the first state that violates
/// `property`, or at the first step that is not enabled (with the reason in words).
pub fn replay_until(model: &PaxosModel, words: &[String], property: PropertyName) -> Replayed {
    let cfg = model.cfg();
    let mut state = model.init_states().swap_remove(0);
    let mut states = vec![state.clone()];
    let mut actions: Vec<Action> = Vec::new();
    let mut events = Vec::new();
    let mut cut: Option<crate::sim::NetEvent> = None;
    let mut enabled = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if crate::check::violates(model, property, &state) {
            break;
        }
        if let Some(Ok(e)) = crate::sim::NetEvent::parse(cfg, w) {
            // The simulator's partition: it holds messages, it enables nothing.
            cut = (e != crate::sim::NetEvent::Heal).then(|| e.clone());
            events.push((actions.len(), e));
            continue;
        }
        enabled.clear();
        model.actions(&state, &mut enabled);
        let next = enabled
            .iter()
            .filter(|a| describe::action(cfg, a) == *w)
            .find_map(|a| model.next_state(&state, a.clone()).map(|s| (a.clone(), s)));
        let held = |a: &Action| cut.as_ref().is_some_and(|p| p.holds_step(a));
        let why = match &next {
            None => Some(refusal(model, &state, w, &enabled)),
            Some((a, _)) if held(a) => Some(format!(
                "the partition in force ({}) holds it until a HEAL line",
                cut.as_ref().expect("a cut").describe(cfg)
            )),
            Some(_) => None,
        };
        if let Some(why) = why {
            return Replayed {
                trace: Trace {
                    states,
                    actions,
                    events,
                },
                refused: Some((i + 1, w.clone(), why)),
            };
        }
        let (a, s) = next.expect("an enabled step");
        actions.push(a);
        states.push(s.clone());
        state = s;
    }
    Replayed {
        trace: Trace {
            states,
            actions,
            events,
        },
        refused: None,
    }
}

/// Why the well-formed action `word` is not enabled in `state`.
fn refusal(
    model: &PaxosModel,
    state: &paxos_models::PaxosState,
    word: &str,
    enabled: &[Action],
) -> String {
    let cfg = model.cfg();
    let index = |n: &str| (0..cfg.node_count()).find(|&i| cfg.node_name(i) == n);
    let crashed = |n: &str| index(n).is_some_and(|i| state.sys.crashed[i]);
    if let Some(n) = word.strip_prefix("RESTART ") {
        return if crashed(n) {
            "this world does not let it restart".into()
        } else {
            format!("{n} is not crashed")
        };
    }
    if let Some(n) = word.strip_prefix("CRASH ") {
        return if crashed(n) {
            format!("{n} is already crashed")
        } else {
            format!("{n} may not crash here (its role may not, or the crash budget is spent)")
        };
    }
    if let Some(n) = word.strip_suffix(" timeout: retry with a new ballot") {
        return format!("{n} has no retry pending (no attempt left, or not yet timed out)");
    }
    let delivery = word.strip_prefix("DROP ").unwrap_or(word);
    let (ends, _) = delivery.split_once("  ").unwrap_or((delivery, ""));
    let (_, dst) = ends.split_once(" -> ").unwrap_or(("", ends));
    if crashed(dst) {
        return format!("{dst} is crashed");
    }
    let in_flight: Vec<String> = enabled
        .iter()
        .map(|a| describe::action(cfg, a))
        .filter(|d| d.starts_with(&format!("{ends}  ")))
        .collect();
    if in_flight.is_empty() {
        format!("no message from {ends} is in flight")
    } else {
        format!(
            "that message is not in flight (from {ends} only: {})",
            in_flight
                .iter()
                .map(|d| d.split_once("  ").map_or(d.as_str(), |x| x.1))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
