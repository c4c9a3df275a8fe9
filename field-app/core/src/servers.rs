//! The servers a tablet syncs with: the one it enrolled at (the banner's) and others that serve
//! the same protocol and know the same device token — its township's station, say. Each has its
//! own change sequence, so each keeps its own cursor and its own per-document sync states: a
//! document one server confirmed is still news to another.

use crate::net::{Client, NetError, normalize_fingerprint};
use crate::store::SERVER_PEER;
use crate::{Result, Tablet, TabletError};
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Setting: the known servers besides the enrolled one (JSON list of [`KnownServer`]).
const SERVERS: &str = "servers";
/// Setting: the enrolled server's change cursor (the others' are `cursor:<key>`).
const CURSOR: &str = "cursor";
/// The enrolled server's label; a UI shows its own word for it.
pub const ENROLLED_LABEL: &str = "enrolled";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownServer {
    pub url: String,
    /// SHA-256 of the certificate pinned for it (lowercase hex).
    pub fingerprint: String,
    pub label: String,
    /// The server the tablet enrolled at (its address and pin are the enrollment's settings).
    #[serde(default)]
    pub enrolled: bool,
}

impl KnownServer {
    /// What its sync states are filed under. The enrolled server keeps the tag every tablet used
    /// before it knew other servers (nothing to migrate); another is `server:` and a hash of its
    /// URL and fingerprint together — not of the fingerprint alone, which two stations behind
    /// one certificate (or one server under two addresses) share. A server that changed its
    /// certificate is thus a new server to the tablet, and starts from nothing.
    pub fn peer(&self) -> String {
        match self.key() {
            None => SERVER_PEER.to_string(),
            Some(k) => format!("{SERVER_PEER}:{k}"),
        }
    }

    /// The setting holding its change cursor (same keying as [`KnownServer::peer`]).
    pub fn cursor_key(&self) -> String {
        match self.key() {
            None => CURSOR.to_string(),
            Some(k) => format!("{CURSOR}:{k}"),
        }
    }

    fn key(&self) -> Option<String> {
        (!self.enrolled).then(|| {
            let h = sha2::Sha256::digest(format!("{}\n{}", self.url, self.fingerprint));
            hex::encode(&h[..8])
        })
    }
}

/// A server address as kept: no surrounding blanks, no trailing slash (as enrollment keeps it).
fn normalize_url(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

/// Reach `url` and return its certificate's fingerprint; with `fingerprint`, only that
/// certificate is accepted (a different one is [`NetError::CertificateChanged`]).
async fn probe(url: &str, fingerprint: Option<&str>) -> Result<String, NetError> {
    let mut client = Client::new(url, fingerprint, None)?;
    let r = client
        .send(
            hyper::Method::GET,
            "/healthz",
            "text/plain",
            &[],
            Vec::new(),
            false,
        )
        .await?;
    if !r.status.is_success() {
        return Err(NetError::Server {
            status: r.status.as_u16(),
            code: "http".into(),
            message: "no Jiuzhu server answers at this address".into(),
        });
    }
    match fingerprint {
        // The answer came through the pinned certificate (a resumed TLS session shows none).
        Some(fp) => Ok(normalize_fingerprint(fp)),
        None => client
            .seen_fingerprint()
            .ok_or_else(|| NetError::Protocol("no certificate seen".into())),
    }
}

impl Tablet {
    /// Every server this tablet syncs with: the enrolled one first, then the others in the
    /// order they were added.
    pub fn servers(&self) -> Result<Vec<KnownServer>> {
        let id = self.identity()?;
        let mut all = vec![KnownServer {
            url: id.server,
            fingerprint: id.fingerprint,
            label: ENROLLED_LABEL.into(),
            enrolled: true,
        }];
        all.extend(self.added_servers()?);
        Ok(all)
    }

    fn added_servers(&self) -> Result<Vec<KnownServer>> {
        Ok(self
            .store
            .setting(SERVERS)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// The known server at `url`.
    pub fn server(&self, url: &str) -> Result<KnownServer> {
        let url = normalize_url(url);
        self.servers()?
            .into_iter()
            .find(|s| s.url == url)
            .ok_or_else(|| TabletError::UnknownServer(url.to_string()))
    }

    /// Add a server to sync with besides the enrolled one. Like enrollment, without
    /// `fingerprint` the certificate presented now is pinned (and returned so a person can
    /// compare it with the one the station printed); with it, any other certificate is refused.
    pub async fn add_server(
        &mut self,
        url: &str,
        fingerprint: Option<&str>,
        label: &str,
    ) -> Result<KnownServer> {
        let url = normalize_url(url);
        if self.servers()?.iter().any(|s| s.url == url) {
            return Err(TabletError::ServerKnown(url.to_string()));
        }
        let fingerprint = probe(url, fingerprint).await?;
        let server = KnownServer {
            url: url.to_string(),
            fingerprint,
            label: label.to_string(),
            enrolled: false,
        };
        let mut added = self.added_servers()?;
        added.push(server.clone());
        self.store.set_setting(SERVERS, &to_json(&added))?;
        Ok(server)
    }

    /// Forget a server added with [`Tablet::add_server`], with its cursor and sync states (added
    /// again, it starts from nothing). The enrolled server stays.
    pub fn remove_server(&mut self, url: &str) -> Result<()> {
        let url = normalize_url(url);
        if self.identity()?.server == url {
            return Err(TabletError::EnrolledServer);
        }
        let mut added = self.added_servers()?;
        let i = added
            .iter()
            .position(|s| s.url == url)
            .ok_or_else(|| TabletError::UnknownServer(url.to_string()))?;
        let gone = added.remove(i);
        let tx = self.store.transaction()?;
        let forget = move || -> rusqlite::Result<()> {
            tx.execute("DELETE FROM sync_states WHERE peer = ?1", [gone.peer()])?;
            tx.execute("DELETE FROM settings WHERE key = ?1", [gone.cursor_key()])?;
            tx.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
                [SERVERS, &to_json(&added)],
            )?;
            tx.commit()
        };
        forget().map_err(crate::store::StoreError::from)?;
        Ok(())
    }
}

fn to_json(servers: &[KnownServer]) -> String {
    serde_json::to_string(servers).expect("a list of servers serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_shared::schema::CaseDoc;
    use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};

    const STATION: &str = "https://10.0.0.9:8443";

    /// An enrolled tablet (settings written directly) that also knows a station, with one case.
    fn tablet(home: &std::path::Path) -> (Tablet, CaseId, KnownServer) {
        let mut t = Tablet::create_unprotected(home).unwrap();
        let actor = ActorKey::random();
        for (k, v) in [
            ("server", "https://127.0.0.1:1".to_string()),
            ("fingerprint", "aa".repeat(32)),
            ("device_id", "d1".into()),
            ("token", "t".into()),
            ("actor", actor.to_string()),
            ("user_name", "王磊".into()),
            ("township", "乌兰镇".into()),
        ] {
            t.store.set_setting(k, &v).unwrap();
        }
        let station = KnownServer {
            url: STATION.into(),
            fingerprint: "bb".repeat(32),
            label: "乌兰镇站".into(),
            enrolled: false,
        };
        t.store
            .set_setting(SERVERS, &to_json(std::slice::from_ref(&station)))
            .unwrap();
        let mut c = CaseDoc::default();
        c.header.assigned_team = vec!["王磊".into(), "李娜".into()];
        let id = CaseId::new();
        let mut doc = CaseDocument::create(&c, actor, 1).unwrap();
        t.store.save_changes(id, &mut doc, &[], 1).unwrap();
        (t, id, station)
    }

    /// Record that `peer` holds every change of `case` (what a finished sync leaves).
    fn confirm(t: &mut Tablet, peer: &str, case: CaseId) {
        let mut doc = t.store.load_existing(case, t.actor().unwrap()).unwrap();
        let mut state = automerge::sync::State::new();
        state.shared_heads = doc.heads();
        let tx = t.store.transaction().unwrap();
        crate::store::save_state_in(&tx, peer, case, &state.encode()).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn each_server_has_its_own_keys() {
        let enrolled = KnownServer {
            url: "https://banner:8443".into(),
            fingerprint: "aa".repeat(32),
            label: ENROLLED_LABEL.into(),
            enrolled: true,
        };
        assert_eq!(
            (enrolled.peer().as_str(), enrolled.cursor_key().as_str()),
            ("server", "cursor")
        );
        let station = KnownServer {
            enrolled: false,
            ..enrolled.clone()
        };
        // One certificate under two addresses: two servers to the tablet.
        let other = KnownServer {
            url: "https://station:8443".into(),
            ..station.clone()
        };
        assert!(station.peer().starts_with("server:"));
        assert!(station.cursor_key().starts_with("cursor:"));
        assert_ne!(station.peer(), other.peer());
        assert_ne!(station.cursor_key(), other.cursor_key());
        assert_eq!(station.peer()[7..], station.cursor_key()[7..]);
    }

    #[test]
    fn a_case_confirmed_by_one_server_is_still_news_to_the_other() {
        let dir = tempfile::tempdir().unwrap();
        let (mut t, id, station) = tablet(dir.path());
        let servers = t.servers().unwrap();
        assert_eq!(servers.len(), 2);
        assert!(servers[0].enrolled && servers[0].label == ENROLLED_LABEL);
        assert_eq!(servers[1], station);
        let banner = servers[0].clone();
        let unconfirmed = |t: &Tablet, s: &KnownServer| t.unconfirmed_cases(&s.peer()).unwrap();
        let listed_unsynced = |t: &Tablet| t.store.list(None).unwrap()[0].unsynced;
        assert_eq!(unconfirmed(&t, &banner), vec![id]);
        assert_eq!(unconfirmed(&t, &station), vec![id]);
        assert!(listed_unsynced(&t));

        confirm(&mut t, &banner.peer(), id);
        assert!(unconfirmed(&t, &banner).is_empty());
        assert_eq!(
            unconfirmed(&t, &station),
            vec![id],
            "the station has not seen it"
        );
        assert!(!listed_unsynced(&t), "off the tablet: one server holds it");

        t.note(id, "院墙新砌").unwrap();
        assert_eq!(unconfirmed(&t, &banner), vec![id]);
        assert!(listed_unsynced(&t));
        confirm(&mut t, &station.peer(), id);
        assert_eq!(
            unconfirmed(&t, &banner),
            vec![id],
            "the banner has not seen the note"
        );
        assert!(unconfirmed(&t, &station).is_empty());
        assert!(!listed_unsynced(&t));
    }

    #[test]
    fn removing_a_server_forgets_its_cursor_and_states() {
        let dir = tempfile::tempdir().unwrap();
        let (mut t, id, station) = tablet(dir.path());
        confirm(&mut t, SERVER_PEER, id);
        confirm(&mut t, &station.peer(), id);
        t.store.set_setting(&station.cursor_key(), "42").unwrap();
        t.store.set_setting(CURSOR, "7").unwrap();

        assert!(matches!(
            t.remove_server("https://127.0.0.1:1/"),
            Err(TabletError::EnrolledServer)
        ));
        assert!(matches!(
            t.remove_server("https://10.0.0.10"),
            Err(TabletError::UnknownServer(_))
        ));
        t.remove_server(&format!("{STATION}/")).unwrap();
        assert_eq!(t.servers().unwrap().len(), 1);
        assert_eq!(t.store.sync_state(&station.peer(), id).unwrap(), None);
        assert_eq!(t.store.setting(&station.cursor_key()).unwrap(), None);
        assert!(
            t.store.sync_state(SERVER_PEER, id).unwrap().is_some(),
            "the enrolled server's stay"
        );
        assert_eq!(t.store.setting(CURSOR).unwrap().as_deref(), Some("7"));
        assert!(matches!(
            t.server(STATION),
            Err(TabletError::UnknownServer(_))
        ));
    }

    #[tokio::test]
    async fn with_no_server_reached_the_enrolled_ones_failure_is_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let (mut t, _, _) = tablet(dir.path());
        // A station at a closed port (an address nothing answers at could wait for the timeout).
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let station = KnownServer {
            url: format!("https://{closed}"),
            fingerprint: "bb".repeat(32),
            label: String::new(),
            enrolled: false,
        };
        t.store.set_setting(SERVERS, &to_json(&[station])).unwrap();
        match t.sync(&mut |_| {}).await {
            Err(TabletError::Net(NetError::NoNetwork { addr, .. })) => {
                assert_eq!(addr, "127.0.0.1:1")
            }
            r => panic!("{:?}", r.map(|r| r.server)),
        }
        assert!(matches!(
            t.add_server(&format!("https://{closed}"), None, "x").await,
            Err(TabletError::ServerKnown(_))
        ));
    }
}
