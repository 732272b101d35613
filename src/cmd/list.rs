//! `list`: the services, their implementations and the named workloads.

use statebench::registry;
use statebench::runner::CORE;
use statebench_harness::workload;

pub(crate) fn list(args: &crate::ListArgs) -> std::process::ExitCode {
    let format = match args.format.as_str() {
        "toml" => Some(workload::Format::Toml),
        "json" => Some(workload::Format::Json),
        _ => None,
    };
    if let Some(format) = format {
        // Each built-in in full, as a workload file: the examples to start one from.
        let named = workload::named();
        if format == workload::Format::Json {
            let all: Vec<String> = named.iter().map(|w| w.to_text(format)).collect();
            println!("[\n{}\n]", all.join(",\n"));
        } else {
            for w in &named {
                println!(
                    "# workload {} (save as {}.toml; rename it: built-in names are taken)",
                    w.name, w.name
                );
                println!("{}", w.to_text(format));
            }
        }
        return std::process::ExitCode::SUCCESS;
    }
    if args.workloads {
        workloads();
        return std::process::ExitCode::SUCCESS;
    }
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
    workloads();
    std::process::ExitCode::SUCCESS
}

/// The named workloads, a line each.
fn workloads() {
    println!("workloads (statebench run --workload NAME; your own: --workload-file FILE):");
    for w in workload::named() {
        let clients = if w.scales {
            "scales with --clients".to_owned()
        } else {
            format!("{} clients", w.default_clients())
        };
        println!("  {:<15} {:<9} {} ({clients})", w.name, w.service, w.about);
    }
}
