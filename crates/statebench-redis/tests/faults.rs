//! Faults of the process that holds the state: a server that stops fails every call at once
//! with a clear error; a server that comes back at the same address has lost the state, and
//! the services that kept theirs there say so on every call, while a service started there
//! afterwards works; a server
//! that stops answering times each call out, and the late reply is never taken for the next
//! call's. Each test starts a server of its own, so stopping it touches no other test.

use std::process::Command;
use std::time::Instant;

use statebench_core::{
    Error, KvOp, KvReply, KvU64, Service, Sessions, SessionsOp, SessionsReply, Settings,
};
use statebench_redis::server::Server;
use statebench_redis::store::{ANSWER_WITHIN, CONNECT_WITHIN};
use statebench_redis::{RedisKv, RedisSessions};

/// A server of this test's own, or `None` (the skip printed) where none can be had.
fn own_server() -> Option<Server> {
    if !statebench_conformance::startable::<KvU64, RedisKv>() {
        return None;
    }
    Some(Server::start().expect("a redis-server is installed, so one starts"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Sends `signal` to process `pid`.
fn signal(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {pid}: {status}");
}

/// A blocking and an async call of `kv` and a blocking call of `sessions` each fail with
/// `Unreachable`.
fn all_unreachable(kv: &RedisKv, sessions: &RedisSessions, rt: &tokio::runtime::Runtime) {
    assert_eq!(kv.call(KvOp::Get(1)), Err(Error::Unreachable));
    assert_eq!(
        rt.block_on(kv.call_async(KvOp::Get(1))),
        Err(Error::Unreachable)
    );
    assert_eq!(
        sessions.call(SessionsOp::Create(7)).map(|_| ()),
        Err(Error::Unreachable)
    );
}

#[test]
fn a_stopped_server_fails_calls_at_once_and_a_restarted_one_fails_those_whose_state_it_lost() {
    let Some(server) = own_server() else { return };
    let port = server.port();
    let settings = Settings::default();
    let kv = RedisKv::start_at(&[server.url()], KvU64::from_entries([(1, 10)]), &settings)
        .expect("starts");
    let sessions =
        RedisSessions::start_at(&[server.url()], Sessions::default(), &settings).expect("starts");
    let rt = runtime();
    assert_eq!(kv.call(KvOp::Get(1)), Ok(KvReply::Value(Some(10))));
    assert_eq!(
        rt.block_on(kv.call_async(KvOp::Get(1))),
        Ok(KvReply::Value(Some(10)))
    );

    // Stopped (and reaped) before the calls: every one fails, none hangs, none panics.
    drop(server);
    let started = Instant::now();
    for _ in 0..3 {
        all_unreachable(&kv, &sessions, &rt);
    }
    // Not a timing claim, the bound on a hang: refused connections fail at once, and no call
    // may wait longer than its timeouts.
    let bound = (CONNECT_WITHIN + ANSWER_WITHIN) * 9;
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());
    let why = kv.last_error().expect("the failure is kept");
    println!("a call to a stopped server: {why}");
    assert!(
        why.starts_with(&format!(
            "kv in database {} of redis://127.0.0.1:{port}: ",
            kv.database().expect("a server's database")
        )),
        "{why}"
    );

    // A server back at the address has another run_id and none of the state (no
    // persistence): the services that kept their state in the old one fail every call, and
    // their shutdown, rather than answer from an empty database.
    let again = Server::start_at(port).expect("the port is free again");
    all_unreachable(&kv, &sessions, &rt);
    let why = kv.last_error().expect("kept");
    println!("a call after the server restarted: {why}");
    assert!(
        why.contains("restarted and lost this service's state"),
        "{why}"
    );
    assert_eq!(kv.shutdown().map(|_| ()), Err(Error::Unreachable));
    assert_eq!(sessions.shutdown().map(|_| ()), Err(Error::Unreachable));

    // A service started there now works, and reloads its scripts if the server forgets them.
    let fresh =
        RedisSessions::start_at(&[again.url()], Sessions::default(), &settings).expect("starts");
    assert_eq!(again.command(&["SCRIPT", "FLUSH"]).expect("answers"), "+OK");
    let created = fresh.call(SessionsOp::Create(7));
    assert!(
        matches!(created, Ok(SessionsReply::Session(Some(ref s))) if s.id == 7),
        "{created:?}"
    );
    assert_eq!(
        rt.block_on(fresh.call_async(SessionsOp::Touch(7))),
        Ok(SessionsReply::Live(true))
    );
    assert_eq!(
        fresh
            .shutdown()
            .map(|s| s.stored().map(|s| s.id).collect::<Vec<_>>()),
        Ok(vec![7])
    );
    drop(again);
}

#[test]
fn a_server_that_stops_answering_times_calls_out_and_no_late_reply_is_taken_for_another() {
    let Some(server) = own_server() else { return };
    let kv = RedisKv::start_at(
        &[server.url()],
        KvU64::from_entries([(1, 10)]),
        &Settings::default(),
    )
    .expect("starts");
    let rt = runtime();
    assert_eq!(kv.call(KvOp::Get(1)), Ok(KvReply::Value(Some(10))));
    assert_eq!(
        rt.block_on(kv.call_async(KvOp::Get(1))),
        Ok(KvReply::Value(Some(10)))
    );

    // Frozen: the requests are accepted by the kernel and never answered in time.
    signal("-STOP", server.pid());
    let (blocking, not_blocking) = std::thread::scope(|scope| {
        let blocking = scope.spawn(|| kv.call(KvOp::Get(2)));
        let not_blocking = rt.block_on(kv.call_async(KvOp::Get(2)));
        (blocking.join().expect("no panic"), not_blocking)
    });
    signal("-CONT", server.pid());
    assert_eq!(blocking, Err(Error::Timeout));
    assert_eq!(not_blocking, Err(Error::Timeout));

    // The timed-out calls' replies (nil, for key 2) arrive late; the next calls get their own.
    for _ in 0..3 {
        assert_eq!(kv.call(KvOp::Get(1)), Ok(KvReply::Value(Some(10))));
        assert_eq!(
            rt.block_on(kv.call_async(KvOp::Get(1))),
            Ok(KvReply::Value(Some(10)))
        );
    }
    assert_eq!(kv.shutdown(), Ok(KvU64::from_entries([(1, 10)])));
}
