//! The `statebench` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use statebench::registry;

/// Where should shared state live? Owner tasks, locks and concurrent maps, measured side by side.
#[derive(Debug, Parser)]
#[command(name = "statebench", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the services and, for each, the implementations registered for it.
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List => list(),
    }
    ExitCode::SUCCESS
}

fn list() {
    println!("services and their implementations:");
    for (service, about) in registry::SERVICES {
        println!();
        println!("  {service:<10} {about}");
        println!(
            "  {:<10} {}",
            "",
            registry::implementations(service).join(", ")
        );
    }
    let pairs = registry::pairs();
    println!();
    println!("{} (service, implementation) pairs.", pairs.len());
}
