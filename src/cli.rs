//! The command line: what was typed ([`Cli`]), validated into a scenario, a variant and
//! engine settings, run, and printed. Results go to stdout; progress lines go to stderr.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use paxos_models::{registry, PropertyName, Variant, VARIANTS};

use crate::check::{self, CheckCfg, Progress, SearchOpts, Strategy, Verdict};
use crate::scenario::{self, Scenario, ScenarioError};
use crate::story::ColorChoice;
use crate::trace;

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
    /// Serve stateright's web Explorer for a variant and scenario on 127.0.0.1 (blocks).
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
    /// Open the Explorer at this saved trace's path (its variant and scenario win).
    #[arg(long)]
    pub trace: Option<std::path::PathBuf>,
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
    /// Run every seed instead of stopping at the first violation.
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
    /// Where to save the shrunk counterexample's report (default:
    /// reports/<scenario>/<variant>/simulate-seed-<SEED>/, never check's files).
    #[arg(long)]
    pub report: Option<std::path::PathBuf>,
    /// Print one JSON document (verdicts, counts, the trace) instead of text.
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
    /// bfs: shortest counterexamples; dfs: stateright's depth-first checker.
    #[arg(long, value_enum, default_value_t = Strategy::Bfs)]
    pub strategy: Strategy,
    /// Symmetry reduction over interchangeable acceptors and learners (bfs only).
    #[arg(long, value_enum, default_value_t = OnOff::On)]
    pub symmetry: OnOff,
    /// Worker threads (results never depend on it with bfs).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Explore paths of at most this many steps; a run cut by it is inconclusive.
    #[arg(long)]
    pub depth_max: Option<usize>,
    /// Stop after this many unique states (stateright's DFS counts every state it
    /// generates), so a world too big for memory ends as "inconclusive" instead of being
    /// killed; every bundled scenario fits well under it.
    #[arg(long, default_value_t = 8_000_000)]
    pub states_max: usize,
    /// Stop when the process's resident memory reaches this size (e.g. 4G, 512M; bytes
    /// without a suffix), so the run ends as "inconclusive" before the machine swaps or the
    /// kernel kills it. Default: 80% of the memory available when the run starts.
    #[arg(long, value_parser = parse_size)]
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
        write!(out, "{}", crate::story::paint(text))
    } else {
        write!(out, "{text}")
    }
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
            if args.json {
                list_json(&mut out)?;
            } else {
                list(&mut out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => {
            let code = run_check(&args, &mut out, color && !args.json)?;
            Ok(ExitCode::from(code))
        }
        Command::Simulate(args) => {
            let code = crate::cli_simulate::run_simulate(&args, &mut out, color && !args.json)?;
            Ok(ExitCode::from(code))
        }
        Command::Explore(args) => {
            crate::explore::run(&args, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::NewVariant(args) => {
            if !args.remove {
                crate::new_variant::check_name(&args.name)?;
            }
            let root = crate::new_variant::repo_root(None)?;
            match &args.hook {
                Some(hook) if !args.remove => {
                    let file = crate::new_variant::create(&root, &args.name, hook)?;
                    writeln!(
                        out,
                        "wrote {} and registered `{}`",
                        file.display(),
                        args.name
                    )?;
                    writeln!(
                        out,
                        "next: edit its `{hook}` and header, then: cargo run --release -- check --variant {}",
                        args.name
                    )?;
                }
                _ => {
                    let done = crate::new_variant::remove(&root, &args.name)?;
                    for f in &done.removed {
                        writeln!(out, "removed {f}")?;
                    }
                    for f in &done.edited {
                        writeln!(out, "edited  {f} (its `{}` lines removed)", args.name)?;
                    }
                    writeln!(
                        out,
                        "`{}` is gone and reports/matrix.md is current without it; next: cargo test",
                        args.name
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Matrix(args) => {
            if args.threads == 0 || args.threads > 256 {
                return Err(CliError::BadFlag {
                    flag: "threads",
                    problem: format!("must be between 1 and 256, got {}", args.threads),
                    fix: "pass --threads 1 or --threads 2".into(),
                });
            }
            if args.write {
                // Before a minute of checks, not after it.
                crate::report::check_writable(std::path::Path::new("reports"))?;
            }
            let m = crate::matrix::run(args.threads, &mut |i, n, v, s| {
                eprintln!("matrix: [{i}/{n}] {v} on {s}");
            })?;
            if let Some(sig) = crate::interrupt::signal() {
                eprintln!(
                    "interrupted by {}: {} cells started, none of their verdicts is kept; nothing is proven and reports/matrix.md was not written (exit {})",
                    crate::interrupt::name(sig),
                    m.cells.len(),
                    128 + sig
                );
                return Ok(ExitCode::from((128 + sig) as u8));
            }
            writeln!(out, "{}", m.render(true))?;
            writeln!(out, "cells={} seconds={:.1}", m.cells.len(), m.seconds)?;
            if args.write {
                let dir = std::path::Path::new("reports");
                let path = crate::report::write_atomic(dir, "matrix.md", &m.file())?;
                writeln!(out, "wrote {}", path.display())?;
            }
            let ok = m.all_match();
            writeln!(
                out,
                "verdict: {} (exit {})",
                if ok {
                    "every variant breaks exactly what it declares"
                } else {
                    "MISMATCH between what variants declare and what they break"
                },
                if ok { 0 } else { 1 }
            )?;
            Ok(ExitCode::from(if ok { 0 } else { 1 }))
        }
        Command::Bench(args) => {
            crate::bench::run(&args, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay(args) => {
            let code = crate::cli_simulate::run_replay(&args, &mut out, color)?;
            Ok(ExitCode::from(code))
        }
    }
}

fn list_json(out: &mut impl Write) -> Result<(), CliError> {
    let variants: Vec<serde_json::Value> = VARIANTS
        .iter()
        .map(|v| {
            serde_json::json!({
                "name": v.name,
                "summary": v.summary,
                "violates": v.violates.iter().map(|p| p.name()).collect::<Vec<_>>(),
                "declared": v.declared,
                "exposed_by": v.exposed_by,
                "scenarios": v.scenarios,
            })
        })
        .collect();
    let scenarios: Vec<serde_json::Value> = scenario::list()
        .into_iter()
        .map(|name| match Scenario::load(&name) {
            Ok(s) => serde_json::json!({
                "name": name, "file": s.file, "hash": s.hash, "description": s.description,
            }),
            Err(e) => serde_json::json!({ "name": name, "error": e.to_string() }),
        })
        .collect();
    let properties: Vec<serde_json::Value> = PropertyName::ALL
        .iter()
        .map(|p| serde_json::json!({ "name": p.name(), "summary": p.summary() }))
        .collect();
    let doc = serde_json::json!({
        "command": "list",
        "variants": variants,
        "scenarios": scenarios,
        "properties": properties,
    });
    writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("json"))?;
    Ok(())
}

fn list(out: &mut impl Write) -> Result<(), CliError> {
    let scenarios = scenario::list();
    let width = VARIANTS
        .iter()
        .map(|v| v.name.len())
        .chain(scenarios.iter().map(String::len))
        .chain(PropertyName::ALL.iter().map(|p| p.name().len()))
        .max()
        .unwrap_or(0)
        + 2;
    writeln!(out, "variants:")?;
    for v in VARIANTS {
        writeln!(out, "  {:<width$}{}", v.name, v.summary)?;
        let meant = if v.scenarios.is_empty() {
            "every scenario".to_string()
        } else {
            v.scenarios.join(", ")
        };
        writeln!(out, "  {:<width$}meant for: {meant}", "")?;
    }
    writeln!(out, "scenarios:")?;
    for name in &scenarios {
        match Scenario::load(name) {
            Ok(s) => writeln!(out, "  {:<width$}{}", name, s.description)?,
            Err(e) => writeln!(out, "  {:<width$}(invalid: {e})", name)?,
        }
    }
    writeln!(out, "properties:")?;
    for p in PropertyName::ALL {
        writeln!(out, "  {:<width$}{}", p.name(), p.summary())?;
    }
    Ok(())
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

/// Validates `check`'s flags into engine settings.
fn check_cfg(args: &CheckArgs) -> Result<CheckCfg, CliError> {
    if args.threads == 0 || args.threads > 256 {
        return Err(CliError::BadFlag {
            flag: "threads",
            problem: format!("must be between 1 and 256, got {}", args.threads),
            fix: "pass --threads 1 or --threads 2".into(),
        });
    }
    if args.states_max == 0 {
        return Err(CliError::BadFlag {
            flag: "states-max",
            problem: "must be at least 1".into(),
            fix: "omit it to keep the default of 8000000".into(),
        });
    }
    Ok(CheckCfg {
        strategy: args.strategy,
        symmetry: args.symmetry == OnOff::On,
        opts: SearchOpts {
            threads: args.threads,
            depth_max: args.depth_max,
            states_max: Some(args.states_max),
            memory_max: args
                .memory_max
                .or_else(|| crate::mem::available().map(|a| a / 5 * 4)),
            stop_when_all_found: true,
            stop_when_any_found: false,
        },
    })
}

/// `4G`, `512M`, `64K` (powers of 1024) or plain bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => t.split_at(at),
        None => (t, ""),
    };
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => {
            return Err(format!(
                "unknown unit {unit:?}: write e.g. 4G, 512M or 1048576"
            ))
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{text:?} is not a positive size: write e.g. 4G, 512M or 1048576"))
}

fn engine_name(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Bfs => "bfs",
        Strategy::Dfs => "dfs",
    }
}

fn run_check(args: &CheckArgs, out: &mut impl Write, color: bool) -> Result<u8, CliError> {
    let scenario = Scenario::load(&args.scenario)?;
    let variant = find_variant(&args.variant)?;
    let cfg = check_cfg(args)?;
    let symmetric = cfg.strategy == Strategy::Bfs && cfg.symmetry && variant.rules.symmetric();
    if let Some(warning) = scope_warning(variant, &scenario) {
        eprintln!("{warning}");
    }
    if !args.json {
        check_header(out, &scenario, variant, &cfg, symmetric)?;
    }
    let report_dir = args.report.clone().unwrap_or_else(|| {
        crate::report::default_dir(
            &scenario.name,
            variant.name,
            engine_name(cfg.strategy),
            None,
        )
    });
    // Before a long search, not after it.
    crate::report::check_writable(&report_dir)?;
    let started = Instant::now();
    let mut view = crate::progress::CheckProgress::new(cfg.opts.states_max, cfg.opts.memory_max);
    let watchdog = (cfg.strategy == Strategy::Dfs)
        .then(|| memory_watchdog(cfg.opts.memory_max.unwrap_or(u64::MAX)));
    let outcome = check::check(
        &scenario,
        variant.rules,
        &cfg,
        &mut |phase, p: &Progress| view.update(phase, p),
    );
    view.finish();
    if let Some(stop) = watchdog {
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    if let Some(sig) = crate::interrupt::signal() {
        let m = &outcome.main;
        eprintln!(
            "interrupted by {}: covered {} states ({} unique, depth {}) of the safety search and {} fault-tolerance searches; nothing is proven and no report was written (exit {})",
            crate::interrupt::name(sig),
            m.states,
            m.unique,
            m.depth,
            outcome.witnesses.len(),
            128 + sig
        );
        return Ok((128 + sig) as u8);
    }
    let seconds = started.elapsed().as_secs_f64();
    let model =
        paxos_models::PaxosModel::new(scenario.cluster.clone(), variant.rules).reduce_loss();
    let code = outcome.exit_code();

    // Every counterexample is saved, in text and JSON modes alike.
    let mut saved = Vec::new();
    for v in &outcome.verdicts {
        if let Verdict::Violated(t) = &v.verdict {
            let file = crate::report::TraceFile::new(
                &scenario,
                variant,
                engine_name(cfg.strategy),
                None,
                v.property,
                t,
            );
            saved.push(save(args.report.as_deref(), &file, &model, t)?);
        }
    }
    if args.json {
        let doc = check_json(
            &scenario, variant, &cfg, symmetric, &outcome, &model, &saved,
        );
        writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("json"))?;
        return Ok(code);
    }

    let mut text = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(text);
    for v in &outcome.verdicts {
        let _ = writeln!(
            text,
            "  {:<20} {}",
            v.property.name(),
            verdict_text(&scenario, v)
        );
    }
    let m = &outcome.main;
    let witness_states: u64 = outcome.witnesses.iter().map(|(_, s)| s.unique).sum();
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "states={} unique={} depth={} seconds={:.2} states/s={:.0}",
        m.states,
        m.unique,
        m.depth,
        m.seconds,
        m.states as f64 / m.seconds.max(1e-9)
    );
    let _ = writeln!(
        text,
        "fault-tolerance witnesses: {} searches, {} unique states; total seconds={:.2}",
        outcome.witnesses.len(),
        witness_states,
        seconds
    );
    if !m.complete
        && !outcome
            .verdicts
            .iter()
            .take(3)
            .all(|v| matches!(v.verdict, Verdict::Violated(_)))
    {
        let _ = writeln!(
            text,
            "note: a bound stopped the search before every state was explored (--depth-max {}, --states-max {}, --memory-max {}); raise it, memory permitting, or check a smaller world",
            args.depth_max.map_or("unset".to_string(), |d| d.to_string()),
            args.states_max,
            cfg.opts.memory_max.map_or("unset".to_string(), |m| format!("{} MB", m >> 20)),
        );
    }
    let mut saved = saved.iter();
    for v in &outcome.verdicts {
        match &v.verdict {
            Verdict::Violated(t) => {
                let _ = writeln!(text);
                let _ = writeln!(
                    text,
                    "counterexample: {} violated after {} steps ({} {} on {})",
                    v.property.name(),
                    t.len(),
                    match cfg.strategy {
                        Strategy::Bfs => "shortest,",
                        Strategy::Dfs => "depth-first, not necessarily shortest,",
                    },
                    variant.name,
                    scenario.name
                );
                text.push_str(&crate::story::text(&model, t, v.property));
                let _ = writeln!(text, "{}", saved_line(saved.next().expect("saved")));
            }
            Verdict::Unreachable { down } => {
                let _ = writeln!(text);
                let _ = writeln!(
                    text,
                    "counterexample: fault-tolerance violated ({} on {}): no path to a decision exists, so there is no trace to show",
                    variant.name, scenario.name
                );
                let _ = writeln!(text, "  why:");
                for line in crate::narrate::narrate_unreachable(&model, down) {
                    let _ = writeln!(text, "  - {line}");
                }
            }
            _ => {}
        }
    }
    let _ = writeln!(text);
    let verdict = match code {
        0 => "all 4 properties hold (exhaustive)".to_string(),
        1 => format!("violated: {}", violated_names(&outcome).join(", ")),
        _ => "inconclusive: a bound stopped the run; nothing is proven".to_string(),
    };
    let _ = writeln!(text, "verdict: {verdict} (exit {code})");
    emit(out, &text, color)?;
    Ok(code)
}

/// stateright's DFS cannot be stopped from outside: a thread watches the resident set and,
/// at `memory_max`, ends the process as inconclusive (exit 3) before the kernel kills it;
/// on SIGINT or SIGTERM it ends it as interrupted (130, 143).
/// Storing `true` in the returned flag retires the watchdog.
fn memory_watchdog(memory_max: u64) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    std::thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            if let Some(sig) = crate::interrupt::signal() {
                eprintln!(
                    "interrupted by {} during stateright's depth-first search: nothing is proven and no report was written (exit {})",
                    crate::interrupt::name(sig),
                    128 + sig
                );
                std::process::exit(128 + sig);
            }
            if crate::mem::rss().is_some_and(|r| r >= memory_max) {
                eprintln!(
                    "inconclusive: stateright's depth-first search reached --memory-max {} MB; nothing is proven and no report was written (exit 3)",
                    memory_max >> 20
                );
                std::process::exit(3);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    done
}

fn violated_names(outcome: &check::Outcome) -> Vec<&'static str> {
    outcome
        .verdicts
        .iter()
        .filter(|v| {
            matches!(
                v.verdict,
                Verdict::Violated(_) | Verdict::Unreachable { .. }
            )
        })
        .map(|v| v.property.name())
        .collect()
}

fn check_header(
    out: &mut impl Write,
    scenario: &Scenario,
    variant: &Variant,
    cfg: &CheckCfg,
    symmetric: bool,
) -> Result<(), CliError> {
    writeln!(
        out,
        "paxos-lab check: variant {} on scenario {} ({})",
        variant.name, scenario.name, scenario.file
    )?;
    writeln!(out, "  world:  {}", scenario.summary())?;
    let engine = match cfg.strategy {
        Strategy::Bfs => "breadth-first (shortest counterexamples)",
        Strategy::Dfs => "stateright depth-first (counterexamples not the shortest)",
    };
    let threads = cfg.opts.threads;
    let symmetry = if symmetric {
        "symmetry on (acceptors, learners)"
    } else {
        "symmetry off"
    };
    writeln!(
        out,
        "  engine: {engine}, {symmetry}, {threads} thread{}",
        if threads == 1 { "" } else { "s" }
    )?;
    if scenario.cluster.lossy && scenario.cluster.delivery != paxos_models::Delivery::Ordered {
        writeln!(
            out,
            "  loss:   not explored as separate steps: in an unordered network a lost message is indistinguishable from one never delivered"
        )?;
    }
    out.flush()?;
    Ok(())
}

fn verdict_text(scenario: &Scenario, v: &check::PropertyVerdict) -> String {
    match &v.verdict {
        Verdict::Holds => match v.property {
            PropertyName::FaultTolerance => format!(
                "holds      a decision is reachable with no node down{}",
                if scenario.cluster.acceptor_faults_tolerated() > 0 {
                    format!(
                        " and with any {} of {} acceptors down",
                        scenario.cluster.acceptor_faults_tolerated(),
                        scenario.cluster.acceptors
                    )
                } else {
                    String::new()
                }
            ),
            _ => "holds".to_string(),
        },
        Verdict::Violated(t) => format!("VIOLATED   after {} steps (trace below)", t.len()),
        Verdict::Unreachable { down } if down.is_empty() => {
            "VIOLATED   no decision is reachable even with every node up".to_string()
        }
        Verdict::Unreachable { down } => format!(
            "VIOLATED   no decision is reachable with {} down",
            down.join(", ")
        ),
        Verdict::Inconclusive => "inconclusive (a bound stopped the run first)".to_string(),
    }
}

/// `check --json`: one document with the verdicts, counts and traces.
fn check_json(
    scenario: &Scenario,
    variant: &Variant,
    cfg: &CheckCfg,
    symmetric: bool,
    outcome: &check::Outcome,
    model: &paxos_models::PaxosModel,
    saved: &[std::path::PathBuf],
) -> serde_json::Value {
    let mut saved = saved.iter();
    let verdicts: Vec<serde_json::Value> = outcome
        .verdicts
        .iter()
        .map(|v| match &v.verdict {
            Verdict::Holds => serde_json::json!({"property": v.property.name(), "verdict": "holds"}),
            Verdict::Inconclusive => {
                serde_json::json!({"property": v.property.name(), "verdict": "inconclusive"})
            }
            Verdict::Unreachable { down } => serde_json::json!({
                "property": v.property.name(),
                "verdict": "violated",
                "unreachable_with_down": down,
                "why": crate::narrate::narrate_unreachable(model, down),
            }),
            Verdict::Violated(t) => serde_json::json!({
                "property": v.property.name(),
                "verdict": "violated",
                "steps": t.len(),
                "trace": t.actions.iter().map(|a| paxos_models::describe::action(model.cfg(), a)).collect::<Vec<_>>(),
                "why": crate::narrate::narrate(model, t, v.property),
                "report": saved.next().map(|p| p.display().to_string()),
            }),
        })
        .collect();
    let m = &outcome.main;
    serde_json::json!({
        "command": "check",
        "variant": variant.name,
        "scenario": {"name": scenario.name, "file": scenario.file, "hash": scenario.hash},
        "engine": engine_name(cfg.strategy),
        "symmetry": symmetric,
        "threads": cfg.opts.threads,
        "verdicts": verdicts,
        "states": m.states,
        "unique": m.unique,
        "depth": m.depth,
        "complete": m.complete,
        "seconds": m.seconds,
        "exit_code": outcome.exit_code(),
    })
}
