//! Redis servers started by the project: one `redis-server` process per [`Server`], on a
//! loopback port picked free, in a temporary directory of its own, with persistence off (no
//! RDB snapshots, no append-only file), stopped and cleaned up when the `Server` is dropped —
//! on success, on error, on a panic that unwinds — and when the process that started it dies
//! any other way, a signal included: a small shell keeps each server and stops it when its
//! stdin, a pipe from this process, closes.
//!
//! Where the machine has no `redis-server`, [`binary_or_install`] runs
//! `scripts/install-redis.sh` (Debian's package, as root), the way the Go rows install Go;
//! `STATEBENCH_REDIS=off` turns the Redis rows off and installs nothing, and
//! `STATEBENCH_REDIS_SERVER=/path/to/redis-server` names the binary to use.

use std::ffi::OsString;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How many logical databases each server has: one per service running on it at once.
pub const DATABASES: u32 = 4096;

/// How long a server may take to answer its first `PING`.
pub const READY_WITHIN: Duration = Duration::from_secs(10);

/// Why no server could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// `STATEBENCH_REDIS=off`: the Redis rows are turned off.
    Off,
    /// No `redis-server` here, and none could be installed: the reason, in one line.
    Missing(String),
    /// A `redis-server` was found but did not start or answer: what it said.
    Failed(String),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::Off => write!(f, "the Redis rows are off (STATEBENCH_REDIS=off)"),
            Unavailable::Missing(why) => write!(f, "no redis-server: {why}"),
            Unavailable::Failed(why) => write!(f, "redis-server did not start: {why}"),
        }
    }
}

impl std::error::Error for Unavailable {}

/// The `redis-server` to use, from the environment's values (passed in, so that tests need not
/// change the process's environment): `redis` is `$STATEBENCH_REDIS` (`off` turns the rows
/// off), `server` is `$STATEBENCH_REDIS_SERVER`, `path` is `$PATH`. Installs nothing.
pub fn binary_from(
    redis: Option<OsString>,
    server: Option<OsString>,
    path: Option<OsString>,
) -> Result<PathBuf, Unavailable> {
    if redis.as_deref() == Some(std::ffi::OsStr::new("off")) {
        return Err(Unavailable::Off);
    }
    if let Some(server) = server {
        let server = PathBuf::from(server);
        return if server.is_file() {
            Ok(server)
        } else {
            Err(Unavailable::Missing(format!(
                "STATEBENCH_REDIS_SERVER={} is not a file",
                server.display()
            )))
        };
    }
    path.and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|candidate| candidate.is_file())
    })
    .ok_or_else(|| {
        Unavailable::Missing(
            "none on PATH (run scripts/install-redis.sh, or set STATEBENCH_REDIS_SERVER)".into(),
        )
    })
}

/// The `redis-server` this process's environment names ([`binary_from`]). Installs nothing.
pub fn binary() -> Result<PathBuf, Unavailable> {
    binary_from(
        std::env::var_os("STATEBENCH_REDIS"),
        std::env::var_os("STATEBENCH_REDIS_SERVER"),
        std::env::var_os("PATH"),
    )
}

/// [`binary`], or, where the machine has none, the one `scripts/install-redis.sh` installs
/// (Debian's package; needs root and apt-get, and says why in one line when it cannot).
pub fn binary_or_install() -> Result<PathBuf, Unavailable> {
    match binary() {
        Err(Unavailable::Missing(why)) => {
            let script =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/install-redis.sh");
            if !script.is_file() {
                return Err(Unavailable::Missing(why));
            }
            eprintln!("statebench: no redis-server; installing one with scripts/install-redis.sh");
            let out = Command::new(&script)
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| {
                    Unavailable::Missing(format!("cannot run {}: {e}", script.display()))
                })?;
            let server = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if out.status.success() && server.is_file() {
                Ok(server)
            } else {
                Err(Unavailable::Missing(
                    "scripts/install-redis.sh could not install one (its reason is above)".into(),
                ))
            }
        }
        other => other,
    }
}

/// The shell that keeps a server: it starts `redis-server` (its arguments after the
/// directory), prints its pid, and stops it — then removes the directory — when its own stdin
/// reaches its end. That end is a pipe whose only writer is this process, so it comes when the
/// [`Server`] drops *and* when this process dies any other way, a `SIGKILL` included: a server
/// never outlives the run that started it. The keeper ignores the signals a terminal or a
/// process group sends (`INT`, `QUIT`, `TERM`) and a closed stdout (`PIPE`), so that it is
/// always alive to clean up: its pipe tells it when. When the server exits on its own, the
/// keeper stops its watcher (whose pid could be reused later) and exits with the server's
/// status.
const KEEPER: &str = r#"trap '' PIPE INT QUIT TERM
dir="$1"; shift
exec 3<&0
"$@" </dev/null >/dev/null 2>&1 3<&- &
pid=$!
( cat <&3 >/dev/null; kill "$pid" 2>/dev/null ) &
watcher=$!
echo "$pid"
wait "$pid"
status=$?
kill "$watcher" 2>/dev/null
rm -rf "$dir"
exit "$status""#;

/// A running `redis-server`, ours alone: stopped, and its directory removed, on drop or when
/// this process ends, however it ends.
#[derive(Debug)]
pub struct Server {
    keeper: Child,
    /// The keeper's stdin: dropping it stops the server.
    lifeline: Option<ChildStdin>,
    pid: u32,
    port: u16,
    /// The cluster bus's port, for a node of a cluster ([`Server::start_node`]).
    bus: Option<u16>,
    dir: PathBuf,
}

impl Server {
    /// Starts a server from [`binary_or_install`]: on a free loopback port, in a fresh
    /// temporary directory, with persistence off, and waits until it answers `PING` (at most
    /// [`READY_WITHIN`]).
    pub fn start() -> Result<Server, Unavailable> {
        Server::start_with(&binary_or_install()?)
    }

    /// [`Server::start`] with the given `redis-server`.
    pub fn start_with(binary: &Path) -> Result<Server, Unavailable> {
        // A port picked free can be taken by someone else before the server binds it: try a
        // few, and report the last failure.
        let mut last = String::new();
        for _ in 0..3 {
            match free_ports(1) {
                Ok(ports) => match Server::try_start(binary, ports[0], None) {
                    Ok(server) => return Ok(server),
                    Err(why) => last = why,
                },
                Err(e) => last = format!("no free loopback port: {e}"),
            }
        }
        Err(Unavailable::Failed(last))
    }

    /// A node of a Redis Cluster, not yet joined to any ([`crate::cluster`]): as
    /// [`Server::start_with`], with cluster mode on, its node table in its own directory, and
    /// its cluster bus on a second loopback port picked free (not the port + 10000 Redis would
    /// choose, which may be taken or past 65535).
    pub fn start_node(binary: &Path) -> Result<Server, Unavailable> {
        let mut last = String::new();
        for _ in 0..3 {
            match free_ports(2) {
                Ok(ports) => match Server::try_start(binary, ports[0], Some(ports[1])) {
                    Ok(server) => return Ok(server),
                    Err(why) => last = why,
                },
                Err(e) => last = format!("no free loopback ports: {e}"),
            }
        }
        Err(Unavailable::Failed(last))
    }

    /// A server on `port` (one try): what a test uses to bring a server back where one was
    /// stopped, as a restarted server would come back.
    pub fn start_at(port: u16) -> Result<Server, Unavailable> {
        Server::try_start(&binary_or_install()?, port, None).map_err(Unavailable::Failed)
    }

    fn try_start(binary: &Path, port: u16, bus: Option<u16>) -> Result<Server, String> {
        let dir = fresh_dir().map_err(|e| format!("no temporary directory: {e}"))?;
        let log = dir.join("redis.log");
        let cluster: Vec<String> = match bus {
            None => Vec::new(),
            Some(bus) => vec![
                "--cluster-enabled".into(),
                "yes".into(),
                "--cluster-port".into(),
                bus.to_string(),
                // In `--dir`, removed with it.
                "--cluster-config-file".into(),
                "nodes.conf".into(),
                "--cluster-node-timeout".into(),
                "5000".into(),
            ],
        };
        let child = Command::new("sh")
            .arg("-c")
            .arg(KEEPER)
            .arg("statebench-redis-keeper")
            .arg(&dir)
            .arg(binary)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--protected-mode", "yes", "--daemonize", "no"])
            // A logical database per service started on it, so that each counts only its
            // own keys (`crate::store`).
            .args(["--databases", &DATABASES.to_string()])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(&log)
            .args(&cluster)
            // Scripts compare fixed-width digit strings with Lua's `<`, which collates by
            // the locale: the C locale's is byte order.
            .env("LC_ALL", "C")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut keeper = match child {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(format!(
                    "cannot start a shell to keep {}: {e}",
                    binary.display()
                ));
            }
        };
        let lifeline = keeper.stdin.take();
        // The keeper prints the server's pid first thing.
        let mut pid = String::new();
        if let Some(out) = keeper.stdout.take() {
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut pid);
        }
        let pid = pid.trim().parse().unwrap_or(0);
        // From here the server is ours: dropping it stops it, on every path below.
        let mut server = Server {
            keeper,
            lifeline,
            pid,
            port,
            bus,
            dir,
        };
        if pid == 0 {
            return Err("its keeper did not say which process it started".into());
        }
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Ok(Some(status)) = server.keeper.try_wait() {
                let said = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!(
                    "it exited ({status}) before answering; its log: {}",
                    said.lines().last().unwrap_or("(empty)")
                ));
            }
            if server.ping().is_ok() {
                return Ok(server);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "no answer to PING on port {port} within {READY_WITHIN:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of its cluster bus, on 127.0.0.1, if it is a cluster's node.
    pub fn bus_port(&self) -> Option<u16> {
        self.bus
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// Its address as a client's URL, `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The CPU time the server's threads have run so far, from the kernel's scheduler
    /// statistics (`/proc/PID/task/*/schedstat`, nanoseconds); `None` where they cannot be read.
    pub fn cpu_time(&self) -> Option<Duration> {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.pid)).ok()?;
        let mut ns: u64 = 0;
        for task in tasks.flatten() {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
            ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
        }
        Some(Duration::from_nanos(ns))
    }

    /// The directory it runs in (removed on drop).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Sends one command in Redis's protocol (RESP) over a fresh connection and returns its
    /// reply in words: a status or an integer as sent (`+PONG`, `:1`), a bulk string as its
    /// payload (`41`) or `(nil)`, an array as `[a, b]`. Enough to check a server without a
    /// client library; every read is bounded (2 s a read, 5 s a reply).
    pub fn command(&self, args: &[&str]) -> std::io::Result<String> {
        let mut stream = TcpStream::connect_timeout(&self.addr(), Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.set_write_timeout(Some(Duration::from_secs(2)))?;
        let mut request = format!("*{}\r\n", args.len());
        for a in args {
            request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(request.as_bytes())?;
        let deadline = Instant::now() + Duration::from_secs(5);
        reply(&mut std::io::BufReader::new(stream), deadline)
    }

    /// Ready when it answers, and it is ours that answers: a server of another process that
    /// took the port first would give another `process_id`.
    fn ping(&self) -> std::io::Result<()> {
        let info = self.command(&["INFO", "server"])?;
        if info.contains(&format!("process_id:{}\r\n", self.pid)) {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "port {} is answered, but not by process {}",
                self.port, self.pid
            )))
        }
    }
}

/// One RESP reply from `input`, in the words [`Server::command`] gives.
fn reply(input: &mut impl std::io::BufRead, deadline: Instant) -> std::io::Result<String> {
    let line = read_line(input, deadline)?;
    let (kind, rest) = line.split_at(line.len().min(1));
    let count = || {
        rest.parse::<i64>()
            .map_err(|_| std::io::Error::other(format!("not a RESP length: {line:?}")))
    };
    match kind {
        "$" => match count()? {
            n if n < 0 => Ok("(nil)".into()),
            n => {
                let mut payload = vec![0u8; n as usize + 2];
                input.read_exact(&mut payload)?;
                payload.truncate(n as usize);
                Ok(String::from_utf8_lossy(&payload).into_owned())
            }
        },
        "*" => match count()? {
            n if n < 0 => Ok("(nil)".into()),
            n => {
                let items = (0..n)
                    .map(|_| reply(input, deadline))
                    .collect::<std::io::Result<Vec<_>>>()?;
                Ok(format!("[{}]", items.join(", ")))
            }
        },
        _ => Ok(line),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing the lifeline tells the keeper to stop the server; give it a few seconds.
        drop(self.lifeline.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.keeper.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if matches!(self.keeper.try_wait(), Ok(None)) {
            // Never `kill -9 0`: that is the whole process group.
            if self.pid != 0 {
                let _ = Command::new("kill")
                    .args(["-9", &self.pid.to_string()])
                    .status();
            }
            let _ = self.keeper.kill();
        }
        let _ = self.keeper.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One line of a reply, without its `\r\n`: at most 64 KiB, and given up at `deadline`
/// (each read is bounded by the stream's timeout).
fn read_line(input: &mut impl std::io::BufRead, deadline: Instant) -> std::io::Result<String> {
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        if Instant::now() > deadline || line.len() > 64 * 1024 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no whole reply line in time",
            ));
        }
        let mut byte = [0u8; 1];
        if input.read(&mut byte)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the server closed the connection mid-reply",
            ));
        }
        line.push(byte[0]);
    }
    line.truncate(line.len() - 2);
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// `n` distinct loopback ports free a moment ago (each listener held until all are picked).
fn free_ports(n: usize) -> std::io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<std::io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}

fn fresh_dir() -> std::io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "statebench-redis-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
