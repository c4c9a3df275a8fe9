//! Runs the built `jiuzhu-rules` on the shipped example files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The checkout the test runs in, asked at run time: a test binary built in another checkout
/// sharing the build directory (cargo reuses it when nothing changed) must not run there.
fn repo() -> PathBuf {
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR");
    Path::new(&manifest).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jiuzhu-rules"))
        .current_dir(repo())
        .args(args)
        .output()
        .expect("jiuzhu-rules runs")
}

const CONFIG: &str = "config/regions/example.toml";
const HOUSEHOLD: &str = "config/examples/household.json";

#[test]
fn explains_the_example_household_in_chinese() {
    let out = run(&[
        "assess",
        "--config",
        CONFIG,
        HOUSEHOLD,
        "--date",
        "2025-06-30",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // 3 counted (the son in prison is not): (12000 + 0 + 4800 − 3600 元) / 12 / 3 = 366.666… → 366.66 元;
    // (600 − 366.66) × 3 = 700.02 + supplements 80 + 40 + 40 = 860.02 → up to whole yuan 861.00 元.
    for part in [
        "测算建议，非决定",
        "example-2025",
        "不计入：苏和",
        "366.66元",
        "每月861.00元",
        "不计入的收入",
    ] {
        assert!(text.contains(part), "missing {part} in\n{text}");
    }
}

#[test]
fn prints_json_with_the_config_version() {
    let out = run(&[
        "assess",
        "--config",
        CONFIG,
        HOUSEHOLD,
        "--json",
        "--date",
        "2026-02-01",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["config_version"], "example-2026");
    assert_eq!(v["dibao"]["proposed"], true);
    assert!(v["steps"].as_array().unwrap().len() > 10);
}

#[test]
fn refuses_a_broken_configuration_with_the_key() {
    let dir = std::env::temp_dir().join(format!("jiuzhu-rules-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(repo().join(CONFIG)).unwrap();
    std::fs::write(
        &bad,
        text.replacen("rural_dibao_fen = 60000", "rural_dibao_fen = -1", 1),
    )
    .unwrap();
    let out = run(&["assess", "--config", bad.to_str().unwrap(), HOUSEHOLD]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("versions[0].standards.rural_dibao_fen"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
