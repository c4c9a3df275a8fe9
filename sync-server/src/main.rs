//! `jiuzhu-server`: serve, or administer a data directory from a terminal.

use anyhow::Context;
use clap::{Parser, Subcommand};
use jiuzhu_server::store::Store;
use jiuzhu_server::{DataDir, admin, audit, cases, clock::now, demo, workflow};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "jiuzhu-server", version, about = "Jiuzhu township sync server")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve HTTPS (sync, enrollment, photo upload).
    Serve {
        #[arg(long)]
        data: PathBuf,
        /// Keep the records in PostgreSQL (`postgres://user@host:port/db`) instead of the data
        /// directory's SQLite file; several `serve` processes may share one database.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: String,
        /// Seed demo users and cases and print enrollment codes.
        #[arg(long)]
        demo: bool,
        /// PEM certificate chain (default: a self-signed certificate generated in DATA/tls).
        #[arg(long)]
        tls_cert: Option<PathBuf>,
        #[arg(long)]
        tls_key: Option<PathBuf>,
        /// Offline lease granted at each sync: past it the tablet locks case data until it syncs.
        #[arg(long, default_value_t = 72)]
        lease_hours: i64,
        /// The audit chain's signing key (default: DATA/audit-signing.key, created on first run).
        #[arg(long)]
        audit_key: Option<PathBuf>,
        /// The hash of a new audit chain: sha256 or sm3 (商用密码); an existing chain keeps its own.
        #[arg(long, default_value = "sha256")]
        audit_hash: audit::HashAlg,
        /// Run as a township station of the banner server at this URL (`https://HOST:PORT`):
        /// its township's cases are kept here for tablets and synced with the banner.
        #[arg(long, value_name = "URL")]
        upstream: Option<String>,
        /// The one-time code `admin add-station` printed at the banner (first start only).
        #[arg(long, value_name = "CODE")]
        upstream_code: Option<String>,
        /// The banner's certificate fingerprint (SHA-256), pinned from the first start on.
        #[arg(long, value_name = "FP")]
        upstream_fingerprint: Option<String>,
        /// Seconds between uplink rounds.
        #[arg(long, default_value_t = 60)]
        uplink_every: u64,
    },
    /// Administer the data directory (works while the server runs).
    Admin {
        #[arg(long)]
        data: PathBuf,
        /// Keep the records in PostgreSQL (`postgres://user@host:port/db`) instead of the data
        /// directory's SQLite file; several `serve` processes may share one database.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// The audit chain's signing key (default: DATA/audit-signing.key).
        #[arg(long)]
        audit_key: Option<PathBuf>,
        /// The hash of a new audit chain: sha256 or sm3 (商用密码); an existing chain keeps its own.
        #[arg(long, default_value = "sha256")]
        audit_hash: audit::HashAlg,
        #[command(subcommand)]
        cmd: AdminCmd,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Add a user.
    AddUser {
        #[arg(long)]
        name: String,
        /// investigator | caseworker | lead | bureau | admin
        #[arg(long)]
        role: String,
        #[arg(long)]
        township: String,
        /// Console password (caseworker, lead, admin); at least 8 characters.
        #[arg(long)]
        password: Option<String>,
    },
    /// Set a console user's password.
    SetPassword {
        #[arg(long)]
        name: String,
        #[arg(long)]
        password: String,
    },
    /// Disable a user: their sessions end and they cannot sign in.
    DisableUser {
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled user again.
    EnableUser {
        #[arg(long)]
        name: String,
    },
    /// Print a one-time enrollment code for an investigator's tablet.
    /// Print a one-time code for the township station of TOWNSHIP (valid 24 hours).
    AddStation {
        #[arg(long)]
        township: String,
    },
    EnrollCode {
        #[arg(long)]
        user: String,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
    /// Create a case from a JSON file (header + declared); prints the case id.
    AddCase {
        #[arg(long)]
        file: PathBuf,
    },
    /// Assign a case to investigators (comma-separated names).
    Assign {
        #[arg(long)]
        case: String,
        #[arg(long, value_delimiter = ',')]
        users: Vec<String>,
    },
    /// Revoke an enrolled device: it is refused from its next request on.
    RevokeDevice {
        #[arg(long)]
        device: String,
    },
    /// Print the merged case document as JSON with its conflicts and photo presence.
    ExportCase {
        #[arg(long)]
        case: String,
    },
    /// Print all cases (the projection) as JSON.
    ListCases,
    /// Print enrolled devices as JSON.
    ListDevices,
    /// Install the regional rules (TOML): validates them, lists the cases whose proposal changes.
    SetRules {
        #[arg(long)]
        file: PathBuf,
    },
    /// Check the audit chain and its signed anchors; exits with status 1 and names the first
    /// broken record if tampered, cut short or re-hashed.
    VerifyAudit {
        /// Also check an exported copy of the anchors (`export-anchors`), kept away from the server.
        #[arg(long)]
        anchors: Option<PathBuf>,
    },
    /// Sign the audit chain now: every finished day not anchored yet and the current last record
    /// (the server anchors finished days every 6 hours).
    AnchorAudit,
    /// Write every anchor and the public key that checks them to a JSON file, to keep elsewhere.
    ExportAnchors {
        #[arg(long)]
        out: PathBuf,
    },
    /// Install the regional workflow options (TOML: who decides, 民主评议, 公示 length, hotline).
    SetWorkflow {
        #[arg(long)]
        file: PathBuf,
    },
    /// Install the holiday calendar (TOML: holidays and 调休 make-up workdays).
    SetCalendar {
        #[arg(long)]
        file: PathBuf,
    },
    /// Open change-review cases for active cases whose periodic review is due (the server also
    /// does this every 6 hours); prints the new case numbers.
    ScheduleReviews {
        /// The day to schedule for (default: today in China), YYYY-MM-DD.
        #[arg(long)]
        today: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Serve {
            data,
            database,
            listen,
            demo: with_demo,
            tls_cert,
            tls_key,
            lease_hours,
            audit_key,
            audit_hash,
            upstream,
            upstream_code,
            upstream_fingerprint,
            uplink_every,
        } => {
            audit::set_new_chain_hash(audit_hash);
            let data = DataDir::new(&data)
                .with_context(|| format!("cannot use data directory {}", data.display()))?
                .with_audit_key(audit_key)
                .with_database(database);
            if with_demo {
                let store = data.open_store()?;
                for (user, code) in demo::seed(store.as_ref(), &data.root, now())? {
                    println!("demo enrollment code for {user}: {code}");
                }
                println!(
                    "demo console sign-in: {} (caseworker), {} (township lead), {} (bureau) / {}",
                    demo::DEMO_CASEWORKER,
                    demo::DEMO_LEAD,
                    demo::DEMO_BUREAU,
                    demo::DEMO_PASSWORD
                );
                println!(
                    "applicants' phone pages: /m/ (this demo server writes one-time codes to its log)"
                );
            }
            let codes = jiuzhu_server::sms::sender_for(&data.root, with_demo)?;
            let listener = std::net::TcpListener::bind(&listen)
                .with_context(|| format!("cannot listen on {listen}"))?;
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let station =
                    station_credential(&data.root, upstream, upstream_code, upstream_fingerprint)
                        .await?;
                if let Some(up) = &station {
                    println!(
                        "township station of {}: uplink to {} (certificate {})",
                        up.township, up.url, up.fingerprint
                    );
                }
                let every = std::time::Duration::from_secs(uplink_every.max(1));
                let running = jiuzhu_server::start_at_level(
                    &data,
                    listener,
                    tls_cert,
                    tls_key,
                    lease_hours * 3600,
                    codes,
                    station.map(|up| (up, every)),
                )
                .await?;
                println!("listening on https://{}", running.addr);
                println!("certificate fingerprint (SHA-256): {}", running.fingerprint);
                tokio::select! {
                    r = tokio::signal::ctrl_c() => { r?; }
                    _ = terminate() => {}
                }
                running
                    .handle
                    .graceful_shutdown(Some(std::time::Duration::from_secs(10)));
                let _ = running.task.await;
                anyhow::Ok(())
            })
        }
        Cmd::Admin {
            data,
            database,
            audit_key,
            audit_hash,
            cmd,
        } => {
            audit::set_new_chain_hash(audit_hash);
            let data = DataDir::new(&data)
                .with_context(|| format!("cannot use data directory {}", data.display()))?
                .with_audit_key(audit_key)
                .with_database(database);
            let opened = data.open_store()?;
            let store: &dyn Store = opened.as_ref();
            let now = now();
            let out = match cmd {
                AdminCmd::AddUser {
                    name,
                    role,
                    township,
                    password,
                } => admin::add_user(store, &name, &role, &township, password.as_deref(), now)?
                    .to_string(),
                AdminCmd::SetPassword { name, password } => {
                    admin::set_password(store, &name, &password, now)?;
                    format!("password set for {name}")
                }
                AdminCmd::DisableUser { name } => {
                    admin::disable_user(store, &name, now)?;
                    format!("{name} disabled: signed out and cannot sign in")
                }
                AdminCmd::EnableUser { name } => {
                    admin::enable_user(store, &name, now)?;
                    format!("{name} enabled")
                }
                AdminCmd::AddStation { township } => {
                    jiuzhu_server::levels::banner::add_station_code(store, &township, now)?
                }
                AdminCmd::EnrollCode { user, hours } => {
                    admin::enroll_code(store, &user, hours * 3600, now)?
                }
                AdminCmd::SetWorkflow { file } => admin::set_workflow_file(
                    &data.root,
                    &file,
                    jiuzhu_server::workflow::config::Which::Options,
                )?,
                AdminCmd::SetCalendar { file } => admin::set_workflow_file(
                    &data.root,
                    &file,
                    jiuzhu_server::workflow::config::Which::Calendar,
                )?,
                AdminCmd::ScheduleReviews { today } => {
                    let today = match today {
                        Some(t) => t.parse().map_err(|e| anyhow::anyhow!("--today: {e}"))?,
                        None => jiuzhu_shared::rules::date::Date::in_china(now),
                    };
                    admin::schedule_reviews(store, &data.root, today, now)?.to_string()
                }
                AdminCmd::AddCase { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let config = workflow::config::load(&data.root)?;
                    workflow::intake::add_case(store, &config, &text, now)?.to_string()
                }
                AdminCmd::Assign { case, users } => {
                    let config = workflow::config::load(&data.root)?;
                    workflow::intake::assign(store, &config, case.parse()?, &users, now)?;
                    format!("assigned {case} to {}", users.join(","))
                }
                AdminCmd::RevokeDevice { device } => {
                    admin::revoke_device(store, device.parse()?, now)?;
                    format!("revoked {device}")
                }
                AdminCmd::ExportCase { case } => {
                    let case = case.parse()?;
                    let export = cases::export_case(store, &data.open_blobs()?, case)?;
                    let ev = jiuzhu_server::audit::AuditEvent::new(
                        now,
                        admin::ADMIN_CLI,
                        "export_case",
                        Some(case.to_string()),
                        serde_json::json!({}),
                    );
                    store.audit(&ev)?;
                    serde_json::to_string_pretty(&export)?
                }
                AdminCmd::ListCases => serde_json::to_string_pretty(&cases::list_cases(store)?)?,
                AdminCmd::SetRules { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let (version, changed) =
                        jiuzhu_server::proposals::install(store, &data.root, &text, now)?;
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "installed": version, "changed": changed }),
                    )?
                }
                AdminCmd::VerifyAudit { anchors } => {
                    let exported = match anchors {
                        Some(file) => Some(serde_json::from_slice(
                            &std::fs::read(&file)
                                .with_context(|| format!("cannot read {}", file.display()))?,
                        )?),
                        None => None,
                    };
                    let key = audit::key::load(&data.audit_key())?.map(|k| k.verifying_key());
                    let report = admin::verify_audit(store, key.as_ref(), exported.as_ref())?;
                    println!("{}", serde_json::to_string_pretty(&report)?);
                    if report["ok"] != serde_json::json!(true) {
                        std::process::exit(1);
                    }
                    return Ok(());
                }
                AdminCmd::AnchorAudit => {
                    let key = audit::key::load_or_create(&data.audit_key())?;
                    serde_json::to_string_pretty(&admin::anchor_audit(store, &key, now, true)?)?
                }
                AdminCmd::ExportAnchors { out } => {
                    let key = audit::key::load_or_create(&data.audit_key())?;
                    let export = admin::export_anchors(store, &key.verifying_key())?;
                    std::fs::write(&out, serde_json::to_vec_pretty(&export)?)
                        .with_context(|| format!("cannot write {}", out.display()))?;
                    format!(
                        "wrote {} anchors to {} (public key {})",
                        export.anchors.len(),
                        out.display(),
                        export.public_key
                    )
                }
                AdminCmd::ListDevices => serde_json::to_string_pretty(&store.list_devices()?)?,
            };
            println!("{out}");
            Ok(())
        }
    }
}

#[cfg(unix)]
async fn terminate() {
    if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        s.recv().await;
    }
}
#[cfg(not(unix))]
async fn terminate() {
    std::future::pending::<()>().await
}

/// The station's credential with its banner: the one kept from the first start, or — on the
/// first start — enrollment with the code. A data directory already a station of one banner is
/// not moved to another.
async fn station_credential(
    root: &std::path::Path,
    upstream: Option<String>,
    code: Option<String>,
    fingerprint: Option<String>,
) -> anyhow::Result<Option<jiuzhu_server::levels::uplink::Upstream>> {
    use jiuzhu_server::levels::uplink;
    match (uplink::load(root)?, upstream) {
        (Some(up), None) => Ok(Some(up)),
        (Some(up), Some(url)) if url.trim_end_matches('/') == up.url => Ok(Some(up)),
        (Some(up), Some(url)) => anyhow::bail!(
            "{} is the station of {}, not of {url}: use another data directory",
            root.display(),
            up.url
        ),
        (None, None) => Ok(None),
        (None, Some(url)) => {
            let code = code.context(
                "a new station enrolls with the banner: give --upstream-code from `admin add-station`",
            )?;
            let name = std::env::var("HOSTNAME").unwrap_or_else(|_| "station".into());
            Ok(Some(
                uplink::enroll(root, &url, &code, fingerprint.as_deref(), &name).await?,
            ))
        }
    }
}
