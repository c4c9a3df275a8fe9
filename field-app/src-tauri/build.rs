use std::path::Path;

fn main() {
    // `generate_context!` embeds `frontendDist` and fails when it does not exist. A workspace-wide
    // `cargo build` on a clean clone runs before anyone built the UI (field-app/test.sh builds it
    // first), so leave a page that says what to do instead of failing the whole workspace.
    let dist = Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(dist).expect("create ui/dist");
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><meta charset=utf-8><p>界面尚未构建：请在 field-app/ui 中运行 npm ci &amp;&amp; npm run build，然后重新编译。</p>",
        )
        .expect("write placeholder ui/dist/index.html");
    }
    tauri_build::build()
}
