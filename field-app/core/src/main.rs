//! `jiuzhu-tablet`: the tablet's headless core driven from a terminal (training, scripts, load
//! tests). The Tauri app calls the same functions.

use anyhow::Context;
use clap::{Parser, Subcommand};
use jiuzhu_shared::CaseId;
use jiuzhu_tablet_core::Tablet;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "jiuzhu-tablet",
    version,
    about = "Jiuzhu field tablet (headless)"
)]
struct Cli {
    /// The tablet's data directory.
    #[arg(long, global = true, default_value = ".")]
    home: PathBuf,
    /// The tablet's PIN (6–12 digits; else `JIUZHU_PIN`). The data is encrypted under it; a home
    /// without a PIN yet is created protected by this one. Prefer the variable: a command line is
    /// visible to other users of the machine.
    #[arg(long, global = true)]
    pin: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Enroll with a one-time code from the township.
    Enroll {
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
        /// SHA-256 certificate fingerprint the server printed (pinned from now on).
        #[arg(long)]
        fingerprint: Option<String>,
        #[arg(long, default_value = "tablet")]
        name: String,
    },
    /// List cases on this tablet (JSON).
    Cases {
        /// Filter by applicant name or case number.
        #[arg(long)]
        search: Option<String>,
    },
    /// Print a case document (JSON).
    Show {
        #[arg(long)]
        case: String,
    },
    /// Set a field: PATH is a dotted path into the JSON `show` prints.
    Set {
        #[arg(long)]
        case: String,
        path: String,
        value: String,
    },
    /// Append a finding.
    Note {
        #[arg(long)]
        case: String,
        #[arg(long)]
        text: String,
    },
    /// Add a photo to the case's open visit.
    Photo {
        #[arg(long)]
        case: String,
        #[arg(long)]
        file: PathBuf,
        #[arg(long, default_value = "")]
        caption: String,
        /// exterior | interior | appliance | document | mandate | other
        #[arg(long, default_value = "other")]
        tag: String,
    },
    /// Sign the open visit with a PNG signature image (binds to the visit's current content).
    Sign {
        #[arg(long)]
        case: String,
        /// investigator | member
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        /// The verified member's row id (for `member`).
        #[arg(long)]
        member_id: Option<String>,
        #[arg(long)]
        png: PathBuf,
    },
    /// Seal the open visit; lists what is missing if it is incomplete.
    Finalize {
        #[arg(long)]
        case: String,
    },
    /// Record that a family member refused, without good reason, to cooperate (the visit is then
    /// signed by the investigators alone). An empty --member clears the record.
    Refuse {
        #[arg(long)]
        case: String,
        #[arg(long)]
        member: String,
        /// What was refused (入户, 提供证明材料, 授权核对…).
        #[arg(long, default_value = "")]
        what: String,
    },
    /// Answer a caseworker's review note.
    Answer {
        #[arg(long)]
        case: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        text: String,
    },
    /// Add a server to sync with besides the enrolled one (the township's station), reached
    /// with the same enrollment; prints it (JSON).
    AddServer {
        #[arg(long)]
        server: String,
        /// SHA-256 certificate fingerprint the server printed; without it, the certificate seen
        /// now is pinned (compare the printed fingerprint with the station's).
        #[arg(long)]
        fingerprint: Option<String>,
        #[arg(long, default_value = "station")]
        label: String,
    },
    /// List the servers this tablet syncs with, the enrolled one first (JSON).
    Servers,
    /// Sync; prints the server reached, rounds, bytes and documents (JSON). Without --server,
    /// the enrolled server is tried first, then each other known server while none answers.
    Sync {
        /// Sync with this known server only.
        #[arg(long)]
        server: Option<String>,
    },
    /// Host a face-to-face sync: prints the invitation on the first line, waits for the
    /// colleague's tablet to join with it, then prints what was exchanged (JSON).
    PeerServe {
        /// Where to listen, e.g. 0.0.0.0:7788 (the invitation then names this machine's first
        /// non-loopback IPv4 address) or the hotspot's address.
        #[arg(long, default_value = "0.0.0.0:0")]
        listen: std::net::SocketAddr,
    },
    /// Join a colleague's face-to-face sync with the invitation it printed or showed.
    PeerSync {
        #[arg(long)]
        invite: String,
    },
}

fn case_id(s: &str) -> anyhow::Result<CaseId> {
    Ok(s.parse()?)
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let pin = cli
        .pin
        .clone()
        .or_else(|| std::env::var("JIUZHU_PIN").ok())
        .context("the tablet's data is encrypted: give --pin or set JIUZHU_PIN")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut tablet = match Tablet::open_or_create(&cli.home, &pin) {
        // Past its lease the data opens only with the server's lease secret: `sync` asks for it.
        Err(jiuzhu_tablet_core::TabletError::LeaseExpired { .. })
            if matches!(cli.cmd, Cmd::Sync { .. }) =>
        {
            rt.block_on(Tablet::unlock_renewing(&cli.home, &pin))
        }
        r => r,
    }
    .with_context(|| format!("cannot open tablet home {}", cli.home.display()))?;
    let out = match cli.cmd {
        Cmd::Enroll {
            server,
            code,
            fingerprint,
            name,
        } => {
            let id = rt.block_on(tablet.enroll(&server, &code, fingerprint.as_deref(), &name))?;
            serde_json::to_value(id)?
        }
        Cmd::Cases { search } => serde_json::to_value(tablet.cases(search.as_deref())?)?,
        Cmd::Show { case } => tablet.show(case_id(&case)?)?,
        Cmd::Set { case, path, value } => {
            tablet.set(case_id(&case)?, &path, &value)?;
            serde_json::json!({"ok": true})
        }
        Cmd::Note { case, text } => {
            serde_json::json!({"finding": tablet.note(case_id(&case)?, &text)?})
        }
        Cmd::Photo {
            case,
            file,
            caption,
            tag,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            serde_json::to_value(tablet.add_photo(case_id(&case)?, &bytes, &caption, &tag)?)?
        }
        Cmd::Sign {
            case,
            role,
            name,
            member_id,
            png,
        } => {
            let bytes =
                std::fs::read(&png).with_context(|| format!("cannot read {}", png.display()))?;
            serde_json::to_value(tablet.sign(
                case_id(&case)?,
                &role,
                &name,
                member_id.as_deref(),
                &bytes,
            )?)?
        }
        Cmd::Finalize { case } => {
            serde_json::json!({"content_hash": tablet.finalize(case_id(&case)?)?})
        }
        Cmd::Refuse { case, member, what } => {
            tablet.record_refusal(case_id(&case)?, &member, &what)?;
            serde_json::json!({"ok": true})
        }
        Cmd::Answer { case, note, text } => {
            tablet.answer_note(case_id(&case)?, &note, &text)?;
            serde_json::json!({"ok": true})
        }
        Cmd::AddServer {
            server,
            fingerprint,
            label,
        } => serde_json::to_value(rt.block_on(tablet.add_server(
            &server,
            fingerprint.as_deref(),
            &label,
        ))?)?,
        Cmd::Servers => serde_json::to_value(tablet.servers()?)?,
        Cmd::Sync { server } => {
            let mut progress = |p| eprintln!("{}", serde_json::to_string(&p).unwrap_or_default());
            let report = match server {
                Some(url) => rt.block_on(tablet.sync_with_server(&url, &mut progress)),
                None => rt.block_on(tablet.sync(&mut progress)),
            };
            serde_json::to_value(report?)?
        }
        Cmd::PeerServe { listen } => {
            let listener = rt.block_on(tablet.peer_listen(listen))?;
            println!("{}", listener.invitation().to_text());
            std::io::Write::flush(&mut std::io::stdout())?;
            serde_json::to_value(rt.block_on(tablet.peer_accept(listener))?)?
        }
        Cmd::PeerSync { invite } => {
            let invitation = jiuzhu_tablet_core::peer::Invitation::parse(&invite)?;
            serde_json::to_value(rt.block_on(tablet.peer_sync(&invitation))?)?
        }
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
