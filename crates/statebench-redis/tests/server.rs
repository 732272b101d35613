//! The servers the project starts: they answer, hold their own state apart, leave nothing
//! behind when dropped, and say why when they cannot be had.

use std::ffi::OsString;
use std::time::{Duration, Instant};

use statebench_redis::cluster::{Cluster, MASTERS, slots_of};
use statebench_redis::server::{Server, Unavailable, binary_from};

/// Held by every test that starts servers, so that one test's count of server directories is
/// not another's.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// A server, or the test's skip printed when this machine has no redis-server and cannot
/// install one. Where one is required (`STATEBENCH_REQUIRE_REDIS`, set by `.ci/run`, which
/// installs it first) no test skips: a missing server fails them.
fn server() -> Option<Server> {
    match Server::start() {
        Ok(server) => Some(server),
        Err(e @ (Unavailable::Off | Unavailable::Missing(_))) => {
            assert!(
                std::env::var_os("STATEBENCH_REQUIRE_REDIS").is_none(),
                "a redis-server is required here: {e}"
            );
            eprintln!("SKIPPED: {e} (scripts/install-redis.sh installs one)");
            None
        }
        Err(e @ Unavailable::Failed(_)) => panic!("{e}"),
    }
}

#[test]
fn a_server_answers_keeps_state_and_is_gone_when_dropped() {
    let _one = one_at_a_time();
    let Some(server) = server() else { return };
    assert_eq!(server.command(&["PING"]).unwrap(), "+PONG");
    assert_eq!(server.command(&["SET", "k", "41"]).unwrap(), "+OK");
    assert_eq!(server.command(&["GET", "k"]).unwrap(), "41");
    assert_eq!(server.command(&["GET", "missing"]).unwrap(), "(nil)");
    // Persistence off: no snapshots, no append-only file.
    assert_eq!(
        server.command(&["CONFIG", "GET", "save"]).unwrap(),
        "[save, ]"
    );
    assert_eq!(
        server.command(&["CONFIG", "GET", "appendonly"]).unwrap(),
        "[appendonly, no]"
    );
    // It is the server this Server started that answers.
    assert!(
        server
            .command(&["INFO", "server"])
            .unwrap()
            .contains(&format!("process_id:{}\r\n", server.pid()))
    );
    let (addr, dir, pid) = (server.addr(), server.dir().to_path_buf(), server.pid());
    assert!(dir.is_dir());
    drop(server);
    assert!(!dir.exists(), "{} left behind", dir.display());
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the server process {pid} outlived its Server"
    );
    // Nothing listens on its port any more (bounded: a refused connection is immediate).
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "{addr} still accepts connections"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Three masters that know each other and split the slots: a key is served by the node its
/// slot is on and redirected (`MOVED`) by the others, and every node and its directory are gone
/// when the cluster drops.
#[test]
fn a_cluster_splits_the_slots_over_three_masters_and_is_gone_when_dropped() {
    let _one = one_at_a_time();
    let cluster = match Cluster::start() {
        Ok(cluster) => cluster,
        Err(e @ (Unavailable::Off | Unavailable::Missing(_))) => {
            assert!(
                std::env::var_os("STATEBENCH_REQUIRE_REDIS").is_none(),
                "a redis-server is required here: {e}"
            );
            eprintln!("SKIPPED: {e} (scripts/install-redis.sh installs one)");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let nodes = cluster.nodes();
    assert_eq!(nodes.len(), MASTERS);
    assert_eq!(slots_of(0), (0, 5460));
    assert_eq!(slots_of(MASTERS - 1), (10922, 16383));
    for node in nodes {
        let info = node.command(&["CLUSTER", "INFO"]).unwrap();
        assert!(info.contains("cluster_state:ok\r\n"), "{info}");
        assert!(info.contains("cluster_known_nodes:3\r\n"), "{info}");
        assert!(node.bus_port().is_some_and(|bus| bus != node.port()));
    }
    // Redis's own slot of each key, and the node that holds it by our split.
    for key in ["a", "foo", "session:17", "42"] {
        let slot: u32 = nodes[0]
            .command(&["CLUSTER", "KEYSLOT", key])
            .unwrap()
            .trim_start_matches(':')
            .parse()
            .unwrap();
        let home = (0..MASTERS)
            .find(|i| (slots_of(*i).0..=slots_of(*i).1).contains(&slot))
            .unwrap();
        for (i, node) in nodes.iter().enumerate() {
            let said = node.command(&["SET", key, "1"]).unwrap();
            if i == home {
                assert_eq!(said, "+OK", "{key} on its own node");
            } else {
                let moved = format!("-MOVED {slot} 127.0.0.1:{}", nodes[home].port());
                assert_eq!(said, moved, "{key} on node {i}");
            }
        }
    }
    assert!(cluster.cpu_time().is_some());
    let gone: Vec<_> = nodes
        .iter()
        .map(|n| (n.pid(), n.dir().to_path_buf()))
        .collect();
    drop(cluster);
    for (pid, dir) in gone {
        assert!(!dir.exists(), "{} left behind", dir.display());
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "node {pid} outlived its cluster"
        );
    }
}

#[test]
fn two_servers_hold_their_state_apart() {
    let _one = one_at_a_time();
    let (Some(a), Some(b)) = (server(), server()) else {
        return;
    };
    assert_ne!(a.port(), b.port());
    assert_eq!(a.command(&["SET", "shared", "a"]).unwrap(), "+OK");
    assert_eq!(b.command(&["GET", "shared"]).unwrap(), "(nil)");
    assert_eq!(a.command(&["DBSIZE"]).unwrap(), ":1");
    assert_eq!(b.command(&["DBSIZE"]).unwrap(), ":0");
}

#[test]
fn the_environment_chooses_the_binary_or_says_why_not() {
    let some = |s: &str| Some(OsString::from(s));
    assert_eq!(
        binary_from(some("off"), some("/bin/sh"), some("/usr/bin")),
        Err(Unavailable::Off)
    );
    assert_eq!(
        binary_from(None, some("/bin/sh"), None),
        Ok(std::path::PathBuf::from("/bin/sh"))
    );
    let missing = binary_from(None, some("/no/such/redis-server"), None).unwrap_err();
    assert!(
        matches!(&missing, Unavailable::Missing(why) if why.contains("/no/such/redis-server")),
        "{missing}"
    );
    let empty = std::env::temp_dir();
    let none = binary_from(None, None, Some(empty.into_os_string())).unwrap_err();
    assert!(
        matches!(&none, Unavailable::Missing(why) if why.contains("install-redis.sh")),
        "{none}"
    );
}

#[test]
fn a_server_that_cannot_start_says_why() {
    // `false` exits at once: the start fails with the reason, and leaves no directory behind.
    let _one = one_at_a_time();
    let before = leftovers();
    let err = Server::start_with(std::path::Path::new("/bin/false")).unwrap_err();
    assert!(
        matches!(&err, Unavailable::Failed(why) if why.contains("exited")),
        "{err}"
    );
    assert_eq!(leftovers(), before);
}

/// This process's server directories still in the temporary directory.
fn leftovers() -> usize {
    let prefix = format!("statebench-redis-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .count()
        })
        .unwrap_or(0)
}

/// Run only as the child of `a_server_dies_with_the_process_that_started_it`: starts a server,
/// says where it is, and waits to be killed.
#[test]
#[ignore = "a helper: run by another test, in a process of its own"]
fn a_process_holding_a_server() {
    if std::env::var_os("STATEBENCH_REDIS_HOLDER").is_none() {
        return;
    }
    let Some(server) = server() else { return };
    println!(
        "HOLDING {} {} {}",
        server.pid(),
        server.port(),
        server.dir().display()
    );
    std::thread::sleep(Duration::from_secs(60));
}

/// A run killed by a signal takes its servers with it: the keeper sees its lifeline close.
#[test]
fn a_server_dies_with_the_process_that_started_it() {
    use std::io::BufRead;
    let _one = one_at_a_time();
    // The holder starts its server the way every test does; without one, it says so.
    let Some(probe) = server() else { return };
    drop(probe);
    let mut holder = std::process::Command::new(std::env::current_exe().expect("this test"))
        .args([
            "--exact",
            "a_process_holding_a_server",
            "--include-ignored",
            "--nocapture",
        ])
        .env("STATEBENCH_REDIS_HOLDER", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the holder starts");
    let out = holder.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            // The test harness may print the test's name on the same line first.
            if let Some(at) = line.find("HOLDING ") {
                let _ = tx.send(line[at + "HOLDING ".len()..].to_owned());
            }
        }
    });
    let said = rx.recv_timeout(Duration::from_secs(20));
    holder.kill().expect("SIGKILL the holder");
    holder.wait().expect("the holder is reaped");
    reader
        .join()
        .expect("the reader ends with the holder's stdout");
    let said = said.expect("the holder said where its server was");
    let parts: Vec<&str> = said.split(' ').collect();
    let (pid, port, dir) = (parts[0], parts[1], parts[2]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{pid}")).exists()
        || std::path::Path::new(dir).exists()
    {
        assert!(
            Instant::now() < deadline,
            "the server {pid} on port {port} (or its directory {dir}) outlived the process killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `redis-benchmark`, the anchor, runs against a server of its own and reads as figures.
#[test]
fn the_anchor_runs_against_a_server_and_reads_as_figures() {
    use statebench_redis::anchor;
    let _one = one_at_a_time();
    let Some(server) = server() else { return };
    let binary = statebench_redis::server::binary_or_install().expect("a server started");
    let tool = anchor::binary(&binary).expect("redis-benchmark ships with redis-server");
    let figures = anchor::run(&tool, &server, "set,get", 2, 2_000, 100).expect("runs");
    let tests: Vec<&str> = figures.iter().map(|f| f.test.as_str()).collect();
    assert_eq!(tests, ["SET", "GET"]);
    assert!(
        figures.iter().all(|f| f.rps > 0.0 && f.p50_ms >= 0.0),
        "{figures:?}"
    );
    // The keys it set are there: it ran against this server.
    assert_ne!(server.command(&["DBSIZE"]).expect("answers"), ":0");
}
