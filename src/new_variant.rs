//! `paxos-lab new-variant NAME --hook HOOK`: writes `models/variants/NAME.rs` from a
//! template (the header sections to fill, the hook overridden with Paxos's own default body,
//! so it compiles and behaves as Paxos until edited) and registers it, in alphabetical
//! order, in `models/variants/mod.rs` and `models/src/registry.rs`. The new variant declares
//! nothing yet: the matrix shows it as "undeclared" with what it actually breaks.
//! `paxos-lab new-variant --remove NAME` undoes all of it, and the tutorial's later steps.

use std::path::{Path, PathBuf};

/// The source of the `Rules` trait: hooks and their default bodies are read from it.
const RULES: &str = include_str!("../models/src/rules.rs");

/// Errors: one line, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum NewVariantError {
    #[error("variant name `{0}`: use lowercase words joined by '-', like `accept-twice` (fix: rename it)")]
    BadName(String),
    #[error(
        "variant `{0}` already exists (fix: choose another name, or edit models/variants/{1}.rs; correct Paxos is models/src/rules.rs)"
    )]
    Exists(String, String),
    #[error("unknown hook `{0}` (fix: use one of: {1})")]
    UnknownHook(String, String),
    #[error("cannot update {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("`paxos` is correct Paxos, not a variant to remove (fix: name a variant from `paxos-lab list`)")]
    Paxos,
    #[error("variant `{0}`: {1} does not exist (fix: run from the repository root, or pass --root; `paxos-lab list` shows the variants)")]
    Missing(String, String),
    #[error("{0} not found: new-variant edits a paxos-lab clone (fix: run it from the repository root, or pass --root DIR)")]
    NotARepo(String),
    #[error("cannot register the variant in {0}: its layout is not the expected one (fix: add it by hand, see models/README.md)")]
    Layout(String),
}

/// The names of the `Rules` hooks, in trait order.
pub fn hooks() -> Vec<&'static str> {
    RULES
        .lines()
        .filter_map(|l| l.strip_prefix("    fn "))
        .filter_map(|l| l.split('(').next())
        .filter(|h| !matches!(*h, "symmetric" | "protocol" | "may_send"))
        .collect()
}

/// Every hook with the first line of its doc comment: what `new-variant x --hook ?` prints.
pub fn hook_list() -> String {
    let lines: Vec<&str> = RULES.lines().collect();
    let width = hooks().iter().map(|h| h.len()).max().unwrap_or(0) + 2;
    hooks()
        .into_iter()
        .map(|h| {
            let at = lines
                .iter()
                .position(|l| l.starts_with(&format!("    fn {h}(")))
                .unwrap_or(0);
            let mut first = at;
            while first > 0 && lines[first - 1].trim_start().starts_with("///") {
                first -= 1;
            }
            let doc = lines[first..at]
                .iter()
                .map(|l| l.trim_start().trim_start_matches("///").trim())
                .collect::<Vec<_>>()
                .join(" ");
            let sentence = doc.split(". ").next().unwrap_or("").trim_end_matches('.');
            format!("  {h:<width$}{sentence}.")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The hook's doc comment and default implementation, as written in the trait.
fn hook_source(hook: &str) -> Option<String> {
    let lines: Vec<&str> = RULES.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(&format!("    fn {hook}(")))?;
    let mut first = start;
    while first > 0 && lines[first - 1].trim_start().starts_with("///") {
        first -= 1;
    }
    let end = start + lines[start..].iter().position(|l| *l == "    }")?;
    Some(lines[first..=end].join("\n"))
}

fn io(file: &Path) -> impl FnOnce(std::io::Error) -> NewVariantError + '_ {
    move |source| NewVariantError::Io {
        file: file.display().to_string(),
        source,
    }
}

/// Inserts `line` into the run of lines starting with `prefix`, keeping them sorted.
fn insert_sorted(text: &str, prefix: &str, line: &str) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let run: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(prefix))
        .collect();
    let (&first, &last) = (run.first()?, run.last()?);
    let at = (first..=last)
        .find(|&i| lines[i].as_str() > line)
        .unwrap_or(last + 1);
    lines.insert(at, line.to_string());
    Some(lines.join("\n") + "\n")
}

/// The repository to edit: `root`, or the current directory; it must hold
/// `models/variants/mod.rs` (never the directory the binary was built in).
pub fn repo_root(root: Option<&Path>) -> Result<PathBuf, NewVariantError> {
    let root = root.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mod_rs = root.join("models/variants/mod.rs");
    if mod_rs.is_file() {
        Ok(root)
    } else {
        Err(NewVariantError::NotARepo(mod_rs.display().to_string()))
    }
}

/// Checks a new variant's name: lowercase words joined by '-', not one that exists.
pub fn check_name(name: &str) -> Result<(), NewVariantError> {
    let valid = !name.is_empty()
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !valid {
        return Err(NewVariantError::BadName(name.into()));
    }
    let module = name.replace('-', "_");
    if name == "paxos" || paxos_models::registry::variant(name).is_some() {
        return Err(NewVariantError::Exists(name.into(), module));
    }
    Ok(())
}

/// Writes and registers the variant under `root` (the repository); returns the new file.
pub fn create(root: &Path, name: &str, hook: &str) -> Result<PathBuf, NewVariantError> {
    check_name(name)?;
    let module = name.replace('-', "_");
    let dir = root.join("models/variants");
    let file = dir.join(format!("{module}.rs"));
    if file.exists() {
        return Err(NewVariantError::Exists(name.into(), module));
    }
    let body = hook_source(hook)
        .ok_or_else(|| NewVariantError::UnknownHook(hook.into(), hooks().join(", ")))?;
    let ty: String = name
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let text = format!(
        r#"//! `{name}`
//!
//! # Bug
//! TODO: one sentence: what this variant changes from correct Paxos.
//!
//! # Violates
//! TODO: the properties it breaks (run `paxos-lab check --variant {name}` to find out).
//!
//! # Why
//! TODO: which Paxos invariant the change breaks.
//!
//! # Counterexample
//! TODO: the interleaving that breaks it, in prose (the trace `check` prints).
//!
//! # Reference
//! TODO: the rule in *Paxos Made Simple* (or the paper) that it breaks.

#[allow(unused_imports)]
use crate::cfg::Role;
#[allow(unused_imports)]
use crate::node::{{AcceptorState, LearnerState, NodeState, Phase, ProposerState, Storage}};
use crate::registry::Variant;
#[allow(unused_imports)]
use crate::rules::{{majority, Ctx, Effects, Rules, To}};
#[allow(unused_imports)]
use crate::types::{{Ballot, Few, Msg, Value, Vote}};

pub struct {ty};

impl Rules for {ty} {{
    // Paxos's own rule, copied from `models/src/rules.rs`: change it to break Paxos.
{body}
}}

pub const VARIANT: Variant = Variant {{
    name: "{name}",
    summary: "TODO: one line for `paxos-lab list`",
    rules: &{ty},
    // Once you know what it breaks: list the properties (e.g. `PropertyName::Coherence`,
    // with `use crate::properties::PropertyName;`), the scenarios that show it (smallest
    // first) in `exposed_by`, and set `declared: true`.
    violates: &[],
    source: include_str!("{module}.rs"),
    exposed_by: &[],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: false,
}};
"#
    );
    let mod_rs = dir.join("mod.rs");
    let registry = root.join("models/src/registry.rs");
    let mods = std::fs::read_to_string(&mod_rs).map_err(io(&mod_rs))?;
    let regs = std::fs::read_to_string(&registry).map_err(io(&registry))?;
    let mods = insert_sorted(&mods, "pub mod ", &format!("pub mod {module};"))
        .ok_or_else(|| NewVariantError::Layout(mod_rs.display().to_string()))?;
    let regs = insert_sorted(
        &regs,
        "    variants::",
        &format!("    variants::{module}::VARIANT,"),
    )
    .ok_or_else(|| NewVariantError::Layout(registry.display().to_string()))?;
    std::fs::write(&file, text).map_err(io(&file))?;
    std::fs::write(&mod_rs, mods).map_err(io(&mod_rs))?;
    std::fs::write(&registry, regs).map_err(io(&registry))?;
    Ok(file)
}

/// What `remove` took away, for the summary line.
#[derive(Debug, Default)]
pub struct Removed {
    /// Every file and directory removed, and every file edited, relative to the root.
    pub removed: Vec<String>,
    pub edited: Vec<String>,
}

/// Undoes `create` and the tutorial's later steps for the variant `name` under `root`: its
/// file, its lines in `models/variants/mod.rs` and `models/src/registry.rs`, its pin in
/// `tests/it/catalog.rs`, its snapshots, its generated reports, and its rows in
/// `reports/matrix.md` (each row depends on its variant alone, so the file is then what
/// `matrix --write` writes without it).
pub fn remove(root: &Path, name: &str) -> Result<Removed, NewVariantError> {
    let module = name.replace('-', "_");
    let file = root.join("models/variants").join(format!("{module}.rs"));
    if name == "paxos" {
        return Err(NewVariantError::Paxos);
    }
    if !file.is_file() {
        return Err(NewVariantError::Missing(
            name.into(),
            file.display().to_string(),
        ));
    }
    let mut done = Removed::default();
    // Line edits first (all read and checked before anything is written), then removals.
    // (file, line, whether the line is a prefix of the line to drop, or the whole of it)
    let edits = [
        (
            "models/variants/mod.rs",
            format!("pub mod {module};"),
            false,
        ),
        (
            "models/src/registry.rs",
            format!("    variants::{module}::VARIANT,"),
            false,
        ),
        (
            "tests/it/catalog.rs",
            format!("    {module}: \"{name}\" on "),
            true,
        ),
        ("reports/matrix.md", format!("| `{name}` |"), true),
    ];
    let mut rewritten = Vec::new();
    for (rel, line, prefix) in &edits {
        let path = root.join(rel);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let drop_line = |l: &str| {
            if *prefix {
                l.starts_with(line.as_str())
            } else {
                l == line
            }
        };
        let kept: Vec<&str> = text.lines().filter(|l| !drop_line(l)).collect();
        if kept.len() != text.lines().count() {
            let mut new = kept.join("\n");
            new.push('\n');
            rewritten.push((path, rel.to_string(), new));
        }
    }
    for (path, rel, text) in rewritten {
        std::fs::write(&path, text).map_err(io(&path))?;
        done.edited.push(rel);
    }
    std::fs::remove_file(&file).map_err(io(&file))?;
    done.removed.push(format!("models/variants/{module}.rs"));
    let snapshots = root.join("tests/it/snapshots");
    let prefix = format!("it__catalog__{name}@");
    if let Ok(entries) = std::fs::read_dir(&snapshots) {
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&prefix))
            .collect();
        names.sort();
        for n in names {
            let path = snapshots.join(&n);
            std::fs::remove_file(&path).map_err(io(&path))?;
            done.removed.push(format!("tests/it/snapshots/{n}"));
        }
    }
    // Generated reports: reports/<scenario>/<name>/.
    if let Ok(entries) = std::fs::read_dir(root.join("reports")) {
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path().join(name))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            std::fs::remove_dir_all(&d).map_err(io(&d))?;
            let rel = d.strip_prefix(root).unwrap_or(&d);
            done.removed.push(format!("{}/", rel.display()));
        }
    }
    Ok(done)
}
