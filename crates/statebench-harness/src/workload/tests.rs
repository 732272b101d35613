//! The workloads' tests: files, the catalogue, validation, client groups, rates.

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
