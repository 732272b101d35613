//! Redis as statebench's out-of-process row (issue 30): the state of a service kept in a Redis
//! server the project starts itself, on loopback, so that the question after "a lock, a map or
//! an owner?" — what does moving the state out of the process cost? — has a measured answer.
//! A Redis server is the stateful goroutine across a socket: one thread serving one request at
//! a time.
//!
//! This first part starts and stops the servers ([`server`]); the strategy that keeps each
//! service's state in them comes next.

#![deny(missing_docs)]

pub mod server;
