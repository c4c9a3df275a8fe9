//! `JIUZHU_PDF_FONT` set to a bad file is reported, naming the variable, not silently replaced.
//! A test binary of its own: it changes the process environment.

use jiuzhu_pdf::{ENV_FONT, FontSet, PdfError};

#[test]
fn a_bad_font_variable_is_reported() {
    // SAFETY: the only test in this binary, so no other thread reads the environment meanwhile.
    unsafe { std::env::set_var(ENV_FONT, "/nonexistent/NotoSansCJK-Regular.ttc") };
    let err = FontSet::discover().unwrap_err();
    unsafe { std::env::remove_var(ENV_FONT) };
    assert!(matches!(err, PdfError::NoFont(_)));
    let msg = err.to_string();
    assert!(
        msg.contains("JIUZHU_PDF_FONT") && msg.contains("/nonexistent"),
        "{msg}"
    );

    // Unset again: the system's fonts are found.
    FontSet::discover().expect("a CJK font is installed (fonts-noto-cjk)");
}
