//! Issue 18 point 6: many tablets' end-of-day sync against one server process. Each pair of
//! investigators shares [`CASES_PER_TABLET`] cases; after a first sync every tablet writes a
//! finding into each of its cases and takes [`PHOTOS_PER_TABLET`] photos, then all of them sync,
//! [`LoadOptions::concurrency`] at a time. Printed: time, rounds, bytes, errors, the server's peak
//! RSS, and whether every finding and photo reached the server (lost changes), each beside its
//! goal. The database is the data directory's SQLite file, or PostgreSQL when
//! `JIUZHU_TEST_DATABASE` names a server (the bench gets a database of its own there).

use crate::{ServerProcess, SimTablet, household_case_json, test_jpeg, verdict};
use jiuzhu_server::store::Store;
use jiuzhu_server::workflow::{config, intake};
use jiuzhu_server::{DataDir, admin, clock::now};
use jiuzhu_shared::CaseId;
use jiuzhu_tablet_core::Tablet;
use jiuzhu_tablet_core::sync::SyncReport;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

pub const CASES_PER_TABLET: usize = 20;
pub const PHOTOS_PER_TABLET: usize = 2;
/// Goals of the issue on a 2-core machine.
pub const GOAL_SECONDS: f64 = 300.0;
pub const GOAL_RSS_MB: u64 = 512;

pub struct LoadOptions {
    pub tablets: usize,
    /// Tablets syncing at the same time (a township station sees them arrive, not all at once).
    pub concurrency: usize,
}

const TOWNSHIP: &str = crate::TOWNSHIP;

fn investigator(i: usize) -> String {
    format!("调查员{i:03}")
}

/// The finding tablet `t` writes into `case` at the end of the day.
fn finding(t: usize, case: usize) -> String {
    format!("傍晚补记：第{case}户，平板{t:03}核实")
}

/// What one tablet did in the timed sync.
#[derive(Default)]
struct Outcome {
    report: Option<SyncReport>,
    error: Option<String>,
    took: Duration,
}

/// One simulated tablet on a worker thread: its number, the tablet, and its home (removed with it).
struct Field {
    n: usize,
    tablet: Tablet,
    _home: tempfile::TempDir,
}

/// The server's peak resident memory so far (VmHWM), in MB.
fn peak_rss_mb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/{pid}/status"))?;
    Ok(kb / 1024)
}

pub fn run(opts: &LoadOptions) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.tablets >= 2 && opts.tablets.is_multiple_of(2),
        "the tablets work in pairs: give an even number of at least 2"
    );
    let dir = tempfile::tempdir()?;
    let database = crate::pg::database_for(dir.path());
    let backend = if database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let data = DataDir::new(dir.path())?.with_database(database);
    let store: Arc<dyn Store> = data.open_store()?;
    let cfg = config::load(dir.path())?;
    let t0 = Instant::now();
    for i in 0..opts.tablets {
        admin::add_user(
            store.as_ref(),
            &investigator(i),
            "investigator",
            TOWNSHIP,
            None,
            now(),
        )?;
    }
    // cases[p] are the cases of pair p (tablets 2p and 2p + 1).
    let mut cases: Vec<Vec<CaseId>> = Vec::new();
    for p in 0..opts.tablets / 2 {
        let team = [investigator(2 * p), investigator(2 * p + 1)];
        let mut own = Vec::new();
        for c in 0..CASES_PER_TABLET {
            let n = p * CASES_PER_TABLET + c;
            let id = intake::add_case(
                store.as_ref(),
                &cfg,
                &household_case_json(&format!("L-{n:05}"), n),
                now(),
            )?;
            intake::assign(store.as_ref(), &cfg, id, &team, now())?;
            own.push(id);
        }
        cases.push(own);
    }
    let codes: Vec<String> = (0..opts.tablets)
        .map(|i| admin::enroll_code(store.as_ref(), &investigator(i), 24 * 3600, now()))
        .collect::<Result<_, _>>()?;
    println!(
        "load ({backend}): {} investigators, {} cases in pairs of tablets, created and assigned in {:.1?}",
        opts.tablets,
        cases.len() * CASES_PER_TABLET,
        t0.elapsed()
    );

    let server = ServerProcess::spawn(dir.path());
    let pid = server.child.id();
    let url = server.url();
    let fingerprint = server.fingerprint.clone();

    let workers = opts.concurrency.clamp(1, opts.tablets);
    let outcomes: Arc<Mutex<Vec<Outcome>>> = Arc::new(Mutex::new(
        (0..opts.tablets).map(|_| Outcome::default()).collect(),
    ));
    let setup_errors: Arc<Mutex<Vec<String>>> = Arc::default();
    // Setup done → timed sync starts → timed sync done.
    let barrier = Arc::new(Barrier::new(workers + 1));
    let cases = Arc::new(cases);
    let codes = Arc::new(codes);
    let mut threads = Vec::new();
    for w in 0..workers {
        let (outcomes, setup_errors, barrier) =
            (outcomes.clone(), setup_errors.clone(), barrier.clone());
        let (cases, codes, url, fingerprint) = (
            cases.clone(),
            codes.clone(),
            url.clone(),
            fingerprint.clone(),
        );
        let tablets = opts.tablets;
        threads.push(std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            // Setup: enroll, first sync, the day's work.
            let mut fields = Vec::new();
            for n in (w..tablets).step_by(workers) {
                let prepared =
                    rt.block_on(prepare(n, &codes[n], &url, &fingerprint, &cases[n / 2]));
                match prepared {
                    Ok(f) => fields.push(f),
                    Err(e) => setup_errors
                        .lock()
                        .unwrap()
                        .push(format!("tablet {n}: {e}")),
                }
            }
            barrier.wait();
            for f in &mut fields {
                let t = Instant::now();
                let result = rt.block_on(f.tablet.sync(&mut |_| {}));
                let mut out = outcomes.lock().unwrap();
                let o = &mut out[f.n];
                o.took = t.elapsed();
                match result {
                    Ok(r) => o.report = Some(r),
                    Err(e) => o.error = Some(e.to_string()),
                }
            }
            barrier.wait();
        }));
    }
    barrier.wait();
    let setup_errors = std::mem::take(&mut *setup_errors.lock().unwrap());
    anyhow::ensure!(setup_errors.is_empty(), "setup failed: {setup_errors:?}");
    println!(
        "load: {} tablets enrolled, first sync done, {CASES_PER_TABLET} findings and {PHOTOS_PER_TABLET} photos each taken offline ({:.1?} so far)",
        opts.tablets,
        t0.elapsed()
    );
    let rss_before = peak_rss_mb(pid)?;
    let timed = Instant::now();
    barrier.wait();
    let took = timed.elapsed();
    for t in threads {
        t.join()
            .map_err(|_| anyhow::anyhow!("a tablet thread panicked"))?;
    }
    let rss = peak_rss_mb(pid)?;

    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    let errors: Vec<&String> = outcomes.iter().filter_map(|o| o.error.as_ref()).collect();
    let reports: Vec<&SyncReport> = outcomes.iter().filter_map(|o| o.report.as_ref()).collect();
    let sum = |f: fn(&SyncReport) -> u64| reports.iter().map(|r| f(r)).sum::<u64>();
    let mut each: Vec<Duration> = outcomes.iter().map(|o| o.took).collect();
    each.sort();
    let p95 = each[(each.len() * 95 / 100).min(each.len() - 1)];
    println!(
        "load: end-of-day sync of {} tablets, {} at a time: {:.1} s (goal <= {GOAL_SECONDS} s) {}; per tablet median {:.2?}, p95 {p95:.2?}",
        opts.tablets,
        workers,
        took.as_secs_f64(),
        verdict(took.as_secs_f64() <= GOAL_SECONDS),
        each[each.len() / 2],
    );
    println!(
        "  rounds {} (max {} per tablet), {} B up, {} B down, {} photos ({} B) uploaded; errors {} (goal 0) {}",
        sum(|r| u64::from(r.rounds)),
        reports.iter().map(|r| r.rounds).max().unwrap_or(0),
        sum(|r| r.bytes_up),
        sum(|r| r.bytes_down),
        sum(|r| r.blobs_sent as u64),
        sum(|r| r.blob_bytes_sent),
        errors.len(),
        verdict(errors.is_empty())
    );
    for e in errors.iter().take(5) {
        println!("    {e}");
    }
    println!(
        "  server peak RSS {rss} MB (goal <= {GOAL_RSS_MB} MB) {}; {rss_before} MB before the timed sync",
        verdict(rss <= GOAL_RSS_MB)
    );

    // Lost changes: every finding of both tablets in every case, every photo's bytes.
    let t = Instant::now();
    let (mut missing_findings, mut missing_photos, mut photos) = (0usize, 0usize, 0usize);
    for (p, own) in cases.iter().enumerate() {
        for (c, id) in own.iter().enumerate() {
            let doc = jiuzhu_server::cases::load_case(store.as_ref(), *id)?.read()?;
            let texts: Vec<&str> = doc.findings.iter().map(|f| f.text.as_str()).collect();
            let n = p * CASES_PER_TABLET + c;
            for tab in [2 * p, 2 * p + 1] {
                if !texts.contains(&finding(tab, n).as_str()) {
                    missing_findings += 1;
                }
            }
            for h in doc.photo_hashes() {
                photos += 1;
                if !store.blob_present(&h)? {
                    missing_photos += 1;
                }
            }
        }
    }
    let lost = missing_findings + missing_photos;
    println!(
        "  lost changes: {missing_findings} of {} findings, {missing_photos} of {photos} photos (goal 0) {} — checked in {:.1?}",
        opts.tablets * CASES_PER_TABLET,
        verdict(lost == 0 && photos == opts.tablets * PHOTOS_PER_TABLET),
        t.elapsed()
    );
    drop(server);
    Ok(())
}

/// Enroll tablet `n`, fetch its cases, and do the day's work offline.
async fn prepare(
    n: usize,
    code: &str,
    url: &str,
    fingerprint: &str,
    cases: &[CaseId],
) -> anyhow::Result<Field> {
    let SimTablet { home, mut tablet } = SimTablet::new();
    tablet
        .enroll(url, code, Some(fingerprint), &format!("负载平板{n:03}"))
        .await?;
    tablet.sync(&mut |_| {}).await?;
    let pair = n / 2;
    for (c, id) in cases.iter().enumerate() {
        tablet.note(*id, &finding(n, pair * CASES_PER_TABLET + c))?;
    }
    for (k, id) in cases.iter().take(PHOTOS_PER_TABLET).enumerate() {
        let jpeg = test_jpeg(1024, 768, (n * PHOTOS_PER_TABLET + k) as u64);
        tablet.add_photo(*id, &jpeg, "住房正面", "exterior")?;
    }
    Ok(Field {
        n,
        tablet,
        _home: home,
    })
}
