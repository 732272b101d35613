//! The few things std does not offer, from libc: process CPU time, a thread's CPU clock,
//! pinning a thread to a core,
//! and the lowest scheduling priority (both for the floors). With the conformance suite's
//! `pin` module (which spreads racing test clients over the cores), the only `unsafe` in
//! statebench, each call a plain FFI call on a value we own.
#![allow(unsafe_code)]

use std::time::Duration;

/// User plus system CPU time of the whole process.
pub fn process_cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a `rusage` into the pointer we pass, which points to one.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return Duration::ZERO;
    }
    // SAFETY: getrusage returned 0, so it filled the struct (and it was zeroed before).
    let usage = unsafe { usage.assume_init() };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// The calling thread's CPU-time clock, for [`thread_cpu_ns`] to read from another thread
/// (`None` if the OS gave none).
pub fn thread_cpu_clock() -> Option<libc::clockid_t> {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: pthread_self names the calling thread, which is alive; the call writes one
    // clockid_t into the pointer we pass.
    let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
    (rc == 0).then_some(clock)
}

/// The CPU time a thread's clock ([`thread_cpu_clock`]) has counted, in nanoseconds, exact at
/// the moment of reading (the kernel brings a running thread's count up to date); `None` when
/// it cannot be read (the thread has ended).
pub fn thread_cpu_ns(clock: libc::clockid_t) -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer we pass, which points to one.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// The calling thread's kernel id, for [`thread_parked`] to name it from another thread.
pub fn thread_id() -> libc::pid_t {
    // SAFETY: gettid takes no argument and cannot fail.
    unsafe { libc::gettid() }
}

/// Whether the thread `tid` of this process is parked now — blocked, waiting to be woken (a
/// futex, a channel, a sleep: state `S` or `D`) — rather than runnable (`R`: on a core, or
/// queued for one). `None` when its state cannot be read (the thread has ended) or is another.
pub fn thread_parked(tid: libc::pid_t) -> Option<bool> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // The name in brackets may hold spaces and brackets; the state follows the last one.
    let state = text[text.rfind(')')? + 1..].trim_start().chars().next()?;
    match state {
        'R' => Some(false),
        'S' | 'D' => Some(true),
        _ => None,
    }
}

/// The CPUs the calling thread may run on, lowest first (under a cpuset they need not start
/// at 0); empty if the OS cannot say.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a cpu_set_t is plain data; sched_getaffinity writes inside it for the calling
    // thread (pid 0), and CPU_ISSET only reads it at indices below CPU_SETSIZE.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
            .collect()
    }
}

/// Pins the calling thread to `core`; `false` if the OS refused (the floor then notes it).
pub fn pin_to_core(core: usize) -> bool {
    // SAFETY: a cpu_set_t is plain data; CPU_ZERO/CPU_SET only write inside it, and
    // sched_setaffinity reads it for the calling thread (pid 0).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// Moves the calling thread to the lowest scheduling priority (`SCHED_IDLE`): it runs only
/// when nothing else wants the core. `false` if the OS refused.
pub fn lowest_priority() -> bool {
    // SAFETY: sched_param is plain data; sched_setscheduler reads it for the calling thread
    // (pid 0) and changes nothing else.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0
    }
}

/// Restores the default action of `SIGPIPE` (end the process), which Rust's runtime sets to
/// "ignore": then `statebench list | head` ends quietly when `head` stops reading, as a Unix
/// tool does, instead of panicking on the failed print.
pub fn default_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL touches no Rust state.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Asks for the finest timer slack (1 ns) for the calling thread, so that its sleeps end as
/// close to their deadline as the OS can wake it (Linux adds 50 µs by default); `false` if
/// refused. The open loop's senders sleep to each scheduled send.
pub fn fine_timer_slack() -> bool {
    // SAFETY: PR_SET_TIMERSLACK takes a plain integer and changes the calling thread only.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_parked_on_a_channel_reads_parked_and_a_spinning_one_runnable() {
        use std::sync::atomic::{AtomicBool, AtomicI32, Ordering::SeqCst};
        use std::sync::{Arc, mpsc};
        use std::time::{Duration, Instant};
        let (tx, rx) = mpsc::channel::<()>();
        let parked_tid = Arc::new(AtomicI32::new(0));
        let parked = {
            let tid = parked_tid.clone();
            std::thread::spawn(move || {
                tid.store(thread_id(), SeqCst);
                let _ = rx.recv_timeout(Duration::from_secs(10));
            })
        };
        let stop = Arc::new(AtomicBool::new(false));
        let spinning_tid = Arc::new(AtomicI32::new(0));
        let spinning = {
            let (tid, stop) = (spinning_tid.clone(), stop.clone());
            std::thread::spawn(move || {
                tid.store(thread_id(), SeqCst);
                while !stop.load(SeqCst) {
                    std::hint::spin_loop();
                }
            })
        };
        // Wait (bounded) until the one blocks on its channel and the other spins.
        let deadline = Instant::now() + Duration::from_secs(5);
        let seen = |tid: &AtomicI32, want: bool| loop {
            let t = tid.load(SeqCst);
            if t != 0 && thread_parked(t) == Some(want) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let (was_parked, was_runnable) = (seen(&parked_tid, true), seen(&spinning_tid, false));
        let _ = tx.send(());
        stop.store(true, SeqCst);
        parked.join().expect("joined");
        spinning.join().expect("joined");
        assert!(
            was_parked,
            "a thread blocked on a channel never read parked"
        );
        assert!(was_runnable, "a spinning thread never read runnable");
        // An ended thread has no state — once the kernel has unhashed it, which may come a
        // moment after join returns.
        let gone = Instant::now() + Duration::from_secs(5);
        while thread_parked(parked_tid.load(SeqCst)).is_some() && Instant::now() < gone {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(thread_parked(parked_tid.load(SeqCst)), None);
    }
}
