//! The shared vocabulary of statebench: services written once as sequential state machines,
//! and the traits every strategy implements to serve them.
//!
//! A service ([`Kv`], [`Counter`], [`Sessions`], [`Cache`]) is a plain struct implementing
//! [`StateMachine`]: it applies one operation (an `Op` enum value) at a given instant and returns a
//! `Reply`. It knows nothing of threads and never reads a clock. A *strategy* — an owner task, a
//! lock, a concurrent map — decides how operations reach the state, and exposes it as a
//! [`Service`]: callable blocking (from OS threads) and async (from tasks). Because the state
//! machine is sequential it is also the reference model the conformance suite compares every
//! strategy against.
//!
//! Time comes from a [`Clock`]: the system clock in production, a [`ManualClock`] in tests, so
//! expiry is deterministic under test. The typed helpers in [`ext`] let callers write
//! `store.get(&k)` instead of building `KvOp::Get(k)` by hand.

#![deny(missing_docs)]

mod cache;
#[cfg(feature = "calibrate")]
pub mod calibrate;
mod clock;
mod counter;
pub mod ext;
mod kv;
pub mod owner;
pub mod rng;
mod sessions;
pub mod sharded;
mod sweeper;
mod work;

use std::fmt::{self, Debug};
use std::future::Future;
use std::hash::Hash;
use std::time::{Duration, Instant};

pub use cache::{Cache, CacheEntry, CacheOp, CacheReply};
pub use clock::{Clock, ManualClock};
pub use counter::{Counter, CounterOp, CounterReply};
pub use kv::{Kv, KvOp, KvReply};
pub use sessions::{Session, SessionData, SessionId, Sessions, SessionsOp, SessionsReply};
pub use sweeper::Sweeper;
pub use work::Work;

/// The key-value store with `u64` keys and values: the reference program's `map[int]int`.
pub type KvU64 = Kv<u64, u64>;
/// The TTL cache with `u64` keys and values, as registered and benchmarked.
pub type CacheU64 = Cache<u64, u64>;

/// A service written as a sequential state machine: one operation at a time, no threads.
///
/// `apply` is the whole behaviour; `read` is an optional fast path for operations that do not
/// change the state, which lets a reader-writer lock share them between readers. Both must agree:
/// where `read` answers, it answers exactly what `apply` would, and `apply` leaves the state as
/// it was (the core tests check this for every service).
pub trait StateMachine: Send + Sync + 'static {
    /// One operation of the protocol, e.g. `KvOp::Get(k)`.
    type Op: Clone + Debug + Send + Sync + 'static;
    /// The answer to one operation.
    type Reply: Clone + Debug + PartialEq + Send + 'static;
    /// What an operation names when it touches one entry (the store's key, a session's id);
    /// `()` for a service that is one object (the counter).
    type Key: Key;
    /// The stable snake_case name of the service (`kv`, `counter`, `sessions`, `cache`).
    const SERVICE: &'static str;
    /// What the service is, in one line for `statebench list` and the report.
    const ABOUT: &'static str;
    /// The kinds of operation, in the order their latencies are reported; workload mixes name
    /// them. [`kind`](StateMachine::kind) says which one an operation is.
    const KINDS: &'static [Kind];
    /// Whether any operation depends on `now`. Strategies skip reading the clock for services
    /// that never look at it (the store, the counter), so a clock read never pads their
    /// critical sections.
    const USES_CLOCK: bool = true;

    /// The index into [`KINDS`](StateMachine::KINDS) of `op`'s kind.
    fn kind(op: &Self::Op) -> usize;

    /// The key `op` touches, or `None` if it reads or writes the whole state; `Some` exactly
    /// when its kind is [`keyed`](Kind::keyed). Operations on different keys never affect each
    /// other, so a strategy may shard by key and a checker may split a history by it.
    fn key(op: &Self::Op) -> Option<&Self::Key>;

    /// Applies `op` at instant `now` and returns its reply.
    fn apply(&mut self, op: Self::Op, now: Instant) -> Self::Reply;

    /// Answers `op` without changing the state, if `op` is read-only; `None` means "this
    /// operation writes: call `apply`".
    fn read(&self, op: &Self::Op, now: Instant) -> Option<Self::Reply> {
        let _ = (op, now);
        None
    }

    /// Drops what has expired at `now`. Never changes a reply: expired entries are already
    /// invisible to every operation; cleanup only frees their memory.
    fn cleanup(&mut self, now: Instant) {
        let _ = now;
    }

    /// How often a strategy should run [`cleanup`](StateMachine::cleanup), if ever.
    fn cleanup_every(&self) -> Option<Duration> {
        None
    }

    /// The CPU work every operation does inside its critical section: `apply` and `read`
    /// spend it once per operation (an operation on the whole state of a split service, once
    /// per part). A strategy that does not run `apply` (a concurrent map, an atomic) reads it
    /// here when it starts and spends it in its own critical section.
    fn work(&self) -> Work;

    /// Sets [`work`](StateMachine::work).
    fn set_work(&mut self, work: Work);
}

/// One kind of operation of a service: its name and what it may do to the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    /// The snake_case name, as workload mixes and latency tables write it (`get`, `set_data`).
    pub name: &'static str,
    /// Whether it may change the state. `false` promises that `apply` leaves the state as it
    /// was; only such operations may be answered by [`read`](StateMachine::read).
    pub writes: bool,
    /// Whether each operation of this kind names one key ([`StateMachine::key`]); `false`: it
    /// reads or writes the whole state (`len`, every counter operation).
    pub keyed: bool,
}

impl Kind {
    /// A kind that reads one key.
    pub const fn reader(name: &'static str) -> Kind {
        Kind {
            name,
            writes: false,
            keyed: true,
        }
    }

    /// A kind that may write one key.
    pub const fn writer(name: &'static str) -> Kind {
        Kind {
            name,
            writes: true,
            keyed: true,
        }
    }

    /// This kind, acting on the whole state instead of one key.
    pub const fn whole_state(self) -> Kind {
        Kind {
            keyed: false,
            ..self
        }
    }
}

/// What a service declares of itself, read from its [`StateMachine`] consts: the row of
/// [`SERVICES`] that code working from names (workload files, the CLI) looks up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    /// [`StateMachine::SERVICE`].
    pub name: &'static str,
    /// [`StateMachine::ABOUT`].
    pub about: &'static str,
    /// [`StateMachine::KINDS`].
    pub kinds: &'static [Kind],
}

impl ServiceInfo {
    /// The declaration of service `S`.
    pub const fn of<S: StateMachine>() -> ServiceInfo {
        ServiceInfo {
            name: S::SERVICE,
            about: S::ABOUT,
            kinds: S::KINDS,
        }
    }

    /// The index of the kind named `name`.
    pub fn kind(&self, name: &str) -> Option<usize> {
        self.kinds.iter().position(|k| k.name == name)
    }
}

/// Calls the macro named first with the list of services: `name = Type` pairs, the one place
/// a service is registered (docs/ARCHITECTURE.md lists what else a new service touches).
/// Arguments after a `;` are passed on before the list:
///
/// ```
/// macro_rules! names {
///     ($($name:ident = $service:ty),+) => { [$(stringify!($name)),+] };
/// }
/// let names = statebench_core::for_each_service!(names);
/// assert_eq!(names, ["kv", "counter", "sessions", "cache"]);
/// ```
#[macro_export]
macro_rules! for_each_service {
    ($($callback:ident)::+ $(; $($arg:tt)*)?) => {
        $($callback)::+! {
            $($($arg)* ;)?
            kv = $crate::KvU64,
            counter = $crate::Counter,
            sessions = $crate::Sessions,
            cache = $crate::CacheU64
        }
    };
}

macro_rules! service_table {
    ($($name:ident = $service:ty),+) => {
        /// Every service's declaration, in registration order ([`for_each_service!`]).
        pub const SERVICES: &[ServiceInfo] = &[$(ServiceInfo::of::<$service>()),+];
    };
}
for_each_service!(service_table);

/// The declaration of the service named `name`.
pub fn service(name: &str) -> Option<&'static ServiceInfo> {
    SERVICES.iter().find(|s| s.name == name)
}

/// Why a call did not get a reply.
///
/// A word wide, so that a call's `Result` over a word-sized reply has a word at the same place
/// in every variant and comes back in two registers: a one-byte error made the compiler copy
/// such results through memory in pieces, which stalled a task caller of a lock on reading
/// them back (`statebench overhead`, ARCHITECTURE.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Error {
    /// The service was shut down, or its owner died (e.g. it panicked): no reply will come.
    Stopped,
    /// The caller's time limit ran out. The operation may or may not have been applied.
    Timeout,
    /// The bounded mailbox is full and the caller asked not to wait.
    Full,
    /// The process that holds the state (a Redis server) could not be reached, or failed the
    /// call: the connection broke or was refused, or the server answered with an error. The
    /// operation may or may not have been applied. Later calls try again.
    Unreachable,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Stopped => "the service has stopped",
            Error::Timeout => "the call timed out",
            Error::Full => "the service's mailbox is full",
            Error::Unreachable => "the process holding the state could not be reached",
        })
    }
}

impl std::error::Error for Error {}

/// How a strategy is started: which clock it reads and how deep its mailbox is.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The clock the strategy reads `now` from (never the state machine itself).
    pub clock: Clock,
    /// Capacity of an owner's bounded mailbox; ignored by strategies without one.
    pub mailbox: usize,
    /// How long a spinning owner polls its empty mailbox before it parks; ignored by the
    /// others.
    pub owner_spin: Duration,
    /// How long a spinning owner's blocking caller polls for its reply before it parks;
    /// ignored by the others.
    pub caller_spin: Duration,
    /// How many owners a sharded owner runs; 0: one per core. Ignored by the others.
    pub shards: usize,
}

impl Settings {
    /// The default owner spin: longer than the gap between a closed-loop client's calls, so a
    /// busy owner never parks between them, and far shorter than a scheduler tick.
    pub const OWNER_SPIN: Duration = Duration::from_micros(100);
    /// The default caller spin: longer than an uncontended round trip to a spinning owner on
    /// another core (a cache line each way, about a microsecond), shorter than a cross-core
    /// wake of a parked thread (tens of microseconds on some virtual machines).
    pub const CALLER_SPIN: Duration = Duration::from_micros(20);
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clock: Clock::system(),
            mailbox: 1024,
            owner_spin: Settings::OWNER_SPIN,
            caller_spin: Settings::CALLER_SPIN,
            shards: 0,
        }
    }
}

/// Where a strategy keeps the state: the question statebench answers, one answer per family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// One task or thread alone holds the state; calls are messages to it.
    Owner,
    /// The state sits behind a lock; each call takes it on the caller's thread or task.
    Lock,
    /// A structure built for concurrent access (a sharded map, atomics); no lock around the
    /// whole state.
    Concurrent,
    /// Another process holds the state (a Redis server, one or a cluster); calls are requests
    /// over a socket.
    OutOfProcess,
}

impl Family {
    /// Every family, in the order the report lists them.
    pub const ALL: [Family; 4] = [
        Family::Owner,
        Family::Lock,
        Family::Concurrent,
        Family::OutOfProcess,
    ];

    /// The stable snake_case name, as written in results files.
    pub const fn name(self) -> &'static str {
        match self {
            Family::Owner => "owner",
            Family::Lock => "lock",
            Family::Concurrent => "concurrent",
            Family::OutOfProcess => "out_of_process",
        }
    }

    /// What one strategy of the family is called in prose ("a lock", "an owner").
    pub const fn noun(self) -> &'static str {
        match self {
            Family::Owner => "owner",
            Family::Lock => "lock",
            Family::Concurrent => "concurrent structure",
            Family::OutOfProcess => "out-of-process store",
        }
    }

    /// [`Family::noun`], plural.
    pub const fn plural(self) -> &'static str {
        match self {
            Family::Owner => "owners",
            Family::Lock => "locks",
            Family::Concurrent => "concurrent structures",
            Family::OutOfProcess => "out-of-process stores",
        }
    }

    /// The family named `name` ([`Family::name`]).
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A running implementation of service `S` under one strategy: a cheap, cloneable handle.
///
/// Every implementation can be called blocking ([`call`](Service::call), from OS threads) and
/// async ([`call_async`](Service::call_async), from tasks); each type documents where one form
/// must not be used (for example a blocking call from inside a tokio runtime).
pub trait Service<S: StateMachine>: Clone + Send + Sync + 'static {
    /// The stable snake_case name of the strategy (`owner_tokio`, `mutex_std`, …): the same
    /// string in the registry, benchmark ids, result records and plots.
    const NAME: &'static str;

    /// Where the strategy keeps the state. The report groups and colours by it, and never
    /// guesses it from the name.
    const FAMILY: Family;

    /// What the strategy is, in one line for the report (e.g. "`std::sync::Mutex` around the
    /// whole state").
    const ABOUT: &'static str;

    /// Whether a call hands its work to another thread or task (an owner's), so that what it
    /// costs depends on when that one runs; `false`: the caller does the work itself (the
    /// locks, the concurrent structures, flat combining), which the instruction tier can count
    /// exactly.
    const CROSSES_THREADS: bool = false;

    /// Whether a strategy that crosses threads, started from inside a tokio runtime, runs its
    /// owner as a task of that runtime (tokio's owners, ractor's actor): a caller on a
    /// current-thread runtime then hands its work to a task of its own thread, and what a call
    /// costs no longer depends on when another thread runs. The instruction tier counts such
    /// pairs from tasks exactly (docs/CI.md).
    const RUNS_ON_CALLERS_RUNTIME: bool = false;

    /// Whether the strategy spends the state's critical-section work
    /// ([`StateMachine::work`]) on every operation, where the operation is applied. `false`
    /// only for a strategy that applies operations in another process, where statebench's
    /// work cannot run: the runner leaves it out of workloads that put work in the critical
    /// section.
    const SPENDS_WORK: bool = true;

    /// Why this strategy cannot be started on this machine now (a server it needs can be
    /// neither found nor installed), or `None`. Whatever starts strategies from the registry
    /// asks first and leaves the row out, saying why; [`start`](Service::start) may panic
    /// where this says the strategy is unavailable.
    fn unavailable() -> Option<String> {
        None
    }

    /// The CPU time spent so far, cumulative, by the processes outside this one that serve
    /// the strategy (a Redis server), or `None` for a strategy that runs in this process alone.
    /// The driver adds what it grew by over a measured window to the process's own CPU time,
    /// so that a row's CPU per operation counts the server's work too.
    fn cpu_elsewhere() -> Option<Duration> {
        None
    }

    /// Starts serving `initial`, with the clock and mailbox size in `settings`.
    fn start(initial: S, settings: &Settings) -> Self;

    /// Applies `op`, blocking the calling thread until the reply arrives.
    fn call(&self, op: S::Op) -> Result<S::Reply, Error>;

    /// Applies `op` from async code.
    fn call_async(&self, op: S::Op) -> impl Future<Output = Result<S::Reply, Error>> + Send;

    /// Runs one cleanup pass now, in addition to the periodic ones (tests use it to interleave
    /// cleanup with operations deterministically).
    fn cleanup(&self) -> Result<(), Error>;

    /// Stops the service gracefully and returns its final state: every call that was
    /// acknowledged before is in it; calls afterwards (and a second shutdown) get
    /// [`Error::Stopped`]. Blocking.
    fn shutdown(&self) -> Result<S, Error>;

    /// Where the work of a call runs, in words for labels; `started_in_tokio` says whether the
    /// service was started inside a tokio runtime (the tasks driver starts it there). The
    /// default is the caller's own thread or task, as for every lock and concurrent map.
    fn placement(started_in_tokio: bool) -> &'static str {
        let _ = started_in_tokio;
        "no thread of its own: each call runs on the calling thread or task"
    }

    /// Whether this strategy promises that calls of `op` are linearizable: each takes effect at
    /// one instant between its call and its return, so concurrent callers see the state machine
    /// applied in one order that respects real time. Every strategy promises it for every
    /// operation unless it documents otherwise (the sharded maps' `Len`); the conformance suite
    /// checks the promise under real concurrency.
    fn linearizable(op: &S::Op) -> bool {
        let _ = op;
        true
    }
}

/// A service reached through a bounded mailbox (the owner strategies): it can refuse to queue,
/// bound the caller's wait, and tell how deep its queue is.
pub trait OwnerService<S: StateMachine>: Service<S> {
    /// Like [`Service::call`], but fails with [`Error::Full`] instead of waiting for room in the
    /// mailbox. Once queued, it waits for the reply.
    fn try_call(&self, op: S::Op) -> Result<S::Reply, Error>;

    /// Like [`Service::call`], but gives up with [`Error::Timeout`] after `timeout` (queueing and
    /// waiting for the reply together). The owner is never wedged by a caller that gave up: its
    /// reply is simply dropped.
    fn call_timeout(&self, op: S::Op, timeout: Duration) -> Result<S::Reply, Error>;

    /// How many requests wait in the mailbox now (not counting the one being applied).
    fn queued(&self) -> usize;

    /// Whether the owner's task or thread still runs. It ends after a shutdown has drained the
    /// mailbox, when every handle is dropped, or when the state machine panics; nothing of the
    /// owner stays behind then (the fault tests count).
    fn owner_running(&self) -> bool;
}

/// What a key must offer to every strategy (hashable for maps, cloneable for replies).
pub trait Key: Hash + Eq + Clone + Debug + Send + Sync + 'static {}
impl<T: Hash + Eq + Clone + Debug + Send + Sync + 'static> Key for T {}

/// What a stored value must offer to every strategy (cloneable for replies, comparable for the
/// conformance suite).
pub trait Value: Clone + Debug + PartialEq + Send + Sync + 'static {}
impl<T: Clone + Debug + PartialEq + Send + Sync + 'static> Value for T {}

/// `true` while an entry that expires at `expires_at` is still live at `now`. The one place the
/// boundary is decided, so every strategy expires at the same instant.
#[inline]
pub fn is_live(expires_at: Instant, now: Instant) -> bool {
    now < expires_at
}

#[cfg(test)]
pub(crate) mod testing {
    //! Checks shared by the services' unit tests.
    use super::StateMachine;
    use std::time::Instant;

    /// Asserts that `op` does what its kind declares: where `read` answers, the kind is a
    /// reader, `read` agrees with `apply` and `apply` changes nothing; a reader's `apply`
    /// changes nothing; `key` names a key exactly when the kind is keyed. Applies `op`.
    pub fn read_agrees_with_apply<S>(state: &mut S, op: S::Op, now: Instant)
    where
        S: StateMachine + Clone + PartialEq + std::fmt::Debug,
    {
        let kind = S::KINDS[S::kind(&op)];
        assert_eq!(
            S::key(&op).is_some(),
            kind.keyed,
            "{op:?} is of kind {kind:?}"
        );
        let before = state.clone();
        let read = state.read(&op, now);
        let applied = state.apply(op.clone(), now);
        if let Some(read) = read {
            assert!(!kind.writes, "read answered {op:?}, of a writing kind");
            assert_eq!(read, applied, "read and apply disagree on {op:?}");
        }
        if !kind.writes {
            assert_eq!(
                &before, state,
                "{op:?}, of a reading kind, changed the state"
            );
        }
    }

    /// Asserts that `ops` has an operation of every kind of `S`, each reported as its kind,
    /// and applies them in turn through [`read_agrees_with_apply`].
    pub fn every_kind_declared<S>(state: &mut S, ops: Vec<S::Op>, now: Instant)
    where
        S: StateMachine + Clone + PartialEq + std::fmt::Debug,
    {
        let mut seen = vec![false; S::KINDS.len()];
        for op in ops {
            seen[S::kind(&op)] = true;
            read_agrees_with_apply(state, op, now);
        }
        let missing: Vec<_> = S::KINDS
            .iter()
            .zip(seen)
            .filter(|(_, seen)| !seen)
            .map(|(k, _)| k.name)
            .collect();
        assert!(missing.is_empty(), "no operation of kind {missing:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_listed_once_with_distinct_snake_case_kinds() {
        macro_rules! names {
            ($($name:ident = $service:ty),+) => {
                $(assert_eq!(stringify!($name), <$service as StateMachine>::SERVICE);)+
            };
        }
        for_each_service!(names);
        for s in SERVICES {
            assert_eq!(service(s.name), Some(s), "{} is listed twice", s.name);
            assert!(!s.about.is_empty() && !s.kinds.is_empty(), "{s:?}");
            for (j, k) in s.kinds.iter().enumerate() {
                assert_eq!(s.kind(k.name), Some(j), "{}: kind {} twice", s.name, k.name);
                assert!(
                    k.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{k:?}"
                );
            }
        }
        assert_eq!(service("nope"), None);
    }
}
