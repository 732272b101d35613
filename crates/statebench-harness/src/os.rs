//! The few things std does not offer, from libc and `/proc`: process CPU time, a thread's id
//! and what the scheduler counted of it, pinning a thread to a core,
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

/// The calling thread's id, for [`thread_sched`] to read from another thread.
pub fn thread_id() -> i64 {
    // SAFETY: gettid takes no arguments and only returns the caller's id.
    i64::from(unsafe { libc::gettid() })
}

/// What the scheduler says of thread `tid` of this process, in nanoseconds: the CPU time it
/// ran, and the time it spent runnable, waiting for a core (`/proc/self/task/<tid>/schedstat`);
/// `None` when that cannot be read (the thread has ended, or no `/proc`).
pub fn thread_sched(tid: i64) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    Some((fields.next()??, fields.next()??))
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
