//! Claims across runs and machines, on made-up runs whose answers are known: a claim every
//! run of every machine makes travels, one that every run of one machine makes and a run of
//! another does not is that machine's only.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture::{self as made_up, steady};
use statebench_harness::placement::View;
use statebench_harness::results::Results;
use statebench_harness::stats::{Correction, Variance};
use statebench_report::agreement::Agreement;

/// One run on `cpu`: at 8 clients the mutex makes twice the rwlock (everywhere); at 64 it makes
/// `lock_over_owner` times the owner task.
fn run(cpu: &str, lock_over_owner: f64) -> Results {
    let w = "kv_read_heavy";
    let mut results = made_up::results(
        &[w],
        vec![
            steady(w, "mutex_std", Family::Lock, Driver::Threads, 8, 1.0e7),
            steady(w, "rwlock_std", Family::Lock, Driver::Threads, 8, 0.5e7),
            steady(
                w,
                "mutex_std",
                Family::Lock,
                Driver::Threads,
                64,
                1.0e6 * lock_over_owner,
            ),
            steady(w, "owner_tokio", Family::Owner, Driver::Threads, 64, 1.0e6),
        ],
    );
    results.machine.cpu_model = cpu.into();
    results
}

#[test]
fn a_claim_that_holds_on_one_machine_only_is_marked_as_that_machine_s() {
    // Machine A, twice: the lock is ten times the owner at 64 clients. Machine B: they tie.
    let runs = [run("A", 10.0), run("A", 10.0), run("B", 1.0)];
    let a = Agreement::of(&runs, Correction::FalseDiscovery).expect("comparable");
    assert_eq!(
        a.machines,
        vec![("A (2 cores)".to_owned(), 2), ("B (2 cores)".to_owned(), 1)]
    );
    // "mutex_std leads alone" and "rwlock_std trails the leaders" at 8 (the summary's cell)
    // hold on both machines; at 64 (the largest count) "the locks beat the owners" on A only.
    assert!(a.held_everywhere >= 2, "{a:?}");
    assert!(
        a.machine_only.iter().any(|c| c.contains("64 clients")
            && c.contains("the locks beat the owners")
            && c.ends_with("(held on A (2 cores))")),
        "{a:?}"
    );
    assert!(
        a.machine_only.iter().all(|c| !c.contains("/ 8 clients")),
        "{a:?}"
    );
    let text = a.render(true);
    assert!(
        text.contains("machines: A (2 cores): 2 runs; B (2 cores): 1 run."),
        "{text}"
    );
    assert!(text.contains("this machine's only: "), "{text}");
    // Runs of one machine say nothing about travelling.
    let one = Agreement::of(&runs[..2], Correction::FalseDiscovery).expect("comparable");
    assert!(one.machine_only.is_empty() && one.held_everywhere == 0);
    assert!(!one.render(true).contains("machines:"));
}

#[test]
fn the_report_says_which_of_its_claims_travel() {
    use statebench_report::agreement::travel;
    // This run on A; another of A agrees; B ties the lock with the owner at 64 clients.
    let this = run("A", 10.0);
    let t = travel(
        &this,
        &[run("A", 10.0), run("B", 1.0)],
        Correction::FalseDiscovery,
        View::Near,
    )
    .expect("judged");
    assert_eq!(
        t.machines,
        vec![("A (2 cores)".to_owned(), 2), ("B (2 cores)".to_owned(), 1)]
    );
    assert!(t.everywhere >= 2, "{t:?}");
    assert!(
        t.here_only.iter().any(|c| c.contains("64 clients")
            && c.contains("the locks beat the owners")
            && c.ends_with("(not made on B (2 cores))")),
        "{t:?}"
    );
    assert!(
        t.not_repeated_here.is_empty() && t.reversed.is_empty(),
        "{t:?}"
    );
    assert_eq!(
        t.everywhere
            + t.here_only.len()
            + t.not_repeated_here.len()
            + t.reversed.len()
            + t.unmeasured,
        t.claims
    );
    // A run of B where the owner makes ten times the lock, beside one of A that says the
    // opposite: reversed.
    let reversed = travel(
        &run("B", 0.1),
        &[run("A", 10.0)],
        Correction::FalseDiscovery,
        View::Near,
    )
    .expect("judged");
    assert!(
        reversed
            .reversed
            .iter()
            .any(|c| c.contains("the owners beat the locks")
                && c.ends_with("(reversed on A (2 cores))")),
        "{reversed:?}"
    );
    // Another run of this machine that lacks a claim: not repeated here.
    let here = travel(
        &run("A", 10.0),
        &[run("A", 1.0)],
        Correction::FalseDiscovery,
        View::Near,
    )
    .expect("judged");
    assert!(
        here.not_repeated_here
            .iter()
            .any(|c| c.contains("the locks beat the owners")
                && c.ends_with("(made by 1 of this machine's 2 runs)")),
        "{here:?}"
    );
    // A cell another run did not measure is not judged.
    let mut fewer = run("B", 10.0);
    fewer.records.retain(|r| r.clients == 8);
    let partial = travel(&this, &[fewer], Correction::FalseDiscovery, View::Near).expect("judged");
    assert!(partial.unmeasured >= 1, "{partial:?}");
    // The report prints the section, and says so when no run was set beside it.
    let md = statebench_report::markdown::render_beside(&this, &[run("B", 1.0)])
        .expect("renders")
        .markdown;
    assert!(md.contains("### Which claims travel"), "{md}");
    assert!(
        md.contains("were made by every run given, on every machine: these travel;"),
        "{md}"
    );
    assert!(
        md.contains("made by every run of this machine but not by every run of another"),
        "{md}"
    );
    // No other run of this machine was given: it says so rather than print a zero.
    assert!(
        md.contains("- 0 were judged on this machine beside another run of it: whether they"),
        "{md}"
    );
    // Each other run is named with its commit and how it measured.
    assert!(md.contains("measured alike"), "{md}");
    let described = |other: Results| {
        let t = travel(&this, &[other], Correction::FalseDiscovery, View::Near).expect("judged");
        t.others[0].clone()
    };
    let mut longer = run("B", 1.0);
    longer.settings.warmup_ms += 10;
    // A seed of its own hides no other difference.
    longer.settings.seed += 1;
    let d = described(longer);
    assert!(
        d.contains("measured differently: the warm-up differs"),
        "{d}"
    );
    // A seed of its own alone is no difference in how a run measured.
    let mut reseeded = run("B", 1.0);
    reseeded.settings.seed += 1;
    let d = described(reseeded);
    assert!(d.ends_with("measured alike, with a seed of its own"), "{d}");
    // A cell measured with other implementations is not judged: no claim about it counts
    // as unrepeated.
    let mut narrower = run("A", 10.0);
    narrower
        .records
        .retain(|r| r.implementation != "rwlock_std");
    let t = travel(&this, &[narrower], Correction::FalseDiscovery, View::Near).expect("judged");
    assert!(t.unmeasured >= 1 && t.not_repeated_here.is_empty(), "{t:?}");
    let alone = statebench_report::markdown::report(&this);
    assert!(
        alone.contains("No other run was set beside this one"),
        "{alone}"
    );
}

/// The reproducibility figures docs/METHODOLOGY.md gives for the three committed runs of
/// 2026-12-04 are what `agreement` computes from them today; a change to the statistics that
/// moves them fails here until the document says the new figures.
/// "1.000 (0.333)": the median of the runs' per-cell τ, and its minimum.
fn tau(a: &Agreement) -> String {
    let s = statebench_harness::results::Spread::of(&a.taus);
    format!("{:.3} ({:.3})", s.median, s.min)
}

/// The heading of the table re-measured once the clients started interleaved.
const INTERLEAVED: &str = "### Re-measured once the clients start interleaved";

/// The heading of the table re-measured once the windows waited for every client.
const WAITING: &str = "### Re-measured once the windows wait for every client";

/// The heading of the nine runs judged again with moderated variances.
const MODERATED: &str = "### Judged with moderated variances";

/// The three committed runs in `folder`, each record in the family the file recorded (flat
/// combining among the owners, as it was filed when these tables were made).
fn runs_in(root: &std::path::Path, folder: &str) -> Vec<Results> {
    read_runs(root, folder, Results::from_json_as_recorded)
}

/// The three committed runs in `folder` as the report reads them today (`results::REFILED`).
fn runs_now(root: &std::path::Path, folder: &str) -> Vec<Results> {
    read_runs(root, folder, Results::from_json)
}

fn read_runs(
    root: &std::path::Path,
    folder: &str,
    read: fn(&str) -> Result<Results, statebench_harness::results::ResultsError>,
) -> Vec<Results> {
    (1..=3)
        .map(|k| {
            let path = root.join(format!("{folder}run-{k}/results.json"));
            let text = std::fs::read_to_string(&path).expect("a committed run");
            read(&text).expect("a results file")
        })
        .collect()
}

/// The text under `heading`, up to the next heading.
fn section<'d>(doc: &'d str, heading: &str) -> &'d str {
    let at = doc
        .find(heading)
        .unwrap_or_else(|| panic!("{heading:?} in the document"));
    let rest = &doc[at + heading.len()..];
    &rest[..rest.find("\n#").unwrap_or(rest.len())]
}

fn pct(a: usize, b: usize) -> String {
    format!("{:.1} %", 100.0 * a as f64 / b as f64)
}

/// A table's rows, as `statebench agreement` gives them, for two readings side by side.
fn rows(a: &Agreement, b: &Agreement) -> Vec<String> {
    vec![
        format!("| cells in every run | {} | {} |", a.cells, b.cells),
        format!(
            "| claims made by some run | {} | {} |",
            a.claims_any, b.claims_any
        ),
        format!(
            "| claims made by all three runs | {} ({}) | {} ({}) |",
            a.claims_all,
            pct(a.claims_all, a.claims_any),
            b.claims_all,
            pct(b.claims_all, b.claims_any)
        ),
        format!(
            "| claims one run makes and another contradicts | {} | {} |",
            a.reversed.len(),
            b.reversed.len()
        ),
        format!(
            "| median Kendall τ per cell and pair of runs (minimum) | {} | {} |",
            tau(a),
            tau(b)
        ),
        format!(
            "| cells with the same leader in all runs | {} of {} | {} of {} |",
            a.same_leader, a.cells, b.same_leader, b.cells
        ),
        format!(
            "| … every run's leader among every run's tied leaders | {} of {} | {} of {} |",
            a.leader_within_ties, a.cells, b.leader_within_ties, b.cells
        ),
        format!(
            "| pairs two runs order differently | {} | {} |",
            a.swaps, b.swaps
        ),
        format!(
            "| … of which one of the two runs told the pair apart | {} | {} |",
            a.swaps_told_apart.len(),
            b.swaps_told_apart.len()
        ),
    ]
}

/// Checks the table under `heading` against the three committed runs in `folder`, judged as
/// the report judged them when the table was made (each row's own variance), and returns the
/// runs.
fn table_of(root: &std::path::Path, doc: &str, folder: &str, heading: &str) -> Vec<Results> {
    let runs = runs_in(root, folder);
    let section = section(doc, heading);
    let fdr = Agreement::judged(&runs, Correction::FalseDiscovery, Variance::Own, View::Near)
        .expect("comparable");
    let strict = Agreement::judged(&runs, Correction::Bonferroni, Variance::Own, View::Near)
        .expect("comparable");
    for line in rows(&fdr, &strict) {
        assert!(
            section.contains(&line),
            "docs/METHODOLOGY.md lacks {line:?} under {heading:?}"
        );
    }
    runs
}

#[test]
fn the_documented_reproducibility_figures_come_from_the_committed_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/METHODOLOGY.md")).expect("the document");
    let runs = table_of(
        &root,
        &doc,
        "results/2026-12-04-xeon-repro/",
        "### Re-measured with the run as the unit and one plan",
    );
    table_of(&root, &doc, "results/2026-12-04-xeon-repro-2/", INTERLEAVED);
    table_of(&root, &doc, "results/2026-12-04-epyc-repro-wait/", WAITING);
    // Across machines: the committed AMD EPYC core run beside the three.
    let amd = std::fs::read_to_string(root.join("results/2026-12-01-vm-core/results.json"))
        .expect("the AMD run");
    let mut all = vec![Results::from_json_as_recorded(&amd).expect("a results file")];
    all.extend(runs);
    let across = Agreement::judged(&all, Correction::FalseDiscovery, Variance::Own, View::Near)
        .expect("comparable");
    let line = format!(
        "{} of the {} claims any run made hold in every run of both\nmachines ({}), {} are one \
         machine's only, and none is reversed.",
        across.held_everywhere,
        across.claims_any,
        pct(across.held_everywhere, across.claims_any),
        across.machine_only.len()
    );
    assert!(across.reversed.is_empty(), "{:?}", across.reversed);
    assert!(doc.contains(&line), "docs/METHODOLOGY.md lacks {line:?}");
}

/// The nine committed runs judged again: every set's line for each variance is what
/// `agreement` computes from them today, and the moderated variance repeats more claims in
/// every set.
#[test]
fn the_moderated_variances_table_comes_from_the_committed_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/METHODOLOGY.md")).expect("the document");
    let section = section(&doc, MODERATED);
    for set in ["xeon-repro", "xeon-repro-2", "epyc-repro-wait"] {
        let runs = runs_in(&root, &format!("results/2026-12-04-{set}/"));
        let mut share = Vec::new();
        for (variance, name) in [(Variance::Own, "own"), (Variance::Moderated, "moderated")] {
            let fdr = Agreement::judged(&runs, Correction::FalseDiscovery, variance, View::Near)
                .expect("comparable");
            let strict = Agreement::judged(&runs, Correction::Bonferroni, variance, View::Near)
                .expect("comparable");
            let line = format!(
                "| `{set}` | {name} | {} | {} ({}) | {} | {} | {} ({}) | {} |",
                fdr.claims_any,
                fdr.claims_all,
                pct(fdr.claims_all, fdr.claims_any),
                fdr.reversed.len(),
                strict.claims_any,
                strict.claims_all,
                pct(strict.claims_all, strict.claims_any),
                strict.reversed.len(),
            );
            assert!(
                section.contains(&line),
                "docs/METHODOLOGY.md lacks {line:?} under {MODERATED:?}"
            );
            share.push(fdr.claims_all as f64 / fdr.claims_any as f64);
        }
        assert!(share[1] > share[0], "{set}: {share:?}");
    }
    let mut both = runs_in(&root, "results/2026-12-04-epyc-repro-wait/");
    both.extend(runs_in(&root, "results/2026-12-04-xeon-repro-2/"));
    let across = |variance| {
        let a = Agreement::judged(&both, Correction::FalseDiscovery, variance, View::Near)
            .expect("comparable");
        assert!(a.reversed.is_empty(), "{:?}", a.reversed);
        (a.held_everywhere, a.claims_any)
    };
    let ((own, own_any), (moderated, moderated_any)) =
        (across(Variance::Own), across(Variance::Moderated));
    let line = format!(
        "{own} of the {own_any} claims any\nrun made hold in every run of both machines ({}) \
         judged on each row's own variance, {moderated}\nof {moderated_any} ({}) moderated.",
        pct(own, own_any),
        pct(moderated, moderated_any)
    );
    assert!(
        section.contains(&line),
        "docs/METHODOLOGY.md lacks {line:?}"
    );
}

/// docs/METHODOLOGY.md's "Where the cores stood": the watch, each run's far shares and the
/// ratios near and far, recomputed from the committed files.
#[test]
fn where_the_cores_stood_comes_from_the_committed_runs() {
    use statebench_harness::placement::{Placement, near_of, stretches};
    use statebench_harness::stats::Welch;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/METHODOLOGY.md")).expect("the document");
    let section = section(&doc, "## Where the cores stood");
    let folder = "results/2026-12-05-epyc-placement/";
    // The watch.
    let watch: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(folder).join("watch.json")).expect("the watch"),
    )
    .expect("json");
    let probes: Vec<(u64, f64)> = watch["probes"]
        .as_array()
        .expect("probes")
        .iter()
        .map(|p| (p[0].as_u64().expect("ms"), p[1].as_f64().expect("ns")))
        .collect();
    let near = near_of(&probes).expect("probes");
    let cut = stretches(&probes, near);
    let far: usize = cut.iter().filter(|s| s.far).map(|s| s.probes).sum();
    let median = |far: bool| {
        let mut ns: Vec<f64> = probes
            .iter()
            .map(|p| p.1)
            .filter(|ns| (*ns > 2.0 * near) == far)
            .collect();
        ns.sort_by(f64::total_cmp);
        ns[ns.len() / 2]
    };
    let span = |far: bool| {
        let ms: Vec<u64> = cut.iter().filter(|s| s.far == far).map(|s| s.ms).collect();
        let (lo, hi) = (ms.iter().min().expect("one"), ms.iter().max().expect("one"));
        format!("{:.1}–{:.1} s", *lo as f64 / 1e3, *hi as f64 / 1e3)
    };
    let line = format!(
        "{} probes, near round trip {:.0} ns, {far} of them far ({:.0} %), median {:.0} ns near \
         and\n{:.0} ns far; far stretches lasted {} and near ones {}",
        probes.len(),
        near,
        100.0 * far as f64 / probes.len() as f64,
        median(false),
        median(true),
        span(true),
        span(false)
    );
    assert!(section.contains(&line), "lacks {line:?}");
    // Each run's far shares.
    let runs = runs_in(&root, folder);
    for (k, run) in runs.iter().enumerate() {
        let p = Placement::of(run).expect("probed");
        let passes: Vec<String> = p
            .by_pass
            .iter()
            .map(|(_, n, f)| format!("{:.0} %", 100.0 * *f as f64 / *n as f64))
            .collect();
        let line = format!(
            "| run-{} | {:.0} % | {} |",
            k + 1,
            100.0 * p.far_share(),
            passes.join(" | ")
        );
        assert!(section.contains(&line), "lacks {line:?}");
    }
    // The ratios near and far, the trials of the three runs pooled.
    for (driver, clients) in [
        (Driver::Threads, 8),
        (Driver::Threads, 64),
        (Driver::Tasks, 8),
    ] {
        let rates = |implementation: &str, far: bool| -> Vec<f64> {
            runs.iter()
                .flat_map(|run| {
                    let p = Placement::of(run).expect("probed");
                    let record = run
                        .records
                        .iter()
                        .find(|r| {
                            (
                                r.workload.as_str(),
                                r.implementation.as_str(),
                                r.driver,
                                r.clients,
                            ) == ("counter", implementation, driver, clients)
                        })
                        .expect("the row");
                    record
                        .repetitions
                        .iter()
                        .filter(|rep| p.is_far(rep) == Some(far))
                        .map(|rep| rep.ops_per_sec)
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let cell = |far: bool| {
            let (a, b) = (rates("atomic", far), rates("mutex_parking_lot", far));
            let i = Welch::of(&a, &b).expect("comparable").interval(0.95);
            format!(
                "{:.2}× ({:.2}–{:.2}), {} / {} trials",
                i.ratio,
                i.low,
                i.high,
                a.len(),
                b.len()
            )
        };
        let line = format!(
            "| `counter` / {} / {clients} | {} | {} |",
            driver.name(),
            cell(false),
            cell(true)
        );
        assert!(section.contains(&line), "lacks {line:?}");
    }
}

/// How far `runs` agree as the report judges them (moderated variances, FDR), read in `view`.
fn as_reported(runs: &[Results], view: View) -> Agreement {
    Agreement::judged(runs, Correction::FalseDiscovery, Variance::Moderated, view)
        .expect("comparable")
}

/// The heading of the three runs read within one placement and across both.
const ONE_PLACEMENT: &str = "### Read within one placement";

/// docs/METHODOLOGY.md's "Read within one placement": three runs of the main job, each read
/// in its near trials (the report's reading) and in all of them, as `agreement
/// --placement near|all` gives them.
#[test]
fn the_one_placement_table_comes_from_the_committed_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/METHODOLOGY.md")).expect("the document");
    let section = section(&doc, ONE_PLACEMENT);
    let runs = runs_in(&root, "results/2026-12-05-epyc-near/");
    let (near, all) = (
        as_reported(&runs, View::Near),
        as_reported(&runs, View::All),
    );
    let shares: Vec<String> = near
        .far_shares
        .iter()
        .map(|s| format!("{:.0} %", 100.0 * s.expect("probed")))
        .collect();
    let far = format!(
        "| trials run with the cores far apart, run by run | {} | {} |",
        shares.join(", "),
        shares.join(", ")
    );
    for line in std::iter::once(far).chain(rows(&near, &all)) {
        assert!(
            section.contains(&line),
            "docs/METHODOLOGY.md lacks {line:?} under {ONE_PLACEMENT:?}"
        );
    }
    assert!(near.reversed.is_empty() && all.reversed.is_empty());
    let unrepeated = format!(
        "The {} claims still not repeated",
        near.claims_any - near.claims_all
    );
    assert!(section.contains(&unrepeated), "{unrepeated:?}");
    // The row at the mix check's line: `go_mutex`'s sets, far and near.
    let (mut far_shares, mut near_shares) = (Vec::new(), Vec::new());
    for run in &runs {
        let p = statebench_harness::placement::Placement::of(run).expect("probed");
        let r = run
            .records
            .iter()
            .find(|r| {
                r.workload == "seed_nosleep"
                    && r.driver == Driver::Goroutines
                    && r.implementation == "go_mutex"
            })
            .expect("the row");
        for rep in &r.repetitions {
            let sets = rep.ops_by_kind.get("set").copied().unwrap_or(0) as f64 / rep.ops as f64;
            match p.is_far(rep) {
                Some(true) => far_shares.push(sets),
                _ => near_shares.push(sets),
            }
        }
    }
    near_shares.sort_by(f64::total_cmp);
    let line = format!(
        "served under 1 % sets in {} of\nits {} far trials and {:.1}–{:.1} % in its near ones",
        far_shares.iter().filter(|s| **s < 0.01).count(),
        far_shares.len(),
        100.0 * near_shares[0],
        100.0 * near_shares[near_shares.len() - 1]
    );
    assert!(
        section.contains(&line),
        "docs/METHODOLOGY.md lacks {line:?}"
    );
}

/// The sets measured since flat combining counts among the locks, which the table of the sets
/// read so gives beside the five.
const RECORDED_SO: [&str; 1] = ["2026-12-05-xeon"];

const AFTER: &str = "### Probed after each trial too";

/// The five committed sets of three runs of the main job, oldest first.
const SETS: [&str; 5] = [
    "2026-12-04-epyc-repro-wait",
    "2026-12-04-xeon-repro",
    "2026-12-04-xeon-repro-2",
    "2026-12-05-epyc-near",
    "2026-12-05-epyc-after",
];

/// docs/METHODOLOGY.md's "Probed after each trial too": three runs of the main job whose
/// trials were probed before and after, read near (the report's reading) and whole; and the
/// README's quote of the near reading.
#[test]
fn the_table_of_runs_probed_after_each_trial_comes_from_the_committed_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/METHODOLOGY.md")).expect("the document");
    let section = section(&doc, AFTER);
    let runs = runs_in(&root, "results/2026-12-05-epyc-after/");
    let (near, all) = (
        as_reported(&runs, View::Near),
        as_reported(&runs, View::All),
    );
    let placements: Vec<statebench_harness::placement::Placement> = runs
        .iter()
        .map(|run| statebench_harness::placement::Placement::of(run).expect("probed"))
        .collect();
    let share = |n: usize, p: &statebench_harness::placement::Placement| {
        format!("{:.0} %", 100.0 * n as f64 / p.probed as f64)
    };
    let far: Vec<String> = placements.iter().map(|p| share(p.far, p)).collect();
    let moved: Vec<String> = placements.iter().map(|p| share(p.moved, p)).collect();
    let lines = [
        format!(
            "| trials run with the cores far apart, run by run | {} | {} |",
            far.join(", "),
            far.join(", ")
        ),
        format!(
            "| trials that moved between the two while they ran | {} | {} |",
            moved.join(", "),
            moved.join(", ")
        ),
    ];
    for line in lines.into_iter().chain(rows(&near, &all)) {
        assert!(
            section.contains(&line),
            "docs/METHODOLOGY.md lacks {line:?} under {AFTER:?}"
        );
    }
    assert!(near.reversed.is_empty());
    // How the firm claims held, set by set.
    for set in SETS {
        let a = as_reported(&runs_in(&root, &format!("results/{set}/")), View::Near);
        let line = format!(
            "| `results/{set}` | {} of {} ({}) | {} of {} ({}) |",
            a.claims_all,
            a.claims_any,
            pct(a.claims_all, a.claims_any),
            a.firm_repeated,
            a.firm_any,
            pct(a.firm_repeated, a.firm_any)
        );
        assert!(
            section.contains(&line),
            "docs/METHODOLOGY.md lacks {line:?}"
        );
    }
    let unrepeated = format!(
        "The {} claims not repeated",
        near.claims_any - near.claims_all
    );
    assert!(section.contains(&unrepeated), "{unrepeated:?}");
}

/// The five sets of three runs above, read as the report reads them today — flat combining
/// among the locks (`results::REFILED`) — in docs/METHODOLOGY.md's "Read with flat combining
/// among the locks", and the README's quote of the canonical set.
#[test]
fn the_sets_read_with_combining_among_the_locks_come_from_the_committed_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/METHODOLOGY.md")).expect("the document");
    let section = section(&doc, REFILED_SETS);
    let mut missing = Vec::new();
    for set in SETS.iter().chain(&RECORDED_SO) {
        let a = as_reported(&runs_now(&root, &format!("results/{set}/")), View::Near);
        assert!(a.reversed.is_empty(), "{set}: {:?}", a.reversed);
        let line = format!(
            "| `results/{set}` | {} of {} ({}) | {} of {} ({}) | {} of {} |",
            a.claims_all,
            a.claims_any,
            pct(a.claims_all, a.claims_any),
            a.firm_repeated,
            a.firm_any,
            pct(a.firm_repeated, a.firm_any),
            a.same_leader,
            a.cells
        );
        if !section.contains(&line) {
            missing.push(line);
        }
    }
    assert!(
        missing.is_empty(),
        "docs/METHODOLOGY.md lacks under {REFILED_SETS:?}:\n{}",
        missing.join("\n")
    );
    let near = as_reported(
        &runs_now(&root, &format!("{}/", statebench_report::CANONICAL_SET)),
        View::Near,
    );
    // The README quotes the near reading (wherever its lines break).
    let fold = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let readme = fold(&std::fs::read_to_string(root.join("README.md")).expect("the README"));
    let quoted = format!(
        "made {} claims between them, {} of them in every run ({}), and none contradicted \
         another; the same leader led {} of {} cells in every run.",
        near.claims_any,
        near.claims_all,
        pct(near.claims_all, near.claims_any),
        near.same_leader,
        near.cells
    );
    assert!(readme.contains(&quoted), "README.md lacks {quoted:?}");
    let firm = format!(
        "firm, {} of {} ({}) were made by every run.",
        near.firm_repeated,
        near.firm_any,
        pct(near.firm_repeated, near.firm_any)
    );
    assert!(readme.contains(&firm), "README.md lacks {firm:?}");
}

const REFILED_SETS: &str = "### Read with flat combining among the locks";
