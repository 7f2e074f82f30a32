//! Our breadth-first engine over stateright's `Model` trait. It keeps, per visited state, a
//! 64-bit fingerprint and (parent, action index), so a discovery is rebuilt by replay and is
//! exactly a shortest path. Levels are expanded in fixed-size blocks; within a block the
//! states are split over threads, and the successors are merged back in block order, so
//! every count and every discovery is the same whatever the thread count.

use std::hash::Hash;
use std::time::Instant;

use stateright::{Expectation, Model, Property};

use super::pack::{Marks, Pack};
use super::{fingerprint, FpSet, Progress, Search, SearchOpts};

/// Frontier states expanded per block (independent of the thread count, for determinism).
/// Every part's successors are held until the block is merged, so the scratch buffers
/// grow with it: 2,048 holds 1.3 MB of them on classic (3.4 bytes a state there), 4,096
/// held 2.7 MB, for 1-3% more speed.
const BLOCK: usize = 2048;

/// A successor found while expanding a block; its packed bytes are in the part's arena.
struct Succ {
    fp: u64,
    parent: u32,
    action: u32,
    /// Bit `i` set: property `i` has a discovery in this state.
    hits: u32,
    /// Its packed bytes start at `arena[start]` of the part's scratch and end where the next
    /// successor's start (24 bytes a successor, not 32: a block's parts hold them all).
    start: u32,
}

/// The properties `state` hits (bit `i`: `props[i]` is violated there, for an always
/// property, or satisfied, for a sometimes one), leaving out those in `skip`.
pub fn hits<M: Model>(model: &M, props: &[Property<M>], state: &M::State, skip: u32) -> u32 {
    props.iter().enumerate().fold(0, |acc, (i, p)| {
        if skip & (1 << i) != 0 {
            return acc;
        }
        let holds = (p.condition)(model, state);
        let hit = match p.expectation {
            Expectation::Always => !holds,
            Expectation::Sometimes => holds,
            Expectation::Eventually => false,
        };
        acc | (hit as u32) << i
    })
}

/// A model that can write a successor into a state it is handed, whose buffers it reuses:
/// the search steps every action into one scratch state instead of moving a new one out per
/// successor. The default goes through `next_state`.
pub trait StepInto: Model {
    /// Steps `state` by `action` into `out`; false (and `out` unspecified) when the action
    /// is no step from `state`.
    fn step_into(&self, state: &Self::State, action: Self::Action, out: &mut Self::State) -> bool {
        match self.next_state(state, action) {
            Some(next) => {
                *out = next;
                true
            }
            None => false,
        }
    }

    /// [`StepInto::step_into`] for an `out` that may still hold what the last call left
    /// in it, as `*dirty` says: [`DIRTY_ALL`] when `out` holds anything (it is then
    /// overwritten whole), else a mark this method set after a step of the same `state`
    /// (the model's own: what that step changed, to put back). A search expands one state's
    /// actions in a row, so a model can copy back only what the last step changed instead of
    /// the whole state per successor. The default ignores the mark.
    fn step_into_again(
        &self,
        state: &Self::State,
        action: Self::Action,
        out: &mut Self::State,
        dirty: &mut usize,
    ) -> bool {
        let _ = dirty;
        self.step_into(state, action, out)
    }

    /// The dirty mark of [`StepInto::step_into_again`] for a scratch state that the mark
    /// `last` says how to make state `x`, once `x` is replaced by a state that differs from
    /// it as the mark `changed` says ([`super::pack::Pack::unpack_again`]'s). The default:
    /// [`DIRTY_ALL`].
    fn dirty_after(&self, last: usize, changed: usize) -> usize {
        let _ = (last, changed);
        DIRTY_ALL
    }

    /// The properties of `props` (bit `i` for `props[i]`) whose verdict a step that left
    /// a mark [`StepInto::keeps_verdicts`] accepts never changes: they read only what such
    /// a step leaves as it was. The default: none.
    fn verdicts_kept(&self, props: &[Property<Self>]) -> u32 {
        let _ = props;
        0
    }

    /// Whether the step that left `mark` (see [`StepInto::step_into_again`]) keeps the
    /// verdicts of [`StepInto::verdicts_kept`]. A search then does not evaluate them on
    /// the successor: its parent hit none that is not found yet (it would have been found
    /// when the parent was reached), and so neither does the successor.
    fn keeps_verdicts(&self, mark: usize) -> bool {
        let _ = mark;
        false
    }

    /// A step's key for the sleep reduction (see [`Reductions::sleep`]): what
    /// [`StepInto::moves_past`] and [`StepInto::ranks_below`] need to know of it. Never 0
    /// (0: no step). The default: 1, a step that lets no other sleep.
    fn sleep_key(&self, action: &Self::Action) -> u32 {
        let _ = action;
        1
    }

    /// Whether a step `earlier` followed by a step `later` (keys) may be taken in the other
    /// order to the same state, from any state where they are taken in this one: `later`
    /// was possible before `earlier` (`earlier` cannot have enabled it) and the two commute.
    /// The default: never.
    fn moves_past(&self, earlier: u32, later: u32) -> bool {
        let _ = (earlier, later);
        false
    }

    /// Whether step `a` ranks strictly below step `c` (keys) in a fixed order of steps
    /// that, with `symmetric`, a renaming of the symmetry reduction keeps.
    fn ranks_below(&self, a: u32, c: u32, symmetric: bool) -> bool {
        let _ = (a, c, symmetric);
        false
    }

    /// Whether step `c` may be left out of a state first reached by the step `found_by`
    /// (keys): [`StepInto::moves_past`] and [`StepInto::ranks_below`] (see
    /// [`Reductions::sleep`]).
    fn sleeps(&self, found_by: u32, c: u32, symmetric: bool) -> bool {
        self.moves_past(found_by, c) && self.ranks_below(found_by, c, symmetric)
    }
}

/// How many of the last steps into a state the sleep reduction remembers with it (4 bytes
/// each, in the frontier only). Steps taken on classic, unreduced otherwise, against the
/// 389,176 states: 935,522 remembering 1, 752,441 with 2, 731,477 with 3, 709,961 with 4,
/// 701,546 with 6; on kv-store-one-slot (1,601,612 states): 4.00 M, 3.13 M, 3.12 M,
/// 2.63 M, 2.62 M.
pub const SLEEP_HISTORY: usize = 4;

/// [`StepInto::step_into_again`]'s mark for a scratch state that holds anything.
pub const DIRTY_ALL: usize = usize::MAX;

/// The states of a block unpacked one into the other ([`Pack::unpack_again`]): consecutive
/// states are mostly siblings, the same in all but a node or two, and a node whose bytes
/// are the same is kept. Holds the state unpacked last, its bytes and its marks.
pub struct Siblings<'b, S> {
    state: Option<S>,
    packed: &'b [u8],
    marks: super::pack::Marks,
    prev_marks: super::pack::Marks,
}

impl<'b, S> Siblings<'b, S> {
    pub fn new() -> Self {
        Siblings {
            state: None,
            packed: &[],
            marks: super::pack::Marks::new(),
            prev_marks: super::pack::Marks::new(),
        }
    }

    /// The state packed as `packed`, unpacked into the one before it, and its marks (for
    /// [`Pack::pack_step_into`]). `dirty`, the mark of a scratch state that held the state
    /// before ([`StepInto::step_into_again`]), becomes the mark for this one: what either
    /// the last step or the change of state touched.
    pub fn unpack<M, P>(
        &mut self,
        model: &M,
        packer: &P,
        packed: &'b [u8],
        dirty: &mut usize,
    ) -> (&S, &super::pack::Marks)
    where
        M: StepInto<State = S>,
        P: Pack<S>,
    {
        match self.state.as_mut() {
            Some(prev) => {
                std::mem::swap(&mut self.marks, &mut self.prev_marks);
                let changed = packer.unpack_again(
                    packed,
                    &mut self.marks,
                    prev,
                    self.packed,
                    &self.prev_marks,
                );
                *dirty = model.dirty_after(*dirty, changed);
            }
            None => self.state = Some(packer.unpack_marked(packed, &mut self.marks)),
        }
        self.packed = packed;
        (self.state.as_ref().expect("just unpacked"), &self.marks)
    }
}

impl<S> Default for Siblings<'_, S> {
    fn default() -> Self {
        Siblings::new()
    }
}

/// The reference model steps as stateright does.
impl StepInto for paxos_models::PaxosModel {}

/// The fingerprint of a state's symmetry class (symmetry reduction); `None`: the state's own.
pub type Canon<'a, S> = Option<&'a (dyn Fn(&S) -> u64 + Sync)>;

/// A reduced step function (partial-order reduction): given a state and all its actions,
/// hands the (action index, successor, mark) triples to explore to its callback, in action
/// order. The mark is the one [`StepInto::step_into_again`] would leave for that one step
/// from the state ([`DIRTY_ALL`] when unknown), so that the successor is packed from its
/// parent's bytes ([`Pack::pack_step_into`](super::pack::Pack::pack_step_into)).
/// `None`: every successor.
pub type Reduced<'a, M> = Option<
    &'a (dyn Fn(
        &<M as Model>::State,
        &[<M as Model>::Action],
        &mut dyn FnMut(usize, &<M as Model>::State, usize),
    ) + Sync),
>;

/// Judges each expanded state by the steps the search took from it: (action index, whether
/// the successor is a state of this level or an earlier one, so that the step may close a
/// cycle), with the state's actions. `false` stops the search there, incomplete. `None`: no
/// judge.
pub type Judge<'a, M> = Option<
    &'a (dyn Fn(&<M as Model>::State, &[<M as Model>::Action], &[(usize, bool)]) -> bool + Sync),
>;

/// The parent link of every visited state, (parent node, action index), in 6 bytes each
/// (a 32-bit parent, a 16-bit action index), in chunks of 16,384.
///
/// Parents and actions are two lists, not one of 6-byte entries: rustc 1.95 (LLVM) built a
/// 6-byte entry written in two parts as a 48-bit integer and, in the one-codegen-unit build,
/// folded it to zero (`store i48 0`), so every link read back as (0, 0) and every path
/// found was one step long. Whole `u32`s and `u16`s leave it nothing of the kind to fold.
#[derive(Default)]
struct Links {
    parents: super::Chunked<u32, { 1 << 14 }>,
    actions: super::Chunked<u16, { 1 << 14 }>,
}

impl Links {
    fn len(&self) -> usize {
        self.parents.len()
    }

    fn push(&mut self, (parent, action): (u32, u32)) {
        let action = u16::try_from(action).expect("fewer than 65,536 actions in a state");
        self.parents.push(parent);
        self.actions.push(action);
    }

    fn get(&self, i: usize) -> (u32, u32) {
        (self.parents.get(i), self.actions.get(i) as u32)
    }

    fn memory(&self) -> usize {
        self.parents.memory() + self.actions.memory()
    }
}

/// Bytes per arena chunk of a level (256 KiB).
const ARENA_CHUNK: usize = 1 << 18;

/// Arena chunks shared by the levels: a chunk of the level being expanded goes back here as
/// soon as every state in it is expanded, and the next level takes it, so the two levels
/// alive at once take little more memory than the wider of them. Chunks are never freed,
/// so `allocated` is the arenas' peak.
#[derive(Default)]
struct Pool {
    free: Vec<Vec<u8>>,
    allocated: usize,
}

impl Pool {
    fn take(&mut self) -> Vec<u8> {
        self.free.pop().unwrap_or_else(|| {
            self.allocated += 1;
            Vec::with_capacity(ARENA_CHUNK)
        })
    }

    fn give(&mut self, mut chunk: Vec<u8>) {
        chunk.clear();
        self.free.push(chunk);
    }
}

/// One level of the search: every state packed into byte chunks of 256 KiB taken from the
/// [`Pool`] (a state never straddles two), each state's bytes after their length (LEB128,
/// one byte below 128). States are read in order from the start of a part, so only every
/// [`PART`](super::PART)-th state's start is kept: a state costs its packed bytes plus one,
/// with no allocation of its own. States' nodes (their indices in the parent links) are
/// consecutive from `first_node`.
#[derive(Default)]
struct Level {
    chunks: Vec<Vec<u8>>,
    /// Chunks before this one went back to the pool.
    released: usize,
    /// Per part: `chunk * ARENA_CHUNK + offset` of its first state's length byte.
    marks: Vec<u64>,
    len: usize,
    first_node: u32,
}

impl Level {
    fn len(&self) -> usize {
        self.len
    }

    /// Empties the level (its chunks back to the pool) for states numbered from `first_node`.
    fn reset(&mut self, first_node: u32, pool: &mut Pool) {
        self.release_before(self.len, pool);
        self.chunks.clear();
        self.released = 0;
        self.marks.clear();
        self.len = 0;
        self.first_node = first_node;
    }

    /// Gives back every chunk that holds only states before state `i` (the first of a part,
    /// or the level's end).
    fn release_before(&mut self, i: usize, pool: &mut Pool) {
        debug_assert!(i >= self.len || i.is_multiple_of(super::PART));
        let upto = match self.marks.get(i / super::PART) {
            Some(&start) if i < self.len => start as usize / ARENA_CHUNK,
            _ => self.chunks.len(),
        };
        for c in self.released..upto {
            pool.give(std::mem::take(&mut self.chunks[c]));
        }
        self.released = self.released.max(upto);
    }

    fn push(&mut self, packed: &[u8], pool: &mut Pool) {
        let mut head = [0u8; 3];
        let head = leb128(packed.len(), &mut head);
        assert!(
            head.len() + packed.len() <= ARENA_CHUNK,
            "a packed state fits in a chunk"
        );
        if self
            .chunks
            .last()
            .is_none_or(|c| c.len() + head.len() + packed.len() > ARENA_CHUNK)
        {
            self.chunks.push(pool.take());
        }
        let index = self.chunks.len() - 1;
        let chunk = &mut self.chunks[index];
        if self.len.is_multiple_of(super::PART) {
            self.marks.push((index * ARENA_CHUNK + chunk.len()) as u64);
        }
        chunk.extend_from_slice(head);
        chunk.extend_from_slice(packed);
        self.len += 1;
    }

    /// The packed bytes and node of every state in `range` (which starts a part; its states
    /// not yet released), in order.
    fn states(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = (&[u8], u32)> {
        debug_assert!(range.start.is_multiple_of(super::PART));
        let start = self.marks[range.start / super::PART] as usize;
        let (mut chunk, mut at) = (start / ARENA_CHUNK, start % ARENA_CHUNK);
        range.map(move |i| {
            if at == self.chunks[chunk].len() {
                (chunk, at) = (chunk + 1, 0);
            }
            let bytes = &self.chunks[chunk][..];
            let (mut len, mut shift) = (0usize, 0);
            loop {
                let b = bytes[at];
                at += 1;
                len |= ((b & 0x7f) as usize) << shift;
                shift += 7;
                if b < 0x80 {
                    break;
                }
            }
            at += len;
            (&bytes[at - len..at], self.first_node + i as u32)
        })
    }

    /// Bytes held besides the pool's chunks.
    fn memory(&self) -> usize {
        self.marks.capacity() * std::mem::size_of::<u64>()
            + self.chunks.capacity() * std::mem::size_of::<Vec<u8>>()
    }
}

/// `n` in LEB128 (seven bits a byte, low first), in `buf`.
fn leb128(mut n: usize, buf: &mut [u8; 3]) -> &[u8] {
    let mut i = 0;
    while n >= 0x80 {
        buf[i] = (n as u8) | 0x80;
        n >>= 7;
        i += 1;
    }
    buf[i] = n as u8;
    &buf[..=i]
}

/// What expanding one part of a block yields: new successors (in the part's scratch),
/// states generated, and whether any state had a successor at all.
type Expansion = (Scratch, u64, bool);

/// How a search dedups, reduces and judges: see [`Canon`], [`Reduced`] and [`Judge`].
pub struct Reductions<'a, M: Model> {
    pub canon: Canon<'a, M::State>,
    pub reduced: Reduced<'a, M>,
    pub judge: Judge<'a, M>,
    /// The sleep reduction, a reduction of steps, not of states: every state is still
    /// reached, at its least depth, so every discovery is still a shortest path. A state
    /// `q` is first reached by a path `p·s·…·a` (its last [`SLEEP_HISTORY`] steps kept with
    /// it, `a` the last). It does not take a step `c` when some step `s` of them moves past
    /// every later one and past `c` ([`StepInto::moves_past`]) and ranks below `c`
    /// ([`StepInto::ranks_below`]): then `q·c = p·…·a·c·s`, `s` moved to the end. Why
    /// nothing is lost: take a state `x` of least depth `d + 1` (with symmetry, a class),
    /// and among the steps `(q, c)` from a kept state `q` of depth `d` into it one whose
    /// `c` ranks least. Were `c` left out at `q` for `s` (taken from `p`, of depth
    /// `d - j`), then `y = p·…·a·c`, `j` steps from `p`, has depth `d` (not less: `x`
    /// would be shallower), so a state `r` of its class is kept at depth `d` (with
    /// symmetry, `y` renamed) and steps into `x` by `s` (renamed, its rank kept): a lower
    /// rank than `c`'s. So `c` is taken and `x` is reached at depth `d + 1`. (With
    /// symmetry the argument is on classes: a class that a signature tie gives two
    /// fingerprints, see `paxos_models::symmetry`, is reached under one of them at least.)
    /// Unsound with a reduced step function (`p·c` need not be taken) and with a judge
    /// (it reads the steps taken): the search refuses both.
    pub sleep: bool,
    /// Whether a reduced search needs the cycle proviso (a state with a stubborn successor
    /// in a level already expanded, or being expanded, is expanded fully): always, unless
    /// every path of the model is known to be finite, where no cycle can postpone a step
    /// (see [`super::por`]).
    pub proviso: bool,
}

/// Buffers one part of a block works in, reused from block to block: allocating them fresh
/// (megabytes per block) made the kernel zero new pages for a quarter of the run.
#[derive(Default)]
struct Scratch {
    out: Vec<Succ>,
    arena: Vec<u8>,
    /// Successors already produced by this part: a duplicate is dropped here, before its
    /// properties are evaluated (the merge drops duplicates across parts and blocks).
    local: FpSet,
    /// A reduced search's successors of the state being expanded.
    /// States a reduced search expanded fully (the cycle proviso).
    fully_expanded: u64,
    /// A reduced search's stubborn successors of the state being expanded, with their
    /// fingerprints, held until the proviso is decided.
    held: Vec<(usize, u64)>,
    /// A state's packed bytes, for its fingerprint.
    bytes: Vec<u8>,
    /// The steps taken from the state being expanded, for the judge.
    taken: Vec<(usize, bool)>,
    /// Whether the judge found a state wanting.
    rejected: bool,
}

/// Expands the states `range` of `level`. `next_level` holds the fingerprints of the level
/// being built (only a reduced search reads it: a successor seen before but not in it is
/// of a level already expanded or being expanded).
#[allow(clippy::too_many_arguments)]
fn expand<M: StepInto, P: Pack<M::State>>(
    model: &M,
    packer: &P,
    props: &[Property<M>],
    red: &Reductions<M>,
    (seen, next_level): (&FpSet, &FpSet),
    level: &Level,
    range: std::ops::Range<usize>,
    mut scratch: Scratch,
    memo: &mut super::Memo<u64>,
) -> Expansion
where
    M::State: Hash + Clone,
    M::Action: Clone,
{
    let Reductions {
        canon,
        reduced,
        judge,
        sleep,
        proviso,
    } = *red;
    scratch.out.clear();
    scratch.arena.clear();
    scratch.local.clear();
    scratch.rejected = false;
    let Scratch {
        out,
        arena,
        local,
        fully_expanded,
        held,
        bytes,
        taken,
        rejected,
    } = &mut scratch;
    let memo = std::cell::RefCell::new(memo);
    let mut generated = 0;
    let mut any_successor = false;
    let mut actions = Vec::new();
    let mut stubborn: Vec<M::State> = Vec::new();
    // The one state every action is stepped into.
    let mut scratch_state: Option<M::State> = None;
    // The state's fingerprint (its class's, with symmetry).
    // `next` is `parent` (packed, unpacked with `marks`) stepped by a step that left
    // `mark`.
    let fp_of =
        |next: &M::State, (parent, marks, mark): (&[u8], &Marks, usize), bytes: &mut Vec<u8>| {
            bytes.clear();
            packer.pack_step_into(next, parent, marks, mark, bytes);
            match canon {
                Some(c) => memo.borrow_mut().class(bytes, || c(next)),
                // Packed bytes are canonical (one state, one byte string), so their hash is
                // the state's fingerprint: hashing one short byte string costs a fraction of
                // walking the state's vectors and hash maps.
                None => fingerprint(&bytes[..]),
            }
        };
    let mut judged_actions = Vec::new();
    let mut siblings = Siblings::new();
    // What the scratch state needs put back ([`StepInto::step_into_again`]).
    let mut dirty = DIRTY_ALL;
    let kept = model.verdicts_kept(props);
    // The sleep reduction's ranks name nodes as the symmetry renames them.
    let symmetric = canon.is_some();
    for (packed, node) in level.states(range) {
        if *rejected {
            break;
        }
        // With the sleep reduction a state's bytes end with the keys of the last steps on
        // the path that first reached it, the last first (0: none).
        let mut history = [0u32; SLEEP_HISTORY];
        let packed = match sleep {
            true => {
                let (state, keys) = packed.split_at(packed.len() - 4 * SLEEP_HISTORY);
                for (h, k) in history.iter_mut().zip(keys.chunks_exact(4)) {
                    *h = u32::from_le_bytes(k.try_into().expect("four bytes"));
                }
                state
            }
            false => packed,
        };
        // The steps of the history that move past every later one: a step that ranks
        // below them and that they move past sleeps here.
        let mut movable = [0u32; SLEEP_HISTORY];
        let mut movables = 0;
        for j in 0..SLEEP_HISTORY {
            let s = history[j];
            if s != 0 && history[..j].iter().all(|&t| model.moves_past(s, t)) {
                movable[movables] = s;
                movables += 1;
            }
        }
        // Unpacked into the state before it, keeping what is the same; the scratch state
        // then needs put back what either the last step or the change of state touched.
        let (state, marks) = siblings.unpack(model, packer, packed, &mut dirty);
        actions.clear();
        model.actions(state, &mut actions);
        taken.clear();
        if judge.is_some() {
            judged_actions.clone_from(&actions);
        }
        // Takes successor `next` by action `a`, its fingerprint `fp` if already known: new
        // ones are packed into the arena (without symmetry, packed once, the fingerprint
        // hashed from the arena's bytes) and their properties evaluated.
        // `mark`: the mark the step into `next` left (see `Pack::pack_step_into`).
        let mut take = |a: usize, fp: Option<u64>, next: &M::State, mark: usize, key: u32| {
            generated += 1;
            any_successor = true;
            let start = arena.len();
            let fp = match (fp, canon) {
                (Some(fp), _) => fp,
                (None, Some(c)) => {
                    // Packed first: a new state's bytes are needed anyway.
                    packer.pack_step_into(next, packed, marks, mark, arena);
                    memo.borrow_mut().class(&arena[start..], || c(next))
                }
                (None, None) => {
                    packer.pack_step_into(next, packed, marks, mark, arena);
                    fingerprint(&arena[start..])
                }
            };
            if judge.is_some() {
                taken.push((a, seen.contains(&fp) && !next_level.contains(&fp)));
            }
            if seen.contains(&fp) || !local.insert(fp) {
                arena.truncate(start);
                return;
            }
            if arena.len() == start {
                packer.pack_into(next, arena);
            }
            if sleep {
                arena.extend_from_slice(&key.to_le_bytes());
                for h in &history[..SLEEP_HISTORY - 1] {
                    arena.extend_from_slice(&h.to_le_bytes());
                }
            }
            let skip = if model.keeps_verdicts(mark) { kept } else { 0 };
            debug_assert_eq!(
                hits(model, props, next, !skip),
                hits(model, props, state, !skip),
                "a step that keeps verdicts keeps them"
            );
            out.push(Succ {
                fp,
                parent: node,
                action: a as u32,
                hits: hits(model, props, next, skip),
                start: start as u32,
            });
        };
        let full = match reduced {
            None => true,
            // No cycle to postpone a step forever: each stubborn successor is taken as it
            // comes, never held, and packed once, from its parent's bytes.
            Some(step) if !proviso => {
                step(state, &actions, &mut |a, next, mark| {
                    take(a, None, next, mark, 0);
                });
                false
            }
            Some(step) => {
                held.clear();
                let mut back = false;
                step(state, &actions, &mut |a, next, mark| {
                    let fp = fp_of(next, (packed, marks, mark), bytes);
                    back |= seen.contains(&fp) && !next_level.contains(&fp);
                    // Held in the slots of earlier states' successors (no allocation).
                    match stubborn.get_mut(held.len()) {
                        Some(slot) => slot.clone_from(next),
                        None => stubborn.push(next.clone()),
                    }
                    held.push((a, fp));
                });
                if back {
                    *fully_expanded += 1;
                } else {
                    for (&(a, fp), next) in held.iter().zip(&stubborn) {
                        take(a, Some(fp), next, DIRTY_ALL, 0);
                    }
                    held.clear();
                }
                back
            }
        };
        if full {
            // A stubborn successor already stepped (they come in action order) is taken as
            // it is; every other action is stepped now, into the scratch state.
            let mut kept = 0;
            for (a, action) in actions.drain(..).enumerate() {
                if held.get(kept).is_some_and(|&(k, _)| k == a) {
                    take(a, Some(held[kept].1), &stubborn[kept], DIRTY_ALL, 0);
                    kept += 1;
                } else {
                    let key = if sleep { model.sleep_key(&action) } else { 0 };
                    if movable[..movables]
                        .iter()
                        .any(|&s| model.sleeps(s, key, symmetric))
                    {
                        continue;
                    }
                    let into = scratch_state.get_or_insert_with(|| state.clone());
                    if model.step_into_again(state, action, into, &mut dirty) {
                        take(a, None, into, dirty, key);
                    }
                }
            }
        }
        if let Some(judge) = judge {
            *rejected |= !judge(state, &judged_actions, taken);
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
    red: &Reductions<M>,
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Search
where
    M: StepInto + Sync,
    M::State: Hash + Clone + Send + Sync,
    M::Action: Clone,
    P: Pack<M::State>,
{
    assert!(props.len() <= 32, "at most 32 properties");
    assert!(
        !red.sleep || (red.reduced.is_none() && red.judge.is_none()),
        "the sleep reduction takes every state's steps and no judge"
    );
    let started = Instant::now();
    let mut last_report = started;
    let threads = opts.threads.max(1);
    let (canon, reduced) = (red.canon, red.reduced);
    // A level being built is told apart from the levels before it when a step may close a
    // cycle: for the reduction's proviso and for the judge.
    let tell_levels = (reduced.is_some() && red.proviso) || red.judge.is_some();
    let mut seen = FpSet::default();
    // A reduced search's level being built, to tell edges back from edges forward.
    let mut next_level = FpSet::default();
    // Per visited state: (parent node, action index); roots have parent u32::MAX and the
    // init state's index as action.
    let mut nodes = Links::default();
    let mut discoveries: Vec<Option<u32>> = vec![None; props.len()];
    let mut states: u64 = 0;
    let mut arenas = Pool::default();
    let mut frontier = Level::default();
    // The level before last, kept for its buffers: growing fresh ones every level faulted
    // in new pages (a fifth of the run in the kernel's page zeroing).
    let mut spare = Level::default();
    let mut pool: Vec<Scratch> = Vec::new();
    // Symmetry classes already computed, one table per thread (see [`super::Memo`]),
    // allocated up front: the memory counted is then the same whichever threads ran parts.
    let mut memos: Vec<super::Memo<u64>> = match canon {
        Some(_) => (0..threads).map(|_| super::Memo::allocated()).collect(),
        None => Vec::new(),
    };
    let mut complete = true;
    let mut peak_bytes = 0u64;
    let mut packed = Vec::new();
    let mut fully_expanded = 0u64;

    for (i, init) in model.init_states().into_iter().enumerate() {
        states += 1;
        packed.clear();
        packer.pack_into(&init, &mut packed);
        let fp = match canon {
            Some(c) => c(&init),
            None => fingerprint(&packed),
        };
        if !seen.insert(fp) {
            continue;
        }
        let node = nodes.len() as u32;
        nodes.push((u32::MAX, i as u32));
        let h = hits(model, props, &init, 0);
        record(&mut discoveries, h, node);
        debug_assert_eq!(node, frontier.first_node + frontier.len() as u32);
        if red.sleep {
            // Reached by no step.
            packed.extend_from_slice(&[0; 4 * SLEEP_HISTORY]);
        }
        frontier.push(&packed, &mut arenas);
    }

    let mut depth = 0usize;
    let mut levels = vec![frontier.len() as u64];
    let found_enough = |d: &[Option<u32>]| {
        (opts.stop_when_all_found && d.iter().all(Option::is_some))
            || (opts.stop_when_any_found && d.iter().any(Option::is_some))
    };
    'levels: while frontier.len() > 0 {
        if found_enough(&discoveries) {
            // Stopped with work left: properties without a discovery are not decided.
            complete = false;
            break;
        }
        let mut next = std::mem::take(&mut spare);
        next.reset(nodes.len() as u32, &mut arenas);
        let at_bound = opts.depth_max.is_some_and(|d| depth >= d);
        let len = frontier.len();
        for block_start in (0..len).step_by(BLOCK) {
            let block_end = (block_start + BLOCK).min(len);
            let count = (block_end - block_start).div_ceil(super::PART);
            let (sets, level) = ((&seen, &next_level), &frontier);
            let parts: Vec<Expansion> =
                super::run_parts_with(threads, count, &mut pool, &mut memos, |p, scratch, memo| {
                    let from = block_start + p * super::PART;
                    let range = from..(from + super::PART).min(block_end);
                    expand(model, packer, props, red, sets, level, range, scratch, memo)
                });
            if at_bound {
                // Successors exist beyond the depth bound: the run is not exhaustive.
                if parts.iter().any(|p| p.2) {
                    complete = false;
                    break 'levels;
                }
                continue;
            }
            if parts.iter().any(|p| p.0.rejected) {
                complete = false;
                break 'levels;
            }
            for (mut scratch, generated, _) in parts {
                states += generated;
                fully_expanded += std::mem::take(&mut scratch.fully_expanded);
                let ends = scratch.out.iter().skip(1).map(|n| n.start);
                let ends = ends.chain(std::iter::once(scratch.arena.len() as u32));
                for (s, end) in scratch.out.iter().zip(ends) {
                    if !seen.insert(s.fp) {
                        continue;
                    }
                    if tell_levels {
                        next_level.insert(s.fp);
                    }
                    let node = nodes.len() as u32;
                    nodes.push((s.parent, s.action));
                    record(&mut discoveries, s.hits, node);
                    debug_assert_eq!(node, next.first_node + next.len() as u32);
                    next.push(&scratch.arena[s.start as usize..end as usize], &mut arenas);
                }
                pool.push(scratch);
            }
            // Every state before the next block is expanded: its chunks can hold the next
            // level's states.
            frontier.release_before(block_end, &mut arenas);
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
            if opts.must_stop(nodes.len(), true) {
                complete = false;
                break 'levels;
            }
        }
        if at_bound {
            break;
        }
        if next.len() > 0 {
            depth += 1;
            levels.push(next.len() as u64);
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
            .sum::<usize>()
            + memos.iter().map(super::Memo::memory).sum::<usize>();
        let level_bytes = arenas.allocated * ARENA_CHUNK
            + frontier.memory()
            + next.memory()
            + buckets * (std::mem::size_of::<u64>() + 1)
            + nodes.memory()
            + scratch;
        peak_bytes = peak_bytes.max(level_bytes as u64);
        spare = std::mem::replace(&mut frontier, next);
        next_level.clear();
    }

    let paths = discoveries
        .iter()
        .map(|d| d.map(|node| path_to(|i| nodes.get(i), node)))
        .collect();
    Search {
        states,
        unique: nodes.len() as u64,
        depth,
        seconds: started.elapsed().as_secs_f64(),
        complete,
        discoveries: paths,
        peak_bytes: Some(peak_bytes),
        fully_expanded: reduced.map(|_| fully_expanded),
        dead: super::DeadUse::Off,
        levels,
    }
}

fn record(discoveries: &mut [Option<u32>], hits: u32, node: u32) {
    for (i, d) in discoveries.iter_mut().enumerate() {
        if d.is_none() && hits & (1 << i) != 0 {
            *d = Some(node);
        }
    }
}

/// The init index and action indices from a root to `node`, following `parent_of` (which
/// gives each node's (parent, action index); a root has parent `u32::MAX` and its init
/// state's index as action). Both the engine's links and the fault-tolerance graph use it.
pub fn path_to(parent_of: impl Fn(usize) -> (u32, u32), mut node: u32) -> (usize, Vec<usize>) {
    let mut actions = Vec::new();
    loop {
        let (parent, action) = parent_of(node as usize);
        if parent == u32::MAX {
            actions.reverse();
            return (action as usize, actions);
        }
        actions.push(action as usize);
        node = parent;
    }
}
