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

/// A cluster's master that stops answering times out the calls for its keys once each, within
/// the call's bound (the cluster client retries nothing: a retry after a timeout would send a
/// write twice, and sixteen of them would hold a call for over a minute), or fails them at
/// once when the cluster has declared itself down; when it answers again, the calls go on.
#[test]
fn a_cluster_master_that_stops_answering_times_its_keys_calls_out_once() {
    use statebench_redis::RedisCluster;
    use statebench_redis::cluster::{Cluster, MASTERS, slots_of};
    if !statebench_conformance::startable::<KvU64, RedisCluster<KvU64>>() {
        return;
    }
    let cluster = Cluster::start().expect("a redis-server is installed, so a cluster starts");
    let kv = RedisCluster::<KvU64>::start_at(
        &cluster.urls(),
        KvU64::from_entries((0..30).map(|k| (k, k))),
        &Settings::default(),
    )
    .expect("starts");
    // A key the first master holds.
    let first = &cluster.nodes()[0];
    let slot_of = |k: u64| -> u32 {
        first
            .command(&["CLUSTER", "KEYSLOT", &kv.keys().key(k)])
            .expect("answers")
            .trim_start_matches(':')
            .parse()
            .expect("a slot")
    };
    let key = (0..30)
        .find(|k| slot_of(*k) <= slots_of(0).1)
        .expect("one of thirty keys on the first of three masters");
    assert_eq!(MASTERS, 3);
    let rt = runtime();

    signal("-STOP", first.pid());
    let started = Instant::now();
    let blocking = kv.call(KvOp::Set(key, 100));
    let blocking_took = started.elapsed();
    let not_blocking = rt.block_on(kv.call_async(KvOp::Set(key, 101)));
    let both_took = started.elapsed();
    signal("-CONT", first.pid());
    println!(
        "blocking {blocking:?} in {blocking_took:?}, async {not_blocking:?} by {both_took:?}: {:?}",
        kv.last_error()
    );
    assert_eq!(blocking, Err(Error::Timeout));
    // By the second call the other masters may have declared the frozen one failed (the
    // nodes' timeout is 5 s, as long as a call's): the cluster then says it is down, at once.
    assert!(
        matches!(not_blocking, Err(Error::Timeout | Error::Unreachable)),
        "{not_blocking:?}"
    );
    let bound = ANSWER_WITHIN * 2 + CONNECT_WITHIN;
    assert!(blocking_took < bound, "{blocking_took:?}");
    assert!(both_took < 2 * bound, "{both_took:?}");

    // Back: the nodes take a moment to see the cluster up again (bounded); until then a call
    // they refuse fails at once, as above.
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    while !cluster.nodes().iter().all(|n| {
        n.command(&["CLUSTER", "INFO"])
            .is_ok_and(|i| i.contains("cluster_state:ok\r\n"))
    }) {
        assert!(
            Instant::now() < deadline,
            "the cluster did not come back up"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let value = loop {
        match kv.call(KvOp::Get(key)) {
            Ok(KvReply::Value(v)) => break v,
            other => {
                assert!(Instant::now() < deadline, "still failing: {other:?}");
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    };
    // A timed-out write may have been applied when the master woke, or not (its caller was
    // told `Timeout`, not that it failed); nothing else was written.
    assert!(
        [Some(key), Some(100), Some(101)].contains(&value),
        "{value:?}"
    );
    assert_eq!(kv.shutdown().map(|s| s.into_entries().len()), Ok(30));
}
