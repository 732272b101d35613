//! The open loop end to end: a service too slow for the offered rate builds a backlog that
//! the corrected latency shows and grows with, while the service time — what a closed loop
//! reports — stays flat; a fast service keeps its schedule; a slow schedule still stops on
//! time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use statebench_core::{Error, KvOp, KvReply, KvU64, Service, Settings};
use statebench_harness::workload::{find, with_rate};
use statebench_harness::{Cell, Repetition, RustDriver, Workload, run_repetition};
use statebench_locked::MutexStd;

fn cell(workload: &Workload, driver: RustDriver, clients: usize, window_ms: u64) -> Cell<'_> {
    Cell {
        workload,
        driver,
        clients,
        warmup: Duration::from_millis(20),
        duration: Duration::from_millis(window_ms),
        cover: None,
        sample_every: 1,
        seed: 7,
        tuning: Default::default(),
        work: Default::default(),
        pin_clients: false,
    }
}

/// How long each call of [`Slow`] holds its one server.
const SERVICE: Duration = Duration::from_millis(1);

/// `mutex_std` behind one server that spends [`SERVICE`] on every call: at most about a
/// thousand calls a second, whoever calls.
#[derive(Clone)]
struct Slow(MutexStd<KvU64>, Arc<Mutex<()>>);

impl Service<KvU64> for Slow {
    const NAME: &'static str = "slow";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "mutex_std with a 1 ms sleep inside one server's lock";
    fn start(initial: KvU64, settings: &Settings) -> Self {
        Slow(MutexStd::start(initial, settings), Arc::new(Mutex::new(())))
    }
    fn call(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        let _server = self.1.lock().unwrap_or_else(|p| p.into_inner());
        std::thread::sleep(SERVICE);
        self.0.call(op)
    }
    async fn call_async(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        self.call(op)
    }
    fn cleanup(&self) -> Result<(), Error> {
        self.0.cleanup()
    }
    fn shutdown(&self) -> Result<KvU64, Error> {
        self.0.shutdown()
    }
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn open_run(rate: u64, window_ms: u64) -> Repetition {
    let w = with_rate(&find("kv_write_heavy").expect("exists"), rate);
    run_repetition::<KvU64, Slow>(&cell(&w, RustDriver::Threads, 2, window_ms)).expect("runs")
}

#[test]
fn a_backlog_shows_in_the_corrected_latency_and_grows_where_a_closed_loop_hides_it() {
    let plain = find("kv_write_heavy").expect("exists");
    let closed =
        run_repetition::<KvU64, Slow>(&cell(&plain, RustDriver::Threads, 2, 100)).expect("runs");
    assert!(closed.open_loop.is_none());
    let closed_p50 = closed.latency["all"].p50_ns;
    // Two clients queue for one server: each call waits for at most the other's.
    assert!(
        ms(closed_p50) < 5.0,
        "closed loop p50 {} ms",
        ms(closed_p50)
    );

    // Offered 4000 a second, about four times what the server can do.
    let (short, long) = (open_run(4000, 100), open_run(4000, 300));
    for rep in [&short, &long] {
        let open = rep.open_loop.as_ref().expect("an open-loop record");
        assert_eq!(open.offered_per_sec, 4000.0);
        assert!(
            open.achieved_share(rep.ops_per_sec) < 0.5,
            "achieved {} of 4000 a second",
            rep.ops_per_sec
        );
        assert!(open.backlog > open.due / 2, "{open:?}");
        assert!(open.late > rep.ops / 2, "{open:?}");
        // And the service made them late, not the senders.
        assert!(open.late_by_sender < open.late / 4, "{open:?}");
        // The service time is what the closed loop saw; the latency from the scheduled send
        // is many times longer: the wait in the backlog.
        let service_p50 = open.service_time["all"].p50_ns;
        assert!(
            ms(service_p50) < 5.0,
            "service time p50 {} ms",
            ms(service_p50)
        );
        let corrected = rep.latency["all"].p50_ns;
        assert!(
            corrected > 10 * closed_p50.max(service_p50),
            "corrected p50 {} ms, closed loop {} ms, service time {} ms",
            ms(corrected),
            ms(closed_p50),
            ms(service_p50)
        );
        // Every operation of the window is timed, by all three measures.
        assert_eq!(rep.latency["all"].count, rep.ops);
        assert_eq!(open.service_time["all"].count, rep.ops);
        assert_eq!(open.send_lag.map(|l| l.count), Some(rep.ops));
    }
    // The backlog grows with time, and the corrected latency with it: at 4 times the
    // capacity, a send due t after the start waits about 3t/4, so the median of a window
    // three times as long is about twice as far behind (a closed loop shows neither).
    let (a, b) = (short.latency["all"].p50_ns, long.latency["all"].p50_ns);
    assert!(
        b as f64 > 1.5 * a as f64,
        "corrected p50 {} ms over 100 ms, {} ms over 300 ms",
        ms(a),
        ms(b)
    );
    let (ba, bb) = (
        short.open_loop.as_ref().map_or(0, |o| o.backlog),
        long.open_loop.as_ref().map_or(0, |o| o.backlog),
    );
    assert!(bb > ba, "backlog {ba} after 100 ms, {bb} after 300 ms");
}

#[test]
fn a_fast_service_keeps_the_schedule_on_both_drivers() {
    let w = with_rate(&find("kv_write_heavy").expect("exists"), 2000);
    for driver in RustDriver::ALL {
        // A client descheduled for tens of milliseconds by another process owes its sends at
        // the close, however fast the service: the schedule must be kept in one of three
        // windows. A driver that sent at the wrong rate or skipped sends fails all three.
        let mut made = Vec::new();
        for _ in 0..3 {
            let rep =
                run_repetition::<KvU64, MutexStd<KvU64>>(&cell(&w, driver, 2, 200)).expect("runs");
            let open = rep.open_loop.as_ref().expect("an open-loop record");
            // 2 000 sends a second are due over the window as it was measured (it closes when
            // its thread wakes, about 200 ms after it opened), each client's counted whole.
            let window_s = rep.elapsed_ns as f64 / 1e9;
            let expected = 2000.0 * window_s;
            assert!(
                (open.due as f64 - expected).abs() <= 2.0 + 0.01 * expected,
                "{driver:?}: {} due in {window_s:.3} s",
                open.due
            );
            assert_eq!(rep.latency["all"].count, rep.ops, "{driver:?}");
            assert_eq!(open.service_time["all"].count, rep.ops, "{driver:?}");
            made.push((rep.ops, open.due));
            if rep.ops as f64 >= 0.8 * open.due as f64 {
                break;
            }
        }
        assert!(
            made.iter()
                .any(|&(ops, due)| ops as f64 >= 0.8 * due as f64),
            "{driver:?}: (made, due) in three windows: {made:?}"
        );
    }
}

#[test]
fn a_slow_schedule_still_stops_when_the_window_closes() {
    // One send due every 2 s per client: the clients are asleep when the window closes.
    let w = with_rate(&find("kv_read_heavy").expect("exists"), 1);
    for driver in RustDriver::ALL {
        let start = Instant::now();
        let rep =
            run_repetition::<KvU64, MutexStd<KvU64>>(&cell(&w, driver, 2, 100)).expect("runs");
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "{driver:?}: the run took {took:?}"
        );
        // The first client's first send is due at the start; nothing else before 1 s.
        assert!(rep.ops <= 1, "{driver:?}: {} operations", rep.ops);
    }
}

/// `mutex_std` whose every call fails: its clients fail on their first send, in the warm-up.
#[derive(Clone)]
struct Failing(MutexStd<KvU64>);

impl Service<KvU64> for Failing {
    const NAME: &'static str = "failing";
    const FAMILY: statebench_core::Family = statebench_core::Family::Lock;
    const ABOUT: &'static str = "mutex_std whose every call fails";
    fn start(initial: KvU64, settings: &Settings) -> Self {
        Failing(MutexStd::start(initial, settings))
    }
    fn call(&self, _op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        Err(Error::Stopped)
    }
    async fn call_async(&self, op: KvOp<u64, u64>) -> Result<KvReply<u64>, Error> {
        self.call(op)
    }
    fn cleanup(&self) -> Result<(), Error> {
        self.0.cleanup()
    }
    fn shutdown(&self) -> Result<KvU64, Error> {
        self.0.shutdown()
    }
}

#[test]
fn a_client_that_fails_in_the_warm_up_ends_the_run_without_a_window() {
    // A failure sets the phase to stopping; the window must not set it back to measuring (an
    // open-loop task woken by its pacer's last bell would wait for another forever).
    let w = with_rate(&find("kv_write_heavy").expect("exists"), 2000);
    for driver in RustDriver::ALL {
        let (tx, rx) = std::sync::mpsc::channel();
        let w = w.clone();
        let runner = std::thread::spawn(move || {
            let start = Instant::now();
            let outcome = run_repetition::<KvU64, Failing>(&cell(&w, driver, 2, 2000));
            let _ = tx.send((outcome.map(|r| r.ops), start.elapsed()));
        });
        let (outcome, took) = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("{driver:?}: the run did not end in 30 s"));
        runner.join().expect("the runner thread");
        let why = outcome.expect_err("a failing service fails the run").0;
        assert!(why.contains("failing"), "{driver:?}: {why}");
        // The 2 s window never opened.
        assert!(
            took < Duration::from_millis(1500),
            "{driver:?}: the run took {took:?}"
        );
    }
}
