//! The shape of the code, checked like a test (as ArchUnit does): an inner
//! layer never imports an outer one, the domain does no I/O, and the modules
//! form no import circle. It reads the sources, so it fails the moment a
//! `use` that breaks the layering is written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file belongs to (`src/store/petitions.rs` → `store`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The file without its test module (tests may use what the code may not).
fn code_of(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// `crate::<module>` references of some code, comments left out.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

struct Crate {
    /// module → the files' code (tests removed), by path.
    files: BTreeMap<String, Vec<(PathBuf, String)>>,
}

fn load() -> Crate {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: BTreeMap<String, Vec<(PathBuf, String)>> = BTreeMap::new();
    for f in sources(&src) {
        let text = std::fs::read_to_string(&f).unwrap();
        files
            .entry(module_of(&src, &f))
            .or_default()
            .push((f.clone(), code_of(&text).to_owned()));
    }
    Crate { files }
}

impl Crate {
    fn imports(&self, module: &str) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, code) in self.files.get(module).into_iter().flatten() {
            for m in crate_refs(code) {
                if m != module {
                    out.entry(m).or_default().push(path.display().to_string());
                }
            }
        }
        out
    }

    /// Files of `module` whose code mentions any of `needles`.
    fn mentions(&self, module: &str, needles: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for (path, code) in self.files.get(module).into_iter().flatten() {
            for line in code.lines() {
                let line = line.split("//").next().unwrap_or_default();
                if let Some(n) = needles.iter().find(|n| line.contains(**n)) {
                    out.push(format!("{}: {n}", path.display()));
                }
            }
        }
        out
    }
}

#[test]
fn inner_layers_never_import_outer_ones() {
    let c = load();
    // module → the modules it must not import.
    let rules: &[(&str, &[&str])] = &[
        (
            "domain",
            &[
                "app", "store", "web", "render", "mail", "jobs", "search", "audit", "files",
                "config", "startup", "cli", "demo",
            ],
        ),
        (
            "store",
            &[
                "app", "web", "render", "mail", "jobs", "search", "startup", "cli",
            ],
        ),
        (
            "audit",
            &["app", "web", "render", "mail", "jobs", "search", "store"],
        ),
        ("app", &["web", "startup", "cli", "mail"]),
        ("render", &["app", "web", "store", "mail", "jobs", "search"]),
        ("mail", &["web", "app"]),
        ("jobs", &["web", "app", "mail"]),
        ("search", &["web", "app", "mail", "jobs"]),
    ];
    let mut broken = Vec::new();
    for (module, forbidden) in rules {
        for (target, files) in c.imports(module) {
            if forbidden.contains(&target.as_str()) {
                broken.push(format!("{module} imports {target} in {}", files.join(", ")));
            }
        }
    }
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn the_domain_does_no_io_and_names_no_framework() {
    let c = load();
    let io = c.mentions(
        "domain",
        &[
            "sea_orm",
            "actix",
            "tokio",
            "lettre",
            "tantivy",
            "reqwest",
            "sqlx",
            "meilisearch",
            "std::fs",
            "std::net",
            "std::env",
            "Utc::now",
            "OsRng",
            "rand::rng",
            "thread_rng",
        ],
    );
    assert!(io.is_empty(), "the domain does I/O:\n{}", io.join("\n"));
}

#[test]
fn the_application_layer_knows_no_http() {
    let c = load();
    let http = c.mentions(
        "app",
        &["actix", "HttpRequest", "HttpResponse", "StatusCode"],
    );
    assert!(
        http.is_empty(),
        "HTTP in the app layer:\n{}",
        http.join("\n")
    );
    // The web layer reaches the store only through the application layer.
    let direct = c.mentions("web", &[".store."]);
    assert!(
        direct.is_empty(),
        "web calls the store:\n{}",
        direct.join("\n")
    );
}

#[test]
fn the_modules_form_no_import_circle() {
    let c = load();
    let modules: Vec<String> = c.files.keys().cloned().collect();
    let edges: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| {
            let targets = c
                .imports(m)
                .into_keys()
                .filter(|t| modules.contains(t))
                .collect();
            (m.clone(), targets)
        })
        .collect();
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m.to_owned());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for t in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(t, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for m in &modules {
        if let Some(circle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            panic!("import circle: {}", circle.join(" → "));
        }
    }
}
