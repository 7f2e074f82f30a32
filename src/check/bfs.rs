//! Our breadth-first engine over stateright's `Model` trait. It keeps, per visited state, a
//! 64-bit fingerprint and (parent, action index), so a discovery is rebuilt by replay and is
//! exactly a shortest path. Levels are expanded in fixed-size blocks; within a block the
//! states are split over threads, and the successors are merged back in block order, so
//! every count and every discovery is the same whatever the thread count.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::time::Instant;

use stateright::{Expectation, Model, Property};

use super::pack::Pack;
use super::{fingerprint, Progress, Search, SearchOpts};

/// Frontier states expanded per block (independent of the thread count, for determinism).
const BLOCK: usize = 4096;

/// Fingerprints are already hashes: hash them as themselves.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type FpSet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

/// A successor found while expanding a block.
struct Succ<S> {
    fp: u64,
    parent: u32,
    action: u32,
    state: S,
    /// Bit `i` set: property `i` has a discovery in this state.
    hits: u64,
}

fn hits<M: Model>(model: &M, props: &[Property<M>], state: &M::State) -> u64 {
    props.iter().enumerate().fold(0, |acc, (i, p)| {
        let holds = (p.condition)(model, state);
        let hit = match p.expectation {
            Expectation::Always => !holds,
            Expectation::Sometimes => holds,
            Expectation::Eventually => false,
        };
        acc | (hit as u64) << i
    })
}

/// The fingerprint of a state's symmetry class (symmetry reduction); `None`: the state's own.
pub type Canon<'a, S> = Option<&'a (dyn Fn(&S) -> u64 + Sync)>;

/// What expanding one part of a block yields: new successors (in the part's scratch),
/// states generated, and whether any state had a successor at all.
type Expansion<S> = (Scratch<S>, u64, bool);

/// Buffers one part of a block works in, reused from block to block: allocating them fresh
/// (megabytes per block) made the kernel zero new pages for a quarter of the run.
struct Scratch<S> {
    out: Vec<Succ<S>>,
    /// Successors already produced by this part: a duplicate is dropped here, before its
    /// properties are evaluated (the merge drops duplicates across parts and blocks).
    local: FpSet,
}

impl<S> Scratch<S> {
    fn new() -> Scratch<S> {
        Scratch {
            out: Vec::new(),
            local: FpSet::default(),
        }
    }
}

fn expand<M: Model, P: Pack<M::State>>(
    model: &M,
    packer: &P,
    props: &[Property<M>],
    canon: Canon<M::State>,
    seen: &FpSet,
    block: &[(P::Packed, u32)],
    mut scratch: Scratch<P::Packed>,
) -> Expansion<P::Packed>
where
    M::State: Hash,
{
    scratch.out.clear();
    scratch.local.clear();
    let Scratch { out, local } = &mut scratch;
    let mut generated = 0;
    let mut any_successor = false;
    let mut actions = Vec::new();
    for (packed, node) in block {
        let state = packer.unpack(packed);
        actions.clear();
        model.actions(&state, &mut actions);
        for (i, action) in actions.drain(..).enumerate() {
            let Some(next) = model.next_state(&state, action) else {
                continue;
            };
            generated += 1;
            any_successor = true;
            let fp = match canon {
                Some(c) => c(&next),
                None => fingerprint(&next),
            };
            if seen.contains(&fp) || !local.insert(fp) {
                continue;
            }
            out.push(Succ {
                fp,
                parent: *node,
                action: i as u32,
                hits: hits(model, props, &next),
                state: packer.pack(&next),
            });
        }
    }
    (scratch, generated, any_successor)
}

/// Explores `model` breadth-first from its init states, evaluating `props` on every state.
///
/// Frontier states are held as `packer` packs them (see [`super::pack`]).
pub fn search<M, P>(
    model: &M,
    packer: &P,
    props: &[Property<M>],
    canon: Canon<M::State>,
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Search
where
    M: Model + Sync,
    M::State: Hash + Send + Sync,
    P: Pack<M::State>,
{
    assert!(props.len() <= 64, "at most 64 properties");
    let started = Instant::now();
    let mut last_report = started;
    let threads = opts.threads.max(1);
    let mut seen = FpSet::default();
    // Per visited state: (parent node, action index); roots have parent u32::MAX and the
    // init state's index as action.
    let mut nodes: Vec<(u32, u32)> = Vec::new();
    let mut discoveries: Vec<Option<u32>> = vec![None; props.len()];
    let mut states: u64 = 0;
    let mut frontier: Vec<(P::Packed, u32)> = Vec::new();
    let mut spare: Vec<(P::Packed, u32)> = Vec::new();
    let mut pool: Vec<Scratch<P::Packed>> = Vec::new();
    let mut complete = true;
    let mut peak_bytes = 0u64;
    let mut frontier_bytes = 0usize;

    for (i, init) in model.init_states().into_iter().enumerate() {
        states += 1;
        let fp = match canon {
            Some(c) => c(&init),
            None => fingerprint(&init),
        };
        if !seen.insert(fp) {
            continue;
        }
        let node = nodes.len() as u32;
        nodes.push((u32::MAX, i as u32));
        let h = hits(model, props, &init);
        record(&mut discoveries, h, node);
        frontier.push((packer.pack(&init), node));
    }

    let mut depth = 0usize;
    let found_enough = |d: &[Option<u32>]| {
        (opts.stop_when_all_found && d.iter().all(Option::is_some))
            || (opts.stop_when_any_found && d.iter().any(Option::is_some))
    };
    'levels: while !frontier.is_empty() {
        if found_enough(&discoveries) {
            // Stopped with work left: properties without a discovery are not decided.
            complete = false;
            break;
        }
        // Reuse the buffer of the level before last: growing a fresh one every level
        // faulted in new pages (a fifth of the run in the kernel's page zeroing).
        let mut next_frontier = std::mem::take(&mut spare);
        let mut next_bytes = 0usize;
        let at_bound = opts.depth_max.is_some_and(|d| depth >= d);
        for block in frontier.chunks(BLOCK) {
            let chunk = block.len().div_ceil(threads);
            let parts: Vec<Expansion<P::Packed>> = if threads == 1 {
                let scratch = pool.pop().unwrap_or_else(Scratch::new);
                vec![expand(model, packer, props, canon, &seen, block, scratch)]
            } else {
                std::thread::scope(|scope| {
                    let handles: Vec<_> = block
                        .chunks(chunk)
                        .map(|part| {
                            let seen = &seen;
                            let scratch = pool.pop().unwrap_or_else(Scratch::new);
                            scope.spawn(move || {
                                expand(model, packer, props, canon, seen, part, scratch)
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().expect("expansion thread panicked"))
                        .collect()
                })
            };
            if at_bound {
                // Successors exist beyond the depth bound: the run is not exhaustive.
                if parts.iter().any(|p| p.2) {
                    complete = false;
                    break 'levels;
                }
                continue;
            }
            for (mut scratch, generated, _) in parts {
                states += generated;
                for s in scratch.out.drain(..) {
                    if !seen.insert(s.fp) {
                        continue;
                    }
                    let node = nodes.len() as u32;
                    nodes.push((s.parent, s.action));
                    record(&mut discoveries, s.hits, node);
                    next_bytes += packer.heap_bytes(&s.state);
                    next_frontier.push((s.state, node));
                }
                pool.push(scratch);
            }
            if last_report.elapsed().as_secs_f64() >= 1.0 {
                last_report = Instant::now();
                progress(&Progress {
                    states,
                    unique: nodes.len() as u64,
                    depth: depth + 1,
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
            if found_enough(&discoveries) {
                complete = false;
                break 'levels;
            }
            if opts.states_max.is_some_and(|m| nodes.len() >= m) {
                complete = false;
                break 'levels;
            }
        }
        if at_bound {
            break;
        }
        if !next_frontier.is_empty() {
            depth += 1;
        }
        // Both frontiers are alive at the end of a level: count them with the visited set.
        let entry = std::mem::size_of::<(P::Packed, u32)>();
        let buckets = (seen.capacity() * 8 / 7).next_power_of_two();
        let level_bytes = frontier.capacity() * entry
            + frontier_bytes
            + next_frontier.capacity() * entry
            + next_bytes
            + buckets * (std::mem::size_of::<u64>() + 1)
            + nodes.capacity() * std::mem::size_of::<(u32, u32)>();
        peak_bytes = peak_bytes.max(level_bytes as u64);
        frontier_bytes = next_bytes;
        spare = std::mem::replace(&mut frontier, next_frontier);
        spare.clear();
    }

    let paths = discoveries
        .iter()
        .map(|d| d.map(|node| path_to(&nodes, node)))
        .collect();
    Search {
        states,
        unique: nodes.len() as u64,
        depth,
        seconds: started.elapsed().as_secs_f64(),
        complete,
        discoveries: paths,
        peak_bytes: Some(peak_bytes),
    }
}

fn record(discoveries: &mut [Option<u32>], hits: u64, node: u32) {
    for (i, d) in discoveries.iter_mut().enumerate() {
        if d.is_none() && hits & (1 << i) != 0 {
            *d = Some(node);
        }
    }
}

/// The init index and action indices from a root to `node`.
fn path_to(nodes: &[(u32, u32)], mut node: u32) -> (usize, Vec<usize>) {
    let mut actions = Vec::new();
    loop {
        let (parent, action) = nodes[node as usize];
        if parent == u32::MAX {
            actions.reverse();
            return (action as usize, actions);
        }
        actions.push(action as usize);
        node = parent;
    }
}
