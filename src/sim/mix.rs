//! The fault mix a run injects, and the draws every choice of a run is made with.

use paxos_models::{ClusterCfg, Delivery};
use rand::RngCore;
use rand_chacha::ChaCha8Rng;

/// Fault probabilities and cluster timing for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultMix {
    /// Chance, at each step where a message could be lost, that one is.
    pub drop: f64,
    /// Chance, at each step where a delivered message could be delivered again, that it is.
    pub duplicate: f64,
    /// Chance, at each step where a node may crash, that one does.
    pub crash: f64,
    /// Chance, at each step where a crashed node may restart, that one does.
    pub restart: f64,
    /// Relative speed of each node: a delivery to node `i` is picked in proportion to
    /// `node_weights[i]`.
    pub node_weights: Vec<u32>,
    /// Relative eagerness of proposers' retry timers.
    pub timeout_weight: u32,
    /// Chance, at each step while the network is whole, that a partition starts.
    pub partition: f64,
    /// A partition heals after 1 to this many steps (drawn when it starts).
    pub partition_steps: usize,
    /// Chance that a partition is a one-way cut.
    pub one_way: f64,
}

impl FaultMix {
    /// The mix a scenario asks for, with faults the world does not allow zeroed.
    pub fn fixed(
        cfg: &ClusterCfg,
        drop: f64,
        duplicate: f64,
        crash: f64,
        restart: f64,
    ) -> FaultMix {
        FaultMix {
            drop: if cfg.lossy { drop } else { 0.0 },
            duplicate: if cfg.delivery == Delivery::UnorderedDuplicating {
                duplicate
            } else {
                0.0
            },
            crash: if cfg.crashes_max > 0 { crash } else { 0.0 },
            restart: if cfg.restarts { restart } else { 0.0 },
            node_weights: vec![1; cfg.node_count()],
            timeout_weight: 1,
            partition: 0.0,
            partition_steps: 1,
            one_way: 0.0,
        }
    }

    /// The same mix with network partitions: each starts with chance `partition` at a step
    /// while the network is whole, is a one-way cut with chance `one_way`, and heals after 1
    /// to `steps` steps.
    pub fn with_partitions(mut self, partition: f64, steps: usize, one_way: f64) -> FaultMix {
        self.partition = partition;
        self.partition_steps = steps.max(1);
        self.one_way = one_way;
        self
    }

    /// Swarm testing: a mix drawn from the run's own generator. Each fault the world allows
    /// is off in a third of the runs and otherwise drawn up to a cap; nodes get speeds 1, 2,
    /// 4 or 8.
    pub fn swarm(cfg: &ClusterCfg, rng: &mut ChaCha8Rng) -> FaultMix {
        let mut draw = |cap: f64| {
            if below(rng, 1.0 / 3.0) {
                0.0
            } else {
                (unit(rng) * cap * 1000.0).round() / 1000.0
            }
        };
        let drop = draw(0.3);
        let duplicate = draw(0.5);
        let crash = draw(0.2);
        let restart = draw(0.5);
        let mut mix = FaultMix::fixed(cfg, drop, duplicate, crash, restart);
        // Partitions are not drawn: `with_partitions` sets them for every run alike.
        mix.node_weights = (0..cfg.node_count()).map(|_| 1 << pick(rng, 4)).collect();
        mix.timeout_weight = 1 + pick(rng, 4) as u32;
        mix
    }

    /// `drop=0.050 duplicate=0.000 crash=0.020 restart=0.200 speeds=p1:1,... timeout=1`, then
    /// `partition=0.020 partition_steps=20 one_way=0.300` when partitions are on.
    pub fn describe(&self, cfg: &ClusterCfg) -> String {
        let speeds: Vec<String> = self
            .node_weights
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{}:{w}", cfg.node_name(i)))
            .collect();
        format!(
            "drop={:.3} duplicate={:.3} crash={:.3} restart={:.3} speeds={} timeout={}",
            self.drop,
            self.duplicate,
            self.crash,
            self.restart,
            speeds.join(","),
            self.timeout_weight
        ) + &if self.partition > 0.0 {
            format!(
                " partition={:.3} partition_steps={} one_way={:.3}",
                self.partition, self.partition_steps, self.one_way
            )
        } else {
            String::new()
        }
    }
}

/// A uniform draw in [0, 1) from the top 53 bits of `next_u64`.
pub(super) fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

pub(super) fn below(rng: &mut ChaCha8Rng, p: f64) -> bool {
    p > 0.0 && unit(rng) < p
}

/// A uniform index below `n` (n > 0), by Lemire's multiply-shift on `next_u64`.
pub(super) fn pick(rng: &mut ChaCha8Rng, n: usize) -> usize {
    ((rng.next_u64() as u128 * n as u128) >> 64) as usize
}

/// A weighted index (weights > 0).
pub(super) fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[u64]) -> usize {
    let total: u64 = weights.iter().sum();
    let mut x = ((rng.next_u64() as u128 * total as u128) >> 64) as u64;
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}
