//! Pinning a test client to a core, from libc (std has no way). With the harness's `os`
//! module, one of the two places in statebench that use `unsafe`: a plain FFI call on a
//! value we own.
#![allow(unsafe_code)]

/// The cores this process may run on (at least 1).
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Pins the calling thread to core `client % cores()`, so that racing clients are spread
/// over the cores instead of left where the scheduler put them (two spinning clients left on
/// one core of an idle VM take turns for milliseconds, and race not at all). `false` if the
/// OS refused; the clients then race wherever they are.
#[cfg(target_os = "linux")]
pub(crate) fn spread_over_cores(client: usize) -> bool {
    let core = client % cores();
    // SAFETY: a cpu_set_t is plain data; CPU_ZERO/CPU_SET only write inside it, and
    // sched_setaffinity reads it for the calling thread (pid 0).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// Elsewhere no pinning is attempted (affinity is Linux's call here): the clients race wherever
/// the scheduler puts them, as they do where Linux refuses.
#[cfg(not(target_os = "linux"))]
pub(crate) fn spread_over_cores(_client: usize) -> bool {
    false
}
