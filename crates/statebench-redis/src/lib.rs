//! Redis as statebench's out-of-process row (issue 30): the state of a service kept in a Redis
//! server the project starts itself, on loopback, so that the question after "a lock, a map or
//! an owner?" — what does moving the state out of the process cost? — has a measured answer.
//! A Redis server is the stateful goroutine across a socket: one thread serving one request at
//! a time.
//!
//! [`server`] starts and stops the servers, [`cluster`] a three-master Redis Cluster of them;
//! [`Redis`] (the `redis` strategy, in [`store`]; `redis_cluster` is [`RedisCluster`]) keeps
//! a service's state in a database of the process's shared server ([`shared`]), each
//! operation one command ([`services`] says which).

#![deny(missing_docs)]

pub mod anchor;
pub mod cluster;
pub mod server;
pub mod services;
pub mod store;

pub use services::{RedisCache, RedisCounter, RedisKv, RedisSessions};
pub use store::{Clustered, Deployment, Keys, Redis, RedisCluster, Single, Stored};

use std::sync::OnceLock;

use server::{Server, Unavailable};

/// Why this process can have no Redis server, or `None` if it can: a `redis-server` is found
/// (or installed, where the project may) — without starting one, so asking costs no server.
/// Asked once a process; a server that is found but fails to start is reported when a service
/// starts.
pub fn unavailable() -> Option<String> {
    static ASKED: OnceLock<Option<String>> = OnceLock::new();
    ASKED
        .get_or_init(|| match server::binary_or_install() {
            Err(e) => Some(e.to_string()),
            Ok(binary) => too_old(&binary),
        })
        .clone()
}

/// The oldest Redis the strategy's commands exist in: `SET … GET` and `GETDEL` came with 6.2;
/// the project's install script and its tests use 7.
pub const OLDEST_MAJOR: u32 = 7;

/// Why `binary` will not do, if its version (`redis-server --version`: `… v=7.0.15 …`) is
/// older than [`OLDEST_MAJOR`] or cannot be read.
fn too_old(binary: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new(binary)
        .arg("--version")
        .output()
        .map_err(|e| format!("{} --version did not run: {e}", binary.display()));
    let text = match out {
        Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
        Err(why) => return Some(why),
    };
    let major = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(m) if m >= OLDEST_MAJOR => None,
        Some(m) => Some(format!(
            "{} is Redis {m}; the redis rows need {OLDEST_MAJOR} or newer",
            binary.display()
        )),
        None => Some(format!(
            "cannot read the version of {}: {:?}",
            binary.display(),
            text.trim()
        )),
    }
}

/// The server this process's `redis` services keep their state in, started (and, where the
/// project may, installed) on first use; each service has a logical database of its own on it.
/// It lives as long as the process: its keeper stops it when the process ends, however it
/// ends.
pub fn shared() -> Result<&'static Server, Unavailable> {
    SHARED
        .get_or_init(Server::start)
        .as_ref()
        .map_err(Clone::clone)
}

static SHARED: OnceLock<Result<Server, Unavailable>> = OnceLock::new();

/// The CPU time the process's shared server has run so far ([`Server::cpu_time`]); `None` if
/// it was not started or its statistics cannot be read.
pub fn shared_cpu_time() -> Option<std::time::Duration> {
    SHARED.get()?.as_ref().ok()?.cpu_time()
}

/// The cluster this process's `redis_cluster` services keep their state in, started on first
/// use (three more `redis-server` processes, [`cluster::Cluster`]); each service has a key
/// prefix of its own on it. It lives as long as the process, as [`shared`]'s server does.
pub fn shared_cluster() -> Result<&'static cluster::Cluster, Unavailable> {
    SHARED_CLUSTER
        .get_or_init(cluster::Cluster::start)
        .as_ref()
        .map_err(Clone::clone)
}

static SHARED_CLUSTER: OnceLock<Result<cluster::Cluster, Unavailable>> = OnceLock::new();

/// The CPU time the process's shared cluster's nodes have run so far, all three; `None` if it
/// was not started or their statistics cannot be read.
pub fn cluster_cpu_time() -> Option<std::time::Duration> {
    SHARED_CLUSTER.get()?.as_ref().ok()?.cpu_time()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `redis-server` stand-in that prints `version` as the real one does.
    fn fake(version: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir =
            std::env::temp_dir().join(format!("statebench-fake-redis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let path = dir.join(format!("redis-server-{}", version.replace(['=', ' '], "_")));
        std::fs::write(
            &path,
            format!("#!/bin/sh\necho 'Redis server {version} sha=0:0 malloc=libc bits=64'\n"),
        )
        .expect("written");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("executable");
        path
    }

    #[test]
    fn a_server_older_than_7_is_refused_with_why() {
        assert_eq!(too_old(&fake("v=7.0.15")), None);
        assert_eq!(too_old(&fake("v=8.2.1")), None);
        let old = too_old(&fake("v=6.0.16")).expect("refused");
        assert!(
            old.ends_with("is Redis 6; the redis rows need 7 or newer"),
            "{old}"
        );
        let unreadable = too_old(&fake("version unknown")).expect("refused");
        assert!(
            unreadable.starts_with("cannot read the version of"),
            "{unreadable}"
        );
        if let Some(dir) = fake("v=7.0.15").parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
