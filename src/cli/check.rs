//! `paxos-lab check`: validate the flags, run the exhaustive check (our breadth-first
//! engine, or stateright's depth-first one) with progress on stderr, save every
//! counterexample's report, and print the verdicts, traces and narration.

use std::io::Write;
use std::time::Instant;

use paxos_models::{PropertyName, Variant};

use super::{emit, find_variant, save, saved_line, scope_warning, CheckArgs, CliError, OnOff};
use crate::check::{self, CheckCfg, Progress, SearchOpts, Strategy, Verdict};
use crate::engine::DeadUse;
use crate::scenario::Scenario;

/// Validates `check`'s flags into engine settings.
fn check_cfg(args: &CheckArgs) -> Result<CheckCfg, CliError> {
    super::check_threads(args.threads)?;
    if args.states_max == 0 {
        return Err(CliError::BadFlag {
            flag: "states-max",
            problem: "must be at least 1".into(),
            fix: "omit it to keep the default of 20000000".into(),
        });
    }
    // By default every reduction our breadth-first engine has; --symmetry says only whether
    // symmetry is among them, and stateright's DFS has none of ours.
    let bfs = args.strategy == Strategy::Bfs;
    let (symmetry, por, dead, sleep) = match args.reduction {
        Some(r) => (r.symmetry(), r.por(), r.dead(), r.sleep()),
        None => (args.symmetry == OnOff::On, bfs, bfs, bfs),
    };
    if (por || dead || sleep) && !bfs {
        return Err(CliError::BadFlag {
            flag: "reduction",
            problem: "partial-order reduction, dead-message pruning and the sleep reduction \
                      are our breadth-first engine's"
                .into(),
            fix: "use --strategy bfs, or --reduction none|symmetry with dfs".into(),
        });
    }
    Ok(CheckCfg {
        strategy: args.strategy,
        symmetry,
        por,
        dead,
        sleep,
        opts: SearchOpts {
            // stateright's DFS always runs on one thread (see `check::dfs`): say so
            // everywhere the settings are printed.
            threads: match args.strategy {
                Strategy::Bfs => args.threads,
                Strategy::Dfs => 1,
            },
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
pub fn parse_size(text: &str) -> Result<u64, String> {
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

pub fn run(args: &CheckArgs, out: &mut impl Write, color: bool) -> Result<u8, CliError> {
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
    // The witnesses run first where the safety search judges the graph part: when they
    // spend the whole bound, the safety search stops at its initial states, and its counts
    // say nothing of the world.
    let spent = cfg
        .opts
        .states_max
        .is_some_and(|max| witness_states >= max as u64);
    if spent && !m.complete && m.depth == 0 {
        let _ = writeln!(
            text,
            "safety search: stopped at its initial states: the fault-tolerance witnesses below used up --states-max {}",
            args.states_max
        );
    } else {
        let _ = writeln!(
            text,
            "states={} unique={} depth={} seconds={:.2} states/s={:.0}",
            m.states,
            m.unique,
            m.depth,
            m.seconds,
            m.states as f64 / m.seconds.max(1e-9)
        );
    }
    match &m.dead {
        DeadUse::Off => {}
        DeadUse::Used {
            local_states,
            explored,
            inputs,
            left_out,
            node_states_max,
            ..
        } => {
            let explored = if explored < local_states {
                format!(" ({explored} explored, a class at a time)")
            } else {
                String::new()
            };
            let out = if left_out.is_empty() {
                String::new()
            } else {
                format!(
                    "; left out past {node_states_max} local states, so never pruned, and each of its sends checked against the analysis: {}",
                    left_out.join(", ")
                )
            };
            let _ = writeln!(
                text,
                "dead messages: pruned (a message its receiver ignores in every state it can still reach; each node explored alone: {local_states} local states{explored}, {inputs} possible inputs{out})"
            );
        }
        DeadUse::Aside(why) => {
            let _ = writeln!(text, "dead messages: not pruned ({why})");
        }
    }
    if let Some(asym) = &outcome.symmetry_set_aside {
        let _ = writeln!(text, "symmetry: set aside ({})", asym.describe());
    }
    // Every path finite: the search needed no cycle proviso (`engine::por`).
    let finite = matches!(m.dead, DeadUse::Used { acyclic: true, .. });
    if let Some(line) = por_line(&outcome.por, m.fully_expanded.unwrap_or(0), finite) {
        let _ = writeln!(text, "{line}");
    }
    if scenario.fault_tolerance_not_judged.is_some() {
        let _ = writeln!(
            text,
            "fault-tolerance: not searched (not judged in this world); total seconds={seconds:.2}"
        );
    } else {
        let by_symmetry = match outcome.witnesses_by_symmetry {
            0 => String::new(),
            n => format!(" (and {n} more sets of acceptors down, judged by symmetry)"),
        };
        let _ = writeln!(
            text,
            "fault-tolerance witnesses: {} searches{by_symmetry}, {} unique states; total seconds={:.2}",
            outcome.witnesses.len(),
            witness_states,
            seconds
        );
    }
    if let Some(g) = outcome.stays.as_ref().filter(|g| g.in_safety_search) {
        let no_cycle = match g.search.dead {
            DeadUse::Used { acyclic: true, .. } => {
                "every path is finite (shown from each node's lone exploration), so no cycle"
            }
            _ => "no step goes back to an earlier level (so no cycle)",
        };
        let _ = writeln!(
            text,
            "fault-tolerance graph: judged in the safety search above (its stubborn sets widened for the cuts, no search of its own): {no_cycle}, and every state without a decision keeps a step with nothing cut off{}",
            cuts_judged(g, &scenario),
        );
    } else if let Some(g) = outcome.stays.as_ref().filter(|g| !g.safety.is_empty()) {
        let _ = writeln!(
            text,
            "fault-tolerance graph: the search above was its exploration ({} unique states{}, the safety properties judged on each); {}",
            g.search.unique,
            if g.edges_kept { " and their edges" } else { "" },
            graph_judgement(g, &scenario),
        );
    } else if let Some(g) = &outcome.stays {
        let _ = writeln!(
            text,
            "fault-tolerance graph: {} unique states{}{}, {}; seconds={:.2}",
            g.search.unique,
            if g.edges_kept { " and their edges" } else { "" },
            match &g.por {
                check::PorUse::Off => String::new(),
                check::PorUse::Used => " (partial-order reduced)".to_string(),
                check::PorUse::UsedTracesRefound(_) =>
                    " (searched again without partial-order reduction, for the shortest path)"
                        .to_string(),
                check::PorUse::Dropped(why) => format!(" (without partial-order reduction: {why})"),
                // Only a safety search's reduction is reported so.
                check::PorUse::InGraph => String::new(),
            },
            graph_judgement(g, &scenario),
            g.search.seconds
        );
    }
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
                text.push_str(&crate::report::story::text(&model, t, v.property));
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
                for line in crate::report::narrate::narrate_unreachable(&model, down) {
                    let _ = writeln!(text, "  - {line}");
                }
            }
            _ => {}
        }
    }
    let _ = writeln!(text);
    let verdict = match code {
        0 if outcome.verdicts.iter().any(|v| matches!(v.verdict, Verdict::NotJudged(_))) => {
            "the properties judged here hold (exhaustive); fault-tolerance is not judged in this world".to_string()
        }
        0 => format!(
            "all {} properties hold (exhaustive)",
            outcome.verdicts.len()
        ),
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
        Strategy::Dfs => "stateright depth-first (counterexamples not the shortest; one thread, as its multi-threaded results depend on scheduling)",
    };
    let threads = cfg.opts.threads;
    let mut symmetry = match symmetric {
        true => "symmetry on (acceptors, learners)".to_string(),
        false => "symmetry off".to_string(),
    };
    if cfg.por {
        symmetry.push_str(", partial-order reduction on");
    }
    if cfg.dead {
        symmetry.push_str(", dead-message pruning on");
    }
    if cfg.sleep {
        symmetry.push_str(", sleep reduction on");
    }
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
            PropertyName::FaultTolerance => {
                let (f, n) = (
                    scenario.cluster.acceptor_faults_tolerated(),
                    scenario.cluster.acceptors,
                );
                match (f, &scenario.cut_off_not_judged) {
                    (0, _) => "holds      a decision stays reachable from every state".to_string(),
                    (_, Some(_)) => format!(
                        "holds      a decision stays reachable from every state (with acceptors cut off: not judged here), and from the start with any {f} of {n} acceptors down"
                    ),
                    (_, None) => format!(
                        "holds      a decision stays reachable from every state, also with any {f} of {n} acceptors cut off, and from the start with any {f} of {n} down"
                    ),
                }
            }
            _ => "holds".to_string(),
        },
        Verdict::Violated(t) if v.property == PropertyName::FaultTolerance => format!(
            "VIOLATED   after {} steps no decision can be reached any more{} (trace below)",
            t.len(),
            t.cut_off(&scenario.cluster)
                .map_or(String::new(), |names| format!(
                    " with {} cut off",
                    names.join(", ")
                ))
        ),
        Verdict::Violated(t) => format!("VIOLATED   after {} steps (trace below)", t.len()),
        Verdict::Unreachable { down } if down.is_empty() => {
            "VIOLATED   no decision is reachable even with every node up".to_string()
        }
        Verdict::Unreachable { down } => format!(
            "VIOLATED   no decision is reachable with {} down",
            down.join(", ")
        ),
        Verdict::Inconclusive => "inconclusive (a bound stopped the run first)".to_string(),
        Verdict::NotJudged(why) => format!("not judged in this world: {why}"),
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
            Verdict::Holds => match (v.property, &scenario.cut_off_not_judged) {
                (PropertyName::FaultTolerance, Some(why)) => serde_json::json!({
                    "property": v.property.name(),
                    "verdict": "holds",
                    "cut_off_not_judged": why,
                }),
                _ => serde_json::json!({"property": v.property.name(), "verdict": "holds"}),
            },
            Verdict::Inconclusive => {
                serde_json::json!({"property": v.property.name(), "verdict": "inconclusive"})
            }
            Verdict::NotJudged(why) => {
                serde_json::json!({"property": v.property.name(), "verdict": "not-judged", "why": why})
            }
            Verdict::Unreachable { down } => serde_json::json!({
                "property": v.property.name(),
                "verdict": "violated",
                "unreachable_with_down": down,
                "why": crate::report::narrate::narrate_unreachable(model, down),
            }),
            Verdict::Violated(t) => serde_json::json!({
                "property": v.property.name(),
                "verdict": "violated",
                "steps": t.len(),
                "trace": t.words(model.cfg()),
                "why": crate::report::narrate::narrate(model, t, v.property),
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
        "symmetry": symmetric && outcome.symmetry_set_aside.is_none(),
        "symmetry_set_aside": outcome.symmetry_set_aside.as_ref().map(|a| a.describe()),
        "sleep_reduction": cfg.sleep,
        "partial_order_reduction": match &outcome.por {
            check::PorUse::Off => serde_json::json!(null),
            check::PorUse::Used => serde_json::json!({"used": true}),
            check::PorUse::UsedTracesRefound(n) => serde_json::json!({"used": true, "traces_refound_unique": n}),
            check::PorUse::Dropped(why) => serde_json::json!({"used": false, "why": why}),
            check::PorUse::InGraph => serde_json::json!({"used": false, "why": IN_GRAPH}),
        },
        "dead_message_pruning": match &m.dead {
            DeadUse::Off => serde_json::json!(null),
            DeadUse::Used { local_states, explored, inputs, acyclic, left_out, .. } => serde_json::json!({"used": true, "local_states": local_states, "explored": explored, "inputs": inputs, "every_path_finite": acyclic, "left_out": left_out}),
            DeadUse::Aside(why) => serde_json::json!({"used": false, "why": why}),
        },
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

/// How the fault-tolerance graph `g` was judged, for its line: searched back, or proven
/// without edges, with nothing cut off and with each cut; or that a bound stopped its
/// exploration first (then nothing was judged).
fn graph_judgement(g: &check::Reach, scenario: &Scenario) -> String {
    if !g.search.complete {
        return "stopped by a bound before it was whole, so not judged".into();
    }
    format!(
        "{} with nothing cut off{}",
        if g.edges_kept {
            "searched back from every decision"
        } else {
            "no edges kept: no step goes back to an earlier level (so no cycle), and every state without a decision keeps a step"
        },
        cuts_judged(g, scenario),
    )
}

/// What follows "with nothing cut off" on a graph line: the minorities also cut off, or
/// why cuts are not judged in this world.
fn cuts_judged(g: &check::Reach, scenario: &Scenario) -> String {
    match (g.cuts, &scenario.cut_off_not_judged) {
        (_, Some(why)) => format!(" (with acceptors cut off: not judged in this world: {why})"),
        (0, None) => String::new(),
        (k, None) => format!(" and with each of the {k} minorities of acceptors cut off"),
    }
}

/// Why a world with crashes has no reduced safety search ([`check::PorUse::InGraph`]).
const IN_GRAPH: &str = "a world with crashes: its fault-tolerance graph is never reduced, and the safety properties were judged on that exploration, one search for both";

/// The line that says what partial-order reduction did, when it was asked for;
/// `fully_expanded`: the states the cycle proviso expanded fully; `finite`: every path is
/// finite, so the search had no proviso.
fn por_line(por: &check::PorUse, fully_expanded: u64, finite: bool) -> Option<String> {
    Some(match por {
        check::PorUse::Off => return None,
        check::PorUse::Used if finite => "partial-order reduction: used (every send was one Rules::may_send allows; no cycle proviso: every path is finite, so no cycle can put a step off for ever)".to_string(),
        check::PorUse::Used => format!(
            "partial-order reduction: used (every send was one Rules::may_send allows; {fully_expanded} states expanded fully by the cycle proviso)"
        ),
        check::PorUse::UsedTracesRefound(n) => format!(
            "partial-order reduction: used for the verdicts; each counterexample found again without it, at its least depth ({n} unique states)"
        ),
        check::PorUse::Dropped(why) => format!(
            "partial-order reduction: set aside ({why}); the safety search above ran without it"
        ),
        check::PorUse::InGraph => format!("partial-order reduction: not used ({IN_GRAPH})"),
    })
}
