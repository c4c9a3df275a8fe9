//! The soak (issue 13 point 8): many tablets — the real tablet core on real SQLite files — sync
//! with the real `jiuzhu-server` process through the fault proxy for N cycles while links are cut
//! at random byte offsets in both directions, answers are held back and lost, rounds are
//! duplicated and TLS streams replayed, the server and the tablets are killed mid-sync, tablet
//! clocks are skewed, the workflow writes to the same documents on the server, and new cases and
//! replacement tablets bring first syncs. A sync stopped at the round cap fails the run: no fault
//! excuses it. Then everything is healed, the tablets sync until quiet, and every note and photo
//! made on a tablet must be on the server exactly once, with every tablet holding what the server
//! holds.
//!
//! Everything random comes from one seed, so a failing run names the seed that reproduces its
//! choices (timings on a busy machine still vary).

use crate::proxy::Proxy;
use crate::{PIN, ServerProcess, TOWNSHIP, bin, case_json, test_jpeg};
use anyhow::Context as _;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::protocol::{DocMessage, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use jiuzhu_tablet_core::Tablet;
use jiuzhu_tablet_core::sync::SyncReport;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a soak run does.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    pub cycles: u64,
    pub tablets: usize,
    pub seed: u64,
}

impl SoakConfig {
    /// `--cycles N [--tablets K] [--seed S]`: 4 tablets and a random seed unless given.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<SoakConfig> {
        let mut cfg = SoakConfig {
            cycles: 100,
            tablets: 4,
            seed: rand::random(),
        };
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            let bad = || format!("{flag} {value}: not a number");
            match flag.as_str() {
                "--cycles" => cfg.cycles = value.parse().with_context(bad)?,
                "--tablets" => cfg.tablets = value.parse().with_context(bad)?,
                "--seed" => cfg.seed = value.parse().with_context(bad)?,
                _ => anyhow::bail!(
                    "unknown option {flag}: soak takes --cycles N [--tablets K] [--seed S]"
                ),
            }
        }
        Ok(cfg)
    }
}

/// The faults a cycle can inject (at most one kind per cycle; some cycles are clean).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// Reset every connection once a random number of client->server bytes has passed.
    CutUp,
    /// The same, counted in server->client bytes.
    CutDown,
    /// The server's answers are held back, then the link is cut: the server committed rounds
    /// the tablet never hears about.
    LostAnswer,
    /// Every chunk is delayed a few milliseconds.
    SlowLink,
    /// New connections are refused for the cycle.
    Offline,
    /// A round of a tablet's documents (all their changes) sent twice, its answers ignored.
    DuplicatedRound,
    /// The bytes of the last connection replayed straight to the server.
    ReplayedStream,
    /// A tablet dropped mid-sync and reopened from its files.
    TabletDropped,
    /// The `jiuzhu-tablet sync` process killed with SIGKILL mid-sync, then the tablet reopened.
    TabletKilled,
    /// The server process killed with SIGKILL mid-sync and restarted on its data directory.
    ServerKilled,
}

impl Fault {
    /// Relative weights of each fault (the rest of the cycles are clean).
    const WEIGHTS: [(Option<Fault>, u32); 11] = [
        (None, 30),
        (Some(Fault::CutUp), 14),
        (Some(Fault::CutDown), 14),
        (Some(Fault::LostAnswer), 9),
        (Some(Fault::SlowLink), 4),
        (Some(Fault::Offline), 3),
        (Some(Fault::DuplicatedRound), 8),
        (Some(Fault::ReplayedStream), 3),
        (Some(Fault::TabletDropped), 8),
        (Some(Fault::TabletKilled), 2),
        (Some(Fault::ServerKilled), 2),
    ];

    fn name(self) -> &'static str {
        match self {
            Fault::CutUp => "link cut client->server",
            Fault::CutDown => "link cut server->client",
            Fault::LostAnswer => "answer held and lost",
            Fault::SlowLink => "slow link",
            Fault::Offline => "offline",
            Fault::DuplicatedRound => "duplicated round",
            Fault::ReplayedStream => "replayed TLS stream",
            Fault::TabletDropped => "tablet dropped mid-sync",
            Fault::TabletKilled => "tablet process kill -9",
            Fault::ServerKilled => "server kill -9",
        }
    }
}

/// What a soak run saw. `ok()` is false on any loss, duplicate, divergence or unsettled sync.
#[derive(Debug, Default)]
pub struct SoakReport {
    pub seed: u64,
    pub cycles: u64,
    pub tablets: usize,
    pub syncs: u64,
    pub syncs_failed: u64,
    pub rounds: u64,
    pub max_rounds: u32,
    /// Syncs that took more than six rounds (where the tablet starts a document afresh).
    pub long_syncs: u64,
    /// Cases that reached a tablet for the first time (first syncs of a document).
    pub first_syncs: u64,
    pub faults: BTreeMap<&'static str, u64>,
    pub notes: u64,
    pub photos: u64,
    /// Server-side workflow writes (team changes) made while tablets synced.
    pub server_writes: u64,
    pub cases: u64,
    /// Replacement tablets enrolled mid-run (each a first sync of all its investigator's cases).
    pub replacements: u64,
    pub heal_syncs: u64,
    pub lost: u64,
    pub duplicated: u64,
    /// A tablet holding other heads than the server for a case after healing.
    pub diverged: u64,
    /// Syncs that stopped at the round cap (`sync did not settle`): never caused by a fault.
    pub unsettled: u64,
    pub elapsed: Duration,
    /// What went wrong, for the reader (the first few of each kind).
    pub problems: Vec<String>,
}

impl SoakReport {
    pub fn ok(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.diverged == 0
            && self.unsettled == 0
            && self.problems.is_empty()
    }

    /// Count a finished sync.
    fn count(&mut self, r: &SyncReport) {
        self.rounds += u64::from(r.rounds);
        self.max_rounds = self.max_rounds.max(r.rounds);
        self.long_syncs += u64::from(r.rounds > 6);
        self.first_syncs += r.assigned.len() as u64;
    }

    fn problem(&mut self, p: String) {
        // Enough to diagnose; a broken run would otherwise print thousands of lines.
        if self.problems.len() < 20 {
            self.problems.push(p);
        }
    }
}

impl std::fmt::Display for SoakReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "soak: seed {}, {} cycles, {} tablets, {:.1?}",
            self.seed, self.cycles, self.tablets, self.elapsed
        )?;
        writeln!(
            f,
            "  syncs: {} ({} failed under faults, {} rounds, at most {} in one sync, {} over 6 rounds, {} to heal), {} first syncs of a case",
            self.syncs,
            self.syncs_failed,
            self.rounds,
            self.max_rounds,
            self.long_syncs,
            self.heal_syncs,
            self.first_syncs
        )?;
        let total: u64 = self.faults.values().sum();
        let kinds: Vec<String> = self
            .faults
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        writeln!(f, "  faults: {total} ({})", kinds.join(", "))?;
        writeln!(
            f,
            "  made: {} notes, {} photos on tablets; {} server-side workflow writes; {} cases; {} replacement tablets",
            self.notes, self.photos, self.server_writes, self.cases, self.replacements
        )?;
        writeln!(
            f,
            "  lost {}, duplicated {}, diverged {}, unsettled {}",
            self.lost, self.duplicated, self.diverged, self.unsettled
        )?;
        for p in &self.problems {
            writeln!(f, "  problem: {p}")?;
        }
        if !self.ok() {
            writeln!(
                f,
                "  FAILED: reproduce with `jiuzhu-bench soak --cycles {} --tablets {} --seed {}`",
                self.cycles, self.tablets, self.seed
            )?;
        }
        Ok(())
    }
}

/// The investigator of tablet `i`.
fn investigator(i: usize) -> String {
    format!("调查员{i}")
}

/// An investigator without a tablet whom the workflow adds to and removes from teams, so the
/// server writes case headers while the tablets sync them.
const COMPANION: &str = "陪同调查员";

/// Longest a single sync may take before the soak calls it stuck.
const SYNC_LIMIT: Duration = Duration::from_secs(120);

/// Cases per tablet the workflow adds at most: every sync reads every case a tablet holds, so
/// more would only slow the soak down; first syncs keep coming from replacement tablets.
const MAX_CASES_PER_TABLET: usize = 6;

/// Passes over all tablets, once healed, before they must be quiet.
const HEAL_PASSES: usize = 8;

/// A tablet of the soak: its files, the open core (absent while it is "dead") and its clock skew.
struct Field {
    user: String,
    home: tempfile::TempDir,
    tablet: Option<Tablet>,
    /// Seconds added to this tablet's clock for its edits (within what the server accepts).
    skew: i64,
}

impl Field {
    fn tablet(&mut self) -> &mut Tablet {
        self.tablet.as_mut().expect("the tablet is open")
    }

    /// Open the tablet again from its files, as an app restart does after a crash.
    fn reopen(&mut self) -> anyhow::Result<()> {
        self.tablet = None;
        self.tablet = Some(Tablet::unlock(self.home.path(), PIN).context("reopen the tablet")?);
        Ok(())
    }
}

/// What happened to one tablet in a cycle.
struct Outcome {
    field: Field,
    sync: Option<Result<SyncReport, String>>,
    fault: Option<Fault>,
}

/// The workflow's side of the server: the store opened beside the running process (as
/// `jiuzhu-server admin` and the console open it) and the data directory's configuration.
struct Workflow {
    data: PathBuf,
    store: std::sync::Arc<dyn jiuzhu_server::store::Store>,
    config: jiuzhu_server::workflow::config::WorkflowConfig,
}

impl Workflow {
    /// A case added and assigned to `team`, as `admin add-case` and `admin assign` do.
    fn case(&self, no: &str, team: &[String]) -> anyhow::Result<CaseId> {
        let now = jiuzhu_server::clock::now();
        let id = jiuzhu_server::workflow::intake::add_case(
            self.store.as_ref(),
            &self.config,
            &case_json(no),
            now,
        )?;
        jiuzhu_server::workflow::intake::assign(self.store.as_ref(), &self.config, id, team, now)?;
        Ok(id)
    }

    /// 调整调查组: the server writes the case header while tablets may be syncing it.
    fn change_team(&self, case: CaseId, team: &[String]) -> anyhow::Result<()> {
        let now = jiuzhu_server::clock::now();
        jiuzhu_server::workflow::intake::assign(
            self.store.as_ref(),
            &self.config,
            case,
            team,
            now,
        )?;
        Ok(())
    }

    /// The case document as the server holds it.
    fn document(&self, id: CaseId) -> anyhow::Result<jiuzhu_shared::CaseDocument> {
        let mut bytes = None;
        self.store.transact(&mut |txn| {
            bytes = txn.load_doc(id)?;
            Ok(())
        })?;
        let bytes = bytes.with_context(|| format!("case {id} is not on the server"))?;
        Ok(jiuzhu_shared::CaseDocument::load(
            &bytes,
            self.store.server_actor()?,
        )?)
    }
}

/// A case and the team it is assigned to now.
type Assigned = (CaseId, Vec<String>);

/// The soak's world between cycles.
struct Soak {
    rng: StdRng,
    report: SoakReport,
    workflow: Arc<Workflow>,
    server: Option<ServerProcess>,
    proxy: Proxy,
    /// Where tablets reach the server (the proxy) and the certificate they pin.
    url: String,
    fingerprint: String,
    /// `None` only while the tablet is out syncing in a task.
    fields: Vec<Option<Field>>,
    cases: Vec<Assigned>,
    ledger: Ledger,
}

/// Run the soak. Needs the `jiuzhu-server` and `jiuzhu-tablet` binaries built.
pub async fn run(cfg: &SoakConfig) -> anyhow::Result<SoakReport> {
    anyhow::ensure!(cfg.tablets >= 1, "the soak needs at least one tablet");
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let mut soak = Soak::start(cfg, dir.path()).await?;
    for cycle in 0..cfg.cycles {
        soak.cycle(cycle).await?;
    }
    soak.heal().await;
    soak.check()?;
    let mut report = soak.report;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The team of the `i`th case: two neighbouring tablets' investigators, so two tablets edit
/// each document (a lone tablet shares its cases with the companion).
fn team_of(i: usize, tablets: usize) -> Vec<String> {
    let other = if tablets > 1 {
        investigator((i + 1) % tablets)
    } else {
        COMPANION.to_string()
    };
    vec![investigator(i % tablets), other]
}

impl Soak {
    /// A data directory with the investigators and two cases per tablet, the server process,
    /// the proxy in front of it, and the tablets enrolled through the proxy.
    async fn start(cfg: &SoakConfig, root: &Path) -> anyhow::Result<Soak> {
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        let data = crate::data_dir(root);
        let workflow = Workflow {
            data: root.to_path_buf(),
            store: data.open_store()?,
            config: jiuzhu_server::workflow::config::load(root)?,
        };
        let now = jiuzhu_server::clock::now();
        let users: Vec<String> = (0..cfg.tablets).map(investigator).collect();
        for name in users.iter().map(String::as_str).chain([COMPANION]) {
            jiuzhu_server::admin::add_user(
                workflow.store.as_ref(),
                name,
                "investigator",
                TOWNSHIP,
                None,
                now,
            )?;
        }
        let mut cases = Vec::new();
        for i in 0..2 * cfg.tablets {
            let team = team_of(i, cfg.tablets);
            cases.push((workflow.case(&format!("SOAK-{i:05}"), &team)?, team));
        }
        let server = spawn_server(root).await?;
        let proxy = Proxy::start(server.addr).await?;
        let url = format!("https://{}", proxy.addr());
        let mut fields = Vec::new();
        for user in users {
            // Up to 12 hours either way: the server refuses changes more than a day ahead.
            let skew = rng.random_range(-12 * 3600..=12 * 3600);
            let field = enroll(&workflow, &url, &server.fingerprint, &user, skew).await?;
            fields.push(Some(field));
        }
        Ok(Soak {
            rng,
            report: SoakReport {
                seed: cfg.seed,
                cycles: cfg.cycles,
                tablets: cfg.tablets,
                ..SoakReport::default()
            },
            workflow: Arc::new(workflow),
            url,
            fingerprint: server.fingerprint.clone(),
            server: Some(server),
            proxy,
            fields,
            cases,
            ledger: Ledger::default(),
        })
    }

    fn fault(&mut self, f: Fault) {
        *self.report.faults.entry(f.name()).or_default() += 1;
    }

    /// One cycle: edits on one or two tablets, then their syncs, at the same time as the
    /// workflow's writes on the server, under at most one kind of fault.
    async fn cycle(&mut self, cycle: u64) -> anyhow::Result<()> {
        let tablets = self.fields.len();
        let rng = &mut self.rng;
        // The workflow on the server: now and then a new case (a first sync for its team's
        // tablets), often a team change on a case the tablets hold.
        let new_case = (self.cases.len() < MAX_CASES_PER_TABLET * tablets
            && rng.random_ratio(1, 20))
        .then(|| {
            let i = self.cases.len();
            (format!("SOAK-{i:05}"), team_of(i, tablets))
        });
        let team_change = if rng.random_ratio(1, 3) {
            self.cases.choose(rng).cloned().map(|(case, team)| {
                let mut team: Vec<String> = team.into_iter().filter(|u| u != COMPANION).collect();
                if team.len() < 2 || rng.random_bool(0.5) {
                    team.push(COMPANION.to_string());
                }
                (case, team)
            })
        } else {
            None
        };
        let mut who: Vec<usize> = (0..tablets).collect();
        who.shuffle(rng);
        who.truncate(if rng.random_ratio(1, 3) {
            2.min(tablets)
        } else {
            1
        });
        // Now and then a replacement tablet for an investigator: a first sync of all their
        // cases, under the cycle's fault, beside the others' syncs and the workflow's writes.
        let replacement = rng.random_ratio(1, 30).then(|| investigator(who[0]));
        let fault = Fault::WEIGHTS
            .choose_weighted(rng, |(_, w)| *w)
            .expect("weights")
            .0;
        // Within the bytes of a typical sync (a TLS handshake and a few rounds), so most cuts
        // land mid-conversation.
        let cut_up = rng.random_range(1..4_000);
        let cut_down = rng.random_range(1..12_000);
        let kill_after = Duration::from_millis(rng.random_range(0..400));
        let lose_after = rng.random_range(300..6_000);
        let server_kill_after = Duration::from_millis(rng.random_range(0..150));

        for &i in &who {
            let field = self.fields[i].as_mut().expect("field at rest");
            self.ledger.edit(field, &mut self.rng, cycle)?;
        }

        let fresh = match replacement {
            Some(user) => {
                Some(enroll(&self.workflow, &self.url, &self.fingerprint, &user, 0).await?)
            }
            None => None,
        };

        // Faults set up before the syncs start.
        let cuts_before = self.proxy.cuts();
        match fault {
            Some(Fault::CutUp) => self.proxy.cut_after_upstream_bytes(cut_up),
            Some(Fault::CutDown) => self.proxy.cut_after_downstream_bytes(cut_down),
            Some(Fault::SlowLink) => self.proxy.set_delay(Duration::from_millis(cut_up % 8 + 1)),
            Some(Fault::Offline) => self.proxy.set_offline(true),
            Some(Fault::DuplicatedRound) => {
                let field = self.fields[who[0]].as_mut().expect("field at rest");
                duplicate_round(field.tablet(), &mut self.rng).await?;
            }
            _ => {}
        }

        let mut tasks = tokio::task::JoinSet::new();
        for (n, &i) in who.iter().enumerate() {
            let field = self.fields[i].take().expect("field at rest");
            // Only the first tablet of the cycle is dropped or killed.
            let kill = match fault {
                Some(f @ (Fault::TabletDropped | Fault::TabletKilled)) if n == 0 => {
                    Some((f, kill_after))
                }
                _ => None,
            };
            tasks.spawn(async move { (Some(i), sync_one(field, kill).await) });
        }
        if let Some(field) = fresh {
            tasks.spawn(async move { (None, sync_one(field, None).await) });
        }
        let workflow = {
            let w = self.workflow.clone();
            let (new_case, team_change) = (new_case.clone(), team_change.clone());
            tokio::task::spawn_blocking(move || -> anyhow::Result<Option<CaseId>> {
                if let Some((case, team)) = &team_change {
                    w.change_team(*case, team)?;
                }
                new_case.map(|(no, team)| w.case(&no, &team)).transpose()
            })
        };

        // Faults that strike while the syncs run, beside the collection of their outcomes.
        let (done_tx, mut done_rx) = tokio::sync::watch::channel(false);
        let collect = async {
            let mut outcomes = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                outcomes.push(joined.context("a sync task panicked")?);
            }
            done_tx.send_replace(true);
            anyhow::Ok(outcomes)
        };
        let proxy = &self.proxy;
        let server = &mut self.server;
        let strike = async {
            match fault {
                Some(Fault::LostAnswer) => {
                    // Once the requests are under way, hold the answers, let the server commit,
                    // and cut: the tablets never hear what the server did.
                    let at = proxy.upstream_bytes() + lose_after;
                    tokio::select! {
                        _ = proxy.wait_upstream_bytes(at) => {
                            proxy.hold_downstream(true);
                            tokio::time::sleep(Duration::from_millis(lose_after % 40)).await;
                            proxy.cut_all_now();
                            proxy.hold_downstream(false);
                            anyhow::Ok(Some(Fault::LostAnswer))
                        }
                        _ = done_rx.wait_for(|d| *d) => Ok(None),
                    }
                }
                Some(Fault::ServerKilled) => {
                    tokio::time::sleep(server_kill_after).await;
                    let dead = server.take().expect("the server runs");
                    let data = self.workflow.data.clone();
                    let fresh = tokio::task::spawn_blocking(move || {
                        dead.kill9();
                        ServerProcess::spawn(&data)
                    });
                    proxy.cut_all_now();
                    let fresh = fresh.await?;
                    proxy.set_upstream(fresh.addr);
                    *server = Some(fresh);
                    Ok(Some(Fault::ServerKilled))
                }
                _ => Ok(None),
            }
        };
        let (outcomes, struck) = tokio::join!(collect, strike);
        if let Some(f) = struck? {
            self.fault(f);
        }
        let mut fresh = None;
        for (i, outcome) in outcomes? {
            let outcome = outcome?;
            self.record(cycle, fault, &outcome);
            match i {
                Some(i) => self.fields[i] = Some(outcome.field),
                None => fresh = Some(outcome.field),
            }
        }
        if let Some(id) = workflow.await.context("the workflow task panicked")?? {
            let (_, team) = new_case.expect("a new case was asked for");
            self.cases.push((id, team));
        }
        if let Some((case, team)) = team_change {
            self.report.server_writes += 1;
            if let Some(c) = self.cases.iter_mut().find(|(c, _)| *c == case) {
                c.1 = team;
            }
        }

        match fault {
            Some(f @ (Fault::CutUp | Fault::CutDown)) if self.proxy.cuts() > cuts_before => {
                self.fault(f)
            }
            Some(f @ (Fault::SlowLink | Fault::Offline | Fault::DuplicatedRound)) => self.fault(f),
            Some(Fault::ReplayedStream) => {
                // The server must reject the replayed bytes (TLS keys are fresh per connection)
                // and change nothing; whatever it answered is dropped.
                self.proxy.cut_all_now();
                if self.proxy.replay_last_connection().await.is_ok() {
                    self.fault(Fault::ReplayedStream);
                }
            }
            _ => {}
        }
        self.proxy.heal();
        if let Some(mut field) = fresh {
            // The replacement tablet finishes its first sync on a clean link, then goes away.
            self.report.replacements += 1;
            self.settle(&mut field).await;
        }
        Ok(())
    }

    /// Sync `field` on the clean link until a sync brings and sends nothing; true if it did.
    async fn settle(&mut self, field: &mut Field) -> bool {
        let report = &mut self.report;
        for _ in 0..HEAL_PASSES {
            report.heal_syncs += 1;
            match tokio::time::timeout(SYNC_LIMIT, field.tablet().sync(&mut |_| {})).await {
                Ok(Ok(r)) => {
                    report.count(&r);
                    if r.documents_received == 0
                        && r.documents_sent == 0
                        && r.blobs_sent == 0
                        && r.documents_fetched == 0
                    {
                        return true;
                    }
                }
                Ok(Err(e)) => {
                    if e.to_string().contains("did not settle") {
                        report.unsettled += 1;
                    }
                    report.problem(format!(
                        "{}: a sync on a clean link failed: {e}",
                        field.user
                    ));
                }
                Err(_) => {
                    report.problem(format!("{}: a sync on a clean link was stuck", field.user));
                }
            }
        }
        false
    }

    /// Count a tablet's sync of a cycle.
    fn record(&mut self, cycle: u64, fault: Option<Fault>, outcome: &Outcome) {
        if let Some(f) = outcome.fault {
            self.fault(f);
        }
        let Some(sync) = &outcome.sync else {
            return;
        };
        let report = &mut self.report;
        report.syncs += 1;
        match sync {
            Ok(r) => report.count(r),
            Err(e) => {
                report.syncs_failed += 1;
                let user = &outcome.field.user;
                if e.contains("did not settle") {
                    report.unsettled += 1;
                    report.problem(format!("cycle {cycle}, {user}: {e}"));
                } else if fault.is_none() {
                    report.problem(format!(
                        "cycle {cycle}, {user}: a sync failed on a clean link: {e}"
                    ));
                }
            }
        }
    }

    /// A clean link and a running server; every tablet syncs until a whole pass is quiet.
    async fn heal(&mut self) {
        self.proxy.heal();
        for _ in 0..HEAL_PASSES {
            let mut quiet = true;
            for i in 0..self.fields.len() {
                let mut field = self.fields[i].take().expect("field at rest");
                // Quiet at once: its first sync of the pass found nothing to do.
                let before = self.report.heal_syncs;
                quiet &= self.settle(&mut field).await && self.report.heal_syncs == before + 1;
                self.fields[i] = Some(field);
            }
            if quiet {
                return;
            }
        }
        self.report.problem(format!(
            "the tablets were not quiet after {HEAL_PASSES} passes on a clean link"
        ));
    }

    fn check(&mut self) -> anyhow::Result<()> {
        self.report.cases = self.cases.len() as u64;
        self.report.notes = self.ledger.notes.len() as u64;
        self.report.photos = self.ledger.photos.len() as u64;
        let fields: Vec<&Field> = self.fields.iter().flatten().collect();
        self.ledger
            .check(&self.workflow, &self.cases, &fields, &mut self.report)
    }
}

/// A new tablet of `user`, enrolled with a fresh code.
async fn enroll(
    workflow: &Workflow,
    url: &str,
    fingerprint: &str,
    user: &str,
    skew: i64,
) -> anyhow::Result<Field> {
    let now = jiuzhu_server::clock::now();
    let code = jiuzhu_server::admin::enroll_code(workflow.store.as_ref(), user, 3600, now)?;
    let home = tempfile::tempdir()?;
    let mut tablet = Tablet::create(
        home.path(),
        PIN,
        jiuzhu_tablet_core::vault::DEFAULT_WIPE_AFTER,
    )?;
    tablet.enroll(url, &code, Some(fingerprint), user).await?;
    Ok(Field {
        user: user.to_string(),
        home,
        tablet: Some(tablet),
        skew,
    })
}

async fn spawn_server(data: &Path) -> anyhow::Result<ServerProcess> {
    let data = data.to_path_buf();
    Ok(tokio::task::spawn_blocking(move || ServerProcess::spawn(&data)).await?)
}

/// One tablet's sync of a cycle; `kill` drops it (or kills its process) after that long.
async fn sync_one(mut field: Field, kill: Option<(Fault, Duration)>) -> anyhow::Result<Outcome> {
    let described =
        |r: Result<SyncReport, jiuzhu_tablet_core::TabletError>| r.map_err(|e| e.to_string());
    let Some((fault, after)) = kill else {
        let sync = tokio::time::timeout(SYNC_LIMIT, field.tablet().sync(&mut |_| {}))
            .await
            .map_err(|_| anyhow::anyhow!("{}: a sync was stuck", field.user))?;
        return Ok(Outcome {
            field,
            sync: Some(described(sync)),
            fault: None,
        });
    };
    if fault == Fault::TabletDropped {
        return Ok(
            match tokio::time::timeout(after, field.tablet().sync(&mut |_| {})).await {
                Ok(sync) => Outcome {
                    field,
                    sync: Some(described(sync)),
                    fault: None,
                },
                Err(_) => {
                    field.reopen()?;
                    Outcome {
                        field,
                        sync: None,
                        fault: Some(fault),
                    }
                }
            },
        );
    }
    // The tablet as its own process: close the core here, run `jiuzhu-tablet sync`, SIGKILL it,
    // and open the files again.
    field.tablet = None;
    let mut child = tokio::process::Command::new(bin("jiuzhu-tablet"))
        .env("JIUZHU_PIN", PIN)
        .arg("--home")
        .arg(field.home.path())
        .arg("sync")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("start jiuzhu-tablet")?;
    // Unlocking (argon2) comes before the sync starts: strike a little later.
    let finished = tokio::time::timeout(after + Duration::from_millis(150), child.wait()).await;
    let (sync, fault) = match finished {
        Ok(status) => {
            let sync = if status?.success() {
                Ok(SyncReport::default())
            } else {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    use tokio::io::AsyncReadExt as _;
                    e.read_to_string(&mut err).await?;
                }
                Err(format!("jiuzhu-tablet sync: {}", err.trim()))
            };
            (Some(sync), None)
        }
        Err(_) => {
            child.kill().await.context("kill -9 jiuzhu-tablet")?;
            (None, Some(fault))
        }
    };
    field.reopen()?;
    Ok(Outcome { field, sync, fault })
}

/// A round of up to three of the tablet's documents carrying all their changes, as a tablet
/// would send after losing its sync state, sent twice; the answers are dropped, so the server
/// believes things the tablet never heard.
async fn duplicate_round(tablet: &mut Tablet, rng: &mut StdRng) -> anyhow::Result<()> {
    let id = tablet.identity()?;
    let mut held: Vec<CaseId> = tablet.cases(None)?.into_iter().map(|c| c.case_id).collect();
    held.shuffle(rng);
    held.truncate(3);
    let mut docs = Vec::new();
    for case in held {
        let mut doc = tablet.document(case)?;
        let mut state = automerge::sync::State::new();
        // As if the server had said it holds nothing: the message carries every change.
        state.their_have = Some(vec![automerge::sync::Have::default()]);
        state.their_need = Some(Vec::new());
        state.their_heads = Some(Vec::new());
        use automerge::sync::SyncDoc as _;
        if let Some(m) = doc.automerge().sync().generate_sync_message(&mut state) {
            docs.push(DocMessage {
                doc: case,
                msg: m.encode(),
            });
        }
    }
    let req = SyncRequest {
        v: PROTOCOL_VERSION,
        cursor: 0,
        docs,
        app_version: jiuzhu_tablet_core::APP_VERSION.into(),
        relayed: Vec::new(),
    };
    let mut client = jiuzhu_tablet_core::net::Client::new(
        &id.server,
        Some(&id.fingerprint),
        Some(id.token.clone()),
    )?;
    for _ in 0..2 {
        let _: SyncResponse = client
            .call("POST".parse()?, "/api/v1/sync", Some(&req))
            .await?;
    }
    Ok(())
}

/// Everything the tablets made, to be found on the server exactly once.
#[derive(Default)]
struct Ledger {
    /// (case, text) of every note committed on a tablet.
    notes: Vec<(CaseId, String)>,
    /// (case, hash) of every photo committed on a tablet.
    photos: Vec<(CaseId, String)>,
}

impl Ledger {
    /// Between syncs: maybe a note (stamped with the tablet's skewed clock) on cases the tablet
    /// holds, now and then a photo.
    fn edit(&mut self, field: &mut Field, rng: &mut StdRng, cycle: u64) -> anyhow::Result<()> {
        let skew = field.skew;
        let user = field.user.clone();
        let tablet = field.tablet();
        let held: Vec<CaseId> = tablet.cases(None)?.into_iter().map(|c| c.case_id).collect();
        if held.is_empty() {
            return Ok(());
        }
        for n in 0..rng.random_range(0..=1) {
            let case = *held.choose(rng).expect("held");
            let text = format!("{user} 第{cycle}轮第{n}条");
            tablet.edit(case, |doc, now| {
                Ok(doc.add_finding(&text, &user, now + skew)?)
            })?;
            self.notes.push((case, text));
        }
        if rng.random_ratio(1, 12) {
            let case = *held.choose(rng).expect("held");
            let jpeg = test_jpeg(48, 32, rng.random());
            let photo = tablet.add_photo(case, &jpeg, "", "interior")?;
            self.photos.push((case, photo.hash));
        }
        Ok(())
    }

    /// After healing: every note and photo on the server exactly once, every blob stored whole,
    /// every tablet holding the server's version of its cases.
    fn check(
        &self,
        server: &Workflow,
        cases: &[Assigned],
        fields: &[&Field],
        report: &mut SoakReport,
    ) -> anyhow::Result<()> {
        let blobs = jiuzhu_server::DataDir::new(&server.data)?.open_blobs()?;
        let mut expected_notes: BTreeMap<(CaseId, &str), u64> = BTreeMap::new();
        for (case, text) in &self.notes {
            *expected_notes.entry((*case, text.as_str())).or_default() += 1;
        }
        let mut expected_photos: BTreeMap<(CaseId, &str), u64> = BTreeMap::new();
        for (case, hash) in &self.photos {
            *expected_photos.entry((*case, hash.as_str())).or_default() += 1;
        }
        for (case, _) in cases {
            let mut doc = server.document(*case)?;
            let heads = doc.heads();
            let c = doc.read()?;
            let mut notes: BTreeMap<&str, u64> = BTreeMap::new();
            for f in &c.findings {
                *notes.entry(f.text.as_str()).or_default() += 1;
            }
            let mut photos: BTreeMap<&str, u64> = BTreeMap::new();
            for p in c.visits.iter().flat_map(|v| &v.photos) {
                *photos.entry(p.hash.as_str()).or_default() += 1;
            }
            for (what, expected, found) in [
                ("note", &expected_notes, &notes),
                ("photo", &expected_photos, &photos),
            ] {
                for ((_, key), made) in expected
                    .range((*case, "")..)
                    .take_while(|((c, _), _)| c == case)
                {
                    let got = found.get(key).copied().unwrap_or(0);
                    if got < *made {
                        report.lost += made - got;
                        report.problem(format!("case {case}: {what} {key:?} lost"));
                    }
                }
                for (key, got) in found {
                    let made = expected.get(&(*case, *key)).copied().unwrap_or(0);
                    if *got > made {
                        report.duplicated += got - made;
                        report.problem(format!(
                            "case {case}: {what} {key:?} {got} times on the server, made {made}"
                        ));
                    }
                }
            }
            for hash in photos.keys() {
                let whole = blobs
                    .read(&hash.parse()?)?
                    .is_some_and(|b| jiuzhu_shared::BlobHash::of(&b).to_string() == *hash);
                if !whole {
                    report.lost += 1;
                    report.problem(format!("case {case}: photo {hash} not stored whole"));
                }
            }
            for field in fields {
                let tablet = field.tablet.as_ref().expect("the tablet is open");
                if !c.header.assigned_team.contains(&field.user) {
                    continue;
                }
                let theirs = tablet.document(*case).map(|mut d| d.heads());
                match theirs {
                    Ok(h) if h == heads => {}
                    other => {
                        report.diverged += 1;
                        let theirs = other.map(|h| h.len()).map_err(|e| e.to_string());
                        report.problem(format!(
                            "case {case}: {} holds {theirs:?} heads, the server {}",
                            field.user,
                            heads.len()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
