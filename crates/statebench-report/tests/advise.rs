//! `advise` on made-up runs whose answers are known: the pick is the cell's leader and never a
//! row that starved an operation kind, the ask maps to the nearest measured mix and client
//! count and says so, the neighbouring cells where the answer changes are named, and an ask
//! the run cannot answer is refused with a message naming the problem.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture::{self as made_up, repetition, steady};
use statebench_harness::results::Results;
use statebench_report::advise::{Ask, advise};
use statebench_report::{CANONICAL, CANONICAL_SET};

fn fixture() -> Results {
    use Driver::{Tasks, Threads};
    use Family::{Concurrent, Lock, Owner};
    let (r, w) = ("kv_read_heavy", "kv_write_heavy");
    let records = vec![
        // At 8 threads the map makes twice the lock, the owner a tenth of it.
        steady(r, "dashmap", Concurrent, Threads, 8, 2.0e7),
        steady(r, "mutex_std", Lock, Threads, 8, 1.0e7),
        steady(r, "owner_thread", Owner, Threads, 8, 1.0e6),
        // At 1 thread the lock leads the map by half.
        steady(r, "dashmap", Concurrent, Threads, 1, 1.0e7),
        steady(r, "mutex_std", Lock, Threads, 1, 1.5e7),
        steady(r, "owner_thread", Owner, Threads, 1, 1.0e6),
        // From 8 tasks the two are the same within 1 %.
        steady(r, "dashmap", Concurrent, Tasks, 8, 1.00e7),
        steady(r, "mutex_std", Lock, Tasks, 8, 1.01e7),
        // Half sets: the lock leads at 8 threads.
        steady(w, "dashmap", Concurrent, Threads, 8, 1.0e7),
        steady(w, "mutex_std", Lock, Threads, 8, 1.6e7),
    ];
    made_up::results(&[r, w], records)
}

fn ask(service: &str, clients: usize) -> Ask {
    Ask {
        service: Some(service.into()),
        workload: None,
        reads: None,
        clients,
        driver: Driver::Threads,
        across_processes: false,
    }
}

#[test]
fn the_pick_is_the_cells_leader_with_the_best_of_each_other_kind_against_it() {
    let advice = advise(&fixture(), "made-up", &ask("kv", 8)).expect("an answer");
    assert_eq!(advice.workload, "kv_read_heavy");
    assert_eq!((advice.driver, advice.clients), (Driver::Threads, 8));
    assert_eq!(advice.pick.implementation, "dashmap");
    assert!(advice.tied.is_empty(), "{:?}", advice.tied);
    let next: Vec<(&str, &str)> = advice
        .next
        .iter()
        .map(|a| (a.row.implementation.as_str(), a.verdict.as_str()))
        .collect();
    assert_eq!(next, [("mutex_std", "slower"), ("owner_thread", "slower")]);
    let r = advice.next[0].ratio.expect("an interval");
    let (ratio, low, high) = (r.ratio, r.low, r.high);
    assert!(
        (ratio - 0.5).abs() < 0.01 && low < ratio && ratio < high,
        "{ratio} {low} {high}"
    );
    // No mix asked: the service's first, said.
    assert_eq!(
        advice.mapped,
        ["no mix given (--reads or --workload): `kv_read_heavy`, 95 % reads"]
    );
    // Where the answer changes: one thread (the lock leads), half sets (the lock leads); from
    // tasks the map ties, so it still answers there.
    let changes = advice.changes.join("\n");
    assert!(
        changes.contains("at 1 client: `mutex_std` leads; `dashmap` makes 0.67×"),
        "{changes}"
    );
    assert!(
        changes.contains("with `kv_write_heavy` (50 % reads): `mutex_std` leads"),
        "{changes}"
    );
    assert!(
        changes.contains("the answer holds from tasks: `dashmap` is the pick there too"),
        "{changes}"
    );
    let card = advice.card();
    assert!(card.starts_with("For the kv service, 8 clients calling from OS threads:\n  Use `dashmap` (concurrent structure). The next best, `mutex_std` (lock), makes 0.50×"), "{card}");
    assert!(card.contains("2 cores"), "{card}");
}

/// [`fixture`] with `redis` at 8 and 1 threads on the read-heavy mix: a fiftieth of the map's
/// throughput at 8, and at 1 as fast as the lock.
fn with_redis() -> Results {
    use Driver::Threads;
    let r = "kv_read_heavy";
    let mut run = fixture();
    run.records.extend([
        steady(r, "redis", Family::OutOfProcess, Threads, 8, 4.0e5),
        steady(r, "redis", Family::OutOfProcess, Threads, 1, 1.5e7),
    ]);
    run
}

#[test]
fn a_row_of_another_process_is_picked_only_across_processes() {
    let run = with_redis();
    // Not asked: never picked, even where it ties the leader, and the card says it was left
    // out.
    let advice = advise(&run, "made-up", &ask("kv", 1)).expect("an answer");
    assert_eq!(advice.pick.implementation, "mutex_std");
    assert!(
        advice
            .tied
            .iter()
            .chain(&advice.next)
            .all(|a| a.row.implementation != "redis"),
        "{advice:?}"
    );
    assert!(
        advice.caveats.iter().any(|c| c.contains(
            "`redis` (state in another process) was measured and left out — ask with \
             --across-processes"
        )),
        "{:?}",
        advice.caveats
    );
    // Asked: redis is the pick, and the rows of the process stand beside it, best of each
    // family, fastest first, as what keeping the state in the process would make.
    let mut a = ask("kv", 8);
    a.across_processes = true;
    let advice = advise(&run, "made-up", &a).expect("an answer");
    assert_eq!(advice.pick.implementation, "redis");
    let next: Vec<(&str, &str)> = advice
        .next
        .iter()
        .map(|a| (a.row.implementation.as_str(), a.verdict.as_str()))
        .collect();
    assert_eq!(
        next,
        [
            ("dashmap", "faster"),
            ("mutex_std", "faster"),
            ("owner_thread", "faster")
        ]
    );
    let card = advice.card();
    assert!(
        card.contains(
            "Use `redis` (out-of-process store) to share the state across processes. Kept in \
             the process instead, the best row, `dashmap` (concurrent structure), makes 50"
        ),
        "{card}"
    );
    assert!(
        card.contains("kept in the process instead, the best of each family, against it:"),
        "{card}"
    );
    // Where the answer changes is read among the rows of another process: redis is the only
    // one, so it holds at 1 thread.
    assert!(
        advice
            .changes
            .iter()
            .any(|c| c.contains("the answer holds at 1 client")),
        "{:?}",
        advice.changes
    );
    // A neighbouring cell without one says so.
    assert!(
        advice
            .changes
            .iter()
            .any(|c| c == "from tasks: no row of another process was measured"),
        "{:?}",
        advice.changes
    );
    // A cell without such a row is refused, naming what would answer it.
    let mut a = ask("kv", 8);
    a.across_processes = true;
    a.driver = Driver::Tasks;
    let e = advise(&run, "made-up", &a).expect_err("no redis from tasks");
    assert!(
        e.0.contains("has no row that keeps the state in another process")
            && e.0.contains("--impl redis"),
        "{e}"
    );
}

#[test]
fn the_ask_maps_to_the_nearest_measured_mix_and_count_and_says_so() {
    let run = fixture();
    let mut a = ask("kv", 3);
    a.reads = Some(60.0);
    let advice = advise(&run, "made-up", &a).expect("an answer");
    // 60 % reads is nearer 50 than 95; 3 clients nearer 8 than 1 on a log scale.
    assert_eq!(
        (advice.workload.as_str(), advice.clients),
        ("kv_write_heavy", 8)
    );
    assert_eq!(advice.pick.implementation, "mutex_std");
    let mapped = advice.mapped.join("\n");
    assert!(
        mapped.contains(
            "60 % reads was not measured: the nearest mix is `kv_write_heavy`, 50 % reads"
        ),
        "{mapped}"
    );
    assert!(
        mapped.contains("3 clients were not measured: the nearest count is 8 (measured: 8)"),
        "{mapped}"
    );
    // Asked exactly, nothing to say.
    let mut a = ask("kv", 1);
    a.reads = Some(95.0);
    let advice = advise(&run, "made-up", &a).expect("an answer");
    assert_eq!(
        (advice.workload.as_str(), advice.clients),
        ("kv_read_heavy", 1)
    );
    assert!(advice.mapped.is_empty(), "{:?}", advice.mapped);
    assert_eq!(advice.pick.implementation, "mutex_std");
}

#[test]
fn rows_the_run_cannot_tell_apart_are_tied_with_the_pick() {
    let mut a = ask("kv", 8);
    a.driver = Driver::Tasks;
    let advice = advise(&fixture(), "made-up", &a).expect("an answer");
    let all: Vec<&str> = std::iter::once(advice.pick.implementation.as_str())
        .chain(advice.tied.iter().map(|t| t.row.implementation.as_str()))
        .collect();
    assert_eq!(all, ["mutex_std", "dashmap"]);
    assert_eq!(advice.tied[0].verdict, "the same");
    assert!(advice.next.is_empty());
}

/// The latency claim beside the throughput one: two rows tied on throughput whose p99s lie
/// thirty times apart are told apart on the tail, with an interval, on the card and in the
/// report's answer; rows with the same p99 are called the same.
#[test]
fn the_tail_is_claimed_beside_the_throughput() {
    let mut run = fixture();
    for r in &mut run.records {
        if r.implementation == "dashmap" && r.driver == Driver::Tasks {
            for (i, rep) in r.repetitions.iter_mut().enumerate() {
                let all = rep.latency.get_mut("all").expect("timed");
                all.p99_ns = (27_000.0 * (0.95 + 0.1 * i as f64 / 7.0)) as u64;
            }
            r.summary = statebench_harness::results::Summary::of(&r.repetitions);
        }
    }
    let mut a = ask("kv", 8);
    a.driver = Driver::Tasks;
    let advice = advise(&run, "made-up", &a).expect("an answer");
    assert_eq!(advice.pick.implementation, "mutex_std");
    let tail = &advice.tied[0].p99;
    assert_eq!(tail.verdict, "higher");
    let r = tail.ratio.expect("an interval");
    assert!(r.low < 30.0 && 30.0 < r.high && r.low > 20.0, "{r:?}");
    let card = advice.card();
    assert!(
        card.contains("its p99: 30× (CI") && card.contains("higher than the pick's"),
        "{card}"
    );
    assert!(
        card.contains("tied on throughput, not on the tail"),
        "{card}"
    );
    let matrix = statebench_report::advise::answer_matrix(&run).expect("a matrix");
    // The figures shown make the ratio claimed: 26.99 µs over 900 ns.
    assert!(
        matrix.contains("`mutex_std` = `dashmap`; p99 900 ns against `dashmap`'s 26.99 µs"),
        "{matrix}"
    );
    assert!(matrix.contains("µs: 30× (CI 29–31×) lower"), "{matrix}");
    // From threads the rows' tails are alike: the same.
    let advice = advise(&run, "made-up", &ask("kv", 8)).expect("an answer");
    assert_eq!(advice.next[0].p99.verdict, "the same");
    assert!(
        matrix.contains("p99 900 ns against `mutex_std`'s 900 ns: the same"),
        "{matrix}"
    );
}

/// docs/ARCHITECTURE.md quotes how the latency claims came out on the canonical set: the size
/// of the family and what the first run claims, and how the answer's latency claims held in
/// the other two runs — a claim held when the same row's tail is the shorter one again, and
/// reversed when the other's is.
#[test]
fn the_latency_claims_quoted_come_from_the_canonical_set() {
    use statebench_harness::placement::{self, View};
    use statebench_report::guide::Analysis;
    let runs: Vec<Results> = (1..=3)
        .map(|k| made_up::committed(&format!("{CANONICAL_SET}/run-{k}")))
        .collect();
    let near = placement::view(&runs[0], View::Near);
    let latency = Analysis::latency(&near);
    let (family, _, _) = latency.size();
    let outcomes = latency.outcomes();
    // Each answer entry's latency claim as (the row with the shorter tail, the longer).
    let claim = |run: &Results, ask: &Ask| -> Option<(String, String)> {
        let a = advise(run, "canonical", ask).expect("an answer");
        let other = a
            .tied
            .iter()
            .find(|t| t.row.family != a.pick.family)
            .or_else(|| a.next.first())?;
        let (pick, them) = (a.pick.implementation, other.row.implementation.clone());
        match other.p99.verdict.as_str() {
            "higher" => Some((pick, them)),
            "lower" => Some((them, pick)),
            _ => None,
        }
    };
    let (mut entries, mut claims, mut at_one, mut held, mut reversed) = (0, 0, 0, 0, 0);
    for w in runs[0].settings.workloads.iter().filter(|w| w.scales) {
        for clients in [1, 2, 8, 64] {
            for driver in [Driver::Threads, Driver::Tasks] {
                let ask = Ask::cell(&w.name, clients, driver);
                entries += 1;
                let Some(first) = claim(&runs[0], &ask) else {
                    continue;
                };
                claims += 1;
                at_one += usize::from(clients == 1);
                let others: Vec<_> = runs[1..].iter().map(|r| claim(r, &ask)).collect();
                held += usize::from(others.iter().all(|c| c.as_ref() == Some(&first)));
                reversed += usize::from(
                    others
                        .iter()
                        .any(|c| c.as_ref() == Some(&(first.1.clone(), first.0.clone()))),
                );
            }
        }
    }
    let architecture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ARCHITECTURE.md"),
    )
    .expect("docs/ARCHITECTURE.md");
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let quote = format!(
        "the latency family of the canonical run is {family} comparisons, of which it claims a \
         difference in {} and sameness in {}. In the answer's {entries} entries it makes \
         {claims} latency claims, {at_one} of them at 1 client; {held} of them are made again \
         by both other runs of the set and {} reversed.",
        outcomes.differ,
        outcomes.same,
        if reversed == 0 {
            "none is".to_owned()
        } else {
            format!("{reversed} are")
        }
    );
    assert!(
        words(&architecture).contains(&words(&quote)),
        "docs/ARCHITECTURE.md should say: {quote}"
    );
}

/// A row that starved its writers is never the pick, however fast: it is named among the
/// caveats instead.
#[test]
fn a_row_that_starved_a_kind_is_never_the_pick() {
    let mut run = fixture();
    let starved: Vec<_> = (0..8)
        .map(|_| repetition(9.0e7, &[("get", 90_000_000), ("set", 0)]))
        .collect();
    run.records.push(made_up::record(
        "kv_read_heavy",
        "papaya",
        Family::Concurrent,
        Driver::Threads,
        8,
        starved,
    ));
    let advice = advise(&run, "made-up", &ask("kv", 8)).expect("an answer");
    assert_eq!(advice.pick.implementation, "dashmap");
    assert!(advice.next.iter().all(|a| a.row.implementation != "papaya"));
    assert!(
        advice
            .caveats
            .iter()
            .any(|c| c.contains("did not serve the mix") && c.contains("`papaya`")),
        "{:?}",
        advice.caveats
    );
}

#[test]
fn an_ask_the_run_cannot_answer_is_refused_with_the_reason() {
    let run = fixture();
    let refused = |a: Ask| advise(&run, "made-up", &a).expect_err("refused").0;
    assert!(refused(ask("kv", 0)).contains("--clients must be at least 1"));
    // Capitals are no error.
    assert_eq!(
        advise(&run, "made-up", &ask("KV", 8))
            .expect("an answer")
            .workload,
        "kv_read_heavy"
    );
    assert!(refused(ask("queue", 8)).contains(
        "--service \"queue\" is not a service statebench measures; the services are kv, counter"
    ));
    assert!(
        refused(ask("counter", 8))
            .contains("this run measured no threads cell of a counter workload that scales")
    );
    let mut a = ask("kv", 8);
    a.reads = Some(150.0);
    assert!(refused(a).contains("--reads 150 is not a share"));
    let mut a = ask("counter", 8);
    a.workload = Some("kv_read_heavy".into());
    assert!(refused(a).contains("--workload kv_read_heavy drives the kv service, not counter"));
    let mut a = ask("kv", 8);
    a.workload = Some("cache".into());
    assert!(refused(a).contains(
        "--workload \"cache\" is not in this run; its workloads are kv_read_heavy, kv_write_heavy"
    ));
    let mut a = ask("kv", 8);
    a.service = None;
    assert!(refused(a).contains("say which state"));
    let mut a = ask("kv", 8);
    a.driver = Driver::Goroutines;
    assert!(refused(a).contains("--driver goroutines"));
}

/// On the canonical run, the first answer a reader meets: the kv store from 8 threads.
#[test]
fn the_canonical_run_answers() {
    let run = made_up::committed(CANONICAL);
    let advice = advise(&run, "canonical", &ask("kv", 8)).expect("an answer");
    assert_eq!(advice.workload, "kv_read_heavy");
    // The pick served the mix asked for.
    let pick = run
        .records
        .iter()
        .find(|r| {
            r.workload == advice.workload
                && r.driver == advice.driver
                && r.clients == advice.clients
                && r.implementation == advice.pick.implementation
        })
        .expect("the pick's record");
    assert!(pick.serves_mix());
    let json = serde_json::to_value(&advice).expect("serialisable");
    assert_eq!(
        json["pick"]["implementation"],
        advice.pick.implementation.as_str()
    );
}

/// Held against other runs: per machine, in how many runs the pick leads the same cell and
/// each row gets the same verdict against it.
#[test]
fn the_card_says_in_how_many_runs_of_each_machine_the_answer_held() {
    let run = fixture();
    let mut advice = advise(&run, "made-up", &ask("kv", 8)).expect("an answer");
    // A second run of this machine in which the lock leads, and one of another machine that
    // repeats this one.
    let mut flipped = fixture();
    for r in &mut flipped.records {
        if r.implementation == "mutex_std" && r.workload == "kv_read_heavy" && r.clients == 8 {
            *r = steady(
                "kv_read_heavy",
                "mutex_std",
                Family::Lock,
                Driver::Threads,
                8,
                4.0e7,
            );
        }
    }
    let mut other = fixture();
    other.machine.cpu_model = "Another CPU".into();
    statebench_report::advise::held(&mut advice, &run, &[&flipped, &other]);
    assert_eq!(
        advice.held,
        [
            "on Test CPU (2 runs, this one included): `dashmap` led or tied this cell in 1 of \
             2; against it, `mutex_std` slower in 1 (its p99 the same in 2), `owner_thread` \
             slower in 2 (its p99 the same in 2)",
            "on Another CPU (1 run): `dashmap` led or tied this cell in 1 of 1; against it, \
             `mutex_std` slower in 1 (its p99 the same in 1), `owner_thread` slower in 1 (its \
             p99 the same in 1)",
        ]
    );
    assert!(advice.card().contains(
        "How sure — the same cell in every run given:\n  - on Test CPU (2 runs, this one included)"
    ));
}

/// docs/ARCHITECTURE.md quotes how the answer for the kv store at 64 threads held on the AMD
/// EPYC set that was canonical when the card learnt to say so: this recomputes it.
#[test]
fn the_quoted_answer_held_as_the_epyc_set_says() {
    let set = "2026-12-05-epyc-after";
    let run = made_up::committed(&format!("{set}/run-1"));
    let others = [
        made_up::committed(&format!("{set}/run-2")),
        made_up::committed(&format!("{set}/run-3")),
    ];
    let mut advice = advise(&run, "canonical", &ask("kv", 64)).expect("an answer");
    statebench_report::advise::held(&mut advice, &run, &[&others[0], &others[1]]);
    let held = advice.held.join("\n");
    assert!(
        held.contains("`dashmap` led or tied this cell in 3 of 3"),
        "{held}"
    );
    assert!(held.contains("`mutex_parking_lot` slower in 2"), "{held}");
    // The card marks that claim as near its line.
    assert!(
        advice.caveats.iter().any(
            |c| c.starts_with("`mutex_parking_lot` against `dashmap` lies near its ±10 % line")
        ),
        "{:?}",
        advice.caveats
    );
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ARCHITECTURE.md"),
    )
    .expect("the document");
    assert!(
        doc.contains(
            "on the AMD EPYC set `results/2026-12-05-epyc-after`, `dashmap` led `kv_read_heavy` /\n  threads / 64 in 3 of 3 runs and `mutex_parking_lot` was called slower in 2"
        ),
        "docs/ARCHITECTURE.md no longer quotes it"
    );
}

/// Client counts map on a log scale, in integers: 4 lies as far from 2 as from 8, and the
/// smaller answers; 5 is nearer 8.
#[test]
fn a_count_midway_answers_from_the_smaller() {
    let run = fixture();
    let mut a = ask("kv", 4);
    a.reads = Some(95.0);
    // kv_read_heavy from threads was measured at 1 and 8: 4 is nearer 8 (2× against 4×).
    assert_eq!(advise(&run, "made-up", &a).expect("an answer").clients, 8);
    let mut two = fixture();
    for r in &mut two.records {
        if r.clients == 1 {
            *r = steady(
                &r.workload.clone(),
                &r.implementation.clone(),
                r.family().expect("a family"),
                r.driver,
                2,
                r.headline(),
            );
        }
    }
    assert_eq!(advise(&two, "made-up", &a).expect("an answer").clients, 2);
    a.clients = 5;
    assert_eq!(advise(&two, "made-up", &a).expect("an answer").clients, 8);
}

/// A cell where every row starved a kind has no pick: the ask is refused, saying why.
#[test]
fn a_cell_where_no_row_served_the_mix_has_no_pick() {
    let mut run = fixture();
    run.records.retain(|r| {
        !(r.workload == "kv_read_heavy" && r.driver == Driver::Threads && r.clients == 8)
    });
    for name in ["dashmap", "mutex_std"] {
        let starved: Vec<_> = (0..8)
            .map(|_| repetition(9.0e7, &[("get", 90_000_000), ("set", 0)]))
            .collect();
        run.records.push(made_up::record(
            "kv_read_heavy",
            name,
            Family::Lock,
            Driver::Threads,
            8,
            starved,
        ));
    }
    let mut a = ask("kv", 8);
    a.reads = Some(95.0);
    let e = advise(&run, "made-up", &a).expect_err("refused");
    assert!(e.0.contains("no row served the mix asked for"), "{e}");
    // From one client, the starved cell is named where the answer changes.
    a.clients = 1;
    let advice = advise(&run, "made-up", &a).expect("an answer");
    assert!(
        advice
            .changes
            .iter()
            .any(|c| c == "at 8 clients: no row served the mix asked for"),
        "{:?}",
        advice.changes
    );
}

/// The README leads with the canonical run's answer table, and its one-paragraph rule says
/// what the table says: at one client a lock is the pick or tied with it (an atomic for the
/// counter); from 8 clients up `dashmap` is the pick but for the counter; at 8 clients the best
/// owner task or thread makes under the rule's bound of the pick's throughput, its whole
/// interval, the bound being the least whole per cent that holds.
#[test]
fn the_readme_leads_with_the_canonical_answer_and_its_rule_holds() {
    let run = made_up::committed(CANONICAL);
    let table = statebench_report::advise::answer_table(&run, Driver::Threads).expect("the table");
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .expect("the README");
    assert!(
        readme.contains(&table),
        "README.md lacks the answer table of the canonical run:\n{table}"
    );
    // The paragraph above the table names the run, its machine, and whether it was disturbed.
    let cpu = run.machine.cpu_model.replace("(R)", "");
    let host: Vec<&str> = cpu.split_whitespace().take(2).collect();
    let named = format!(
        "(`{CANONICAL}`, a {}-core {} VM",
        run.machine.cores,
        host.join(" ")
    );
    let paragraph = readme
        .split("\n\n")
        .find(|p| p.starts_with("**The answer**"))
        .expect("the answer's paragraph");
    assert!(
        paragraph.contains(&named),
        "README.md's answer does not say {named:?}"
    );
    let moved = run.floors_end.as_ref().is_some_and(|end| {
        matches!(
            end.steadiness_since(&run.floors),
            statebench_harness::floors::Steadiness::Moved(_)
        )
    });
    assert_eq!(
        paragraph.contains("disturbed"),
        moved,
        "README.md's answer must call the run disturbed exactly when its floors moved"
    );
    let mut owner_high: f64 = 0.0;
    for w in run.settings.workloads.iter().filter(|w| w.scales) {
        let at = |clients| {
            let a = Ask {
                service: None,
                workload: Some(w.name.clone()),
                reads: None,
                clients,
                driver: Driver::Threads,
                across_processes: false,
            };
            advise(&run, "canonical", &a).expect("an answer")
        };
        let eight = at(8);
        let owner = eight
            .tied
            .iter()
            .chain(&eight.next)
            .find(|a| a.row.family == "owner")
            .and_then(|a| a.ratio)
            .expect("an owner with an interval at 8 clients");
        owner_high = owner_high.max(owner.high);
        let one = at(1);
        let families: Vec<&str> = std::iter::once(one.pick.family.as_str())
            .chain(one.tied.iter().map(|t| t.row.family.as_str()))
            .collect();
        if w.service == "counter" {
            assert_eq!(one.pick.implementation, "atomic");
            for clients in [8, 64] {
                let a = at(clients);
                let names: Vec<&str> = std::iter::once(a.pick.implementation.as_str())
                    .chain(a.tied.iter().map(|t| t.row.implementation.as_str()))
                    .collect();
                assert!(
                    names
                        .iter()
                        .all(|n| ["atomic", "mutex_parking_lot"].contains(n)),
                    "{names:?}"
                );
            }
        } else {
            assert!(families.contains(&"lock"), "{}: {families:?}", w.name);
            for clients in [8, 64] {
                assert_eq!(
                    at(clients).pick.implementation,
                    "dashmap",
                    "{} at {clients}",
                    w.name
                );
            }
        }
    }
    // The rule's bound on the owner: the whole interval of every mix under it.
    let bound = (owner_high * 100.0).ceil();
    let rule = format!("an owner task or thread makes under {bound} % of the pick's throughput");
    assert!(
        readme
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(&rule),
        "README.md's rule should say {rule:?}"
    );
}

/// docs/ARCHITECTURE.md ("Flat combining is a lock") quotes what the best owner task or
/// thread makes of the pick's throughput at 8 clients, over the canonical run's mixes, from
/// each driver: this recomputes the range.
#[test]
fn the_owner_s_share_quoted_comes_from_the_canonical_run() {
    let run = made_up::committed(CANONICAL);
    let share = |driver: Driver| {
        let mut ratios: Vec<f64> = run
            .settings
            .workloads
            .iter()
            .filter(|w| w.scales)
            .map(|w| {
                let a = Ask::cell(&w.name, 8, driver);
                let advice = advise(&run, "canonical", &a).expect("an answer");
                assert_ne!(advice.pick.implementation, "combining");
                let owner = advice
                    .tied
                    .iter()
                    .chain(&advice.next)
                    .find(|a| a.row.family == "owner")
                    .expect("an owner in every cell");
                owner.ratio.expect("an interval").ratio
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        let pct = |x: f64| {
            if x < 0.1 {
                format!("{:.1}", 100.0 * x)
            } else {
                format!("{:.0}", 100.0 * x)
            }
        };
        format!("{}–{} %", pct(ratios[0]), pct(ratios[ratios.len() - 1]))
    };
    let quoted = format!(
        "from OS threads {} of the pick's throughput on this 2-core VM (a thread wake per call), \
         from tokio tasks {}.",
        share(Driver::Threads),
        share(Driver::Tasks)
    );
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ARCHITECTURE.md"),
    )
    .expect("the document");
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words(&doc).contains(&words(&quoted)),
        "docs/ARCHITECTURE.md lacks {quoted:?}"
    );
}

/// The README stays a first screen and a map: at most 200 lines, none over 200 characters, and
/// the two commands, the answer table and what is not covered within its first 40 lines.
#[test]
fn the_readme_stays_short_and_answers_on_its_first_screen() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .expect("the README");
    let lines: Vec<&str> = readme.lines().collect();
    assert!(lines.len() <= 200, "README.md has {} lines", lines.len());
    for (n, line) in lines.iter().enumerate() {
        let chars = line.chars().count();
        assert!(
            chars <= 200,
            "README.md line {} has {chars} characters",
            n + 1
        );
    }
    let first = lines[..40.min(lines.len())].join("\n");
    for needle in [
        "cargo run --release -- report",
        "cargo test --workspace",
        "| state and mix | 1 client | 8 clients | 64 clients |",
        "Not covered:",
    ] {
        assert!(
            first.contains(needle),
            "README.md's first 40 lines lack {needle:?}"
        );
    }
}

/// A report leads with the answer: before its summary, a table per scaling mix of client count
/// × kind of caller, each entry the card's pick for that cell.
#[test]
fn the_report_leads_with_the_answer_matrix() {
    let run = made_up::committed(CANONICAL);
    let report = statebench_report::markdown::report(&run);
    let answer = report.find("## The answer").expect("the answer section");
    let summary = report.find("## Summary").expect("the summary");
    assert!(answer < summary);
    // The core run's report stays a read: the tables and the methodology are its details'.
    assert!(
        report.lines().count() <= 400,
        "REPORT.md has {} lines",
        report.lines().count()
    );
    let section = &report[answer..summary];
    let mixes = run.settings.workloads.iter().filter(|w| w.scales).count();
    assert_eq!(
        section
            .matches("| clients | called from OS threads | called from tokio tasks |")
            .count(),
        mixes
    );
    for w in run.settings.workloads.iter().filter(|w| w.scales) {
        let table = &section[section
            .find(&format!("**`{}`**", w.name))
            .expect("its table")..];
        for clients in [1, 2, 8, 64] {
            let line = table
                .lines()
                .find(|l| l.starts_with(&format!("| {clients} |")))
                .expect("a row per count");
            let cells: Vec<&str> = line.split(" | ").collect();
            for (k, driver) in [(1, Driver::Threads), (2, Driver::Tasks)] {
                let a = Ask::cell(&w.name, clients, driver);
                let pick = advise(&run, "canonical", &a).expect("an answer").pick;
                assert!(
                    cells[k].starts_with(&format!("`{}`", pick.implementation)),
                    "{} / {clients}: {line}",
                    w.name
                );
            }
        }
    }
}

/// A run whose floors moved between its start and its end is called disturbed on the card, as
/// its report calls it; a run that held still is not.
#[test]
fn the_card_says_when_the_machine_changed_during_the_run() {
    let mut run = fixture();
    let disturbed = |run: &Results| {
        advise(run, "made-up", &ask("kv", 8))
            .expect("an answer")
            .caveats
            .iter()
            .any(|c| c.contains("the machine changed during this run"))
    };
    run.floors_end = Some(run.floors.clone());
    assert!(!disturbed(&run));
    let mut end = run.floors.clone();
    end.wake_cross_core_idle_ns = Some(statebench_harness::floors::Floor::of(vec![
        2_500.0, 2_550.0, 2_450.0, 2_520.0, 2_480.0,
    ]));
    run.floors_end = Some(end);
    assert!(disturbed(&run));
}

/// A row whose repetitions' rates lie more than tenfold apart is flagged where its figures are
/// shown; one whose repetitions agree is not.
#[test]
fn a_row_whose_repetitions_span_tenfold_is_flagged_in_place() {
    let reps = |rates: &[f64]| -> Vec<_> {
        rates
            .iter()
            .map(|r| repetition(*r, &[("get", 95), ("set", 5)]))
            .collect()
    };
    let row = |rates: &[f64]| {
        made_up::record(
            "kv_read_heavy",
            "scc",
            Family::Concurrent,
            Driver::Threads,
            8,
            reps(rates),
        )
    };
    let wild = statebench_report::table::notes(&row(&[11.3e3, 40e6, 51e6]));
    assert!(
        wild.contains("⚠ repetitions from 11.3 k to 51.00 M ops/s (4513×)"),
        "{wild}"
    );
    let calm = statebench_report::table::notes(&row(&[40e6, 45e6, 51e6]));
    assert!(!calm.contains('⚠'), "{calm}");
}

/// docs/DECISIONS.md opens with the canonical run's answer in five lines; this recomputes each
/// from the run, as `advise` reads it, and fails when the document says otherwise.
#[test]
fn the_decisions_lead_comes_from_the_canonical_run() {
    let run = made_up::committed(CANONICAL);
    let at = |w: &str, clients: usize, driver: Driver| {
        advise(&run, "canonical", &Ask::cell(w, clients, driver)).expect("an answer")
    };
    let family_of = |a: &statebench_report::advise::Advice, family: &str| {
        a.tied
            .iter()
            .chain(&a.next)
            .find(|x| x.row.family == family)
            .cloned()
    };
    let pct = |x: f64| {
        if x < 0.1 {
            format!("{:.1}", 100.0 * x)
        } else {
            format!("{:.0}", 100.0 * x)
        }
    };
    let range = |mut xs: Vec<f64>, show: &dyn Fn(f64) -> String| {
        xs.sort_by(f64::total_cmp);
        let (low, high) = (show(xs[0]), show(xs[xs.len() - 1]));
        if low == high {
            low
        } else {
            format!("{low}–{high}")
        }
    };
    let times = |x: f64| format!("{x:.2}");
    let scaling: Vec<String> = run
        .settings
        .workloads
        .iter()
        .filter(|w| w.scales)
        .map(|w| w.name.clone())
        .collect();
    let drivers = [Driver::Threads, Driver::Tasks];
    // 1. One client.
    let (mut one, mut one_lock) = (0, 0);
    let mut one_else: Vec<String> = Vec::new();
    for w in &scaling {
        for d in drivers {
            let a = at(w, 1, d);
            one += 1;
            if a.pick.family == "lock" || a.tied.iter().any(|t| t.row.family == "lock") {
                one_lock += 1;
            } else {
                one_else.push(format!(
                    "`{w}` from {}, where `{}` leads",
                    d.name(),
                    a.pick.implementation
                ));
            }
        }
    }
    // 2. Keyed state from two clients.
    let (mut keyed, mut dash) = (0, 0);
    let mut lock_share = Vec::new();
    // 3. The counter from tasks; 4. the owners.
    let mut atomic_lead: Vec<(Driver, f64)> = Vec::new();
    let mut atomic_tied: Vec<Driver> = Vec::new();
    let (mut owner_threads, mut owner_tasks) = (Vec::new(), Vec::new());
    for w in &scaling {
        for d in drivers {
            for c in [2, 8, 64] {
                let a = at(w, c, d);
                if let Some(o) = family_of(&a, "owner").and_then(|o| o.ratio) {
                    match d {
                        Driver::Threads => owner_threads.push(o.ratio),
                        _ => owner_tasks.push(o.ratio),
                    }
                }
                let lock = family_of(&a, "lock");
                if w == "counter" {
                    if a.pick.implementation == "atomic" {
                        match lock {
                            Some(l) if l.verdict == "slower" => {
                                atomic_lead.push((d, 1.0 / l.ratio.expect("an interval").ratio))
                            }
                            _ => atomic_tied.push(d),
                        }
                    } else if a.tied.iter().any(|t| t.row.implementation == "atomic") {
                        atomic_tied.push(d);
                    }
                    continue;
                }
                keyed += 1;
                if a.pick.implementation == "dashmap" {
                    dash += 1;
                    if let Some(l) = lock.filter(|l| l.verdict == "slower") {
                        lock_share.push(l.ratio.expect("an interval").ratio);
                    }
                }
            }
        }
    }
    // 5. Tails: each entry's latency claim, as (the family with the shorter p99, the
    // factor), from 1 client up.
    let mut tails: Vec<(String, String, f64, usize, String)> = Vec::new();
    for w in &scaling {
        for d in drivers {
            for c in [1, 2, 8, 64] {
                let a = at(w, c, d);
                let Some(other) = a
                    .tied
                    .iter()
                    .find(|t| t.row.family != a.pick.family)
                    .or_else(|| a.next.first())
                else {
                    continue;
                };
                let r = other.p99.ratio.map(|r| r.ratio);
                let cell = format!("`{w}` / {} / {c}", d.name());
                match (other.p99.verdict.as_str(), r) {
                    ("higher", Some(r)) => {
                        tails.push((a.pick.family.clone(), other.row.family.clone(), r, c, cell))
                    }
                    ("lower", Some(r)) => tails.push((
                        other.row.family.clone(),
                        a.pick.family.clone(),
                        1.0 / r,
                        c,
                        cell,
                    )),
                    _ => {}
                }
            }
        }
    }
    let map_shorter: Vec<f64> = tails
        .iter()
        .filter(|t| t.0 == "concurrent" && t.1 == "lock")
        .map(|t| t.2)
        .collect();
    let factor = |x: f64| {
        if x < 10.0 {
            format!("{x:.2}")
        } else {
            format!("{x:.0}")
        }
    };
    let whose = |family: &str| match family {
        "concurrent" => "concurrent structure's",
        "lock" => "lock's",
        _ => "owner's",
    };
    let others: Vec<String> = tails
        .iter()
        .filter(|t| !(t.0 == "concurrent" && t.1 == "lock"))
        .map(|t| {
            format!(
                "in {} the {} p99 is the lower, {}×",
                t.4,
                whose(&t.0),
                factor(t.2)
            )
        })
        .collect();
    let lines = [
        format!(
            "- **Tails:** the answer makes {} latency claims, {} of them at 1 client; in {} \
             of them the concurrent structure's p99 is the lower, {}× lower than the best \
             lock's{}.",
            tails.len(),
            tails.iter().filter(|t| t.3 == 1).count(),
            map_shorter.len(),
            range(map_shorter.clone(), &factor),
            if others.is_empty() {
                String::new()
            } else {
                format!("; {}", others.join("; "))
            }
        ),
        format!(
            "- **One client:** a lock is the pick, or not shown slower than it, in {one_lock} of \
             {one} cells (every mix that scales, from OS threads and from tokio tasks){}.",
            if one_else.is_empty() {
                String::new()
            } else {
                format!("; not in {}", one_else.join(", "))
            }
        ),
        format!(
            "- **Keyed state from two clients up** (the three kv mixes, sessions, cache): \
             `dashmap` is the pick in {dash} of {keyed} cells; where the run tells them apart \
             ({} cells) the best lock makes {}× of its throughput.",
            lock_share.len(),
            range(lock_share.clone(), &times)
        ),
        format!(
            "- **A counter from two clients up:** {}.",
            [Driver::Tasks, Driver::Threads]
                .iter()
                .map(|&d| {
                    let lead: Vec<f64> = atomic_lead
                        .iter()
                        .filter(|x| x.0 == d)
                        .map(|x| x.1)
                        .collect();
                    let tied = atomic_tied.iter().filter(|&&x| x == d).count();
                    let cells = |n: usize| format!("{n} cell{}", if n == 1 { "" } else { "s" });
                    let from = match d {
                        Driver::Threads => "from OS threads",
                        _ => "from tokio tasks",
                    };
                    match (lead.len(), tied) {
                        (0, t) => format!("{from} the run cannot tell the atomic from the best lock ({})", cells(t)),
                        (n, 0) => format!("{from} the atomic makes {}× the best lock's throughput ({})", range(lead, &times), cells(n)),
                        (n, t) => format!(
                            "{from} the atomic makes {}× the best lock's throughput ({}), and the run cannot tell the two apart in {}",
                            range(lead, &times),
                            cells(n),
                            cells(t)
                        ),
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        ),
        format!(
            "- **An owner task or thread from two clients up** makes {} % of the pick's \
             throughput from OS threads and {} % from tokio tasks.",
            range(owner_threads.clone(), &pct),
            range(owner_tasks.clone(), &pct)
        ),
    ];
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/DECISIONS.md"),
    )
    .expect("the document");
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let missing: Vec<&String> = lines
        .iter()
        .filter(|l| !words(&doc).contains(&words(l)))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/DECISIONS.md lacks:\n{}",
        missing
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A card says when a row's latencies rest on few samples (fewer than the tables' threshold a
/// repetition, or kinds never timed), and says nothing when they do not.
#[test]
fn a_card_says_when_a_latency_rests_on_few_samples() {
    let thin = advise(&fixture(), "made-up", &ask("kv", 8)).expect("an answer");
    assert!(
        thin.caveats.iter().any(|c| c.starts_with(
            "`dashmap`'s p50 and p99 rest on few samples (latency from 100 samples a repetition"
        )),
        "{:?}",
        thin.caveats
    );
    let mut run = fixture();
    for r in &mut run.records {
        for rep in &mut r.repetitions {
            let kinds: Vec<String> = rep.ops_by_kind.keys().cloned().collect();
            let mut l = made_up::latency();
            l.count = 5000;
            for k in kinds {
                rep.latency.insert(k, l);
            }
            rep.latency.insert("all".into(), l);
        }
    }
    let thick = advise(&run, "made-up", &ask("kv", 8)).expect("an answer");
    assert!(
        !thick.caveats.iter().any(|c| c.contains("few samples")),
        "{:?}",
        thick.caveats
    );
}
