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

/// The longest a function of the report's sources may run, in lines: one that plans, judges and
/// writes a section at once grew to 354 before issue 29 split them.
const LONGEST: usize = 120;

/// No function outside the sources' test modules runs over [`LONGEST`] lines, counted from its
/// `fn` line to the brace that closes it (braces inside strings and comments are rare enough in
/// these files to count as code; a miscount lengthens a function, never hides one).
#[test]
fn no_function_of_the_report_runs_over_a_screen_or_two() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut long = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the sources") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let t = t.strip_prefix("pub(crate) ").unwrap_or(t);
            let t = t.strip_prefix("pub ").unwrap_or(t);
            if !t.starts_with("fn ") || line.trim_end().ends_with(';') {
                continue;
            }
            let (mut depth, mut opened) = (0i64, false);
            for (j, l) in lines[i..].iter().enumerate() {
                for c in l.chars() {
                    match c {
                        '{' => (depth, opened) = (depth + 1, true),
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                if opened && depth == 0 {
                    if j + 1 > LONGEST {
                        long.push(format!("{}:{} {} lines", path.display(), i + 1, j + 1));
                    }
                    break;
                }
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {LONGEST} lines:\n{}",
        long.join("\n")
    );
}
