//! The Go contenders end to end, where Go is available (`scripts/install-go.sh` installs it):
//! each program runs, passes its own checks and answers the line the Rust side reads. Without
//! Go the test says so and checks only that the reason names the way to get it.

use statebench::go::{Go, GoSettings, INTMAP_STRATEGIES};

fn settings(program: &str, strategy: &str) -> GoSettings {
    GoSettings {
        program: program.into(),
        strategy: strategy.into(),
        readers: 4,
        writers: 2,
        keys: 5,
        sleep_us: 0,
        duration_ms: 50,
        seed: 1,
    }
}

#[test]
fn every_go_program_runs_checked_from_the_rust_side() {
    let go = match Go::find() {
        Ok(go) => go,
        Err(why) => {
            assert!(
                why.contains("install-go.sh") || why.contains("failed"),
                "{why}"
            );
            println!("skipped: {why}");
            return;
        }
    };
    println!("{}", go.version);
    for strategy in INTMAP_STRATEGIES {
        let r = go
            .run(&settings("intmap", strategy))
            .expect("the int map runs");
        assert!(r.read_ops > 0 && r.write_ops > 0, "{r:?}");
        assert!(r.checked.contains("written value"), "{r:?}");
    }
    for strategy in ["goroutine", "mutex", "rwmutex"] {
        let r = go
            .run(&settings("counter", strategy))
            .expect("the counter runs");
        assert!(
            r.checked
                .contains(&format!("{} increments counted", r.write_ops)),
            "{r:?}"
        );
    }
    // Settings the Go side refuses come back as an error naming them.
    let e = go.run(&settings("intmap", "btree")).expect_err("refused");
    assert!(e.contains("unknown int map strategy \"btree\""), "{e}");
}
