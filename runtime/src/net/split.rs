//! The two sides of a [`TcpStream`]: borrowed ([`ReadHalf`], [`WriteHalf`],
//! from [`TcpStream::split`]) or owned ([`OwnedReadHalf`],
//! [`OwnedWriteHalf`], from [`TcpStream::into_split`]), so one task reads
//! while another writes.
//!
//! The owned halves share the stream through an `Rc`: the runtime is
//! single-threaded and its sockets are not `Send`, so the halves go to
//! tasks of the same runtime, not to other threads. The socket closes when
//! both halves are gone. Dropping the write half does not shut anything
//! down (the read half keeps reading, and the peer sees no FIN): shut the
//! write side down explicitly with [`OwnedWriteHalf::shutdown`] or
//! futures-io's `poll_close`. (tokio's `OwnedWriteHalf` sends FIN on drop;
//! this one does not.)

use std::error::Error;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Read, ReadToEnd, TcpStream, Write, WriteAll};
use crate::io::StreamHandle;

impl TcpStream {
    /// Borrows the stream as a read half and a write half, to read and
    /// write from two futures at once (in one task, with a `join`).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (mut reader, mut writer) = client.split();
    ///     let mut echo = [0; 4];
    ///     let (sent, read) = runtime::join(
    ///         async {
    ///             writer.write_all(b"ping").await?;
    ///             let mut buf = [0; 4];
    ///             let mut got = 0;
    ///             while got < 4 {
    ///                 got += server.read(&mut buf[got..]).await?;
    ///             }
    ///             server.write_all(&buf).await
    ///         },
    ///         reader.read(&mut echo),
    ///     )
    ///     .await;
    ///     sent?;
    ///     assert!(read? > 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf { stream: self }, WriteHalf { stream: self })
    }

    /// Splits the stream into owned halves, for two tasks. Put them back
    /// together with [`OwnedReadHalf::reunite`].
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (mut reader, mut writer) = client.into_split();
    ///     let writing = runtime::spawn(async move {
    ///         writer.write_all(b"hello").await?;
    ///         writer.shutdown()
    ///     });
    ///     let mut echoed = Vec::new();
    ///     server.read_to_end(&mut echoed).await?;
    ///     assert_eq!(echoed, b"hello");
    ///     writing.await.unwrap()?;
    ///     server.write_all(b"bye").await?;
    ///     drop(server);
    ///     let mut reply = Vec::new();
    ///     reader.read_to_end(&mut reply).await?;
    ///     assert_eq!(reply, b"bye");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Rc::new(self);
        (
            OwnedReadHalf {
                stream: stream.clone(),
            },
            OwnedWriteHalf { stream },
        )
    }
}

/// A doc example for a half's method: `$setup` makes `reader`, `writer`
/// and the peer `server`, then `$body` runs, inside `block_on`.
macro_rules! half_example {
    ($setup:expr, $body:expr) => {
        concat!(
            "\n\n# Examples\n\n```\nruntime::block_on(async {\n",
            "let listener = runtime::net::TcpListener::bind(\"127.0.0.1:0\")?;\n",
            "let mut client = runtime::net::TcpStream::connect(listener.local_addr()?).await?;\n",
            "let (mut server, _) = listener.accept().await?;\n",
            $setup,
            "\n",
            $body,
            "\nstd::io::Result::Ok(())\n})?;\n# std::io::Result::Ok(())\n```"
        )
    };
}

/// Methods every read half has: `read`, `read_to_end`, `poll_read`.
macro_rules! read_methods {
    ($setup:expr) => {
        /// Reads some bytes into `buf`; `Ok(0)` means the peer closed its
        /// side. See [`TcpStream::read`].
        ///
        /// # Cancellation
        ///
        /// Dropping the future reads nothing and leaves no waker behind.
        #[doc = half_example!($setup, "server.write_all(b\"abc\").await?;\nlet mut buf = [0; 8];\nassert!(reader.read(&mut buf).await? > 0);")]
        pub fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a> {
            Read::new(self.stream_io(), buf)
        }

        /// Reads until the peer closes, appending to `buf`. See
        /// [`TcpStream::read_to_end`].
        ///
        /// # Cancellation
        ///
        /// Dropping the future keeps what was appended so far.
        #[doc = half_example!($setup, "server.write_all(b\"abc\").await?;\ndrop(server);\nlet mut all = Vec::new();\nreader.read_to_end(&mut all).await?;\nassert_eq!(all, b\"abc\");")]
        pub fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a> {
            ReadToEnd::new(self.stream_io(), buf)
        }

        /// Attempts a read (for hand-written futures). See
        /// [`TcpStream::poll_read`].
        ///
        /// # Errors
        ///
        /// The read's error.
        #[doc = half_example!($setup, "server.write_all(b\"z\").await?;\nlet mut buf = [0; 1];\nlet n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut reader).poll_read(cx, &mut buf)).await?;\nassert_eq!(n, 1);")]
        pub fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            self.stream_io().poll_read(cx, buf, None)
        }
    };
}

/// Methods every write half has: `write`, `write_all`, `poll_write`,
/// `shutdown`.
macro_rules! write_methods {
    ($setup:expr) => {
        /// Writes some of `buf`. See [`TcpStream::write`].
        ///
        /// # Cancellation
        ///
        /// Dropping the future writes nothing and leaves no waker behind.
        #[doc = half_example!($setup, "assert_eq!(writer.write(b\"x\").await?, 1);")]
        pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a> {
            Write::new(self.stream_io(), buf)
        }

        /// Writes all of `buf`. See [`TcpStream::write_all`].
        ///
        /// # Errors
        ///
        /// The first write error (`BrokenPipe` or `ConnectionReset` once the
        /// peer has gone).
        ///
        /// # Cancellation
        ///
        /// Dropping the future midway leaves an unknown prefix of `buf`
        /// written.
        #[doc = half_example!($setup, "writer.write_all(b\"xyz\").await?;\nlet mut buf = [0; 3];\nlet mut got = 0;\nwhile got < 3 {\n    got += server.read(&mut buf[got..]).await?;\n}\nassert_eq!(&buf, b\"xyz\");")]
        pub fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a> {
            WriteAll::new(self.stream_io(), buf)
        }

        /// Attempts a write (for hand-written futures). See
        /// [`TcpStream::poll_write`].
        ///
        /// # Errors
        ///
        /// The write's error.
        #[doc = half_example!($setup, "let n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut writer).poll_write(cx, b\"z\")).await?;\nassert_eq!(n, 1);")]
        pub fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.stream_io().poll_write(cx, buf, None)
        }

        /// Shuts down the write side of the stream: the peer reads
        /// end-of-stream. The read side keeps working.
        ///
        /// # Errors
        ///
        /// `NotConnected` if the connection is already gone.
        #[doc = half_example!($setup, "writer.shutdown()?;\nlet mut all = Vec::new();\nserver.read_to_end(&mut all).await?;\nassert!(all.is_empty());")]
        pub fn shutdown(&self) -> io::Result<()> {
            self.shutdown_write()
        }
    };
}

/// Methods of every half: addresses and the shared stream.
macro_rules! half_methods {
    ($setup:expr) => {
        /// The address of the peer. See [`TcpStream::peer_addr`].
        ///
        /// # Errors
        ///
        /// `NotConnected` if the connection has been reset.
        #[doc = half_example!($setup, "assert_eq!(reader.peer_addr()?, server.local_addr()?);\nassert_eq!(writer.peer_addr()?, server.local_addr()?);")]
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.stream.peer_addr()
        }

        /// The local address. See [`TcpStream::local_addr`].
        ///
        /// # Errors
        ///
        /// Only if the socket is in an unexpected state.
        #[doc = half_example!($setup, "assert_eq!(reader.local_addr()?, server.peer_addr()?);\nassert_eq!(writer.local_addr()?, server.peer_addr()?);")]
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.stream.local_addr()
        }

        pub(crate) fn stream_io(&self) -> StreamHandle<'_> {
            self.stream.stream_io()
        }

        #[allow(dead_code, reason = "used by the write halves only")]
        pub(crate) fn shutdown_write(&self) -> io::Result<()> {
            self.stream.shutdown_write()
        }
    };
}

/// The halves, as the examples of the borrowed halves' methods make them.
macro_rules! borrowed {
    () => {
        "let (mut reader, mut writer) = client.split();"
    };
}

/// The halves, as the examples of the owned halves' methods make them.
macro_rules! owned {
    () => {
        "let (mut reader, mut writer) = client.into_split();"
    };
}

/// The read side of a borrowed [`TcpStream`], from [`TcpStream::split`].
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (mut reader, _writer) = client.split();
///     server.write_all(b"r").await?;
///     let mut buf = [0; 1];
///     assert_eq!(reader.read(&mut buf).await?, 1);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct ReadHalf<'a> {
    stream: &'a TcpStream,
}

/// The write side of a borrowed [`TcpStream`], from [`TcpStream::split`].
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (_reader, mut writer) = client.split();
///     writer.write_all(b"w").await?;
///     let mut buf = [0; 1];
///     assert_eq!(server.read(&mut buf).await?, 1);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct WriteHalf<'a> {
    stream: &'a TcpStream,
}

/// The read side of a [`TcpStream`], from [`TcpStream::into_split`].
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (mut reader, _writer) = client.into_split();
///     let task = runtime::spawn(async move {
///         let mut buf = [0; 1];
///         reader.read(&mut buf).await
///     });
///     server.write_all(b"r").await?;
///     assert_eq!(task.await.unwrap()?, 1);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Rc<TcpStream>,
}

/// The write side of a [`TcpStream`], from [`TcpStream::into_split`].
/// Dropping it does not shut the stream down: see
/// [`shutdown`](OwnedWriteHalf::shutdown).
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (_reader, mut writer) = client.into_split();
///     let task = runtime::spawn(async move { writer.write_all(b"w").await });
///     task.await.unwrap()?;
///     let mut buf = [0; 1];
///     assert_eq!(server.read(&mut buf).await?, 1);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Rc<TcpStream>,
}

impl ReadHalf<'_> {
    read_methods!(borrowed!());
    half_methods!(borrowed!());
}

impl WriteHalf<'_> {
    write_methods!(borrowed!());
    half_methods!(borrowed!());
}

impl OwnedReadHalf {
    read_methods!(owned!());
    half_methods!(owned!());

    /// Puts the stream back together with its write half.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], holding both halves, if `other` came from another
    /// stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let a = TcpStream::connect(listener.local_addr()?).await?;
    ///     let b = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (a_read, a_write) = a.into_split();
    ///     let (b_read, b_write) = b.into_split();
    ///     let err = a_read.reunite(b_write).unwrap_err();
    ///     let (a_read, b_write) = (err.0, err.1);
    ///     let a = a_read.reunite(a_write).expect("halves of one stream");
    ///     let b = b_write.reunite(b_read).expect("halves of one stream");
    ///     assert_ne!(a.local_addr()?, b.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        reunite(self, other)
    }
}

impl OwnedWriteHalf {
    write_methods!(owned!());
    half_methods!(owned!());

    /// Puts the stream back together with its read half; see
    /// [`OwnedReadHalf::reunite`].
    ///
    /// # Errors
    ///
    /// [`ReuniteError`], holding both halves, if `other` came from another
    /// stream.
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        reunite(other, self)
    }
}

fn reunite(read: OwnedReadHalf, write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
    if !Rc::ptr_eq(&read.stream, &write.stream) {
        return Err(ReuniteError(read, write));
    }
    drop(write);
    // The two halves held the only references, and `write` is gone.
    Ok(Rc::try_unwrap(read.stream).expect("a TcpStream split into exactly two halves"))
}

/// The error of [`OwnedReadHalf::reunite`]: the halves came from different
/// streams. Both are handed back.
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let other = TcpStream::connect(listener.local_addr()?).await?;
///     let (read, _) = client.into_split();
///     let (_, write) = other.into_split();
///     let err = read.reunite(write).unwrap_err();
///     println!("{err}");
///     let runtime::net::ReuniteError(_read, _write) = err;
///     drop(server);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same TcpStream")
    }
}

impl Error for ReuniteError {}
