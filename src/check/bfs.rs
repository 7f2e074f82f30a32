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
use super::{Progress, Search, SearchOpts};

/// The fingerprint of a packed state.
fn fingerprint_bytes(bytes: &[u8]) -> u64 {
    super::fingerprint(bytes)
}

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

/// A successor found while expanding a block; its packed bytes are in the part's arena.
struct Succ {
    fp: u64,
    parent: u32,
    action: u32,
    /// Bit `i` set: property `i` has a discovery in this state.
    hits: u64,
    /// Its packed bytes: `arena[start..end]` of the part's scratch.
    start: u32,
    end: u32,
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

/// One level of the search: every state packed into one byte arena, and per state where
/// its bytes start and its node (its index in the parent links). A state costs its packed
/// bytes plus 8, with no allocation of its own.
#[derive(Default)]
struct Level {
    bytes: Vec<u8>,
    entries: Vec<(u32, u32)>,
}

impl Level {
    fn clear(&mut self) {
        self.bytes.clear();
        self.entries.clear();
    }

    fn push(&mut self, packed: &[u8], node: u32) {
        let start = u32::try_from(self.bytes.len()).expect("a level's states fit in 4 GiB");
        self.bytes.extend_from_slice(packed);
        self.entries.push((start, node));
    }

    /// The packed bytes of entry `i`.
    fn get(&self, i: usize) -> &[u8] {
        let start = self.entries[i].0 as usize;
        let end = self
            .entries
            .get(i + 1)
            .map_or(self.bytes.len(), |e| e.0 as usize);
        &self.bytes[start..end]
    }

    fn memory(&self) -> usize {
        self.bytes.capacity() + self.entries.capacity() * std::mem::size_of::<(u32, u32)>()
    }
}

/// What expanding one part of a block yields: new successors (in the part's scratch),
/// states generated, and whether any state had a successor at all.
type Expansion = (Scratch, u64, bool);

/// Buffers one part of a block works in, reused from block to block: allocating them fresh
/// (megabytes per block) made the kernel zero new pages for a quarter of the run.
#[derive(Default)]
struct Scratch {
    out: Vec<Succ>,
    arena: Vec<u8>,
    /// Successors already produced by this part: a duplicate is dropped here, before its
    /// properties are evaluated (the merge drops duplicates across parts and blocks).
    local: FpSet,
}

/// Expands the states `range` of `level`.
#[allow(clippy::too_many_arguments)]
fn expand<M: Model, P: Pack<M::State>>(
    model: &M,
    packer: &P,
    props: &[Property<M>],
    canon: Canon<M::State>,
    seen: &FpSet,
    level: &Level,
    range: std::ops::Range<usize>,
    mut scratch: Scratch,
) -> Expansion
where
    M::State: Hash,
{
    scratch.out.clear();
    scratch.arena.clear();
    scratch.local.clear();
    let Scratch { out, arena, local } = &mut scratch;
    let mut generated = 0;
    let mut any_successor = false;
    let mut actions = Vec::new();
    for i in range {
        let node = level.entries[i].1;
        let state = packer.unpack(level.get(i));
        actions.clear();
        model.actions(&state, &mut actions);
        for (a, action) in actions.drain(..).enumerate() {
            let Some(next) = model.next_state(&state, action) else {
                continue;
            };
            generated += 1;
            any_successor = true;
            let start = arena.len();
            let fp = match canon {
                Some(c) => c(&next),
                None => {
                    // Packed bytes are canonical (one state, one byte string), so their
                    // hash is the state's fingerprint: hashing one short byte string
                    // costs a fraction of walking the state's vectors and hash maps.
                    packer.pack_into(&next, arena);
                    fingerprint_bytes(&arena[start..])
                }
            };
            if seen.contains(&fp) || !local.insert(fp) {
                arena.truncate(start);
                continue;
            }
            if canon.is_some() {
                packer.pack_into(&next, arena);
            }
            let start = start as u32;
            out.push(Succ {
                fp,
                parent: node,
                action: a as u32,
                hits: hits(model, props, &next),
                start,
                end: arena.len() as u32,
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
    let mut frontier = Level::default();
    // The level before last, kept for its buffers: growing fresh ones every level faulted
    // in new pages (a fifth of the run in the kernel's page zeroing).
    let mut spare = Level::default();
    let mut pool: Vec<Scratch> = Vec::new();
    let mut complete = true;
    let mut peak_bytes = 0u64;
    let mut packed = Vec::new();

    for (i, init) in model.init_states().into_iter().enumerate() {
        states += 1;
        packed.clear();
        packer.pack_into(&init, &mut packed);
        let fp = match canon {
            Some(c) => c(&init),
            None => fingerprint_bytes(&packed),
        };
        if !seen.insert(fp) {
            continue;
        }
        let node = nodes.len() as u32;
        nodes.push((u32::MAX, i as u32));
        let h = hits(model, props, &init);
        record(&mut discoveries, h, node);
        frontier.push(&packed, node);
    }

    let mut depth = 0usize;
    let found_enough = |d: &[Option<u32>]| {
        (opts.stop_when_all_found && d.iter().all(Option::is_some))
            || (opts.stop_when_any_found && d.iter().any(Option::is_some))
    };
    'levels: while !frontier.entries.is_empty() {
        if found_enough(&discoveries) {
            // Stopped with work left: properties without a discovery are not decided.
            complete = false;
            break;
        }
        let mut next = std::mem::take(&mut spare);
        next.clear();
        let at_bound = opts.depth_max.is_some_and(|d| depth >= d);
        let len = frontier.entries.len();
        for block_start in (0..len).step_by(BLOCK) {
            let block_end = (block_start + BLOCK).min(len);
            let chunk = (block_end - block_start).div_ceil(threads);
            let parts: Vec<Expansion> = if threads == 1 {
                let scratch = pool.pop().unwrap_or_default();
                let range = block_start..block_end;
                vec![expand(
                    model, packer, props, canon, &seen, &frontier, range, scratch,
                )]
            } else {
                std::thread::scope(|scope| {
                    let handles: Vec<_> = (block_start..block_end)
                        .step_by(chunk)
                        .map(|from| {
                            let range = from..(from + chunk).min(block_end);
                            let (seen, level) = (&seen, &frontier);
                            let scratch = pool.pop().unwrap_or_default();
                            scope.spawn(move || {
                                expand(model, packer, props, canon, seen, level, range, scratch)
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
            for (scratch, generated, _) in parts {
                states += generated;
                for s in &scratch.out {
                    if !seen.insert(s.fp) {
                        continue;
                    }
                    let node = nodes.len() as u32;
                    nodes.push((s.parent, s.action));
                    record(&mut discoveries, s.hits, node);
                    next.push(&scratch.arena[s.start as usize..s.end as usize], node);
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
        if !next.entries.is_empty() {
            depth += 1;
        }
        // Both levels are alive at the end of a level: count them with the visited set,
        // the parent links and the scratch buffers.
        let buckets = (seen.capacity() * 8 / 7).next_power_of_two();
        let scratch: usize = pool
            .iter()
            .map(|s| {
                s.arena.capacity()
                    + s.out.capacity() * std::mem::size_of::<Succ>()
                    + s.local.capacity() * 9
            })
            .sum();
        let level_bytes = frontier.memory()
            + next.memory()
            + buckets * (std::mem::size_of::<u64>() + 1)
            + nodes.capacity() * std::mem::size_of::<(u32, u32)>()
            + scratch;
        peak_bytes = peak_bytes.max(level_bytes as u64);
        spare = std::mem::replace(&mut frontier, next);
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
