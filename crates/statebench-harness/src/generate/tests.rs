//! The generators' tests: plans, tags, and every service's checks.

use super::tagged::writer_of;
use super::*;
use crate::workload::find;
use statebench_core::{CacheU64, Counter, CounterOp, CounterReply, KvOp, KvReply, KvU64, Sessions};

#[test]
fn plans_are_reproducible_and_follow_the_mix() {
    let w = find("kv_read_heavy").expect("exists");
    let a = plans::<KvU64>(&w, 4, 7).expect("plans");
    let b = plans::<KvU64>(&w, 4, 7).expect("plans");
    assert_eq!(a.len(), 4);
    assert_eq!(a[2].ops, b[2].ops, "same seed, same operations");
    assert_ne!(a[0].ops, a[1].ops, "clients differ");
    let sets = a.iter().flat_map(|p| &p.kinds).filter(|k| **k == 1).count();
    let share = sets as f64 / (4 * PLAN_LEN) as f64;
    assert!(
        (0.04..0.06).contains(&share),
        "5 % sets expected, got {share:.3}"
    );
}

/// Every kind index the plans use makes an operation of that kind.
fn ops_are_of_their_kind<S: Subject>(workload: &str) {
    let w = find(workload).expect("exists");
    let mut rng = Rng::new(5);
    for kind in 0..S::KINDS.len() {
        let op = S::op(kind, 3, 0, &mut rng, &w);
        assert_eq!(S::kind(&op), kind, "{}: {op:?}", S::SERVICE);
    }
    for plan in plans::<S>(&w, 4, 9).expect("plans") {
        for (op, kind) in plan.ops.iter().zip(&plan.kinds) {
            assert_eq!(S::kind(op), usize::from(*kind), "{op:?}");
        }
    }
}

#[test]
fn every_subject_makes_operations_of_the_kind_asked() {
    ops_are_of_their_kind::<KvU64>("kv_write_heavy");
    ops_are_of_their_kind::<Counter>("counter");
    ops_are_of_their_kind::<Sessions>("sessions");
    ops_are_of_their_kind::<CacheU64>("cache");
}

#[test]
fn seed_plans_give_readers_gets_and_writers_sets() {
    let w = find("seed").expect("exists");
    let p = plans::<KvU64>(&w, 110, 1).expect("plans");
    // Client by client, in the order they start: the groups interleaved.
    let groups = w.client_groups(110).expect("110 clients");
    let readers = p.iter().zip(&groups).filter(|(_, g)| **g == 0);
    let writers = p.iter().zip(&groups).filter(|(_, g)| **g == 1);
    assert_eq!(
        (readers.clone().count(), writers.clone().count()),
        (100, 10)
    );
    assert!(
        readers
            .map(|(p, _)| p)
            .all(|p| p.ops.iter().all(|op| matches!(op, KvOp::Get(k) if *k < 5)))
    );
    assert!(writers.map(|(p, _)| p).all(|p| {
        p.ops
            .iter()
            .all(|op| matches!(op, KvOp::Set(k, _) if *k < 5))
    }));
    assert_ne!(groups[100..], [1; 10], "the writers are not the last ten");
}

#[test]
fn checks_catch_a_value_of_another_key_and_lost_increments() {
    let mut rng = Rng::new(1);
    let v = tagged_value(3, Some(0), &mut rng);
    let none = OwnWrite::default();
    let mut lookups = Lookups::default();
    assert!(KvU64::check(
        &KvOp::Get(3),
        &KvReply::Value(Some(v)),
        none,
        &mut lookups
    ));
    assert!(!KvU64::check(
        &KvOp::Get(4),
        &KvReply::Value(Some(v)),
        none,
        &mut lookups
    ));
    assert!(KvU64::check(
        &KvOp::Get(4),
        &KvReply::Value(None),
        none,
        &mut lookups
    ));
    assert_eq!((lookups.made, lookups.found), (3, 2), "gets are counted");
    assert!(
        KvU64::explain(&KvOp::Get(4), &KvReply::Value(Some(v)), none)
            .contains("never written for key 4")
    );
    assert!(!KvU64::check(
        &KvOp::Get(4),
        &KvReply::Len(1),
        none,
        &mut lookups
    ));
    let mut tally = CounterTally::default();
    assert!(!Counter::check(
        &CounterOp::Increment,
        &CounterReply(0),
        (),
        &mut tally
    ));
    assert!(Counter::check(
        &CounterOp::Increment,
        &CounterReply(1),
        (),
        &mut tally
    ));
    assert!(Counter::check(
        &CounterOp::Reset,
        &CounterReply(1),
        (),
        &mut tally
    ));
    assert_eq!((tally.increments, tally.reset_total), (1, 1));
    // A client alone: its own count in every reply. A get that shows 5 after the reset
    // is neither its own count nor within the increments made.
    assert_eq!(tally.not_alone, 0);
    assert!(Counter::check(
        &CounterOp::Get,
        &CounterReply(5),
        (),
        &mut tally
    ));
    assert_eq!((tally.not_alone, tally.largest), (1, 5));
}

#[test]
fn a_client_expects_its_own_latest_write_to_each_key() {
    let mut rng = Rng::new(2);
    let (a1, a2, b) = (
        tagged_value(7, Some(0), &mut rng),
        tagged_value(7, Some(0), &mut rng),
        tagged_value(7, Some(1), &mut rng),
    );
    // Client 0's plan: get 7, set 7 = a1, get 7, set 7 = a2, get 7, delete 7, get 9.
    let ops = [
        KvOp::Get(7),
        KvOp::Set(7, a1),
        KvOp::Get(7),
        KvOp::Set(7, a2),
        KvOp::Get(7),
        KvOp::Delete(7),
        KvOp::Get(9),
    ];
    let own = KvU64::expectations(&ops);
    let w = own[2].writer;
    assert_eq!(w, writer_of(a1));
    // The first get: the delete at the end of the previous lap, only from lap 2 on.
    assert_eq!(
        own[0],
        OwnWrite {
            writer: w,
            value: None,
            this_lap: false
        }
    );
    assert_eq!(own[1].value, None);
    assert_eq!((own[2].value, own[2].this_lap), (Some(a1), true));
    assert_eq!((own[4].value, own[4].this_lap), (Some(a2), true));
    assert_eq!((own[5].value, own[5].this_lap), (Some(a2), true));
    assert_eq!(own[6], OwnWrite::default(), "key 9 is never written");
    let mut t = Lookups::default();
    let get = |reply: Option<u64>, own: OwnWrite, t: &mut Lookups| {
        KvU64::check(&KvOp::Get(7), &KvReply::Value(reply), own, t)
    };
    // Its latest write, another client's, or nothing: fine; an older one of its own: a
    // stale read.
    assert!(get(Some(a2), own[4], &mut t));
    assert!(get(Some(b), own[4], &mut t));
    assert!(get(None, own[4], &mut t));
    assert!(!get(Some(a1), own[4], &mut t));
    assert!(
        KvU64::explain(&KvOp::Get(7), &KvReply::Value(Some(a1)), own[4])
            .starts_with("a stale read")
    );
    // Another client's value and nothing, after its own write this lap: counted, since a
    // client alone could meet neither.
    assert_eq!(t.foreign_after_own, 2);
    // After its own delete, nothing is its own latest write.
    assert!(get(None, own[0], &mut t));
    assert!(!get(Some(a2), own[0], &mut t));
    // A prefilled value carries no client's writer.
    assert_eq!(writer_of(tagged_value(7, None, &mut rng)), 0);
}
