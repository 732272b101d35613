//! Redis as statebench's out-of-process row (issue 30): the state of a service kept in a Redis
//! server the project starts itself, on loopback, so that the question after "a lock, a map or
//! an owner?" — what does moving the state out of the process cost? — has a measured answer.
//! A Redis server is the stateful goroutine across a socket: one thread serving one request at
//! a time.
//!
//! [`server`] starts and stops the servers; [`Redis`] (the `redis` strategy, in [`store`]) keeps
//! a service's state in a database of the process's shared server ([`shared`]), each
//! operation one command ([`services`] says which).

#![deny(missing_docs)]

pub mod anchor;
pub mod server;
pub mod services;
pub mod store;

pub use services::{RedisCache, RedisCounter, RedisKv, RedisSessions};
pub use store::{Redis, Stored};

use std::sync::OnceLock;

use server::{Server, Unavailable};

/// Why this process can have no Redis server, or `None` if it can: a `redis-server` is found
/// (or installed, where the project may) — without starting one, so asking costs no server.
/// Asked once a process; a server that is found but fails to start is reported when a service
/// starts.
pub fn unavailable() -> Option<String> {
    static ASKED: OnceLock<Option<String>> = OnceLock::new();
    ASKED
        .get_or_init(|| server::binary_or_install().err().map(|e| e.to_string()))
        .clone()
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
