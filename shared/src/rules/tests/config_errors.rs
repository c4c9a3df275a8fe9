//! A broken region file is refused with a message naming the key to fix.

use super::*;

fn error_of(text: &str) -> String {
    RegionConfig::from_toml(text)
        .expect_err("the file must be refused")
        .to_string()
}

/// The example file with one line replaced (the first occurrence only).
fn edited(from: &str, to: &str) -> String {
    assert!(EXAMPLE_TOML.contains(from), "{from}");
    EXAMPLE_TOML.replacen(from, to, 1)
}

#[test]
fn example_loads_with_two_versions() {
    let c = RegionConfig::from_toml(EXAMPLE_TOML).unwrap();
    assert_eq!(c.versions.len(), 2);
    assert!(EXAMPLE_TOML.contains("示例数值，非官方标准"));
    assert_eq!(
        c.version_on(date("2025-12-31")).unwrap().version,
        "example-2025"
    );
    assert_eq!(
        c.version_on(date("2030-01-01")).unwrap().version,
        "example-2026"
    );
}

#[test]
fn missing_parameter_is_named() {
    let e = error_of(&edited("rural_dibao_fen = 60000", ""));
    assert!(e.contains("missing field `rural_dibao_fen`"), "{e}");
    let e = error_of(&edited("reference_period_months = 12", ""));
    assert!(e.contains("reference_period_months"), "{e}");
}

#[test]
fn overlapping_versions_are_refused() {
    let e = error_of(&edited(
        "valid_until = \"2025-12-31\"\n\n[versions.standards]",
        "valid_until = \"2026-01-01\"\n\n[versions.standards]",
    ));
    assert!(
        e.contains("versions[0].valid_until") && e.contains("overlaps version `example-2026`"),
        "{e}"
    );
    // An open-ended earlier version overlaps everything after it.
    let e = error_of(&edited(
        "valid_until = \"2025-12-31\"\n\n[versions.standards]",
        "\n[versions.standards]",
    ));
    assert!(e.contains("open-ended"), "{e}");
}

#[test]
fn negative_standard_is_refused() {
    let e = error_of(&edited(
        "urban_dibao_fen = 80000",
        "urban_dibao_fen = -80000",
    ));
    assert!(
        e.contains("versions[0].standards.urban_dibao_fen") && e.contains("positive amount"),
        "{e}"
    );
}

#[test]
fn other_invalid_values_are_named() {
    for (from, to, expect) in [
        (
            "income_ratio = \"1.5\"",
            "income_ratio = \"0.9\"",
            "edge.income_ratio",
        ),
        (
            "income_ratio = \"1.5\"",
            "income_ratio = 1.5",
            "not a ratio",
        ),
        ("months = 6", "months = 12", "phase_out.months"),
        (
            "kinds = [\"medical\", \"disability\"]",
            "kinds = [\"medicine\"]",
            "unknown expenditure kind `medicine`",
        ),
        ("mode = \"gap\"", "mode = \"tiered\"", "dibao.tiers"),
        (
            "valid_from = \"2025-01-01\"",
            "valid_from = \"2025-02-30\"",
            "not a date",
        ),
        (
            "employment_cost = \"declared\"",
            "employment_cost = \"flat_per_month\"",
            "employment_cost_flat_fen_per_month",
        ),
        (
            "round_to_fen = 100",
            "round_to_fen = 0",
            "dibao.round_to_fen",
        ),
        (
            "rural_dibao_fen = 60000",
            "rural_dibao_fen = 60000\nrural_dibao = 1",
            "unknown field `rural_dibao`",
        ),
    ] {
        let e = error_of(&edited(from, to));
        assert!(e.contains(expect), "{from} → {to}: {e}");
    }
}
