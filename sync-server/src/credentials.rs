//! Device credentials for face-to-face sync (issue 18 point 2): the server signs what it knows of
//! an enrolled device — its investigator, its actor, the public key the tablet made — so another
//! tablet of the same server can trust it with no network. The signing key is a file of its own
//! in the data directory (mode 0600, made on first use), apart from the audit key: each key
//! signs one kind of statement.

use crate::store::{Device, DocTxn, Item, Store, StoreError};
use jiuzhu_shared::DeviceId;
use jiuzhu_shared::peer::{DeviceCredential, SignedCredential};
use std::path::Path;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "device-signing.key";

/// Items holding each device's public key (the server checks relayed work's signatures with it).
const KEY_ITEM: &str = "device_key";

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Key(#[from] crate::audit::key::KeyError),
    #[error("the public key must be 32 bytes (Ed25519), got {0}: update the app")]
    BadKey(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sign `device`'s credential for `public_key`, valid until `expires_at` (the device's offline
/// lease), and give the key that verifies it. The device's public key is kept: work of this
/// device that another carries to the server must be signed with it.
pub fn issue(
    store: &dyn Store,
    data_root: &Path,
    device: &Device,
    public_key: &[u8],
    now: i64,
    expires_at: i64,
) -> Result<(SignedCredential, Vec<u8>), CredentialError> {
    if public_key.len() != 32 {
        return Err(CredentialError::BadKey(public_key.len()));
    }
    let key = crate::audit::key::load_or_create(&data_root.join(KEY_FILE))?;
    store.transact(&mut |txn| {
        txn.put_item(&Item {
            kind: KEY_ITEM.into(),
            id: device.id.to_string(),
            case_id: None,
            body: serde_json::json!({ "public_key": hex::encode(public_key) }),
            at: now,
        })
    })?;
    let credential = DeviceCredential {
        device_id: device.id.to_string(),
        device_name: device.name.clone(),
        user_name: device.user_name.clone(),
        township: device.township.clone(),
        actor: device.actor.to_string(),
        public_key: public_key.to_vec(),
        issued_at: now,
        expires_at,
    };
    Ok((
        SignedCredential::sign(&credential, &key),
        key.verifying_key().to_bytes().to_vec(),
    ))
}

/// The public key `device` last had signed, if any.
pub fn device_key(txn: &mut dyn DocTxn, device: DeviceId) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(txn.item(KEY_ITEM, &device.to_string())?.and_then(|i| {
        i.body["public_key"]
            .as_str()
            .and_then(|k| hex::decode(k).ok())
    }))
}
