//! The batch-engine files in `deploy/` run the CLI as it is: each is parsed, its command is
//! executed here with the scheduler's index variable set, and the shards it writes merge
//! into what one `simulate` over the batch prints. So they cannot drift from the CLI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlLoader};

use super::{run_in, workdir};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn untimed(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.starts_with("runs="))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `PATH` with the test's `paxos-lab` first, as the container image has it.
fn path_with_binary() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_paxos-lab")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn one_simulate(dir: &Path, variant: &str, runs: &str, report: &Path) -> Output {
    run_in(
        dir,
        &[
            "simulate",
            "--scenario",
            "classic",
            "--variant",
            variant,
            "--seed",
            "0",
            "--runs",
            runs,
            "--keep-going",
            "--report",
            report.to_str().unwrap(),
        ],
    )
}

#[test]
fn the_slurm_array_script_runs_each_shard_and_they_merge_into_one_run() {
    let script = std::fs::read_to_string(repo("deploy/slurm/simulate.sbatch")).unwrap();
    let array = script
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --array="))
        .expect("an #SBATCH --array line");
    let (lo, hi) = array.split_once('-').expect("--array=0-N");
    assert_eq!(lo, "0", "shard indices start at 0");
    let n: u64 = hi.parse::<u64>().unwrap() + 1;
    let dir = workdir("deploy-slurm");
    let results = dir.join("results");
    for i in 0..n {
        let o = Command::new("bash")
            .arg(repo("deploy/slurm/simulate.sbatch"))
            .current_dir(&dir)
            .env("SLURM_ARRAY_TASK_ID", i.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", n.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .env("PAXOS_LAB", env!("CARGO_BIN_EXE_paxos-lab"))
            .env("VARIANT", "ignore-promised-value")
            .env("RUNS", "400")
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .unwrap();
        // A violation found is a result: the task succeeds.
        assert_eq!(
            o.status.code(),
            Some(0),
            "task {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(results.join(format!("shard-{i}.json")).exists());
    }
    let report = dir.join("report");
    let mut args = vec!["merge".to_string()];
    args.extend((0..n).map(|i| format!("results/shard-{i}.json")));
    args.extend(["--report".into(), report.display().to_string()]);
    let merged = run_in(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let one = one_simulate(&dir, "ignore-promised-value", "400", &report);
    assert_eq!(merged.status.code(), Some(1));
    assert_eq!(untimed(&merged), untimed(&one));
}

/// The documents of a YAML file.
fn yaml(path: &str) -> Vec<Yaml> {
    YamlLoader::load_from_str(&std::fs::read_to_string(repo(path)).unwrap()).unwrap()
}

fn kind<'a>(docs: &'a [Yaml], kind: &str) -> &'a Yaml {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("a {kind}"))
}

/// A Job's one container: its `sh -c` script and its environment.
fn container(job: &Yaml) -> (String, BTreeMap<String, String>, &Yaml) {
    let pod = &job["spec"]["template"]["spec"];
    let containers = pod["containers"].as_vec().expect("containers");
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    let command: Vec<&str> = c["command"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(command, ["sh", "-c"]);
    let script = c["args"][0].as_str().expect("one script").to_string();
    let env: BTreeMap<String, String> = c["env"]
        .as_vec()
        .map(|v| {
            v.iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap().to_string(),
                        e["value"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // The results go where the shared volume is mounted, and the volume is the claim's.
    let mount = &c["volumeMounts"][0];
    assert_eq!(
        mount["mountPath"].as_str(),
        env.get("RESULTS").map(String::as_str)
    );
    assert_eq!(
        mount["name"].as_str(),
        pod["volumes"][0]["name"].as_str(),
        "the mount names the pod's volume"
    );
    (script, env, pod)
}

#[test]
fn the_kubernetes_indexed_job_runs_each_shard_and_the_merge_job_merges_them() {
    let docs = yaml("deploy/kubernetes/simulate-job.yaml");
    let claim = kind(&docs, "PersistentVolumeClaim")["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let job = kind(&docs, "Job");
    assert_eq!(job["spec"]["completionMode"].as_str(), Some("Indexed"));
    let n = job["spec"]["completions"].as_i64().expect("completions") as u64;
    let (script, env, pod) = container(job);
    assert_eq!(
        env.get("SHARDS").map(String::as_str),
        Some(n.to_string().as_str()),
        "SHARDS must equal completions"
    );
    assert_eq!(
        pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as_str(),
        Some(claim.as_str())
    );
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));

    let dir = workdir("deploy-k8s");
    let results = dir.join("results");
    std::fs::create_dir_all(&results).unwrap();
    let variant = "ignore-promised-value";
    let run = |script: &str, env: &BTreeMap<String, String>, index: Option<u64>| {
        let mut c = Command::new("sh");
        c.args(["-c", script])
            .current_dir(&dir)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .envs(env)
            // The volume is a directory here; the batch is small and of a broken variant.
            .env("RESULTS", &results)
            .env("RUNS", "300")
            .env("VARIANT", variant)
            .env("PATH", path_with_binary());
        if let Some(i) = index {
            c.env("JOB_COMPLETION_INDEX", i.to_string());
        }
        c.output().unwrap()
    };
    for i in 0..n {
        let o = run(&script, &env, Some(i));
        assert_eq!(
            o.status.code(),
            Some(0),
            "pod {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(results.join(format!("shard-{i}.json")).exists());
    }

    let merge_docs = yaml("deploy/kubernetes/merge-job.yaml");
    let (merge_script, merge_env, merge_pod) = container(kind(&merge_docs, "Job"));
    assert_eq!(
        merge_pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as_str(),
        Some(claim.as_str())
    );
    let merged = run(&merge_script, &merge_env, None);
    assert_eq!(
        merged.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let one = one_simulate(&dir, variant, "300", &results.join("report"));
    assert_eq!(untimed(&merged), untimed(&one));
}
