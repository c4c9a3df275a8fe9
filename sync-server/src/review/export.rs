//! The queue as an Excel workbook.

use super::queue::CaseRow;
use super::text;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub fn queue_xlsx(rows: &[CaseRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name(text::QUEUE_SHEET)?;
    let bold = Format::new().set_bold();
    for (c, h) in text::QUEUE_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        let cells = [
            r.case_no.clone(),
            r.applicant.clone(),
            r.village.clone(),
            text::status(&r.status).to_string(),
            r.team.join("、"),
            r.deadline.clone().unwrap_or_default(),
            format!("{}/{}", r.photos_present, r.photos),
            if r.evidence_complete {
                text::YES
            } else {
                text::NO
            }
            .to_string(),
            r.conflicts.to_string(),
            if r.open_notes > 0 {
                text::YES
            } else {
                text::NO
            }
            .to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, v)?;
        }
    }
    sheet.autofit();
    wb.save_to_buffer()
}
