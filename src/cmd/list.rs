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
    }
    let pairs = registry::pairs();
    println!();
    println!(
        "{} (service, implementation) pairs. * the core set, which `run` and `report` measure \
         unless given --impl, --suite or --all.",
        pairs.len()
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
