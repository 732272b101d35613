//! The report's page (`report.html`): the committed canonical run's page is what this code
//! makes of that run, it loads nothing from anywhere, every cell has its card, and an `--all`
//! run's page stays under 2 MB. How it looks and behaves in a browser is
//! `scripts/browser-check.sh`'s to check.

use statebench_harness::fixture as made_up;
use statebench_harness::results::Results;
use statebench_report::markdown::render_beside;
use statebench_report::{CANONICAL, CANONICAL_SET};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The page's data block, parsed.
fn data(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"data\">";
    let start = page.find(open).expect("a data block") + open.len();
    let end = start + page[start..].find("</script>").expect("its end");
    serde_json::from_str(&page[start..end].replace("<\\/", "</")).expect("JSON")
}

/// The canonical run and its page as this code renders it, made once for the tests that read
/// them (a debug build takes seconds to).
fn canonical_page() -> &'static (Results, String) {
    static PAGE: std::sync::OnceLock<(Results, String)> = std::sync::OnceLock::new();
    PAGE.get_or_init(|| {
        let run = made_up::committed(CANONICAL);
        let beside: Vec<Results> = ["run-2", "run-3"]
            .iter()
            .map(|r| made_up::committed(&format!("{CANONICAL_SET}/{r}")))
            .collect();
        let page = render_beside(&run, &beside).expect("renders").page;
        (run, page)
    })
}

#[test]
fn the_committed_canonical_page_is_what_this_code_makes_of_its_run() {
    let (_, page) = canonical_page();
    let page = page.clone();
    let path = root().join(CANONICAL).join(statebench_report::page::PAGE);
    let committed =
        std::fs::read_to_string(&path).expect("the canonical run's folder holds its page");
    if committed != page {
        let line = committed
            .lines()
            .zip(page.lines())
            .position(|(a, b)| a != b)
            .map_or(committed.lines().count().min(page.lines().count()), |k| k);
        panic!(
            "{} is not what this code makes of its run (first difference at line {}); \
             regenerate it: cargo run -- report --from {CANONICAL}/results.json \
             --beside {CANONICAL_SET}/run-2/results.json --beside {CANONICAL_SET}/run-3/results.json",
            path.display(),
            line + 1
        );
    }
}

#[test]
fn the_page_loads_nothing_and_answers_every_cell_it_shows() {
    let (run, page) = canonical_page();
    let page = page.as_str();
    // One file: no element fetches anything, and the policy forbids it should one appear.
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    for tag in ["<link", "<img", "<iframe", "<script src", " src=\""] {
        assert!(!page.contains(tag), "the page has {tag}");
    }
    let data = data(page);
    let rows = data["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), run.records.len(), "a row per record");
    // Every cell a row sits in has a card: the advice (its pick the cell's first row, which
    // the table shows fastest first) or the reason there is none.
    let cards = data["cards"].as_object().expect("cards");
    let mut answered = 0;
    for r in rows {
        let key = format!(
            "{}|{}|{}",
            r["w"].as_str().unwrap(),
            r["d"].as_str().unwrap(),
            r["c"]
        );
        let card = cards
            .get(&key)
            .unwrap_or_else(|| panic!("no card for {key}"));
        if let Some(advice) = card.get("advice") {
            answered += 1;
            assert!(
                card["text"]
                    .as_str()
                    .unwrap()
                    .contains(advice["pick"]["implementation"].as_str().unwrap())
            );
        } else {
            assert!(card["error"].is_string(), "{key}: {card}");
        }
    }
    assert!(
        answered > rows.len() / 2,
        "{answered} of {} rows' cells answered",
        rows.len()
    );
    // The report's cited cells are links that select them.
    assert!(
        page.contains("<a class=\"cell\" href=\"#w="),
        "no cited cell is a link"
    );
}

#[test]
fn an_all_run_page_stays_under_two_megabytes() {
    let run = made_up::committed("results/2026-12-01-vm-all");
    let page = render_beside(&run, &[]).expect("renders").page;
    assert!(page.len() < 2_000_000, "{} bytes", page.len());
    let data = data(&page);
    assert_eq!(
        data["rows"].as_array().map(Vec::len),
        Some(run.records.len())
    );
}
