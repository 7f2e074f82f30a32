//! Stamps the binary with a hash of the sources that decide what a simulated run does (the
//! harness, the models and their variants, the locked dependency versions), so a shard
//! result written by one build is never merged with another's: `merge` refuses files whose
//! `code` differs from its own. FNV-1a over every file's path and bytes, in path order.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    let mut paths = Vec::new();
    for dir in ["src", "models/src", "models/variants"] {
        println!("cargo:rerun-if-changed={dir}");
        files(Path::new(dir), &mut paths);
    }
    for file in ["Cargo.lock", "models/Cargo.toml", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={file}");
        paths.push(PathBuf::from(file));
    }
    paths.sort();
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for path in &paths {
        feed(path.to_string_lossy().replace('\\', "/").as_bytes());
        feed(&[0]);
        feed(&std::fs::read(path).unwrap_or_default());
        feed(&[0]);
    }
    println!("cargo:rustc-env=PAXOS_LAB_CODE_HASH={h:016x}");
}
