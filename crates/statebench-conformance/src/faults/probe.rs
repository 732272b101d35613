//! The probe: a state machine with hooks that block, panic, track and report.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use statebench_core::{Kind, StateMachine};

use crate::wait::PATIENCE;

/// What a [`Probe`] reports on its channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeEvent {
    /// A cleanup pass ran.
    Cleanup,
    /// The probe's state was dropped: its owner ended, or its last handle went.
    Dropped,
}

/// A latch the probe blocks on inside `apply`, so a test can hold the owner (or the lock) busy
/// while it queues requests behind it.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    inner: Arc<(Mutex<(bool, bool)>, Condvar)>, // (entered, open)
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Opens the gate, releasing the blocked `apply`.
    pub fn open(&self) {
        let (lock, cv) = &*self.inner;
        lock.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        cv.notify_all();
    }

    /// Waits (at most [`PATIENCE`]) until an `apply` is blocked on the gate.
    pub fn wait_entered(&self) -> bool {
        self.wait_for(|(entered, _)| *entered)
    }

    fn enter_and_wait_open(&self) -> bool {
        {
            let (lock, cv) = &*self.inner;
            lock.lock().unwrap_or_else(|p| p.into_inner()).0 = true;
            cv.notify_all();
        }
        self.wait_for(|(_, open)| *open)
    }

    fn wait_for(&self, ready: impl Fn(&(bool, bool)) -> bool) -> bool {
        let (lock, cv) = &*self.inner;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (_guard, timeout) = cv
            .wait_timeout_while(guard, PATIENCE, |state| !ready(state))
            .unwrap_or_else(|p| p.into_inner());
        !timeout.timed_out()
    }
}

/// An operation of the probe.
#[derive(Clone, Debug)]
pub enum ProbeOp {
    /// Appends to the log.
    Push(u64),
    /// Reads the log.
    Log,
    /// Blocks until the gate opens.
    Block(Gate),
    /// Panics.
    Panic,
    /// A read-only operation that panics (in `read`, where a strategy shares reads; in
    /// `apply` otherwise).
    PanicInRead,
    /// Appends the value to the log after `busy` of work, and hands the token back in the
    /// reply: while a request or its reply is alive anywhere, the token's count shows it.
    Tracked(u64, Token, Duration),
}

/// A shared token whose strong count tells how many requests and replies carrying it exist.
pub type Token = Arc<()>;

/// A reply of the probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeReply {
    /// Done.
    Done,
    /// The log.
    Log(Vec<u64>),
    /// The token of a `Tracked` op.
    Tracked(Token),
}

/// The probe state machine: a log of pushed values plus the hooks above.
#[derive(Debug)]
pub struct Probe {
    /// Every value pushed, in the order applied.
    pub log: Vec<u64>,
    events_tx: Sender<ProbeEvent>,
    cleanup_every: Option<Duration>,
}

impl Probe {
    /// A probe cleaned up every `cleanup_every` (if given), and the channel of its events.
    pub fn new(cleanup_every: Option<Duration>) -> (Probe, Receiver<ProbeEvent>) {
        let (events_tx, events_rx) = mpsc::channel();
        let probe = Probe {
            log: Vec::new(),
            events_tx,
            cleanup_every,
        };
        (probe, events_rx)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.events_tx.send(ProbeEvent::Dropped);
    }
}

impl StateMachine for Probe {
    type Op = ProbeOp;
    type Reply = ProbeReply;
    type Key = ();
    const SERVICE: &'static str = "probe";
    const ABOUT: &'static str = "a log with hooks that block, panic and track, for fault tests";
    const KINDS: &'static [Kind] = &[
        Kind::writer("push").whole_state(),
        Kind::reader("log").whole_state(),
        Kind::writer("block").whole_state(),
        Kind::writer("panic").whole_state(),
        Kind::reader("panic_in_read").whole_state(),
        Kind::writer("tracked").whole_state(),
    ];
    const USES_CLOCK: bool = false;

    fn kind(op: &ProbeOp) -> usize {
        match op {
            ProbeOp::Push(_) => 0,
            ProbeOp::Log => 1,
            ProbeOp::Block(_) => 2,
            ProbeOp::Panic => 3,
            ProbeOp::PanicInRead => 4,
            ProbeOp::Tracked(..) => 5,
        }
    }

    fn key(_: &ProbeOp) -> Option<&()> {
        None
    }

    fn work(&self) -> statebench_core::Work {
        statebench_core::Work::NONE
    }

    fn set_work(&mut self, work: statebench_core::Work) {
        assert!(work.is_none(), "probe does no work");
    }

    fn apply(&mut self, op: ProbeOp, _now: Instant) -> ProbeReply {
        match op {
            ProbeOp::Push(v) => {
                self.log.push(v);
                ProbeReply::Done
            }
            ProbeOp::Log => ProbeReply::Log(self.log.clone()),
            ProbeOp::Block(gate) => {
                assert!(gate.enter_and_wait_open(), "probe: the gate never opened");
                ProbeReply::Done
            }
            ProbeOp::Panic | ProbeOp::PanicInRead => {
                panic!("probe: deliberate panic (a statebench fault test)")
            }
            ProbeOp::Tracked(v, token, busy) => {
                crate::spin(busy);
                self.log.push(v);
                ProbeReply::Tracked(token)
            }
        }
    }

    fn read(&self, op: &ProbeOp, _now: Instant) -> Option<ProbeReply> {
        match op {
            ProbeOp::Log => Some(ProbeReply::Log(self.log.clone())),
            ProbeOp::PanicInRead => panic!("probe: deliberate panic in a read (a fault test)"),
            _ => None,
        }
    }

    fn cleanup(&mut self, _now: Instant) {
        let _ = self.events_tx.send(ProbeEvent::Cleanup);
    }

    fn cleanup_every(&self) -> Option<Duration> {
        self.cleanup_every
    }
}

/// Waits (at most [`PATIENCE`]) for `event`, skipping others.
pub fn expect_event(events_rx: &Receiver<ProbeEvent>, event: ProbeEvent) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events_rx.recv_timeout(left) {
            Ok(e) if e == event => return,
            Ok(_) => continue,
            Err(e) => panic!("waited {PATIENCE:?} for {event:?}: {e}"),
        }
    }
}
