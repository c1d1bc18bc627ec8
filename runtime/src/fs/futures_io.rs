//! `futures_io::AsyncRead`, `AsyncWrite` and `AsyncSeek` for [`File`]
//! (feature `futures-io`): each forwards to the `poll_*_inner` method the
//! inherent futures use (`file.rs`). `poll_close` waits for the write in
//! flight, as `poll_flush`; the file closes when it is dropped.

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

use super::File;

/// # Examples
///
/// ```
/// use futures_lite::AsyncReadExt;
///
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("file-async-read-{}", std::process::id()));
///     runtime::fs::write(&path, "through futures-io").await?;
///     let mut text = String::new();
///     runtime::fs::File::open(&path).await?.read_to_string(&mut text).await?;
///     assert_eq!(text, "through futures-io");
///     runtime::fs::remove_file(&path).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_inner(cx, buf)
    }
}

/// # Examples
///
/// ```
/// use futures_lite::AsyncWriteExt;
///
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("file-async-write-{}", std::process::id()));
///     let mut file = runtime::fs::File::create(&path).await?;
///     AsyncWriteExt::write_all(&mut file, b"through futures-io").await?;
///     file.close().await?;
///     assert_eq!(std::fs::read(&path)?, b"through futures-io");
///     runtime::fs::remove_file(&path).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_inner(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_inner(cx)
    }
}

/// # Examples
///
/// ```
/// use std::io::SeekFrom;
/// use futures_lite::{AsyncReadExt, AsyncSeekExt};
///
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("file-async-seek-{}", std::process::id()));
///     runtime::fs::write(&path, "abcdef").await?;
///     let mut file = runtime::fs::File::open(&path).await?;
///     AsyncSeekExt::seek(&mut file, SeekFrom::Start(4)).await?;
///     let mut rest = String::new();
///     file.read_to_string(&mut rest).await?;
///     assert_eq!(rest, "ef");
///     runtime::fs::remove_file(&path).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        self.get_mut().poll_seek_inner(cx, pos)
    }
}
