//! The queryable projection of a case, derived only from its document (rebuildable at any time).

use crate::store::CaseView;
use jiuzhu_shared::{CaseDoc, CaseDocument, CaseId, DocError};

pub fn project(id: CaseId, doc: &mut CaseDocument, now: i64) -> Result<CaseView, DocError> {
    let case = doc.read()?;
    Ok(view_of(id, &case, doc, now))
}

/// The projection of `case`, the typed view of `doc` already read (the write policy's check
/// reads it; reading it again would cost as much).
pub fn view_of(id: CaseId, case: &CaseDoc, doc: &mut CaseDocument, now: i64) -> CaseView {
    CaseView {
        case_id: id,
        case_no: case.header.case_no.clone(),
        applicant: case.header.applicant_name.clone(),
        township: case.header.township.clone(),
        village: case.header.village.clone(),
        status: case.header.status.clone(),
        visits: case.visits.len(),
        findings: case.findings.len(),
        photos: case.photo_hashes(),
        conflicts: doc.conflicts(),
        updated_at: now,
        deadline: case.header.deadline.clone(),
        team: case.header.assigned_team.clone(),
        open_notes: case.review_notes.iter().filter(|n| !n.resolved).count(),
    }
}
