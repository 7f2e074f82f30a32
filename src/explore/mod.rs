//! `paxos-lab explore`: our own page on 127.0.0.1 that steps through the model `check`
//! explores, in protocol words: one lane per node with the messages of the path so far,
//! each node's state under its lane, the enabled steps as buttons, the properties live, and
//! the shortest violation of each one click away ([`api`] builds what it shows; this file
//! serves it). `--trace FILE` opens a saved trace (checked as `replay` checks it) at its first
//! step. `--stateright` serves stateright's own Explorer instead; with `--trace` it prints
//! that Explorer's address of the trace's path (init index and action indices).
//!
//! The API, all `GET`, all JSON (an error is `{"error": "..."}` with status 400 or 404):
//! - `/api/world`: scenario, variant, the lanes (`name`, `role`), the property names, and
//!   `start`, the path the page opens with (a loaded trace's, or empty);
//! - `/api/state?path=3,0,5`: at the end of that path, `nodes` (fields in protocol words,
//!   `durable` storage, `crashed`, `decided`), `steps` (the chart rows so far), `enabled`
//!   (`choice`, `word`, `kind`: the next steps), `chosen`, `decisions`, `properties`
//!   (`status` holds, violated or unknown, `detail`, `since_step`), and `violation` (the
//!   property violated first on the path, its `step` and its `why` narration) or null;
//! - `/api/shortest?property=P`: `check`'s verdict on P and, when it has a trace, its `path`
//!   and `net` (the cut a fault-tolerance trace ends with).
//!
//! A path carries the partition lines along it in `net=K:LINE;K:LINE` (a trace line placed
//! after K steps): a delivery the partition in force holds is shown held and cannot be taken,
//! and fault tolerance is judged with the partition in force at the end held for good.

pub mod api;

use std::io::Write;

use paxos_models::{PaxosModel, PropertyName};
use stateright::Model;

use crate::cli::{find_variant, CliError, ExploreArgs};
use crate::report::ReportError;
use crate::scenario::Scenario;

/// The action indices of `trace` in `model` (`0/i1/i2/...`), as the Explorer's URL wants.
pub fn explorer_path(model: &PaxosModel, trace: &crate::report::trace::Trace) -> String {
    let mut path = String::from("0");
    let mut enabled = Vec::new();
    for (i, action) in trace.actions.iter().enumerate() {
        enabled.clear();
        model.actions(&trace.states[i], &mut enabled);
        let index = enabled
            .iter()
            .position(|a| a == action)
            .expect("a replayed trace's actions are enabled");
        path += &format!("/{index}");
    }
    path
}

pub fn run(args: &ExploreArgs, out: &mut impl Write) -> Result<(), CliError> {
    // A trace gets the same checks as `replay`: format, scenario and variant hashes, and
    // every action word one this world can have.
    let loaded = args
        .trace
        .as_deref()
        .map(crate::report::Loaded::open)
        .transpose()?;
    let (scenario, variant) = match &loaded {
        Some(l) => (l.scenario.clone(), l.variant),
        None => (
            Scenario::load(&args.scenario)?,
            find_variant(&args.variant)?,
        ),
    };
    let model = PaxosModel::new(scenario.cluster.clone(), variant.rules);
    let replayed = match (&loaded, &args.trace) {
        (Some(l), Some(file)) => {
            let replayed = crate::report::replay_until(&model, &l.file.actions, l.property);
            if let Some((step, action, why)) = replayed.refused {
                return Err(CliError::Report(ReportError::Bad {
                    file: file.display().to_string(),
                    problem: format!(
                        "step {step} `{action}` is no longer possible with the current code: {why}"
                    ),
                    fix: "re-create the trace with `check` or `simulate`".into(),
                }));
            }
            Some(replayed.trace)
        }
        _ => None,
    };
    let addr = format!("127.0.0.1:{}", args.port);
    let listener = std::net::TcpListener::bind(&addr).map_err(|e| CliError::BadFlag {
        flag: "port",
        problem: format!("cannot listen on {addr}: {e}"),
        fix: "pass a free port, e.g. --port 3001".into(),
    })?;
    let addr = listener.local_addr()?.to_string();
    if args.stateright {
        let mut fragment = String::from("#/steps");
        if let Some(trace) = &replayed {
            fragment += &format!("/{}", explorer_path(&model, trace));
        }
        writeln!(
            out,
            "paxos-lab explore: stateright's Explorer, variant {} on scenario {} at http://{addr}/{fragment} (Ctrl-C stops)",
            variant.name, scenario.name
        )?;
        out.flush()?;
        // stateright binds the address itself (and panics if it cannot): hand it over.
        drop(listener);
        model.checker().serve(addr);
        return Ok(());
    }
    let mut explorer = api::Explorer::new(scenario, variant);
    if let Some(trace) = &replayed {
        // The page's model explores losses too, so every saved step is one of its steps.
        explorer.start = explorer
            .path_of(&trace.actions)
            .expect("a replayed trace's steps are enabled in the explorer's model");
        explorer.start_net = trace.events.clone();
    }
    // The page opens at the start, a loaded trace's steps ahead of it (forward takes them).
    let url = format!("http://{addr}/");
    writeln!(
        out,
        "paxos-lab explore: variant {} on scenario {} at {url} (Ctrl-C stops)",
        explorer.variant.name, explorer.scenario.name
    )?;
    if replayed.is_some() {
        let mut end = format!("{url}?path={}", api::join(&explorer.start));
        if !explorer.start_net.is_empty() {
            end += &format!(
                "&net={}",
                percent_encode(&api::net_text(explorer.model.cfg(), &explorer.start_net))
            );
        }
        writeln!(
            out,
            "  the trace's {} steps are ahead of the start (forward takes them one by one); its last state: {end}",
            explorer.start.len()
        )?;
    }
    if args.open {
        writeln!(out, "{}", open_browser(&url))?;
    }
    out.flush()?;
    serve(std::sync::Arc::new(explorer), listener)
}

/// Opens `url` in a browser where one is installed; says what it did.
fn open_browser(url: &str) -> String {
    for cmd in ["xdg-open", "open", "chromium", "google-chrome", "firefox"] {
        let spawned = std::process::Command::new(cmd)
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return format!("opened it with {cmd}");
        }
    }
    "--open: no browser found here (tried xdg-open, open, chromium, google-chrome, firefox); open the address yourself".into()
}

/// Serves the page and its API on `listener` until the process is stopped.
pub fn serve(
    explorer: std::sync::Arc<api::Explorer>,
    listener: std::net::TcpListener,
) -> Result<(), CliError> {
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| CliError::Io(std::io::Error::other(format!("cannot serve: {e}"))))?;
    for request in server.incoming_requests() {
        let (status, kind, body) = if *request.method() == tiny_http::Method::Get {
            respond(&explorer, request.url())
        } else {
            (
                405,
                "application/json",
                json_error("only GET is served here"),
            )
        };
        let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], kind.as_bytes())
            .expect("a valid header");
        let response = tiny_http::Response::from_string(body)
            .with_status_code(status)
            .with_header(header);
        // A client that went away is no reason to stop serving.
        let _ = request.respond(response);
    }
    Ok(())
}

fn json_error(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

/// The page, its script, and the API, by URL: (status, content type, body). Never panics on
/// a bad URL: it answers 400 or 404 with `{"error": ...}`.
pub fn respond(explorer: &api::Explorer, url: &str) -> (u16, &'static str, String) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(v))
    };
    match path {
        "/" | "/index.html" => (200, "text/html; charset=utf-8", PAGE.to_string()),
        "/api/world" => (200, "application/json", explorer.world().to_string()),
        "/api/state" => {
            let text = param("path").unwrap_or_default();
            let net = param("net").unwrap_or_default();
            let state = api::Explorer::parse_path(&text).and_then(|p| {
                let net = explorer.parse_net(&net)?;
                explorer.state(&p, &net)
            });
            match state {
                Ok(v) => (200, "application/json", v.to_string()),
                Err(api::BadPath(why)) => (400, "application/json", json_error(&why)),
            }
        }
        "/api/shortest" => {
            let name = param("property").unwrap_or_default();
            match PropertyName::from_name(&name) {
                Some(p) => (200, "application/json", explorer.shortest(p).to_string()),
                None => (
                    400,
                    "application/json",
                    json_error(&format!(
                        "unknown property `{name}`: use coherence, conflict-resolution, no-takebacks or fault-tolerance"
                    )),
                ),
            }
        }
        _ => (
            404,
            "application/json",
            json_error(&format!(
                "no page at `{path}`: the page is at /, its API under /api/"
            )),
        ),
    }
}

/// A query value as the browser sent it: `+` is a space, `%XX` a byte (a malformed escape is
/// kept as it is, and then fails to parse as a path or a partition line with its own error).
fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query value for a URL: everything but letters, digits and `-_.,:` escaped.
fn percent_encode(v: &str) -> String {
    v.bytes()
        .map(|c| match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' | b':' => {
                (c as char).to_string()
            }
            _ => format!("%{c:02X}"),
        })
        .collect()
}

/// The page: HTML, CSS and script in one file, embedded in the binary (no network needed).
const PAGE: &str = include_str!("page.html");
