//! Lock strategies over any state machine: the caller takes the lock and applies the operation
//! itself, with no hop to another thread.
//!
//! [`Locked`] is written once, generic over the state machine and over a [`StateLock`]; the
//! registered strategies are its instances [`MutexStd`] (`std::sync::Mutex`),
//! [`RwLockStd`] (`std::sync::RwLock`: read-only operations share the lock, through
//! `StateMachine::read`), [`MutexParkingLot`] (`parking_lot::Mutex`), and tokio's async locks
//! [`MutexTokio`] and [`RwLockTokio`], whose async calls await the lock (`tokio_locks`). Periodic cleanup runs on
//! a [`Sweeper`] thread that stops at shutdown, or when the last handle is dropped.
//! [`HandwrittenKv`] is the reference they are measured against: the key-value store's
//! `Mutex<HashMap<u64, u64>>` written by hand.
//!
//! [`Striped`] splits the state by key over N `parking_lot` mutexes (`striped`), for the
//! services whose operations name keys.
//!
//! [`Combining`] lives here too, being built on a lock, though it counts among the owners: flat
//! combining, where whoever takes the lock applies every caller's published operation.
//!
//! **A panic while the lock is held** (a state machine that panics in `apply`, or in `read`
//! under the shared lock) may leave the state half-changed, so the service stops. The caller
//! whose operation panicked unwinds with that panic, as it would from any code of its own;
//! every later call, cleanup and shutdown gets [`Error::Stopped`], as with an owner that panics
//! — for all three locks alike: std's poisoning where it applies, and a flag where it does not
//! (`parking_lot` never poisons; std's `RwLock` does not for a panicking reader). Never a panic
//! cascade: no later caller panics because an earlier one did.

#![deny(missing_docs)]

mod combining;
mod handwritten;
mod striped;
mod tokio_locks;

pub use combining::Combining;
pub use handwritten::HandwrittenKv;
pub use striped::Striped;
pub use tokio_locks::{MutexTokioLock, RwLockTokioLock};

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use statebench_core::{Clock, Error, Family, Service, Settings, StateMachine, Sweeper};

/// A lock around an optional state (`None` once shut down), as [`Locked`] needs it.
pub trait StateLock<S>: Send + Sync + 'static {
    /// The strategy's stable name (`mutex_std`, …).
    const NAME: &'static str;
    /// What the lock is, in one line ([`Service::ABOUT`]).
    const ABOUT: &'static str;
    /// Whether [`read`](StateLock::read) can run beside other readers.
    const SHARED_READS: bool;
    /// Wraps `state`.
    fn new(state: S) -> Self;
    /// Runs `f` with exclusive access; [`Error::Stopped`] if an earlier holder panicked.
    fn write<R>(&self, f: impl FnOnce(&mut Option<S>) -> R) -> Result<R, Error>;
    /// Runs `f` with shared access (exclusive where the lock has no shared mode).
    fn read<R>(&self, f: impl FnOnce(&Option<S>) -> R) -> Result<R, Error> {
        self.write(|state| f(state))
    }
    /// [`Locked::call_async`] over this lock. By default the async call takes the lock as
    /// `call` does: a short critical section, never held across an `.await`, its future no
    /// larger than the call's arguments. tokio's locks await the lock instead.
    fn call_async(
        locked: &Locked<S, Self>,
        op: S::Op,
    ) -> impl Future<Output = Result<S::Reply, Error>> + Send
    where
        S: StateMachine,
        Self: Sized,
    {
        // Its own future type per lock: an async path added to `Locked` itself made every
        // blocking lock's future larger, which the instruction tier counted on every lock
        // called from a task. The call inlined into it, as `mutex_handwritten`'s is into its
        // own and as a reader would write it: forcing it out of line in both was a fix for
        // stalled store forwarding that the word-wide `Error` made moot (docs/ARCHITECTURE.md
        // has the `statebench overhead` runs).
        async move { locked.call(op) }
    }
}

/// `std::sync::Mutex`.
#[derive(Debug)]
pub struct MutexStdLock<S>(std::sync::Mutex<Option<S>>);

impl<S: Send + 'static> StateLock<S> for MutexStdLock<S> {
    const NAME: &'static str = "mutex_std";
    const ABOUT: &'static str = "`std::sync::Mutex` around the whole state";
    const SHARED_READS: bool = false;

    fn new(state: S) -> Self {
        MutexStdLock(std::sync::Mutex::new(Some(state)))
    }

    #[inline(always)]
    fn write<R>(&self, f: impl FnOnce(&mut Option<S>) -> R) -> Result<R, Error> {
        let mut guard = self.0.lock().map_err(|_| Error::Stopped)?;
        #[cfg(feature = "calibrate")]
        statebench_core::calibrate::delay(statebench_core::calibrate::Site::MutexStd);
        Ok(f(&mut guard))
    }
}

/// `std::sync::RwLock`: read-only operations take the shared lock. std poisons an `RwLock`
/// only when a writer panics; a flag makes a panicking reader stop the service too, so that a
/// panic anywhere in the state machine means the same for every strategy.
#[derive(Debug)]
pub struct RwLockStdLock<S> {
    lock: std::sync::RwLock<Option<S>>,
    reader_panicked: AtomicBool,
}

impl<S: Send + Sync + 'static> StateLock<S> for RwLockStdLock<S> {
    const NAME: &'static str = "rwlock_std";
    const ABOUT: &'static str =
        "`std::sync::RwLock` around the whole state; read-only operations share it";
    const SHARED_READS: bool = true;

    fn new(state: S) -> Self {
        RwLockStdLock {
            lock: std::sync::RwLock::new(Some(state)),
            reader_panicked: AtomicBool::new(false),
        }
    }

    #[inline(always)]
    fn write<R>(&self, f: impl FnOnce(&mut Option<S>) -> R) -> Result<R, Error> {
        let mut guard = self.lock.write().map_err(|_| Error::Stopped)?;
        if self.reader_panicked.load(Ordering::Relaxed) {
            return Err(Error::Stopped);
        }
        Ok(f(&mut guard))
    }

    #[inline(always)]
    fn read<R>(&self, f: impl FnOnce(&Option<S>) -> R) -> Result<R, Error> {
        let guard = self.lock.read().map_err(|_| Error::Stopped)?;
        if self.reader_panicked.load(Ordering::Relaxed) {
            return Err(Error::Stopped);
        }
        let _poison = PoisonOnPanic(&self.reader_panicked);
        Ok(f(&guard))
    }
}

/// `parking_lot::Mutex`, with a flag standing in for the poisoning it does not have.
#[derive(Debug)]
pub struct MutexParkingLotLock<S> {
    lock: parking_lot::Mutex<Option<S>>,
    poisoned: AtomicBool,
}

/// Sets the flag if dropped while the thread unwinds from a panic inside the critical section.
pub(crate) struct PoisonOnPanic<'a>(pub(crate) &'a AtomicBool);

impl Drop for PoisonOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

impl<S: Send + 'static> StateLock<S> for MutexParkingLotLock<S> {
    const NAME: &'static str = "mutex_parking_lot";
    const ABOUT: &'static str = "`parking_lot::Mutex` around the whole state";
    const SHARED_READS: bool = false;

    fn new(state: S) -> Self {
        MutexParkingLotLock {
            lock: parking_lot::Mutex::new(Some(state)),
            poisoned: AtomicBool::new(false),
        }
    }

    #[inline(always)]
    fn write<R>(&self, f: impl FnOnce(&mut Option<S>) -> R) -> Result<R, Error> {
        let mut guard = self.lock.lock();
        // Read under the lock: the panicking holder set it before its guard released the lock.
        if self.poisoned.load(Ordering::Relaxed) {
            return Err(Error::Stopped);
        }
        let _poison = PoisonOnPanic(&self.poisoned);
        Ok(f(&mut guard))
    }
}

/// State machine `S` behind lock `L`; callers apply operations themselves. A cheap, cloneable
/// handle.
///
/// Both call forms run the operation on the calling thread. The async form is the same short
/// critical section: never held across an `.await`, which is what makes a blocking lock fine
/// in async code (tokio's own guidance for a `std::sync::Mutex`).
pub struct Locked<S: StateMachine, L: StateLock<S>> {
    shared: Arc<Shared<S, L>>,
}

struct Shared<S, L> {
    lock: Arc<L>,
    clock: Clock,
    // Dropped with the last handle, which stops and joins the sweeper thread.
    sweeper: Option<Sweeper>,
    _state: PhantomData<fn() -> S>,
}

/// `std::sync::Mutex` around any state machine (`mutex_std`).
pub type MutexStd<S> = Locked<S, MutexStdLock<S>>;
/// `std::sync::RwLock` around any state machine (`rwlock_std`).
pub type RwLockStd<S> = Locked<S, RwLockStdLock<S>>;
/// `parking_lot::Mutex` around any state machine (`mutex_parking_lot`).
pub type MutexParkingLot<S> = Locked<S, MutexParkingLotLock<S>>;
/// `tokio::sync::Mutex` around any state machine (`mutex_tokio`).
pub type MutexTokio<S> = Locked<S, MutexTokioLock<S>>;
/// `tokio::sync::RwLock` around any state machine (`rwlock_tokio`).
pub type RwLockTokio<S> = Locked<S, RwLockTokioLock<S>>;

impl<S: StateMachine, L: StateLock<S>> Clone for Locked<S, L> {
    fn clone(&self) -> Self {
        Locked {
            shared: self.shared.clone(),
        }
    }
}

impl<S: StateMachine, L: StateLock<S>> fmt::Debug for Locked<S, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locked")
            .field("strategy", &L::NAME)
            .field("service", &S::SERVICE)
            .finish()
    }
}

impl<S: StateMachine, L: StateLock<S>> Locked<S, L> {
    /// Starts serving `initial`, with a sweeper thread if `swept` and the state asks for
    /// periodic cleanup (the striped lock's stripes are swept by one thread for them all).
    pub(crate) fn start_swept(initial: S, settings: &Settings, swept: bool) -> Self {
        let every = initial.cleanup_every().filter(|_| swept);
        let lock = Arc::new(L::new(initial));
        let clock = settings.clock.clone();
        let sweeper = every.map(|every| {
            let (lock, clock) = (lock.clone(), clock.clone());
            let name = format!("statebench-sweeper-{}", S::SERVICE);
            Sweeper::spawn(name, every, move || {
                // Stop sweeping once the state is gone (shut down, or lost to a panic).
                let swept =
                    lock.write(|state| state.as_mut().map(|s| s.cleanup(clock.now_for::<S>())));
                matches!(swept, Ok(Some(())))
            })
        });
        Locked {
            shared: Arc::new(Shared {
                lock,
                clock,
                sweeper,
                _state: PhantomData,
            }),
        }
    }
}

impl<S: StateMachine, L: StateLock<S>> Service<S> for Locked<S, L> {
    const NAME: &'static str = L::NAME;
    const FAMILY: Family = Family::Lock;
    const ABOUT: &'static str = L::ABOUT;

    fn start(initial: S, settings: &Settings) -> Self {
        Locked::start_swept(initial, settings, true)
    }

    // The lock strategies are a handful of instructions around the state machine: let callers
    // inline them, as they would a lock of their own.
    #[inline(always)]
    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let Shared { lock, clock, .. } = &*self.shared;
        // The clock is read inside the critical section, so the instants a state sees follow
        // the order its operations are applied in.
        // The critical sections are inlined whole, as a hand-written lock's body is: left as
        // closures, the state machine ran in a function of its own at several times the cost
        // an operation from a task.
        if L::SHARED_READS {
            let read = lock.read(
                #[inline(always)]
                |state| match state {
                    Some(s) => Some(s.read(&op, clock.now_for::<S>())),
                    None => None,
                },
            );
            match read? {
                None => return Err(Error::Stopped),
                Some(Some(reply)) => return Ok(reply),
                Some(None) => {} // It writes: take the exclusive lock.
            }
        }
        lock.write(
            #[inline(always)]
            |state| match state {
                Some(s) => Ok(s.apply(op, clock.now_for::<S>())),
                None => Err(Error::Stopped),
            },
        )?
    }

    fn call_async(&self, op: S::Op) -> impl Future<Output = Result<S::Reply, Error>> + Send {
        L::call_async(self, op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        let Shared { lock, clock, .. } = &*self.shared;
        lock.write(|state| state.as_mut().map(|s| s.cleanup(clock.now_for::<S>())))?
            .ok_or(Error::Stopped)
    }

    fn shutdown(&self) -> Result<S, Error> {
        let state = self
            .shared
            .lock
            .write(Option::take)?
            .ok_or(Error::Stopped)?;
        // Nothing left to sweep: end the sweeper now, not at its next tick or the last drop.
        if let Some(sweeper) = &self.shared.sweeper {
            sweeper.stop();
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statebench_core::ext::{CacheExt, CounterExt, KvExt, SessionsExt};
    use statebench_core::{CacheU64, Counter, KvU64, ManualClock, Sessions};
    use std::time::Duration;

    #[test]
    fn typed_calls_read_like_a_map() {
        let store = MutexStd::start(KvU64::new(), &Settings::default());
        assert_eq!(store.is_empty(), Ok(true));
        assert_eq!(store.set(1, 10), Ok(None));
        assert_eq!(store.set(1, 11), Ok(Some(10)));
        assert_eq!(store.get(&1), Ok(Some(11)));
        assert_eq!(store.len(), Ok(1));
        assert_eq!(store.delete(&1), Ok(Some(11)));
        let on_runtime = tokio_free_block_on(store.set_async(2, 20));
        assert_eq!(on_runtime, Ok(None));
        assert_eq!(tokio_free_block_on(store.get_async(&2)), Ok(Some(20)));

        let counter = RwLockStd::start(Counter::new(), &Settings::default());
        assert_eq!(counter.increment(), Ok(1));
        assert_eq!(tokio_free_block_on(counter.increment_async()), Ok(2));
        assert_eq!(counter.count(), Ok(2));
        assert_eq!(counter.reset(), Ok(2));

        let manual = ManualClock::new();
        let settings = Settings {
            clock: manual.clock(),
            ..Settings::default()
        };
        let sessions = MutexParkingLot::start(
            Sessions::new(Duration::from_secs(5), Duration::from_secs(60)),
            &settings,
        );
        let created = sessions.create(7).expect("create");
        assert_eq!(sessions.set_data(7, "user", "ada"), Ok(true));
        assert_eq!(
            sessions.session(7).map(|s| s.map(|s| s.data.len())),
            Ok(Some(1))
        );
        manual.advance(Duration::from_secs(4));
        assert_eq!(sessions.touch(7), Ok(true));
        manual.advance(Duration::from_secs(4));
        assert!(
            sessions
                .session(7)
                .expect("get")
                .is_some_and(|s| s.expires_at > created.expires_at)
        );
        assert_eq!(sessions.end(7), Ok(true));

        let cache = MutexStd::start(CacheU64::default(), &settings);
        assert_eq!(cache.set(1, 10, Duration::from_secs(1)), Ok(None));
        assert_eq!(cache.get(&1), Ok(Some(10)));
        manual.advance(Duration::from_secs(1));
        assert_eq!(cache.get(&1), Ok(None));
        assert_eq!(cache.delete(&1), Ok(None));
    }

    /// Lock strategies finish their async calls on the first poll, so no runtime is needed.
    fn tokio_free_block_on<F: Future>(future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("a lock strategy's async call should never wait"),
        }
    }
}
