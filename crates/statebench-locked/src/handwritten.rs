//! The reference row for the lock wrapper's tax: the `Arc<Mutex<HashMap<u64, u64>>>` a reader
//! would write by hand for the key-value store, with no state machine, no generic lock and no
//! clock — so the report shows what [`crate::Locked`] costs over it, measured in the same run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use statebench_core::{Error, Family, KvOp, KvReply, KvU64, Service, Settings, StateMachine, Work};

/// `Arc<Mutex<HashMap<u64, u64>>>`, written by hand (`mutex_handwritten`). The map is taken at
/// shutdown (`None` afterwards); a panic while the lock is held poisons it, and every later
/// call gets [`Error::Stopped`], like the generic locks.
#[derive(Clone, Debug)]
pub struct HandwrittenKv {
    map: Arc<Mutex<Option<HashMap<u64, u64>>>>,
    /// The state machine's work, spent under the lock as `Kv::apply` would.
    work: Work,
}

impl Service<KvU64> for HandwrittenKv {
    const NAME: &'static str = "mutex_handwritten";
    const FAMILY: Family = Family::Lock;
    const ABOUT: &'static str =
        "`Arc<Mutex<HashMap>>` written by hand for the store: what the generic lock costs";

    fn start(initial: KvU64, _: &Settings) -> Self {
        let work = initial.work();
        HandwrittenKv {
            map: Arc::new(Mutex::new(Some(initial.into_entries()))),
            work,
        }
    }

    #[inline]
    fn call(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        let mut guard = self.map.lock().map_err(|_| Error::Stopped)?;
        let map = guard.as_mut().ok_or(Error::Stopped)?;
        self.work.spend();
        Ok(match op {
            KvOp::Get(k) => KvReply::Value(map.get(&k).copied()),
            KvOp::Set(k, v) => KvReply::Value(map.insert(k, v)),
            KvOp::Delete(k) => KvReply::Value(map.remove(&k)),
            KvOp::Len => KvReply::Len(map.len()),
        })
    }

    async fn call_async(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        self.call(op)
    }

    /// The store never expires anything.
    fn cleanup(&self) -> Result<(), Error> {
        let guard = self.map.lock().map_err(|_| Error::Stopped)?;
        guard.as_ref().map(drop).ok_or(Error::Stopped)
    }

    fn shutdown(&self) -> Result<KvU64, Error> {
        let mut guard = self.map.lock().map_err(|_| Error::Stopped)?;
        let mut state = guard
            .take()
            .map(KvU64::from_entries)
            .ok_or(Error::Stopped)?;
        state.set_work(self.work);
        Ok(state)
    }
}
