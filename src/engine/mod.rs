//! The exhaustive engine: the packed world state and its step function ([`world`]), the
//! byte format frontier states are kept in ([`pack`]), and the breadth-first search over
//! either the world or stateright's `ActorModel`, which stays the reference semantics
//! ([`bfs`]). What a search is asked ([`SearchOpts`]) and what it found ([`Search`]) are
//! defined here; `check` runs the searches a verdict needs.

pub mod bfs;
pub mod dead;
pub mod pack;
pub mod por;
pub mod premise;
pub mod world;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Bounds and threads for one search.
#[derive(Clone, Debug)]
pub struct SearchOpts {
    pub threads: usize,
    /// Most actions on any explored path; deeper states are not explored (inconclusive).
    pub depth_max: Option<usize>,
    /// Most unique states; the run stops there (inconclusive).
    pub states_max: Option<usize>,
    /// Most resident memory of the process, in bytes; the run stops there (inconclusive)
    /// before the machine swaps or the kernel kills it. Our engine checks it after every
    /// block of states; stateright's DFS is watched by the CLI.
    pub memory_max: Option<u64>,
    /// Stop as soon as every property has a discovery.
    pub stop_when_all_found: bool,
    /// Stop as soon as any property has a discovery (the others are then inconclusive).
    pub stop_when_any_found: bool,
}

impl SearchOpts {
    /// Whether a search holding `unique` states must stop here: the state bound reached, an
    /// interrupt, or (when `check_memory`: reading the resident set costs a system call, so
    /// callers ask every few thousand states) the memory bound reached.
    pub fn must_stop(&self, unique: usize, check_memory: bool) -> bool {
        self.states_max.is_some_and(|m| unique >= m)
            || crate::interrupt::signal().is_some()
            || (check_memory
                && self
                    .memory_max
                    .is_some_and(|m| crate::mem::rss().is_some_and(|r| r >= m)))
    }
}

/// A progress report, about once a second.
#[derive(Clone, Debug)]
pub struct Progress {
    pub states: u64,
    pub unique: u64,
    pub depth: usize,
    pub seconds: f64,
}

/// What one search found.
#[derive(Clone, Debug)]
pub struct Search {
    /// States generated, duplicates included.
    pub states: u64,
    pub unique: u64,
    /// Longest path explored, in actions.
    pub depth: usize,
    pub seconds: f64,
    /// Whether every reachable state was explored (no bound cut the run short).
    pub complete: bool,
    /// Per property: (init index, action indices) to its first discovery.
    pub discoveries: Vec<Option<(usize, Vec<usize>)>>,
    /// The engine's own memory at its peak, counted (not sampled): the visited set, the
    /// parent links, and the two frontiers with their packed states. `None` for engines
    /// that do not count (stateright's).
    pub peak_bytes: Option<u64>,
    /// States a reduced search expanded fully because a stubborn successor led back to a
    /// level already explored (the cycle proviso, see [`por`]); `None` without reduction.
    pub fully_expanded: Option<u64>,
    /// What became of dead-message pruning in this search.
    pub dead: DeadUse,
    /// Unique states (classes, with symmetry) first reached at each depth, from the init
    /// states' 0: our breadth-first engine's, empty for the others.
    pub levels: Vec<u64>,
}

/// Dead-message pruning in one search ([`dead`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DeadUse {
    /// Not asked for.
    #[default]
    Off,
    /// Used: the nodes' lone explorations judged this many local states, having explored
    /// `explored` of them (a class at a time, [`dead::Dead::analyse_by_classes`]), over this
    /// many (sender, message) inputs, and proved every path finite or not
    /// ([`dead::Dead::acyclic`]).
    Used {
        local_states: usize,
        explored: usize,
        inputs: usize,
        acyclic: bool,
        /// The nodes left out of the analysis, by name (`l1`), and the bound on one node's
        /// local states that left them out ([`dead::NODE_STATES_MAX`] unless lowered).
        left_out: Vec<String>,
        node_states_max: usize,
    },
    /// Asked for, set aside for this reason.
    Aside(String),
}

/// The 64-bit fingerprint of a state: aHash with fixed seeds, as stateright's own, the same
/// in every process (SipHash cost twice as much and dedups no better).
pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> u64 {
    seeded().hash_one(value)
}

/// aHash with the fingerprint's fixed seeds, for the engine's hash maps.
pub fn seeded() -> ahash::RandomState {
    ahash::RandomState::with_seeds(
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    )
}

/// Fingerprints are already hashes: hash them as themselves.
#[derive(Default)]
pub struct IdentityHasher(u64);

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

/// A set of fingerprints.
pub type FpSet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

/// A map keyed by fingerprints.
pub type FpMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

/// Entries of a thread's [`Memo`] (128 KiB of them in a safety search).
const MEMO: usize = 1 << 13;

/// The class fingerprints (with the graph's renamings) a thread computed last, by the
/// fingerprint of the state's own packed bytes, in a direct-mapped table: many successors
/// are the very state another successor was (two deliveries to different nodes in either
/// order), and packing and hashing one costs a fraction of canonicalising it (in a store
/// world a quarter to a third of the run). One table per thread, kept from part to part
/// and block to block ([`run_parts_with`]): one per part started cold and held eight times
/// the memory (accept-keeps-promise's first violation on three-proposers: 2.9% fewer
/// instructions, 1,316 M against 1,355 M). It only remembers a pure function of the state,
/// so what it holds, which depends on the order parts ran, never changes a result.
pub struct Memo<V>(Vec<(u64, V)>);

impl<V: Clone + Default> Memo<V> {
    /// A memo with its table already allocated (a default one allocates it when first
    /// asked), so that the memory a search counts does not depend on which threads ran.
    pub fn allocated() -> Memo<V> {
        Memo(vec![(0, V::default()); MEMO])
    }

    /// The class fingerprint (or key) of the state packed as `packed`, `class()` if not
    /// remembered.
    pub fn class(&mut self, packed: &[u8], class: impl FnOnce() -> V) -> V {
        if self.0.is_empty() {
            self.0 = vec![(0, V::default()); MEMO];
        }
        let own = fingerprint(packed);
        // 0 marks an empty entry: a state whose own fingerprint is 0 is not remembered.
        let slot = &mut self.0[(own as usize) & (MEMO - 1)];
        if own != 0 && slot.0 == own {
            return slot.1.clone();
        }
        let fp = class();
        if own != 0 {
            *slot = (own, fp.clone());
        }
        fp
    }

    pub fn memory(&self) -> usize {
        self.0.capacity() * std::mem::size_of::<(u64, V)>()
    }
}

impl<V> Default for Memo<V> {
    fn default() -> Memo<V> {
        Memo(Vec::new())
    }
}

/// A list grown in fixed chunks of `CHUNK` entries: it never copies itself to grow and
/// never holds more than one chunk unused (a doubling `Vec` holds up to twice its length and
/// copies itself at every doubling, which for tens of millions of entries is the peak).
pub struct Chunked<T, const CHUNK: usize> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy, const CHUNK: usize> Chunked<T, CHUNK> {
    pub fn new() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, x: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        self.chunks.last_mut().expect("a chunk").push(x);
        self.len += 1;
    }

    pub fn get(&self, i: usize) -> T {
        self.chunks[i / CHUNK][i % CHUNK]
    }

    pub fn get_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }

    /// Bytes held, unused room included.
    pub fn memory(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<T>()
    }

    /// The entries, a chunk at a time, in order (each chunk freed once read).
    pub fn into_chunks(self) -> impl Iterator<Item = Vec<T>> {
        self.chunks.into_iter()
    }
}

impl<T: Copy, const CHUNK: usize> Default for Chunked<T, CHUNK> {
    fn default() -> Self {
        Self::new()
    }
}

/// States per part of a block: blocks are cut into parts this small, and each thread takes
/// the next part when it finishes one, so a thread that drew slow states does not leave the
/// others idle (with one part per thread, two threads ran about 1.45 times as fast as one).
pub const PART: usize = 256;

/// Runs `work(part, buffers)` for every part `0..parts` on `threads` threads, each taking
/// the next part as it finishes one, with `buffers` taken from `pool` (or made fresh); the
/// results come back in part order, so what a caller merges never depends on the thread
/// count or on timing.
pub fn run_parts<B: Default + Send, R: Send>(
    threads: usize,
    parts: usize,
    pool: &mut Vec<B>,
    work: impl Fn(usize, B) -> R + Sync,
) -> Vec<R> {
    let mut workers = Vec::new();
    run_parts_with(threads, parts, pool, &mut workers, |p, b, _: &mut ()| {
        work(p, b)
    })
}

/// [`run_parts`] with a state of its own for each thread (`workers`, grown to the threads
/// used), handed to every part the thread runs: a cache that only remembers a pure function
/// (a [`Memo`]) stays warm from part to part, where a part's own would start cold.
pub fn run_parts_with<B: Default + Send, W: Default + Send, R: Send>(
    threads: usize,
    parts: usize,
    pool: &mut Vec<B>,
    workers: &mut Vec<W>,
    work: impl Fn(usize, B, &mut W) -> R + Sync,
) -> Vec<R> {
    let used = threads.max(1).min(parts.max(1));
    while workers.len() < used {
        workers.push(W::default());
    }
    if threads <= 1 || parts <= 1 {
        let w = &mut workers[0];
        return (0..parts)
            .map(|p| work(p, pool.pop().unwrap_or_default(), w))
            .collect();
    }
    let buffers: Vec<std::sync::Mutex<Option<B>>> = (0..parts)
        .map(|_| std::sync::Mutex::new(Some(pool.pop().unwrap_or_default())))
        .collect();
    let results: Vec<std::sync::Mutex<Option<R>>> =
        (0..parts).map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for w in workers.iter_mut().take(used) {
            let (next, buffers, results, work) = (&next, &buffers, &results, &work);
            scope.spawn(move || loop {
                let p = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if p >= parts {
                    break;
                }
                let b = buffers[p]
                    .lock()
                    .unwrap()
                    .take()
                    .expect("each part runs once");
                let r = work(p, b, w);
                *results[p].lock().unwrap() = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap().expect("every part ran"))
        .collect()
}
