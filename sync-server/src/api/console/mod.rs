//! The township review console's API (`/api/console`, contracts in docs/console-api.md and
//! docs/workflow-api.md), by topic. Every request is authorised by role and township scope
//! (`api::extract`); the work is done by `cases`, `review` and `workflow`.

pub mod cases;
pub mod devices;
pub mod documents;
pub mod meetings;
pub mod monitoring;
pub mod notifications;
pub mod oversight;
pub mod referrals;
pub mod session;
pub mod spot_checks;
pub mod window;
pub mod workflow;
