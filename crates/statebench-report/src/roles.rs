//! The roles the report's sections give strategies, by name, in one table: which owner is the
//! plain one every owner form is measured against, which locks an async lock is set beside,
//! which rows are the maps, Go's contenders. Sections read these and nothing else, so a
//! renamed strategy cannot empty a section without a word: the workspace's registry test
//! (`tests/registry.rs`) fails when a role names a strategy that is neither registered nor one
//! of Go's programs, and when a registered strategy has no role here. The families (owner,
//! lock, concurrent) are not roles: every record carries its own.

/// The generic owner task, the plain form every other is measured against.
pub const PLAIN: &str = "owner_tokio";
/// The same owner task written by hand for the key-value store.
pub const HANDWRITTEN: &str = "owner_handwritten";
/// The plain owner on an OS thread.
pub const THREAD: &str = "owner_thread";
/// The owner thread that polls before it parks.
pub const SPIN: &str = "owner_thread_spin";
/// The owner forms whose owners are OS threads of their own, besides [`THREAD`].
pub const THREAD_FORMS: [&str; 2] = [SPIN, "sharded_thread"];
/// The plain owners, the reference text's idiom in Rust: an owner task, an owner thread.
pub const PLAIN_OWNERS: [&str; 2] = [PLAIN, THREAD];
/// The actor-framework owner.
pub const ACTOR: &str = "owner_ractor";
/// The concurrent maps (the counter's `atomic` is no map).
pub const MAPS: [&str; 4] = ["dashmap", "papaya", "scc", "moka"];
/// tokio's async locks.
pub const ASYNC_LOCKS: [&str; 2] = ["mutex_tokio", "rwlock_tokio"];
/// The blocking locks an async lock is measured against.
pub const SYNC_LOCKS: [&str; 3] = ["mutex_std", "rwlock_std", "mutex_parking_lot"];
/// The striped lock, and the one lock it stripes.
pub const STRIPED: (&str, &str) = ("striped", "mutex_parking_lot");
/// Go's stateful goroutine.
pub const GO_OWNER: &str = "go_goroutine";
/// Go's `sync.Mutex`.
pub const GO_MUTEX: &str = "go_mutex";

/// The state in one Redis server, another process: what the report's question "what does
/// leaving the process cost?" sets beside the best row that keeps the state in the process.
pub const REDIS: &str = "redis";

/// The state in a three-master Redis Cluster: set beside the best row of the process as
/// [`REDIS`] is.
pub const REDIS_CLUSTER: &str = "redis_cluster";

/// The rows that keep the state in another process, in the order the report sets them out.
pub const OUT_OF_PROCESS: [&str; 2] = [REDIS, REDIS_CLUSTER];

/// Strategies that take part in the comparisons only through their family and the cells they
/// lead: the report's guide, summary and answer weigh them like any row, and no section names
/// them. Listed so that a strategy registered later is a decision, not an accident.
pub const BY_FAMILY_ONLY: [&str; 8] = [
    "mutex_handwritten",
    "owner_tokio_batch",
    "owner_async_std",
    "owner_smol",
    "sharded_tokio",
    "combining",
    "atomic",
    "go_rwmutex",
];

/// Go's contenders with no section of their own: weighed by family, like [`BY_FAMILY_ONLY`].
pub const GO_BY_FAMILY_ONLY: [&str; 1] = ["go_syncmap"];

/// Every strategy name this module gives a role, each once.
pub fn named() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = vec![PLAIN, HANDWRITTEN, THREAD, ACTOR, GO_OWNER, GO_MUTEX];
    all.extend(OUT_OF_PROCESS);
    all.extend(THREAD_FORMS);
    all.extend(MAPS);
    all.extend(ASYNC_LOCKS);
    all.extend(SYNC_LOCKS);
    all.extend([STRIPED.0, STRIPED.1]);
    all.extend(BY_FAMILY_ONLY);
    all.extend(GO_BY_FAMILY_ONLY);
    all.sort_unstable();
    all.dedup();
    all
}
