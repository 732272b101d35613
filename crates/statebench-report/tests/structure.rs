//! The report crate's files depend on one another in one direction: no file reaches, through
//! the others, back to itself. A circle would make each section's analysis depend on how
//! another renders (issue 29, item 7).

use std::collections::{BTreeMap, BTreeSet};

/// Each source file's module name and the crate modules it uses outside comments.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("the sources") {
        let path = entry.expect("an entry").path();
        let Some(name) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|_| path.extension().is_some_and(|e| e == "rs"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("a source file");
        let mut uses = BTreeSet::new();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !module.is_empty() && module != name {
                    uses.insert(module);
                }
            }
        }
        out.insert(name.to_owned(), uses);
    }
    out
}

#[test]
fn no_file_of_the_report_reaches_back_to_itself() {
    let graph = graph();
    assert!(graph.len() > 10, "{graph:?}");
    // Depth-first from each file: a path that returns to its start is a circle.
    for start in graph.keys() {
        let mut stack: Vec<Vec<&str>> = vec![vec![start.as_str()]];
        while let Some(path) = stack.pop() {
            let last = *path.last().expect("a path");
            for next in graph.get(last).into_iter().flatten() {
                assert!(
                    next != start,
                    "an import circle: {} → {next}",
                    path.join(" → ")
                );
                if !path.contains(&next.as_str()) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push(longer);
                }
            }
        }
    }
}
