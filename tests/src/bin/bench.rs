//! `jiuzhu-bench`: sync cost, photo pipeline, tablet and console at scale, audit chain and
//! workflow figures for docs/benchmarks.md, each beside its goal where it has one. Build it in
//! release, as tablets and servers ship, together with the server it starts:
//! cargo build --release -p jiuzhu-server -p jiuzhu-e2e --bins
//!
//! cargo run -p jiuzhu-e2e --bin jiuzhu-bench [--release] [-- all|audit|sync|link|photo|scale|workflow|policy|pin]
//! cargo run -p jiuzhu-e2e --bin jiuzhu-bench -- soak --cycles N [--tablets K] [--seed S]
//! cargo run -p jiuzhu-e2e --bin jiuzhu-bench -- load [--tablets 500] [--concurrency 50]
//!   (against PostgreSQL with JIUZHU_TEST_DATABASE=postgres://user@host:port)

use jiuzhu_e2e::TestServer;
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let profile = if cfg!(debug_assertions) {
        "dev (dependencies at opt-level 2)"
    } else {
        "release"
    };
    println!("profile: {profile}");
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if which == "all" || which == "audit" {
        audit_bench(1_000_000)?;
    }
    if which == "all" || which == "sync" {
        jiuzhu_e2e::bench_sync::run().await?;
    }
    if which == "all" || which == "link" {
        jiuzhu_e2e::bench_sync::run_link().await?;
    }
    if which == "all" || which == "photo" {
        jiuzhu_e2e::bench_photo::run()?;
    }
    if which == "all" || which == "scale" {
        jiuzhu_e2e::bench_scale::run().await?;
    }
    if which == "all" || which == "workflow" {
        workflow_bench(1_000).await?;
    }
    if which == "all" || which == "policy" {
        policy_bench()?;
    }
    if which == "all" || which == "pin" {
        jiuzhu_e2e::bench_pin::run()?;
    }
    if which == "load" {
        let mut args = std::env::args().skip(2);
        let mut opts = jiuzhu_e2e::bench_load::LoadOptions {
            tablets: 500,
            concurrency: 50,
        };
        while let Some(a) = args.next() {
            let value = args
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| anyhow::anyhow!("{a} takes a number"))?;
            match a.as_str() {
                "--tablets" => opts.tablets = value,
                "--concurrency" => opts.concurrency = value,
                _ => anyhow::bail!("load takes --tablets N and --concurrency N, not {a}"),
            }
        }
        tokio::task::spawn_blocking(move || jiuzhu_e2e::bench_load::run(&opts)).await??;
    }
    if which == "soak" {
        let report = jiuzhu_e2e::soak::run(&jiuzhu_e2e::soak::SoakConfig::from_args(
            std::env::args().skip(2),
        )?)
        .await?;
        print!("{report}");
        if !report.ok() {
            std::process::exit(1);
        }
    }
    Ok(())
}

/// The write policy's check of what a device sent, as the server runs it on every merge: a visit
/// of a realistic size (5 members, 12 income and 8 property rows, 20 photos), then messages of 1,
/// 10 and 50 edits by a team member.
fn policy_bench() -> anyhow::Result<()> {
    use jiuzhu_shared::policy::{Grant, check_change};
    use jiuzhu_shared::schema::{CaseDoc, IncomeRow, PhotoRef, PropertyRow};
    use jiuzhu_shared::{ActorKey, CaseDocument};
    let team = vec!["王五".to_string(), "赵六".to_string()];
    let mut case = CaseDoc::default();
    case.header.assigned_team = team.clone();
    for i in 0..5 {
        case.declared
            .members
            .push(jiuzhu_shared::schema::DeclaredMember {
                name: format!("成员{i}"),
                ..Default::default()
            });
    }
    let v = case.ensure_open_visit("", 0);
    let v = &mut case.visits[v];
    for i in 0..12 {
        v.income.push(IncomeRow {
            category: "wage".into(),
            item: format!("务工{i}"),
            amount_fen: Some(1_000_000 + i),
            period_months: Some(12),
            ..Default::default()
        });
    }
    for i in 0..8 {
        v.property.push(PropertyRow {
            kind: "livestock".into(),
            description: format!("羊{i}"),
            ..Default::default()
        });
    }
    for i in 0..20 {
        v.photos.push(PhotoRef {
            hash: format!("{i:064}"),
            caption: format!("照片{i}"),
            tag: "interior".into(),
            ..Default::default()
        });
    }
    case.fill_missing_ids();
    let mut server = CaseDocument::create(&case, ActorKey::random(), 1)?;
    println!(
        "write policy: a case document of {} bytes saved (visit with 5 members, 12 income rows, 8 property rows, 20 photos)",
        server.save().len()
    );
    let grant = Grant::team("王五", &team);
    for edits in [1usize, 10, 50] {
        let mut times = Vec::new();
        for run in 0..15 {
            let actor = ActorKey::random();
            let mut tablet = CaseDocument::from_automerge(
                server.automerge().fork().with_actor(actor.to_actor_id()),
            );
            for e in 0..edits {
                tablet.set_path(
                    &format!("visits.0.income.{}.note", e % 12),
                    &format!("第{run}轮第{e}次"),
                    2,
                )?;
            }
            let mut merged = CaseDocument::from_automerge(server.automerge().fork());
            let before = merged.heads();
            merged.automerge().merge(tablet.automerge())?;
            let t0 = Instant::now();
            check_change(&mut merged, &before, actor, &grant)?;
            times.push(t0.elapsed());
        }
        times.sort();
        println!(
            "  a message of {edits} edit(s): check median {:.2?} (min {:.2?}, max {:.2?})",
            times[times.len() / 2],
            times[0],
            times[times.len() - 1]
        );
    }
    Ok(())
}

/// `n` phone applications through sign and submit, 受理 of each, then the console's queue with
/// their working-day deadlines, one case's workflow view, and a notice rendered to PDF.
async fn workflow_bench(n: usize) -> anyhow::Result<()> {
    use base64::Engine;
    use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, TOWNSHIP};
    use jiuzhu_server::workflow::service::{ActionInput, act};
    use jiuzhu_server::workflow::{Who, applications, config, flow};
    use jiuzhu_shared::workflow::{Action, Role};
    let server = TestServer::start().await;
    let root = server.data().root.clone();
    config::install(&root, config::Which::Options, config::EXAMPLE_OPTIONS)?;
    config::install(&root, config::Which::Calendar, config::EXAMPLE_CALENDAR)?;
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let store = server.store.as_ref();
    let cfg = config::load(&root)?;
    let blobs = jiuzhu_server::blobs::BlobDir::open(&root.join("blobs"))?;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(60, 20, image::Rgba([0, 0, 0, 255]))
        .write_to(&mut png, image::ImageFormat::Png)?;
    let image = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png.into_inner())
    );
    let applicant = Who {
        name: "申请人".into(),
        role: Role::Applicant,
        actor: jiuzhu_server::store::Store::server_actor(store)?,
        audit: "bench".into(),
    };
    let caseworker = Who {
        role: Role::Caseworker,
        name: "张海燕".into(),
        ..applicant.clone()
    };
    let now = jiuzhu_server::clock::now();
    let t0 = Instant::now();
    let mut cases = Vec::new();
    for i in 0..n {
        let phone = format!("138{i:08}");
        let app = flow::Application {
            programme: "dibao".into(),
            township: TOWNSHIP.into(),
            village: "王爱召嘎查".into(),
            applicant: flow::Person {
                name: format!("申请人{i}"),
                id_number: "150621196203150020".into(),
            },
            ..flow::Application::default()
        };
        let f = applications::create(store, &phone, &app, now)?;
        let case: jiuzhu_shared::CaseId = f.case_id.parse()?;
        for document in ["promise", "consent"] {
            let signing = applications::Signing {
                document,
                signer: &app.applicant.name,
                mode: flow::SignMode::Pad,
                image: &image,
            };
            applications::sign(
                store,
                &blobs,
                case,
                applications::Party::Applicant(&phone),
                signing,
                now,
            )?;
        }
        applications::submit(
            store,
            &cfg,
            case,
            applications::Party::Applicant(&phone),
            &applicant,
            now,
        )?;
        cases.push(case);
    }
    let submitted = t0.elapsed();
    let t0 = Instant::now();
    for case in &cases {
        act(
            store,
            &cfg,
            *case,
            &caseworker,
            &ActionInput::new(Action::Accept),
            now,
        )?;
    }
    let accepted = t0.elapsed();
    println!(
        "workflow: {n} phone applications created, signed twice and submitted in {submitted:.2?} ({:.1} ms each); {n} acceptances (engine check, record, header, notice, audit) in {accepted:.2?} ({:.1} ms each)",
        submitted.as_secs_f64() * 1000.0 / n as f64,
        accepted.as_secs_f64() * 1000.0 / n as f64
    );
    let mut console = Console::new(&server);
    console.login("张海燕", CONSOLE_PASSWORD).await;
    let mut times = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        let (status, v) = console.get("/api/console/cases").await;
        times.push(t0.elapsed());
        anyhow::ensure!(status == 200 && v["cases"].as_array().map(Vec::len) == Some(n));
    }
    times.sort();
    println!(
        "workflow: queue of {n} cases with states and working-day deadlines: median {:.2?} (min {:.2?}, max {:.2?})",
        times[2], times[0], times[4]
    );
    let t0 = Instant::now();
    let (status, wf) = console
        .get(&format!("/api/console/cases/{}/workflow", cases[0]))
        .await;
    anyhow::ensure!(status == 200);
    println!("workflow: one case's workflow view in {:.2?}", t0.elapsed());
    let notice = wf["notices"][0]["pdf"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let t0 = Instant::now();
    let (status, pdf) = console.raw("GET", &notice, None).await;
    anyhow::ensure!(status == 200 && pdf.starts_with(b"%PDF"));
    println!(
        "workflow: acceptance notice as PDF: {} bytes in {:.2?} (first render loads the font)",
        pdf.len(),
        t0.elapsed()
    );
    let t0 = Instant::now();
    let (_, pdf) = console.raw("GET", &notice, None).await;
    println!(
        "workflow: the same notice again: {} bytes in {:.2?}",
        pdf.len(),
        t0.elapsed()
    );
    Ok(())
}

/// Verify a chain of `n` audit records written with the server's own chain function.
fn audit_bench(n: u64) -> anyhow::Result<()> {
    use jiuzhu_server::audit::{AuditEvent, GENESIS, link_hash};
    let dir = tempfile::tempdir()?;
    let data = jiuzhu_server::DataDir::new(dir.path())?;
    let store = data.open_store()?;
    let t0 = Instant::now();
    {
        // Bulk-load in one transaction (the server appends one record per action instead).
        let mut db = rusqlite::Connection::open(data.db())?;
        let tx = db.transaction()?;
        let mut stmt = tx.prepare(
            "INSERT INTO audit(seq, case_id, action, body, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut prev = GENESIS;
        for seq in 1..=n {
            let case = format!("0193a5c2-7e1f-7c3a-9b1e-{:012x}", seq % 1000);
            let ev = AuditEvent::new(
                1_790_000_000 + seq as i64,
                "console 张海燕",
                "view_case",
                Some(case.clone()),
                serde_json::json!({}),
            );
            let body = ev.canonical();
            let hash = link_hash(&prev, seq, &body);
            stmt.execute(rusqlite::params![
                seq as i64,
                case,
                ev.action,
                body,
                prev.as_slice(),
                hash.as_slice()
            ])?;
            prev = hash;
        }
        drop(stmt);
        tx.commit()?;
    }
    println!("wrote {n} chained audit records in {:.2?}", t0.elapsed());
    let t0 = Instant::now();
    let outcome = store.verify_audit(&mut |_| {})?;
    println!(
        "verify-audit over {n} records: {:?} in {:.2?}",
        outcome.map_err(|b| b.seq),
        t0.elapsed()
    );
    Ok(())
}
