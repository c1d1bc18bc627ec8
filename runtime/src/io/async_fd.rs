//! [`Async<T>`]: any descriptor a user already has (a pipe, a std socket, an
//! eventfd, a serial port) registered with the reactor, with futures that
//! wait for readiness and retry an operation on `WouldBlock`.
//!
//! The runtime's own sockets (`net/`) are thin layers over it.

use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::registration::{Registration, Waiter};
use super::stream::StreamHandle;
use crate::reactor::Direction;
use crate::sys;

/// A non-blocking descriptor registered with the current runtime's reactor.
///
/// [`Async::new`] puts the descriptor in non-blocking mode and registers
/// it. Then [`read_with`](Async::read_with) and
/// [`write_with`](Async::write_with) run an operation of yours, waiting
/// whenever it says `WouldBlock`, and [`readable`](Async::readable) /
/// [`writable`](Async::writable) wait for readiness alone.
///
/// Several tasks may wait on one `Async` (through `&Async<T>`), in the same
/// direction or not: each is woken by the next readiness event.
///
/// Dropping it removes the descriptor from the reactor and then closes it
/// (drops `T`); [`into_inner`](Async::into_inner) removes it and hands `T`
/// back instead. Like every runtime type it belongs to the runtime (and the
/// thread) it was created on: it is not `Send`.
///
/// # Examples
///
/// A pipe: one task writes, another reads.
///
/// ```
/// use std::io::{Read, Write};
/// use runtime::io::Async;
///
/// runtime::block_on(async {
///     let (reader, writer) = std::io::pipe()?;
///     let reader = Async::new(reader)?;
///     let writer = Async::new(writer)?;
///     let sent = runtime::spawn(async move { writer.write_with(|w| (&*w).write(b"ping")).await });
///     let mut buf = [0; 4];
///     let n = reader.read_with(|r| (&*r).read(&mut buf)).await?;
///     assert_eq!(&buf[..n], b"ping");
///     assert_eq!(sent.await.unwrap()?, 4);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Async<T: AsFd> {
    registration: Registration,
    /// Always `Some`, except inside `into_inner`, which takes it out after
    /// deregistering (so `Drop` knows not to deregister again).
    inner: Option<T>,
}

impl<T: AsFd> Async<T> {
    /// Puts `inner`'s descriptor in non-blocking mode (`ioctl(FIONBIO)`) and
    /// registers it with the current runtime's reactor.
    ///
    /// Non-blocking mode belongs to the open file description, so it is
    /// shared with every duplicate of the descriptor (another process's
    /// copy of a pipe or of stdin included). It stays set after
    /// [`into_inner`](Async::into_inner).
    ///
    /// # Errors
    ///
    /// If the descriptor cannot be made non-blocking or registered, or if
    /// called outside a runtime. A regular file or a directory is refused
    /// with `PermissionDenied` (as epoll refuses them, `EPERM`), on every
    /// backend: a file is always "ready", and reading it can still wait
    /// for the disk. Use [`runtime::fs`](crate::fs), which runs file I/O
    /// on the blocking pool.
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let file = std::fs::File::open("/etc/hostname").or_else(|_| std::fs::File::open("/"))?;
    ///     let error = runtime::io::Async::new(file).unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
    ///     assert!(error.to_string().contains("use runtime::fs"), "{error}");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = Async::new(a)?;
    ///     assert!(a.get_ref().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(inner: T) -> io::Result<Async<T>> {
        if let Some(kind) = sys::file_kind(inner.as_fd()) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "io::Async cannot watch {kind}: files are always ready (epoll refuses them \
                     with EPERM) and reading one can still wait for the disk; use runtime::fs, \
                     which runs file I/O on the blocking pool"
                ),
            ));
        }
        // Not ready until the reactor says so: readiness that already exists
        // is reported by the first park after registration. Registered
        // first, so that outside a runtime the descriptor is left as it was;
        // if the mode cannot be set, dropping `io` deregisters it again.
        let io = Async::with_readiness(inner, false, "Async::new")?;
        sys::set_nonblocking(io.fd())?;
        Ok(io)
    }

    /// Registers a descriptor that is already non-blocking. `ready` is the
    /// initial readiness in both directions (see `Reactor::register`).
    pub(crate) fn with_readiness(inner: T, ready: bool, what: &str) -> io::Result<Async<T>> {
        // SAFETY: `Async` owns `inner`, and so the descriptor, until `Drop`
        // or `into_inner`, and both deregister it while it is still open.
        let registration = unsafe { Registration::new(inner.as_fd(), ready, what)? };
        Ok(Async {
            registration,
            inner: Some(inner),
        })
    }

    fn inner(&self) -> &T {
        self.inner
            .as_ref()
            .expect("Async's inner value is only taken by into_inner")
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.inner().as_fd()
    }

    /// The wrapped value.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let socket = Async::new(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    ///     assert!(socket.get_ref().local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_ref(&self) -> &T {
        self.inner()
    }

    /// The wrapped value, mutably. Do not replace its descriptor: the
    /// reactor knows the registered one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let (_r, w) = std::io::pipe()?;
    ///     let mut w = Async::new(w)?;
    ///     assert_eq!(w.get_mut().write(b"x")?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner
            .as_mut()
            .expect("Async's inner value is only taken by into_inner")
    }

    /// Removes the descriptor from the reactor and returns it, open and
    /// intact. It is still in non-blocking mode: call `set_nonblocking(false)`
    /// (std sockets) if you want blocking I/O again.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let socket = Async::new(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    ///     let before = runtime::stats().sources;
    ///     let socket = socket.into_inner();
    ///     assert_eq!(runtime::stats().sources, before - 1);
    ///     socket.set_nonblocking(false)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(mut self) -> T {
        let inner = self
            .inner
            .take()
            .expect("Async's inner value is only taken by into_inner");
        self.registration.deregister(inner.as_fd());
        inner
    }

    /// Polls for read readiness (for hand-written futures): `Ready` once the
    /// descriptor is readable now (or has an error or a hang-up pending).
    ///
    /// The waker is stored once per task and is not taken back if you stop
    /// polling; prefer [`readable`](Async::readable) in `async` code.
    ///
    /// # Errors
    ///
    /// If `poll(2)` fails on the descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    ///     let a = Async::new(a)?;
    ///     b.send(b"x")?;
    ///     poll_fn(|cx| a.poll_readable(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.registration
            .poll_ready_now(self.fd(), Direction::Read, cx, None)
    }

    /// Polls for write readiness; see [`poll_readable`](Async::poll_readable).
    ///
    /// # Errors
    ///
    /// If `poll(2)` fails on the descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let (_r, w) = std::io::pipe()?;
    ///     let w = Async::new(w)?;
    ///     poll_fn(|cx| w.poll_writable(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.registration
            .poll_ready_now(self.fd(), Direction::Write, cx, None)
    }

    /// Waits until the descriptor is readable (or has an error or hang-up
    /// pending). Readiness is checked with `poll(2)` before it is reported,
    /// so after your own read stopped short of `WouldBlock` this still
    /// waits only while there is nothing to read.
    ///
    /// # Errors
    ///
    /// If `poll(2)` fails on the descriptor.
    ///
    /// # Cancellation
    ///
    /// Dropping the future leaves no waker behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    ///     let a = Async::new(a)?;
    ///     b.send(b"hello")?;
    ///     a.readable().await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(a.get_ref().recv(&mut buf)?, 5);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn readable(&self) -> Readable<'_> {
        Readable {
            waiter: Waiter::new(&self.registration, Direction::Read),
            fd: self.fd(),
        }
    }

    /// Waits until the descriptor is writable (or has an error or hang-up
    /// pending); see [`readable`](Async::readable).
    ///
    /// # Errors
    ///
    /// If `poll(2)` fails on the descriptor.
    ///
    /// # Cancellation
    ///
    /// Dropping the future leaves no waker behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixDatagram::pair()?;
    ///     let a = Async::new(a)?;
    ///     a.writable().await?;
    ///     assert_eq!(a.get_ref().send(b"hi")?, 2);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn writable(&self) -> Writable<'_> {
        Writable {
            waiter: Waiter::new(&self.registration, Direction::Write),
            fd: self.fd(),
        }
    }

    /// Runs `op` on the value until it returns something other than
    /// `WouldBlock` (`Interrupted` is retried too), waiting for read
    /// readiness in between. `op` must be a non-blocking read-side
    /// operation: it is how the reactor learns that the data is drained.
    ///
    /// # Errors
    ///
    /// The first error of `op` other than `WouldBlock` and `Interrupted`.
    ///
    /// # Cancellation
    ///
    /// Dropping the future runs `op` no more and leaves no waker behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    ///     let a = Async::new(a)?;
    ///     runtime::spawn(async move { b.send(b"late") });
    ///     let mut buf = [0; 8];
    ///     let n = a.read_with(|s| s.recv(&mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"late");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn read_with<R, F>(&self, op: F) -> ReadWith<'_, T, F>
    where
        F: FnMut(&T) -> io::Result<R>,
    {
        ReadWith {
            waiter: Waiter::new(&self.registration, Direction::Read),
            inner: self.inner(),
            op,
        }
    }

    /// Like [`read_with`](Async::read_with), for a write-side operation,
    /// waiting for write readiness.
    ///
    /// # Errors
    ///
    /// The first error of `op` other than `WouldBlock` and `Interrupted`.
    ///
    /// # Cancellation
    ///
    /// Dropping the future runs `op` no more and leaves no waker behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::io::Async;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    ///     let a = Async::new(a)?;
    ///     assert_eq!(a.write_with(|s| s.send(b"now")).await?, 3);
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv(&mut buf)?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write_with<R, F>(&self, op: F) -> WriteWith<'_, T, F>
    where
        F: FnMut(&T) -> io::Result<R>,
    {
        WriteWith {
            waiter: Waiter::new(&self.registration, Direction::Write),
            inner: self.inner(),
            op,
        }
    }

    /// One untracked poll of `op` in `dir` (for `poll_*` methods and the
    /// futures-io impls, which have nowhere to keep a ticket).
    pub(crate) fn poll_with<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let inner = self.inner();
        self.registration.poll_io(dir, cx, None, || op(inner))
    }

    /// [`Async::poll_with`] with `&mut T`.
    #[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
    pub(crate) fn poll_with_mut<R>(
        &mut self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let inner = self
            .inner
            .as_mut()
            .expect("Async's inner value is only taken by into_inner");
        self.registration.poll_io(dir, cx, None, || op(inner))
    }

    pub(crate) fn registration(&self) -> &Registration {
        &self.registration
    }

    /// Stream-socket reads and writes on this descriptor.
    pub(crate) fn stream(&self) -> StreamHandle<'_> {
        StreamHandle::new(&self.registration, self.fd())
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        // Deregister first; `inner` (and with it the descriptor) is dropped
        // after this function returns.
        if let Some(inner) = &self.inner {
            self.registration.deregister(inner.as_fd());
        }
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("inner", &self.inner).finish()
    }
}

/// The future returned by [`Async::readable`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Readable<'a> {
    waiter: Waiter<'a>,
    fd: BorrowedFd<'a>,
}

impl Future for Readable<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let registration = this.waiter.registration();
        let poll = registration.poll_ready_now(this.fd, Direction::Read, cx, this.waiter.ticket());
        this.waiter.track(poll)
    }
}

/// The future returned by [`Async::writable`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Writable<'a> {
    waiter: Waiter<'a>,
    fd: BorrowedFd<'a>,
}

impl Future for Writable<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let registration = this.waiter.registration();
        let poll = registration.poll_ready_now(this.fd, Direction::Write, cx, this.waiter.ticket());
        this.waiter.track(poll)
    }
}

/// The future returned by [`Async::read_with`].
#[must_use = "futures do nothing unless awaited"]
pub struct ReadWith<'a, T, F> {
    waiter: Waiter<'a>,
    inner: &'a T,
    op: F,
}

/// The future returned by [`Async::write_with`].
#[must_use = "futures do nothing unless awaited"]
pub struct WriteWith<'a, T, F> {
    waiter: Waiter<'a>,
    inner: &'a T,
    op: F,
}

macro_rules! with_future {
    ($($name:ident => $dir:ident),*) => {$(
        impl<T, F, R> Future for $name<'_, T, F>
        where
            F: FnMut(&T) -> io::Result<R> + Unpin,
        {
            type Output = io::Result<R>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let this = self.get_mut();
                let (inner, op) = (this.inner, &mut this.op);
                let registration = this.waiter.registration();
                let poll = registration.poll_io(Direction::$dir, cx, this.waiter.ticket(), || op(inner));
                this.waiter.track(poll)
            }
        }

        impl<T: fmt::Debug, F> fmt::Debug for $name<'_, T, F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("inner", self.inner)
                    .field("waiting", &self.waiter.is_waiting())
                    .finish_non_exhaustive()
            }
        }
    )*};
}
with_future!(ReadWith => Read, WriteWith => Write);

// `Async` never pins `T` in place (its futures take `&T`), so it may move
// whatever `T` is.
impl<T: AsFd> Unpin for Async<T> {}
