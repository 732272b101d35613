//! Workloads as data: which service, which clients doing which operations, over which keys,
//! for how long. The named ones are in [`named`]; every field is recorded with the results.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// How keys are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyDistribution {
    /// Every key equally likely.
    Uniform,
    /// YCSB's Zipfian: key rank `i` drawn with probability proportional to `1 / i^theta`.
    Zipf {
        /// The skew, in (0, 1); 0.99 is YCSB's default "hot keys".
        theta: f64,
    },
}

/// One operation of a mix and its share, in percent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixEntry {
    /// The operation kind, as the service names it (`get`, `set`, `increment`, …).
    pub op: String,
    /// Its share of this group's operations, in percent.
    pub percent: u32,
}

/// Clients that behave alike: e.g. the reference program's 100 readers, or its 10 writers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientGroup {
    /// What these clients are (`readers`, `writers`, `clients`; in a file, `clients` unless
    /// given).
    #[serde(default = "default_role")]
    pub role: String,
    /// How many clients of the workload's default count are in this group; when another
    /// count is asked for, the groups keep these proportions.
    pub share: usize,
    /// What each client of the group does.
    pub mix: Vec<MixEntry>,
}

/// A workload: everything needed to run it again the same way. Read from a file
/// ([`Workload::from_file`]), every field but `name`, `service` and `groups` may be left out
/// and takes the built-in workloads' default (docs/WORKLOADS.md); an unknown field is an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Stable snake_case name.
    pub name: String,
    /// One line on what it models.
    pub about: String,
    /// The service it drives (`kv`, `counter`, `sessions`, `cache`).
    pub service: String,
    /// The client groups; their shares add up to the default client count.
    pub groups: Vec<ClientGroup>,
    /// Whether `--clients` scales this workload; `false` runs it at its default count only
    /// unless clients are given explicitly.
    pub scales: bool,
    /// How many distinct keys (ids for sessions) the operations touch.
    pub keys: u64,
    /// How keys are drawn.
    pub distribution: KeyDistribution,
    /// Whether keys are stored before the run starts: the share [`Workload::live_share`] of
    /// them (all, where nothing deletes), with expiries spread over the lifetime or TTL.
    pub prefill: bool,
    /// Each client's pause after every operation, in microseconds (0: a closed loop).
    pub think_us: u64,
    /// Session lifetime (`sessions`), in milliseconds.
    pub session_lifetime_ms: u64,
    /// Shortest and longest TTL of a cache `set`, in milliseconds.
    pub ttl_ms: (u64, u64),
    /// Interval between cleanups (`sessions`, `cache`), in milliseconds.
    pub cleanup_every_ms: u64,
    /// Length of a session data value, in bytes.
    pub value_bytes: usize,
    /// Default measured duration, in milliseconds (overridden by `--duration`).
    pub duration_ms: u64,
    /// CPU work inside every operation's critical section, in nanoseconds (0: none, the bare
    /// state access): spent by the state machine where the operation holds the state, and
    /// calibrated on the machine before the run ([`crate::work`]). `--work` sweeps it.
    pub work_ns: u64,
    /// Operations offered per second over all clients, in an open loop (0: a closed loop):
    /// each client sends on a schedule fixed in advance, whatever the replies, with one call
    /// in flight at most, and latency counts from the scheduled send ([`crate::driver`]).
    /// `--rate` sweeps it.
    pub rate_per_s: u64,
}

/// The most operations per second a workload may offer: one every 10 ns.
pub const MAX_RATE_PER_S: u64 = 100_000_000;

message_error!(
    /// What is wrong with a workload or a request to run it.
    WorkloadError
);

fn default_role() -> String {
    "clients".into()
}

/// The defaults of a workload file's fields: the built-in workloads' (a closed loop over
/// 10 000 prefilled, uniformly drawn keys, 100 ms windows); `name`, `service` and `groups`
/// empty, so that a file must give them.
impl Default for Workload {
    fn default() -> Self {
        base("", "", "", Vec::new())
    }
}

/// `line 4, column 8, field `keys`: ` — the field named by the last `key =` (TOML) or
/// `"key":` (JSON) before the place on its line, if there is one.
fn place(line: usize, column: usize, prefix: &str) -> String {
    let field = prefix
        .rfind(['=', ':'])
        .map(|i| prefix[..i].trim_end())
        .and_then(|key| {
            let key = key.trim_end_matches('"');
            let start = key
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            (!key[start..].is_empty()).then(|| format!(", field `{}`", &key[start..]))
        })
        .unwrap_or_default();
    format!("line {line}, column {column}{field}: ")
}

/// The formats a workload file may be in, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.toml`.
    Toml,
    /// `.json`.
    Json,
}

impl Format {
    /// The format of `path`, by its extension.
    pub fn of(path: &std::path::Path) -> Result<Format, WorkloadError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => Ok(Format::Toml),
            Some("json") => Ok(Format::Json),
            _ => Err(WorkloadError(format!(
                "workload file {}: the name must end in .toml or .json",
                path.display()
            ))),
        }
    }
}

impl Workload {
    /// Reads one workload from `text` in `format`, and validates it; `origin` names where it
    /// came from in errors (the file's path). Every error names the field and the problem.
    pub fn parse(text: &str, format: Format, origin: &str) -> Result<Workload, WorkloadError> {
        // One line: where, which field, then what (toml's own message draws the place in
        // ASCII art, and neither parser names the field of a value of the wrong type).
        let parsed: Result<Workload, String> = match format {
            Format::Toml => toml::from_str(text).map_err(|e| {
                let at = e.span().map_or(String::new(), |span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let start = before.rfind('\n').map_or(0, |i| i + 1);
                    place(line, before.len() - start + 1, &before[start..])
                });
                format!("{at}{}", e.message().replace('\n', " "))
            }),
            Format::Json => serde_json::from_str(text).map_err(|e| {
                let prefix = text
                    .lines()
                    .nth(e.line().saturating_sub(1))
                    .map_or("", |l| &l[..e.column().min(l.len())]);
                let message = e.to_string();
                let what = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m);
                format!("{}{what}", place(e.line(), e.column(), prefix))
            }),
        };
        let mut w = parsed
            .map_err(|e| WorkloadError(format!("workload file {origin}: {}", e.trim_end())))?;
        let missing = |field: &str| {
            Err(WorkloadError(format!(
                "workload file {origin}: `{field}` is missing"
            )))
        };
        if w.name.is_empty() {
            return missing("name");
        }
        if w.service.is_empty() {
            return missing("service");
        }
        if w.groups.is_empty() {
            return missing("groups");
        }
        if !w
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || !w.name.starts_with(|c: char| c.is_ascii_lowercase())
        {
            return Err(WorkloadError(format!(
                "workload file {origin}: `name` {:?} must be snake_case (a-z, 0-9, _), starting \
                 with a letter",
                w.name
            )));
        }
        if named().iter().any(|b| b.name == w.name) {
            return Err(WorkloadError(format!(
                "workload file {origin}: `name` {:?} is a built-in workload's; give yours its own",
                w.name
            )));
        }
        if w.about.is_empty() {
            w.about = format!("from {origin}");
        }
        w.validate()
            .map_err(|e| WorkloadError(format!("workload file {origin}: {}", e.0)))?;
        Ok(w)
    }

    /// Reads and validates the workload in the file at `path` (`.toml` or `.json`).
    pub fn from_file(path: &std::path::Path) -> Result<Workload, WorkloadError> {
        let format = Format::of(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| {
            WorkloadError(format!(
                "workload file {}: cannot read it: {e}",
                path.display()
            ))
        })?;
        Workload::parse(&text, format, &path.display().to_string())
    }

    /// The workload as a file in `format`, as [`Workload::parse`] reads it back.
    pub fn to_text(&self, format: Format) -> String {
        match format {
            Format::Toml => toml::to_string(self)
                .unwrap_or_else(|e| unreachable!("a workload always serialises to TOML: {e}")),
            Format::Json => serde_json::to_string_pretty(self)
                .unwrap_or_else(|e| unreachable!("a workload always serialises: {e}")),
        }
    }
}

impl Workload {
    /// The client count when none is asked for.
    pub fn default_clients(&self) -> usize {
        self.groups.iter().map(|g| g.share).sum()
    }

    /// The think time.
    pub fn think(&self) -> Duration {
        Duration::from_micros(self.think_us)
    }

    /// The share of keys that hold an entry once the clients' mix has run long enough: each
    /// key's presence is set by the last operation that creates (`create`, `set`) or removes
    /// (`delete`) it, so in the long run a key is present with probability `creating /
    /// (creating + deleting)`, weighted by the groups' shares; 1 when nothing deletes. The
    /// prefill stores this share of the keys, so the run starts in its steady state and every
    /// strategy, fast or slow, serves a map of the same size.
    pub fn live_share(&self) -> f64 {
        let (mut creating, mut deleting) = (0.0, 0.0);
        for g in &self.groups {
            for m in &g.mix {
                let weight = g.share as f64 * f64::from(m.percent);
                match m.op.as_str() {
                    "create" | "set" => creating += weight,
                    "delete" => deleting += weight,
                    _ => {}
                }
            }
        }
        if deleting == 0.0 {
            1.0
        } else {
            creating / (creating + deleting)
        }
    }

    /// Checks that the workload makes sense: known service and operations, mixes adding up to
    /// 100 %, at least one key, a Zipf skew in (0, 1), TTL bounds in order.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        let err = |why: String| Err(WorkloadError(format!("workload {}: {why}", self.name)));
        let Some(service) = statebench_core::service(&self.service) else {
            return err(format!("unknown service {:?}", self.service));
        };
        if self.groups.is_empty() || self.groups.iter().any(|g| g.share == 0) {
            return err("every client group needs a share of at least 1".into());
        }
        for group in &self.groups {
            let total: u32 = group.mix.iter().map(|m| m.percent).sum();
            if total != 100 {
                return err(format!(
                    "the {} mix adds up to {total} %, not 100 %",
                    group.role
                ));
            }
            if let Some(m) = group.mix.iter().find(|m| service.kind(&m.op).is_none()) {
                let kinds: Vec<_> = service.kinds.iter().map(|k| k.name).collect();
                return err(format!(
                    "{} has no operation {:?} (it has {})",
                    self.service,
                    m.op,
                    kinds.join(", ")
                ));
            }
        }
        if self.keys == 0 {
            return err("needs at least one key".into());
        }
        if let KeyDistribution::Zipf { theta } = self.distribution
            && !(theta > 0.0 && theta < 1.0)
        {
            return err(format!("zipf theta must be in (0, 1), not {theta}"));
        }
        if self.ttl_ms.0 == 0 || self.ttl_ms.0 > self.ttl_ms.1 {
            return err(format!(
                "TTL bounds {:?} ms must be positive and in order",
                self.ttl_ms
            ));
        }
        if self.session_lifetime_ms == 0 || self.cleanup_every_ms == 0 || self.duration_ms == 0 {
            return err("lifetimes, cleanup interval and duration must be positive".into());
        }
        if self.work_ns > crate::work::MAX_WORK_NS {
            return err(format!(
                "work_ns {} is more than the most a critical section may cost, 1 s ({} ns)",
                self.work_ns,
                crate::work::MAX_WORK_NS
            ));
        }
        if self.rate_per_s > MAX_RATE_PER_S {
            return err(format!(
                "rate_per_s {} is more than the most a run may offer, {MAX_RATE_PER_S} \
                 operations a second",
                self.rate_per_s
            ));
        }
        if self.rate_per_s > 0 && self.think_us > 0 {
            return err(format!(
                "think_us ({} µs) and rate_per_s ({} a second) both pace the clients; give one \
                 (a think time paces a closed loop, a rate an open one)",
                self.think_us, self.rate_per_s
            ));
        }
        Ok(())
    }

    /// Whether the clients run in an open loop ([`Workload::rate_per_s`]).
    pub fn open_loop(&self) -> bool {
        self.rate_per_s > 0
    }

    /// Splits `clients` over the groups in proportion to their shares (largest remainder),
    /// with at least one client per group.
    pub fn clients_per_group(&self, clients: usize) -> Result<Vec<usize>, WorkloadError> {
        if clients == 0 {
            return Err(WorkloadError("the client count must be at least 1".into()));
        }
        if clients < self.groups.len() {
            return Err(WorkloadError(format!(
                "workload {} needs at least {} clients (one per group: {})",
                self.name,
                self.groups.len(),
                self.groups
                    .iter()
                    .map(|g| g.role.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let total = self.default_clients();
        let mut counts: Vec<usize> = self
            .groups
            .iter()
            .map(|g| (g.share * clients / total).max(1))
            .collect();
        // Hand out (or take back) what rounding left over, largest remainder first.
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse((self.groups[i].share * clients) % total));
        let mut assigned: usize = counts.iter().sum();
        let mut turn = 0;
        while assigned != clients {
            let i = order[turn % order.len()];
            if assigned < clients {
                counts[i] += 1;
                assigned += 1;
            } else if counts[i] > 1 {
                counts[i] -= 1;
                assigned -= 1;
            }
            turn += 1;
        }
        Ok(counts)
    }

    /// The group of each of `clients` clients, in the order the clients are made and started:
    /// the groups interleaved in proportion (smooth weighted round robin over
    /// [`clients_per_group`](Workload::clients_per_group)), never one group after the other.
    /// Clients start in this order, and a scheduler serves threads that became ready together
    /// (Go's runtime its goroutines) roughly in that order; with more busy clients than cores
    /// a window shorter than the scheduler's round of turns runs the first ones most. Made
    /// group after group, the reference program's 100 readers came before its 10 writers, so
    /// the harness itself could favour one kind; interleaved, the order cannot
    /// (docs/METHODOLOGY.md, "The mix that was asked for").
    pub fn client_groups(&self, clients: usize) -> Result<Vec<usize>, WorkloadError> {
        let counts = self.clients_per_group(clients)?;
        let mut credit = vec![0_i64; counts.len()];
        let total = clients as i64;
        let mut order = Vec::with_capacity(clients);
        for _ in 0..clients {
            for (c, n) in credit.iter_mut().zip(&counts) {
                *c += *n as i64;
            }
            // The group owed most goes next; ties to the first group.
            let (next, _) = credit
                .iter()
                .enumerate()
                .fold(
                    (0, i64::MIN),
                    |best, (g, c)| if *c > best.1 { (g, *c) } else { best },
                );
            credit[next] -= total;
            order.push(next);
        }
        Ok(order)
    }

    /// The share of all operations each kind is asked to take with `clients` clients. Every
    /// client runs the same closed loop, so a group takes its share of the clients' operations,
    /// split by its mix: the reference program's 100 readers and 10 writers ask for 1/11 sets.
    /// What a row served is judged against it ([`crate::mix`]).
    pub fn asked_shares(&self, clients: usize) -> Result<BTreeMap<String, f64>, WorkloadError> {
        let per_group = self.clients_per_group(clients)?;
        let mut asked = BTreeMap::new();
        for (group, n) in self.groups.iter().zip(per_group) {
            for entry in &group.mix {
                *asked.entry(entry.op.clone()).or_insert(0.0) +=
                    n as f64 * f64::from(entry.percent) / 100.0 / clients as f64;
            }
        }
        Ok(asked)
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

/// `workload` with `work_ns` nanoseconds of work in each critical section: itself at its own
/// cost, otherwise a copy named `{name}_work_{cost}` (`kv_write_heavy_work_1us`) whose `about`
/// says the cost. Zero keeps the plain name, so the bare cells of a sweep are the same cells
/// as a run without one.
pub fn with_work(workload: &Workload, work_ns: u64) -> Workload {
    if work_ns == workload.work_ns {
        return workload.clone();
    }
    let base = workload
        .name
        .strip_suffix(&format!("_work_{}", crate::work::label(workload.work_ns)))
        .filter(|_| workload.work_ns > 0)
        .unwrap_or(&workload.name);
    let (name, about) = if work_ns == 0 {
        (base.to_owned(), workload.about.clone())
    } else {
        let label = crate::work::label(work_ns);
        (
            format!("{base}_work_{label}"),
            format!(
                "{}; {label} of work in each critical section",
                workload.about
            ),
        )
    };
    Workload {
        name,
        about,
        work_ns,
        ..workload.clone()
    }
}

/// A rate in words, as workload names carry it: `2500`, `100k`, `1M`, `1500k`.
pub fn rate_label(rate_per_s: u64) -> String {
    match rate_per_s {
        r if r >= 1_000_000 && r % 1_000_000 == 0 => format!("{}M", r / 1_000_000),
        r if r >= 1000 && r % 1000 == 0 => format!("{}k", r / 1000),
        r => r.to_string(),
    }
}

/// Parses a rate: operations per second, a whole number with an optional `k` (×1000) or `M`
/// (×10⁶) and an optional `/s`: `50000`, `50k`, `2.5k`, `1M/s`.
pub fn parse_rate(text: &str) -> Result<u64, WorkloadError> {
    let bad = |why: &str| WorkloadError(format!("rate {text:?}: {why}"));
    let t = text.trim();
    let t = t.strip_suffix("/s").unwrap_or(t);
    let (number, scale) = if let Some(n) = t.strip_suffix('k') {
        (n, 1e3)
    } else if let Some(n) = t.strip_suffix('M') {
        (n, 1e6)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .parse()
        .map_err(|_| bad("not a number of operations a second (e.g. 50000, 50k, 1M)"))?;
    let rate = value * scale;
    if !rate.is_finite() || rate < 0.0 || rate.fract() != 0.0 {
        return Err(bad(
            "must be a whole, non-negative number of operations a second",
        ));
    }
    if rate > MAX_RATE_PER_S as f64 {
        return Err(bad(&format!(
            "more than the most a run may offer, {}",
            rate_label(MAX_RATE_PER_S)
        )));
    }
    Ok(rate as u64)
}

/// `workload` offered `rate_per_s` operations a second in an open loop: itself at its own
/// rate, otherwise a copy named `{name}_rate_{rate}` (`kv_write_heavy_rate_100k`) whose
/// `about` says the rate. Zero gives the closed loop under the plain name, as
/// [`with_work`] does for no work; sweep the work first, then the rate.
pub fn with_rate(workload: &Workload, rate_per_s: u64) -> Workload {
    if rate_per_s == workload.rate_per_s {
        return workload.clone();
    }
    let base = workload
        .name
        .strip_suffix(&format!("_rate_{}", rate_label(workload.rate_per_s)))
        .filter(|_| workload.rate_per_s > 0)
        .unwrap_or(&workload.name);
    let about_base = workload
        .about
        .rsplit_once("; open loop at ")
        .filter(|_| workload.rate_per_s > 0)
        .map_or(workload.about.as_str(), |(head, _)| head);
    let (name, about) = if rate_per_s == 0 {
        (base.to_owned(), about_base.to_owned())
    } else {
        let label = rate_label(rate_per_s);
        (
            format!("{base}_rate_{label}"),
            format!("{about_base}; open loop at {label} operations a second"),
        )
    };
    Workload {
        name,
        about,
        rate_per_s,
        ..workload.clone()
    }
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

#[cfg(test)]
mod tests {
    use super::{Format, Workload};

    const MINE: &str = r#"
name = "orders"
service = "kv"
keys = 500
distribution = { kind = "zipf", theta = 0.8 }

[[groups]]
share = 3
mix = [{ op = "get", percent = 90 }, { op = "set", percent = 10 }]

[[groups]]
role = "writers"
share = 1
mix = [{ op = "set", percent = 100 }]
"#;

    #[test]
    fn a_workload_file_takes_the_defaults_it_leaves_out() {
        let w = Workload::parse(MINE, Format::Toml, "orders.toml").expect("a valid file");
        assert_eq!(
            (w.name.as_str(), w.keys, w.default_clients()),
            ("orders", 500, 4)
        );
        assert_eq!(w.groups[0].role, "clients");
        assert_eq!(w.about, "from orders.toml");
        let base = Workload::default();
        assert_eq!(
            (w.prefill, w.think_us, w.duration_ms),
            (base.prefill, 0, base.duration_ms)
        );
        assert!(w.scales);
    }

    #[test]
    fn every_built_in_workload_reads_back_from_its_file_in_both_formats() {
        for b in super::named() {
            for format in [Format::Toml, Format::Json] {
                let renamed = Workload {
                    name: format!("my_{}", b.name),
                    ..b.clone()
                };
                let text = renamed.to_text(format);
                let back = Workload::parse(&text, format, "example")
                    .unwrap_or_else(|e| panic!("{format:?} of {}: {e}\n{text}", b.name));
                assert_eq!(back, renamed, "{format:?}:\n{text}");
            }
        }
    }

    #[test]
    fn a_bad_workload_file_is_refused_naming_the_field_and_the_problem() {
        let cases: &[(&str, Format, &str)] = &[
            (
                "name = \"x\"\nservice = \"kv\"\nkeyz = 5\n",
                Format::Toml,
                "unknown field `keyz`",
            ),
            (
                &MINE.replace("keys = 500", "keys = \"many\""),
                Format::Toml,
                "line 4, column 8, field `keys`: invalid type: string \"many\"",
            ),
            (
                &MINE.replace("percent = 90", "percent = -3"),
                Format::Toml,
                "field `percent`",
            ),
            (
                "{\"name\": \"x\", \"keys\": true}",
                Format::Json,
                "field `keys`: invalid type: boolean",
            ),
            (
                &MINE.replace("percent = 90", "percent = 80"),
                Format::Toml,
                "adds up to 90 %",
            ),
            (
                &MINE.replace("\"get\"", "\"fetch\""),
                Format::Toml,
                "no operation \"fetch\"",
            ),
            (
                &MINE.replace("orders", "seed"),
                Format::Toml,
                "a built-in workload's",
            ),
            (
                &MINE.replace("orders", "My Orders"),
                Format::Toml,
                "snake_case",
            ),
            (
                &MINE.replace("name = \"orders\"\n", ""),
                Format::Toml,
                "`name` is missing",
            ),
            (
                &MINE.replace("theta = 0.8", "theta = 1.5"),
                Format::Toml,
                "zipf theta",
            ),
            (
                &MINE.replace("kind = \"zipf\"", "kind = \"pareto\""),
                Format::Toml,
                "pareto",
            ),
            (
                &MINE.replace("service = \"kv\"", "service = \"queue\""),
                Format::Toml,
                "unknown service",
            ),
            (
                "{\"name\": \"x\", \"service\": \"kv\", \"groups\": [{\"share\": 1, \"mix\": [], \"extra\": 1}]}",
                Format::Json,
                "unknown field `extra`",
            ),
            ("{\"name\": \"x\"", Format::Json, "EOF"),
        ];
        for (text, format, says) in cases {
            let e = Workload::parse(text, *format, "my.file").expect_err(says);
            assert!(
                e.0.contains(says) && e.0.starts_with("workload file my.file: "),
                "{says:?}: {e}"
            );
        }
        let e = Format::of(std::path::Path::new("w.yaml")).expect_err("not a format");
        assert!(e.0.contains(".toml or .json"), "{e}");
    }

    use super::*;

    #[test]
    fn every_named_workload_is_valid_and_names_are_unique() {
        let all = named();
        for w in &all {
            w.validate().unwrap_or_else(|e| panic!("{e}"));
        }
        let mut names: Vec<_> = all.iter().map(|w| &w.name).collect();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }

    #[test]
    fn every_service_has_a_representative_workload() {
        let names: Vec<_> = representative().into_iter().map(|w| w.name).collect();
        assert_eq!(names, ["kv_read_heavy", "counter", "sessions", "cache"]);
        assert_eq!(names.len(), statebench_core::SERVICES.len());
    }

    #[test]
    fn seed_is_the_reference_program() {
        let seed = find("seed").expect("seed exists");
        assert_eq!(seed.default_clients(), 110);
        assert_eq!(seed.clients_per_group(110), Ok(vec![100, 10]));
        assert_eq!((seed.keys, seed.think_us, seed.duration_ms), (5, 1000, 300));
        assert!(!seed.prefill);
        let nosleep = find("seed_nosleep").expect("seed_nosleep exists");
        assert_eq!(nosleep.think_us, 0);
    }

    #[test]
    fn clients_start_with_their_groups_interleaved() {
        let seed = find("seed").expect("seed exists");
        let order = seed.client_groups(110).expect("110 clients");
        assert_eq!(order.len(), 110);
        assert_eq!(order.iter().filter(|g| **g == 1).count(), 10, "10 writers");
        // One writer in every 11 clients, from the first eleven on: a window that runs only
        // the first clients runs writers in their share.
        for (i, chunk) in order.chunks(11).enumerate() {
            assert_eq!(
                chunk.iter().filter(|g| **g == 1).count(),
                1,
                "chunk {i}: {chunk:?}"
            );
        }
        assert_eq!(seed.client_groups(2), Ok(vec![0, 1]));
        let read_heavy = find("kv_read_heavy").expect("exists");
        assert_eq!(read_heavy.client_groups(3), Ok(vec![0, 0, 0]));
        assert!(seed.client_groups(1).is_err());
    }

    #[test]
    fn clients_split_in_proportion_with_one_per_group_at_least() {
        let seed = find("seed").expect("seed exists");
        assert_eq!(seed.clients_per_group(11), Ok(vec![10, 1]));
        assert_eq!(seed.clients_per_group(2), Ok(vec![1, 1]));
        assert_eq!(
            seed.clients_per_group(64).map(|c| c.iter().sum::<usize>()),
            Ok(64)
        );
        assert!(seed.clients_per_group(1).is_err());
        assert!(seed.clients_per_group(0).is_err());
        let read_heavy = find("kv_read_heavy").expect("exists");
        assert_eq!(read_heavy.clients_per_group(8), Ok(vec![8]));
    }

    #[test]
    fn the_prefill_share_is_the_mix_steady_state() {
        let share = |name: &str| find(name).expect("exists").live_share();
        assert_eq!(share("kv_read_heavy"), 1.0, "nothing deletes");
        // create 10 %, delete 5 %: a key's last create-or-delete is a create 2 times in 3.
        assert!((share("sessions") - 10.0 / 15.0).abs() < 1e-12);
        // set 15 %, delete 5 %.
        assert!((share("cache") - 0.75).abs() < 1e-12);
    }

    #[test]
    fn invalid_workloads_are_refused_with_the_reason() {
        let mut w = find("kv_read_heavy").expect("exists");
        w.groups[0].mix[0].percent = 90;
        assert!(
            w.validate().unwrap_err().0.contains("95 %")
                || w.validate().unwrap_err().0.contains("adds up")
        );
        let mut w = find("kv_read_heavy").expect("exists");
        w.groups[0].mix[0].op = "increment".into();
        assert!(
            w.validate()
                .unwrap_err()
                .0
                .contains("no operation \"increment\"")
        );
        let mut w = find("kv_hot_keys").expect("exists");
        w.distribution = KeyDistribution::Zipf { theta: 1.5 };
        assert!(w.validate().unwrap_err().0.contains("theta"));
        assert!(find("nope").unwrap_err().0.contains("kv_read_heavy"));
    }

    #[test]
    fn a_rate_reads_as_typed_and_names_its_workload() {
        for (text, rate) in [
            ("50000", 50_000),
            ("50k", 50_000),
            ("2.5k", 2500),
            ("1M/s", 1_000_000),
            ("0", 0),
        ] {
            assert_eq!(super::parse_rate(text).map_err(|e| e.0), Ok(rate), "{text}");
        }
        for bad in ["fast", "-1k", "0.5", "1G", "200M"] {
            assert!(super::parse_rate(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(super::rate_label(2500), "2500");
        assert_eq!(super::rate_label(1_500_000), "1500k");
        let base = find("kv_write_heavy").expect("exists");
        let worked = super::with_work(&base, 1000);
        let rated = super::with_rate(&worked, 100_000);
        assert_eq!(rated.name, "kv_write_heavy_work_1us_rate_100k");
        assert!(
            rated
                .about
                .ends_with("; open loop at 100k operations a second"),
            "{}",
            rated.about
        );
        assert!(rated.validate().is_ok() && rated.open_loop());
        // Another rate replaces the suffix; zero gives back the closed loop.
        assert_eq!(
            super::with_rate(&rated, 2500).name,
            "kv_write_heavy_work_1us_rate_2500"
        );
        assert_eq!(super::with_rate(&rated, 0), worked);
    }

    #[test]
    fn a_rate_with_a_think_time_or_beyond_the_limit_is_refused() {
        let mut w = find("seed").expect("exists");
        w.rate_per_s = 1000;
        let why = w.validate().unwrap_err().0;
        assert!(
            why.contains("think_us") && why.contains("rate_per_s"),
            "{why}"
        );
        let mut w = find("kv_read_heavy").expect("exists");
        w.rate_per_s = super::MAX_RATE_PER_S + 1;
        assert!(w.validate().unwrap_err().0.contains("rate_per_s"));
    }
}
