//! Test support for end-to-end scenarios: real servers on 127.0.0.1 with temporary storage,
//! simulated tablets built on the headless core, and a fault-injecting TCP proxy.

pub mod bench_load;
pub mod bench_photo;
pub mod bench_pin;
pub mod bench_scale;
pub mod bench_sync;
pub mod netns;
pub mod pg;
pub mod proxy;
pub mod soak;

use jiuzhu_server::{DataDir, Running, admin, clock::now, store::Store};
use jiuzhu_shared::CaseId;
use jiuzhu_tablet_core::Tablet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const TOWNSHIP: &str = "树林召镇";
pub const CONSOLE_PASSWORD: &str = "password-123";

pub use pg::skip_on_postgres;

/// A server running in this process on 127.0.0.1:0 with its own temporary data directory (and
/// database, when the suite runs against PostgreSQL: [`pg`]).
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub running: Option<Running>,
    pub store: Arc<dyn Store>,
    /// The one-time codes the server sent to applicants' phones.
    pub codes: Arc<SentCodes>,
}

/// A code adapter that keeps what it "sends" (the SMS gateway of the tests).
#[derive(Default)]
pub struct SentCodes(std::sync::Mutex<Vec<(String, String)>>);

impl SentCodes {
    /// The last code sent to `phone`.
    pub fn last(&self, phone: &str) -> Option<String> {
        let sent = self.0.lock().expect("codes");
        sent.iter()
            .rev()
            .find(|(p, _)| p == phone)
            .map(|(_, c)| c.clone())
    }
}

impl jiuzhu_server::sms::CodeSender for SentCodes {
    fn send(&self, phone: &str, code: &str) -> Result<(), String> {
        self.0
            .lock()
            .expect("codes")
            .push((phone.to_string(), code.to_string()));
        Ok(())
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_on("127.0.0.1:0").await
    }

    /// A server listening on `addr` (`[::]:0` for both IPv6 and IPv4).
    pub async fn start_on(addr: &str) -> TestServer {
        TestServer::start_in(tempfile::tempdir().expect("tempdir"), addr).await
    }

    /// A server on the data directory `dir`, prepared beforehand (a configuration file, say).
    pub async fn start_in(dir: tempfile::TempDir, addr: &str) -> TestServer {
        let data = data_dir(dir.path());
        let listener = std::net::TcpListener::bind(addr).expect("bind");
        let codes = Arc::new(SentCodes::default());
        let running = jiuzhu_server::start_with_codes(
            &data,
            listener,
            None,
            None,
            jiuzhu_server::sync_engine::DEFAULT_LEASE_SECS,
            codes.clone(),
        )
        .await
        .expect("server starts");
        let store = data.open_store().expect("store");
        TestServer {
            dir,
            running: Some(running),
            store,
            codes,
        }
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("server running")
    }
    pub fn url(&self) -> String {
        self.running().url()
    }
    pub fn addr(&self) -> std::net::SocketAddr {
        self.running().addr
    }
    pub fn fingerprint(&self) -> String {
        self.running().fingerprint.clone()
    }
    pub fn data(&self) -> DataDir {
        data_dir(self.dir.path())
    }

    pub fn add_investigator(&self, name: &str) {
        admin::add_user(
            self.store.as_ref(),
            name,
            "investigator",
            TOWNSHIP,
            None,
            now(),
        )
        .expect("add user");
    }

    /// A console user (caseworker, lead or admin) with password [`CONSOLE_PASSWORD`].
    pub fn add_console_user(&self, name: &str, role: &str, township: &str) {
        admin::add_user(
            self.store.as_ref(),
            name,
            role,
            township,
            Some(CONSOLE_PASSWORD),
            now(),
        )
        .expect("add console user");
    }

    /// The data directory's workflow configuration.
    pub fn workflow_config(&self) -> jiuzhu_server::workflow::config::WorkflowConfig {
        jiuzhu_server::workflow::config::load(self.dir.path()).expect("workflow config")
    }

    /// A case from a file (accepted on paper), as `admin add-case` makes it.
    pub fn add_case_json(&self, json: &str) -> CaseId {
        jiuzhu_server::workflow::intake::add_case(
            self.store.as_ref(),
            &self.workflow_config(),
            json,
            now(),
        )
        .expect("add case")
    }

    /// Name the case's team, as `admin assign` does (开始调查, or 调整调查组 once under way).
    pub fn assign(&self, case: CaseId, team: &[&str]) {
        let team: Vec<String> = team.iter().map(|s| s.to_string()).collect();
        jiuzhu_server::workflow::intake::assign(
            self.store.as_ref(),
            &self.workflow_config(),
            case,
            &team,
            now(),
        )
        .expect("assign")
    }

    /// A case in another township, assigned to that township's investigators.
    pub fn add_case_in(&self, no: &str, township: &str, team: &[&str]) -> CaseId {
        let id = self.add_case_json(&case_json(no).replace(TOWNSHIP, township));
        self.assign(id, team);
        id
    }

    pub fn enroll_code(&self, name: &str) -> String {
        admin::enroll_code(self.store.as_ref(), name, 3600, now()).expect("enroll code")
    }

    /// A case with two declared members, assigned to `team` (two investigators at least).
    pub fn add_case(&self, no: &str, team: &[&str]) -> CaseId {
        let id = self.add_case_json(&case_json(no));
        self.assign(id, team);
        id
    }

    pub fn export(&self, case: CaseId) -> serde_json::Value {
        jiuzhu_server::cases::export_case(
            self.store.as_ref(),
            &self.data().open_blobs().expect("blobs"),
            case,
        )
        .expect("export")
    }

    /// The bytes the server holds under `hash`, read through its blob store.
    pub fn blob(&self, hash: &str) -> Vec<u8> {
        self.data()
            .open_blobs()
            .expect("blobs")
            .read(&hash.parse().expect("hash"))
            .expect("blob store")
            .unwrap_or_else(|| panic!("the server holds no blob {hash}"))
    }

    pub fn device_id(&self, user: &str) -> jiuzhu_shared::DeviceId {
        self.store
            .list_devices()
            .expect("devices")
            .into_iter()
            .find(|d| d.user_name == user)
            .expect("device")
            .id
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        pg::release(self.dir.path());
    }
}

/// The data directory at `root` with the test's database, when the suite runs against PostgreSQL.
pub fn data_dir(root: &Path) -> DataDir {
    DataDir::new(root)
        .expect("data dir")
        .with_database(pg::database_for(root))
}

/// `--database URL` for the server or admin command line of `data`, when the suite runs against
/// PostgreSQL.
fn database_args(data: &Path) -> Vec<String> {
    pg::database_for(data)
        .map(|url| vec!["--database".to_string(), url])
        .unwrap_or_default()
}

/// A small drawn signature as a PNG.
pub fn png_bytes() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(60, 20, |x, _| image::Rgba([0, 0, (x * 4) as u8, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

/// The same signature as the phone pages send it (`data:image/png;base64,…`).
pub fn png_data_url() -> String {
    use base64::Engine;
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png_bytes())
    )
}

/// The move `code` among a `Workflow` answer's `actions`.
pub fn workflow_action<'a>(wf: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    wf["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["action"] == code)
        .unwrap_or_else(|| panic!("no action {code} in {}", wf["actions"]))
}

impl TestServer {
    /// Let `days` pass for a case: its flow's dates (entered, accepted, 公示) move back, as if
    /// the case had been where it is that much longer. How a test reaches the end of a period
    /// without waiting for it.
    pub fn rewind(&self, case: CaseId, days: i64) {
        let back = |v: &mut serde_json::Value| {
            if let Some(d) = v.as_str().and_then(|s| s.parse().ok()) {
                *v = serde_json::json!(
                    jiuzhu_shared::workflow::calendar::add_days(d, -days).to_string()
                );
            }
        };
        let kind = jiuzhu_server::workflow::flow::FLOW;
        let mut item = self
            .store
            .item(kind, &case.to_string())
            .expect("read flow")
            .expect("the case has a flow");
        back(&mut item.body["entered"]);
        back(&mut item.body["accepted"]);
        if let Some(p) = item.body["facts"]["publicity"].as_object_mut() {
            p.values_mut().for_each(back);
        }
        self.store
            .transact(&mut |txn| txn.put_item(&item))
            .expect("write flow");
    }
}

pub fn case_json(no: &str) -> String {
    serde_json::json!({
        "header": {"case_no": no, "case_type": "rural_dibao", "applicant_name": format!("申请人{no}"),
                   "township": TOWNSHIP, "village": "王爱召嘎查", "deadline": "2026-12-31"},
        "declared": {"members": [{"name": format!("申请人{no}"), "relation": "本人"}, {"name": "家属", "relation": "配偶"}],
                     "income": [{"category": "business", "item": "养羊", "amount_fen": 1_200_000, "period_months": 12}]}
    })
    .to_string()
}

/// The `i`th household of a realistic case load, as the benchmarks use it: 2–5 members with ID
/// numbers, a wage or farming income each, livestock and a house, a medical expense.
pub fn household_case_json(no: &str, i: usize) -> String {
    const RELATIONS: [&str; 5] = ["本人", "配偶", "子女", "子女", "父母"];
    const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "乌力吉"];
    let size = 2 + i % 4;
    let members: Vec<_> = (0..size)
        .map(|m| {
            let born = 1950 + (i * 7 + m * 13) % 60;
            let stem = format!(
                "150621{born}{:02}{:02}{:03}",
                1 + m % 12,
                1 + i % 28,
                i % 1000
            );
            let id_number = "0123456789X"
                .chars()
                .map(|c| format!("{stem}{c}"))
                .find(|id| jiuzhu_server::workflow::applications::id_number_valid(id))
                .expect("one check digit fits");
            serde_json::json!({
                "name": format!("{}{}{m}", SURNAMES[(i + m) % SURNAMES.len()], i % 97),
                "relation": RELATIONS[m], "id_number": id_number,
                "health": if m == 0 { "慢性病" } else { "健康" },
            })
        })
        .collect();
    let income: Vec<_> = (0..size)
        .map(|m| {
            serde_json::json!({
                "category": if m % 2 == 0 { "business" } else { "wage" },
                "item": if m % 2 == 0 { "养殖" } else { "季节性务工" },
                "amount_fen": 300_000 + ((i * 31 + m * 17) % 50) as i64 * 10_000,
                "period_months": 12,
            })
        })
        .collect();
    serde_json::json!({
        "header": {"case_no": no, "case_type": "rural_dibao", "applicant_name": members[0]["name"],
                   "township": TOWNSHIP, "village": (["王爱召嘎查", "树林召村", "新民堡村"][i % 3]),
                   "deadline": "2026-12-31"},
        "declared": {
            "members": members,
            "income": income,
            "property": [
                {"kind": "livestock", "description": "羊", "quantity": (10 + i % 40) as f64, "unit": "只"},
                {"kind": "house", "description": "砖瓦房三间"},
            ],
            "expenditures": [{"kind": "medical", "amount_fen": 120_000 + (i % 9) as i64 * 10_000, "period_months": 12}],
        }
    })
    .to_string()
}

/// How a benchmark figure stands against its goal, as `jiuzhu-bench` prints it.
pub fn verdict(goal_met: bool) -> &'static str {
    if goal_met { "OK" } else { "MISSED" }
}

/// A simulated tablet: the real headless core in a temporary home.
pub struct SimTablet {
    pub home: tempfile::TempDir,
    pub tablet: Tablet,
}

/// The PIN every simulated tablet is created with.
pub const PIN: &str = "246810";

impl SimTablet {
    pub fn new() -> SimTablet {
        let home = tempfile::tempdir().expect("tempdir");
        let tablet = Tablet::create(
            home.path(),
            PIN,
            jiuzhu_tablet_core::vault::DEFAULT_WIPE_AFTER,
        )
        .expect("tablet created");
        SimTablet { home, tablet }
    }

    /// Close the tablet and open it again with `pin` (what an app restart does).
    pub fn reopen(&mut self, pin: &str) -> Result<(), jiuzhu_tablet_core::TabletError> {
        self.tablet = Tablet::unlock(self.home.path(), pin)?;
        Ok(())
    }

    /// Enroll `user` against `url` (the server, or a proxy in front of it).
    pub async fn enrolled(server: &TestServer, url: &str, user: &str) -> SimTablet {
        let mut t = SimTablet::new();
        let code = server.enroll_code(user);
        t.tablet
            .enroll(url, &code, Some(&server.fingerprint()), user)
            .await
            .expect("enroll");
        t
    }

    pub async fn sync(
        &mut self,
    ) -> Result<jiuzhu_tablet_core::sync::SyncReport, jiuzhu_tablet_core::TabletError> {
        self.tablet.sync(&mut |_| {}).await
    }

    pub fn show(&self, case: CaseId) -> serde_json::Value {
        self.tablet.show(case).expect("show")
    }

    /// Offline, as a team finishes a visit: every member of the open visit marked present and
    /// signing, then each of `team`, with the picture `png`; the visit sealed (sync afterwards).
    pub fn seal_with_everyone(&mut self, case: CaseId, team: &[&str], png: &[u8]) {
        let members = self.show(case)["visits"][0]["members"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for m in 0..members.len() {
            let path = format!("visits.0.members.{m}.present");
            self.tablet.set(case, &path, "true").expect("presence");
        }
        for m in &members {
            let (id, name) = (m["id"].as_str(), m["name"]["declared"].as_str());
            let name = name.expect("a declared member's name");
            self.tablet
                .sign(case, "member", name, id, png)
                .expect("a member signs");
        }
        for name in team {
            self.tablet
                .sign(case, "investigator", name, None, png)
                .expect("an investigator signs");
        }
        self.tablet.finalize(case).expect("the visit is sealed");
    }
}

impl Default for SimTablet {
    fn default() -> Self {
        Self::new()
    }
}

/// A photo-like JPEG of `w`×`h` with noisy content (so it does not compress to nothing).
pub fn test_jpeg(w: u32, h: u32, seed: u64) -> Vec<u8> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let n: u8 = rng.random();
        image::Rgb([
            ((x * 255 / w) as u8).wrapping_add(n / 4),
            ((y * 255 / h) as u8) ^ (n / 8),
            n,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(&img)
        .expect("encode");
    out
}

/// Path of a workspace binary: beside the running one (`jiuzhu-bench`), or one directory up
/// from a test executable (`deps/`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let here = exe.parent().expect("target dir");
    let p = [here, here.parent().expect("target dir")]
        .map(|d| d.join(name))
        .into_iter()
        .find(|p| p.exists());
    p.unwrap_or_else(|| {
        panic!("{name} not built: run `cargo build --workspace --bins` first");
    })
}

/// Run `jiuzhu-server admin --data DATA ARGS…` and return what it printed (it must succeed).
pub fn admin_cli(data: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .arg("admin")
        .arg("--data")
        .arg(data)
        .args(database_args(data))
        .args(args)
        .output()
        .expect("run jiuzhu-server admin");
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

/// Investigators of 树林召镇, added with `admin add-user`.
pub fn admin_add_investigators(data: &Path, names: &[&str]) {
    for name in names {
        admin_cli(
            data,
            &[
                "add-user",
                "--name",
                name,
                "--role",
                "investigator",
                "--township",
                "树林召镇",
            ],
        );
    }
}

/// The case `case_json(case_no)`, added with `admin add-case` and assigned to `team` (names
/// separated by commas) with `admin assign`; its id.
pub fn admin_add_assigned_case(data: &Path, case_no: &str, team: &str) -> String {
    let file = tempfile::NamedTempFile::new().expect("a temporary case file");
    std::fs::write(file.path(), case_json(case_no)).expect("write the case file");
    let path = file.path().to_str().expect("utf-8 path");
    let case = admin_cli(data, &["add-case", "--file", path]);
    admin_cli(data, &["assign", "--case", &case, "--users", team]);
    case
}

/// Run `jiuzhu-tablet --home HOME ARGS…` with the test PIN, as it finished.
pub fn tablet_cli_output(home: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(bin("jiuzhu-tablet"))
        .env("JIUZHU_PIN", PIN)
        .arg("--home")
        .arg(home)
        .args(args)
        .output()
        .expect("run jiuzhu-tablet")
}

/// Run `jiuzhu-tablet` (it must succeed) and parse the JSON it printed.
pub fn tablet_cli(home: &Path, args: &[&str]) -> serde_json::Value {
    let out = tablet_cli_output(home, args);
    assert!(
        out.status.success(),
        "tablet {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the tablet prints JSON")
}

/// `jiuzhu-server serve` as a child process (so a test can kill -9 it).
pub struct ServerProcess {
    pub child: std::process::Child,
    pub addr: std::net::SocketAddr,
    pub fingerprint: String,
}

impl ServerProcess {
    pub fn spawn(data: &Path) -> ServerProcess {
        ServerProcess::spawn_with(data, &[], None)
    }

    /// `serve` with `extra` arguments; with `log`, its log (at debug level for our code and the
    /// HTTP layer) goes to that file.
    pub fn spawn_with(data: &Path, extra: &[&str], log: Option<&Path>) -> ServerProcess {
        ServerProcess::spawn_under(&[], data, "127.0.0.1:0", extra, log)
    }

    /// As [`ServerProcess::spawn_with`], listening on `listen`, started through `wrapper` (a
    /// command that runs the server, e.g. `ip netns exec NS` to put it behind a shaped link).
    pub fn spawn_under(
        wrapper: &[&str],
        data: &Path,
        listen: &str,
        extra: &[&str],
        log: Option<&Path>,
    ) -> ServerProcess {
        use std::io::BufRead;
        let (level, stderr) = match log {
            Some(path) => (
                "info,jiuzhu_server=debug,tower_http=debug",
                std::process::Stdio::from(std::fs::File::create(path).expect("log file")),
            ),
            None => ("warn", std::process::Stdio::null()),
        };
        let server = bin("jiuzhu-server");
        let mut cmd = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = std::process::Command::new(first);
                c.args(rest).arg(&server);
                c
            }
            None => std::process::Command::new(&server),
        };
        let mut child = cmd
            .args(["serve", "--data"])
            .arg(data)
            .args(database_args(data))
            .args(["--listen", listen])
            .args(extra)
            .env("RUST_LOG", level)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn server");
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut addr = None;
        let mut fingerprint = None;
        while addr.is_none() || fingerprint.is_none() {
            let line = lines
                .next()
                .expect("server prints its address")
                .expect("read line");
            if let Some(a) = line.strip_prefix("listening on https://") {
                addr = Some(a.parse().expect("addr"));
            }
            if let Some(f) = line.strip_prefix("certificate fingerprint (SHA-256): ") {
                fingerprint = Some(f.to_string());
            }
        }
        ServerProcess {
            child,
            addr: addr.expect("addr"),
            fingerprint: fingerprint.expect("fp"),
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// SIGKILL: no shutdown, no flush — what a power cut does to the process.
    pub fn kill9(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser-less console session: the console's JSON API over the same pinned HTTPS client.
pub struct Console {
    client: jiuzhu_tablet_core::net::Client,
    cookie: Option<String>,
}

impl Console {
    pub fn new(server: &TestServer) -> Console {
        Console::at(&server.url(), &server.fingerprint())
    }

    /// A client of the server at `url` whose certificate has `fingerprint`.
    pub fn at(url: &str, fingerprint: &str) -> Console {
        let client =
            jiuzhu_tablet_core::net::Client::new(url, Some(fingerprint), None).expect("client");
        Console {
            client,
            cookie: None,
        }
    }

    /// The session cookie (`name=value`), once signed in.
    pub fn cookie(&self) -> Option<String> {
        self.cookie.clone()
    }

    pub async fn raw(
        &mut self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, Vec<u8>) {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw_body(method, path, body).await
    }

    /// Send arbitrary bytes as a JSON request body.
    pub async fn raw_body(&mut self, method: &str, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
        self.raw_with(method, path, &[], body).await
    }

    /// Send `body` as it is with extra `headers` (a body already gzipped, say).
    pub async fn raw_with(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (u16, Vec<u8>) {
        let cookie = self.cookie.clone();
        let mut headers: Vec<(&str, &str)> = cookie
            .as_deref()
            .map(|c| ("cookie", c))
            .into_iter()
            .collect();
        headers.extend_from_slice(extra);
        let r = self
            .client
            .send(
                method.parse().expect("method"),
                path,
                "application/json",
                &headers,
                body,
                false,
            )
            .await
            .expect("request");
        if let Some(set) = r.headers.get("set-cookie").and_then(|v| v.to_str().ok()) {
            // Keep `name=value`; a cleared cookie (`name=`) signs out.
            let pair = set.split(';').next().unwrap_or_default().to_string();
            self.cookie = pair
                .split_once('=')
                .filter(|(_, v)| !v.is_empty())
                .map(|_| pair.clone());
        }
        (r.status.as_u16(), r.body)
    }

    pub async fn json(
        &mut self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let (status, bytes) = self.raw(method, path, body).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    pub async fn get(&mut self, path: &str) -> (u16, serde_json::Value) {
        self.json("GET", path, None).await
    }

    pub async fn post(&mut self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.json("POST", path, Some(body)).await
    }

    /// A console user signed in (with [`CONSOLE_PASSWORD`]).
    pub async fn signed_in(server: &TestServer, name: &str) -> Console {
        let mut c = Console::new(server);
        assert_eq!(
            c.login(name, CONSOLE_PASSWORD).await,
            200,
            "{name} signs in"
        );
        c
    }

    /// Take a workflow move on a case; it must succeed. Answers the `Workflow`.
    pub async fn act(
        &mut self,
        case: impl std::fmt::Display,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let (s, v) = self
            .post(&format!("/api/console/cases/{case}/workflow"), body.clone())
            .await;
        assert_eq!(s, 200, "{body} → {v}");
        v
    }

    /// Try a workflow move; answers the status and the body.
    pub async fn try_act(
        &mut self,
        case: impl std::fmt::Display,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.post(&format!("/api/console/cases/{case}/workflow"), body)
            .await
    }

    pub async fn login(&mut self, name: &str, password: &str) -> u16 {
        self.post(
            "/api/console/login",
            serde_json::json!({"name": name, "password": password}),
        )
        .await
        .0
    }
}
