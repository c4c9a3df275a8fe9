//! What every handler reaches: the store, the blob directory, the data directory (for files
//! read per request) and the server's settings.

use super::error::ApiResult;
use crate::blobs::BlobDir;
use crate::sms::CodeSender;
use crate::store::Store;
use crate::workflow::config::{self, WorkflowConfig};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    /// The data directory (for files read per request, such as the regional rules).
    pub data_root: std::path::PathBuf,
    pub store: Arc<dyn Store>,
    pub blobs: Arc<BlobDir>,
    /// Offline lease granted to a device at each sync round (issue #6 point 2).
    pub lease_secs: i64,
    /// Delivers applicants' one-time codes (`sms::sender_for`).
    pub codes: Arc<dyn CodeSender>,
    /// The banner, or a township station and its uplink (`levels`).
    pub level: Arc<crate::levels::Level>,
}

impl AppState {
    /// The region's workflow configuration, read fresh so a change takes effect at once.
    pub fn workflow_config(&self) -> ApiResult<WorkflowConfig> {
        Ok(config::load(&self.data_root)?)
    }
}
