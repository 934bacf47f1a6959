//! The Python snippet of `docs/analysis.md`, run as written (its folder swapped for the
//! committed reference results) where Python with pandas is installed; skipped, saying so,
//! where it is not.

mod common;

use common::Scratch;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FOLDER_LINE: &str = "folder = \"results/seed_xor\"";

/// The first fenced block of `lang` in `markdown`.
fn block(markdown: &str, lang: &str) -> Option<String> {
    let open = format!("```{lang}\n");
    let start = markdown.find(&open)? + open.len();
    let len = markdown[start..].find("\n```")?;
    Some(markdown[start..start + len + 1].to_string())
}

fn pandas_available() -> bool {
    Command::new("python3")
        .args(["-c", "import pandas"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_pandas_snippet_runs_on_reference_results() {
    let doc = std::fs::read_to_string(format!("{ROOT}/docs/analysis.md")).unwrap();
    let snippet = block(&doc, "python").expect("docs/analysis.md has a python block");
    assert!(snippet.contains(FOLDER_LINE), "{snippet}");
    if !pandas_available() {
        eprintln!("skipped: python3 with pandas is not installed (pip install pandas)");
        return;
    }
    let s = Scratch::new("docs-pandas");
    for name in ["seed_xor", "smoke"] {
        let script = snippet.replace(
            FOLDER_LINE,
            &format!("folder = \"results/reference/{name}\""),
        );
        let path = s.write(&format!("{name}.py"), &script);
        let out = Command::new("python3")
            .arg(&path)
            .current_dir(ROOT)
            .output()
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: the snippet failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The pivot names every initializer of the study.
        for init in ["zeros", "he_normal"] {
            assert!(stdout.contains(init), "{name}: {stdout}");
        }
    }
}

#[test]
fn blocks_are_found_by_language() {
    let md = "a\n```r\nx <- 1\n```\n```python\nimport os\nprint(1)\n```\n";
    assert_eq!(block(md, "python").unwrap(), "import os\nprint(1)\n");
    assert_eq!(block(md, "r").unwrap(), "x <- 1\n");
    assert_eq!(block(md, "sh"), None);
}
