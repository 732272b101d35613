//! A state split by key over N parts, each a whole service of its own over its share of the
//! keys, behind a handle that routes each operation by its key ([`StateMachine::key`]):
//! [`Split`]. Its parts are owners ([`Sharded`]: N owner tasks or threads) or locks (the
//! striped lock of `statebench_locked`: N mutexes) — the same routing either way, so the two
//! rows differ only in what serves a part. An operation on the whole state (`Len`) asks every
//! part in turn and adds up their answers, so it is not linearizable — as `dashmap`'s `Len` is
//! not — and says so ([`Service::linearizable`]).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use crate::owner::{Owner, Transport};
use crate::{Error, Family, Service, Settings, StateMachine, Sweeper};

/// A state machine that can be split by key into parts that never interact, and put back
/// together: what a split service needs of its state machine.
pub trait Shardable: StateMachine + Sized {
    /// Splits the state into `parts` parts; an entry whose key is `k` goes to part
    /// `route(k)` (always below `parts`).
    fn split(self, parts: usize, route: &dyn Fn(&Self::Key) -> usize) -> Vec<Self>;

    /// Puts the parts back together (at shutdown).
    fn join(parts: Vec<Self>) -> Self;

    /// The reply to `op`, an operation on the whole state, from every part's reply to it.
    fn join_replies(op: &Self::Op, replies: Vec<Self::Reply>) -> Self::Reply;
}

/// A service that can serve one part of a split state: what [`Split`] needs of its parts.
pub trait Part<S: Shardable>: Service<S> {
    /// [`Service::NAME`] of the split service.
    const SPLIT_NAME: &'static str;
    /// [`Service::ABOUT`] of the split service.
    const SPLIT_ABOUT: &'static str;
    /// Whether a part sweeps itself (an owner's timer) or the split runs one sweeper thread
    /// that cleans every part in turn (a lock's part has no thread to do it, and one sweeper
    /// per part would be N threads where one does).
    const SWEEPS_ITSELF: bool;

    /// The number of parts when [`Settings::shards`] is 0, on `cores` cores.
    fn default_parts(cores: usize) -> usize;

    /// Starts a part over `initial`; with no sweeper of its own unless
    /// [`SWEEPS_ITSELF`](Part::SWEEPS_ITSELF).
    fn start_part(initial: S, settings: &Settings) -> Self;
}

/// The names a transport's sharded owners go by.
pub trait ShardNames: Transport {
    /// [`Service::NAME`] of [`Sharded`] over this transport.
    const SHARDED_NAME: &'static str;
    /// [`Service::ABOUT`] of [`Sharded`] over this transport.
    const SHARDED_ABOUT: &'static str;
}

/// An owner serves a part by owning it: the sharded owners, one per core by default.
impl<S: Shardable, T: ShardNames> Part<S> for Owner<S, T> {
    const SPLIT_NAME: &'static str = T::SHARDED_NAME;
    const SPLIT_ABOUT: &'static str = T::SHARDED_ABOUT;
    const SWEEPS_ITSELF: bool = true;

    fn default_parts(cores: usize) -> usize {
        cores
    }

    fn start_part(initial: S, settings: &Settings) -> Self {
        Owner::start(initial, settings)
    }
}

/// N owners over transport `T`, each serving the keys that hash to it; N is
/// [`Settings::shards`], or one per core when that is 0.
pub type Sharded<S, T> = Split<S, Owner<S, T>>;

/// State machine `S` split by key over N parts `P`; N is [`Settings::shards`], or
/// [`Part::default_parts`] when that is 0. A cheap, cloneable handle.
pub struct Split<S: Shardable, P: Part<S>> {
    parts: Arc<[P]>,
    // Dropped with the last handle, which stops and joins the sweeper thread.
    sweeper: Option<Arc<Sweeper>>,
    _state: PhantomData<fn() -> S>,
}

impl<S: Shardable, P: Part<S>> Clone for Split<S, P> {
    fn clone(&self) -> Self {
        Split {
            parts: self.parts.clone(),
            sweeper: self.sweeper.clone(),
            _state: PhantomData,
        }
    }
}

impl<S: Shardable, P: Part<S>> std::fmt::Debug for Split<S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Split")
            .field("strategy", &P::SPLIT_NAME)
            .field("parts", &self.parts.len())
            .finish()
    }
}

/// The part of `key` among `parts`: a hash with fixed keys, so a key has one home in every
/// run.
pub fn route<K: Hash>(key: &K, parts: usize) -> usize {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() % parts as u64) as usize
}

impl<S: Shardable, P: Part<S>> Split<S, P> {
    /// The part that serves `op`, or `None` for an operation on the whole state.
    #[inline]
    fn part_of(&self, op: &S::Op) -> Option<&P> {
        S::key(op).map(|key| &self.parts[route(key, self.parts.len())])
    }

    /// How many parts the state is split over.
    pub fn parts(&self) -> usize {
        self.parts.len()
    }
}

impl<S: Shardable, P: Part<S>> Service<S> for Split<S, P> {
    const NAME: &'static str = P::SPLIT_NAME;
    const FAMILY: Family = P::FAMILY;
    const ABOUT: &'static str = P::SPLIT_ABOUT;
    const CROSSES_THREADS: bool = P::CROSSES_THREADS;
    const RUNS_ON_CALLERS_RUNTIME: bool = P::RUNS_ON_CALLERS_RUNTIME;

    fn start(initial: S, settings: &Settings) -> Self {
        let n = match settings.shards {
            0 => P::default_parts(std::thread::available_parallelism().map_or(1, |n| n.get())),
            n => n,
        };
        let every = initial.cleanup_every();
        let parts: Arc<[P]> = initial
            .split(n, &|key| route(key, n))
            .into_iter()
            .map(|part| P::start_part(part, settings))
            .collect();
        let sweeper = every.filter(|_| !P::SWEEPS_ITSELF).map(|every| {
            let parts = parts.clone();
            let name = format!("statebench-sweeper-{}", S::SERVICE);
            // Sweeps while any part is left (a part lost to a panic stays stopped).
            let sweep = move || parts.iter().fold(false, |any, p| p.cleanup().is_ok() | any);
            Arc::new(Sweeper::spawn(name, every, sweep))
        });
        Split {
            parts,
            sweeper,
            _state: PhantomData,
        }
    }

    #[inline]
    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        if let Some(part) = self.part_of(&op) {
            return part.call(op);
        }
        let replies = self
            .parts
            .iter()
            .map(|part| part.call(op.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(S::join_replies(&op, replies))
    }

    async fn call_async(&self, op: S::Op) -> Result<S::Reply, Error> {
        if let Some(part) = self.part_of(&op) {
            return part.call_async(op).await;
        }
        let mut replies = Vec::with_capacity(self.parts.len());
        for part in self.parts.iter() {
            replies.push(part.call_async(op.clone()).await?);
        }
        Ok(S::join_replies(&op, replies))
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.parts.iter().try_for_each(|part| part.cleanup())
    }

    /// Shuts every part down and joins them. A shutdown racing another one may find some
    /// parts already stopped: it gets [`Error::Stopped`], and the state is the winner's only
    /// if it got every part — so shut down once, as with every strategy. A part lost to a
    /// panic makes the shutdown fail the same way: the whole state is no longer there.
    fn shutdown(&self) -> Result<S, Error> {
        let parts = self
            .parts
            .iter()
            .map(|part| part.shutdown())
            .collect::<Result<Vec<_>, _>>()?;
        // Nothing left to sweep: end the sweeper now, not at its next tick or the last drop.
        if let Some(sweeper) = &self.sweeper {
            sweeper.stop();
        }
        Ok(S::join(parts))
    }

    fn placement(started_in_tokio: bool) -> &'static str {
        P::placement(started_in_tokio)
    }

    /// An operation on one key is one part's, and linearizable; one on the whole state
    /// visits the parts one after another, so under concurrent writes its answer may never
    /// have been true at one instant.
    fn linearizable(op: &S::Op) -> bool {
        S::key(op).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KvOp, KvReply, KvU64};
    use std::time::Instant;

    #[test]
    fn a_split_state_joins_back_whole_and_len_adds_up() {
        let kv = KvU64::from_entries((0..100).map(|k| (k, k * 2)));
        let parts = kv.clone().split(3, &|k| route(k, 3));
        assert_eq!(parts.len(), 3);
        for (i, part) in parts.iter().enumerate() {
            assert!(part.entries().all(|(k, _)| route(k, 3) == i), "part {i}");
            assert!(
                part.entries().count() > 10,
                "the keys spread over the parts"
            );
        }
        let now = Instant::now();
        let lens = parts
            .iter()
            .map(|p| p.read(&KvOp::Len, now).expect("a read"))
            .collect();
        assert_eq!(KvU64::join_replies(&KvOp::Len, lens), KvReply::Len(100));
        assert_eq!(KvU64::join(parts), kv);
    }
}
