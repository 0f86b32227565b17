//! The shape of the code, checked from its text: no module of a crate imports,
//! directly or through others, a module that imports it back. A circle means
//! two rooms that cannot be read, changed or moved apart; this test names it.
//!
//! A module's imports are the `crate::…` and `super::…` paths in its non-test
//! code (comments aside), each taken to the most specific module that exists.
//! A module naming its own ancestors is not counted: a parent declares its
//! children, and children may use what their parent re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src`, by module path (`""` for the crate root).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("read source directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src").with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                parts.clear();
            }
            out.insert(parts.join("::"), path);
        }
    }
    out
}

/// The code of a file without its `#[cfg(test)]` tail and comment lines.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("read source file");
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The modules `module` (at `path`) imports.
fn imports(module: &str, path: &Path, all: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let own: Vec<&str> = if module.is_empty() { vec![] } else { module.split("::").collect() };
    let text = code(path);
    let mut found = BTreeSet::new();
    for (start, _) in text.match_indices("crate::").chain(text.match_indices("super::")) {
        // Whole words only (`newsdesk_crate::` or `my_super::` are not paths of this crate).
        if text[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[start..];
        let mut segments: Vec<&str> = rest
            .split("::")
            .map(|s| s.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default())
            .take_while(|s| !s.is_empty())
            .collect();
        let mut full: Vec<&str> = match segments.first() {
            Some(&"crate") => vec![],
            // `super` of `a::b` is `a`, of `a` the crate root.
            Some(&"super") => own.iter().take(own.len().saturating_sub(1)).copied().collect(),
            _ => continue,
        };
        segments.remove(0);
        full.extend(segments);
        let target = (0..=full.len()).rev().map(|k| full[..k].join("::")).find(|m| all.contains_key(m));
        if let Some(target) = target
            && !target.is_empty()
            && target != module
            && !module.starts_with(&format!("{target}::"))
        {
            found.insert(target);
        }
    }
    found
}

/// The circles of a graph: its strongly connected components of more than one module.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: order by finish time, then collect on the reversed graph.
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
        if !seen.insert(n.to_owned()) {
            return;
        }
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, seen, out);
        }
        out.push(n.to_owned());
    }
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for n in graph.keys() {
        visit(n, graph, &mut seen, &mut order);
    }
    let mut reversed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph {
        for to in tos {
            reversed.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for n in order.iter().rev() {
        let mut component = Vec::new();
        visit(n, &reversed, &mut seen, &mut component);
        if component.len() > 1 {
            component.sort();
            out.push(component);
        }
    }
    out
}

fn crates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .expect("crates directory")
        .flatten()
        .map(|e| e.path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.push(root.join("src"));
    dirs.sort();
    dirs
}

#[test]
fn no_crate_has_an_import_circle() {
    let mut report = Vec::new();
    for src in crates() {
        let all = modules(&src);
        assert!(!all.is_empty(), "no modules under {}", src.display());
        let graph: BTreeMap<String, BTreeSet<String>> =
            all.iter().map(|(m, path)| (m.clone(), imports(m, path, &all))).collect();
        for circle in circles(&graph) {
            let edges: Vec<String> = circle
                .iter()
                .map(|m| {
                    let to: Vec<&str> = graph[m].iter().filter(|t| circle.contains(t)).map(String::as_str).collect();
                    format!("  {m} -> {}", to.join(", "))
                })
                .collect();
            report.push(format!("{}:\n{}", src.display(), edges.join("\n")));
        }
    }
    assert!(report.is_empty(), "import circles:\n{}", report.join("\n"));
}

#[test]
fn the_circle_finder_finds_circles() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"]), ("e", vec![])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(circles(&graph), vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]);
}
