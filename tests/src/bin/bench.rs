//! `jiuzhu-bench`: sync cost and photo pipeline figures for docs/benchmarks.md.
//!
//! cargo run -p jiuzhu-e2e --bin jiuzhu-bench [--release]

use jiuzhu_e2e::{SimTablet, TestServer, test_jpeg};
use std::io::Write;
use std::time::Instant;

fn gzip_len(data: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip").len()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let profile = if cfg!(debug_assertions) {
        "dev (dependencies at opt-level 2)"
    } else {
        "release"
    };
    println!("profile: {profile}");

    let server = TestServer::start().await;
    server.add_investigator("王五");
    let t0 = Instant::now();
    let cases: Vec<_> = (0..1000)
        .map(|i| server.add_case(&format!("B-{i:04}"), &["王五"]))
        .collect();
    println!(
        "created and assigned 1000 cases on the server in {:.2?}",
        t0.elapsed()
    );

    let mut tablet = SimTablet::enrolled(&server, &server.url(), "王五").await;
    let t0 = Instant::now();
    let first = tablet.sync().await?;
    println!(
        "first sync of 1000 cases to a new tablet: {} rounds, {} bytes up, {} bytes down, {} documents received, {:.2?}",
        first.rounds,
        first.bytes_up,
        first.bytes_down,
        first.documents_received,
        t0.elapsed()
    );

    let changed: Vec<_> = cases.iter().step_by(50).copied().collect();
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
    let json: Vec<_> = changed.iter().map(|c| tablet.show(*c)).collect();
    let json_bytes = serde_json::to_vec(&json)?;
    let t0 = Instant::now();
    let report = tablet.sync().await?;
    println!(
        "20 changed of 1000: {} rounds, {} bytes up, {} bytes down ({} total), {} documents sent, {:.2?}",
        report.rounds,
        report.bytes_up,
        report.bytes_down,
        report.bytes_up + report.bytes_down,
        report.documents_sent,
        t0.elapsed()
    );
    println!(
        "  the 20 changed documents as JSON: {} bytes, gzipped {} bytes",
        json_bytes.len(),
        gzip_len(&json_bytes)
    );
    let idle = tablet.sync().await?;
    println!(
        "sync with nothing changed: {} round, {} bytes up, {} bytes down",
        idle.rounds, idle.bytes_up, idle.bytes_down
    );

    let src = test_jpeg(4000, 3000, 12);
    let cfg = jiuzhu_tablet_core::photo::PhotoConfig::default();
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..3 {
        let t0 = Instant::now();
        out = Some(jiuzhu_tablet_core::photo::process(&src, &cfg)?);
        times.push(t0.elapsed());
    }
    let out = out.expect("ran");
    times.sort();
    println!(
        "photo pipeline, 12 MP JPEG ({} bytes) -> {}x{} JPEG {} bytes + thumbnail {} bytes: median {:.2?} (min {:.2?}, max {:.2?})",
        src.len(),
        out.width,
        out.height,
        out.jpeg.len(),
        out.thumbnail.len(),
        times[1],
        times[0],
        times[2]
    );
    if let Some(r) = server.running {
        r.stop().await;
    }
    Ok(())
}
