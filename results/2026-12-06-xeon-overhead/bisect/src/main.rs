//! Where the generic owner's time goes from one task (statebench issue 28, item 8): the
//! generic `owner_tokio` and the hand-written `owner_handwritten`, with the steps between them
//! written out here, each measured alone on a fresh runtime in rounds that rotate their order.
//! Not part of the workspace; `cargo run --release -- ROUNDS` here (`ONE=1` for a one-worker
//! runtime), `-- count NAME OPS` for a fixed count of operations to run under callgrind, and
//! `-- threads PAIRS` for the two owners from one OS thread (run it under `taskset -c 1` to pin
//! everything to one core). The outputs are in `outputs.txt`.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use statebench_core::owner::{self, Next, ReplyChannel, Request};
use statebench_core::{Clock, KvOp, KvReply, KvU64, Service, Settings, StateMachine};
use statebench_owner_tokio::{HandwrittenOwnerKv, OwnerTokio};
use tokio::sync::{mpsc, oneshot};

const KEYS: u64 = 10_000;

trait Subject: Clone + Send + Sync + 'static {
    fn start() -> Self;
    fn call(&self, op: KvOp<u64, u64>) -> impl Future<Output = KvReply<u64>> + Send;
}

#[derive(Clone)]
struct Real<I>(I);
impl<I: Service<KvU64>> Subject for Real<I> {
    fn start() -> Self {
        Real(I::start(
            KvU64::from_entries((0..KEYS).map(|k| (k, k))),
            &Settings::default(),
        ))
    }
    fn call(&self, op: KvOp<u64, u64>) -> impl Future<Output = KvReply<u64>> + Send {
        let f = self.0.call_async(op);
        async move { f.await.unwrap() }
    }
}

// H1: the hand-written loop, with the state machine inside.
#[derive(Clone)]
struct HandSm(mpsc::Sender<(KvOp<u64, u64>, oneshot::Sender<KvReply<u64>>)>);
impl Subject for HandSm {
    fn start() -> Self {
        let (tx, mut rx) = mpsc::channel::<(KvOp<u64, u64>, oneshot::Sender<KvReply<u64>>)>(1024);
        let mut state = KvU64::from_entries((0..KEYS).map(|k| (k, k)));
        let clock = Clock::system();
        tokio::spawn(async move {
            while let Some((op, reply)) = rx.recv().await {
                let _ = reply.send(state.apply(op, clock.now_for::<KvU64>()));
            }
        });
        HandSm(tx)
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let (t, r) = oneshot::channel();
        self.0.send((op, t)).await.unwrap();
        r.await.unwrap()
    }
}

// H2: the hand-written loop over a HashMap (a copy of owner_handwritten, tuple message).
#[derive(Clone)]
struct HandMap(mpsc::Sender<(KvOp<u64, u64>, oneshot::Sender<KvReply<u64>>)>);
impl Subject for HandMap {
    fn start() -> Self {
        let (tx, mut rx) = mpsc::channel::<(KvOp<u64, u64>, oneshot::Sender<KvReply<u64>>)>(1024);
        let mut map: HashMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();
        tokio::spawn(async move {
            while let Some((op, reply)) = rx.recv().await {
                let r = match op {
                    KvOp::Get(k) => KvReply::Value(map.get(&k).copied()),
                    KvOp::Set(k, v) => KvReply::Value(map.insert(k, v)),
                    KvOp::Delete(k) => KvReply::Value(map.remove(&k)),
                    KvOp::Len => KvReply::Len(map.len()),
                };
                let _ = reply.send(r);
            }
        });
        HandMap(tx)
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let (t, r) = oneshot::channel();
        self.0.send((op, t)).await.unwrap();
        r.await.unwrap()
    }
}

// G1: the generic Request, served by a plain loop (no Unwinding, no Emptied, no poll_fn).
struct Tk;
impl ReplyChannel for Tk {
    type Sender<T: Send + 'static> = oneshot::Sender<T>;
    fn reply<T: Send + 'static>(tx: oneshot::Sender<T>, value: T) {
        let _ = tx.send(value);
    }
}
#[derive(Clone)]
struct GenPlain(mpsc::Sender<Request<KvU64, Tk>>);
impl Subject for GenPlain {
    fn start() -> Self {
        let (tx, mut rx) = mpsc::channel::<Request<KvU64, Tk>>(1024);
        let mut state = KvU64::from_entries((0..KEYS).map(|k| (k, k)));
        let clock = Clock::system();
        tokio::spawn(async move {
            while let Some(req) = rx.recv().await {
                if req.serve(&mut state, &clock).is_some() {
                    return;
                }
            }
        });
        GenPlain(tx)
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let (reply_tx, r) = oneshot::channel();
        self.0.send(Request::Call { op, reply_tx }).await.unwrap();
        r.await.unwrap()
    }
}

// G2: the generic Request through owner::serve with a plain inbox (what owner_tokio is, minus timer).
struct In(mpsc::Receiver<Request<KvU64, Tk>>);
impl owner::Inbox<KvU64, Tk> for In {
    fn next(&mut self) -> impl Future<Output = Next<Request<KvU64, Tk>>> + Send {
        std::future::poll_fn(|cx| {
            self.0
                .poll_recv(cx)
                .map(|r| r.map_or(Next::Closed, Next::Request))
        })
    }
    fn close(&mut self) {
        self.0.close();
    }
    fn drain(&mut self) -> impl Future<Output = Option<Request<KvU64, Tk>>> + Send {
        self.0.recv()
    }
    fn try_take(&mut self) -> Option<Request<KvU64, Tk>> {
        self.0.try_recv().ok()
    }
}
#[derive(Clone)]
struct GenServe(mpsc::Sender<Request<KvU64, Tk>>);
impl Subject for GenServe {
    fn start() -> Self {
        let (tx, rx) = mpsc::channel::<Request<KvU64, Tk>>(1024);
        let state = KvU64::from_entries((0..KEYS).map(|k| (k, k)));
        let clock = Clock::system();
        tokio::spawn(async move {
            let inbox = &mut In(rx);
            owner::serve(state, &clock, inbox).await;
        });
        GenServe(tx)
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let (reply_tx, r) = oneshot::channel();
        self.0.send(Request::Call { op, reply_tx }).await.unwrap();
        r.await.unwrap()
    }
}

// G3: the Request enum, matched by hand in the loop.
#[derive(Clone)]
struct GenMatch(mpsc::Sender<Request<KvU64, Tk>>);
impl Subject for GenMatch {
    fn start() -> Self {
        let (tx, mut rx) = mpsc::channel::<Request<KvU64, Tk>>(1024);
        let mut state = KvU64::from_entries((0..KEYS).map(|k| (k, k)));
        let clock = Clock::system();
        tokio::spawn(async move {
            while let Some(req) = rx.recv().await {
                match req {
                    Request::Call { op, reply_tx } => {
                        let _ = reply_tx.send(state.apply(op, clock.now_for::<KvU64>()));
                    }
                    _ => return,
                }
            }
        });
        GenMatch(tx)
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let (reply_tx, r) = oneshot::channel();
        self.0.send(Request::Call { op, reply_tx }).await.unwrap();
        r.await.unwrap()
    }
}

// G4: GenMatch's owner, called through reserve + permit.send.
#[derive(Clone)]
struct GenReserve(GenMatch);
impl Subject for GenReserve {
    fn start() -> Self {
        GenReserve(GenMatch::start())
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let permit = (self.0).0.reserve().await.unwrap();
        let (reply_tx, r) = oneshot::channel();
        permit.send(Request::Call { op, reply_tx });
        r.await.unwrap()
    }
}

// H3: a hand enum of two variants with the Kv sm (the second never sent: it is there to make
// the message an enum, as a shutdown would).
#[allow(dead_code)]
enum Msg2 {
    Call(KvOp<u64, u64>, oneshot::Sender<KvReply<u64>>),
    Stop(oneshot::Sender<KvU64>),
}
#[derive(Clone)]
struct HandEnum(mpsc::Sender<Msg2>);
impl Subject for HandEnum {
    fn start() -> Self {
        let (tx, mut rx) = mpsc::channel::<Msg2>(1024);
        let mut state = KvU64::from_entries((0..KEYS).map(|k| (k, k)));
        let clock = Clock::system();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                match m {
                    Msg2::Call(op, reply) => {
                        let _ = reply.send(state.apply(op, clock.now_for::<KvU64>()));
                    }
                    Msg2::Stop(_) => return,
                }
            }
        });
        HandEnum(tx)
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let (t, r) = oneshot::channel();
        self.0.send(Msg2::Call(op, t)).await.unwrap();
        r.await.unwrap()
    }
}

// G5: GenMatch with a reply channel type of its own, so its `Request` type is used by it alone.
struct Tk2;
impl ReplyChannel for Tk2 {
    type Sender<T: Send + 'static> = oneshot::Sender<T>;
    fn reply<T: Send + 'static>(tx: oneshot::Sender<T>, value: T) {
        let _ = tx.send(value);
    }
}
#[derive(Clone)]
struct GenMatchAlone(mpsc::Sender<Request<KvU64, Tk2>>);
impl Subject for GenMatchAlone {
    fn start() -> Self {
        let (tx, mut rx) = mpsc::channel::<Request<KvU64, Tk2>>(1024);
        let mut state = KvU64::from_entries((0..KEYS).map(|k| (k, k)));
        let clock = Clock::system();
        tokio::spawn(async move {
            while let Some(req) = rx.recv().await {
                match req {
                    Request::Call { op, reply_tx } => {
                        let _ = reply_tx.send(state.apply(op, clock.now_for::<KvU64>()));
                    }
                    _ => return,
                }
            }
        });
        GenMatchAlone(tx)
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let (reply_tx, r) = oneshot::channel();
        self.0.send(Request::Call { op, reply_tx }).await.unwrap();
        r.await.unwrap()
    }
}

// H4: a hand enum of Request's shape (three variants), used by this owner alone.
#[allow(dead_code)]
enum Msg3 {
    Call { op: KvOp<u64, u64>, reply_tx: oneshot::Sender<KvReply<u64>> },
    Cleanup { done_tx: oneshot::Sender<()> },
    Shutdown { state_tx: oneshot::Sender<KvU64> },
}
#[derive(Clone)]
struct HandEnum3(mpsc::Sender<Msg3>);
impl Subject for HandEnum3 {
    fn start() -> Self {
        let (tx, mut rx) = mpsc::channel::<Msg3>(1024);
        let mut state = KvU64::from_entries((0..KEYS).map(|k| (k, k)));
        let clock = Clock::system();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                match m {
                    Msg3::Call { op, reply_tx } => {
                        let _ = reply_tx.send(state.apply(op, clock.now_for::<KvU64>()));
                    }
                    _ => return,
                }
            }
        });
        HandEnum3(tx)
    }
    async fn call(&self, op: KvOp<u64, u64>) -> KvReply<u64> {
        let (reply_tx, r) = oneshot::channel();
        self.0.send(Msg3::Call { op, reply_tx }).await.unwrap();
        r.await.unwrap()
    }
}

async fn client<I: Subject>(service: I, window: Duration) -> f64 {
    let mut x: u64 = 0x9E3779B97F4A7C15;
    let mut ops = 0u64;
    let warm = Instant::now() + Duration::from_millis(100);
    let mut start = Instant::now();
    let mut counting = false;
    loop {
        for _ in 0..256 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = x % KEYS;
            let op = if x % 100 < 95 {
                KvOp::Get(k)
            } else {
                KvOp::Set(k, x)
            };
            if let KvReply::Value(Some(v)) = service.call(op).await {
                std::hint::black_box(v);
            }
        }
        if counting {
            ops += 256;
            if start.elapsed() >= window {
                return ops as f64 / start.elapsed().as_secs_f64();
            }
        } else if Instant::now() >= warm {
            counting = true;
            start = Instant::now();
        }
    }
}

async fn fixed<I: Subject>(service: I, n: u64) {
    let mut x: u64 = 0x9E3779B97F4A7C15;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let k = x % KEYS;
        let op = if x % 100 < 95 {
            KvOp::Get(k)
        } else {
            KvOp::Set(k, x)
        };
        if let KvReply::Value(Some(v)) = service.call(op).await {
            std::hint::black_box(v);
        }
    }
}

#[inline(never)]
fn count<I: Subject>(n: u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let service = runtime.block_on(async { I::start() });
    runtime.block_on(async move { tokio::spawn(fixed(service, n)).await.unwrap() });
}

fn trial<I: Subject>(window: Duration) -> f64 {
    let runtime = if std::env::var("ONE").is_ok() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let service = runtime.block_on(async { I::start() });
    let s2 = service.clone();
    let rate = runtime.block_on(async move { tokio::spawn(client(s2, window)).await.unwrap() });
    drop(service);
    drop(runtime);
    rate
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("threads") {
        let rounds: usize = std::env::args().nth(2).unwrap().parse().unwrap();
        fn blocking<I: Service<KvU64>>(window: Duration) -> f64 {
            let service = I::start(
                KvU64::from_entries((0..KEYS).map(|k| (k, k))),
                &Settings::default(),
            );
            let mut x: u64 = 0x9E3779B97F4A7C15;
            let warm = Instant::now() + Duration::from_millis(100);
            while Instant::now() < warm {
                let _ = service.call(KvOp::Get(1));
            }
            let start = Instant::now();
            let mut ops = 0u64;
            while start.elapsed() < window {
                for _ in 0..64 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let k = x % KEYS;
                    let op = if x % 100 < 95 {
                        KvOp::Get(k)
                    } else {
                        KvOp::Set(k, x)
                    };
                    std::hint::black_box(service.call(op).unwrap());
                }
                ops += 64;
            }
            let r = ops as f64 / start.elapsed().as_secs_f64();
            let _ = service.shutdown();
            r
        }
        let mut ratios = Vec::new();
        for i in 0..rounds {
            let w = Duration::from_millis(500);
            let (a, b) = if i % 2 == 0 {
                let a = blocking::<OwnerTokio<KvU64>>(w);
                (a, blocking::<HandwrittenOwnerKv>(w))
            } else {
                let b = blocking::<HandwrittenOwnerKv>(w);
                (blocking::<OwnerTokio<KvU64>>(w), b)
            };
            println!(
                "gen {:.3} M hand {:.3} M ratio {:.3}",
                a / 1e6,
                b / 1e6,
                a / b
            );
            ratios.push((a / b).ln());
        }
        let n = ratios.len() as f64;
        let m = ratios.iter().sum::<f64>() / n;
        let sd = (ratios.iter().map(|r| (r - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        println!("gm {:.3} sd(log) {:.3}", m.exp(), sd);
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("count") {
        let which = std::env::args().nth(2).unwrap();
        let n: u64 = std::env::args().nth(3).unwrap().parse().unwrap();
        match which.as_str() {
            "enum2" => count::<HandEnum>(n),
            "match" => count::<GenMatch>(n),
            "serve" => count::<GenServe>(n),
            "plain" => count::<GenPlain>(n),
            "reserve" => count::<GenReserve>(n),
            "hand" => count::<Real<HandwrittenOwnerKv>>(n),
            "gen" => count::<Real<OwnerTokio<KvU64>>>(n),
            _ => panic!(),
        }
        return;
    }
    let rounds: usize = std::env::args().nth(1).map_or(10, |a| a.parse().unwrap());
    type Gen = Real<OwnerTokio<KvU64>>;
    type Hand = Real<HandwrittenOwnerKv>;
    let window = Duration::from_millis(300);
    let variants: Vec<(&str, fn(Duration) -> f64)> = vec![
        ("owner_handwritten", trial::<Hand>),
        ("hand tuple HashMap", trial::<HandMap>),
        ("hand tuple Kv sm", trial::<HandSm>),
        ("hand enum2 Kv sm", trial::<HandEnum>),
        ("hand enum3 (Request's shape)", trial::<HandEnum3>),
        ("Request alone, hand match", trial::<GenMatchAlone>),
        ("Request hand match", trial::<GenMatch>),
        ("Request match, reserve", trial::<GenReserve>),
        ("Request plain loop", trial::<GenPlain>),
        ("Request owner::serve", trial::<GenServe>),
        ("owner_tokio", trial::<Gen>),
    ];
    println!(
        "sizes: tuple {} Msg2 {} Request {} KvOp {} KvReply {}",
        std::mem::size_of::<(KvOp<u64, u64>, oneshot::Sender<KvReply<u64>>)>(),
        std::mem::size_of::<Msg2>(),
        std::mem::size_of::<Request<KvU64, Tk>>(),
        std::mem::size_of::<KvOp<u64, u64>>(),
        std::mem::size_of::<KvReply<u64>>()
    );
    let k = variants.len();
    let mut rates = vec![vec![0.0; rounds]; k];
    for r in 0..rounds {
        for j in 0..k {
            let v = (j + r) % k;
            rates[v][r] = (variants[v].1)(window);
        }
    }
    for v in 0..k {
        let mut ratios: Vec<f64> = (0..rounds).map(|r| rates[v][r] / rates[0][r]).collect();
        let gm = (ratios.iter().map(|x| x.ln()).sum::<f64>() / rounds as f64).exp();
        ratios.sort_by(f64::total_cmp);
        let mut own = rates[v].clone();
        own.sort_by(f64::total_cmp);
        println!(
            "{:24} {:.2} M ops/s; / owner_handwritten: median {:.3} gm {:.3} [{:.3}..{:.3}]",
            variants[v].0,
            own[rounds / 2] / 1e6,
            ratios[rounds / 2],
            gm,
            ratios[0],
            ratios[rounds - 1]
        );
    }
}
