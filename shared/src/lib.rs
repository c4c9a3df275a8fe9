//! Jiuzhu shared core: identifiers, the case document schema and its typed access, and the sync
//! wire protocol. No I/O lives here, so the tablet and the server compute exactly the same thing.

pub mod credential;
pub mod document;
pub mod ids;
pub mod mongolian;
pub mod path;
pub mod peer;
pub mod pinning;
pub mod policy;
pub mod protocol;
pub mod rules;
pub mod schema;
pub mod sync;
pub mod vocab;
pub mod workflow;

pub use document::{CaseDocument, Conflict, ConflictValue, DocError};
pub use ids::{ActorKey, BlobHash, CaseId, DeviceId, IdError};
pub use schema::CaseDoc;
