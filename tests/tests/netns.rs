//! Separate hosts (issue 18 point 7): the real `jiuzhu-server` and the real `jiuzhu-tablet`, each
//! in a network namespace of its own, joined by a veth pair on a private network that the tests
//! cut, restore and shape. They need root: without it they fail, saying so, rather than skip.

use jiuzhu_e2e::netns::Net;
use jiuzhu_e2e::{
    PIN, ServerProcess, admin_add_assigned_case, admin_add_investigators, admin_cli as admin, bin,
    data_dir, skip_on_postgres, test_jpeg,
};
use serde_json::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

/// The server's namespace reaches nothing but its links, so not a database on the host either.
const NO_DATABASE: &str = "the server's namespace has no route to the PostgreSQL server";

/// The parties, with one link between each given pair.
fn net(parties: &[&str], links: &[(&str, &str)]) -> Net {
    assert!(
        Net::available(),
        "these tests give each party a network namespace of its own: run them as root, with \
         iproute2's `ip` and `tc` installed"
    );
    let mut net = Net::new(parties).expect("namespaces");
    for (a, b) in links {
        net.link(a, b).expect("link");
    }
    net
}

/// `jiuzhu-tablet --home HOME ARGS…` run as `party`, with the test PIN, as it finished.
fn tablet_in(net: &Net, party: &str, home: &Path, args: &[&str]) -> Output {
    net.command(party, bin("jiuzhu-tablet"))
        .env("JIUZHU_PIN", PIN)
        .arg("--home")
        .arg(home)
        .args(args)
        .output()
        .expect("run jiuzhu-tablet")
}

/// `jiuzhu-tablet note` on `case` with `text`, run as `party`.
fn note_in(net: &Net, party: &str, home: &Path, case: &str, text: &str) {
    printed(
        tablet_in(net, party, home, &["note", "--case", case, "--text", text]),
        "note",
    );
}

/// `jiuzhu-tablet photo` of `file` as an exterior photo of `case`, run as `party`: the photo's row.
fn photo_in(net: &Net, party: &str, home: &Path, case: &str, file: &Path) -> Value {
    let file = file.to_str().expect("utf-8 path");
    let args = ["photo", "--case", case, "--file", file, "--tag", "exterior"];
    printed(tablet_in(net, party, home, &args), "photo")
}

/// What the tablet printed; it must have succeeded.
fn printed(out: Output, what: &str) -> Value {
    assert!(
        out.status.success(),
        "tablet {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the tablet prints JSON")
}

/// A data directory with 王五 and 赵六 and one case assigned to them; the case and an enrollment
/// code for 王五.
fn township(data: &Path) -> (String, String) {
    admin_add_investigators(data, &["王五", "赵六"]);
    let case = admin_add_assigned_case(data, "NS-1", "王五,赵六");
    let code = admin(data, &["enroll-code", "--user", "王五"]);
    (case, code)
}

/// `jiuzhu-server serve` as `server`, listening on every address of its namespace, and the URL
/// the tablet reaches it at over their link.
fn serve(net: &Net, data: &Path) -> (ServerProcess, String) {
    let server = ServerProcess::spawn_under(&net.prefix("server"), data, "0.0.0.0:0", &[], None);
    let addr = SocketAddr::new(net.addr("server", "tablet"), server.addr.port());
    (server, format!("https://{addr}"))
}

fn enroll(net: &Net, home: &Path, url: &str, code: &str, server: &ServerProcess) {
    printed(
        tablet_in(
            net,
            "tablet",
            home,
            &[
                "enroll",
                "--server",
                url,
                "--code",
                code,
                "--fingerprint",
                &server.fingerprint,
            ],
        ),
        "enroll",
    );
}

fn export(data: &Path, case: &str) -> Value {
    serde_json::from_str(&admin(data, &["export-case", "--case", case])).expect("export JSON")
}

fn finding_texts(doc: &Value) -> Vec<&str> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["text"].as_str().expect("text"))
        .collect()
}

#[test]
fn a_cut_link_fails_the_sync_keeps_the_edit_and_the_restored_link_delivers_it() {
    if skip_on_postgres(NO_DATABASE) {
        return;
    }
    let net = net(&["server", "tablet"], &[("server", "tablet")]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let (case, code) = township(&data);
    let (server, url) = serve(&net, &data);
    let home = dir.path().join("tablet");
    enroll(&net, &home, &url, &code, &server);
    let first = printed(tablet_in(&net, "tablet", &home, &["sync"]), "sync");
    assert_eq!(first["assigned"], serde_json::json!([case]), "{first}");
    let shown = printed(
        tablet_in(&net, "tablet", &home, &["show", "--case", &case]),
        "show",
    );
    assert_eq!(shown["header"]["case_no"], "NS-1");

    const NOTE: &str = "邻居证实家中无固定收入";
    note_in(&net, "tablet", &home, &case, NOTE);
    net.cut("server", "tablet").unwrap();
    let t0 = Instant::now();
    let cut = tablet_in(&net, "tablet", &home, &["sync"]);
    let took = t0.elapsed();
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(!cut.status.success(), "a sync over a cut link fails");
    assert!(
        stderr.contains(&format!(
            "cannot reach the server at {}",
            &url["https://".len()..]
        )),
        "a network error: {stderr}"
    );
    assert!(
        took < jiuzhu_tablet_core::net::REQUEST_TIMEOUT,
        "the failed sync took {took:?}"
    );
    let kept = printed(
        tablet_in(&net, "tablet", &home, &["show", "--case", &case]),
        "show",
    );
    assert_eq!(finding_texts(&kept), [NOTE], "the tablet keeps its edit");
    assert!(
        finding_texts(&export(&data, &case)["document"]).is_empty(),
        "nothing crossed the cut link"
    );

    net.restore("server", "tablet").unwrap();
    printed(tablet_in(&net, "tablet", &home, &["sync"]), "sync");
    let on_server = export(&data, &case);
    assert_eq!(finding_texts(&on_server["document"]), [NOTE]);
    assert_eq!(on_server["document"], kept, "server and tablet agree");
    drop(server);
}

#[test]
fn a_shaped_link_carries_a_photo_whole_and_no_faster_than_its_rate() {
    if skip_on_postgres(NO_DATABASE) {
        return;
    }
    const KBIT: u32 = 256;
    let net = net(&["server", "tablet"], &[("server", "tablet")]);
    net.shape("server", "tablet", KBIT).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let (case, code) = township(&data);
    let (server, url) = serve(&net, &data);
    let home = dir.path().join("tablet");
    enroll(&net, &home, &url, &code, &server);
    printed(tablet_in(&net, "tablet", &home, &["sync"]), "sync");

    let file = dir.path().join("yard.jpg");
    std::fs::write(&file, test_jpeg(900, 600, 7)).unwrap();
    let photo = photo_in(&net, "tablet", &home, &case, &file);
    let (hash, bytes) = (
        photo["hash"].as_str().expect("hash"),
        photo["bytes"].as_u64().expect("bytes"),
    );
    assert!(
        (250_000..400_000).contains(&bytes),
        "a photo of about 300 KB: {bytes} B"
    );

    let t0 = Instant::now();
    let report = printed(tablet_in(&net, "tablet", &home, &["sync"]), "sync");
    let took = t0.elapsed().as_secs_f64();
    assert_eq!(report["blobs_sent"], 1, "{report}");
    // The rate allows no faster; 10 % off for the bucket's burst and the clocks.
    let least = bytes as f64 * 8.0 / (KBIT as f64 * 1000.0);
    assert!(
        took >= 0.9 * least,
        "{bytes} B at {KBIT} kbit/s take {least:.1} s at least; the sync took {took:.1} s"
    );

    let held = data_dir(&data)
        .open_blobs()
        .unwrap()
        .read(&hash.parse().unwrap())
        .unwrap()
        .expect("the server holds the photo");
    assert_eq!(held.len() as u64, bytes);
    assert_eq!(jiuzhu_shared::BlobHash::of(&held).to_string(), hash);
    drop(server);
}

/// What `socket` hears within `wait`: nothing (a timeout), or what ended the read.
/// Listen on `socket` for `wait`: what a read answers. A signal interrupting the read (EINTR: a
/// child process of a test running beside this one ended) is not an answer: listen on for the
/// time left.
fn hears(socket: &mut TcpStream, wait: Duration) -> std::io::Result<usize> {
    let until = std::time::Instant::now() + wait;
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        socket.set_read_timeout(Some(left)).unwrap();
        match socket.read(&mut [0; 64]) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            answer => return answer,
        }
    }
}

fn is_silence(r: &std::io::Result<usize>) -> bool {
    matches!(r, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
}

#[test]
fn a_cut_link_is_silent_and_a_connection_across_it_carries_on_when_restored() {
    let net = net(&["server", "tablet"], &[("server", "tablet")]);
    let at = SocketAddr::new(net.addr("server", "tablet"), 0);
    let listener = net
        .within("server", || TcpListener::bind(at))
        .unwrap()
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let mut client = net
        .within("tablet", || TcpStream::connect(addr))
        .unwrap()
        .unwrap();
    let (mut served, _) = listener.accept().unwrap();
    client.write_all(b"before").unwrap();
    let mut got = [0; 6];
    served.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"before");

    net.cut("server", "tablet").unwrap();
    let new = net
        .within("tablet", || {
            TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        })
        .unwrap();
    assert!(
        matches!(&new, Err(e) if e.kind() == ErrorKind::NetworkUnreachable),
        "no route over a cut link: {new:?}"
    );
    // Sent into the cut: neither end hears anything, no end of stream, no reset.
    client.write_all(b"during").unwrap();
    let server_side = hears(&mut served, Duration::from_secs(2));
    assert!(is_silence(&server_side), "{server_side:?}");
    let client_side = hears(&mut client, Duration::from_secs(1));
    assert!(is_silence(&client_side), "{client_side:?}");

    // TCP sends it again once the link is back.
    net.restore("server", "tablet").unwrap();
    served
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    served.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"during");
    served.write_all(b"after").unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut got = [0; 5];
    client.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"after");
}

#[test]
fn a_net_leaves_no_namespace_behind_even_when_its_test_panics() {
    let (names, names_rx) = std::sync::mpsc::channel();
    let failed = std::thread::spawn(move || {
        let net = net(&["a", "b"], &[("a", "b")]);
        names
            .send([net.ns("a").to_string(), net.ns("b").to_string()])
            .unwrap();
        panic!("a test fails with its namespaces up (this panic is expected)");
    })
    .join();
    assert!(failed.is_err());
    let listed = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    for ns in names_rx.recv().unwrap() {
        assert!(
            !listed
                .lines()
                .any(|l| l.split_whitespace().next() == Some(&ns)),
            "{ns} is gone: {listed}"
        );
    }
}

/// `jiuzhu-tablet enroll` as `party`, reaching the server over their link.
fn enroll_in(net: &Net, party: &str, home: &Path, data: &Path, user: &str, server: &ServerProcess) {
    let code = admin(data, &["enroll-code", "--user", user]);
    let url = format!(
        "https://{}",
        SocketAddr::new(net.addr("server", party), server.addr.port())
    );
    printed(
        tablet_in(
            net,
            party,
            home,
            &[
                "enroll",
                "--server",
                &url,
                "--code",
                &code,
                "--fingerprint",
                &server.fingerprint,
                "--name",
                &format!("平板-{party}"),
            ],
        ),
        "enroll",
    );
}

#[test]
fn two_tablets_exchange_a_visit_face_to_face_and_the_server_later_holds_both_halves_once() {
    if skip_on_postgres(NO_DATABASE) {
        return;
    }
    let net = net(
        &["server", "tab-a", "tab-b"],
        &[("server", "tab-a"), ("server", "tab-b"), ("tab-a", "tab-b")],
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    admin_add_investigators(&data, &["王五", "赵六"]);
    let case = admin_add_assigned_case(&data, "NS-PEER", "王五,赵六");
    let server = ServerProcess::spawn_under(&net.prefix("server"), &data, "0.0.0.0:0", &[], None);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    enroll_in(&net, "tab-a", &a, &data, "王五", &server);
    enroll_in(&net, "tab-b", &b, &data, "赵六", &server);
    for (party, home) in [("tab-a", &a), ("tab-b", &b)] {
        printed(tablet_in(&net, party, home, &["sync"]), "sync");
    }

    // In the pasture: no link to the server from either tablet for the whole visit.
    net.cut("server", "tab-a").unwrap();
    net.cut("server", "tab-b").unwrap();
    let (note_a, note_b) = ("院内有三轮车一辆", "邻居说户主常年外出务工");
    let mut both = [note_a, note_b];
    both.sort();
    note_in(&net, "tab-a", &a, &case, note_a);
    let file = dir.path().join("yard.jpg");
    std::fs::write(&file, test_jpeg(800, 600, 5)).unwrap();
    let photo = photo_in(&net, "tab-a", &a, &case, &file);
    note_in(&net, "tab-b", &b, &case, note_b);
    let cut = tablet_in(&net, "tab-b", &b, &["sync"]);
    assert!(!cut.status.success(), "the server is out of reach");

    // 王五's tablet hosts on its address toward 赵六's; 赵六's joins with the printed invitation.
    let listen = SocketAddr::new(net.addr("tab-a", "tab-b"), 0).to_string();
    let mut host = net
        .command("tab-a", bin("jiuzhu-tablet"))
        .env("JIUZHU_PIN", PIN)
        .arg("--home")
        .arg(&a)
        .args(["peer-serve", "--listen", &listen])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("peer-serve");
    let mut stdout = std::io::BufReader::new(host.stdout.take().unwrap());
    let mut invitation = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut invitation).unwrap();
    assert!(invitation.starts_with("jiuzhu-peer:1?"), "{invitation:?}");
    let guest = printed(
        tablet_in(
            &net,
            "tab-b",
            &b,
            &["peer-sync", "--invite", invitation.trim()],
        ),
        "peer-sync",
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = host.wait().unwrap();
    assert!(status.success(), "peer-serve failed");
    let hosted: Value = serde_json::from_str(&rest).expect("the host's report");
    assert_eq!(guest["cases"], serde_json::json!([case]), "{guest}");
    assert_eq!(guest["peer_name"], "王五");
    assert_eq!(hosted["peer_name"], "赵六");
    assert_eq!(
        (
            guest["documents_received"].as_u64(),
            hosted["documents_received"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(guest["blobs_received"], 1, "{guest}");
    for (party, home) in [("tab-a", &a), ("tab-b", &b)] {
        let doc = printed(
            tablet_in(&net, party, home, &["show", "--case", &case]),
            "show",
        );
        let mut texts = finding_texts(&doc);
        texts.sort();
        assert_eq!(texts, both, "{party} holds both halves");
    }

    // 赵六 reaches the server first and brings both halves, the photo with them…
    net.restore("server", "tab-b").unwrap();
    printed(tablet_in(&net, "tab-b", &b, &["sync"]), "sync");
    let on_server = export(&data, &case);
    let mut texts = finding_texts(&on_server["document"]);
    texts.sort();
    assert_eq!(texts, both);
    assert_eq!(
        on_server["evidence_complete"], true,
        "{}",
        on_server["evidence"]
    );
    let hash = photo["hash"].as_str().unwrap();
    assert!(
        on_server["document"]["visits"][0]["photos"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["hash"] == hash)
    );
    // …then 王五: nothing is taken twice.
    net.restore("server", "tab-a").unwrap();
    printed(tablet_in(&net, "tab-a", &a, &["sync"]), "sync");
    let again = export(&data, &case);
    assert_eq!(
        again["document"]["findings"],
        on_server["document"]["findings"]
    );
    drop(server);
}

/// `admin` on a data directory until `check` holds for what it printed, or panic after 60 s
/// (the station's uplink runs every second).
fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !check() {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "waited a minute for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The case as `admin export-case` prints it, or `None` while that level does not hold it yet.
fn try_export(data: &Path, case: &str) -> Option<Value> {
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(data)
        .args(["export-case", "--case", case])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).ok())
        .flatten()
}

#[test]
fn a_visit_synced_only_with_the_station_reaches_the_banner_and_a_decision_comes_back() {
    if skip_on_postgres(NO_DATABASE) {
        return;
    }
    let net = net(
        &["banner", "station", "tablet"],
        &[
            ("banner", "station"),
            ("station", "tablet"),
            ("banner", "tablet"),
        ],
    );
    // The uplink is a slow township line.
    net.shape("banner", "station", 256).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (banner_data, station_data) = (dir.path().join("banner"), dir.path().join("station"));
    admin_add_investigators(&banner_data, &["王五", "赵六", "孙八"]);
    let case = admin_add_assigned_case(&banner_data, "LV-1", "王五,赵六");
    let station_code = admin(&banner_data, &["add-station", "--township", "树林召镇"]);
    let banner =
        ServerProcess::spawn_under(&net.prefix("banner"), &banner_data, "0.0.0.0:0", &[], None);
    let banner_for_station = format!(
        "https://{}",
        SocketAddr::new(net.addr("banner", "station"), banner.addr.port())
    );
    let station = ServerProcess::spawn_under(
        &net.prefix("station"),
        &station_data,
        "0.0.0.0:0",
        &[
            "--upstream",
            &banner_for_station,
            "--upstream-code",
            &station_code,
            "--upstream-fingerprint",
            &banner.fingerprint,
            "--uplink-every",
            "1",
        ],
        None,
    );
    // The station holds the banner's case once its first rounds are done.
    wait_for("the case at the station", || {
        try_export(&station_data, &case)
            .is_some_and(|e| e["document"]["header"]["case_no"] == "LV-1")
    });

    // The tablet was enrolled at the banner; it also knows its township's station.
    let home = dir.path().join("tablet");
    let code = admin(&banner_data, &["enroll-code", "--user", "王五"]);
    let banner_for_tablet = format!(
        "https://{}",
        SocketAddr::new(net.addr("banner", "tablet"), banner.addr.port())
    );
    printed(
        tablet_in(
            &net,
            "tablet",
            &home,
            &[
                "enroll",
                "--server",
                &banner_for_tablet,
                "--code",
                &code,
                "--fingerprint",
                &banner.fingerprint,
            ],
        ),
        "enroll",
    );
    let station_url = format!(
        "https://{}",
        SocketAddr::new(net.addr("station", "tablet"), station.addr.port())
    );
    printed(
        tablet_in(
            &net,
            "tablet",
            &home,
            &[
                "add-server",
                "--server",
                &station_url,
                "--fingerprint",
                &station.fingerprint,
                "--label",
                "树林召镇同步站",
            ],
        ),
        "add-server",
    );
    // From now on the tablet never reaches the banner, and for the whole visit the station
    // does not either.
    net.cut("banner", "tablet").unwrap();
    // The station knows the tablet from its next round on (the banner's devices come down).
    let mut first = Value::Null;
    wait_for("the station to know the tablet", || {
        let out = tablet_in(&net, "tablet", &home, &["sync"]);
        out.status.success() && {
            first = printed(out, "sync at the station");
            true
        }
    });
    assert_eq!(first["server"], station_url.as_str(), "{first}");
    assert_eq!(first["assigned"], serde_json::json!([case]), "{first}");
    net.cut("banner", "station").unwrap();

    const NOTE: &str = "牧区入户：家中有羊二十只";
    note_in(&net, "tablet", &home, &case, NOTE);
    let file = dir.path().join("pasture.jpg");
    std::fs::write(&file, test_jpeg(800, 600, 9)).unwrap();
    let photo = photo_in(&net, "tablet", &home, &case, &file);
    let synced = printed(
        tablet_in(&net, "tablet", &home, &["sync"]),
        "sync at the station",
    );
    assert_eq!(synced["server"], station_url.as_str(), "{synced}");
    let at_station = try_export(&station_data, &case).expect("the station's copy");
    assert_eq!(finding_texts(&at_station["document"]), [NOTE]);
    assert!(
        finding_texts(&try_export(&banner_data, &case).unwrap()["document"]).is_empty(),
        "nothing crossed the cut uplink"
    );

    // The uplink comes back: the banner holds the identical document and the photo.
    net.restore("banner", "station").unwrap();
    let tablet_doc = printed(
        tablet_in(&net, "tablet", &home, &["show", "--case", &case]),
        "show",
    );
    wait_for("the visit at the banner", || {
        try_export(&banner_data, &case)
            .is_some_and(|e| e["document"] == tablet_doc && e["evidence_complete"] == true)
    });
    let hash = photo["hash"].as_str().unwrap();
    let at_banner = try_export(&banner_data, &case).unwrap();
    assert!(
        at_banner["document"]["visits"][0]["photos"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["hash"] == hash)
    );

    // A decision at the banner (the team changed by the lead's command) reaches the tablet
    // through the station.
    admin(
        &banner_data,
        &["assign", "--case", &case, "--users", "王五,赵六,孙八"],
    );
    wait_for("the new team at the tablet", || {
        let out = tablet_in(&net, "tablet", &home, &["sync"]);
        out.status.success()
            && printed(
                tablet_in(&net, "tablet", &home, &["show", "--case", &case]),
                "show",
            )["header"]["assigned_team"]
                .as_array()
                .is_some_and(|t| t.len() == 3)
    });
    drop(station);
    drop(banner);
}
