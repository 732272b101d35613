//! `list`: the services, their implementations and the named workloads.

use statebench::registry;
use statebench::runner::CORE;
use statebench_harness::workload;

pub(crate) fn list() {
    println!("services and their implementations:");
    for service in statebench_core::SERVICES {
        println!();
        println!("  {:<10} {}", service.name, service.about);
        let names: Vec<String> = registry::implementations(service.name)
            .into_iter()
            .map(|n| {
                if CORE.contains(&n) {
                    format!("{n}*")
                } else {
                    n.to_owned()
                }
            })
            .collect();
        println!("  {:<10} {}", "", names.join(", "));
        let go: Vec<String> = statebench::go::STRATEGIES
            .iter()
            .filter(|g| g.services.contains(&service.name))
            .map(|g| {
                let star = if CORE.contains(&g.name) { "*" } else { "" };
                format!("{}{star}", g.name)
            })
            .collect();
        if !go.is_empty() {
            println!("  {:<10} Go (goroutines driver): {}", "", go.join(", "));
        }
    }
    let pairs = registry::pairs();
    println!();
    println!(
        "{} (service, implementation) pairs. * the core set, which `run` and `report` measure \
         unless given --impl, --suite or --all.",
        pairs.len()
    );
    println!(
        "Go's rows are Go's own programs (scripts/go/), run where Go is available \
         (scripts/install-go.sh), on workloads of uniformly drawn keys; {}.",
        match statebench::go::toolchain() {
            Ok(go) => format!("Go here: {}", go.display()),
            Err(why) => why,
        }
    );
    println!();
    println!("workloads (statebench run --workload NAME):");
    for w in workload::named() {
        let clients = if w.scales {
            "scales with --clients".to_owned()
        } else {
            format!("{} clients", w.default_clients())
        };
        println!("  {:<15} {:<9} {} ({clients})", w.name, w.service, w.about);
    }
}
