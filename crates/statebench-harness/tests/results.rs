//! The results document: it reads back what it wrote, names what it cannot read, and
//! summarises repetitions by their middle.

use statebench_core::Family;
use statebench_harness::Driver;
use statebench_harness::fixture;
use statebench_harness::results::{Results, SCHEMA, Spread, utc};

fn sample() -> Results {
    let reps = vec![
        fixture::repetition(100.0, &[("increment", 100)]),
        fixture::repetition(300.0, &[("increment", 300)]),
    ];
    let record = fixture::record(
        "counter",
        "mutex_std",
        Family::Lock,
        Driver::Threads,
        1,
        reps,
    );
    fixture::results(&["counter"], vec![record])
}

#[test]
fn a_document_round_trips_through_json() {
    let results = sample();
    let back = Results::from_json(&results.to_json()).expect("reads back");
    assert_eq!(back, results);
    assert_eq!(
        back.records[0].summary.ops_per_sec,
        Spread {
            median: 200.0,
            min: 100.0,
            max: 300.0
        }
    );
    assert_eq!(back.records[0].summary.p99_ns.median, 900.0);
}

#[test]
fn unreadable_documents_are_named() {
    let json = sample().to_json();
    let err = |text: &str| Results::from_json(text).unwrap_err().0;
    assert!(err("").contains("empty"));
    assert!(err(&json[..json.len() / 2]).contains("truncated"));
    assert!(err("<html>").contains("not JSON"));
    assert!(err("{\"a\": 1}").contains("no \"schema\""));
    assert!(err(&json.replace("\"version\": 2", "\"version\": 9")).contains("version 9"));
    assert!(err(&json.replace(SCHEMA, "other")).contains("\"other\""));
}

#[test]
fn dates_are_utc_iso_8601() {
    assert_eq!(utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(utc(1_796_000_000), "2026-11-30T00:53:20Z");
}

#[test]
fn spreads_take_the_middle() {
    assert_eq!(Spread::of(&[3.0, 1.0, 2.0]).median, 2.0);
    assert_eq!(Spread::of(&[4.0, 1.0]).median, 2.5);
    assert_eq!(Spread::of(&[]).max, 0.0);
}
