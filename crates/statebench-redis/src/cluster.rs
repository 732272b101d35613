//! A Redis Cluster the project starts: [`MASTERS`] masters and no replicas, each a
//! [`Server`] of its own on loopback (persistence off, stopped with its [`Cluster`], however the
//! process ends), the 16384 hash slots split into [`MASTERS`] even ranges, one a master, and
//! every node told of the others. [`Cluster::start`] returns once every node says the cluster
//! is up (`cluster_state:ok`, every node known), at most [`CONVERGED_WITHIN`] after the last
//! node answered. A client that follows the cluster's slot map sends each key to the master
//! that holds its slot, as `sharded_tokio` sends each key to the task that owns it.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::server::{Server, Unavailable, binary_or_install};

/// How many masters a cluster has.
pub const MASTERS: usize = 3;

/// Redis Cluster's hash slots.
pub const SLOTS: u32 = 16384;

/// How long the nodes may take to agree that the cluster is up, once they all answer.
pub const CONVERGED_WITHIN: Duration = Duration::from_secs(20);

/// The slots master `i` of [`MASTERS`] holds, first and last: even ranges in order.
pub fn slots_of(i: usize) -> (u32, u32) {
    let per = SLOTS / MASTERS as u32;
    let first = per * i as u32;
    let last = if i + 1 == MASTERS {
        SLOTS - 1
    } else {
        first + per - 1
    };
    (first, last)
}

/// A running cluster, ours alone: every node stopped, and its directory removed, on drop or
/// when this process ends.
#[derive(Debug)]
pub struct Cluster {
    nodes: Vec<Server>,
}

impl Cluster {
    /// Starts a cluster from [`binary_or_install`]'s `redis-server`.
    pub fn start() -> Result<Cluster, Unavailable> {
        Cluster::start_with(&binary_or_install()?)
    }

    /// [`Cluster::start`] with the given `redis-server`.
    pub fn start_with(binary: &Path) -> Result<Cluster, Unavailable> {
        let nodes = (0..MASTERS)
            .map(|_| Server::start_node(binary))
            .collect::<Result<Vec<_>, _>>()?;
        // From here every node is ours: dropping the cluster stops them, on every path below.
        let cluster = Cluster { nodes };
        cluster.join().map_err(Unavailable::Failed)?;
        Ok(cluster)
    }

    /// Gives each node its slots, introduces the others to the first, and waits until every
    /// node says the cluster is up.
    fn join(&self) -> Result<(), String> {
        let ask = |node: &Server, args: &[&str]| {
            node.command(args)
                .map_err(|e| format!("{args:?} to port {}: {e}", node.port()))
        };
        let expect_ok = |node: &Server, args: &[&str]| match ask(node, args)? {
            ok if ok == "+OK" => Ok(()),
            other => Err(format!("{args:?} to port {}: {other}", node.port())),
        };
        for (i, node) in self.nodes.iter().enumerate() {
            let (first, last) = slots_of(i);
            expect_ok(
                node,
                &[
                    "CLUSTER",
                    "ADDSLOTSRANGE",
                    &first.to_string(),
                    &last.to_string(),
                ],
            )?;
        }
        let first = &self.nodes[0];
        for other in &self.nodes[1..] {
            let bus = other.bus_port().ok_or("a node without a cluster bus")?;
            expect_ok(
                first,
                &[
                    "CLUSTER",
                    "MEET",
                    "127.0.0.1",
                    &other.port().to_string(),
                    &bus.to_string(),
                ],
            )?;
        }
        let deadline = Instant::now() + CONVERGED_WITHIN;
        loop {
            let mut waiting = None;
            for node in &self.nodes {
                let info = ask(node, &["CLUSTER", "INFO"])?;
                let up = info.contains("cluster_state:ok\r\n")
                    && info.contains(&format!("cluster_known_nodes:{MASTERS}\r\n"))
                    && info.contains(&format!("cluster_slots_ok:{SLOTS}\r\n"));
                if !up {
                    waiting = Some((node.port(), info));
                    break;
                }
            }
            let Some((port, info)) = waiting else {
                return Ok(());
            };
            if Instant::now() >= deadline {
                let state: Vec<&str> = info
                    .lines()
                    .filter(|l| l.starts_with("cluster_state") || l.starts_with("cluster_known"))
                    .collect();
                return Err(format!(
                    "the node on port {port} did not see the cluster up within \
                     {CONVERGED_WITHIN:?}: {}",
                    state.join(", ")
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its nodes, master `i` holding [`slots_of`]`(i)`.
    pub fn nodes(&self) -> &[Server] {
        &self.nodes
    }

    /// Its nodes' addresses as a cluster client's URLs, `redis://127.0.0.1:PORT`.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Server::url).collect()
    }

    /// The CPU time all its nodes have run so far ([`Server::cpu_time`]); `None` where any
    /// node's cannot be read.
    pub fn cpu_time(&self) -> Option<Duration> {
        self.nodes.iter().map(Server::cpu_time).sum()
    }
}
