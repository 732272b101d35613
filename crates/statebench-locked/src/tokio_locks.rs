//! tokio's async locks, `tokio::sync::Mutex` and `tokio::sync::RwLock`, as [`StateLock`]s: the
//! locks a reader reaches for in async code, measured against the blocking ones.
//!
//! * **Async calls** (`call_async`) await the lock: a task that finds it taken yields its
//!   worker and is woken in turn (tokio's locks are fair, first come first served), where a
//!   blocking lock would hold the worker while it waits. The critical section itself is the
//!   same synchronous `apply`, never held across an `.await`.
//! * **Blocking calls** (`call`, `cleanup`, `shutdown`, and the sweeper thread's passes) take
//!   the lock with `blocking_lock` / `blocking_read` / `blocking_write`, which park the calling
//!   thread; tokio panics if they are made inside an async context, so — as with
//!   `owner_tokio`'s blocking calls — make them from OS threads only.
//! * Neither lock poisons: a flag set by a panic inside the critical section stops the service,
//!   as [`crate::MutexParkingLotLock`]'s does.

use std::sync::atomic::{AtomicBool, Ordering};

use statebench_core::{Error, StateMachine};

use crate::{Locked, PoisonOnPanic, Shared, StateLock};

/// Checked with the guard held: `Stopped` if an earlier holder panicked (it set the flag before
/// its guard let go); else the guard that sets the flag if this holder panics.
fn enter(poisoned: &AtomicBool) -> Result<PoisonOnPanic<'_>, Error> {
    if poisoned.load(Ordering::Relaxed) {
        return Err(Error::Stopped);
    }
    Ok(PoisonOnPanic(poisoned))
}

/// Applies `op` to the state under an exclusive guard, with the clock read inside it.
fn apply<S: StateMachine>(
    state: &mut Option<S>,
    op: S::Op,
    clock: &statebench_core::Clock,
) -> Result<S::Reply, Error> {
    state
        .as_mut()
        .map(|s| s.apply(op, clock.now_for::<S>()))
        .ok_or(Error::Stopped)
}

/// `tokio::sync::Mutex` (`mutex_tokio`).
#[derive(Debug)]
pub struct MutexTokioLock<S> {
    lock: tokio::sync::Mutex<Option<S>>,
    poisoned: AtomicBool,
}

impl<S: Send + 'static> StateLock<S> for MutexTokioLock<S> {
    const NAME: &'static str = "mutex_tokio";
    const ABOUT: &'static str =
        "`tokio::sync::Mutex` around the whole state; async callers await it";
    const SHARED_READS: bool = false;

    fn new(state: S) -> Self {
        MutexTokioLock {
            lock: tokio::sync::Mutex::new(Some(state)),
            poisoned: AtomicBool::new(false),
        }
    }

    fn write<R>(&self, f: impl FnOnce(&mut Option<S>) -> R) -> Result<R, Error> {
        let mut guard = self.lock.blocking_lock();
        let _poison = enter(&self.poisoned)?;
        Ok(f(&mut guard))
    }

    async fn call_async(locked: &Locked<S, Self>, op: S::Op) -> Result<S::Reply, Error>
    where
        S: StateMachine,
    {
        let Shared { lock, clock, .. } = &*locked.shared;
        let mut guard = lock.lock.lock().await;
        let _poison = enter(&lock.poisoned)?;
        apply(&mut guard, op, clock)
    }
}

/// `tokio::sync::RwLock` (`rwlock_tokio`): read-only operations share it. Unlike std's, it is
/// fair: a waiting writer holds back the readers that come after it, so writers do not starve.
#[derive(Debug)]
pub struct RwLockTokioLock<S> {
    lock: tokio::sync::RwLock<Option<S>>,
    poisoned: AtomicBool,
}

impl<S: Send + Sync + 'static> StateLock<S> for RwLockTokioLock<S> {
    const NAME: &'static str = "rwlock_tokio";
    const ABOUT: &'static str = "`tokio::sync::RwLock` around the whole state; read-only \
                                 operations share it, async callers await it";
    const SHARED_READS: bool = true;

    fn new(state: S) -> Self {
        RwLockTokioLock {
            lock: tokio::sync::RwLock::new(Some(state)),
            poisoned: AtomicBool::new(false),
        }
    }

    fn write<R>(&self, f: impl FnOnce(&mut Option<S>) -> R) -> Result<R, Error> {
        let mut guard = self.lock.blocking_write();
        let _poison = enter(&self.poisoned)?;
        Ok(f(&mut guard))
    }

    fn read<R>(&self, f: impl FnOnce(&Option<S>) -> R) -> Result<R, Error> {
        let guard = self.lock.blocking_read();
        let _poison = enter(&self.poisoned)?;
        Ok(f(&guard))
    }

    async fn call_async(locked: &Locked<S, Self>, op: S::Op) -> Result<S::Reply, Error>
    where
        S: StateMachine,
    {
        let Shared { lock, clock, .. } = &*locked.shared;
        {
            let guard = lock.lock.read().await;
            let _poison = enter(&lock.poisoned)?;
            match guard.as_ref().map(|s| s.read(&op, clock.now_for::<S>())) {
                None => return Err(Error::Stopped),
                Some(Some(reply)) => return Ok(reply),
                Some(None) => {} // It writes: take the exclusive lock.
            }
        }
        let mut guard = lock.lock.write().await;
        let _poison = enter(&lock.poisoned)?;
        apply(&mut guard, op, clock)
    }
}
