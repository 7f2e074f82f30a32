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
