//! The small trait every workload is written against, and its three
//! implementations: this project's runtime, tokio's current-thread runtime
//! (tasks through `LocalSet::spawn_local`), and smol (`LocalExecutor` driven
//! by `async_io::block_on`). Only the runtime differs between runs.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

/// What a workload needs from a runtime.
pub trait Rt: 'static {
    /// Short name used in reports.
    const NAME: &'static str;
    /// A connected TCP stream.
    type Stream: 'static;
    /// A listening TCP socket.
    type Listener: 'static;

    /// Creates a fresh runtime, runs `f` on it to completion, drops it.
    fn block_on<F: Future + 'static>(f: F) -> F::Output;
    /// Spawns a task on the current runtime; the future yields its output.
    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static;
    /// Spawns a task that runs on when nobody awaits it.
    fn spawn_detached<F: Future<Output = ()> + 'static>(f: F);
    /// Lets every other runnable task run once.
    fn yield_now() -> impl Future<Output = ()>;
    /// Completes at or after `deadline`.
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()>;
    /// Binds a listener on the current runtime.
    fn bind(addr: SocketAddr) -> io::Result<Self::Listener>;
    /// The listener's address.
    fn local_addr(listener: &Self::Listener) -> SocketAddr;
    /// Accepts one connection.
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<Self::Stream>> + '_;
    /// Connects to `addr`.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>>;
    /// Reads some bytes.
    fn read<'a>(
        s: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + 'a;
    /// Writes all of `buf`.
    fn write_all<'a>(
        s: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a;
    /// Disables Nagle's algorithm.
    fn set_nodelay(s: &Self::Stream);
}

/// A join handle whose `Result` is unwrapped: what `spawn` returns for the
/// runtimes whose handles yield a `Result` (ours and tokio), so that every
/// runtime hands the workload a plain future of the output, with no extra
/// state machine around it (smol's `Task` already is one).
#[derive(Debug)]
pub struct Unwrapped<H>(H);

impl<T, E: std::fmt::Debug, H: Future<Output = Result<T, E>> + Unpin> Future for Unwrapped<H> {
    type Output = T;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<T> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.expect("task failed"))
    }
}

/// This project's runtime.
#[derive(Debug)]
pub struct Ours;

impl Rt for Ours {
    const NAME: &'static str = "ours";
    type Stream = runtime::net::TcpStream;
    type Listener = runtime::net::TcpListener;

    fn block_on<F: Future + 'static>(f: F) -> F::Output {
        runtime::Runtime::new().expect("runtime").block_on(f)
    }
    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Unwrapped(runtime::spawn(f))
    }
    fn spawn_detached<F: Future<Output = ()> + 'static>(f: F) {
        drop(runtime::spawn(f));
    }
    fn yield_now() -> impl Future<Output = ()> {
        runtime::yield_now()
    }
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> {
        runtime::time::sleep_until(deadline)
    }
    fn bind(addr: SocketAddr) -> io::Result<Self::Listener> {
        runtime::net::TcpListener::bind(addr)
    }
    fn local_addr(listener: &Self::Listener) -> SocketAddr {
        listener.local_addr().expect("local_addr")
    }
    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        listener.accept().await.map(|(s, _)| s)
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> {
        runtime::net::TcpStream::connect(addr)
    }
    fn read<'a>(
        s: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        s.read(buf)
    }
    fn write_all<'a>(
        s: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        s.write_all(buf)
    }
    fn set_nodelay(s: &Self::Stream) {
        s.set_nodelay(true).expect("nodelay");
    }
}

/// tokio's current-thread runtime, tasks spawned on a `LocalSet`.
#[derive(Debug)]
pub struct Tokio;

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Stream = tokio::net::TcpStream;
    type Listener = tokio::net::TcpListener;

    fn block_on<F: Future + 'static>(f: F) -> F::Output {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        tokio::task::LocalSet::new().block_on(&rt, f)
    }
    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Unwrapped(tokio::task::spawn_local(f))
    }
    fn spawn_detached<F: Future<Output = ()> + 'static>(f: F) {
        drop(tokio::task::spawn_local(f));
    }
    fn yield_now() -> impl Future<Output = ()> {
        tokio::task::yield_now()
    }
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> {
        tokio::time::sleep_until(deadline.into())
    }
    fn bind(addr: SocketAddr) -> io::Result<Self::Listener> {
        let std = std::net::TcpListener::bind(addr)?;
        std.set_nonblocking(true)?;
        tokio::net::TcpListener::from_std(std)
    }
    fn local_addr(listener: &Self::Listener) -> SocketAddr {
        listener.local_addr().expect("local_addr")
    }
    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        listener.accept().await.map(|(s, _)| s)
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> {
        tokio::net::TcpStream::connect(addr)
    }
    fn read<'a>(
        s: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        tokio::io::AsyncReadExt::read(s, buf)
    }
    fn write_all<'a>(
        s: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        tokio::io::AsyncWriteExt::write_all(s, buf)
    }
    fn set_nodelay(s: &Self::Stream) {
        s.set_nodelay(true).expect("nodelay");
    }
}

/// smol: an `async_executor::LocalExecutor` run by `async_io::block_on`.
#[derive(Debug)]
pub struct Smol;

thread_local! {
    static SMOL: std::cell::RefCell<Option<std::rc::Rc<smol::LocalExecutor<'static>>>> =
        const { std::cell::RefCell::new(None) };
}

fn smol_executor() -> std::rc::Rc<smol::LocalExecutor<'static>> {
    SMOL.with(|e| e.borrow().clone().expect("inside Smol::block_on"))
}

impl Rt for Smol {
    const NAME: &'static str = "smol";
    type Stream = smol::Async<std::net::TcpStream>;
    type Listener = smol::Async<std::net::TcpListener>;

    fn block_on<F: Future + 'static>(f: F) -> F::Output {
        let ex = std::rc::Rc::new(smol::LocalExecutor::new());
        SMOL.with(|e| *e.borrow_mut() = Some(ex.clone()));
        let out = smol::block_on(ex.run(f));
        SMOL.with(|e| *e.borrow_mut() = None);
        out
    }
    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        smol_executor().spawn(f)
    }
    fn spawn_detached<F: Future<Output = ()> + 'static>(f: F) {
        smol_executor().spawn(f).detach();
    }
    fn yield_now() -> impl Future<Output = ()> {
        smol::future::yield_now()
    }
    async fn sleep_until(deadline: Instant) {
        smol::Timer::at(deadline).await;
    }
    fn bind(addr: SocketAddr) -> io::Result<Self::Listener> {
        smol::Async::<std::net::TcpListener>::bind(addr)
    }
    fn local_addr(listener: &Self::Listener) -> SocketAddr {
        listener.get_ref().local_addr().expect("local_addr")
    }
    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        listener.accept().await.map(|(s, _)| s)
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> {
        smol::Async::<std::net::TcpStream>::connect(addr)
    }
    fn read<'a>(
        s: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        smol::io::AsyncReadExt::read(s, buf)
    }
    fn write_all<'a>(
        s: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        smol::io::AsyncWriteExt::write_all(s, buf)
    }
    fn set_nodelay(s: &Self::Stream) {
        s.get_ref().set_nodelay(true).expect("nodelay");
    }
}
