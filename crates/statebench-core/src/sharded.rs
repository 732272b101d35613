//! Sharded owners: N owners, each holding the part of the state whose keys hash to it, and a
//! handle that routes each operation by its key ([`StateMachine::key`]). An operation on the
//! whole state (`Len`) asks every shard in turn and adds up their answers, so it is not
//! linearizable — as `dashmap`'s `Len` is not — and says so ([`Service::linearizable`]).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use crate::owner::{Owner, Transport};
use crate::{Error, Family, Service, Settings, StateMachine};

/// A state machine that can be split by key into parts that never interact, and put back
/// together: what a sharded owner needs of its service.
pub trait Shardable: StateMachine + Sized {
    /// Splits the state into `parts` parts; an entry whose key is `k` goes to part
    /// `route(k)` (always below `parts`).
    fn split(self, parts: usize, route: &dyn Fn(&Self::Key) -> usize) -> Vec<Self>;

    /// Puts the parts back together (at shutdown).
    fn join(parts: Vec<Self>) -> Self;

    /// The reply to `op`, an operation on the whole state, from every part's reply to it.
    fn join_replies(op: &Self::Op, replies: Vec<Self::Reply>) -> Self::Reply;
}

/// The names a transport's sharded owners go by.
pub trait ShardNames: Transport {
    /// [`Service::NAME`] of [`Sharded`] over this transport.
    const SHARDED_NAME: &'static str;
    /// [`Service::ABOUT`] of [`Sharded`] over this transport.
    const SHARDED_ABOUT: &'static str;
}

/// N owners over transport `T`, each serving the keys that hash to it; N is
/// [`Settings::shards`], or one per core when that is 0. A cheap, cloneable handle.
pub struct Sharded<S: Shardable, T: ShardNames> {
    shards: Arc<[Owner<S, T>]>,
}

impl<S: Shardable, T: ShardNames> Clone for Sharded<S, T> {
    fn clone(&self) -> Self {
        Sharded {
            shards: self.shards.clone(),
        }
    }
}

impl<S: Shardable, T: ShardNames> std::fmt::Debug for Sharded<S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sharded")
            .field("strategy", &T::SHARDED_NAME)
            .field("shards", &self.shards.len())
            .finish()
    }
}

/// The shard of `key` among `shards`: a hash with fixed keys, so a key has one home in every
/// run.
fn route<K: Hash>(key: &K, shards: usize) -> usize {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() % shards as u64) as usize
}

impl<S: Shardable, T: ShardNames> Sharded<S, T> {
    /// The shard that serves `op`, or `None` for an operation on the whole state.
    #[inline]
    fn shard_of(&self, op: &S::Op) -> Option<&Owner<S, T>> {
        S::key(op).map(|key| &self.shards[route(key, self.shards.len())])
    }
}

impl<S: Shardable, T: ShardNames> Service<S> for Sharded<S, T> {
    const NAME: &'static str = T::SHARDED_NAME;
    const FAMILY: Family = Family::Owner;
    const ABOUT: &'static str = T::SHARDED_ABOUT;
    const CROSSES_THREADS: bool = true;

    fn start(initial: S, settings: &Settings) -> Self {
        let n = match settings.shards {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let parts = initial.split(n, &|key| route(key, n));
        Sharded {
            shards: parts
                .into_iter()
                .map(|part| Owner::start(part, settings))
                .collect(),
        }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        if let Some(shard) = self.shard_of(&op) {
            return shard.call(op);
        }
        let replies = self
            .shards
            .iter()
            .map(|shard| shard.call(op.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(S::join_replies(&op, replies))
    }

    async fn call_async(&self, op: S::Op) -> Result<S::Reply, Error> {
        if let Some(shard) = self.shard_of(&op) {
            return shard.call_async(op).await;
        }
        let mut replies = Vec::with_capacity(self.shards.len());
        for shard in self.shards.iter() {
            replies.push(shard.call_async(op.clone()).await?);
        }
        Ok(S::join_replies(&op, replies))
    }

    fn cleanup(&self) -> Result<(), Error> {
        self.shards.iter().try_for_each(|shard| shard.cleanup())
    }

    /// Shuts every shard down and joins their parts. A shutdown racing another one may find
    /// some shards already stopped: it gets [`Error::Stopped`], and the state is the winner's
    /// only if it got every part — so shut down once, as with every strategy.
    fn shutdown(&self) -> Result<S, Error> {
        let parts = self
            .shards
            .iter()
            .map(|shard| shard.shutdown())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(S::join(parts))
    }

    fn placement(started_in_tokio: bool) -> &'static str {
        T::placement(started_in_tokio)
    }

    /// An operation on one key is one shard's, and linearizable; one on the whole state
    /// visits the shards one after another, so under concurrent writes its answer may never
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
