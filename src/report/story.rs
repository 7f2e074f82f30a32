//! The counterexample report a user reads: the numbered trace, the message sequence chart
//! and the narration, as terminal text (coloured or plain), Markdown with a Mermaid diagram,
//! and SVG. `check`, `simulate` and `replay` all print and save it through here.

use std::fmt::Write as _;

use paxos_models::{PaxosModel, PropertyName};

use crate::report::chart;
use crate::report::narrate;
use crate::report::trace::{self, Trace};

/// When to colour terminal output.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// The plain-text report of a violating trace: trace, chart, narration.
pub fn text(model: &PaxosModel, t: &Trace, property: PropertyName) -> String {
    let mut out = trace::render(model, t, Some(property));
    out.push('\n');
    out.push_str("  sequence:\n");
    out.push_str(&chart::ascii(model, t, Some(property)));
    out.push('\n');
    out.push_str("  why:\n");
    for line in narrate::narrate(model, t, property) {
        for (i, l) in wrap(&line, 92).into_iter().enumerate() {
            let _ = writeln!(out, "  {} {l}", if i == 0 { "-" } else { " " });
        }
    }
    out
}

/// Greedy word wrap at `width` columns.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The Markdown report: a title, the narration, the Mermaid diagram and the plain trace.
pub fn markdown(
    model: &PaxosModel,
    t: &Trace,
    property: PropertyName,
    title: &str,
    json: &std::path::Path,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(
        out,
        "`{}` is violated after {} steps. Replay: `paxos-lab replay {}`; step through it in a \
         browser: `paxos-lab explore --trace {}`\n",
        property.name(),
        t.len(),
        json.display(),
        json.display()
    );
    let _ = writeln!(out, "## Why\n");
    for line in narrate::narrate(model, t, property) {
        let _ = writeln!(out, "- {}", escape_markdown(&line));
    }
    let _ = writeln!(out, "\n## Sequence\n\n```mermaid");
    out.push_str(&chart::mermaid(model, t, Some(property)));
    let text = trace::render(model, t, Some(property));
    // A fence longer than any run of backticks in the text, so no value can close it.
    let fence = "`".repeat(3.max(longest_run(&text, '`') + 1));
    let _ = writeln!(out, "```\n\n## Trace\n\n{fence}text");
    out.push_str(&text);
    let _ = writeln!(out, "{fence}");
    out
}

/// Markdown text outside code blocks: HTML, emphasis and code marks in values become
/// literal characters.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for x in text.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// ANSI colours for terminal output of a rendered report: step numbers dim, faults yellow,
/// violations bold red, chosen values and decisions green. Applied line by line to the
/// plain text, so the coloured and the plain report hold the same characters.
pub fn paint(text: &str) -> String {
    const RED: &str = "\x1b[1;31m";
    const YELLOW: &str = "\x1b[33m";
    const GREEN: &str = "\x1b[32m";
    const BOLD: &str = "\x1b[1m";
    const RESET: &str = "\x1b[0m";
    let mut out = String::with_capacity(text.len() * 11 / 10);
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let painted = if trimmed.starts_with("^^") || trimmed.contains("VIOLATED") {
            format!("{RED}{}{RESET}\n", line.trim_end_matches('\n'))
        } else if trimmed.starts_with("chosen:") {
            format!("{GREEN}{}{RESET}\n", line.trim_end_matches('\n'))
        } else if trimmed.starts_with("counterexample:") || trimmed.starts_with("verdict:") {
            format!("{BOLD}{}{RESET}\n", line.trim_end_matches('\n'))
        } else {
            let mut l = line.to_string();
            for word in ["DROP", "DUP", "CRASH", "RESTART"] {
                l = l.replace(&format!("{word} "), &format!("{YELLOW}{word}{RESET} "));
            }
            l
        };
        if line.ends_with('\n') {
            out.push_str(&painted);
        } else {
            out.push_str(painted.trim_end_matches('\n'));
        }
    }
    out
}
