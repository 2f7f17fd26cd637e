//! The documentation stays true to the code where a test can tell: every
//! setting the code reads is in the operator's table, every module of the
//! inner layers is on the architecture page, the README stays a front door
//! (≤ 200 lines) and every page it links to exists.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every `MINGJING_*` name in `text`.
fn settings(text: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("MINGJING_") {
        rest = &rest[i..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        rest = &rest[name.len()..];
        if !name.ends_with('_') {
            out.insert(name);
        }
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_setting_the_code_reads_is_in_the_operators_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let operations = read("docs/operations.md");
    let documented = settings(&operations);
    let mut missing = Vec::new();
    for f in files {
        for name in settings(&std::fs::read_to_string(&f).unwrap()) {
            if !documented.contains(&name) {
                missing.push(format!("{name} ({})", f.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "settings missing from docs/operations.md:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_module_of_the_inner_layers_is_on_the_architecture_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = read("docs/architecture.md");
    let mut missing = Vec::new();
    for layer in ["domain", "app", "store"] {
        for entry in std::fs::read_dir(root.join("src").join(layer)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let listed = if path.is_dir() {
                if !path.join("mod.rs").exists() || name == "entities" {
                    continue;
                }
                format!("`{name}/`")
            } else if name.ends_with(".rs") && name != "mod.rs" {
                format!("`{}`", name.trim_end_matches(".rs"))
            } else {
                continue;
            };
            if !page.contains(&format!("| {listed} |")) {
                missing.push(format!("src/{layer}/{name}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "modules missing from docs/architecture.md's tables:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_readme_is_a_front_door_and_its_links_lead_somewhere() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines; move detail to docs/"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut rest = readme.as_str();
    let mut links = 0;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let target: String = rest.chars().take_while(|c| *c != ')').collect();
        let file = target.split('#').next().unwrap_or_default();
        if file.is_empty() || file.starts_with("http") {
            continue;
        }
        assert!(
            root.join(file).exists(),
            "README links to {file}, which is not there"
        );
        links += 1;
    }
    assert!(links >= 6, "the README points to the docs");
}
