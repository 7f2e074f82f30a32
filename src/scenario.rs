//! Scenario files: raw TOML -> [`RawScenario`] (what was typed) -> [`Scenario`] (validated).
//! A bad file gives one [`ScenarioError`] line naming the file, the field and the fix.
//!
//! `--scenario` takes a name (looked up as `scenarios/NAME.toml` in the current directory,
//! then in this crate's own `scenarios/`) or a path to a `.toml` file.

use std::fmt;
use std::path::{Path, PathBuf};

use paxos_models::store::{Op, StoreCfg};
use paxos_models::{ClusterCfg, Delivery, Role, RoleSet};
use serde::Deserialize;

/// A scenario file as typed. Unknown fields are errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub description: String,
    /// `"single-decree"` (the default) or `"multi-paxos"` (a replicated log and the
    /// key-value store on it, set up by `[store]`).
    #[serde(default)]
    pub protocol: Option<String>,
    pub proposers: i64,
    pub acceptors: i64,
    pub learners: i64,
    #[serde(default)]
    pub values: Vec<String>,
    pub ballots_max: i64,
    #[serde(default = "default_true")]
    pub retries: bool,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub faults: RawFaults,
    #[serde(default)]
    pub simulate: RawSimulate,
    #[serde(default)]
    pub store: Option<RawStore>,
}

/// A store world's `[store]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub slots: i64,
    pub keys: Vec<String>,
    /// Per client, its operations in order: `["put(x, 1)", "get(x)"]`.
    pub clients: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    #[serde(default = "default_delivery")]
    pub delivery: String,
    #[serde(default)]
    pub lossy: bool,
}

fn default_true() -> bool {
    true
}

fn default_delivery() -> String {
    "unordered".into()
}

impl Default for RawNetwork {
    fn default() -> Self {
        RawNetwork {
            delivery: default_delivery(),
            lossy: false,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaults {
    #[serde(default)]
    pub crashes_max: i64,
    #[serde(default)]
    pub may_crash: Vec<String>,
    #[serde(default)]
    pub restarts: bool,
    /// Why fault tolerance cannot hold for correct Paxos in this bounded world; when set,
    /// the property is reported as not judged, with this reason.
    #[serde(default)]
    pub fault_tolerance_not_judged: Option<String>,
    /// Why, in this bounded world, correct Paxos cannot keep a decision reachable with a
    /// minority of acceptors cut off; when set, only "nothing cut off" is judged.
    #[serde(default)]
    pub cut_off_not_judged: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulate {
    #[serde(default = "default_runs")]
    pub runs: i64,
    #[serde(default = "default_steps_max")]
    pub steps_max: i64,
    #[serde(default = "default_drop")]
    pub drop: f64,
    #[serde(default = "default_duplicate")]
    pub duplicate: f64,
    #[serde(default = "default_crash")]
    pub crash: f64,
    #[serde(default = "default_restart")]
    pub restart: f64,
    #[serde(default)]
    pub partition: f64,
    #[serde(default = "default_partition_steps")]
    pub partition_steps: i64,
    #[serde(default)]
    pub one_way: f64,
}

fn default_partition_steps() -> i64 {
    20
}

fn default_drop() -> f64 {
    0.05
}

fn default_duplicate() -> f64 {
    0.1
}

fn default_crash() -> f64 {
    0.05
}

fn default_restart() -> f64 {
    0.3
}

fn default_runs() -> i64 {
    10_000
}

fn default_steps_max() -> i64 {
    200
}

impl Default for RawSimulate {
    fn default() -> Self {
        RawSimulate {
            runs: default_runs(),
            steps_max: default_steps_max(),
            drop: default_drop(),
            duplicate: default_duplicate(),
            crash: default_crash(),
            restart: default_restart(),
            partition: 0.0,
            partition_steps: default_partition_steps(),
            one_way: 0.0,
        }
    }
}

/// Simulation defaults a scenario carries.
#[derive(Clone, Debug, PartialEq)]
pub struct SimulateCfg {
    pub runs: u64,
    pub steps_max: usize,
    /// Fault probabilities per step (see `sim::FaultMix`).
    pub drop: f64,
    pub duplicate: f64,
    pub crash: f64,
    pub restart: f64,
    /// Chance, at each step while the network is whole, that a partition starts (the
    /// simulator only: the exhaustive check already holds every message as long as it
    /// likes).
    pub partition: f64,
    /// A partition heals after 1 to this many steps.
    pub partition_steps: usize,
    /// Chance that a partition is a one-way cut (messages from one group to the other are
    /// held, the other way they pass).
    pub one_way: f64,
}

/// The largest scenario file read (1 MB).
pub const SCENARIO_BYTES_MAX: u64 = 1 << 20;

/// A validated scenario: its name, where it came from, its text's hash, and the world.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub file: String,
    pub description: String,
    pub cluster: ClusterCfg,
    pub simulate: SimulateCfg,
    /// Why fault tolerance is not judged in this world (`faults.fault_tolerance_not_judged`).
    pub fault_tolerance_not_judged: Option<String>,
    /// Why "a decision stays reachable with any minority of acceptors cut off" is not
    /// judged in this world (`faults.cut_off_not_judged`); the rest of fault tolerance is.
    pub cut_off_not_judged: Option<String>,
    /// FNV-1a 64 of the file's bytes, as 16 hex digits: names this exact configuration.
    pub hash: String,
}

/// A bad scenario: one line naming the file, the field and the fix.
#[derive(Debug, thiserror::Error)]
pub struct ScenarioError {
    pub file: String,
    pub field: Option<String>,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "scenario {}: ", self.file)?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{} (fix: {})", self.problem, self.fix)
    }
}

/// The fix to suggest for each field, for errors the validator cannot phrase better.
const FIELD_FIXES: &[(&str, &str)] = &[
    (
        "protocol",
        "use protocol = \"single-decree\" (the default) or \"multi-paxos\" (with a [store] table)",
    ),
    ("store", "write it as a [store] table with slots, keys and clients"),
    ("store.slots", "set slots to a whole number from 1 to 3"),
    (
        "store.keys",
        "list one or two key names, e.g. keys = [\"x\"]",
    ),
    (
        "store.clients",
        "list each client's operations, e.g. clients = [[\"put(x, 1)\"], [\"get(x)\"]] (values 1 to 9)",
    ),
    (
        "retries",
        "set retries = true (a stalled proposer retries on a timeout) or false (only a restart starts its next ballot)",
    ),
    (
        "faults.fault_tolerance_not_judged",
        "give one sentence, e.g. fault_tolerance_not_judged = \"a proposer may crash for good holding the highest ballot\", or remove the field",
    ),
    (
        "faults.cut_off_not_judged",
        "give one sentence, e.g. cut_off_not_judged = \"a restarted learner has lost the votes it counted and nobody sends them again\", or remove the field",
    ),
    (
        "description",
        "set description = \"one sentence about this world\"",
    ),
    ("proposers", "set proposers to a whole number from 1 to 9"),
    ("acceptors", "set acceptors to a whole number from 1 to 9"),
    ("learners", "set learners to a whole number from 1 to 9"),
    (
        "values",
        "set values to a list of distinct names, e.g. values = [\"red\", \"blue\"]",
    ),
    (
        "ballots_max",
        "set ballots_max to a whole number from 1 to 10",
    ),
    ("network", "write it as a [network] table"),
    (
        "network.delivery",
        "use \"ordered\", \"unordered\" or \"unordered-duplicating\"",
    ),
    ("network.lossy", "use true or false"),
    ("faults", "write it as a [faults] table"),
    (
        "faults.crashes_max",
        "set crashes_max to a whole number (0 for no crashes)",
    ),
    (
        "faults.may_crash",
        "list roles from \"proposers\", \"acceptors\", \"learners\"",
    ),
    ("faults.restarts", "use true or false"),
    ("simulate", "write it as a [simulate] table"),
    ("simulate.runs", "set runs to a whole number of at least 1"),
    (
        "simulate.steps_max",
        "set steps_max to a whole number of at least 1",
    ),
    (
        "simulate.partition_steps",
        "set partition_steps to a whole number of at least 1",
    ),
];

fn fix_for(field: &str) -> String {
    FIELD_FIXES.iter().find(|(f, _)| *f == field).map_or_else(
        || "see scenarios/README.md for the fields a scenario may have".to_string(),
        |(_, fix)| fix.to_string(),
    )
}

impl Scenario {
    /// Finds a scenario by name or path and loads it.
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        let path = resolve(name_or_path)?;
        // A scenario is a few hundred bytes: refuse a huge file before reading it.
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > SCENARIO_BYTES_MAX) {
            return Err(ScenarioError {
                file: path.display().to_string(),
                field: None,
                problem: format!(
                    "the file is over {} KB; a scenario is a few hundred bytes",
                    SCENARIO_BYTES_MAX / 1024
                ),
                fix: "pass a scenario file (see scenarios/README.md)".into(),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ScenarioError {
            file: path.display().to_string(),
            field: None,
            problem: format!("cannot read the file: {e}"),
            fix: "check the path and its permissions".into(),
        })?;
        let name = path.file_stem().map_or_else(
            || name_or_path.to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        if !valid_name(&name) {
            return Err(ScenarioError {
                file: path.display().to_string(),
                field: None,
                problem: format!(
                    "the file name gives the scenario the name {name:?}, which cannot name a report directory"
                ),
                fix: "rename the file to letters, digits, '-' and '_', e.g. my-world.toml".into(),
            });
        }
        Scenario::parse(&name, &display_path(&path), &text)
    }

    /// Parses and validates scenario text; `file` is used in error messages.
    pub fn parse(name: &str, file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let err = |field: &str, problem: String| ScenarioError {
            file: file.to_string(),
            field: Some(field.to_string()),
            problem,
            fix: fix_for(field),
        };
        let count = |field: &str, n: i64| -> Result<usize, ScenarioError> {
            if (1..=paxos_models::cfg::NODES_PER_ROLE_MAX as i64).contains(&n) {
                Ok(n as usize)
            } else {
                Err(err(field, format!("must be between 1 and 9, got {n}")))
            }
        };
        let proposers = count("proposers", raw.proposers)?;
        let acceptors = count("acceptors", raw.acceptors)?;
        let learners = count("learners", raw.learners)?;
        if raw.description.trim().is_empty() {
            return Err(err("description", "is empty".into()));
        }
        if raw.description.chars().any(char::is_control) {
            return Err(err(
                "description",
                "holds a control character (a newline, tab or escape): it is printed to terminals"
                    .into(),
            ));
        }
        if raw.description.trim() != raw.description {
            return Err(err(
                "description",
                "has leading or trailing whitespace".into(),
            ));
        }
        let multi = match raw.protocol.as_deref() {
            None | Some("single-decree") => false,
            Some("multi-paxos") => true,
            Some(other) => return Err(err("protocol", format!("unknown protocol {other:?}"))),
        };
        let store = match (&raw.store, multi) {
            (None, false) => None,
            (Some(_), false) => {
                return Err(ScenarioError {
                    file: file.into(),
                    field: Some("store".into()),
                    problem: "a [store] table, but the protocol is single-decree".into(),
                    fix: "add protocol = \"multi-paxos\", or remove the [store] table".into(),
                })
            }
            (None, true) => {
                return Err(ScenarioError {
                    file: file.into(),
                    field: Some("store".into()),
                    problem: "protocol = \"multi-paxos\" needs a [store] table".into(),
                    fix: fix_for("store"),
                })
            }
            (Some(raw_store), true) => {
                Some(Scenario::parse_store(raw_store).map_err(|(f, p)| err(f, p))?)
            }
        };
        if multi && !raw.values.is_empty() {
            return Err(ScenarioError {
                file: file.into(),
                field: Some("values".into()),
                problem: "a multi-paxos world's values are its clients' operations".into(),
                fix: "remove values and list operations in [store] clients".into(),
            });
        }
        if !multi && raw.values.is_empty() {
            return Err(err("values", "lists no value".into()));
        }
        if raw.values.len() > proposers {
            return Err(ScenarioError {
                file: file.into(),
                field: Some("values".into()),
                problem: format!(
                    "{} values but only {proposers} proposers: each proposer proposes one value",
                    raw.values.len()
                ),
                fix: format!("list at most {proposers} values, or raise proposers"),
            });
        }
        for (i, v) in raw.values.iter().enumerate() {
            if v.trim().is_empty() {
                return Err(err("values", format!("value #{} is empty", i + 1)));
            }
            if v.chars().any(char::is_control) || v.trim() != v || v.chars().count() > 40 {
                return Err(err(
                    "values",
                    format!(
                        "value #{} {v:?} has a control character, leading or trailing whitespace, or over 40 characters: values are printed in terminals, Markdown and SVG",
                        i + 1
                    ),
                ));
            }
            if raw.values[..i].contains(v) {
                return Err(err("values", format!("{v:?} is listed twice")));
            }
        }
        if !(1..=paxos_models::cfg::BALLOTS_MAX as i64).contains(&raw.ballots_max) {
            return Err(err(
                "ballots_max",
                format!("must be between 1 and 10, got {}", raw.ballots_max),
            ));
        }
        let delivery = Delivery::from_name(&raw.network.delivery).ok_or_else(|| {
            err(
                "network.delivery",
                format!("unknown delivery {:?}", raw.network.delivery),
            )
        })?;
        let mut may_crash = RoleSet::EMPTY;
        for role in &raw.faults.may_crash {
            let r = [Role::Proposer, Role::Acceptor, Role::Learner]
                .into_iter()
                .find(|r| r.plural() == role)
                .ok_or_else(|| err("faults.may_crash", format!("unknown role {role:?}")))?;
            may_crash = may_crash.with(r);
        }
        let nodes_may_crash: i64 = may_crash
            .iter()
            .map(|r| match r {
                Role::Proposer => proposers,
                Role::Acceptor => acceptors,
                Role::Learner => learners,
                Role::Client => 0,
            } as i64)
            .sum();
        if raw.faults.crashes_max < 0 || raw.faults.crashes_max > 9 {
            return Err(err(
                "faults.crashes_max",
                format!("must be between 0 and 9, got {}", raw.faults.crashes_max),
            ));
        }
        if raw.faults.crashes_max > 0 && may_crash.is_empty() {
            return Err(ScenarioError {
                file: file.into(),
                field: Some("faults.may_crash".into()),
                problem: format!(
                    "crashes_max = {} but no role may crash",
                    raw.faults.crashes_max
                ),
                fix: "add may_crash = [\"acceptors\"] (or set crashes_max = 0)".into(),
            });
        }
        if raw.faults.crashes_max == 0 && (!may_crash.is_empty() || raw.faults.restarts) {
            return Err(ScenarioError {
                file: file.into(),
                field: Some("faults.crashes_max".into()),
                problem: "may_crash or restarts is set but crashes_max = 0, so nothing can crash"
                    .into(),
                fix: "set crashes_max = 1 or more (or remove may_crash and restarts)".into(),
            });
        }
        if !raw.faults.restarts && raw.faults.crashes_max > nodes_may_crash {
            return Err(err(
                "faults.crashes_max",
                format!(
                    "{} crashes without restarts, but only {nodes_may_crash} nodes may crash",
                    raw.faults.crashes_max
                ),
            ));
        }
        if raw.simulate.runs < 1 {
            return Err(err(
                "simulate.runs",
                format!("must be at least 1, got {}", raw.simulate.runs),
            ));
        }
        if raw.simulate.steps_max < 1 {
            return Err(err(
                "simulate.steps_max",
                format!("must be at least 1, got {}", raw.simulate.steps_max),
            ));
        }
        if raw.simulate.partition_steps < 1 {
            return Err(err(
                "simulate.partition_steps",
                format!("must be at least 1, got {}", raw.simulate.partition_steps),
            ));
        }
        for (field, p) in [
            ("simulate.partition", raw.simulate.partition),
            ("simulate.one_way", raw.simulate.one_way),
            ("simulate.drop", raw.simulate.drop),
            ("simulate.duplicate", raw.simulate.duplicate),
            ("simulate.crash", raw.simulate.crash),
            ("simulate.restart", raw.simulate.restart),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(err(
                    field,
                    format!("must be a probability from 0 to 1, got {p}"),
                ));
            }
        }
        let cluster = ClusterCfg {
            proposers,
            acceptors,
            learners,
            values: raw.values,
            ballots_max: raw.ballots_max as usize,
            retries: raw.retries,
            delivery,
            lossy: raw.network.lossy,
            crashes_max: raw.faults.crashes_max as usize,
            may_crash,
            restarts: raw.faults.restarts,
            store,
        };
        for (field, why, what) in [
            (
                "faults.fault_tolerance_not_judged",
                &raw.faults.fault_tolerance_not_judged,
                "why correct Paxos cannot keep a decision reachable here",
            ),
            (
                "faults.cut_off_not_judged",
                &raw.faults.cut_off_not_judged,
                "why correct Paxos cannot keep a decision reachable here with a minority of acceptors cut off",
            ),
        ] {
            if let Some(why) = why {
                if why.trim().is_empty()
                    || why.chars().any(char::is_control)
                    || why.chars().count() > 300
                {
                    return Err(err(
                        field,
                        format!("must be one line of at most 300 characters saying {what}"),
                    ));
                }
            }
        }
        cluster.check().map_err(|problem| ScenarioError {
            file: file.into(),
            field: None,
            problem,
            fix: "see scenarios/README.md".into(),
        })?;
        Ok(Scenario {
            name: name.to_string(),
            file: file.to_string(),
            description: raw.description.trim().to_string(),
            cluster,
            fault_tolerance_not_judged: raw
                .faults
                .fault_tolerance_not_judged
                .map(|w| w.trim().to_string()),
            cut_off_not_judged: raw.faults.cut_off_not_judged.map(|w| w.trim().to_string()),
            simulate: SimulateCfg {
                runs: raw.simulate.runs as u64,
                steps_max: raw.simulate.steps_max as usize,
                drop: raw.simulate.drop,
                duplicate: raw.simulate.duplicate,
                crash: raw.simulate.crash,
                restart: raw.simulate.restart,
                partition: raw.simulate.partition,
                partition_steps: raw.simulate.partition_steps as usize,
                one_way: raw.simulate.one_way,
            },
            hash: format!("{:016x}", fnv1a(text.as_bytes())),
        })
    }

    /// The `[store]` table, validated: (field, problem) on error.
    fn parse_store(raw: &RawStore) -> Result<StoreCfg, (&'static str, String)> {
        use paxos_models::store::{
            CLIENTS_MAX, KEYS_MAX, OPS_PER_CLIENT_MAX, SLOTS_MAX, VALUE_MAX,
        };
        if !(1..=SLOTS_MAX as i64).contains(&raw.slots) {
            return Err((
                "store.slots",
                format!("must be between 1 and {SLOTS_MAX}, got {}", raw.slots),
            ));
        }
        if raw.keys.is_empty() || raw.keys.len() > KEYS_MAX {
            return Err((
                "store.keys",
                format!("need 1 to {KEYS_MAX} keys, got {}", raw.keys.len()),
            ));
        }
        for (i, k) in raw.keys.iter().enumerate() {
            let ok = !k.is_empty()
                && k.len() <= 12
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err((
                    "store.keys",
                    format!("key {k:?} is not a short name of letters, digits and '_'"),
                ));
            }
            if raw.keys[..i].contains(k) {
                return Err(("store.keys", format!("{k:?} is listed twice")));
            }
        }
        if raw.clients.is_empty() || raw.clients.len() > CLIENTS_MAX {
            return Err((
                "store.clients",
                format!("need 1 to {CLIENTS_MAX} clients, got {}", raw.clients.len()),
            ));
        }
        let key = |name: &str| -> Result<u8, (&'static str, String)> {
            raw.keys
                .iter()
                .position(|k| k == name.trim())
                .map(|k| k as u8)
                .ok_or_else(|| {
                    (
                        "store.clients",
                        format!(
                            "names key {:?}, which store.keys does not list",
                            name.trim()
                        ),
                    )
                })
        };
        let mut clients = Vec::new();
        for (c, ops) in raw.clients.iter().enumerate() {
            if ops.is_empty() || ops.len() > OPS_PER_CLIENT_MAX {
                return Err((
                    "store.clients",
                    format!(
                        "client c{} has {} operations; each needs 1 to {OPS_PER_CLIENT_MAX}",
                        c + 1,
                        ops.len()
                    ),
                ));
            }
            let mut parsed = Vec::new();
            for text in ops {
                let t = text.trim();
                let bad = || {
                    (
                        "store.clients",
                        format!(
                        "client c{}'s operation {text:?} is neither put(KEY, VALUE) nor get(KEY)",
                        c + 1
                    ),
                    )
                };
                let op = if let Some(args) =
                    t.strip_prefix("put(").and_then(|r| r.strip_suffix(')'))
                {
                    let (k, v) = args.split_once(',').ok_or_else(bad)?;
                    let val: u8 = v.trim().parse().map_err(|_| bad())?;
                    if val == 0 || val > VALUE_MAX {
                        return Err((
                            "store.clients",
                            format!(
                                "client c{}'s {text:?} writes {val}; values are 1 to {VALUE_MAX}",
                                c + 1
                            ),
                        ));
                    }
                    Op::Put { key: key(k)?, val }
                } else if let Some(k) = t.strip_prefix("get(").and_then(|r| r.strip_suffix(')')) {
                    Op::Get { key: key(k)? }
                } else {
                    return Err(bad());
                };
                parsed.push(op);
            }
            clients.push(parsed);
        }
        Ok(StoreCfg {
            slots: raw.slots as usize,
            keys: raw.keys.clone(),
            clients,
        })
    }

    /// One line describing the world: `2 proposers, 3 acceptors, ...`.
    pub fn summary(&self) -> String {
        let c = &self.cluster;
        let values: Vec<String> = c.values.iter().map(|v| format!("{v:?}")).collect();
        let mut faults = Vec::new();
        if c.lossy {
            faults.push("lossy".to_string());
        }
        if c.crashes_max > 0 {
            let roles: Vec<&str> = c.may_crash.iter().map(Role::plural).collect();
            faults.push(format!(
                "up to {} crash{} of {}{}",
                c.crashes_max,
                if c.crashes_max == 1 { "" } else { "es" },
                roles.join("/"),
                if c.restarts {
                    " with restarts"
                } else {
                    ", no restarts"
                }
            ));
        }
        let count =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if let Some(store) = &c.store {
            let clients: Vec<String> = store
                .clients
                .iter()
                .enumerate()
                .map(|(i, ops)| {
                    let ops: Vec<String> = ops.iter().map(|&op| store.op_text(op)).collect();
                    format!("c{} {}", i + 1, ops.join(" then "))
                })
                .collect();
            return format!(
                "multi-paxos key-value store: {}, {}, {} (replicas), {} ({}), {}, {} ballot{} each, {} network{}",
                count(c.proposers, "proposer", "proposers"),
                count(c.acceptors, "acceptor", "acceptors"),
                count(c.learners, "learner", "learners"),
                count(store.clients.len(), "client", "clients"),
                clients.join("; "),
                count(store.slots, "slot", "slots"),
                c.ballots_max,
                if c.ballots_max == 1 { "" } else { "s" },
                c.delivery.name(),
                if faults.is_empty() {
                    ", no faults".to_string()
                } else {
                    format!(", {}", faults.join(", "))
                }
            );
        }
        format!(
            "{}, {}, {}, values {}, {} ballot{} each{}, {} network{}",
            count(c.proposers, "proposer", "proposers"),
            count(c.acceptors, "acceptor", "acceptors"),
            count(c.learners, "learner", "learners"),
            values.join(" "),
            c.ballots_max,
            if c.ballots_max == 1 { "" } else { "s" },
            if c.retries || c.ballots_max == 1 {
                ""
            } else {
                " (a new one only after a restart)"
            },
            c.delivery.name(),
            if faults.is_empty() {
                ", no faults".to_string()
            } else {
                format!(", {}", faults.join(", "))
            }
        )
    }
}

/// 64-bit FNV-1a: a stable hash (unlike `DefaultHasher`, documented never to change).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The directories searched for scenario names: `scenarios/` in the current directory
/// (the repository root, or `--root`), never the directory the binary was built in.
pub fn scenario_dirs() -> Vec<PathBuf> {
    vec![PathBuf::from("scenarios")]
}

/// Every scenario name found, sorted, without duplicates.
pub fn list() -> Vec<String> {
    let mut names: Vec<String> = scenario_dirs()
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn resolve(name_or_path: &str) -> Result<PathBuf, ScenarioError> {
    let looks_like_path = name_or_path.ends_with(".toml") || name_or_path.contains('/');
    if looks_like_path {
        let path = PathBuf::from(name_or_path);
        if path.is_file() {
            return Ok(path);
        }
        return Err(ScenarioError {
            file: name_or_path.to_string(),
            field: None,
            problem: "no such file".into(),
            fix: "check the path, or give a scenario name from `paxos-lab list`".into(),
        });
    }
    for dir in scenario_dirs() {
        let path = dir.join(format!("{name_or_path}.toml"));
        if path.is_file() {
            return Ok(path);
        }
    }
    Err(ScenarioError {
        file: format!("`{name_or_path}`"),
        field: None,
        problem: "no scenario of that name".into(),
        fix: if list().is_empty() {
            "run from the repository root (or pass --root DIR), or give a path to a .toml file"
                .to_string()
        } else {
            format!(
                "use one of: {}, or a path to a .toml file",
                list().join(", ")
            )
        },
    })
}

fn display_path(path: &Path) -> String {
    path.display().to_string()
}

/// Whether `name` (a scenario file's stem) may name report directories: letters, digits,
/// `-`, `_` and inner dots, never `.` or `..` (a file `...toml` must not steer reports out
/// of `reports/`).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !name.ends_with('.')
}

/// Turns a TOML or shape error into one line: file, line, field, problem, fix.
fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> ScenarioError {
    let message = e.message().trim().replace('\n', " ");
    let line = e
        .span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
    let field = field_of(text, e, &message);
    let message = match &field {
        Some(f) if message == "duplicate key" => format!("`{f}` is defined twice"),
        _ => message,
    };
    let fix = match &field {
        Some(f) if message.starts_with("unknown field") => {
            format!("remove or rename `{f}`; see scenarios/README.md for the fields")
        }
        Some(f) if message.ends_with("is defined twice") => {
            format!("keep one `{f}` and merge the other into it")
        }
        Some(f) => fix_for(f),
        None => "see scenarios/README.md for the format".into(),
    };
    ScenarioError {
        file: match line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        },
        field,
        problem: message,
        fix,
    }
}

/// The dotted field an error is about: named in the message (`missing field `values``,
/// `unknown field `x``), or the key at the error's position, under its `[table]`.
fn field_of(text: &str, e: &toml::de::Error, message: &str) -> Option<String> {
    let table_at = |offset: usize| -> Option<String> {
        text[..offset.min(text.len())].lines().rev().find_map(|l| {
            let l = l.trim();
            (l.starts_with('[') && l.ends_with(']'))
                .then(|| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
        })
    };
    let dotted = |table: Option<String>, key: &str| match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    };
    let start = e.span().map(|s| s.start);
    if let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))
    {
        let key = rest.split('`').next().unwrap_or_default();
        // An unknown *table* (`[extra]`): the error points at its own header, which is not
        // under the table before it.
        let header = start.and_then(|at| {
            let from = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
            text[from..].lines().next()
        });
        if header.is_some_and(|h| {
            h.trim().trim_matches(|c| c == '[' || c == ']').trim() == key
                && h.trim().starts_with('[')
        }) {
            return Some(key.to_string());
        }
        return Some(dotted(start.and_then(table_at), key));
    }
    let start = start?;
    let line_start = text[..start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or_default();
    if line.trim_start().starts_with('[') {
        // An error at a table's header (a duplicate table) is about that table.
        let table = line.trim().trim_matches(|c| c == '[' || c == ']').trim();
        return (!table.is_empty()).then(|| table.to_string());
    }
    let key = line.split('=').next()?.trim();
    if key.is_empty() {
        return None;
    }
    Some(dotted(table_at(line_start), key.trim_matches('"')))
}
