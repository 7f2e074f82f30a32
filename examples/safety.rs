//! The safety search of correct Paxos alone, or (`graph` after the bound) the
//! fault-tolerance graph alone, for profiling the engine
//! (`cargo run --release --example safety -- classic none 1 [states-max] [graph]`).
//! `VARIANT=<name>` searches that variant instead of correct Paxos; `FIRST=1` stops at the
//! first violation with symmetry, dead messages pruned and the sleep reduction, as `bench`'s
//! first-violation cells do (the reduction argument is then ignored); with it, `SYM=0` turns
//! symmetry off, `SLEEP=0` the sleep reduction, and `DEPTH=<d>` bounds the depth.

use paxos_lab::check::{self, CheckCfg, Reduction};
use paxos_lab::scenario::Scenario;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("classic", String::as_str);
    let reduction = args.get(2).map_or(Reduction::None, |r| {
        clap::ValueEnum::from_str(r, true).expect("a reduction: none, symmetry, por or all")
    });
    let threads = args
        .get(3)
        .map_or(1, |t| t.parse().expect("a thread count"));
    let states_max = args
        .get(4)
        .and_then(|t| t.parse().ok())
        .filter(|&m: &usize| m > 0);
    let scenario = Scenario::load(name).expect("a scenario");
    let mut cfg = CheckCfg::bfs(reduction, threads, states_max);
    if std::env::var("FIRST").is_ok_and(|f| f == "1") {
        cfg.opts.stop_when_any_found = true;
        cfg.opts.depth_max = std::env::var("DEPTH").ok().map(|d| d.parse().unwrap());
        (cfg.symmetry, cfg.por, cfg.dead, cfg.sleep) = (
            std::env::var("SYM").map_or(true, |s| s == "1"),
            false,
            true,
            std::env::var("SLEEP").map_or(true, |s| s == "1"),
        );
    }
    let rules: &'static dyn paxos_models::Rules = match std::env::var("VARIANT") {
        Ok(name) => {
            paxos_models::registry::variant(&name)
                .expect("a variant")
                .rules
        }
        Err(_) => &paxos_models::Correct,
    };
    let started = std::time::Instant::now();
    let s = if args.get(5).is_some_and(|a| a == "graph") {
        let model = paxos_models::PaxosModel::new(scenario.cluster.clone(), rules).reduce_loss();
        let reach = check::reach::stays_reachable(
            &model,
            cfg.symmetry,
            cfg.por,
            true,
            &cfg.opts,
            &mut |_| {},
        );
        println!(
            "graph: stuck={:?} por={:?}",
            reach.search.discoveries[0].is_some(),
            reach.por
        );
        reach.search
    } else {
        check::safety_search(&scenario, rules, &cfg)
    };
    let wall = started.elapsed().as_secs_f64();
    println!(
        "unique={} states={} depth={} complete={} seconds={:.2} unique_per_s={:.0} bytes_per_state={} wall={wall:.3}",
        s.unique,
        s.states,
        s.depth,
        s.complete,
        s.seconds,
        s.unique as f64 / s.seconds,
        s.peak_bytes
            .map_or("-".into(), |b| (b / s.unique.max(1)).to_string())
    );
    if std::env::var_os("LEVELS").is_some() {
        println!("levels={:?}", s.levels);
    }
}

/// The allocator the CLI runs on (`src/main.rs`), so profiles measure what it does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
