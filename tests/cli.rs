//! The command line, run as a user would.

use std::process::Command;

fn statebench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_statebench"))
        .args(args)
        .output()
        .expect("the statebench binary runs")
}

#[test]
fn list_names_every_registered_pair() {
    let out = statebench(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for (service, _) in statebench::registry::SERVICES {
        assert!(text.contains(service), "{service} missing from:\n{text}");
        for name in statebench::registry::implementations(service) {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
    let pairs = statebench::registry::pairs().len();
    assert!(
        text.contains(&format!("{pairs} (service, implementation) pairs")),
        "{text}"
    );
}

#[test]
fn an_unknown_command_is_a_usage_error_with_status_2() {
    let out = statebench(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("frobnicate"),
        "the message names the problem: {err}"
    );
}

#[test]
fn help_describes_the_commands() {
    let out = statebench(&["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("list"));
}
