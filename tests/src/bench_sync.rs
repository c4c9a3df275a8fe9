//! Sync figures of issue 17, each printed beside its goal: the first sync of 1,000 households to a
//! new tablet, 20 of them changed on the tablet, a sync with nothing to say, and the same first
//! sync over a township link (1 Mbit/s shaped with `tc … tbf` between two network namespaces,
//! 100 ms round trip added by the test proxy).

use crate::proxy::Proxy;
use crate::{ServerProcess, SimTablet, TestServer, household_case_json, verdict};
use jiuzhu_shared::CaseId;
use jiuzhu_tablet_core::sync::SyncReport;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

/// Households in the benchmark's township.
pub const CASES: usize = 1000;
/// Households the investigator changes before the incremental sync.
pub const CHANGED: usize = 20;
/// Incremental sync: bytes on the wire at most this times the gzip of the changed documents' JSON.
pub const INCREMENTAL_FACTOR: f64 = 1.3;
pub const INCREMENTAL_ROUNDS: u32 = 2;
/// The first sync over the township link.
pub const LINK_SECONDS: f64 = 10.0;

fn gzip_len(data: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip").len()
}

fn total(r: &SyncReport) -> u64 {
    r.bytes_up + r.bytes_down
}

/// A server with [`CASES`] households assigned to 王五 and 赵六.
async fn township_server() -> (TestServer, Vec<CaseId>) {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let cases = (0..CASES)
        .map(|i| {
            let id = server.add_case_json(&household_case_json(&format!("B-{i:04}"), i));
            server.assign(id, &["王五", "赵六"]);
            id
        })
        .collect();
    (server, cases)
}

/// The cases as the tablet shows them, as one JSON array, gzipped: what the wire is held to.
fn gzipped_json(tablet: &SimTablet, cases: &[CaseId]) -> anyhow::Result<(usize, usize)> {
    let json: Vec<_> = cases.iter().map(|c| tablet.show(*c)).collect();
    let bytes = serde_json::to_vec(&json)?;
    Ok((bytes.len(), gzip_len(&bytes)))
}

pub async fn run() -> anyhow::Result<()> {
    let t0 = Instant::now();
    let (mut server, cases) = township_server().await;
    println!(
        "sync: {CASES} households of 2–5 members with declared income, property and expenses, created and assigned in {:.2?}",
        t0.elapsed()
    );

    let mut tablet = SimTablet::enrolled(&server, &server.url(), "王五").await;
    let t0 = Instant::now();
    let first = tablet.sync().await?;
    let took = t0.elapsed();
    let (json, gz) = gzipped_json(&tablet, &cases)?;
    println!(
        "sync: first sync of {CASES} cases to a new tablet: {} round(s), {} B up, {} B down, {} B in all, {} documents, {took:.2?}",
        first.rounds,
        first.bytes_up,
        first.bytes_down,
        total(&first),
        first.documents_received
    );
    println!(
        "  the {CASES} cases' JSON: {json} B, gzipped {gz} B; wire / gzip = {:.2} (goal <= 1.00) {}",
        total(&first) as f64 / gz as f64,
        verdict(total(&first) <= gz as u64)
    );

    let changed: Vec<_> = cases.iter().step_by(CASES / CHANGED).copied().collect();
    for (i, c) in changed.iter().enumerate() {
        tablet.tablet.set(
            *c,
            "visits.0.living.housing",
            &format!("砖瓦房，第{i}户，屋顶有裂缝"),
        )?;
        tablet
            .tablet
            .set(*c, "visits.0.income.0.amount_fen", "360000")?;
        tablet.tablet.note(*c, "邻居证实家中无固定收入")?;
    }
    let (json, gz) = gzipped_json(&tablet, &changed)?;
    let t0 = Instant::now();
    let report = tablet.sync().await?;
    let took = t0.elapsed();
    println!(
        "sync: {CHANGED} changed of {CASES}: {} round(s) (goal <= {INCREMENTAL_ROUNDS}) {}, {} B up, {} B down, {} B in all, {} documents sent, {took:.2?}",
        report.rounds,
        verdict(report.rounds <= INCREMENTAL_ROUNDS),
        report.bytes_up,
        report.bytes_down,
        total(&report),
        report.documents_sent,
    );
    let ratio = total(&report) as f64 / gz as f64;
    println!(
        "  the {CHANGED} changed documents' JSON: {json} B, gzipped {gz} B; wire / gzip = {ratio:.2} (goal <= {INCREMENTAL_FACTOR}) {}",
        verdict(ratio <= INCREMENTAL_FACTOR)
    );
    let idle = tablet.sync().await?;
    println!(
        "sync: nothing changed: {} round(s), {} B up, {} B down",
        idle.rounds, idle.bytes_up, idle.bytes_down
    );
    if let Some(r) = server.running.take() {
        r.stop().await;
    }
    Ok(())
}

/// Network namespace and veth pair of the shaped link, removed on drop.
struct Link {
    ns: String,
}

/// Addresses of the two ends of the link (a private /30 of its own).
const NEAR: &str = "10.217.0.1";
const FAR: &str = "10.217.0.2";

fn sh(args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(args[0]).args(&args[1..]).output()?;
    anyhow::ensure!(
        out.status.success(),
        "`{}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

impl Link {
    /// A namespace reached over a veth pair whose both directions are shaped to `rate` by tbf.
    fn up(rate: &str) -> anyhow::Result<Link> {
        let ns = format!("jzb{}", std::process::id());
        let (near, far) = (format!("{ns}a"), format!("{ns}b"));
        sh(&["ip", "netns", "add", &ns])?;
        let link = Link { ns: ns.clone() };
        let tbf = ["root", "tbf", "rate", rate, "burst", "4kb", "latency", "2s"];
        let inside = |args: &[&str]| {
            let mut v = vec!["ip", "netns", "exec", ns.as_str()];
            v.extend_from_slice(args);
            sh(&v)
        };
        sh(&[
            "ip", "link", "add", &near, "type", "veth", "peer", "name", &far,
        ])?;
        sh(&["ip", "link", "set", &far, "netns", &ns])?;
        sh(&["ip", "addr", "add", &format!("{NEAR}/30"), "dev", &near])?;
        sh(&["ip", "link", "set", &near, "up"])?;
        inside(&["ip", "addr", "add", &format!("{FAR}/30"), "dev", &far])?;
        inside(&["ip", "link", "set", &far, "up"])?;
        inside(&["ip", "link", "set", "lo", "up"])?;
        // Egress of each end: what the tablet sends, and what the server answers.
        let mut up = vec!["tc", "qdisc", "add", "dev", near.as_str()];
        up.extend_from_slice(&tbf);
        sh(&up)?;
        let mut down = vec!["tc", "qdisc", "add", "dev", far.as_str()];
        down.extend_from_slice(&tbf);
        inside(&down)?;
        Ok(link)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // Removing the namespace removes its end of the pair, and with it the other end.
        let _ = sh(&["ip", "netns", "del", &self.ns]);
    }
}

/// The first sync of [`CASES`] households over a 1 Mbit/s link with 100 ms round trips: the
/// server runs as its own process in a network namespace behind the shaped veth pair, the tablet
/// reaches it through the proxy, which adds 50 ms each way.
pub async fn run_link() -> anyhow::Result<()> {
    let link = match Link::up("1mbit") {
        Ok(l) => l,
        Err(e) => {
            println!(
                "sync over a shaped link: skipped ({e}); it needs root and iproute2's `ip` and `tc`"
            );
            return Ok(());
        }
    };
    let (mut server, cases) = township_server().await;
    let code = server.enroll_code("王五");
    let fingerprint = server.fingerprint();
    if let Some(r) = server.running.take() {
        r.stop().await;
    }
    let data = server.data().root.clone();
    let process = ServerProcess::spawn_under(
        &["ip", "netns", "exec", &link.ns],
        &data,
        &format!("{FAR}:0"),
        &[],
        None,
    );
    let proxy = Proxy::start(process.addr).await?;
    proxy.set_latency(Duration::from_millis(50));
    let url = format!("https://{}", proxy.addr());

    let mut tablet = SimTablet::new();
    tablet
        .tablet
        .enroll(&url, &code, Some(&fingerprint), "王五")
        .await?;
    let t0 = Instant::now();
    let first = tablet.sync().await?;
    let secs = t0.elapsed().as_secs_f64();
    let (_, gz) = gzipped_json(&tablet, &cases)?;
    println!(
        "sync over 1 Mbit/s, 100 ms round trip: first sync of {CASES} cases in {secs:.1} s (goal <= {LINK_SECONDS} s) {}; {} round(s), {} B in all, gzip of the cases' JSON {gz} B {}",
        verdict(secs <= LINK_SECONDS),
        first.rounds,
        total(&first),
        verdict(total(&first) <= gz as u64)
    );
    drop(process);
    drop(link);
    Ok(())
}
