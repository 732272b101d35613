//! The `redis` and `redis_cluster` strategies, written once: a handle that keeps one service's
//! state in a logical database of its own on the shared server ([`crate::shared`]), or under a
//! key prefix of its own on the shared three-master cluster ([`crate::shared_cluster`]),
//! reaches it with the redis crate — a pool of blocking connections for blocking calls, one
//! multiplexed connection per tokio runtime for async calls; the cluster client's kinds of
//! both, which send each key's command to its slot's master — and turns each operation into
//! one Redis command ([`Stored`]), so that each is applied at one instant by one server's
//! single command thread. An operation on the whole state runs on every master of a cluster
//! and adds up their answers ([`Deployment::SPREAD`]).

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::cluster::{ClusterClient, ClusterConnection};
use redis::cluster_async::ClusterConnection as AsyncClusterConnection;
use redis::cluster_routing::{AggregateOp, MultipleNodeRoutingInfo, ResponsePolicy, RoutingInfo};
use redis::{AsyncConnectionConfig, Client, Cmd, Connection, RedisError, Script, Value};
use statebench_core::{Clock, Error, Family, Service, Settings, StateMachine, Sweeper};

use crate::server::DATABASES;

/// How long a connection may take to open.
pub const CONNECT_WITHIN: Duration = Duration::from_secs(2);
/// How long a command may wait for its reply before the call fails with [`Error::Timeout`].
pub const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// How long a shutdown waits for the calls in flight: longer than any one call can take
/// (a connection, a command and a resend after reloading the scripts, each bounded).
pub const SHUTDOWN_WITHIN: Duration = Duration::from_secs(60);
/// How many load commands go in one pipeline when a service starts with a state.
const LOAD_BATCH: usize = 512;

/// A service whose state can live in a Redis database: how its state is written there, how
/// each operation becomes one command and its reply becomes the state machine's, and how the
/// state is read back at shutdown. Every command is applied whole by the server's one command
/// thread, so each call takes effect at one instant.
pub trait Stored: StateMachine + Sized {
    /// What the client keeps besides the stored data (the sessions' lifetime).
    type Meta: Clone + Send + Sync + 'static;

    /// The scripts its commands run; loaded when a service starts, and again when a server
    /// that restarted has forgotten them.
    fn scripts() -> Vec<&'static Script>;

    /// The client-side part of `self`.
    fn meta(&self) -> Self::Meta;

    /// Commands that write `self` into an empty database, its keys named by `keys`.
    fn load(self, t: &Time, keys: &Keys) -> Vec<Cmd>;

    /// The one command that applies `op` at `now`, its keys named by `keys`.
    fn request(op: &Self::Op, meta: &Self::Meta, now: Instant, t: &Time, keys: &Keys) -> Cmd;

    /// The reply to `op` from the command's answer `value`.
    fn reply(
        op: Self::Op,
        value: Value,
        meta: &Self::Meta,
        now: Instant,
        t: &Time,
    ) -> Result<Self::Reply, String>;

    /// A second command to send when the first failed with `error`, if this is the one case
    /// where the native command differs from the state machine (the counter at 2⁶³ − 1).
    fn instead(op: &Self::Op, error: &RedisError, keys: &Keys) -> Option<Cmd> {
        let _ = (op, error, keys);
        None
    }

    /// The command of one cleanup pass at `now`; `None` if the service never cleans up.
    fn sweep(now: Instant, t: &Time, keys: &Keys) -> Option<Cmd> {
        let _ = (now, t, keys);
        None
    }

    /// The state from the database's dump ([`DUMP`]: each of the service's keys, without its
    /// prefix, with its string or its hash's fields and values).
    fn from_dump(meta: &Self::Meta, dump: Vec<(String, Value)>, t: &Time) -> Result<Self, String>;
}

/// Every key matching the pattern `ARGV[1]` with its value: a string's, or a hash's fields and
/// values in turn. One script, so the dump is one instant's state (of one node, in a cluster:
/// a shutdown dumps after its calls have ended).
pub static DUMP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local out = {}
for _, k in ipairs(redis.call('KEYS', ARGV[1])) do
  if redis.call('TYPE', k).ok == 'hash' then
    out[#out + 1] = {k, redis.call('HGETALL', k)}
  else
    out[#out + 1] = {k, redis.call('GET', k)}
  end
end
return out
",
    )
});

/// How many keys match the pattern `ARGV[1]`: a service's `len` where it shares its database.
pub static COUNT_KEYS: LazyLock<Script> =
    LazyLock::new(|| Script::new("return #redis.call('KEYS', ARGV[1])"));

/// Deletes every key matching the pattern `ARGV[1]`; returns how many.
pub static DELETE_KEYS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = 0
for _, k in ipairs(redis.call('KEYS', ARGV[1])) do
  redis.call('DEL', k)
  n = n + 1
end
return n
",
    )
});

/// How one service names its keys: a prefix of its own before each where services share one
/// database (a cluster has only database 0), none where each has a database of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys as they are: the service has its database to itself.
    pub fn own_database() -> Keys {
        Keys {
            prefix: String::new(),
        }
    }

    /// Keys after `prefix`, which must hold none of the characters a glob pattern or a hash
    /// tag gives meaning to (`*?[]\{}`): the keys still spread over a cluster's slots.
    pub fn prefixed(prefix: &str) -> Keys {
        assert!(
            !prefix.contains(['*', '?', '[', ']', '\\', '{', '}']),
            "a key prefix with a pattern or hash-tag character: {prefix:?}"
        );
        Keys {
            prefix: prefix.to_owned(),
        }
    }

    /// Whether other services' keys share the database.
    pub fn shared(&self) -> bool {
        !self.prefix.is_empty()
    }

    /// The stored name of key `k`.
    pub fn key(&self, k: impl std::fmt::Display) -> String {
        format!("{}{k}", self.prefix)
    }

    /// The pattern (`KEYS`) that matches this service's keys and no other's.
    pub fn pattern(&self) -> String {
        format!("{}*", self.prefix)
    }

    /// A stored name without the prefix; `None` if it is not this service's.
    pub fn strip<'a>(&self, stored: &'a str) -> Option<&'a str> {
        stored.strip_prefix(self.prefix.as_str())
    }
}

/// `EVALSHA` of `script` with `keys` and `args`: the script runs by its hash; a server that
/// does not know it answers `NOSCRIPT`, and the call loads the service's scripts and sends it
/// again.
pub fn eval(script: &Script, keys: &[&str], args: &[&str]) -> Cmd {
    let mut cmd = redis::cmd("EVALSHA");
    cmd.arg(script.get_hash())
        .arg(keys.len())
        .arg(keys)
        .arg(args);
    cmd
}

/// The service clock's instants as Redis stores them: nanoseconds from the instant the
/// service started, offset by 2⁶³ and written as 20 decimal digits, so that Lua's string `<`
/// orders them as instants (the server runs in the C locale, where it compares bytes) and
/// every instant reads back exactly.
#[derive(Clone, Copy, Debug)]
pub struct Time {
    origin: Instant,
}

/// The width of an encoded instant.
pub const TIME_DIGITS: usize = 20;

impl Time {
    /// Instants measured from `origin`.
    pub fn new(origin: Instant) -> Time {
        Time { origin }
    }

    /// `at`, encoded.
    pub fn encode(&self, at: Instant) -> String {
        const MIDDLE: i128 = 1 << 63;
        let nanos = match at.checked_duration_since(self.origin) {
            Some(after) => after.as_nanos() as i128,
            None => -((self.origin - at).as_nanos() as i128),
        };
        let stored = (nanos + MIDDLE).clamp(0, u64::MAX as i128) as u64;
        format!("{stored:020}")
    }

    /// The instant `text` (the first [`TIME_DIGITS`] characters) encodes.
    pub fn decode(&self, text: &str) -> Result<Instant, String> {
        const MIDDLE: u64 = 1 << 63;
        let stored: u64 = text
            .get(..TIME_DIGITS)
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| format!("not a stored instant: {text:?}"))?;
        let at = if stored >= MIDDLE {
            self.origin
                .checked_add(Duration::from_nanos(stored - MIDDLE))
        } else {
            self.origin
                .checked_sub(Duration::from_nanos(MIDDLE - stored))
        };
        at.ok_or_else(|| format!("a stored instant out of this clock's range: {text:?}"))
    }
}

/// Where a Redis strategy's state lives and how its services reach it: [`Single`] (the `redis`
/// row) or [`Clustered`] (the `redis_cluster` row).
pub trait Deployment: Send + Sync + 'static {
    /// The strategy's name in the registry.
    const NAME: &'static str;
    /// The strategy's one-line description.
    const ABOUT: &'static str;
    /// Where the work runs, as a record says.
    const PLACEMENT: &'static str;
    /// Whether a service's keys spread over several servers, so that an operation on the whole
    /// state (`len`) asks each in turn and is not linearizable.
    const SPREAD: bool;
    /// Why this process can have no servers for it, if it cannot.
    fn unavailable() -> Option<String>;
    /// The CPU time its servers have run so far.
    fn cpu_elsewhere() -> Option<Duration>;
    /// The addresses of this process's shared servers for it (started on first use).
    fn urls() -> Result<Vec<String>, String>;
}

/// One Redis server, a logical database per service: the `redis` row.
#[derive(Debug)]
pub struct Single;

/// A three-master Redis Cluster, one database, a key prefix per service: the
/// `redis_cluster` row.
#[derive(Debug)]
pub struct Clustered;

impl Deployment for Single {
    const NAME: &'static str = "redis";
    const ABOUT: &'static str = "a Redis server on loopback, started by statebench, holds the \
        state (a database per service, persistence off); one command a call; expiry runs on \
        statebench's clock in Lua scripts, where code using Redis's own TTLs would let the \
        server expire keys on its wall clock with no cleanup pass";
    const PLACEMENT: &'static str = "a redis-server process of its own, over loopback TCP";
    const SPREAD: bool = false;

    fn unavailable() -> Option<String> {
        crate::unavailable()
    }

    fn cpu_elsewhere() -> Option<Duration> {
        crate::shared_cpu_time()
    }

    fn urls() -> Result<Vec<String>, String> {
        Ok(vec![crate::shared().map_err(|e| e.to_string())?.url()])
    }
}

impl Deployment for Clustered {
    const NAME: &'static str = "redis_cluster";
    const ABOUT: &'static str = "a Redis Cluster of three masters on loopback (no replicas, \
        persistence off), started by statebench, holds the state, each key on the master of its \
        hash slot, reached by redis-rs's cluster client; one command a call; `len` and cleanup \
        run a script on every master, each walking its keys, and add up the answers (not \
        linearizable, as the sharded owners' `len`); expiry on statebench's clock in Lua \
        scripts, as for `redis`";
    const PLACEMENT: &'static str =
        "three redis-server processes of a cluster, over loopback TCP, each key on its slot's";
    const SPREAD: bool = true;

    fn unavailable() -> Option<String> {
        crate::unavailable()
    }

    fn cpu_elsewhere() -> Option<Duration> {
        crate::cluster_cpu_time()
    }

    fn urls() -> Result<Vec<String>, String> {
        Ok(crate::shared_cluster().map_err(|e| e.to_string())?.urls())
    }
}

/// Service `S` kept in Redis as deployment `D` has it: the `redis` strategy ([`Single`], the
/// default) or `redis_cluster` ([`Clustered`]). A cheap, cloneable handle.
///
/// Blocking calls take a connection from the service's pool (opening one when all are in use,
/// so there are as many as callers at once); async calls must run inside a tokio runtime and
/// share one multiplexed connection per runtime, opened on the runtime that first calls.
pub struct Redis<S: Stored, D: Deployment = Single> {
    inner: Arc<Inner<S>>,
    sweeper: Arc<Option<Sweeper>>,
    _deployment: PhantomData<fn() -> D>,
}

/// Service `S` kept in a three-master Redis Cluster: the `redis_cluster` strategy.
pub type RedisCluster<S> = Redis<S, Clustered>;

/// How a service reaches its servers.
enum Reach {
    /// One server, and the logical database the service holds on it.
    Server { client: Client, db: u32 },
    /// A cluster; the service's keys carry its prefix ([`Keys`]).
    Cluster { client: Box<ClusterClient> },
}

/// A blocking connection.
enum Conn {
    Server(Connection),
    Cluster(Box<ClusterConnection>),
}

/// An async connection, shared by the tasks of one runtime (each kind multiplexes).
#[derive(Clone)]
enum AsyncConn {
    Server(MultiplexedConnection),
    Cluster(AsyncClusterConnection),
}

/// Where a cluster must send `cmd`, if not to its key's node: a script run with no keys
/// works on every master's share of the keys ([`DUMP`] gathers their lists; the others count,
/// and the counts add up).
fn fan_out(cmd: &Cmd) -> Option<RoutingInfo> {
    let mut args = cmd.args_iter();
    let is = |arg: Option<redis::Arg<&[u8]>>, want: &[u8]| matches!(arg, Some(redis::Arg::Simple(a)) if a.eq_ignore_ascii_case(want));
    if !is(args.next(), b"EVALSHA") {
        return None;
    }
    let hash = args.next();
    if !is(args.next(), b"0") {
        return None;
    }
    let policy = if is(hash, DUMP.get_hash().as_bytes()) {
        ResponsePolicy::CombineArrays
    } else {
        ResponsePolicy::Aggregate(AggregateOp::Sum)
    };
    Some(RoutingInfo::MultiNode((
        MultipleNodeRoutingInfo::AllMasters,
        Some(policy),
    )))
}

impl Conn {
    fn query(&mut self, cmd: &Cmd) -> Result<Value, RedisError> {
        match self {
            Conn::Server(c) => cmd.query(c),
            Conn::Cluster(c) => match fan_out(cmd) {
                Some(route) => c.route_command(cmd, route),
                None => cmd.query(&mut **c),
            },
        }
    }

    fn load_scripts<S: Stored>(&mut self) -> Result<(), RedisError> {
        for script in S::scripts().into_iter().chain(shared_scripts()) {
            match self {
                Conn::Server(c) => script.load(c)?,
                // `SCRIPT LOAD` goes to every node.
                Conn::Cluster(c) => script.load(&mut **c)?,
            };
        }
        Ok(())
    }
}

impl AsyncConn {
    async fn query(&mut self, cmd: &Cmd) -> Result<Value, RedisError> {
        match self {
            AsyncConn::Server(c) => cmd.query_async(c).await,
            AsyncConn::Cluster(c) => match fan_out(cmd) {
                Some(route) => c.route_command(cmd.clone(), route).await,
                None => cmd.query_async(c).await,
            },
        }
    }

    async fn load_scripts<S: Stored>(&mut self) -> Result<(), RedisError> {
        for script in S::scripts().into_iter().chain(shared_scripts()) {
            match self {
                AsyncConn::Server(c) => script.load_async(c).await?,
                AsyncConn::Cluster(c) => script.load_async(c).await?,
            };
        }
        Ok(())
    }
}

/// The scripts every service's database needs besides its own: the dump, and the count and
/// the deletion of a prefix's keys.
fn shared_scripts() -> [&'static Script; 3] {
    [&*DUMP, &*COUNT_KEYS, &*DELETE_KEYS]
}

/// The logical databases of the shared server that no running service holds.
struct Databases {
    free: Mutex<Vec<u32>>,
}

static FREE: LazyLock<Databases> = LazyLock::new(|| Databases {
    // Database 0 is left to whoever connects without choosing one; the last is taken first.
    free: Mutex::new((1..DATABASES).rev().collect()),
});

impl Databases {
    fn take(&self) -> Option<u32> {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    fn give_back(&self, db: u32) {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(db);
    }
}

/// The next key prefix a service on a cluster takes: one per service this process starts.
static NEXT_PREFIX: AtomicUsize = AtomicUsize::new(0);

struct Inner<S: Stored> {
    reach: Reach,
    /// The (first) server's address, for error messages.
    url: String,
    keys: Keys,
    pool: Mutex<Vec<Conn>>,
    multiplexed: RwLock<Vec<(tokio::runtime::Id, AsyncConn)>>,
    clock: Clock,
    time: Time,
    meta: S::Meta,
    /// The critical-section work the state was given: never spent (the strategy's
    /// `SPENDS_WORK` is false), handed back with the state.
    work: statebench_core::Work,
    stopped: AtomicBool,
    /// Whether the service's keys were deleted (and its database given back), once: by a
    /// shutdown or the drop.
    released: AtomicBool,
    /// The server's `run_id` when the service started: a connection to a server with another
    /// one reaches a server that restarted and lost this service's state.
    run_id: std::sync::OnceLock<String>,
    in_flight: AtomicUsize,
    last_error: Mutex<Option<String>>,
    _state: PhantomData<fn() -> S>,
}

impl<S: Stored, D: Deployment> Clone for Redis<S, D> {
    fn clone(&self) -> Self {
        Redis {
            inner: self.inner.clone(),
            sweeper: self.sweeper.clone(),
            _deployment: PhantomData,
        }
    }
}

impl<S: Stored, D: Deployment> fmt::Debug for Redis<S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("deployment", &D::NAME)
            .field("service", &S::SERVICE)
            .field("at", &self.inner.place())
            .field("stopped", &self.inner.stopped.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A call in progress: counted, so that a shutdown reads the state only after every call it
/// did not refuse has returned.
struct Entered<'a>(&'a AtomicUsize);

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether `e` says the server no longer knows a script.
fn no_script(e: &RedisError) -> bool {
    e.code() == Some("NOSCRIPT")
}

/// Whether the connection that gave `e` can serve another command: not after an I/O error or
/// a timeout, when a reply may still be on its way.
fn reusable(e: &RedisError) -> bool {
    !(e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_unrecoverable_error())
}

impl<S: Stored> Inner<S> {
    fn enter(&self) -> Result<Entered<'_>, Error> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let entered = Entered(&self.in_flight);
        if self.stopped.load(Ordering::SeqCst) {
            return Err(Error::Stopped);
        }
        Ok(entered)
    }

    /// Where the service's state is, in words.
    fn place(&self) -> String {
        match &self.reach {
            Reach::Server { db, .. } => format!("database {db} of {}", self.url),
            Reach::Cluster { .. } => {
                format!(
                    "keys {} of the cluster at {}",
                    self.keys.pattern(),
                    self.url
                )
            }
        }
    }

    /// Records why a call failed and says how.
    fn failed(&self, what: &str, e: &RedisError) -> Error {
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some(format!("{what} in {}: {e}", self.place()));
        if e.is_timeout() {
            Error::Timeout
        } else {
            Error::Unreachable
        }
    }

    /// Records a reply that does not read as the state machine's and fails the call.
    fn misread(&self, why: String) -> Error {
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(why);
        Error::Unreachable
    }

    fn connect(&self) -> Result<Conn, RedisError> {
        match &self.reach {
            Reach::Server { client, .. } => {
                let mut connection = client.get_connection_with_timeout(CONNECT_WITHIN)?;
                connection.set_read_timeout(Some(ANSWER_WITHIN))?;
                connection.set_write_timeout(Some(ANSWER_WITHIN))?;
                let info: String = redis::cmd("INFO").arg("server").query(&mut connection)?;
                self.same_server(&info)?;
                Ok(Conn::Server(connection))
            }
            // Its timeouts are the client's (`try_start_at`).
            Reach::Cluster { client } => Ok(Conn::Cluster(Box::new(client.get_connection()?))),
        }
    }

    /// Whether `info` (`INFO server`'s answer) comes from the server this service started on:
    /// the first answer sets its `run_id`; a server with another one restarted, and with no
    /// persistence it lost this service's state, so every later call must fail, not answer
    /// from an empty database.
    fn same_server(&self, info: &str) -> Result<(), RedisError> {
        let run_id = info
            .lines()
            .find_map(|l| l.strip_prefix("run_id:"))
            .map(str::trim)
            .unwrap_or_default();
        let first = self.run_id.get_or_init(|| run_id.to_owned());
        if first == run_id {
            Ok(())
        } else {
            Err(RedisError::from((
                redis::ErrorKind::Client,
                "the server restarted and lost this service's state",
                format!("its run_id was {first}, is {run_id}"),
            )))
        }
    }

    /// Drops every pooled connection: after one broke, the others to the same server are as
    /// likely broken, and each would fail one more call.
    fn drain_pool(&self) {
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Sends `cmd` on a pooled connection (loading the scripts once if the server lost them)
    /// and returns the connection to the pool unless it broke.
    fn query(&self, cmd: &Cmd) -> Result<Value, RedisError> {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut connection = match pooled {
            Some(c) => c,
            None => self.connect()?,
        };
        let mut got = connection.query(cmd);
        if got.as_ref().is_err_and(no_script) {
            got = connection
                .load_scripts::<S>()
                .and_then(|()| connection.query(cmd));
        }
        if got.as_ref().map_or_else(reusable, |_| true) {
            self.pool
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(connection);
        } else {
            self.drain_pool();
        }
        got
    }

    /// This runtime's multiplexed connection, opened on first use.
    async fn multiplexed(&self) -> Result<AsyncConn, RedisError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| {
                RedisError::from((
                    redis::ErrorKind::Client,
                    "an async call of the redis strategy must run in a tokio runtime",
                    e.to_string(),
                ))
            })?
            .id();
        let known = |list: &[(tokio::runtime::Id, AsyncConn)]| {
            list.iter()
                .find(|(id, _)| *id == runtime)
                .map(|(_, c)| c.clone())
        };
        if let Some(c) = known(
            &self
                .multiplexed
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        ) {
            return Ok(c);
        }
        let opened = match &self.reach {
            Reach::Server { client, .. } => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(CONNECT_WITHIN))
                    .set_response_timeout(Some(ANSWER_WITHIN));
                let mut opened = client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?;
                let info: String = redis::cmd("INFO")
                    .arg("server")
                    .query_async(&mut opened)
                    .await?;
                self.same_server(&info)?;
                AsyncConn::Server(opened)
            }
            Reach::Cluster { client } => AsyncConn::Cluster(client.get_async_connection().await?),
        };
        let mut list = self
            .multiplexed
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // Another task of this runtime may have opened one meanwhile: keep the first.
        if let Some(c) = known(&list) {
            return Ok(c);
        }
        list.push((runtime, opened.clone()));
        Ok(opened)
    }

    /// Forgets this runtime's multiplexed connection after it failed, so the next call opens
    /// a new one (a server that restarted is picked up).
    fn forget_multiplexed(&self) {
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let runtime = handle.id();
            self.multiplexed
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|(id, _)| *id != runtime);
        }
    }

    async fn query_async(&self, cmd: &Cmd) -> Result<Value, RedisError> {
        let mut connection = self.multiplexed().await?;
        let mut got = connection.query(cmd).await;
        if got.as_ref().is_err_and(no_script) {
            got = match connection.load_scripts::<S>().await {
                Ok(()) => connection.query(cmd).await,
                Err(e) => Err(e),
            };
        }
        if got.as_ref().is_err_and(|e| !reusable(e)) {
            self.forget_multiplexed();
        }
        got
    }

    /// Deletes the service's keys (empties its database and gives it back), once.
    fn release(&self) {
        if self.released.swap(true, Ordering::SeqCst) {
            return;
        }
        self.drain_pool();
        match &self.reach {
            Reach::Server { db, .. } => {
                if let Ok(mut c) = self.connect() {
                    let _ = c.query(&redis::cmd("FLUSHDB"));
                }
                FREE.give_back(*db);
            }
            Reach::Cluster { .. } => {
                let _ = self.query(&eval(&DELETE_KEYS, &[], &[&self.keys.pattern()]));
            }
        }
    }
}

impl<S: Stored> Drop for Inner<S> {
    fn drop(&mut self) {
        // No call is in flight now: every handle is gone.
        self.release();
    }
}

impl<S: Stored, D: Deployment> Redis<S, D> {
    /// What the last failed call of this service said, if one failed.
    pub fn last_error(&self) -> Option<String> {
        self.inner
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Where it keeps its state, in words: its logical database and server, or its keys'
    /// prefix and the cluster.
    pub fn place(&self) -> String {
        self.inner.place()
    }

    /// How it names its keys (on a cluster, the prefix they share).
    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// The logical database it keeps its state in, on a server of its own kind ([`Single`]);
    /// `None` on a cluster, which has only database 0.
    pub fn database(&self) -> Option<u32> {
        match self.inner.reach {
            Reach::Server { db, .. } => Some(db),
            Reach::Cluster { .. } => None,
        }
    }

    /// Starts serving `initial` at the servers `urls` (`redis://host:port`; one for
    /// [`Single`], any of the cluster's nodes for [`Clustered`]) instead of the process's shared
    /// ones: what the fault tests use, with servers they may stop. The service keeps those
    /// addresses: a server that comes back there is used again.
    pub fn start_at(
        urls: &[String],
        initial: S,
        settings: &Settings,
    ) -> Result<Redis<S, D>, String> {
        Redis::try_start_at(urls, initial, settings)
    }

    fn try_start(initial: S, settings: &Settings) -> Result<Redis<S, D>, String> {
        Redis::try_start_at(&D::urls()?, initial, settings)
    }

    fn try_start_at(
        urls: &[String],
        initial: S,
        settings: &Settings,
    ) -> Result<Redis<S, D>, String> {
        let url = urls.first().ok_or("no server to start on")?.clone();
        let (reach, keys) = if D::SPREAD {
            // No retries: the slot map never changes under a service (no MOVED or ASK comes),
            // and a retry after a timeout would send a write twice (`SET … GET` would answer
            // its own value) and stretch one call's bound sixteenfold.
            let client = ClusterClient::builder(urls.iter().map(String::as_str))
                .connection_timeout(CONNECT_WITHIN)
                .response_timeout(ANSWER_WITHIN)
                .retries(0)
                .build()
                .map_err(|e| format!("no cluster client for {urls:?}: {e}"))?;
            // The process's id too: services of two processes may share a cluster
            // (`start_at`), and one's start deletes what matches its prefix.
            let prefix = format!(
                "s{}.{}:",
                std::process::id(),
                NEXT_PREFIX.fetch_add(1, Ordering::Relaxed)
            );
            (
                Reach::Cluster {
                    client: Box::new(client),
                },
                Keys::prefixed(&prefix),
            )
        } else {
            let db = FREE
                .take()
                .ok_or_else(|| format!("all {DATABASES} databases of the server are in use"))?;
            match Client::open(format!("{url}/{db}")) {
                Ok(client) => (Reach::Server { client, db }, Keys::own_database()),
                Err(e) => {
                    FREE.give_back(db);
                    return Err(format!("no client for {url}: {e}"));
                }
            }
        };
        let cleanup_every = initial.cleanup_every();
        let inner = Arc::new(Inner::<S> {
            reach,
            url: url.clone(),
            keys,
            pool: Mutex::new(Vec::new()),
            multiplexed: RwLock::new(Vec::new()),
            clock: settings.clock.clone(),
            time: Time::new(settings.clock.now()),
            meta: initial.meta(),
            work: initial.work(),
            stopped: AtomicBool::new(false),
            released: AtomicBool::new(false),
            run_id: std::sync::OnceLock::new(),
            in_flight: AtomicUsize::new(0),
            last_error: Mutex::new(None),
            _state: PhantomData,
        });
        // From here, dropping `inner` deletes the service's keys (gives its database back).
        let mut connection = inner
            .connect()
            .map_err(|e| format!("cannot connect to {url}: {e}"))?;
        let empty = match &inner.reach {
            Reach::Server { .. } => redis::cmd("FLUSHDB"),
            Reach::Cluster { .. } => eval(&DELETE_KEYS, &[], &[&inner.keys.pattern()]),
        };
        connection
            .load_scripts::<S>()
            .and_then(|()| connection.query(&empty).map(drop))
            .map_err(|e| format!("cannot prepare {}: {e}", inner.place()))?;
        let commands = initial.load(&inner.time, &inner.keys);
        for batch in commands.chunks(LOAD_BATCH) {
            let loaded = match &mut connection {
                Conn::Server(c) => {
                    let mut pipe = redis::pipe();
                    for cmd in batch {
                        pipe.add_command(cmd.clone()).ignore();
                    }
                    pipe.query::<()>(c)
                }
                Conn::Cluster(c) => {
                    let mut pipe = redis::cluster::cluster_pipe();
                    for cmd in batch {
                        pipe.add_command(cmd.clone()).ignore();
                    }
                    pipe.query::<()>(c)
                }
            };
            loaded.map_err(|e| format!("cannot load the initial state: {e}"))?;
        }
        inner
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(connection);
        let sweeper = cleanup_every.map(|every| {
            let weak: Weak<Inner<S>> = Arc::downgrade(&inner);
            Sweeper::spawn(
                format!("statebench-sweeper-{}-{}", D::NAME, inner.keys.pattern()),
                every,
                move || match weak.upgrade() {
                    Some(inner) => {
                        let _ = sweep(&inner);
                        true
                    }
                    None => false,
                },
            )
        });
        Ok(Redis {
            inner,
            sweeper: Arc::new(sweeper),
            _deployment: PhantomData,
        })
    }

    fn sync_call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let inner = &*self.inner;
        let _entered = inner.enter()?;
        let now = inner.clock.now_for::<S>();
        let cmd = S::request(&op, &inner.meta, now, &inner.time, &inner.keys);
        let value = match inner.query(&cmd) {
            Ok(value) => value,
            Err(e) => match S::instead(&op, &e, &inner.keys) {
                Some(instead) => inner.query(&instead),
                None => Err(e),
            }
            .map_err(|e| inner.failed(S::SERVICE, &e))?,
        };
        S::reply(op, value, &inner.meta, now, &inner.time).map_err(|why| inner.misread(why))
    }

    async fn async_call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let inner = &*self.inner;
        let _entered = inner.enter()?;
        let now = inner.clock.now_for::<S>();
        let cmd = S::request(&op, &inner.meta, now, &inner.time, &inner.keys);
        let value = match inner.query_async(&cmd).await {
            Ok(value) => value,
            Err(e) => match S::instead(&op, &e, &inner.keys) {
                Some(instead) => inner.query_async(&instead).await,
                None => Err(e),
            }
            .map_err(|e| inner.failed(S::SERVICE, &e))?,
        };
        S::reply(op, value, &inner.meta, now, &inner.time).map_err(|why| inner.misread(why))
    }
}

/// One cleanup pass of `inner`'s service at its clock's now.
fn sweep<S: Stored>(inner: &Inner<S>) -> Result<(), Error> {
    let now = inner.clock.now_for::<S>();
    match S::sweep(now, &inner.time, &inner.keys) {
        Some(cmd) => inner
            .query(&cmd)
            .map(drop)
            .map_err(|e| inner.failed("cleanup", &e)),
        None => Ok(()),
    }
}

impl<S: Stored, D: Deployment> Service<S> for Redis<S, D> {
    const NAME: &'static str = D::NAME;
    const FAMILY: Family = Family::OutOfProcess;
    const ABOUT: &'static str = D::ABOUT;
    const CROSSES_THREADS: bool = true;
    const SPENDS_WORK: bool = false;

    /// Why no `redis-server` can be had: none found, none installable, or the rows turned
    /// off ([`crate::unavailable`]).
    fn unavailable() -> Option<String> {
        D::unavailable()
    }

    /// The servers' CPU time ([`crate::shared_cpu_time`], [`crate::cluster_cpu_time`]).
    fn cpu_elsewhere() -> Option<Duration> {
        D::cpu_elsewhere()
    }

    /// # Panics
    /// If no Redis server can be had ([`Service::unavailable`] says why; callers ask it first)
    /// or the state cannot be written to it.
    fn start(initial: S, settings: &Settings) -> Self {
        Redis::try_start(initial, settings).unwrap_or_else(|why| {
            panic!("statebench: the {} strategy cannot start: {why}", D::NAME)
        })
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.sync_call(op)
    }

    fn call_async(&self, op: S::Op) -> impl Future<Output = Result<S::Reply, Error>> + Send {
        self.async_call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        let _entered = self.inner.enter()?;
        sweep(&self.inner)
    }

    /// Every operation on one key; on a cluster, not one on the whole state, which asks each
    /// master in turn.
    fn linearizable(op: &S::Op) -> bool {
        !D::SPREAD || S::key(op).is_some()
    }

    fn shutdown(&self) -> Result<S, Error> {
        let inner = &*self.inner;
        if inner.stopped.swap(true, Ordering::SeqCst) {
            return Err(Error::Stopped);
        }
        if let Some(sweeper) = &*self.sweeper {
            sweeper.stop();
        }
        // Every call that got past `enter` before the flag was set returns within its
        // timeouts; wait for them, so the state read back holds every acknowledged call. One
        // still in flight at the bound (an async call whose runtime this thread blocks, say)
        // fails the shutdown instead: the state is kept, not read early and deleted under
        // it, and is deleted when the last handle drops.
        let deadline = Instant::now() + SHUTDOWN_WITHIN;
        while inner.in_flight.load(Ordering::SeqCst) != 0 {
            if Instant::now() >= deadline {
                *inner
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(format!(
                    "shutdown: calls still in flight after {SHUTDOWN_WITHIN:?}"
                ));
                return Err(Error::Timeout);
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        inner
            .multiplexed
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        // A pooled connection may have broken since its last call: the dump is tried once
        // more on a fresh one.
        let dump = eval(&DUMP, &[], &[&inner.keys.pattern()]);
        let state = inner
            .query(&dump)
            .or_else(|e| {
                if reusable(&e) {
                    Err(e)
                } else {
                    inner.query(&dump)
                }
            })
            .map_err(|e| inner.failed("shutdown", &e))
            .and_then(|dump| {
                dump_entries(dump, &inner.keys)
                    .and_then(|entries| S::from_dump(&inner.meta, entries, &inner.time))
                    .map(|mut state| {
                        state.set_work(inner.work);
                        state
                    })
                    .map_err(|why| inner.misread(why))
            });
        inner.release();
        state
    }

    fn placement(started_in_tokio: bool) -> &'static str {
        let _ = started_in_tokio;
        D::PLACEMENT
    }
}

/// The dump's answer as (key, value) pairs, each key without the service's prefix.
fn dump_entries(dump: Value, keys: &Keys) -> Result<Vec<(String, Value)>, String> {
    let Value::Array(items) = dump else {
        return Err(format!("a dump that is not a list: {dump:?}"));
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Array(pair) if pair.len() == 2 => {
                let mut pair = pair.into_iter();
                let key =
                    text(pair.next().unwrap_or(Value::Nil))?.ok_or("a dumped key that is nil")?;
                let key = keys
                    .strip(&key)
                    .ok_or_else(|| format!("a dumped key of another service: {key:?}"))?
                    .to_owned();
                Ok((key, pair.next().unwrap_or(Value::Nil)))
            }
            other => Err(format!("a dumped entry that is not a pair: {other:?}")),
        })
        .collect()
}

/// A string reply as text; `None` for nil.
pub fn text(value: Value) -> Result<Option<String>, String> {
    match value {
        Value::Nil => Ok(None),
        Value::BulkString(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| format!("a reply that is not UTF-8: {e}")),
        Value::SimpleString(s) => Ok(Some(s)),
        Value::Okay => Ok(Some("OK".into())),
        Value::Int(n) => Ok(Some(n.to_string())),
        other => Err(format!("not a string reply: {other:?}")),
    }
}

/// An integer reply, or a string holding one.
pub fn integer(value: Value) -> Result<i64, String> {
    match value {
        Value::Int(n) => Ok(n),
        other => match text(other)? {
            Some(s) => s.parse().map_err(|_| format!("not an integer: {s:?}")),
            None => Err("nil where an integer was due".into()),
        },
    }
}

/// A `u64` written as decimal text, or `None` for nil.
pub fn number(value: Value) -> Result<Option<u64>, String> {
    text(value)?
        .map(|s| s.parse().map_err(|_| format!("not a u64: {s:?}")))
        .transpose()
}

/// A hash reply (`HGETALL`) as field-value pairs.
pub fn hash(value: Value) -> Result<Vec<(String, String)>, String> {
    let pairs: Vec<(Value, Value)> = match value {
        Value::Map(pairs) => pairs,
        Value::Array(items) => {
            if items.len() % 2 != 0 {
                return Err("a hash reply with an odd number of items".into());
            }
            let mut items = items.into_iter();
            std::iter::from_fn(|| Some((items.next()?, items.next()?))).collect()
        }
        other => return Err(format!("not a hash reply: {other:?}")),
    };
    pairs
        .into_iter()
        .map(|(f, v)| match (text(f)?, text(v)?) {
            (Some(f), Some(v)) => Ok((f, v)),
            _ => Err("a nil field or value in a hash".into()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_read_back_exactly_and_order_as_strings() {
        let origin = Instant::now();
        let t = Time::new(origin);
        let mut instants: Vec<Instant> = [0u64, 1, 999, 1_000_000_007, 3_600_000_000_123]
            .into_iter()
            .flat_map(|n| {
                let d = Duration::from_nanos(n);
                [origin.checked_sub(d), origin.checked_add(d)]
            })
            .flatten()
            .collect();
        instants.sort();
        let encoded: Vec<String> = instants.iter().map(|&at| t.encode(at)).collect();
        for (at, text) in instants.iter().zip(&encoded) {
            assert_eq!(text.len(), TIME_DIGITS, "{text}");
            assert_eq!(t.decode(text), Ok(*at));
        }
        // Byte order of the encodings is the order of the instants (Lua's `<` in the C locale).
        assert!(encoded.windows(2).all(|w| w[0] <= w[1]), "{encoded:?}");
        assert!(t.decode("12345").is_err());
        assert!(t.decode("x0000000000000000000").is_err());
    }
}
