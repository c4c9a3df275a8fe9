//! Sync figures of issue 17, each printed beside its goal: the first sync of 1,000 households to a
//! new tablet, 20 of them changed on the tablet, a sync with nothing to say, and the same first
//! sync over a township link (1 Mbit/s shaped with `tc … tbf` between two network namespaces,
//! 100 ms round trip added by the test proxy).

use crate::netns::Net;
use crate::proxy::Proxy;
use crate::{ServerProcess, SimTablet, TestServer, household_case_json, verdict};
use jiuzhu_shared::CaseId;
use jiuzhu_tablet_core::sync::SyncReport;
use std::io::Write;
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

/// The township link: the server's and the tablet's namespaces, joined by a veth pair whose both
/// directions are shaped to 1 Mbit/s.
fn township_link() -> anyhow::Result<Net> {
    let mut net = Net::new(&["tablet", "server"])?;
    net.link("tablet", "server")?;
    net.shape("tablet", "server", 1000)?;
    Ok(net)
}

/// The first sync of [`CASES`] households over a 1 Mbit/s link with 100 ms round trips: the
/// server runs as its own process in its namespace behind the shaped veth pair; the tablet, in
/// this process, goes through the proxy, which adds 50 ms each way, and on from the tablet's
/// namespace through a tunnel.
pub async fn run_link() -> anyhow::Result<()> {
    let net = match township_link() {
        Ok(n) => n,
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
        &net.prefix("server"),
        &data,
        &format!("{}:0", net.addr("server", "tablet")),
        &[],
        None,
    );
    let tunnel = net.tunnel("tablet", process.addr).await?;
    let proxy = Proxy::start(tunnel.addr()).await?;
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
    Ok(())
}
