//! Face-to-face sync (issue 18 point 2): two tablets of one visit's team exchange their cases
//! over a local network (a phone hotspot) with no server. One tablet hosts and shows an
//! [`Invitation`] (address, one-time secret, certificate fingerprint; a QR code in the app), the
//! other joins with it. The joining tablet pins the host's certificate; each side shows the
//! credential the server signed at its last sync and signs the handshake with its own key
//! (`jiuzhu_shared::peer`). Only the cases whose team holds both investigators are exchanged,
//! and a tablet takes only its colleague's own changes that the write policy allows a team
//! member — exactly what the server will check again when either tablet syncs. Received work is
//! committed before the next round, as with the server; the server later receives each change
//! once (Automerge changes are identified by hash) whichever tablet brings it first.

use crate::store::{put_attestation_in, save_in, save_state_in};
use crate::{Result, Tablet, TabletError, now_s};
use automerge::sync::{Message, SyncDoc};
use ed25519_dalek::SigningKey;
use jiuzhu_shared::peer::{
    self as wire, Attestation, AuthError, DeviceCredential, PeerBlob, PeerMsg, Role, Round,
    SignedCredential,
};
use jiuzhu_shared::policy::{self, CheckError, Grant};
use jiuzhu_shared::protocol::DocMessage;
use jiuzhu_shared::sync::{check_new_changes, decode_state, opening_message};
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};
use serde::Serialize;
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub use jiuzhu_shared::peer::{BadInvitation, Invitation, PeerRefusal};

/// Settings: the tablet's Ed25519 seed (hex), its signed credential (hex CBOR) and the server's
/// verifying key (hex). All three live in the encrypted database.
pub const KEY_SETTING: &str = "peer_key";
pub const CREDENTIAL_SETTING: &str = "peer_credential";
pub const SERVER_KEY_SETTING: &str = "peer_server_key";

/// The other tablet must answer each frame within this long.
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// Wrong secrets tolerated before the invitation is given up (someone guessing on the hotspot).
pub const MAX_WRONG_SECRETS: u32 = 5;
/// Rounds after which an exchange that keeps talking is broken off (it resumes next time).
pub const MAX_ROUNDS: u32 = 30;

#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error(transparent)]
    BadInvitation(#[from] BadInvitation),
    #[error(
        "this tablet has no valid face-to-face credential: sync with the server once, then try again"
    )]
    NoCredential,
    #[error(
        "the invitation's secret is wrong or was used already: ask the other tablet to show a new invitation"
    )]
    WrongSecret,
    #[error("the other tablet's credential is not valid: {0}")]
    CredentialInvalid(AuthError),
    #[error(
        "the other tablet is not enrolled with this tablet's server: only tablets of one server sync face to face"
    )]
    OtherServer,
    #[error("the other tablet refused ({code}): {message}")]
    PeerRefused { code: String, message: String },
    #[error("cannot reach the other tablet: {0}")]
    Network(String),
    #[error("the other tablet did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the exchange broke: {0}")]
    Protocol(String),
}

impl PeerError {
    /// A stable code for the app.
    pub fn code(&self) -> &'static str {
        match self {
            PeerError::BadInvitation(_) => "bad_invitation",
            PeerError::NoCredential => "no_credential",
            PeerError::WrongSecret => "wrong_secret",
            PeerError::CredentialInvalid(_) => "credential_invalid",
            PeerError::OtherServer => "other_server",
            PeerError::PeerRefused { .. } => "peer_refused",
            PeerError::Network(_) => "network",
            PeerError::Timeout(_) => "timeout",
            PeerError::Protocol(_) => "protocol",
        }
    }

    /// What the other side is told when this side gives up.
    fn refusal(&self) -> PeerMsg {
        PeerMsg::Refused {
            code: self.code().into(),
            message: self.to_string(),
        }
    }
}

impl From<BadInvitation> for TabletError {
    fn from(e: BadInvitation) -> Self {
        PeerError::from(e).into()
    }
}

/// What one exchange did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeerReport {
    /// The other investigator and device.
    pub peer_name: String,
    pub peer_device: String,
    /// The cases exchanged: held by both and assigned to both.
    pub cases: Vec<CaseId>,
    pub documents_sent: usize,
    pub documents_received: usize,
    pub blobs_sent: usize,
    pub blobs_received: usize,
    pub rounds: u32,
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// Cases whose changes one side would not take, with the reason (Chinese where it is the
    /// write policy's).
    pub refused: Vec<PeerRefusal>,
}

/// An invitation being shown: the bound port and the TLS identity made for it.
pub struct PeerListener {
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    invitation: Invitation,
}

impl PeerListener {
    pub fn invitation(&self) -> &Invitation {
        &self.invitation
    }
}

/// This tablet as it presents itself to a colleague's.
struct Me {
    key: SigningKey,
    credential: SignedCredential,
    server_key: Vec<u8>,
    user_name: String,
}

impl Tablet {
    /// This tablet's face-to-face key, made on first use.
    pub(crate) fn peer_key(&self) -> Result<SigningKey> {
        if let Some(seed) = self.store.setting(KEY_SETTING)? {
            let mut bytes = [0u8; 32];
            if hex::decode_to_slice(seed.trim(), &mut bytes).is_ok() {
                return Ok(SigningKey::from_bytes(&bytes));
            }
        }
        let seed: [u8; 32] = rand::random();
        self.store.set_setting(KEY_SETTING, &hex::encode(seed))?;
        Ok(SigningKey::from_bytes(&seed))
    }

    /// Keep the credential the server signed (checked against the key it came with).
    pub(crate) fn keep_credential(
        &self,
        credential: &SignedCredential,
        server_key: &[u8],
    ) -> Result<()> {
        credential
            .verify(server_key, now_s())
            .map_err(|e| TabletError::Protocol(format!("the server's credential: {e}")))?;
        let mut body = Vec::new();
        ciborium::into_writer(credential, &mut body).expect("CBOR into a Vec cannot fail");
        self.store
            .set_setting(CREDENTIAL_SETTING, &hex::encode(body))?;
        self.store
            .set_setting(SERVER_KEY_SETTING, &hex::encode(server_key))?;
        Ok(())
    }

    fn peer_me(&self) -> Result<Me> {
        let get = |k| -> Result<Vec<u8>> {
            self.store
                .setting(k)?
                .and_then(|v| hex::decode(v).ok())
                .ok_or(PeerError::NoCredential.into())
        };
        let body = get(CREDENTIAL_SETTING)?;
        let server_key = get(SERVER_KEY_SETTING)?;
        let credential: SignedCredential =
            ciborium::from_reader(body.as_slice()).map_err(|_| PeerError::NoCredential)?;
        let mine = credential
            .verify(&server_key, now_s())
            .map_err(|_| PeerError::NoCredential)?;
        let key = self.peer_key()?;
        if mine.public_key != key.verifying_key().to_bytes() {
            return Err(PeerError::NoCredential.into());
        }
        Ok(Me {
            key,
            credential,
            server_key,
            user_name: mine.user_name,
        })
    }

    /// Whether this tablet can sync face to face now: it holds an unexpired credential for its
    /// key (false: sync with the server once first).
    pub fn peer_ready(&self) -> Result<bool> {
        match self.peer_me() {
            Ok(_) => Ok(true),
            Err(TabletError::Peer(PeerError::NoCredential)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Bind `listen` and make the invitation. With an unspecified address (`0.0.0.0:0`) the
    /// invitation names the tablet's first non-loopback IPv4 address (its hotspot's).
    pub async fn peer_listen(&mut self, listen: SocketAddr) -> Result<PeerListener> {
        self.check_lease()?;
        self.peer_me()?;
        let ck = rcgen::generate_simple_self_signed(vec!["jiuzhu-peer".into()])
            .map_err(|e| PeerError::Protocol(format!("cannot make a certificate: {e}")))?;
        let der = ck.cert.der().clone();
        let fingerprint = hex::encode(sha2::Sha256::digest(der.as_ref()));
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(vec![der], key))
        .map_err(|e| PeerError::Protocol(format!("TLS: {e}")))?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| PeerError::Network(format!("cannot listen on {listen}: {e}")))?;
        let mut addr = listener
            .local_addr()
            .map_err(|e| PeerError::Network(e.to_string()))?;
        if addr.ip().is_unspecified() {
            addr.set_ip(local_address()?);
        }
        Ok(PeerListener {
            listener,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            invitation: Invitation {
                addr,
                secret: hex::encode(rand::random::<[u8; 16]>()),
                fingerprint,
            },
        })
    }

    /// Wait for the colleague's tablet to join with the invitation, and exchange. The invitation
    /// is spent by the first peer that proves its secret; a few wrong secrets are refused and
    /// waited past, more give the invitation up.
    pub async fn peer_accept(&mut self, listener: PeerListener) -> Result<PeerReport> {
        let me = self.peer_me()?;
        let mut wrong = 0;
        loop {
            let (tcp, _) = listener
                .listener
                .accept()
                .await
                .map_err(|e| PeerError::Network(e.to_string()))?;
            let Ok(Ok(tls)) =
                tokio::time::timeout(READ_TIMEOUT, listener.acceptor.accept(tcp)).await
            else {
                continue;
            };
            let mut link = Link::new(tls);
            match self.host(&me, &listener.invitation, &mut link).await {
                Err(TabletError::Peer(PeerError::WrongSecret)) => {
                    wrong += 1;
                    if wrong >= MAX_WRONG_SECRETS {
                        return Err(PeerError::WrongSecret.into());
                    }
                }
                r => return r,
            }
        }
    }

    /// Join a colleague's tablet with its invitation, and exchange.
    pub async fn peer_sync(&mut self, invitation: &Invitation) -> Result<PeerReport> {
        self.check_lease()?;
        let me = self.peer_me()?;
        let tcp = tokio::time::timeout(
            READ_TIMEOUT,
            tokio::net::TcpStream::connect(invitation.addr),
        )
        .await
        .map_err(|_| PeerError::Timeout(READ_TIMEOUT))?
        .map_err(|e| PeerError::Network(format!("{}: {e}", invitation.addr)))?;
        let config = crate::net::pinned_client_config(&invitation.fingerprint)?;
        let name = rustls::pki_types::ServerName::IpAddress(invitation.addr.ip().into());
        let tls = tokio::time::timeout(
            READ_TIMEOUT,
            tokio_rustls::TlsConnector::from(config).connect(name, tcp),
        )
        .await
        .map_err(|_| PeerError::Timeout(READ_TIMEOUT))?
        .map_err(|e| {
            PeerError::Network(format!(
                "secure connection failed (is this the tablet that showed the code?): {e}"
            ))
        })?;
        let mut link = Link::new(tls);
        let result = self.guest(&me, invitation, &mut link).await;
        if let Err(TabletError::Peer(e)) = &result
            && !matches!(e, PeerError::PeerRefused { .. } | PeerError::Network(_))
        {
            let _ = link.send(&e.refusal()).await;
        }
        result
    }

    async fn host<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        me: &Me,
        invitation: &Invitation,
        link: &mut Link<S>,
    ) -> Result<PeerReport> {
        let PeerMsg::Hello {
            v,
            secret,
            credential,
            nonce: guest_nonce,
        } = link.recv().await?
        else {
            return Err(PeerError::Protocol("the other tablet did not say hello".into()).into());
        };
        let refuse = async |link: &mut Link<S>, e: PeerError| -> Result<PeerReport> {
            let _ = link.send(&e.refusal()).await;
            Err(e.into())
        };
        if v != wire::PEER_VERSION {
            let e = PeerError::Protocol(format!(
                "the other tablet speaks face-to-face version {v}, this one {}: update both apps",
                wire::PEER_VERSION
            ));
            return refuse(link, e).await;
        }
        if !constant_time_eq(secret.as_bytes(), invitation.secret.as_bytes()) {
            return refuse(link, PeerError::WrongSecret).await;
        }
        let peer = match verify_peer(me, &credential) {
            Ok(p) => p,
            Err(e) => return refuse(link, e).await,
        };
        let host_nonce = rand::random::<[u8; 32]>().to_vec();
        let t = wire::transcript(
            Role::Host,
            &invitation.fingerprint,
            &guest_nonce,
            &host_nonce,
        );
        link.send(&PeerMsg::Welcome {
            credential: me.credential.clone(),
            nonce: host_nonce.clone(),
            proof: wire::prove(&me.key, &t),
        })
        .await?;
        let PeerMsg::Proof { proof, cases } = link.recv().await? else {
            return Err(PeerError::Protocol("expected the other tablet's proof".into()).into());
        };
        let t = wire::transcript(
            Role::Guest,
            &invitation.fingerprint,
            &guest_nonce,
            &host_nonce,
        );
        if let Err(e) = wire::check_proof(&peer, &t, &proof) {
            return refuse(link, PeerError::CredentialInvalid(e)).await;
        }
        let mine = self.cases_shared_with(&me.user_name, &peer.user_name)?;
        link.send(&PeerMsg::Proof {
            proof: Vec::new(),
            cases: mine.clone(),
        })
        .await?;
        let mut x = Exchange::new(self, me, &peer, both(&mine, &cases))?;
        loop {
            match link.recv().await? {
                PeerMsg::Round(r) => {
                    x.incoming(r)?;
                    let out = x.outgoing()?;
                    link.send(&PeerMsg::Round(out)).await?;
                }
                PeerMsg::Bye => break,
                PeerMsg::Refused { code, message } => {
                    return Err(PeerError::PeerRefused { code, message }.into());
                }
                _ => return Err(PeerError::Protocol("unexpected message".into()).into()),
            }
        }
        Ok(x.finish(link))
    }

    async fn guest<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        me: &Me,
        invitation: &Invitation,
        link: &mut Link<S>,
    ) -> Result<PeerReport> {
        let guest_nonce = rand::random::<[u8; 32]>().to_vec();
        link.send(&PeerMsg::Hello {
            v: wire::PEER_VERSION,
            secret: invitation.secret.clone(),
            credential: me.credential.clone(),
            nonce: guest_nonce.clone(),
        })
        .await?;
        let (credential, host_nonce, proof) = match link.recv().await? {
            PeerMsg::Welcome {
                credential,
                nonce,
                proof,
            } => (credential, nonce, proof),
            PeerMsg::Refused { code, .. } if code == "wrong_secret" => {
                return Err(PeerError::WrongSecret.into());
            }
            PeerMsg::Refused { code, message } => {
                return Err(PeerError::PeerRefused { code, message }.into());
            }
            _ => return Err(PeerError::Protocol("expected a welcome".into()).into()),
        };
        let peer = verify_peer(me, &credential)?;
        let t = wire::transcript(
            Role::Host,
            &invitation.fingerprint,
            &guest_nonce,
            &host_nonce,
        );
        wire::check_proof(&peer, &t, &proof).map_err(PeerError::CredentialInvalid)?;
        let mine = self.cases_shared_with(&me.user_name, &peer.user_name)?;
        let t = wire::transcript(
            Role::Guest,
            &invitation.fingerprint,
            &guest_nonce,
            &host_nonce,
        );
        link.send(&PeerMsg::Proof {
            proof: wire::prove(&me.key, &t),
            cases: mine.clone(),
        })
        .await?;
        let theirs = match link.recv().await? {
            PeerMsg::Proof { cases, .. } => cases,
            PeerMsg::Refused { code, message } => {
                return Err(PeerError::PeerRefused { code, message }.into());
            }
            _ => return Err(PeerError::Protocol("expected the case list".into()).into()),
        };
        let mut x = Exchange::new(self, me, &peer, both(&mine, &theirs))?;
        loop {
            x.report.rounds += 1;
            if x.report.rounds > MAX_ROUNDS {
                return Err(PeerError::Protocol(format!(
                    "the exchange did not settle after {MAX_ROUNDS} rounds; what was received is kept, try again"
                ))
                .into());
            }
            let out = x.outgoing()?;
            let quiet = out.is_empty();
            link.send(&PeerMsg::Round(out)).await?;
            let answer = match link.recv().await? {
                PeerMsg::Round(r) => r,
                PeerMsg::Refused { code, message } => {
                    return Err(PeerError::PeerRefused { code, message }.into());
                }
                _ => return Err(PeerError::Protocol("expected a round".into()).into()),
            };
            let done = quiet && answer.is_empty();
            x.incoming(answer)?;
            if done {
                break;
            }
        }
        link.send(&PeerMsg::Bye).await?;
        Ok(x.finish(link))
    }

    /// The cases this tablet holds, not withdrawn, whose team names both investigators.
    fn cases_shared_with(&self, me: &str, peer: &str) -> Result<Vec<CaseId>> {
        let actor = self.actor()?;
        let mut held = Vec::new();
        for case in self.store.case_ids()? {
            if self.store.is_withdrawn(case)? {
                continue;
            }
            if let Some(doc) = self.store.load(case, actor)? {
                held.push((case, doc.read()?.header.assigned_team));
            }
        }
        Ok(wire::shared_cases(
            held.iter().map(|(c, t)| (*c, t.as_slice())),
            me,
            peer,
        ))
    }
}

fn both(mine: &[CaseId], theirs: &[CaseId]) -> Vec<CaseId> {
    mine.iter()
        .filter(|c| theirs.contains(c))
        .copied()
        .collect()
}

fn verify_peer(me: &Me, credential: &SignedCredential) -> Result<DeviceCredential, PeerError> {
    match credential.verify(&me.server_key, now_s()) {
        Ok(c) => Ok(c),
        Err(AuthError::BadSignature) => Err(PeerError::OtherServer),
        Err(e) => Err(PeerError::CredentialInvalid(e)),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The first non-loopback IPv4 address of this machine (on a tablet, its hotspot's or the
/// hotspot it joined).
fn local_address() -> Result<std::net::IpAddr, PeerError> {
    if_addrs::get_if_addrs()
        .map_err(|e| PeerError::Network(e.to_string()))?
        .into_iter()
        .map(|i| i.ip())
        .find(|ip| ip.is_ipv4() && !ip.is_loopback())
        .ok_or_else(|| {
            PeerError::Network(
                "this tablet has no network address: turn on the hotspot, or join the other tablet's"
                    .into(),
            )
        })
}

/// A TLS stream carrying length-prefixed CBOR frames, counting bytes.
struct Link<S> {
    stream: S,
    up: u64,
    down: u64,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Link<S> {
    fn new(stream: S) -> Self {
        Self {
            stream,
            up: 0,
            down: 0,
        }
    }

    async fn send(&mut self, msg: &PeerMsg) -> Result<(), PeerError> {
        let body = wire::encode(msg);
        let io = |e: std::io::Error| PeerError::Network(e.to_string());
        let write = async {
            self.stream
                .write_all(&(body.len() as u32).to_be_bytes())
                .await
                .map_err(io)?;
            self.stream.write_all(&body).await.map_err(io)?;
            self.stream.flush().await.map_err(io)
        };
        tokio::time::timeout(READ_TIMEOUT, write)
            .await
            .map_err(|_| PeerError::Timeout(READ_TIMEOUT))??;
        self.up += 4 + body.len() as u64;
        Ok(())
    }

    async fn recv(&mut self) -> Result<PeerMsg, PeerError> {
        let io = |e: std::io::Error| PeerError::Network(e.to_string());
        let read = async {
            let mut len = [0u8; 4];
            self.stream.read_exact(&mut len).await.map_err(io)?;
            let len = u32::from_be_bytes(len) as usize;
            if len > wire::MAX_FRAME {
                return Err(PeerError::Protocol(format!(
                    "a frame of {len} bytes is larger than any exchange sends"
                )));
            }
            let mut body = vec![0u8; len];
            self.stream.read_exact(&mut body).await.map_err(io)?;
            Ok(body)
        };
        let body = tokio::time::timeout(READ_TIMEOUT, read)
            .await
            .map_err(|_| PeerError::Timeout(READ_TIMEOUT))??;
        self.down += 4 + body.len() as u64;
        wire::decode(&body).map_err(PeerError::Protocol)
    }
}

/// The document of `case` in conversation, loaded with its stored sync state on first use.
fn load_live<'m>(
    live: &'m mut BTreeMap<CaseId, Live>,
    tablet: &Tablet,
    actor: ActorKey,
    tag: &str,
    case: CaseId,
) -> Result<&'m mut Live> {
    Ok(match live.entry(case) {
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::btree_map::Entry::Vacant(e) => {
            let doc = tablet.store.load_existing(case, actor)?;
            let state = decode_state(tablet.store.sync_state(tag, case)?.as_deref());
            e.insert(Live {
                doc,
                state,
                opened: false,
            })
        }
    })
}

struct Live {
    doc: CaseDocument,
    state: automerge::sync::State,
    /// The conversation about this document has begun (its opening message went out).
    opened: bool,
}

/// The document exchange of one session, the same on both sides: what to send in the next round,
/// and what to do with a round received.
struct Exchange<'a> {
    tablet: &'a mut Tablet,
    key: SigningKey,
    actor: ActorKey,
    peer: DeviceCredential,
    peer_actor: ActorKey,
    /// The sync-state key of this colleague's device.
    tag: String,
    cases: Vec<CaseId>,
    live: BTreeMap<CaseId, Live>,
    /// Cases no longer exchanged: one side refused the other's changes.
    stopped: BTreeSet<CaseId>,
    /// Refusals to tell the other side in the next round.
    refusals: Vec<PeerRefusal>,
    /// Blobs the other side asked for and has not received yet.
    wanted: Vec<String>,
    /// Blobs asked for once already (the other side may not have them either).
    asked: BTreeSet<String>,
    sent_docs: BTreeSet<CaseId>,
    received_docs: BTreeSet<CaseId>,
    report: PeerReport,
}

impl<'a> Exchange<'a> {
    fn new(
        tablet: &'a mut Tablet,
        me: &Me,
        peer: &DeviceCredential,
        cases: Vec<CaseId>,
    ) -> Result<Self> {
        let peer_actor: ActorKey = peer
            .actor
            .parse()
            .map_err(|_| PeerError::Protocol("the other tablet's actor is unreadable".into()))?;
        Ok(Self {
            key: me.key.clone(),
            actor: tablet.actor()?,
            tablet,
            peer: peer.clone(),
            peer_actor,
            tag: format!("peer:{}", peer.device_id),
            report: PeerReport {
                peer_name: peer.user_name.clone(),
                peer_device: peer.device_name.clone(),
                cases: cases.clone(),
                ..Default::default()
            },
            cases,
            live: BTreeMap::new(),
            stopped: BTreeSet::new(),
            refusals: Vec::new(),
            wanted: Vec::new(),
            asked: BTreeSet::new(),
            sent_docs: BTreeSet::new(),
            received_docs: BTreeSet::new(),
        })
    }

    fn live(&mut self, case: CaseId) -> Result<&mut Live> {
        load_live(&mut self.live, self.tablet, self.actor, &self.tag, case)
    }

    fn outgoing(&mut self) -> Result<Round> {
        let mut round = Round {
            refused: std::mem::take(&mut self.refusals),
            ..Default::default()
        };
        let cases: Vec<CaseId> = self
            .cases
            .iter()
            .filter(|c| !self.stopped.contains(c))
            .copied()
            .collect();
        let mut have_blobs = Vec::new();
        for case in cases {
            let l = self.live(case)?;
            let msg = if l.opened {
                l.doc.automerge().sync().generate_sync_message(&mut l.state)
            } else {
                l.opened = true;
                opening_message(l.doc.automerge(), &mut l.state)
            };
            if let Some(m) = msg {
                if !m.changes.is_empty() {
                    self.sent_docs.insert(case);
                    // Signed, so the colleague's tablet may carry this work to the server.
                    let l = self.live.get_mut(&case).expect("loaded");
                    if let Some(h) =
                        wire::newest_change_by(l.doc.automerge(), &self.actor.to_actor_id())
                    {
                        round.attest.push(Attestation::sign(&self.key, case, &h));
                    }
                }
                round.docs.push(DocMessage {
                    doc: case,
                    msg: m.encode(),
                });
            }
            let l = self.live.get_mut(&case).expect("loaded");
            for h in l.doc.read()?.photo_hashes() {
                have_blobs.push((case, h));
            }
        }
        // Ask once for each picture the shared documents show and this tablet lacks.
        for (_, hash) in &have_blobs {
            if !self.tablet.photo_path(hash).exists() && self.asked.insert(hash.clone()) {
                round.want.push(hash.clone());
            }
        }
        // Send what the other side asked for, a bounded amount per round.
        let mut bytes = 0u64;
        let mut rest = Vec::new();
        for hash in std::mem::take(&mut self.wanted) {
            let Some((case, _)) = have_blobs.iter().find(|(_, h)| *h == hash) else {
                continue;
            };
            if bytes >= wire::ROUND_BLOB_BYTES {
                rest.push(hash);
                continue;
            }
            if let Ok(data) = self.tablet.read_sealed("photos", &hash) {
                bytes += data.len() as u64;
                round.blobs.push(PeerBlob {
                    hash,
                    case: *case,
                    bytes: data,
                });
                self.report.blobs_sent += 1;
            }
        }
        self.wanted = rest;
        Ok(round)
    }

    fn incoming(&mut self, round: Round) -> Result<()> {
        let now = now_s();
        for r in round.refused {
            self.stopped.insert(r.case);
            self.report.refused.push(PeerRefusal {
                case: r.case,
                reason: format!("对方未接收：{}", r.reason),
            });
        }
        for m in round.docs {
            if !self.cases.contains(&m.doc) || self.stopped.contains(&m.doc) {
                continue;
            }
            match self.receive(&m, now)? {
                Ok(()) => {}
                Err(reason) => {
                    // Nothing of the message is kept: the document and its state are read again.
                    self.live.remove(&m.doc);
                    self.stopped.insert(m.doc);
                    let refusal = PeerRefusal {
                        case: m.doc,
                        reason,
                    };
                    self.report.refused.push(refusal.clone());
                    self.refusals.push(refusal);
                }
            }
        }
        self.wanted.extend(round.want);
        for b in round.blobs {
            self.receive_blob(b)?;
        }
        // The colleague's signatures over what it sent, kept for the server.
        let peer_actor = self.peer_actor.to_actor_id();
        let mut keep = Vec::new();
        for a in round.attest {
            if !self.cases.contains(&a.doc)
                || self.stopped.contains(&a.doc)
                || !a.verify(&self.peer.public_key)
            {
                continue;
            }
            let l = self.live(a.doc)?;
            if a.vouches_up_to(l.doc.automerge(), &peer_actor).is_some() {
                keep.push(a);
            }
        }
        if !keep.is_empty() {
            let tx = self.tablet.store.transaction()?;
            for a in &keep {
                put_attestation_in(&tx, self.peer_actor, a)?;
            }
            tx.commit().map_err(crate::store::StoreError::from)?;
        }
        Ok(())
    }

    /// Apply one document message: every new change must be the colleague's own and allowed to a
    /// team member; then the document and its sync state are committed together.
    fn receive(&mut self, m: &DocMessage, now: i64) -> Result<std::result::Result<(), String>> {
        let (peer_actor, peer_name) = (self.peer_actor, self.peer.user_name.clone());
        let l = load_live(&mut self.live, self.tablet, self.actor, &self.tag, m.doc)?;
        let msg = Message::decode(&m.msg)
            .map_err(|e| PeerError::Protocol(format!("bad sync message: {e}")))?;
        let before = l.doc.heads();
        l.doc
            .automerge()
            .sync()
            .receive_sync_message(&mut l.state, msg)
            .map_err(|e| PeerError::Protocol(e.to_string()))?;
        let changed = l.doc.heads() != before;
        if changed {
            if let Err(e) = check_new_changes(l.doc.automerge(), &before, peer_actor, now) {
                return Ok(Err(format!(
                    "对方平板转来的改动不是它自己写的（{}），请各自先与服务器同步",
                    e.code()
                )));
            }
            let team = l.doc.read()?.header.assigned_team;
            let grant = Grant::team(&peer_name, &team);
            match policy::check_change(&mut l.doc, &before, peer_actor, &grant) {
                Ok(_) => {}
                Err(CheckError::Refused(v)) => return Ok(Err(format!("{}：{}", v.path, v.zh))),
                Err(CheckError::Doc(e)) => return Ok(Err(format!("案件文档不符合格式：{e}"))),
            }
        }
        let tx = self.tablet.store.transaction()?;
        if changed {
            save_in(&tx, m.doc, &mut l.doc, &before, now)?;
        }
        save_state_in(&tx, &self.tag, m.doc, &l.state.encode())?;
        tx.commit().map_err(crate::store::StoreError::from)?;
        if changed {
            self.received_docs.insert(m.doc);
        }
        Ok(Ok(()))
    }

    /// Keep a picture the other side sent, if a shared document references it and its bytes
    /// hash to its name; it is then uploaded to the server like the tablet's own.
    fn receive_blob(&mut self, b: PeerBlob) -> Result<()> {
        if !self.cases.contains(&b.case) || self.tablet.photo_path(&b.hash).exists() {
            return Ok(());
        }
        let referenced = self
            .live(b.case)?
            .doc
            .read()?
            .photo_hashes()
            .contains(&b.hash);
        if !referenced || jiuzhu_shared::BlobHash::of(&b.bytes).to_string() != b.hash {
            return Err(PeerError::Protocol(format!(
                "picture {} arrived damaged or unasked",
                b.hash
            ))
            .into());
        }
        self.tablet.write_sealed("photos", &b.hash, &b.bytes)?;
        self.tablet
            .store
            .add_blob(&b.hash, b.case, b.bytes.len() as u64, now_s())?;
        self.report.blobs_received += 1;
        Ok(())
    }

    fn finish<S>(mut self, link: &Link<S>) -> PeerReport {
        self.report.documents_sent = self.sent_docs.len();
        self.report.documents_received = self.received_docs.len();
        self.report.bytes_up = link.up;
        self.report.bytes_down = link.down;
        self.report
    }
}
