//! The variant registry lists every file in `models/variants/`, alphabetically, once.

use paxos_models::VARIANTS;

#[test]
fn every_variant_file_is_registered_and_every_registered_variant_has_a_file() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/models/variants");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("models/variants exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|f| f.ends_with(".rs") && f != "mod.rs")
        .map(|f| f.trim_end_matches(".rs").replace('_', "-"))
        .collect();
    files.sort();
    let registered: Vec<&str> = VARIANTS.iter().skip(1).map(|v| v.name).collect();
    assert_eq!(
        registered, files,
        "models/variants/ and the registry disagree"
    );
}

#[test]
fn registry_starts_with_correct_paxos_then_is_alphabetical_without_duplicates() {
    assert_eq!(VARIANTS[0].name, "paxos");
    assert!(VARIANTS[0].violates.is_empty());
    let names: Vec<&str> = VARIANTS.iter().skip(1).map(|v| v.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted);
}

#[test]
fn every_variant_file_has_the_style_header() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/models/variants");
    for v in VARIANTS.iter().skip(1) {
        let path = format!("{dir}/{}.rs", v.name.replace('-', "_"));
        let text = std::fs::read_to_string(&path).expect("variant file");
        for section in [
            "# Bug",
            "# Violates",
            "# Why",
            "# Counterexample",
            "# Reference",
        ] {
            assert!(
                text.contains(&format!("//! {section}")),
                "{path} lacks {section}"
            );
        }
        // A broken variant names the scenarios that expose it; a correct control (nothing
        // declared violated) names none.
        assert_eq!(
            v.violates.is_empty(),
            v.exposed_by.is_empty(),
            "{}: violated properties and exposing scenarios go together",
            v.name
        );
    }
}

/// The hooks tables of models/README.md say, per hook, which variants override it and
/// which of those are correct controls; they are checked against the variant sources, so
/// they stay true as variants come and go. Every handler hook is changed by a broken
/// variant and kept safe by a control, except `on_retry` (its row says why).
/// The text of a variant source's `impl TRAIT for` block, empty when it has none.
fn impl_block<'a>(source: &'a str, tr: &str) -> &'a str {
    let Some(start) = source.find(&format!("\nimpl {tr} for ")) else {
        return "";
    };
    let rest = &source[start + 1..];
    let end = rest.find("\n}\n").map_or(rest.len(), |e| e + 3);
    &rest[..end]
}

/// Checks one hooks table family of models/README.md (the rows under `headers`) against
/// the trait whose default methods are in `trait_source`, overridden in the variants'
/// `impl TRAIT for` blocks.
fn check_hooks_tables(readme: &str, trait_source: &str, tr: &str, headers: &[&str]) {
    let hooks: Vec<&str> = trait_source
        .lines()
        .filter_map(|l| l.strip_prefix("    fn "))
        .filter_map(|l| l.split('(').next())
        .collect();
    let overrides = |hook: &str| -> Vec<&'static str> {
        let mut names: Vec<&str> = VARIANTS
            .iter()
            .skip(1)
            .filter(|v| impl_block(v.source, tr).contains(&format!("\n    fn {hook}(")))
            .map(|v| v.name)
            .collect();
        names.sort();
        names
    };
    let mut seen = Vec::new();
    let mut in_table = false;
    for line in readme.lines() {
        if headers.iter().any(|h| line.starts_with(h)) {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<&str> = line.split(" | ").collect();
        let hook = cells[0].trim_start_matches("| ").trim_matches('`');
        assert!(
            hooks.contains(&hook),
            "README row for unknown {tr} hook {hook}"
        );
        seen.push(hook);
        let listed_cell = cells.last().unwrap().trim_end_matches(" |");
        let mut listed: Vec<(&str, bool)> = if listed_cell.starts_with('-') {
            Vec::new()
        } else {
            listed_cell
                .split(", ")
                .map(|n| match n.strip_suffix(" (control)") {
                    Some(n) => (n, true),
                    None => (n, false),
                })
                .collect()
        };
        listed.sort();
        let names: Vec<&str> = listed.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, overrides(hook), "models/README.md {tr} row `{hook}`");
        for (name, control) in &listed {
            let v = paxos_models::registry::variant(name).unwrap();
            assert_eq!(
                *control,
                v.violates.is_empty(),
                "`{hook}` row: {name} is {}a control",
                if *control { "not " } else { "" }
            );
        }
        let handler = hook.starts_with("on_") || hook == "start_ballot";
        if tr == "Rules" && handler && hook != "on_retry" {
            assert!(
                listed.iter().any(|(_, c)| !c),
                "no broken variant changes {hook}"
            );
            assert!(
                listed.iter().any(|(_, c)| *c),
                "no control keeps {hook} safe"
            );
        }
    }
    let mut missing: Vec<&str> = hooks
        .iter()
        .filter(|h| !seen.contains(h))
        .copied()
        .collect();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "{tr} hooks missing from models/README.md: {missing:?}"
    );
}

#[test]
fn the_hooks_tables_in_models_readme_list_exactly_the_variants_that_override_each_hook() {
    let readme = include_str!("../../models/README.md");
    let rules = include_str!("../../models/src/rules.rs");
    let rules = &rules[rules.find("pub trait Rules").unwrap()..];
    let rules = &rules[..rules.find("\n}\n").unwrap()];
    check_hooks_tables(
        readme,
        rules,
        "Rules",
        &["| handler |", "| decision point |"],
    );
    let store = include_str!("../../models/src/store.rs");
    let store = &store[store.find("pub trait StoreRules").unwrap()..];
    let store = &store[..store.find("\n}\n").unwrap()];
    check_hooks_tables(readme, store, "StoreRules", &["| store hook |"]);
}
