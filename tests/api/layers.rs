//! The shape of the code, checked like a test (as ArchUnit does): an inner
//! layer never imports an outer one, the domain does no I/O, the modules form
//! no import circle, and neither do the files inside them. It reads the
//! sources, so it fails the moment a `use` that breaks the layering is written.

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

/// The file without its inline test module (tests may use what the code
/// may not). A `#[cfg(test)] mod tests;` declaration is not a test module:
/// the code after it is kept (and the file it names is left out, see [`load`]).
fn code_of(text: &str) -> &str {
    let mut from = 0;
    while let Some(i) = text[from..].find("#[cfg(test)]") {
        let at = from + i;
        let rest = text[at + "#[cfg(test)]".len()..].trim_start();
        let declaration = rest.strip_prefix("mod ").is_some_and(|r| {
            r.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_')
                .trim_start()
                .starts_with(';')
        });
        if !declaration {
            return &text[..at];
        }
        from = at + 1;
    }
    text
}

/// The modules a file declares as test-only (`#[cfg(test)] mod tests;`).
fn test_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("#[cfg(test)]") {
        rest = &rest[i + "#[cfg(test)]".len()..];
        if let Some(decl) = rest.trim_start().strip_prefix("mod ") {
            let name: String = decl
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                out.push(name);
            }
        }
    }
    out
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
    let all = sources(&src);
    // Files declared `#[cfg(test)] mod x;` are tests, like inline test modules.
    let mut test_only = BTreeSet::new();
    for f in &all {
        let text = std::fs::read_to_string(f).unwrap();
        let dir = if f
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
        {
            f.parent().unwrap().to_path_buf()
        } else {
            f.with_extension("")
        };
        for m in test_modules(&text) {
            test_only.insert(dir.join(format!("{m}.rs")));
            test_only.insert(dir.join(&m).join("mod.rs"));
        }
    }
    let mut files: BTreeMap<String, Vec<(PathBuf, String)>> = BTreeMap::new();
    for f in all.into_iter().filter(|f| !test_only.contains(f)) {
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

/// The module path of a source file: `src/app/handling.rs` → `app::handling`,
/// `src/domain/workflow/mod.rs` → `domain::workflow`, `src/lib.rs` → ``.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code without comments and string literals, where a path may hide.
fn without_comments(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    for line in code.lines() {
        let mut in_str = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_str && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// Every path a piece of code names from `crate::`, `super::` or `self::`,
/// with `use` groups (`a::{b, c::d}`) expanded, as written (relative).
fn named_paths(code: &str) -> Vec<Vec<String>> {
    fn ident(s: &[char], i: &mut usize) -> Option<String> {
        let start = *i;
        while *i < s.len() && (s[*i].is_alphanumeric() || s[*i] == '_') {
            *i += 1;
        }
        (start < *i).then(|| s[start..*i].iter().collect())
    }
    fn skip_ws(s: &[char], i: &mut usize) {
        while *i < s.len() && s[*i].is_whitespace() {
            *i += 1;
        }
    }
    /// A use tree from `i`: its leaves as paths below `prefix`.
    fn tree(s: &[char], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        let mut path = prefix;
        loop {
            skip_ws(s, i);
            if *i < s.len() && s[*i] == '{' {
                *i += 1;
                loop {
                    skip_ws(s, i);
                    if *i >= s.len() || s[*i] == '}' {
                        *i += 1;
                        return;
                    }
                    tree(s, i, path.clone(), out);
                    skip_ws(s, i);
                    if *i < s.len() && s[*i] == ',' {
                        *i += 1;
                    }
                }
            }
            if *i < s.len() && s[*i] == '*' {
                *i += 1;
                out.push(path);
                return;
            }
            match ident(s, i) {
                Some(name) => path.push(name),
                None => {
                    out.push(path);
                    return;
                }
            }
            if s[*i..].starts_with(&[':', ':']) {
                *i += 2;
            } else {
                out.push(path);
                return;
            }
        }
    }
    let s: Vec<char> = without_comments(code).chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let boundary =
            i == 0 || !(s[i - 1].is_alphanumeric() || s[i - 1] == '_' || s[i - 1] == ':');
        let starts = ["crate::", "super::", "self::"]
            .into_iter()
            .find(|k| boundary && s[i..].starts_with(&k.chars().collect::<Vec<_>>()));
        match starts {
            Some(k) => {
                let head = k.trim_end_matches(':').to_owned();
                i += k.len();
                tree(&s, &mut i, vec![head], &mut out);
            }
            None => i += 1,
        }
    }
    out
}

/// A named path from the crate root, as seen from the file of module `at`
/// (in `a/b.rs` and in `a/b/mod.rs` alike, `super` is `a`).
fn absolute(path: &[String], at: &[String]) -> Vec<String> {
    let mut base: Vec<String> = at.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        _ => {}
    }
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    base
}

/// File → the files it imports from, by module path. Edges from a folder's
/// `mod.rs` (or `lib.rs`) to files inside its folder are left out: declaring
/// and re-exporting its parts is what a folder's front file is for.
fn file_edges(files: &[(Vec<String>, bool, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let known: BTreeSet<&Vec<String>> = files.iter().map(|(m, _, _)| m).collect();
    let name = |m: &[String]| {
        if m.is_empty() {
            "crate".to_owned()
        } else {
            m.join("::")
        }
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (at, is_dir, code) in files {
        let entry = edges.entry(name(at)).or_default();
        for path in named_paths(code) {
            let abs = absolute(&path, at);
            // The longest prefix that is a file.
            let Some(target) = (0..=abs.len())
                .rev()
                .map(|n| abs[..n].to_vec())
                .find(|p| known.contains(p))
            else {
                continue;
            };
            if &target == at || (*is_dir && target.starts_with(at)) {
                continue;
            }
            entry.insert(name(&target));
        }
    }
    edges
}

/// Every import circle among `edges`, each as the files round it.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m.to_owned());
            found.push(circle);
            return;
        }
        if done.contains(m) {
            return;
        }
        path.push(m.to_owned());
        for t in edges.get(m).into_iter().flatten() {
            visit(t, edges, path, done, found);
        }
        path.pop();
        done.insert(m.to_owned());
    }
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for m in edges.keys() {
        visit(m, edges, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn the_files_form_no_import_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let c = load();
    let files: Vec<(Vec<String>, bool, String)> = c
        .files
        .values()
        .flatten()
        .filter(|(p, _)| !p.ends_with("main.rs"))
        .map(|(p, code)| {
            let is_dir = p
                .file_name()
                .is_some_and(|n| n == "mod.rs" || n == "lib.rs");
            (module_path(&src, p), is_dir, code.clone())
        })
        .collect();
    assert!(files.len() > 150, "read the sources");
    let edges = file_edges(&files);
    // The reader sees the imports it must: a sample of known edges.
    assert!(edges["app::handling"].contains("app::records"));
    assert!(edges["domain::workflow::intake"].contains("domain::workflow::step"));
    assert!(edges["domain::evaluation"].contains("domain::workflow"));
    let found = circles(&edges);
    assert!(
        found.is_empty(),
        "import circles between files:\n{}",
        found
            .iter()
            .map(|c| c.join(" → "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The circle check itself: it finds a circle through a `use` group, a
/// `super::` path and an inline `crate::` path, and lets a folder's front
/// file re-export its parts.
#[test]
fn the_file_circle_check_finds_a_circle_and_allows_a_front_file() {
    let file = |m: &str, dir: bool, code: &str| {
        let path = if m.is_empty() {
            Vec::new()
        } else {
            m.split("::").map(str::to_owned).collect()
        };
        (path, dir, code.to_owned())
    };
    let circle = [
        file("app", true, "pub mod a; pub mod b; pub use a::A;"),
        file("app::a", false, "use super::{b::{self, B}, Other};"),
        file("app::b", false, "fn f() { crate::app::c::g(); }"),
        file(
            "app::c",
            false,
            "// crate::app::a in a comment is no import\nuse super::a::A;",
        ),
    ];
    let found = circles(&file_edges(&circle));
    assert_eq!(
        found,
        vec![vec!["app::a", "app::b", "app::c", "app::a"]],
        "{found:?}"
    );
    let front = [
        file(
            "app",
            true,
            "pub use self::a::A; pub use b::B; fn f() { crate::app::b::g() }",
        ),
        file("app::a", false, "use super::Shared;"),
        file("app::b", false, "use super::a::A; use crate::app::Shared;"),
    ];
    assert!(circles(&file_edges(&front)).is_empty());
}
