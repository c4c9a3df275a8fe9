//! The Tauri shell of the investigator's tablet app: thin `#[tauri::command]`s over
//! `jiuzhu_tablet_core::Tablet`. Everything with a rule in it lives in the core; this file only
//! translates arguments, errors (to stable codes the UI puts into Chinese) and progress.

use jiuzhu_shared::CaseId;
use jiuzhu_tablet_core::net::NetError;
use jiuzhu_tablet_core::peer::{Invitation, PeerReport};
use jiuzhu_tablet_core::pin::PinError;
use jiuzhu_tablet_core::servers::KnownServer;
use jiuzhu_tablet_core::sync::Progress;
use jiuzhu_tablet_core::visit::{CaseRow, Problem, Signer, VisitError};
use jiuzhu_tablet_core::{Tablet, TabletError, WipeReason, enroll, now_s, vault};
use serde::Serialize;
use serde_json::Value as Json;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::async_runtime::JoinHandle;
use tauri::ipc::{Channel, InvokeBody, Request, Response};
use tauri::{Manager, State};
use tokio::sync::Mutex;

pub struct AppState {
    home: PathBuf,
    /// The open tablet. `None` while locked: the database and photo keys exist only inside an
    /// open `Tablet`, so locking drops them and only the PIN brings them back (issue #6).
    tablet: Mutex<Option<Tablet>>,
    /// Set by a correct PIN; every data command checks it. Not persisted: each start asks again.
    /// (A new tablet is open but not unlocked between enrollment and choosing its PIN.)
    unlocked: AtomicBool,
    syncing: AtomicBool,
    /// The shown invitation's wait for the other tablet. Aborting it drops the listener, which
    /// voids the invitation.
    peer_wait: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl AppState {
    pub fn open(home: PathBuf) -> Result<Self, TabletError> {
        // With a PIN set, the data stays closed until `unlock`. Without one this is a new tablet:
        // it enrolls, then `set_pin` wraps the keys it has held in memory since.
        let tablet = if vault::exists(&home) {
            None
        } else {
            Some(Tablet::create_unprotected(&home)?)
        };
        Ok(Self::with_tablet(home, tablet))
    }

    pub fn with_tablet(home: PathBuf, tablet: Option<Tablet>) -> Self {
        Self {
            home,
            tablet: Mutex::new(tablet),
            unlocked: AtomicBool::new(false),
            syncing: AtomicBool::new(false),
            peer_wait: std::sync::Mutex::new(None),
        }
    }

    /// The open tablet, or `locked`.
    async fn tablet(&self) -> CmdResult<tokio::sync::MappedMutexGuard<'_, Tablet>> {
        tokio::sync::MutexGuard::try_map(self.tablet.lock().await, |t| t.as_mut())
            .map_err(|_| CmdError::new("locked", "unlock with the PIN first"))
    }

    /// Void the shown invitation: once this returns, nothing listens for it any more.
    async fn stop_peer_wait(&self) {
        let wait = self.peer_wait.lock().unwrap().take();
        if let Some(wait) = wait {
            wait.abort();
            // Cancelled, or finished already: either way its listener is gone.
            let _ = wait.await;
        }
    }

    /// After a wipe: a new, empty tablet that starts again at enrollment.
    async fn start_over(&self) {
        self.unlocked.store(false, Ordering::SeqCst);
        *self.tablet.lock().await = Tablet::create_unprotected(&self.home).ok();
    }
}

/// An error as the UI sees it: a stable `code` (translated by the UI's catalogue), the original
/// text for the log, and details where the UI shows them (what is incomplete, how long to wait).
#[derive(Debug, Serialize)]
pub struct CmdError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<Problem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<i64>,
}

impl CmdError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            problems: None,
            seconds: None,
        }
    }
}

impl From<TabletError> for CmdError {
    fn from(e: TabletError) -> Self {
        let message = e.to_string();
        let code = match &e {
            TabletError::NotEnrolled => "not_enrolled",
            TabletError::AlreadyEnrolled(_) => "already_enrolled",
            TabletError::Net(n) => return net_error(n),
            TabletError::Photo(_) => "photo",
            TabletError::Doc(_) => "invalid",
            TabletError::Visit(v) => match v {
                VisitError::Incomplete(p) => {
                    let mut c = CmdError::new("incomplete", message);
                    c.problems = Some(p.clone());
                    return c;
                }
                VisitError::Sealed(_) => "sealed",
                VisitError::NotEditable(_) => "not_editable",
                VisitError::ReasonRequired(_) => "reason_required",
                VisitError::NotFound(_) => "not_found",
                VisitError::NotInVocabulary { .. } => "not_in_vocabulary",
                VisitError::NoOpenVisit => "no_open_visit",
            },
            TabletError::Pin(p) => return pin_error(p),
            TabletError::Rules(_) => "rules",
            TabletError::LeaseExpired { .. } => "lease_expired",
            TabletError::Wiped(WipeReason::Revoked) => "device_revoked",
            TabletError::Wiped(WipeReason::TooManyWrongPins) => "wiped",
            TabletError::Store(_) | TabletError::Io(_) | TabletError::Vault(_) => "storage",
            TabletError::Protocol(_) => "protocol",
            // The Chinese reason is the message: the UI shows it after its own words.
            TabletError::Policy(v) => return CmdError::new(v.code, v.zh.clone()),
            TabletError::NotOnTeam(_) => "not_on_team",
            TabletError::Withdrawn => "withdrawn",
            TabletError::Peer(p) => p.code(),
            TabletError::UnknownServer(_) => "unknown_server",
            TabletError::ServerKnown(_) => "server_known",
            TabletError::EnrolledServer => "enrolled_server",
        };
        CmdError::new(code, message)
    }
}

fn net_error(n: &NetError) -> CmdError {
    let code = match n {
        NetError::NoNetwork { .. } | NetError::Timeout(_) | NetError::Broken(_) => "no_network",
        NetError::CertificateChanged { .. } => "certificate_changed",
        NetError::BadUrl(_) => "bad_url",
        NetError::Server { code, .. } if code == "device_revoked" => "device_revoked",
        NetError::Server { code, .. } if code.contains("code") || code == "enroll_failed" => {
            "bad_code"
        }
        NetError::Server { .. } => "server",
        NetError::Tls(_) | NetError::Protocol(_) => "tls",
    };
    CmdError::new(code, n.to_string())
}

fn pin_error(p: &PinError) -> CmdError {
    let mut c = CmdError::new(
        match p {
            PinError::Format => "pin_format",
            PinError::NotSet => "pin_not_set",
            PinError::AlreadySet => "already_enrolled",
            PinError::Wrong { .. } => "pin_wrong",
            PinError::Locked { .. } => "pin_locked",
            PinError::Store(_) => "storage",
        },
        p.to_string(),
    );
    if let PinError::Locked { seconds } = p {
        c.seconds = Some(*seconds);
    }
    c
}

type CmdResult<T> = Result<T, CmdError>;

fn parse_case(s: &str) -> CmdResult<CaseId> {
    s.parse()
        .map_err(|_| CmdError::new("not_found", format!("bad case id {s}")))
}

fn unlocked(state: &AppState) -> CmdResult<()> {
    if state.unlocked.load(Ordering::SeqCst) {
        Ok(())
    } else {
        Err(CmdError::new("locked", "unlock with the PIN first"))
    }
}

#[derive(Serialize)]
pub struct Status {
    enrolled: bool,
    pin_set: bool,
    unlocked: bool,
    syncing: bool,
    user_name: Option<String>,
    township: Option<String>,
    server: Option<String>,
    fingerprint: Option<String>,
    last_sync_at: Option<i64>,
    /// Whether face-to-face sync can start: the tablet holds the server's peer credential.
    peer_ready: bool,
}

#[tauri::command]
async fn status(state: State<'_, AppState>) -> CmdResult<Status> {
    let guard = state.tablet.lock().await;
    let pin_set = vault::exists(&state.home);
    let Some(t) = guard.as_ref() else {
        // Locked: the identity is inside the encrypted database. The app sets a PIN only after
        // enrolling, so a PIN means an enrolled tablet.
        return Ok(Status {
            enrolled: pin_set,
            pin_set,
            unlocked: false,
            syncing: state.syncing.load(Ordering::SeqCst),
            user_name: None,
            township: None,
            server: None,
            fingerprint: None,
            last_sync_at: None,
            peer_ready: false,
        });
    };
    let id = t.identity().ok();
    Ok(Status {
        enrolled: id.is_some(),
        pin_set,
        unlocked: state.unlocked.load(Ordering::SeqCst),
        syncing: state.syncing.load(Ordering::SeqCst),
        user_name: id.as_ref().map(|i| i.user_name.clone()),
        township: id.as_ref().map(|i| i.township.clone()),
        server: id.as_ref().map(|i| i.server.clone()),
        fingerprint: id
            .as_ref()
            .map(|i| enroll::display_fingerprint(&i.fingerprint)),
        last_sync_at: t.last_sync_at()?,
        peer_ready: t.peer_ready()?,
    })
}

#[tauri::command]
fn parse_enroll_text(text: String) -> enroll::EnrollInfo {
    enroll::parse_payload(&text)
}

#[tauri::command]
async fn probe_fingerprint(server: String) -> CmdResult<String> {
    let fp = enroll::probe_fingerprint(server.trim())
        .await
        .map_err(|e| net_error(&e))?;
    Ok(enroll::display_fingerprint(&fp))
}

#[tauri::command]
async fn enroll(
    state: State<'_, AppState>,
    server: String,
    code: String,
    fingerprint: String,
    device_name: Option<String>,
) -> CmdResult<Status> {
    {
        let mut t = state.tablet().await?;
        t.enroll(
            server.trim(),
            code.trim(),
            Some(fingerprint.trim()),
            device_name.as_deref().unwrap_or("tablet"),
        )
        .await?;
    }
    status(state).await
}

/// A server the tablet syncs with, as the sync screen lists it (fingerprint grouped for reading).
#[derive(Serialize)]
pub struct ServerView {
    url: String,
    fingerprint: String,
    label: String,
    enrolled: bool,
}

impl From<KnownServer> for ServerView {
    fn from(s: KnownServer) -> Self {
        Self {
            fingerprint: enroll::display_fingerprint(&s.fingerprint),
            url: s.url,
            label: s.label,
            enrolled: s.enrolled,
        }
    }
}

/// The enrolled server first, then the stations added, in order.
#[tauri::command]
async fn servers(state: State<'_, AppState>) -> CmdResult<Vec<ServerView>> {
    unlocked(&state)?;
    let list = state.tablet().await?.servers()?;
    Ok(list.into_iter().map(ServerView::from).collect())
}

/// Add a station to sync with; pins its certificate as enrollment does (the given fingerprint,
/// or the one presented now when none is given).
#[tauri::command]
async fn add_server(
    state: State<'_, AppState>,
    url: String,
    fingerprint: Option<String>,
    label: String,
) -> CmdResult<ServerView> {
    unlocked(&state)?;
    let fingerprint = fingerprint.filter(|f| !f.trim().is_empty());
    let mut t = state.tablet().await?;
    let added = t
        .add_server(
            url.trim(),
            fingerprint.as_deref().map(str::trim),
            label.trim(),
        )
        .await?;
    Ok(added.into())
}

#[tauri::command]
async fn remove_server(state: State<'_, AppState>, url: String) -> CmdResult<()> {
    unlocked(&state)?;
    Ok(state.tablet().await?.remove_server(&url)?)
}

#[tauri::command]
async fn set_pin(state: State<'_, AppState>, pin: String) -> CmdResult<()> {
    // Replacing a PIN needs the old one (i.e. an unlocked app); the first one needs enrollment.
    if vault::exists(&state.home) {
        unlocked(&state)?;
    }
    let mut t = state.tablet().await?;
    t.identity()?;
    t.set_pin(&pin)?;
    state.unlocked.store(true, Ordering::SeqCst);
    Ok(())
}

#[tauri::command]
async fn unlock(state: State<'_, AppState>, pin: String) -> CmdResult<()> {
    let mut guard = state.tablet.lock().await;
    if guard.is_none() || !state.unlocked.load(Ordering::SeqCst) {
        let opened = match Tablet::unlock(&state.home, &pin) {
            // Past the lease the keys open only with the server's lease secret: ask for it now
            // (issue 13); without a network the data stays locked.
            Err(TabletError::LeaseExpired { until }) => Tablet::unlock_renewing(&state.home, &pin)
                .await
                .map_err(|e| match e {
                    TabletError::Net(_) => TabletError::LeaseExpired { until },
                    e => e,
                }),
            r => r,
        };
        match opened {
            Ok(t) => *guard = Some(t),
            Err(e @ TabletError::Wiped(_)) => {
                drop(guard);
                state.start_over().await;
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    state.unlocked.store(true, Ordering::SeqCst);
    Ok(())
}

#[tauri::command]
async fn lock(state: State<'_, AppState>) -> CmdResult<()> {
    state.unlocked.store(false, Ordering::SeqCst);
    // A locked tablet takes no colleague's exchange (and the wait's own handle holds the keys).
    state.stop_peer_wait().await;
    // Drop the keys with the tablet; a tablet without a PIN yet has nothing to unlock it with.
    if vault::exists(&state.home) {
        *state.tablet.lock().await = None;
    }
    Ok(())
}

#[tauri::command]
async fn list_cases(state: State<'_, AppState>, query: Option<String>) -> CmdResult<Vec<CaseRow>> {
    unlocked(&state)?;
    let q = query.filter(|q| !q.trim().is_empty());
    Ok(state.tablet().await?.case_rows(q.as_deref())?)
}

#[derive(Serialize)]
pub struct CaseView {
    doc: Json,
    /// Index of the visit being edited, if one is open.
    open_visit: Option<usize>,
    problems: Vec<Problem>,
    signers: Vec<Signer>,
    conflicts: usize,
    /// Local versions the server refused, newest first (the case was fetched again).
    set_aside: Vec<jiuzhu_tablet_core::store::SetAside>,
}

async fn view(state: &AppState, case: CaseId) -> CmdResult<CaseView> {
    let t = state.tablet().await?;
    let mut doc = t.document(case)?;
    let c = doc.read().map_err(TabletError::from)?;
    Ok(CaseView {
        open_visit: jiuzhu_tablet_core::visit::open_index(&c),
        doc: doc.to_json().map_err(TabletError::from)?,
        problems: t.problems(case)?,
        signers: t.signers(case)?,
        conflicts: doc.conflicts().len(),
        set_aside: t.store().set_aside(case).map_err(TabletError::from)?,
    })
}

#[tauri::command]
async fn get_case(state: State<'_, AppState>, case_id: String) -> CmdResult<CaseView> {
    unlocked(&state)?;
    view(&state, parse_case(&case_id)?).await
}

#[tauri::command]
async fn open_visit(state: State<'_, AppState>, case_id: String) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.open_visit(id)?;
    view(&state, id).await
}

/// Save one field the moment it is edited; answers the updated view so the UI shows what the
/// document now holds (and what is still missing).
#[tauri::command]
async fn set_value(
    state: State<'_, AppState>,
    case_id: String,
    path: String,
    value: Json,
) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.set_value(id, &path, value)?;
    view(&state, id).await
}

#[tauri::command]
async fn add_member(
    state: State<'_, AppState>,
    case_id: String,
    name: String,
    reason: String,
) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.add_member(id, &name, &reason)?;
    view(&state, id).await
}

#[tauri::command]
async fn remove_member(
    state: State<'_, AppState>,
    case_id: String,
    index: usize,
    reason: String,
) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.remove_member(id, index, &reason)?;
    view(&state, id).await
}

#[tauri::command]
async fn remove_row(
    state: State<'_, AppState>,
    case_id: String,
    section: String,
    index: usize,
) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.remove_row(id, &section, index)?;
    view(&state, id).await
}

#[tauri::command]
async fn rotate_photo(
    state: State<'_, AppState>,
    case_id: String,
    hash: String,
    quarter_turns: u8,
) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state
        .tablet()
        .await?
        .rotate_photo(id, &hash, quarter_turns)?;
    view(&state, id).await
}

#[tauri::command]
async fn add_finding(
    state: State<'_, AppState>,
    case_id: String,
    text: String,
) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.note(id, &text)?;
    view(&state, id).await
}

/// Image bytes arrive as the raw request body (no JSON array of numbers for megabytes); the
/// small arguments ride in headers, percent-encoded by the UI because headers are ASCII.
fn raw_args(request: &Request<'_>) -> CmdResult<(Vec<u8>, impl Fn(&str) -> Option<String>)> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(CmdError::new("invalid", "expected the image as a raw body"));
    };
    let headers = request.headers().clone();
    let get = move |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(enroll::percent_decode)
    };
    Ok((bytes.clone(), get))
}

#[tauri::command]
async fn add_photo(state: State<'_, AppState>, request: Request<'_>) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let (bytes, arg) = raw_args(&request)?;
    let id = parse_case(&arg("case-id").unwrap_or_default())?;
    state.tablet().await?.add_photo(
        id,
        &bytes,
        &arg("caption").unwrap_or_default(),
        &arg("tag").unwrap_or_default(),
    )?;
    view(&state, id).await
}

#[tauri::command]
async fn sign(state: State<'_, AppState>, request: Request<'_>) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let (bytes, arg) = raw_args(&request)?;
    let id = parse_case(&arg("case-id").unwrap_or_default())?;
    let name = arg("name").unwrap_or_default();
    let member = arg("member-id").filter(|m| !m.is_empty());
    let mut t = state.tablet().await?;
    if arg("thumbprint").as_deref() == Some("1") {
        t.sign_thumbprint(id, &name, member.as_deref().unwrap_or_default(), &bytes)?;
    } else {
        let role = arg("role").unwrap_or_default();
        t.sign(id, &role, &name, member.as_deref(), &bytes)?;
    }
    drop(t);
    view(&state, id).await
}

#[tauri::command]
async fn thumbnail(state: State<'_, AppState>, hash: String) -> CmdResult<Response> {
    unlocked(&state)?;
    Ok(Response::new(state.tablet().await?.thumbnail(&hash)?))
}

/// Record (or, with an empty member, clear) a family member's refusal to cooperate.
#[tauri::command]
async fn record_refusal(
    state: State<'_, AppState>,
    case_id: String,
    member: String,
    what: String,
) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.record_refusal(id, &member, &what)?;
    view(&state, id).await
}

#[tauri::command]
async fn finalize(state: State<'_, AppState>, case_id: String) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.finalize(id)?;
    view(&state, id).await
}

#[tauri::command]
async fn start_correction(state: State<'_, AppState>, case_id: String) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.start_correction(id)?;
    view(&state, id).await
}

#[tauri::command]
async fn answer_note(
    state: State<'_, AppState>,
    case_id: String,
    note_id: String,
    text: String,
) -> CmdResult<CaseView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    state.tablet().await?.answer_note(id, &note_id, &text)?;
    view(&state, id).await
}

/// The regional rules until the township distributes its own: the example configuration from
/// the repository (its figures are made up and say so). `JIUZHU_RULES` names a real file.
const EXAMPLE_RULES: &str = include_str!("../../../config/regions/example.toml");

#[derive(Serialize)]
pub struct PreviewView {
    proposal: jiuzhu_shared::rules::Proposal,
    /// The same rules on what the family declared, shown beside the verified figures.
    declared: jiuzhu_shared::rules::Proposal,
    text: String,
    region_name: String,
}

/// 收入核算预览 of the visit being filled in, computed offline by the shared rules engine.
#[tauri::command]
async fn income_preview(state: State<'_, AppState>, case_id: String) -> CmdResult<PreviewView> {
    unlocked(&state)?;
    let id = parse_case(&case_id)?;
    let toml = match std::env::var_os("JIUZHU_RULES") {
        Some(p) => std::fs::read_to_string(p).map_err(TabletError::from)?,
        None => EXAMPLE_RULES.to_string(),
    };
    let region_name = jiuzhu_shared::rules::RegionConfig::from_toml(&toml)
        .map_err(TabletError::from)?
        .name;
    let tablet = state.tablet().await?;
    let proposal = tablet.income_preview(id, &toml)?;
    let declared = tablet.declared_preview(id, &toml)?;
    Ok(PreviewView {
        declared,
        text: proposal.to_text(),
        proposal,
        region_name,
    })
}

/// Progress as the sync screen draws it.
#[derive(Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncEvent {
    Round {
        round: u32,
        documents: usize,
    },
    Blob {
        hash: String,
        sent: u64,
        total: u64,
        /// Bytes of all photos waiting when the sync began, and how many of them are done.
        all_total: u64,
        all_sent: u64,
    },
}

#[derive(Serialize)]
pub struct CaseResult {
    case_id: CaseId,
    case_no: String,
    applicant: String,
    /// synced | assigned | withdrawn | refused | pending
    result: String,
    message: Option<String>,
}

#[derive(Serialize)]
pub struct SyncSummary {
    report: jiuzhu_tablet_core::sync::SyncReport,
    cases: Vec<CaseResult>,
    finished_at: i64,
}

/// Sync on a second connection to the same local store (SQLite WAL), so the person keeps
/// working — every edit is its own short transaction — while documents and photos go out.
#[tauri::command]
async fn sync(
    state: State<'_, AppState>,
    on_progress: Channel<SyncEvent>,
) -> CmdResult<SyncSummary> {
    unlocked(&state)?;
    if state.syncing.swap(true, Ordering::SeqCst) {
        return Err(CmdError::new("sync_running", "a sync is already running"));
    }
    // A second handle (own connection, same keys) so the person keeps working during the sync.
    let second = state.tablet().await.and_then(|t| Ok(t.reopen()?));
    let result = match second {
        Ok(t) => run_sync(t, on_progress).await,
        Err(e) => Err(e),
    };
    state.syncing.store(false, Ordering::SeqCst);
    if result.as_ref().is_err_and(|e| e.code == "device_revoked") {
        // The core wiped the local data; the message tells the person why.
        state.start_over().await;
    }
    result
}

async fn run_sync(mut t: Tablet, on_progress: Channel<SyncEvent>) -> CmdResult<SyncSummary> {
    // Past the offline lease the list is locked; the sync itself still runs (it is what unlocks).
    let before = match t.case_rows(None) {
        Err(TabletError::LeaseExpired { .. }) => Vec::new(),
        r => r?,
    };
    let pending = t.store().pending_blobs().map_err(TabletError::from)?;
    let all_total: u64 = pending.iter().map(|(_, s)| s).sum();
    let mut done_before: u64 = 0;
    let mut current: Option<String> = None;
    let mut current_total = 0;
    let mut progress = |p: Progress| {
        let ev = match p {
            Progress::Round { round, documents } => SyncEvent::Round { round, documents },
            Progress::Blob { hash, sent, total } => {
                if current.as_deref() != Some(&hash) {
                    done_before += current_total;
                    current = Some(hash.clone());
                    current_total = total;
                }
                SyncEvent::Blob {
                    hash,
                    sent,
                    total,
                    all_total,
                    all_sent: done_before + sent,
                }
            }
        };
        let _ = on_progress.send(ev);
    };
    let report = t.sync(&mut progress).await?;
    let after = t.case_rows(None)?;
    let mut cases = Vec::new();
    for r in &after {
        let id = r.item.case_id;
        let refusal = report.refused.iter().find(|x| x.doc == id);
        let was = before.iter().find(|b| b.item.case_id == id);
        let (result, message) = if report.set_aside.contains(&id) {
            ("set_aside", refusal.map(|x| x.message.clone()))
        } else if let Some(x) = refusal {
            ("refused", Some(x.message.clone()))
        } else if report.assigned.contains(&id) || was.is_none() {
            ("assigned", None)
        } else if report.withdrawn.contains(&id) {
            ("withdrawn", None)
        } else if r.item.unsynced || r.pending_photos > 0 {
            ("pending", None)
        } else if was.is_some_and(|w| w.item.unsynced || w.pending_photos > 0) {
            ("synced", None)
        } else {
            continue;
        };
        cases.push(CaseResult {
            case_id: id,
            case_no: r.item.case_no.clone(),
            applicant: r.item.applicant.clone(),
            result: result.into(),
            message,
        });
    }
    for id in &report.dropped {
        if let Some(b) = before.iter().find(|b| b.item.case_id == *id) {
            cases.push(CaseResult {
                case_id: *id,
                case_no: b.item.case_no.clone(),
                applicant: b.item.applicant.clone(),
                result: "withdrawn".into(),
                message: None,
            });
        }
    }
    Ok(SyncSummary {
        report,
        cases,
        finished_at: now_s(),
    })
}

/// A case a face-to-face sync named, as the result screen lists it.
#[derive(Serialize)]
pub struct PeerCase {
    case_id: CaseId,
    case_no: String,
    applicant: String,
}

#[derive(Serialize)]
pub struct PeerSummary {
    report: PeerReport,
    /// Number and applicant of each case exchanged or refused, as far as this tablet has it.
    cases: Vec<PeerCase>,
    finished_at: i64,
}

/// How the wait behind a shown invitation ended.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PeerEvent {
    Done { summary: PeerSummary },
    Failed { error: CmdError },
}

fn peer_summary(t: &Tablet, report: PeerReport) -> PeerSummary {
    let named =
        |id: &CaseId| report.cases.contains(id) || report.refused.iter().any(|r| r.case == *id);
    // Past the offline lease the list is locked: the result then shows the counts alone.
    let cases = t
        .case_rows(None)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| named(&r.item.case_id))
        .map(|r| PeerCase {
            case_id: r.item.case_id,
            case_no: r.item.case_no,
            applicant: r.item.applicant,
        })
        .collect();
    PeerSummary {
        report,
        cases,
        finished_at: now_s(),
    }
}

/// Show an invitation: listen on every interface (the core puts the hotspot address in the
/// invitation) and wait for the other tablet in the background, on a second store connection as
/// `sync` does. The answer is the invitation's text for the QR code; the outcome comes later
/// over `on_result`. A new invitation voids the one shown before.
#[tauri::command]
async fn peer_invite(
    state: State<'_, AppState>,
    on_result: Channel<PeerEvent>,
) -> CmdResult<String> {
    unlocked(&state)?;
    let mut second = state.tablet().await?.reopen()?;
    let listener = second
        .peer_listen(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)))
        .await?;
    let text = listener.invitation().to_text();
    let wait = tauri::async_runtime::spawn(async move {
        let event = match second.peer_accept(listener).await {
            Ok(report) => PeerEvent::Done {
                summary: peer_summary(&second, report),
            },
            Err(e) => PeerEvent::Failed { error: e.into() },
        };
        let _ = on_result.send(event);
    });
    if let Some(old) = state.peer_wait.lock().unwrap().replace(wait) {
        old.abort();
    }
    Ok(text)
}

/// Stop waiting behind the shown invitation; once this answers, the invitation is void. Cut
/// mid-exchange, it is as if the hotspot dropped: what was written stays, the rest comes with the
/// next sync.
#[tauri::command]
async fn peer_cancel(state: State<'_, AppState>) -> CmdResult<()> {
    state.stop_peer_wait().await;
    Ok(())
}

/// Join the tablet whose invitation was scanned (or pasted) and exchange the shared cases.
#[tauri::command]
async fn peer_join(state: State<'_, AppState>, invitation: String) -> CmdResult<PeerSummary> {
    unlocked(&state)?;
    let invitation = Invitation::parse(invitation.trim()).map_err(TabletError::from)?;
    let mut second = state.tablet().await?.reopen()?;
    let report = second.peer_sync(&invitation).await?;
    Ok(peer_summary(&second, report))
}

/// Where the app keeps its data: `JIUZHU_HOME` if set (tests, several tablets on one machine),
/// else the platform's app data directory (`$XDG_DATA_HOME/cn.gov.jiuzhu.field` on Linux).
fn home_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(h) = std::env::var_os("JIUZHU_HOME") {
        return Ok(PathBuf::from(h));
    }
    Ok(app.path().app_data_dir()?)
}

macro_rules! handlers {
    () => {
        tauri::generate_handler![
            status,
            parse_enroll_text,
            probe_fingerprint,
            enroll,
            servers,
            add_server,
            remove_server,
            set_pin,
            unlock,
            lock,
            list_cases,
            get_case,
            open_visit,
            set_value,
            add_member,
            remove_member,
            remove_row,
            rotate_photo,
            add_finding,
            add_photo,
            sign,
            thumbnail,
            finalize,
            record_refusal,
            start_correction,
            answer_note,
            income_preview,
            sync,
            peer_invite,
            peer_cancel,
            peer_join
        ]
    };
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let home = home_dir(app)?;
            app.manage(AppState::open(home)?);
            Ok(())
        })
        .invoke_handler(handlers!())
        .run(tauri::generate_context!())
        .expect("error while running the Jiuzhu field app");
}

#[cfg(test)]
mod tests;
