//! Walks the registry and runs the conformance suite on every registered pair, in both call
//! styles: no implementation can be registered without being checked against the model.

use std::collections::BTreeSet;

use statebench::registry::{self, Visitor};
use statebench_conformance::check_counter_conservation;
use statebench_conformance::{CallStyle, Model, cases, check_model, startable};
use statebench_core::{Counter, Service};

/// Runs the suite on every implementation it visits, recording what it covered.
#[derive(Default)]
struct RunSuite {
    covered: Vec<(&'static str, &'static str, CallStyle)>,
    failures: Vec<String>,
}

impl<S: Model> Visitor<S> for RunSuite {
    fn visit<I: Service<S>>(&mut self) {
        if !startable::<S, I>() {
            return;
        }
        for style in [CallStyle::Blocking, CallStyle::Async] {
            // Fewer histories than each crate's own suite: this walk proves coverage, the
            // crates' tests give depth.
            match check_model::<S, I>(style, cases(32)) {
                Ok(()) => self.covered.push((S::SERVICE, I::NAME, style)),
                Err(report) => self.failures.push(report),
            }
        }
    }
}

#[test]
fn every_registered_pair_passes_the_conformance_suite_in_both_call_styles() {
    let mut suite = RunSuite::default();
    registry::all(&mut suite);
    assert!(suite.failures.is_empty(), "{}", suite.failures.join("\n\n"));

    let pairs = registry::pairs();
    for style in [CallStyle::Blocking, CallStyle::Async] {
        let covered: BTreeSet<_> = suite
            .covered
            .iter()
            .filter(|(_, _, s)| *s == style)
            .map(|(service, name, _)| (*service, *name))
            .collect();
        let registered: BTreeSet<_> = pairs
            .iter()
            .copied()
            .filter(|(service, name)| registry::unavailable(service, name).is_none())
            .collect();
        assert_eq!(
            covered, registered,
            "pairs not covered with {style:?} calls"
        );
    }
    // 13 generic strategies x 4 services, plus three maps and the striped lock x 3 services,
    // moka and atomic.
    assert!(pairs.len() >= 66, "only {} pairs registered", pairs.len());
    for service in statebench_core::SERVICES.iter().map(|s| s.name) {
        for generic in [
            "owner_tokio",
            "owner_tokio_batch",
            "owner_async_std",
            "owner_smol",
            "owner_thread",
            "owner_thread_spin",
            "owner_ractor",
            "mutex_std",
            "rwlock_std",
            "mutex_parking_lot",
            "mutex_tokio",
            "rwlock_tokio",
            "combining",
        ] {
            assert!(
                pairs.contains(&(service, generic)),
                "{generic} does not serve {service}"
            );
        }
    }
    for service in ["kv", "sessions", "cache"] {
        for map in ["dashmap", "papaya", "scc", "striped"] {
            assert!(
                pairs.contains(&(service, map)),
                "{map} does not serve {service}"
            );
        }
    }
    assert!(
        pairs.contains(&("cache", "moka")),
        "moka does not serve the cache"
    );
    for service in statebench_core::SERVICES.iter().map(|s| s.name) {
        assert!(
            pairs.contains(&(service, "redis")),
            "redis does not serve {service}"
        );
        // The cluster spreads keys over its masters: the counter's one key would sit on one.
        assert_eq!(
            pairs.contains(&(service, "redis_cluster")),
            service != "counter",
            "redis_cluster and {service}"
        );
    }
    for (service, name) in &pairs {
        println!("conformance ok, blocking and async: {service:<9} {name}");
    }
}

/// Runs the counter's conservation check on every counter implementation.
#[derive(Default)]
struct Conservation {
    checked: Vec<&'static str>,
    failures: Vec<String>,
}

impl Visitor<Counter> for Conservation {
    fn visit<I: Service<Counter>>(&mut self) {
        if !startable::<Counter, I>() {
            return;
        }
        match check_counter_conservation::<I>(3, 3000) {
            Ok(()) => self.checked.push(I::NAME),
            Err(report) => self.failures.push(report),
        }
    }
}

#[test]
fn every_counter_keeps_every_increment_under_concurrent_resets() {
    let mut check = Conservation::default();
    registry::walk::<Counter, _>(&mut check);
    assert!(check.failures.is_empty(), "{}", check.failures.join("\n"));
    assert_eq!(check.checked, registry::runnable("counter"));
}

/// `results::REFILED` names strategies whose family changed after older results files were
/// written: each must be registered, declare the family it is read in, and a committed file
/// that recorded it in its old family must read in the new one.
#[test]
fn every_refiled_strategy_declares_the_family_it_is_read_in() {
    use statebench_harness::results::{REFILED, Results};
    for (name, family) in REFILED {
        let services: Vec<_> = registry::pairs()
            .into_iter()
            .filter(|(_, i)| i == name)
            .map(|(s, _)| s)
            .collect();
        assert!(!services.is_empty(), "{name} is not registered");
        for service in services {
            let d = registry::describe(service, name, statebench_harness::RustDriver::Threads)
                .expect("registered");
            assert_eq!(d.family, family.name(), "{service}/{name}");
        }
    }
    // The core run of 2026-12-01 recorded flat combining among the owners.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("results/2026-12-01-vm-core/results.json"),
    )
    .expect("a committed run");
    let family_of = |results: &Results, name: &str| {
        let mut families: Vec<String> = results
            .records
            .iter()
            .filter(|r| r.implementation == name)
            .map(|r| r.family.clone())
            .collect();
        families.dedup();
        families
    };
    let recorded = Results::from_json_as_recorded(&text).expect("a results file");
    let read = Results::from_json(&text).expect("a results file");
    assert_eq!(family_of(&recorded, "combining"), ["owner"]);
    assert_eq!(family_of(&read, "combining"), ["lock"]);
}

/// The report's sections name strategies only through `statebench_report::roles`: every name
/// there is a registered strategy or one of Go's programs, and every registered strategy and Go
/// program has a role there, so that a new or renamed strategy cannot silently fall out of a
/// section.
#[test]
fn every_strategy_has_a_role_and_every_role_names_a_strategy() {
    let mut known: BTreeSet<&str> = registry::pairs().into_iter().map(|(_, i)| i).collect();
    known.extend(statebench::go::STRATEGIES.iter().map(|s| s.name));
    let roles: BTreeSet<&str> = statebench_report::roles::named().into_iter().collect();
    let unknown: Vec<_> = roles.difference(&known).collect();
    assert!(
        unknown.is_empty(),
        "roles name unknown strategies: {unknown:?}"
    );
    let roleless: Vec<_> = known.difference(&roles).collect();
    assert!(
        roleless.is_empty(),
        "strategies without a role: {roleless:?}"
    );
}

/// The README's count of what `report --all` measures is the registry's: a strategy added or
/// removed changes the sentence, or this fails.
#[test]
fn the_readme_counts_the_registered_strategies() {
    let registered: BTreeSet<&str> = registry::pairs().into_iter().map(|(_, i)| i).collect();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("the README");
    let said = format!("measures all {} Rust strategies and", registered.len());
    assert!(
        readme.replace('\n', " ").contains(&said),
        "README.md should say `{said}` (the registry has {} strategies)",
        registered.len()
    );
}
