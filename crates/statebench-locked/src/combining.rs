//! Flat combining (Hendler, Incze, Shavit and Tzafrir, SPAA 2010): the owner idea without an
//! owner's thread. A caller publishes its operation in a slot, then either finds it applied or
//! takes the combiner lock and applies every published operation — its own and everyone
//! else's — in one pass, with the state hot in its cache, before it lets go.
//!
//! Written in safe Rust: a slot is an atomic status, scanned without locking, and a small
//! `Mutex` around its contents, taken only by the slot's caller and by the combiner.

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::thread;

use statebench_core::{Clock, Error, Family, Service, Settings, StateMachine, Sweeper};

/// How many operations can be published at once: more than the runner's clients of the
/// reference workload (110); a caller that finds every slot taken waits for one.
pub const SLOTS: usize = 128;

const FREE: u8 = 0;
const CLAIMED: u8 = 1;
const PENDING: u8 = 2;
const DONE: u8 = 3;

/// What a slot holds.
enum Cell<S: StateMachine> {
    Empty,
    /// Published, not yet applied.
    Op(S::Op),
    /// Applied (or refused: the service has stopped).
    Reply(Result<S::Reply, Error>),
    /// Its operation panicked; the caller resumes the panic, as a lock's caller would carry it.
    Panicked(Box<dyn Any + Send>),
}

struct Slot<S: StateMachine> {
    status: AtomicU8,
    cell: Mutex<Cell<S>>,
}

struct Shared<S: StateMachine> {
    /// The combiner lock, and the state (`None` once shut down or lost to a panic).
    state: Arc<Mutex<Option<S>>>,
    slots: Box<[Slot<S>]>,
    /// One past the highest slot ever claimed: the combiner scans only `slots[..used]`, so one
    /// caller pays for one slot, not for [`SLOTS`].
    used: AtomicUsize,
    clock: Clock,
    // Dropped with the last handle, which stops and joins the sweeper thread.
    sweeper: Option<Sweeper>,
}

/// State machine `S` served by flat combining (`combining`). A cheap, cloneable handle; both
/// call forms run on the calling thread, like a lock's (the async form never waits across an
/// `.await`). A panic in the state machine reaches the caller whose operation panicked, and
/// stops the service for everyone after it, as with the locks.
pub struct Combining<S: StateMachine> {
    shared: Arc<Shared<S>>,
}

impl<S: StateMachine> Clone for Combining<S> {
    fn clone(&self) -> Self {
        Combining {
            shared: self.shared.clone(),
        }
    }
}

impl<S: StateMachine> fmt::Debug for Combining<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Combining")
            .field("service", &S::SERVICE)
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// The slot this thread claimed last, where it looks first next time: a thread keeps its
    /// slot, so callers do not race for one, and the slots in use stay at the low end (as
    /// many as callers ever were at once), which is all the combiner scans.
    static LAST_SLOT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while a slot's or the state's lock is held (operations run under
    // `catch_unwind`), so a poisoned lock still holds consistent data.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<S: StateMachine> Shared<S> {
    /// Claims a free slot, waiting (yielding) while every slot is taken.
    fn claim(&self) -> &Slot<S> {
        let start = LAST_SLOT.get();
        loop {
            for k in 0..self.slots.len() {
                let i = (start + k) % self.slots.len();
                let slot = &self.slots[i];
                if slot.status.load(Ordering::Relaxed) == FREE
                    && slot
                        .status
                        .compare_exchange(FREE, CLAIMED, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    LAST_SLOT.set(i);
                    // Before the operation is published: a combiner on this thread sees its
                    // own slot. One on another thread may miss it for a pass; the caller then
                    // keeps trying the lock and applies it itself, so nothing waits for a scan
                    // that never comes.
                    self.used.fetch_max(i + 1, Ordering::Relaxed);
                    return slot;
                }
            }
            thread::yield_now();
        }
    }

    /// Applies every published operation, with the combiner lock held (`state`).
    fn combine(&self, state: &mut Option<S>) {
        let used = self.used.load(Ordering::Relaxed);
        for slot in &self.slots[..used] {
            if slot.status.load(Ordering::Acquire) != PENDING {
                continue;
            }
            let Cell::Op(op) = std::mem::replace(&mut *lock(&slot.cell), Cell::Empty) else {
                unreachable!("a pending slot holds its operation");
            };
            let done = match state.as_mut() {
                None => Cell::Reply(Err(Error::Stopped)),
                Some(s) => {
                    // The clock is read per operation, inside the lock: an operation published
                    // after the combiner started is applied at an instant after it was made.
                    let now = self.clock.now_for::<S>();
                    match panic::catch_unwind(AssertUnwindSafe(|| s.apply(op, now))) {
                        Ok(reply) => Cell::Reply(Ok(reply)),
                        Err(payload) => {
                            // The state may be half-changed: it is dropped, and everyone
                            // after gets `Stopped`.
                            *state = None;
                            Cell::Panicked(payload)
                        }
                    }
                }
            };
            *lock(&slot.cell) = done;
            slot.status.store(DONE, Ordering::Release);
        }
    }
}

impl<S: StateMachine> Service<S> for Combining<S> {
    const NAME: &'static str = "combining";
    // Callers take a lock, and whoever holds it applies everyone's published operations: a lock
    // technique (delegation to the holder), not an owner task or thread.
    const FAMILY: Family = Family::Lock;
    const ABOUT: &'static str =
        "flat combining: callers publish operations, whoever takes the lock applies them all";

    fn start(initial: S, settings: &Settings) -> Self {
        let every = initial.cleanup_every();
        let state = Arc::new(Mutex::new(Some(initial)));
        let clock = settings.clock.clone();
        let sweeper = every.map(|every| {
            let (state, clock) = (state.clone(), clock.clone());
            let name = format!("statebench-sweeper-{}", S::SERVICE);
            Sweeper::spawn(name, every, move || {
                // Stop sweeping once the state is gone (shut down, or lost to a panic).
                let mut state = lock(&state);
                state
                    .as_mut()
                    .map(|s| s.cleanup(clock.now_for::<S>()))
                    .is_some()
            })
        });
        let slots = (0..SLOTS)
            .map(|_| Slot {
                status: AtomicU8::new(FREE),
                cell: Mutex::new(Cell::Empty),
            })
            .collect();
        Combining {
            shared: Arc::new(Shared {
                state,
                slots,
                used: AtomicUsize::new(0),
                clock,
                sweeper,
            }),
        }
    }

    fn call(&self, op: S::Op) -> Result<S::Reply, Error> {
        let shared = &*self.shared;
        let slot = shared.claim();
        *lock(&slot.cell) = Cell::Op(op);
        slot.status.store(PENDING, Ordering::Release);
        let mut waited = 0u32;
        while slot.status.load(Ordering::Acquire) != DONE {
            match shared.state.try_lock() {
                Ok(mut state) => shared.combine(&mut state),
                Err(TryLockError::Poisoned(poisoned)) => shared.combine(&mut poisoned.into_inner()),
                // Another caller is combining, and will likely apply this operation too: spin
                // briefly, then yield, so that a combiner preempted on a busy core can finish.
                Err(TryLockError::WouldBlock) => {
                    waited += 1;
                    if waited < 64 {
                        std::hint::spin_loop();
                    } else {
                        thread::yield_now();
                    }
                }
            }
        }
        let done = std::mem::replace(&mut *lock(&slot.cell), Cell::Empty);
        slot.status.store(FREE, Ordering::Release);
        match done {
            Cell::Reply(reply) => reply,
            Cell::Panicked(payload) => panic::resume_unwind(payload),
            Cell::Empty | Cell::Op(_) => unreachable!("a done slot holds its reply"),
        }
    }

    async fn call_async(&self, op: S::Op) -> Result<S::Reply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        let Shared { state, clock, .. } = &*self.shared;
        lock(state)
            .as_mut()
            .map(|s| s.cleanup(clock.now_for::<S>()))
            .ok_or(Error::Stopped)
    }

    fn shutdown(&self) -> Result<S, Error> {
        let state = lock(&self.shared.state).take().ok_or(Error::Stopped)?;
        // Nothing left to sweep: end the sweeper now, not at its next tick or the last drop.
        if let Some(sweeper) = &self.shared.sweeper {
            sweeper.stop();
        }
        Ok(state)
    }
}
