//! `jiuzhu-bench scale` (issue 17 point 5): a tablet holding 2,000 cases — the case list and its
//! search as the app calls them, and the memory the tablet needs for it — and the console's queue
//! of 10,000 cases as a caseworker and as the bureau see it.
//!
//! The cases are made the way the admin command line makes them (`workflow::intake`: added
//! accepted on paper, assigned through the engine — the tablet's all, the queue's one in ten),
//! with 2–5 declared members carrying ID numbers and declared income; the tablet receives its
//! 2,000 by its first sync from a `jiuzhu-server` process built beside this one.

use crate::{
    CONSOLE_PASSWORD, Console, PIN, ServerProcess, TOWNSHIP, TestServer, household_case_json,
    verdict,
};
use jiuzhu_server::admin;
use jiuzhu_server::clock::now;
use jiuzhu_server::workflow::config;
use jiuzhu_server::workflow::intake;
use jiuzhu_tablet_core::{Tablet, vault};
use serde_json::Value;
use std::time::{Duration, Instant};

const TABLET_CASES: usize = 2_000;
const QUEUE_CASES: usize = 10_000;
/// Timed runs of each figure (p95 of 20 is the second slowest).
const RUNS: usize = 20;

const GOAL_LIST_MS: f64 = 200.0;
const GOAL_SEARCH_MS: f64 = 100.0;
const GOAL_RSS_MB: f64 = 150.0;
const GOAL_QUEUE_MS: f64 = 300.0;
/// The dashboard reads what the queue reads plus every flow.
const GOAL_DASHBOARD_MS: f64 = 600.0;
/// The window warns of a duplicate while the caseworker moves to the next field.
const GOAL_DUPLICATES_MS: f64 = 300.0;

fn case_no(n: usize) -> String {
    format!("DLT-2026-{n:05}")
}

/// The `n`th household of the load (`household_case_json`), as a file for `add-case`.
fn case_file(n: usize) -> String {
    household_case_json(&case_no(n), n)
}

/// p50 and p95 (nearest rank) of the timings, in milliseconds.
fn p50_p95(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |p: f64| {
        let i = ((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64() * 1e3
    };
    (at(0.50), at(0.95))
}

/// `f` timed `RUNS` times after one warm-up run; what the last run answered.
fn timed<T>(mut f: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<(f64, f64, T)> {
    f()?;
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let t0 = Instant::now();
        last = Some(f()?);
        times.push(t0.elapsed());
    }
    let (p50, p95) = p50_p95(times);
    Ok((p50, p95, last.expect("ran")))
}

/// A line of `/proc/self/status` in MB (`VmRSS`, `VmHWM`); Linux only.
fn status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Start the high-water mark afresh from what the process holds now ("5" to `clear_refs`,
/// Linux 4.0+), so `VmHWM` afterwards is the peak of what follows.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub async fn run() -> anyhow::Result<()> {
    tablet().await?;
    queue().await
}

/// The tablet's figures. The server runs as its own process (`jiuzhu-server serve`, built beside
/// this one), so this process's memory is the tablet's; the cases are made in its data directory
/// first, as `admin add-case` and `admin assign` make them.
async fn tablet() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = crate::data_dir(dir.path());
    let code = {
        let store = data.open_store()?;
        let cfg = config::load(&data.root)?;
        let team = ["王五".to_string(), "赵六".to_string()];
        for name in &team {
            admin::add_user(store.as_ref(), name, "investigator", TOWNSHIP, None, now())?;
        }
        let t0 = Instant::now();
        for n in 0..TABLET_CASES {
            let case = intake::add_case(store.as_ref(), &cfg, &case_file(n), now())?;
            intake::assign(store.as_ref(), &cfg, case, &team, now())?;
        }
        println!(
            "scale: {TABLET_CASES} cases of 2–5 members added and assigned (admin library) in {:.1?}",
            t0.elapsed()
        );
        admin::enroll_code(store.as_ref(), "王五", 3600, now())?
    };
    let server = ServerProcess::spawn(dir.path());
    let home = tempfile::tempdir()?;
    let made = status_mb("VmRSS:").unwrap_or(0.0);
    let reset = reset_peak_rss();
    let mut tablet = Tablet::create(home.path(), PIN, vault::DEFAULT_WIPE_AFTER)?;
    tablet
        .enroll(&server.url(), &code, Some(&server.fingerprint), "王五")
        .await?;
    let t0 = Instant::now();
    let first = tablet.sync(&mut |_| {}).await?;
    println!(
        "scale: the tablet's first sync of {} cases: {} round(s), {} bytes down, {:.1?}; VmHWM {}",
        first.documents_received,
        first.rounds,
        first.bytes_down,
        t0.elapsed(),
        peak(reset, made)
    );
    drop(server);
    // Locked and unlocked again (argon2id, 64 MiB), then the list and searches. The process
    // keeps what the sync's allocations left resident; each peak is given with its start.
    drop(tablet);
    let reset = reset_peak_rss();
    let before = status_mb("VmRSS:").unwrap_or(0.0);
    let tablet = Tablet::unlock(home.path(), PIN)?;
    println!("tablet: unlock: VmHWM {}", peak(reset, before));
    let reset = reset_peak_rss();
    let before = status_mb("VmRSS:").unwrap_or(0.0);
    let (p50, p95, items) = timed(|| Ok(tablet.cases(None)?))?;
    anyhow::ensure!(items.len() == TABLET_CASES, "{} cases listed", items.len());
    println!("tablet: Tablet::cases of {TABLET_CASES}: p50 {p50:.1} ms, p95 {p95:.1} ms");
    let (p50, p95, rows) = timed(|| Ok(tablet.case_rows(None)?))?;
    println!(
        "tablet: case list of {TABLET_CASES} (case_rows, as the app's list_cases calls it): p50 {p50:.1} ms, p95 {p95:.1} ms (goal <= {GOAL_LIST_MS} ms) {}",
        verdict(p95 <= GOAL_LIST_MS)
    );
    let some = &rows[TABLET_CASES / 3].item;
    let n: usize = some.case_no[9..].parse()?;
    let file: Value = serde_json::from_str(&case_file(n))?;
    let id_number = file["declared"]["members"][1]["id_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let searches = [
        ("applicant's name", some.applicant.clone()),
        ("case number fragment", some.case_no[9..].to_string()),
        (
            "a member's ID number fragment",
            id_number[6..14].to_string(),
        ),
        ("village", some.village.clone()),
    ];
    for (what, text) in searches {
        let (p50, p95, found) = timed(|| Ok(tablet.case_rows(Some(&text))?))?;
        println!(
            "tablet: search by {what} {text:?} ({} found): p50 {p50:.1} ms, p95 {p95:.1} ms (goal <= {GOAL_SEARCH_MS} ms) {}",
            found.len(),
            verdict(p95 <= GOAL_SEARCH_MS)
        );
    }
    let hwm = status_mb("VmHWM:").unwrap_or(f64::NAN);
    println!(
        "tablet: memory while listing and searching: VmHWM {} (goal <= {GOAL_RSS_MB} MB) {}",
        peak(reset, before),
        verdict(hwm <= GOAL_RSS_MB)
    );
    Ok(())
}

/// The peak since `reset` (or over the whole run when the kernel refused the reset), with what
/// the process held when it started.
fn peak(reset: bool, from: f64) -> String {
    let hwm = status_mb("VmHWM:").unwrap_or(f64::NAN);
    let since = if reset { "from" } else { "whole run; from" };
    format!("{hwm:.0} MB ({since} {from:.0} MB before)")
}

async fn queue() -> anyhow::Result<()> {
    let mut server = TestServer::start().await;
    let root = server.data().root.clone();
    config::install(&root, config::Which::Options, config::EXAMPLE_OPTIONS)?;
    config::install(&root, config::Which::Calendar, config::EXAMPLE_CALENDAR)?;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("白玉梅", "bureau", TOWNSHIP);
    let t0 = Instant::now();
    for n in 0..QUEUE_CASES {
        let case = server.add_case_json(&case_file(n));
        // One in ten under investigation, the rest waiting for a team (assigning lays out a
        // visit through the write policy: the slow part of making 10,000 cases).
        if n % 10 == 0 {
            server.assign(case, &["王五", "赵六"]);
        }
    }
    println!(
        "scale: {QUEUE_CASES} cases added (one in ten assigned) on the server in {:.1?}",
        t0.elapsed()
    );
    for (who, role) in [("张海燕", "caseworker"), ("白玉梅", "bureau")] {
        let mut console = Console::new(&server);
        anyhow::ensure!(console.login(who, CONSOLE_PASSWORD).await == 200);
        let mut times = Vec::with_capacity(RUNS);
        console.get("/api/console/cases").await;
        for _ in 0..RUNS {
            let t0 = Instant::now();
            let (status, v) = console.get("/api/console/cases").await;
            times.push(t0.elapsed());
            let listed = v["cases"].as_array().map(Vec::len);
            anyhow::ensure!(
                status == 200 && listed == Some(QUEUE_CASES),
                "{status}: {listed:?} rows"
            );
        }
        let (p50, p95) = p50_p95(times);
        println!(
            "console: queue of {QUEUE_CASES} cases as the {role} (HTTPS, JSON): p50 {p50:.0} ms, p95 {p95:.0} ms (goal <= {GOAL_QUEUE_MS} ms) {}",
            verdict(p95 <= GOAL_QUEUE_MS)
        );
    }
    // The bureau's dashboard: the queue's rows and every flow, one pass (issue 14).
    let mut console = Console::new(&server);
    anyhow::ensure!(console.login("白玉梅", CONSOLE_PASSWORD).await == 200);
    console.get("/api/console/dashboard").await;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let (status, v) = console.get("/api/console/dashboard").await;
        times.push(t0.elapsed());
        anyhow::ensure!(
            status == 200 && v["total"]["cases"] == QUEUE_CASES,
            "{status}: {}",
            v["total"]["cases"]
        );
    }
    let (p50, p95) = p50_p95(times);
    println!(
        "console: the bureau's dashboard over {QUEUE_CASES} cases (HTTPS, JSON): p50 {p50:.0} ms, p95 {p95:.0} ms (goal <= {GOAL_DASHBOARD_MS} ms) {}",
        verdict(p95 <= GOAL_DASHBOARD_MS)
    );
    // The window's duplicate check reads every open case's people (issue 16).
    let mut console = Console::new(&server);
    anyhow::ensure!(console.login("张海燕", CONSOLE_PASSWORD).await == 200);
    let wanted = serde_json::from_str::<serde_json::Value>(&case_file(QUEUE_CASES / 2))?["declared"]
        ["members"][1]["id_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let (status, v) = console
            .get(&format!("/api/console/duplicates?id_number={wanted}"))
            .await;
        times.push(t0.elapsed());
        anyhow::ensure!(
            status == 200 && v.as_array().is_some_and(|a| !a.is_empty()),
            "{status}: {v}"
        );
    }
    let (p50, p95) = p50_p95(times);
    println!(
        "console: the window's duplicate check over {QUEUE_CASES} cases: p50 {p50:.0} ms, p95 {p95:.0} ms (goal <= {GOAL_DUPLICATES_MS} ms) {}",
        verdict(p95 <= GOAL_DUPLICATES_MS)
    );
    if let Some(r) = server.running.take() {
        r.stop().await;
    }
    Ok(())
}
