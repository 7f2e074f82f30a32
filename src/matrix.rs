//! `paxos-lab matrix`: every registered variant, correct Paxos included, checked
//! exhaustively in every scenario it is meant for, as a variant x property table (for a
//! violation: the scenario that shows it with the shortest trace, the trace length and the
//! time the check took; for a hold: in how many scenarios it was verified) and a variant x
//! scenario table. The outcome is compared with what each variant declares: any mismatch is
//! a failure of the gate (exit 1).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use paxos_models::{PropertyName, Variant, VARIANTS};

use crate::check::{self, CheckCfg, Reduction, Verdict};
use crate::scenario::{self, Scenario, ScenarioError};

/// One property's result in one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Holds,
    /// Violated; the shortest trace's length (0: fault tolerance, no decision reachable).
    Violated(usize),
    Inconclusive,
    /// Not judged there: the scenario says correct Paxos cannot have it (fault tolerance).
    NotJudged,
}

/// One variant checked in one scenario.
#[derive(Clone, Debug)]
pub struct Cell {
    pub variant: &'static str,
    pub scenario: String,
    pub marks: Vec<(PropertyName, Mark)>,
    pub unique: u64,
    pub seconds: f64,
}

/// The whole matrix.
#[derive(Clone, Debug)]
pub struct Matrix {
    pub scenarios: Vec<String>,
    pub cells: Vec<Cell>,
    pub seconds: f64,
}

/// The scenarios `v` is meant for.
pub fn scenarios_of(v: &Variant, all: &[String]) -> Vec<String> {
    if v.scenarios.is_empty() {
        all.to_vec()
    } else {
        v.scenarios.iter().map(|s| s.to_string()).collect()
    }
}

/// Checks every cell on `threads` workers; `progress` hears which cell is about to run.
pub fn run(
    threads: usize,
    progress: &mut (dyn FnMut(usize, usize, &str, &str) + Send),
) -> Result<Matrix, ScenarioError> {
    let started = Instant::now();
    let all = scenario::list();
    let mut loaded: Vec<Scenario> = Vec::new();
    for name in &all {
        loaded.push(Scenario::load(name)?);
    }
    let jobs: Vec<(&'static Variant, String)> = VARIANTS
        .iter()
        .flat_map(|v| scenarios_of(v, &all).into_iter().map(move |s| (v, s)))
        .collect();
    // Cells run side by side, one per worker thread, each checked on one thread: cells are
    // independent, so this scales better than splitting each search. Results land in their
    // cell's slot, so the matrix never depends on the thread count or on timing.
    let cfg = CheckCfg::bfs(Reduction::All, 1, Some(20_000_000));
    let scenarios: Vec<Scenario> = jobs
        .iter()
        .map(|(_, name)| match loaded.iter().find(|s| &s.name == name) {
            Some(s) => Ok(s.clone()),
            None => Scenario::load(name),
        })
        .collect::<Result<_, _>>()?;
    let queue = Mutex::new(Queue {
        remaining: (0..jobs.len()).collect(),
        cost: BTreeMap::new(),
    });
    let slots: Vec<Mutex<Option<Cell>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let progress = Mutex::new(progress);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(jobs.len().max(1)) {
            scope.spawn(|| loop {
                if crate::interrupt::signal().is_some() {
                    break;
                }
                let Some(i) = queue.lock().unwrap().pick(&jobs) else {
                    break;
                };
                let (v, name) = &jobs[i];
                (progress.lock().unwrap())(i + 1, jobs.len(), v.name, name);
                let t = Instant::now();
                let outcome = check::check(&scenarios[i], v.rules, &cfg, &mut |_, _| {});
                let marks = outcome
                    .verdicts
                    .iter()
                    .map(|pv| {
                        let m = match &pv.verdict {
                            Verdict::Holds => Mark::Holds,
                            Verdict::Violated(t) => Mark::Violated(t.len()),
                            Verdict::Unreachable { .. } => Mark::Violated(0),
                            Verdict::Inconclusive => Mark::Inconclusive,
                            Verdict::NotJudged(_) => Mark::NotJudged,
                        };
                        (pv.property, m)
                    })
                    .collect();
                if v.name == VARIANTS[0].name {
                    queue
                        .lock()
                        .unwrap()
                        .cost
                        .insert(name.clone(), outcome.main.unique);
                }
                *slots[i].lock().unwrap() = Some(Cell {
                    variant: v.name,
                    scenario: name.clone(),
                    marks,
                    unique: outcome.main.unique,
                    seconds: t.elapsed().as_secs_f64(),
                });
            });
        }
    });
    let cells = slots
        .into_iter()
        .map(|slot| slot.into_inner().unwrap().expect("every cell ran"))
        .collect();
    Ok(Matrix {
        scenarios: all,
        cells,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The cells not started yet, and what correct Paxos cost in each scenario it finished.
struct Queue {
    remaining: Vec<usize>,
    cost: BTreeMap<String, u64>,
}

impl Queue {
    /// The next cell to run, longest first, so no worker is left with a long cell at the end:
    /// correct Paxos's cells first (they explore each scenario whole, and their unique-state
    /// counts measure it), then the rest by their scenario's count, a scenario whose Paxos
    /// cell is still running counting as the largest.
    fn pick(&mut self, jobs: &[(&'static Variant, String)]) -> Option<usize> {
        let at = match self
            .remaining
            .iter()
            .position(|&i| jobs[i].0.name == VARIANTS[0].name)
        {
            Some(at) => at,
            None => {
                let cost = |i: usize| self.cost.get(&jobs[i].1).copied().unwrap_or(u64::MAX);
                // max_by_key returns the last maximum: iterate in reverse for the first.
                let (at, _) = self
                    .remaining
                    .iter()
                    .enumerate()
                    .rev()
                    .max_by_key(|&(_, &i)| cost(i))?;
                at
            }
        };
        Some(self.remaining.remove(at))
    }
}

/// How one variant's outcome compares with what it declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreement {
    Matches,
    Mismatch {
        declared: Vec<PropertyName>,
        found: Vec<PropertyName>,
    },
    /// Some cell was inconclusive: nothing can be compared.
    Inconclusive,
    /// The variant declares nothing yet (fresh from `new-variant`): shown, never a failure.
    Undeclared,
}

impl Matrix {
    fn cells_of<'a>(&'a self, variant: &'a str) -> impl Iterator<Item = &'a Cell> + 'a {
        self.cells.iter().filter(move |c| c.variant == variant)
    }

    /// The properties `variant` violated in any of its scenarios, in report order.
    pub fn found(&self, variant: &str) -> Vec<PropertyName> {
        PropertyName::ALL
            .into_iter()
            .filter(|p| {
                self.cells_of(variant).any(|c| {
                    c.marks
                        .iter()
                        .any(|(q, m)| q == p && matches!(m, Mark::Violated(_)))
                })
            })
            .collect()
    }

    pub fn agreement(&self, v: &Variant) -> Agreement {
        if !v.declared {
            return Agreement::Undeclared;
        }
        if self
            .cells_of(v.name)
            .any(|c| c.marks.iter().any(|(_, m)| *m == Mark::Inconclusive))
        {
            return Agreement::Inconclusive;
        }
        let found = self.found(v.name);
        let mut declared = v.violates.to_vec();
        declared.sort();
        if found == declared {
            Agreement::Matches
        } else {
            Agreement::Mismatch { declared, found }
        }
    }

    /// Whether every variant matches its declaration (the CI gate).
    pub fn all_match(&self) -> bool {
        VARIANTS.iter().all(|v| {
            matches!(
                self.agreement(v),
                Agreement::Matches | Agreement::Undeclared
            )
        })
    }

    /// Both tables as Markdown. With `times`, each violation shows the seconds its check
    /// took; the committed `reports/matrix.md` leaves times out so that it is reproducible.
    pub fn render(&self, times: bool) -> String {
        let mut out = String::new();
        let names = |ps: &[PropertyName]| {
            if ps.is_empty() {
                "nothing".to_string()
            } else {
                ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
            }
        };
        let _ = writeln!(out, "## Variant x property\n");
        let _ = writeln!(
            out,
            "A violation names the scenario with the shortest counterexample, its length in steps{}; `holds` counts the scenarios where the property was verified exhaustively. `unreachable`: no decision is reachable with a minority of acceptors down.\n",
            if times { " and the seconds that check took" } else { "" }
        );
        let names_row: Vec<&str> = PropertyName::ALL.iter().map(|p| p.name()).collect();
        let _ = writeln!(out, "| variant | {} | declared |", names_row.join(" | "));
        let _ = writeln!(out, "|---|{}---|", "---|".repeat(PropertyName::ALL.len()));
        for v in VARIANTS {
            let mut row = format!("| `{}` |", v.name);
            for p in PropertyName::ALL {
                let mut best: Option<(usize, &Cell)> = None;
                let mut holds = 0;
                let mut total = 0;
                let mut not_judged = 0;
                for c in self.cells_of(v.name) {
                    let mark = c.marks.iter().find(|(q, _)| *q == p).map(|(_, m)| *m);
                    if mark.is_some() {
                        total += 1;
                    }
                    match mark {
                        Some(Mark::Violated(n)) if best.is_none_or(|(b, _)| n < b) => {
                            best = Some((n, c));
                        }
                        Some(Mark::Holds) => holds += 1,
                        Some(Mark::NotJudged) => not_judged += 1,
                        _ => {}
                    }
                }
                let text = match best {
                    Some((n, c)) => {
                        let what = if n == 0 {
                            "unreachable".to_string()
                        } else {
                            format!("{n} steps")
                        };
                        if times {
                            format!(
                                " **violated** in {} ({what}, {:.2} s) |",
                                c.scenario, c.seconds
                            )
                        } else {
                            format!(" **violated** in {} ({what}) |", c.scenario)
                        }
                    }
                    None if total == 0 => " - |".to_string(),
                    None if not_judged > 0 => {
                        format!(" holds ({holds}/{total}; {not_judged} not judged) |")
                    }
                    None => format!(" holds ({holds}/{total}) |"),
                };
                row += &text;
            }
            row += &match self.agreement(v) {
                Agreement::Matches => format!(" {} |", names(&self.found(v.name))),
                Agreement::Mismatch { declared, found } => format!(
                    " **MISMATCH**: declares {}, breaks {} |",
                    names(&declared),
                    names(&found)
                ),
                Agreement::Inconclusive => " **inconclusive** |".to_string(),
                Agreement::Undeclared => {
                    format!(" undeclared (breaks {}) |", names(&self.found(v.name)))
                }
            };
            let _ = writeln!(out, "{row}");
        }
        let _ = writeln!(out, "\n## Variant x scenario\n");
        let _ = writeln!(
            out,
            "What each variant violates in each scenario: `ok` (all four hold), `-` (not meant for that scenario), or the violated properties (coh = coherence, cr = conflict-resolution, nt = no-takebacks, ft = fault-tolerance); `(ft n/j)`: fault tolerance is not judged in that scenario (its file says why), the others hold.\n"
        );
        let mut head = "| variant |".to_string();
        let mut rule = "|---|".to_string();
        for s in &self.scenarios {
            head += &format!(" {s} |");
            rule += "---|";
        }
        let _ = writeln!(out, "{head}\n{rule}");
        for v in VARIANTS {
            let mut row = format!("| `{}` |", v.name);
            for s in &self.scenarios {
                let text = match self.cells_of(v.name).find(|c| &c.scenario == s) {
                    None => "-".to_string(),
                    Some(c) => {
                        let bad: Vec<&str> = c
                            .marks
                            .iter()
                            .filter_map(|(p, m)| match m {
                                Mark::Violated(_) => Some(short(*p)),
                                Mark::Inconclusive => Some("?"),
                                Mark::Holds | Mark::NotJudged => None,
                            })
                            .collect();
                        let text = if bad.is_empty() {
                            "ok".to_string()
                        } else {
                            bad.join(" ")
                        };
                        if c.marks.iter().any(|(_, m)| *m == Mark::NotJudged) {
                            text + " (ft n/j)"
                        } else {
                            text
                        }
                    }
                };
                row += &format!(" {text} |");
            }
            let _ = writeln!(out, "{row}");
        }
        out
    }

    /// The committed file: a title, how to refresh it, and the tables without times.
    pub fn file(&self) -> String {
        format!(
            "# Variant x property matrix\n\nGenerated by `paxos-lab matrix --write` (exhaustive breadth-first checks with symmetry and partial-order reduction, the default of `check`); a test fails when this file is stale. Run `paxos-lab matrix` to see the times on your machine.\n\n{}",
            self.render(false)
        )
    }
}

fn short(p: PropertyName) -> &'static str {
    match p {
        PropertyName::Coherence => "coh",
        PropertyName::ConflictResolution => "cr",
        PropertyName::NoTakebacks => "nt",
        PropertyName::LogCoherence => "lc",
        PropertyName::Linearizability => "lin",
        PropertyName::FaultTolerance => "ft",
    }
}
