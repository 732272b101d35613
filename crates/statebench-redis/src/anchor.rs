//! The outside anchor for the Redis rows: `redis-benchmark`, the tool that ships with the
//! server, run against a server of its own on this machine in the same run, so that the `redis`
//! row's figure can be set beside what Redis's own client does here (issue 30, item 5). A
//! figure far below the anchor's, at the same client count and pipelining depth, is a defect
//! of the harness or of how it uses the client, not a property of Redis.
//!
//! Like the rows, neither the server nor `redis-benchmark` is pinned: both run where the
//! scheduler puts them, and where that is moves the figure several-fold on a 2-core VM (client
//! and server sharing a core, or not, from one second to the next). So each figure is the
//! median of several trials, all recorded.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::Server;

/// How long one `redis-benchmark` may take before it is killed: it retries a connection it
/// cannot make forever.
pub const WITHIN: Duration = Duration::from_secs(60);

/// One `redis-benchmark` test's figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// The command benchmarked, as the tool names it (`GET`, `SET`).
    pub test: String,
    /// Requests a second over all connections.
    pub rps: f64,
    /// The median latency, in milliseconds, as the tool reports it.
    pub p50_ms: f64,
}

/// The `redis-benchmark` that ships with `server_binary` (the same directory), else the one on
/// `PATH`.
pub fn binary(server_binary: &Path) -> Option<PathBuf> {
    let beside = server_binary
        .parent()
        .map(|dir| dir.join("redis-benchmark"))
        .filter(|p| p.is_file());
    beside.or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("redis-benchmark"))
                .find(|candidate| candidate.is_file())
        })
    })
}

/// Runs `benchmark` (a `redis-benchmark`) against `server`: `tests` (e.g. `set,get`), each
/// `requests` requests from `clients` connections, one request in flight on each (no
/// pipelining), over `keyspace` keys drawn at random. Bounded by [`WITHIN`].
pub fn run(
    benchmark: &Path,
    server: &Server,
    tests: &str,
    clients: usize,
    requests: u64,
    keyspace: u64,
) -> Result<Vec<Figure>, String> {
    let mut child = Command::new(benchmark)
        .args(["-h", "127.0.0.1", "-p", &server.port().to_string()])
        .args(["-c", &clients.to_string(), "-n", &requests.to_string()])
        .args(["-t", tests, "-r", &keyspace.to_string(), "-P", "1", "--csv"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", benchmark.display()))?;
    let deadline = Instant::now() + WITHIN;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("redis-benchmark took longer than {WITHIN:?}"));
            }
            Err(e) => return Err(format!("cannot wait for redis-benchmark: {e}")),
        }
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    if !status.success() {
        return Err(format!("redis-benchmark failed ({status})"));
    }
    parse(&out)
}

/// The figures of `redis-benchmark --csv`'s output: a header naming the columns, then a line a
/// test, every field quoted.
pub fn parse(csv: &str) -> Result<Vec<Figure>, String> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let fields = |line: &str| -> Vec<String> {
        line.split(',')
            .map(|f| f.trim().trim_matches('"').to_owned())
            .collect()
    };
    let header = fields(lines.next().ok_or("redis-benchmark printed nothing")?);
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("redis-benchmark's output has no {name:?} column: {header:?}"))
    };
    let (test, rps, p50) = (column("test")?, column("rps")?, column("p50_latency_ms")?);
    lines
        .map(|line| {
            let f = fields(line);
            let number = |i: usize| -> Result<f64, String> {
                f.get(i)
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("not a redis-benchmark figure: {line:?}"))
            };
            Ok(Figure {
                test: f.get(test).cloned().unwrap_or_default(),
                rps: number(rps)?,
                p50_ms: number(p50)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_output_of_redis_benchmark_7_reads_as_figures() {
        let out = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\
                   \"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n\
                   \"SET\",\"100000.00\",\"0.007\",\"0.000\",\"0.007\",\"0.015\",\"0.023\",\"0.135\"\n\
                   \"GET\",\"19230.77\",\"0.049\",\"0.000\",\"0.063\",\"0.103\",\"0.119\",\"0.759\"\n";
        let figures = parse(out).expect("parses");
        assert_eq!(
            figures,
            [
                Figure {
                    test: "SET".into(),
                    rps: 100000.0,
                    p50_ms: 0.007
                },
                Figure {
                    test: "GET".into(),
                    rps: 19230.77,
                    p50_ms: 0.063
                }
            ]
        );
        assert!(parse("").is_err());
        assert!(parse("\"test\",\"rps\"\n\"GET\",\"1\"\n").is_err());
        assert!(parse(&out.replace("19230.77", "fast")).is_err());
    }
}
