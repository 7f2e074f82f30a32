//! The command line: what was typed ([`Cli`]), validated into a scenario, a variant and
//! engine settings, run, and printed. Results go to stdout; progress lines go to stderr.
//! One file per subcommand under `cli/`; they share only what is here (the arguments, the
//! errors, saving and printing a report), never each other.

pub mod check;
pub mod list;
pub mod matrix;
pub mod merge;
pub mod new_variant;
pub mod replay;
pub mod simulate;
/// Shared by `simulate` and `merge`: the batch's settings and what is printed about it.
pub mod simulation;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use paxos_models::{registry, Variant, VARIANTS};

use crate::check::Strategy;
use crate::report::story::ColorChoice;
use crate::report::trace;
use crate::scenario::{Scenario, ScenarioError};

const EXIT_CODES: &str = "\
Exit codes:
  0  every property holds (exhaustive), or no violation in the simulated runs
  1  a property is violated
  2  usage, configuration or I/O error
  3  inconclusive: a bound stopped an exhaustive run before it finished
  130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM: nothing is proven, no report written";

/// Model-check Paxos and deliberately broken variants of it against coherence, conflict
/// resolution, no-takebacks and fault tolerance.
#[derive(Debug, Parser)]
#[command(name = "paxos-lab", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour the report: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Run as if started in DIR (like `git -C`): scenario names, `reports/` and
    /// `new-variant` resolve from there. Default: the current directory, never the
    /// directory the binary was built in.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the variants, scenarios and properties.
    List(ListArgs),
    /// Exhaustively check a variant in a scenario (default: correct Paxos on `classic`).
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Random walks over the same model, seeded: run i uses seed SEED+i.
    #[command(after_help = EXIT_CODES)]
    Simulate(SimulateArgs),
    /// Merge the result files of a sharded batch (`simulate --shard I/N --out FILE.json`)
    /// into what one `simulate` over the whole batch prints.
    #[command(after_help = EXIT_CODES)]
    Merge(MergeArgs),
    /// Every variant in every scenario it is meant for: the variant x property table.
    #[command(
        after_help = "Exit codes:\n  0  every variant breaks exactly what it declares\n  1  a mismatch (or an inconclusive cell)\n  2  usage or I/O error"
    )]
    Matrix(MatrixArgs),
    /// Write a new variant from a template, overriding one Rules hook, and register it.
    NewVariant(NewVariantArgs),
    /// Benchmarks: simulator steps/s and runs/s, and time to the first violation per variant.
    Bench(BenchArgs),
    /// Re-run a saved trace (.json from check or simulate) against the current code.
    #[command(after_help = EXIT_CODES)]
    Replay(ReplayArgs),
    /// Serve a page on 127.0.0.1 that steps through a variant in a world, in protocol words (blocks).
    Explore(ExploreArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    /// The variant to explore (see `paxos-lab list`).
    #[arg(long, default_value = "paxos")]
    pub variant: String,
    /// A scenario name from scenarios/ or a path to a .toml file.
    #[arg(long, default_value = "classic")]
    pub scenario: String,
    /// The port on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Open the page at this saved trace's first step, ready to step through it (its variant
    /// and scenario win; checked as `replay` checks it).
    #[arg(long)]
    pub trace: Option<std::path::PathBuf>,
    /// Launch a browser at the page, where one is installed.
    #[arg(long)]
    pub open: bool,
    /// Serve stateright's own Explorer instead of our page.
    #[arg(long)]
    pub stateright: bool,
}

#[derive(Debug, clap::Args)]
pub struct NewVariantArgs {
    /// The variant's CLI name, lowercase words joined by '-' (its file uses '_').
    pub name: String,
    /// The Rules hook to override (e.g. may_accept, value_to_propose, phase2_quorum).
    #[arg(long, required_unless_present = "remove")]
    pub hook: Option<String>,
    /// Undo it instead: remove the variant's file, registry lines, pin, snapshots, reports
    /// and its rows in reports/matrix.md.
    #[arg(long, conflicts_with = "hook")]
    pub remove: bool,
}

#[derive(Debug, clap::Args)]
pub struct MatrixArgs {
    /// Refresh the committed reports/matrix.md.
    #[arg(long)]
    pub write: bool,
    /// Worker threads for each check.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Simulated runs of correct Paxos on classic per thread count.
    #[arg(long, default_value_t = 20_000)]
    pub runs: u64,
    /// Scenarios for the exhaustive engines side by side (`none` skips them).
    #[arg(long, value_delimiter = ',', default_values_t = ["classic".to_string(), "three-proposers".to_string()])]
    pub engines: Vec<String>,
    /// Also run the safety search of correct Paxos in the dueling worlds
    /// (scenarios/dueling*.toml: two proposers with two ballots each) with every
    /// reduction, with dead-message pruning alone and with symmetry alone, on two threads
    /// (several minutes).
    #[arg(long)]
    pub dueling: bool,
    /// Also run the safety search of correct Multi-Paxos in the key-value store worlds
    /// (scenarios/kv-store*.toml) with every reduction and with symmetry alone (bounded at
    /// 10 million classes), on two threads (about 5 minutes).
    #[arg(long)]
    pub store: bool,
    /// The bound on unique states of each dueling run (`complete=false` when reached).
    #[arg(long, default_value_t = 40_000_000)]
    pub dueling_states_max: usize,
    /// Also run SPIN on the Promela model of classic (and of dueling with --dueling),
    /// generated from the world (bench/spin/), beside our engine: needs spin and gcc
    /// (apt-get install spin gcc); says so and skips it otherwise.
    #[arg(long)]
    pub spin: bool,
    /// Stop each SPIN run after this many seconds (its count so far, complete=false).
    #[arg(long, default_value_t = 300)]
    pub spin_seconds_max: u64,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A trace file written by `check` or `simulate`.
    pub file: std::path::PathBuf,
    /// Print one step at a time, waiting for Enter (q then Enter stops stepping).
    #[arg(long)]
    pub step: bool,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The variant to simulate (see `paxos-lab list`).
    #[arg(long, default_value = "paxos")]
    pub variant: String,
    /// A scenario name from scenarios/ or a path to a .toml file.
    #[arg(long, default_value = "classic")]
    pub scenario: String,
    /// The first seed; run i uses seed SEED+i.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of runs (default: the scenario's simulate.runs).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Most steps in one run (default: the scenario's simulate.steps_max).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Worker threads (results never depend on it).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Swarm testing: each run draws its own fault mix and node speeds from its seed.
    #[arg(long)]
    pub swarm: bool,
    /// Run every seed instead of stopping at the first failing one. Either way each run goes
    /// on past its first violation, so every property is judged, and counted, on its own.
    #[arg(long)]
    pub keep_going: bool,
    /// Run each seed twice and compare the traces byte for byte.
    #[arg(long)]
    pub check_determinism: bool,
    /// Chance of losing a message at a step (default: the scenario's simulate.drop).
    #[arg(long)]
    pub drop: Option<f64>,
    /// Chance of redelivering a delivered message (default: the scenario's simulate.duplicate).
    #[arg(long)]
    pub duplicate: Option<f64>,
    /// Chance of a crash at a step (default: the scenario's simulate.crash).
    #[arg(long)]
    pub crash: Option<f64>,
    /// Chance of a restart at a step (default: the scenario's simulate.restart).
    #[arg(long)]
    pub restart: Option<f64>,
    /// Chance, at a step while the network is whole, that it splits into two random groups
    /// whose messages to each other are held (not lost) until it heals (default: the
    /// scenario's simulate.partition).
    #[arg(long)]
    pub partition: Option<f64>,
    /// A partition heals after 1 to this many steps (default: simulate.partition_steps).
    #[arg(long)]
    pub partition_steps: Option<usize>,
    /// Chance that a partition is a one-way cut: messages from one group to the other are
    /// held, the other way they pass (default: simulate.one_way).
    #[arg(long)]
    pub one_way: Option<f64>,
    /// Where to save the shrunk counterexample's report (default:
    /// reports/<scenario>/<variant>/simulate-seed-<SEED>/, never check's files).
    #[arg(long)]
    pub report: Option<std::path::PathBuf>,
    /// Print one JSON document (verdicts, counts, the trace) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Run only shard I of N (0-based) of the batch: runs I*R/N .. (I+1)*R/N, the same runs
    /// on any machine at any thread count. `auto/N` takes I from SLURM_ARRAY_TASK_ID (a Slurm
    /// job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). Needs --out.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Write the shard's result (counts, seeds covered, its first violation unshrunk) to
    /// this JSON file for `paxos-lab merge`, instead of shrinking and saving a report.
    #[arg(long, value_name = "FILE.json")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Every shard's result file, in any order.
    #[arg(required = true, value_name = "FILE.json")]
    pub files: Vec<std::path::PathBuf>,
    /// Where to save the shrunk counterexample's report (default: as `simulate`).
    #[arg(long)]
    pub report: Option<std::path::PathBuf>,
    /// Print one JSON document, as `simulate --json` does.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The variant to check (see `paxos-lab list`).
    #[arg(long, default_value = "paxos")]
    pub variant: String,
    /// A scenario name from scenarios/ or a path to a .toml file.
    #[arg(long, default_value = "classic")]
    pub scenario: String,
    /// bfs: shortest counterexamples; dfs: stateright's depth-first checker, always on one
    /// thread (on several, its results depend on thread scheduling).
    #[arg(long, value_enum, default_value_t = Strategy::Bfs)]
    pub strategy: Strategy,
    /// Symmetry reduction over interchangeable acceptors and learners (bfs only); off keeps
    /// the other reductions (partial-order reduction, dead-message pruning, the sleep
    /// reduction).
    #[arg(long, value_enum, default_value_t = OnOff::On)]
    pub symmetry: OnOff,
    /// The reductions of the breadth-first search: none, symmetry (acceptors and learners),
    /// por (partial-order reduction: stubborn sets over nodes), dead (dead-message pruning:
    /// messages their receiver will ignore for good leave the network), sleep (steps that
    /// commute with a step just taken are skipped; every state is still reached) or all.
    /// Every one keeps every verdict and the shortest counterexamples. Default: all (all but symmetry
    /// with --symmetry off).
    #[arg(long, value_enum, conflicts_with = "symmetry")]
    pub reduction: Option<crate::check::Reduction>,
    /// Worker threads (results never depend on it with bfs).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Explore paths of at most this many steps; a run cut by it is inconclusive.
    #[arg(long)]
    pub depth_max: Option<usize>,
    /// Stop after this many unique states (stateright's DFS counts every state it
    /// generates), so a world too big for memory ends as "inconclusive" instead of being
    /// killed; every bundled scenario fits under it (the biggest, dueling-crash-restart,
    /// takes 1.8 million with the default reductions).
    #[arg(long, default_value_t = 20_000_000)]
    pub states_max: usize,
    /// Stop when the process's resident memory reaches this size (e.g. 4G, 512M; bytes
    /// without a suffix), so the run ends as "inconclusive" before the machine swaps or the
    /// kernel kills it. Default: 80% of the memory available when the run starts.
    #[arg(long, value_parser = check::parse_size)]
    pub memory_max: Option<u64>,
    /// Where to save each counterexample's report: <property>.json, .txt, .md and .svg
    /// (default: reports/<scenario>/<variant>/, and its dfs/ for --strategy dfs).
    #[arg(long)]
    pub report: Option<std::path::PathBuf>,
    /// Print one JSON document (verdicts, counts, traces) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A switch.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

/// Errors the CLI reports as one line with exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("unknown variant `{name}` (fix: use one of: {known})")]
    UnknownVariant { name: String, known: String },
    #[error("--{flag}: {problem} (fix: {fix})")]
    BadFlag {
        flag: &'static str,
        problem: String,
        fix: String,
    },
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(transparent)]
    NewVariant(#[from] crate::new_variant::NewVariantError),
    #[error(transparent)]
    Merge(#[from] crate::sim::shard::MergeError),
}

/// Saves a counterexample's report (in `dir`, or the engine's own directory under
/// `reports/<scenario>/<variant>/`, see [`crate::report::default_dir`]): JSON for
/// `replay`, plain text, Markdown with a Mermaid diagram, and SVG. Returns the JSON path.
pub fn save(
    dir: Option<&std::path::Path>,
    file: &crate::report::TraceFile,
    model: &paxos_models::PaxosModel,
    trace: &trace::Trace,
) -> Result<std::path::PathBuf, CliError> {
    let dir = dir.map_or_else(
        || {
            crate::report::default_dir(
                &file.scenario.name,
                &file.variant.name,
                &file.engine,
                file.seed,
            )
        },
        std::path::Path::to_path_buf,
    );
    Ok(file.write_all(&dir, model, trace)?)
}

/// The line that says where a report went.
pub fn saved_line(json: &std::path::Path) -> String {
    let stem = json.with_extension("");
    format!(
        "  saved: {}.{{json,txt,md,svg}} (replay: paxos-lab replay {})",
        stem.display(),
        json.display()
    )
}

/// Writes `text`, coloured when `color` is set.
pub fn emit(out: &mut impl Write, text: &str, color: bool) -> std::io::Result<()> {
    if color {
        write!(out, "{}", crate::report::story::paint(text))
    } else {
        write!(out, "{text}")
    }
}

/// `--threads`: from 1 to 256.
pub fn check_threads(threads: usize) -> Result<(), CliError> {
    if threads == 0 || threads > 256 {
        return Err(CliError::BadFlag {
            flag: "threads",
            problem: format!("must be between 1 and 256, got {threads}"),
            fix: "pass --threads 1 or --threads 2".into(),
        });
    }
    Ok(())
}

/// Looks up a variant by name.
pub fn find_variant(name: &str) -> Result<&'static Variant, CliError> {
    registry::variant(name).ok_or_else(|| CliError::UnknownVariant {
        name: name.to_string(),
        known: VARIANTS
            .iter()
            .map(|v| v.name)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// A command line clap refused: help and version are printed whole (exit 0); an error is
/// one line, `error: <what clap says> (fix: ...)`, exit 2, as every other bad input (with
/// `--json` on the line, also a JSON error object on stdout).
pub fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return ExitCode::from(
            if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                2
            } else {
                0
            },
        );
    }
    let text = err.render().to_string();
    let first = text
        .lines()
        .next()
        .unwrap_or("error: bad command line")
        .trim_start_matches("error: ");
    let subcommand = std::env::args()
        .nth(1)
        .filter(|a| !a.starts_with('-'))
        .map(|a| format!("{a} "))
        .unwrap_or_default();
    let line = format!("{first} (fix: see `paxos-lab {subcommand}--help`)");
    eprintln!("error: {line}");
    if std::env::args().any(|a| a == "--json") {
        println!("{}", error_json(&line));
    }
    ExitCode::from(2)
}

/// `{"error": ..., "exit_code": 2}`: what `--json` prints on stdout for bad input.
pub fn error_json(line: &str) -> String {
    serde_json::json!({ "error": line, "exit_code": 2 }).to_string()
}

/// A warning when `variant` runs in a world it is not meant for (its `scenarios`), saying
/// what differs there: the quorums its rules give in this world where they are not
/// majorities. `None` when the scenario is one of its own (or it is meant for all).
pub fn scope_warning(variant: &Variant, scenario: &Scenario) -> Option<String> {
    if variant.scenarios.is_empty() || variant.scenarios.contains(&scenario.name.as_str()) {
        return None;
    }
    let n = scenario.cluster.acceptors;
    let (q1, q2) = (
        variant.rules.phase1_quorum(n),
        variant.rules.phase2_quorum(n),
    );
    let majority = paxos_models::rules::majority(n);
    let meant = variant.scenarios.join(", ");
    let name = &scenario.name;
    let why = if (q1, q2) != (majority, majority) {
        format!(
            "on {name} its quorums are {q1} of {n} (phase 1) and {q2} of {n} (phase 2), not majorities of {majority}, so its verdicts here need not be what its header describes"
        )
    } else {
        format!("reports/matrix.md does not check it on {name}")
    };
    Some(format!(
        "warning: {} is meant for {meant}; {why} (`paxos-lab list` shows each variant's scenarios)",
        variant.name
    ))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    if let Some(root) = &cli.root {
        std::env::set_current_dir(root).map_err(|e| CliError::BadFlag {
            flag: "root",
            problem: format!("cannot enter {}: {e}", root.display()),
            fix: "pass the path of a paxos-lab clone".into(),
        })?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let color = cli.color.enabled();
    match cli.command {
        Command::List(args) => {
            list::run(&args, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => {
            let code = check::run(&args, &mut out, color && !args.json)?;
            Ok(ExitCode::from(code))
        }
        Command::Simulate(args) => {
            let code = simulate::run(&args, &mut out, color && !args.json)?;
            Ok(ExitCode::from(code))
        }
        Command::Merge(args) => {
            let code = merge::run(&args, &mut out, color && !args.json)?;
            Ok(ExitCode::from(code))
        }
        Command::Explore(args) => {
            crate::explore::run(&args, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::NewVariant(args) => new_variant::run(&args, &mut out),
        Command::Matrix(args) => matrix::run(&args, &mut out),
        Command::Bench(args) => {
            crate::bench::run(&args, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay(args) => {
            let code = replay::run(&args, &mut out, color)?;
            Ok(ExitCode::from(code))
        }
    }
}
