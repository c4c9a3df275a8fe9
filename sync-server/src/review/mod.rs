//! The township review console's library, without HTTP: who may do what and where (`access`),
//! signing in (`sessions`), what a user reaches in their scope (`scope`), the queue's filters
//! (`queue`), its Excel export (`export`) and the Chinese texts the server writes for the
//! console (`text`), the Mongolian printed beside the Chinese on notices (`text_mn`).

pub mod access;
pub mod export;
pub mod queue;
pub mod scope;
pub mod sessions;
pub mod text;
pub mod text_mn;
