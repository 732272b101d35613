//! The machine fingerprint recorded with every result: CPU, cores and how they are shared
//! (SMT siblings, the process's cpuset, whether it is a virtual machine), OS, compiler, commit.
//! Its costs are in [`crate::floors`].

use std::process::Command;
use std::thread;

use serde::{Deserialize, Serialize};

/// What machine and build produced a result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Host name.
    pub hostname: String,
    /// CPU model, from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Cores available to the process.
    pub cores: usize,
    /// Operating system.
    pub os: String,
    /// Kernel release.
    pub kernel: String,
    /// `rustc -V` of the compiler that built statebench.
    pub rustc: String,
    /// The git commit of the source (with `-dirty` if it had uncommitted changes), or
    /// `unknown` outside a checkout.
    pub commit: String,
    /// The cargo profile that built statebench: `release`, `quick`, `debug` (the `dev`
    /// profile's folder), or any other the workspace defines. Builds before the commit that
    /// added this (08d75ff) said `release` for every optimised build, `quick`'s included.
    pub profile: String,
    /// How the cores are laid out and shared.
    pub topology: Topology,
    /// The Go toolchain that built and ran the Go rows, if the run had any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go: Option<GoRuntime>,
}

/// The Go side of a run: what ran the Go contenders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoRuntime {
    /// `runtime.Version()` of the contender, e.g. `go1.27.3`.
    pub version: String,
    /// `runtime.GOMAXPROCS(0)`: how many OS threads ran Go code at once.
    pub gomaxprocs: usize,
}

/// How the cores the run can use are laid out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    /// Online CPUs (`/sys/devices/system/cpu/online`, e.g. `0-1`).
    pub online: String,
    /// The CPUs this process may run on (`Cpus_allowed_list` of `/proc/self/status`).
    pub allowed: String,
    /// Each CPU's SMT siblings (`thread_siblings_list`), in CPU order: `0` and `1` mean two
    /// cores without hyper-threads; `0-1` twice would mean one core's two threads.
    pub smt_siblings: Vec<String>,
    /// Whether the CPU reports running under a hypervisor (the `hypervisor` flag).
    pub virtual_machine: bool,
}

impl Topology {
    /// Reads the topology of this machine (`unknown` where the files are missing).
    pub fn detect() -> Topology {
        let unknown = || "unknown".to_owned();
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        Topology {
            online: read("/sys/devices/system/cpu/online").unwrap_or_else(unknown),
            allowed: read("/proc/self/status")
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                        .map(|v| v.trim().to_owned())
                })
                .unwrap_or_else(unknown),
            smt_siblings: (0..cpus)
                .map(|cpu| {
                    read(&format!(
                        "/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list"
                    ))
                    .unwrap_or_else(unknown)
                })
                .collect(),
            virtual_machine: read("/proc/cpuinfo").is_some_and(|info| {
                info.lines()
                    .filter(|l| l.starts_with("flags"))
                    .any(|l| l.split_whitespace().any(|f| f == "hypervisor"))
            }),
        }
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn git(args: &[&str]) -> Option<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl Machine {
    /// Reads the fingerprint of this machine and build.
    pub fn detect() -> Machine {
        let cpu_model = read("/proc/cpuinfo")
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
        let os = read("/etc/os-release")
            .and_then(|r| {
                r.lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim_matches('"').to_owned())
            })
            .unwrap_or_else(|| std::env::consts::OS.to_owned());
        let commit = match (
            git(&["rev-parse", "HEAD"]),
            git(&["status", "--porcelain", "--untracked-files=no"]),
        ) {
            (Some(head), Some(status)) if !status.is_empty() => format!("{head}-dirty"),
            (Some(head), _) => head,
            (None, _) => "unknown".into(),
        };
        Machine {
            hostname: read("/proc/sys/kernel/hostname").unwrap_or_else(|| "unknown".into()),
            cpu_model,
            cores: thread::available_parallelism().map_or(1, |n| n.get()),
            os,
            kernel: read("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into()),
            rustc: env!("STATEBENCH_RUSTC_VERSION").to_owned(),
            commit,
            profile: env!("STATEBENCH_PROFILE").to_owned(),
            topology: Topology::detect(),
            go: None,
        }
    }
}

impl Machine {
    /// A made-up machine, for tests of code that reads results (built only for tests, as
    /// [`crate::fixture`] is).
    #[cfg(any(test, feature = "fixture"))]
    pub fn fixture() -> Machine {
        Machine {
            hostname: "fixture".into(),
            cpu_model: "Test CPU".into(),
            cores: 2,
            os: "TestOS".into(),
            kernel: "1.0".into(),
            rustc: "rustc 1.95.0".into(),
            commit: "abc123".into(),
            profile: "release".into(),
            topology: Topology {
                online: "0-1".into(),
                allowed: "0-1".into(),
                smt_siblings: vec!["0".into(), "1".into()],
                virtual_machine: true,
            },
            go: None,
        }
    }
}

/// Lets the process end quietly when its output pipe closes (`statebench list | head`), as a
/// Unix tool does, instead of panicking on the failed print; call it first thing in `main`.
pub fn quiet_on_closed_pipe() {
    crate::os::default_sigpipe();
}

/// Pins the calling thread (and the threads it starts afterwards, which inherit it) to `core`;
/// `false` if the OS refused.
pub fn pin_current_thread(core: usize) -> bool {
    crate::os::pin_to_core(core)
}

/// The cores the calling thread may run on, lowest first: under a cpuset they need not be
/// `0..n`. Empty if the OS cannot say.
pub fn allowed_cores() -> Vec<usize> {
    crate::os::allowed_cpus()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_names_this_build() {
        let m = Machine::detect();
        assert!(m.cores >= 1);
        assert!(m.rustc.starts_with("rustc "), "{}", m.rustc);
        // This test's binary sits in `<target>/<profile>/deps/`: the profile it was built with.
        let exe = std::env::current_exe().expect("the test binary's path");
        let folder = exe.parent().and_then(|deps| deps.parent());
        let name = folder.and_then(|p| p.file_name()).and_then(|n| n.to_str());
        assert_eq!(Some(m.profile.as_str()), name, "{}", exe.display());
        assert!(!m.cpu_model.is_empty());
        assert_eq!(m.topology.smt_siblings.len(), m.cores);
        // Every test process may run somewhere, and a thread pinned to one of its cores is
        // allowed that core alone afterwards.
        let cores = allowed_cores();
        assert!(!cores.is_empty());
        let last = *cores.last().expect("a core");
        let pinned = std::thread::spawn(move || (pin_current_thread(last), allowed_cores()))
            .join()
            .expect("the pinned thread");
        assert_eq!(pinned, (true, vec![last]));
    }
}
