//! The built-in workloads: the named ones, one representative per service, lookup by name,
//! and the defaults a workload file leaves out.

use super::schema::*;

/// The defaults of a workload file's fields: the built-in workloads' (a closed loop over
/// 10 000 prefilled, uniformly drawn keys, 100 ms windows); `name`, `service` and `groups`
/// empty, so that a file must give them.
impl Default for Workload {
    fn default() -> Self {
        base("", "", "", Vec::new())
    }
}

fn mix(entries: &[(&str, u32)]) -> Vec<MixEntry> {
    entries
        .iter()
        .map(|(op, percent)| MixEntry {
            op: (*op).into(),
            percent: *percent,
        })
        .collect()
}

fn base(name: &str, about: &str, service: &str, groups: Vec<ClientGroup>) -> Workload {
    Workload {
        name: name.into(),
        about: about.into(),
        service: service.into(),
        groups,
        scales: true,
        keys: 10_000,
        distribution: KeyDistribution::Uniform,
        prefill: true,
        think_us: 0,
        session_lifetime_ms: 30 * 60 * 1000,
        ttl_ms: (60_000, 60_000),
        cleanup_every_ms: 60_000,
        value_bytes: 16,
        // Short windows, many repetitions: the report runs every cell five times, interleaved,
        // and the median of five 100 ms windows spread over the run holds still better than
        // one or two longer windows run back to back.
        duration_ms: 100,
        work_ns: 0,
        rate_per_s: 0,
    }
}

fn clients(entries: &[(&str, u32)]) -> Vec<ClientGroup> {
    vec![ClientGroup {
        role: "clients".into(),
        share: 1,
        mix: mix(entries),
    }]
}

/// The named workloads, in the order `statebench list` shows them.
pub fn named() -> Vec<Workload> {
    let reference_groups = vec![
        ClientGroup {
            role: "readers".into(),
            share: 100,
            mix: mix(&[("get", 100)]),
        },
        ClientGroup {
            role: "writers".into(),
            share: 10,
            mix: mix(&[("set", 100)]),
        },
    ];
    let seed = Workload {
        scales: false,
        keys: 5,
        prefill: false,
        think_us: 1000,
        // The reference program runs 1 s (`statebench demo` does too); a rate needs less: at
        // one operation per client per millisecond, 300 ms is some 30 000 operations.
        duration_ms: 300,
        ..base(
            "seed",
            "the reference program: 100 readers get, 10 writers set, 5 keys, 1 ms sleep after each op, 1 s",
            "kv",
            reference_groups,
        )
    };
    let seed_nosleep = Workload {
        name: "seed_nosleep".into(),
        about: "the reference program without its 1 ms sleep: what the strategies themselves cost"
            .into(),
        think_us: 0,
        ..seed.clone()
    };
    vec![
        seed,
        seed_nosleep,
        base(
            "kv_read_heavy",
            "95 % get, 5 % set over 10 000 keys, uniform",
            "kv",
            clients(&[("get", 95), ("set", 5)]),
        ),
        base(
            "kv_write_heavy",
            "50 % get, 50 % set over 10 000 keys, uniform",
            "kv",
            clients(&[("get", 50), ("set", 50)]),
        ),
        Workload {
            distribution: KeyDistribution::Zipf { theta: 0.99 },
            ..base(
                "kv_hot_keys",
                "95 % get, 5 % set over 10 000 keys, zipf theta 0.99: a few keys take most calls",
                "kv",
                clients(&[("get", 95), ("set", 5)]),
            )
        },
        base(
            "counter",
            "50 % increment, 45 % get, 5 % reset",
            "counter",
            clients(&[("increment", 50), ("get", 45), ("reset", 5)]),
        ),
        // Sessions and cache entries live a minute, far beyond any window, and the prefill
        // spreads their expiries over that minute: a trickle expires during a run (about
        // 0.2 % of the entries in 130 ms) whatever the strategy's throughput, and the periodic
        // cleanup sweeps every entry every 50 ms. With lifetimes of a window's length, a slow
        // strategy served a mostly expired map and a fast one a full map.
        Workload {
            session_lifetime_ms: 60_000,
            cleanup_every_ms: 50,
            ..base(
                "sessions",
                "create / get / set_data / touch / delete over 10 000 ids; sessions live 1 min, cleanup every 50 ms; starts in its steady state",
                "sessions",
                clients(&[
                    ("create", 10),
                    ("get", 50),
                    ("set_data", 20),
                    ("touch", 15),
                    ("delete", 5),
                ]),
            )
        },
        Workload {
            ttl_ms: (30_000, 60_000),
            cleanup_every_ms: 50,
            ..base(
                "cache",
                "80 % get, 15 % set with TTLs of 30-60 s, 5 % delete over 10 000 keys; cleanup every 50 ms; starts in its steady state",
                "cache",
                clients(&[("get", 80), ("set", 15), ("delete", 5)]),
            )
        },
    ]
}

/// Each service's everyday workload, in the order of [`statebench_core::SERVICES`]: its first
/// named workload that scales with the client count (the store's two reference workloads run
/// at 110 clients only, so the store's is `kv_read_heavy`). The criterion benches and the
/// instruction tier measure these.
pub fn representative() -> Vec<Workload> {
    let named = named();
    statebench_core::SERVICES
        .iter()
        .filter_map(|s| {
            named
                .iter()
                .find(|w| w.service == s.name && w.scales)
                .cloned()
        })
        .collect()
}

/// The named workload `name`.
pub fn find(name: &str) -> Result<Workload, WorkloadError> {
    named().into_iter().find(|w| w.name == name).ok_or_else(|| {
        let names: Vec<String> = named().into_iter().map(|w| w.name).collect();
        WorkloadError(format!(
            "unknown workload {name:?}; the workloads are {}",
            names.join(", ")
        ))
    })
}
