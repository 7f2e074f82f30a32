//! The matrix gate: every variant breaks exactly what it declares, and the committed
//! reports/matrix.md is what `paxos-lab matrix --write` would write today (the slow suite,
//! a minute of checks), with a quick check in the default suite that it has one row per
//! registered variant (what a forgotten `matrix --write` after adding or removing one
//! breaks).

const COMMITTED: &str = include_str!("../../reports/matrix.md");

#[test]
fn the_committed_matrix_has_a_row_for_every_registered_variant_and_no_other() {
    // The first table: `| `name` | ...` rows up to the next heading.
    let table = COMMITTED
        .split("## Variant x property")
        .nth(1)
        .and_then(|t| t.split("\n## ").next())
        .expect("reports/matrix.md has its variant x property table");
    let rows: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let registered: Vec<&str> = paxos_models::VARIANTS.iter().map(|v| v.name).collect();
    assert_eq!(
        rows, registered,
        "reports/matrix.md is stale: run `cargo run --release -- matrix --write` and commit it"
    );
}

#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn matrix_matches_every_declaration_and_the_committed_file_is_current() {
    let m = paxos_lab::matrix::run(2, &mut |_, _, _, _| {}).expect("scenarios load");
    // Correct Paxos holds everything in every scenario, each explored to the end; fault
    // tolerance is not judged only where the scenario file says why.
    let paxos: Vec<_> = m.cells.iter().filter(|c| c.variant == "paxos").collect();
    assert_eq!(paxos.len(), paxos_lab::scenario::list().len());
    for c in paxos {
        let not_judged = paxos_lab::scenario::Scenario::load(&c.scenario)
            .unwrap()
            .fault_tolerance_not_judged
            .is_some();
        assert!(
            c.marks.iter().all(|(p, mark)| match mark {
                paxos_lab::matrix::Mark::Holds => true,
                paxos_lab::matrix::Mark::NotJudged => {
                    not_judged && *p == paxos_models::PropertyName::FaultTolerance
                }
                _ => false,
            }),
            "paxos on {}",
            c.scenario
        );
    }
    // Each broken variant's declared scenarios expose everything it declares.
    for v in paxos_models::VARIANTS.iter().filter(|v| v.declared) {
        let mut exposed: Vec<_> = m
            .cells
            .iter()
            .filter(|c| c.variant == v.name && v.exposed_by.contains(&c.scenario.as_str()))
            .flat_map(|c| c.marks.iter())
            .filter(|(_, mark)| matches!(mark, paxos_lab::matrix::Mark::Violated(_)))
            .map(|(p, _)| *p)
            .collect();
        exposed.sort();
        exposed.dedup();
        let mut declared = v.violates.to_vec();
        declared.sort();
        assert_eq!(
            exposed, declared,
            "{}: exposed_by shows what it declares",
            v.name
        );
    }
    for v in paxos_models::VARIANTS {
        assert_eq!(
            m.agreement(v),
            paxos_lab::matrix::Agreement::Matches,
            "{}",
            v.name
        );
    }
    assert!(
        COMMITTED == m.file(),
        "reports/matrix.md is stale: run `cargo run --release -- matrix --write` and commit it"
    );
}
