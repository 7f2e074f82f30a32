//! Progress of a long exhaustive run, on stderr: a bar (indicatif) when stderr is a
//! terminal, plain `progress:` lines otherwise (logs, CI, pipes). Both show the phase, depth,
//! states, unique states, rate and resident memory, and how much of `--states-max` and
//! `--memory-max` the run has used; at 80% of either a warning says that the run will end
//! inconclusive there, once per phase, so a long run never ends "inconclusive" by surprise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::check::Progress;

/// The share of a bound at which the warning is printed.
const WARN_AT: f64 = 0.8;

/// The progress display of one `check`.
pub struct CheckProgress {
    bar: Option<ProgressBar>,
    states_max: Option<usize>,
    memory_max: Option<u64>,
    phase: String,
    warned: bool,
}

impl CheckProgress {
    /// A bar on a terminal, lines otherwise.
    pub fn new(states_max: Option<usize>, memory_max: Option<u64>) -> CheckProgress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(
                states_max.map(|m| m as u64),
                ProgressDrawTarget::stderr(),
            );
            let template = if states_max.is_some() {
                "{spinner} {msg} [{bar:24}] {percent}% of --states-max"
            } else {
                "{spinner} {msg}"
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar
        });
        CheckProgress {
            bar,
            states_max,
            memory_max,
            phase: String::new(),
            warned: false,
        }
    }

    /// One report from the engine (about once a second).
    pub fn update(&mut self, phase: &str, p: &Progress) {
        if phase != self.phase {
            self.phase = phase.to_string();
            self.warned = false;
        }
        let rss = crate::mem::rss();
        let rate = p.states as f64 / p.seconds.max(1e-9);
        let states_share = self.states_max.map(|m| p.unique as f64 / m as f64);
        let memory_share = self
            .memory_max
            .zip(rss)
            .map(|(m, r)| r as f64 / m.max(1) as f64);
        let mb = |b: u64| b / (1 << 20);
        let mut line = format!(
            "{phase}: depth={} states={} unique={} states/s={rate:.0}",
            p.depth, p.states, p.unique
        );
        if let Some(m) = self.states_max {
            line += &format!(
                " of-states-max={:.0}% ({m})",
                100.0 * states_share.unwrap_or(0.0)
            );
        }
        if let Some(r) = rss {
            line += &format!(" rss_mb={}", mb(r));
        }
        if let Some(m) = self.memory_max {
            line += &format!(
                " of-memory-max={:.0}% ({} MB)",
                100.0 * memory_share.unwrap_or(0.0),
                mb(m)
            );
        }
        let warning = if self.warned {
            None
        } else if states_share.is_some_and(|s| s >= WARN_AT) {
            Some(format!(
                "warning: {phase} has used {:.0}% of --states-max {}: at the bound the run ends inconclusive (raise --states-max, memory permitting, or check a smaller world)",
                100.0 * states_share.unwrap_or(0.0),
                self.states_max.unwrap_or(0)
            ))
        } else if memory_share.is_some_and(|s| s >= WARN_AT) {
            Some(format!(
                "warning: {phase} has used {:.0}% of --memory-max {} MB: at the bound the run ends inconclusive (raise --memory-max, or check a smaller world)",
                100.0 * memory_share.unwrap_or(0.0),
                mb(self.memory_max.unwrap_or(0))
            ))
        } else {
            None
        };
        self.warned |= warning.is_some();
        match &self.bar {
            Some(bar) => {
                if let Some(w) = warning {
                    bar.println(w);
                }
                bar.set_position(p.unique);
                bar.set_message(line);
                bar.tick();
            }
            None => {
                if let Some(w) = warning {
                    eprintln!("{w}");
                }
                eprintln!("progress: {line}");
            }
        }
    }

    /// Clears the bar before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
