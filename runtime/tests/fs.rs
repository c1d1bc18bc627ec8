//! `runtime::fs` as a user meets it: round trips, errors that name their
//! path, files written concurrently, a directory of 10,000 entries, seeks
//! among reads and writes, `set_len`, a directory opened as a file, and a
//! file dropped with its writes in flight. Every test is bounded by a
//! watchdog; all run on the `poll(2)` backend too.

mod util;

use std::collections::HashSet;
use std::future::Future;
use std::io::{self, ErrorKind, SeekFrom};
use std::path::Path;
use std::time::Duration;

use futures_lite::{StreamExt, future};
use runtime::fs::{self, File, OpenOptions};
use util::{TempDir, watchdog};

/// Runs `test` in a fresh runtime, bounded by `limit_secs`.
fn bounded<F, Fut>(limit_secs: u64, test: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<()>>,
{
    watchdog(limit_secs, move || runtime::block_on(test()).unwrap());
}

/// Bytes that differ from their neighbours, so a misplaced piece shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The rest of `file`, through its inherent `read` (the futures-io
/// traits have a test of their own).
async fn read_rest(file: &mut File) -> io::Result<Vec<u8>> {
    let mut rest = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match file.read(&mut buf).await? {
            0 => return Ok(rest),
            n => rest.extend_from_slice(&buf[..n]),
        }
    }
}

/// `error`'s message starts with `cannot {op} {path}`.
fn assert_names(error: &io::Error, op: &str, path: &Path) {
    let expected = format!("cannot {op} {}", path.display());
    assert!(
        error.to_string().starts_with(&expected),
        "{error:?} does not start with {expected:?}"
    );
}

#[test]
fn whole_files_round_trip() {
    bounded(10, || async {
        let dir = TempDir::new("fs-round-trip");
        let path = dir.join("data");
        let data = pattern(3 << 20);
        fs::write(&path, &data).await?;
        assert_eq!(fs::read(&path).await?, data);
        assert_eq!(fs::metadata(&path).await?.len(), data.len() as u64);

        fs::write(&path, "text ✓").await?;
        assert_eq!(fs::read_to_string(&path).await?, "text ✓");

        let copy = dir.join("copy");
        assert_eq!(fs::copy(&path, &copy).await?, "text ✓".len() as u64);
        let moved = dir.join("nested/deeper/moved");
        fs::create_dir_all(moved.parent().unwrap()).await?;
        fs::rename(&copy, &moved).await?;
        assert_eq!(fs::read(&moved).await?, "text ✓".as_bytes());
        assert!(!copy.exists());
        fs::remove_file(&moved).await?;
        fs::remove_dir_all(dir.join("nested")).await?;
        assert!(!dir.join("nested").exists());
        Ok(())
    });
}

#[test]
fn a_file_round_trips_through_reads_of_every_size() {
    bounded(20, || async {
        let dir = TempDir::new("fs-file-round-trip");
        let path = dir.join("data");
        let data = pattern(5 << 20); // more than one 2 MiB piece
        let mut file = File::create(&path).await?;
        for chunk in data.chunks(100_003) {
            file.write_all(chunk).await?;
        }
        file.flush().await?;
        drop(file);
        for size in [1, 4096, 256 << 10, 8 << 20] {
            let mut file = File::open(&path).await?;
            let mut back = Vec::new();
            let mut buf = vec![0; size];
            loop {
                let n = file.read(&mut buf[..]).await?;
                if n == 0 {
                    break;
                }
                back.extend_from_slice(&buf[..n]);
                if size == 1 && back.len() == 10_000 {
                    // One byte at a time takes a while; the rest in bulk.
                    back.extend(read_rest(&mut file).await?);
                    break;
                }
            }
            assert_eq!(back.len(), data.len(), "reads of {size}");
            assert!(back == data, "reads of {size} give the bytes back");
        }
        Ok(())
    });
}

#[test]
fn errors_name_their_paths() {
    bounded(10, || async {
        let dir = TempDir::new("fs-errors");
        let missing = dir.join("missing");
        let other = dir.join("other");

        let e = File::open(&missing).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_names(&e, "open", &missing);
        assert_eq!(
            e.to_string(),
            format!(
                "cannot open {}: No such file or directory (os error 2)",
                missing.display()
            )
        );
        // std's error is the source, with its OS error number.
        let source = std::error::Error::source(&e).expect("a source");
        let os = source.downcast_ref::<io::Error>().expect("an io::Error");
        assert_eq!(os.raw_os_error(), Some(2));

        assert_names(&fs::read(&missing).await.unwrap_err(), "read", &missing);
        let e = fs::read_to_string(&missing).await.unwrap_err();
        assert_names(&e, "read", &missing);
        assert_names(
            &fs::remove_file(&missing).await.unwrap_err(),
            "remove",
            &missing,
        );
        let e = fs::remove_dir_all(&missing).await.unwrap_err();
        assert_names(&e, "remove directory", &missing);
        let e = fs::metadata(&missing).await.unwrap_err();
        assert_names(&e, "read metadata of", &missing);
        let e = fs::read_dir(&missing).await.unwrap_err();
        assert_names(&e, "read directory", &missing);
        let e = fs::rename(&missing, &other).await.unwrap_err();
        assert_names(&e, "rename", &missing);
        assert!(
            e.to_string()
                .contains(&format!(" to {}: ", other.display()))
        );
        let e = fs::copy(&missing, &other).await.unwrap_err();
        assert_names(&e, "copy", &missing);

        // A file in the way of a directory.
        let file = dir.join("file");
        fs::write(&file, "x").await?;
        let e = fs::create_dir_all(file.join("sub")).await.unwrap_err();
        assert_names(&e, "create directory", &file.join("sub"));
        let e = fs::write(file.join("sub"), "x").await.unwrap_err();
        assert_names(&e, "write", &file.join("sub"));

        // Not UTF-8.
        fs::write(&file, [0xff, 0xfe]).await?;
        let e = fs::read_to_string(&file).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData);
        assert_names(&e, "read", &file);

        // Opened for reading only: the write's error comes at the flush.
        let mut read_only = File::open(&file).await?;
        read_only.write_all(b"no").await?;
        let e = read_only.flush().await.unwrap_err();
        assert_names(&e, "write", &file);
        // Reported once.
        read_only.flush().await?;
        let e = read_only.set_len(0).await.unwrap_err();
        assert_names(&e, "set the length of", &file);
        Ok(())
    });
}

#[test]
fn a_write_error_surfaces_at_the_next_operation() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    bounded(10, || async {
        let full = Path::new("/dev/full");
        let mut file = OpenOptions::new().read(true).write(true).open(full).await?;
        file.write_all(b"no room").await?; // handed off: fine so far
        let e = file.read(&mut [0; 8]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StorageFull);
        assert_names(&e, "write", full);

        file.write_all(b"again").await?;
        let e = file.seek(SeekFrom::Start(0)).await.unwrap_err();
        assert_names(&e, "write", full);

        file.write_all(b"and again").await?;
        assert_names(&file.sync_all().await.unwrap_err(), "write", full);
        file.write_all(b"once more").await?;
        assert_names(&file.metadata().await.unwrap_err(), "write", full);
        // Dropped with a failing write in flight: the error is lost, quietly.
        file.write_all(b"lost").await?;
        drop(file);
        Ok(())
    });
}

#[test]
fn files_written_concurrently_each_get_their_own_bytes() {
    const FILES: usize = 40;
    const LEN: usize = 1 << 20;
    bounded(30, || async {
        let dir = TempDir::new("fs-concurrent");
        let tasks: Vec<_> = (0..FILES)
            .map(|i| {
                let path = dir.join(&format!("f{i}"));
                runtime::spawn(async move {
                    let mut file = File::create(&path).await?;
                    // Each file its own bytes, in uneven pieces.
                    let data: Vec<u8> = pattern(LEN).iter().map(|b| b ^ i as u8).collect();
                    for chunk in data.chunks(65_537 + i) {
                        file.write_all(chunk).await?;
                    }
                    file.sync_data().await?;
                    io::Result::Ok(data)
                })
            })
            .collect();
        let written = runtime::join_all(tasks).await;
        for (i, data) in written.into_iter().enumerate() {
            let data = data.expect("the task finished")?;
            assert!(
                fs::read(dir.join(&format!("f{i}"))).await? == data,
                "file {i}"
            );
        }
        assert!(runtime::stats().blocking_threads <= runtime::MAX_BLOCKING_THREADS);
        Ok(())
    });
}

#[test]
fn a_directory_of_ten_thousand_entries_is_listed_whole() {
    const ENTRIES: usize = 10_000;
    bounded(60, || async {
        let dir = TempDir::on_tmpfs("fs-read-dir");
        for i in 0..ENTRIES {
            std::fs::File::create(dir.join(&format!("entry-{i}")))?;
        }
        std::fs::create_dir(dir.join("a-directory"))?;

        // As a stream.
        let mut names = HashSet::new();
        let mut entries = fs::read_dir(dir.path()).await?;
        while let Some(entry) = entries.next().await {
            let entry = entry?;
            assert_eq!(entry.path(), dir.path().join(entry.file_name()));
            let is_dir = entry.file_type().await?.is_dir();
            assert_eq!(is_dir, entry.file_name() == "a-directory");
            assert!(names.insert(entry.file_name()), "no entry twice");
        }
        assert_eq!(names.len(), ENTRIES + 1);
        assert!(entries.next().await.is_none(), "it stays at its end");

        // With next_entry; the counts agree.
        let mut entries = fs::read_dir(dir.path()).await?;
        let mut count = 0;
        while let Some(entry) = entries.next_entry().await? {
            count += 1;
            if entry.file_name() == "entry-7" {
                assert_eq!(entry.metadata().await?.len(), 0);
            }
        }
        assert_eq!(count, ENTRIES + 1);
        Ok(())
    });
}

#[test]
fn seeks_among_reads_and_writes_land_where_the_caller_is() {
    bounded(10, || async {
        let dir = TempDir::new("fs-seek");
        let path = dir.join("data");
        fs::write(&path, "0123456789abcdefghij").await?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await?;

        let mut three = [0; 3];
        assert_eq!(file.read(&mut three).await?, 3);
        assert_eq!(&three, b"012");
        // The first read fetched more than 3 bytes: seeks and writes are
        // still relative to what the caller has read.
        assert_eq!(file.seek(SeekFrom::Current(0)).await?, 3);
        assert_eq!(file.seek(SeekFrom::Current(2)).await?, 5);
        assert_eq!(file.read(&mut three).await?, 3);
        assert_eq!(&three, b"567");
        file.write_all(b"XY").await?; // at 8
        assert_eq!(file.seek(SeekFrom::Current(-4)).await?, 6);
        assert_eq!(read_rest(&mut file).await?, b"67XYabcdefghij");

        assert_eq!(file.seek(SeekFrom::End(-2)).await?, 18);
        assert_eq!(file.read(&mut three).await?, 2);
        assert_eq!(&three[..2], b"ij");
        assert_eq!(file.seek(SeekFrom::Start(1)).await?, 1);
        assert_eq!(file.read(&mut three).await?, 3);
        assert_eq!(&three, b"123");
        let e = file.seek(SeekFrom::Current(-100)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_names(&e, "seek", &path);

        // A read after a write reads what was written.
        file.seek(SeekFrom::Start(0)).await?;
        file.write_all(b"ab").await?;
        file.seek(SeekFrom::Start(0)).await?;
        assert_eq!(file.read(&mut three).await?, 3);
        assert_eq!(&three, b"ab2");
        drop(file);
        assert_eq!(fs::read_to_string(&path).await?, "ab234567XYabcdefghij");
        Ok(())
    });
}

#[test]
fn set_len_truncates_and_extends_without_moving_the_cursor() {
    bounded(10, || async {
        let dir = TempDir::new("fs-set-len");
        let path = dir.join("data");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await?;
        file.write_all(b"0123456789").await?;
        file.set_len(4).await?;
        assert_eq!(file.metadata().await?.len(), 4);
        assert_eq!(file.seek(SeekFrom::Current(0)).await?, 10, "cursor stays");
        file.set_len(12).await?;
        assert_eq!(fs::read(&path).await?, b"0123\0\0\0\0\0\0\0\0");

        // After a read that fetched ahead: the caller's position holds.
        file.seek(SeekFrom::Start(0)).await?;
        let mut two = [0; 2];
        file.read(&mut two).await?;
        file.set_len(3).await?;
        assert_eq!(read_rest(&mut file).await?, b"2");
        Ok(())
    });
}

#[test]
fn a_directory_opened_as_a_file_says_so() {
    bounded(10, || async {
        let dir = TempDir::new("fs-dir-as-file");
        // Opening a directory read-only succeeds (as std: it can be
        // synced); reading it says what it is, and where.
        let mut file = File::open(dir.path()).await?;
        file.sync_all().await?;
        let e = file.read(&mut [0; 16]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IsADirectory);
        assert_eq!(
            e.to_string(),
            format!(
                "cannot read {}: Is a directory (os error 21)",
                dir.path().display()
            )
        );
        // Opening it for writing fails at once.
        let e = File::create(dir.path()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IsADirectory);
        assert_names(&e, "create", dir.path());
        let e = fs::read(dir.path()).await.unwrap_err();
        assert_names(&e, "read", dir.path());
        Ok(())
    });
}

#[test]
fn a_file_dropped_with_writes_in_flight_still_gets_them() {
    const LEN: usize = 16 << 20;
    watchdog(30, || {
        let dir = TempDir::new("fs-dropped");
        let path = dir.join("data");
        let data = pattern(LEN);
        let rt = runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let mut file = File::create(&path).await?;
            file.write_all(&data).await?;
            // No flush: the last 2 MiB piece is still on its helper thread.
            drop(file);
            io::Result::Ok(())
        })
        .unwrap();
        // Dropping the runtime waits for writes that had returned.
        drop(rt);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), LEN as u64);
        assert!(std::fs::read(&path).unwrap() == data);
    });
}

#[test]
fn a_read_dropped_midway_loses_no_bytes() {
    bounded(10, || async {
        let dir = TempDir::new("fs-read-cancel");
        let path = dir.join("data");
        fs::write(&path, "not lost").await?;
        let mut dropped = 0;
        for _ in 0..50 {
            let mut file = File::open(&path).await?;
            let mut buf = [0; 64];
            // Polled once (the read starts on a helper thread), then
            // dropped; unless the thread was quicker than the poll.
            if let Some(n) = future::poll_once(file.read(&mut buf)).await {
                assert_eq!(&buf[..n?], b"not lost");
                continue;
            }
            dropped += 1;
            let n = file.read(&mut buf).await?;
            assert_eq!(&buf[..n], b"not lost");
        }
        assert!(dropped > 0, "no read was ever still running after one poll");
        Ok(())
    });
}

#[cfg(feature = "futures-io")]
#[test]
fn futures_io_traits_copy_a_file() {
    use futures_lite::AsyncWriteExt;

    bounded(10, || async {
        let dir = TempDir::new("fs-futures-io");
        let (from, to) = (dir.join("from"), dir.join("to"));
        let data = pattern(3 << 20);
        fs::write(&from, &data).await?;
        let reader = File::open(&from).await?;
        let mut writer = File::create(&to).await?;
        let copied = futures_lite::io::copy(reader, &mut writer).await?;
        writer.close().await?;
        assert_eq!(copied, data.len() as u64);
        assert!(fs::read(&to).await? == data);
        Ok(())
    });
}

#[test]
fn io_async_refuses_a_regular_file_and_points_to_fs() {
    bounded(10, || async {
        let dir = TempDir::new("fs-async-new");
        let path = dir.join("plain");
        std::fs::write(&path, "x")?;
        for file in [
            std::fs::File::open(&path)?,
            std::fs::File::open(dir.path())?,
        ] {
            let e = runtime::io::Async::new(file).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::PermissionDenied);
            let message = e.to_string();
            assert!(message.contains("always ready"), "{message}");
            assert!(message.contains("use runtime::fs"), "{message}");
        }
        // A pipe is still welcome.
        let (reader, _writer) = std::io::pipe()?;
        runtime::io::Async::new(reader)?;
        Ok(())
    });
}

#[test]
fn the_event_loop_runs_while_a_file_is_read() {
    bounded(20, || async {
        let dir = TempDir::new("fs-loop");
        let path = dir.join("data");
        fs::write(&path, pattern(8 << 20)).await?;
        let ticks = runtime::spawn(async {
            let mut ticks = 0;
            for _ in 0..5 {
                runtime::time::sleep(Duration::from_millis(1)).await;
                ticks += 1;
            }
            ticks
        });
        let mut file = File::open(&path).await?;
        assert_eq!(read_rest(&mut file).await?.len(), 8 << 20);
        assert_eq!(ticks.await.unwrap(), 5);
        Ok(())
    });
}

#[test]
fn a_regular_file_is_read_ahead_and_a_pipe_is_not() {
    bounded(10, || async {
        let dir = TempDir::new("fs-read-ahead");
        let path = dir.join("data");
        fs::write(&path, "abcdefgh").await?;
        let mut file = File::open(&path).await?;
        let mut four = [0; 4];
        assert_eq!(file.read(&mut four).await?, 4);
        // The next four bytes are on their way (the Debug form says so).
        assert!(format!("{file:?}").contains("busy"), "{file:?}");
        assert_eq!(file.read(&mut four).await?, 4);
        assert_eq!(&four, b"efgh");

        // A pipe: reading ahead could wait forever, or take bytes that
        // are another reader's.
        let (reader, mut writer) = std::io::pipe()?;
        std::io::Write::write_all(&mut writer, b"abcdefgh")?;
        let mut pipe = File::from_std(std::fs::File::from(std::os::fd::OwnedFd::from(reader)));
        assert_eq!(pipe.read(&mut four).await?, 4);
        assert!(!format!("{pipe:?}").contains("busy"), "{pipe:?}");
        drop(writer);
        assert_eq!(read_rest(&mut pipe).await?, b"efgh");
        Ok(())
    });
}

#[test]
fn an_in_order_reader_is_read_ahead_twice_what_it_asks_for() {
    bounded(10, || async {
        let dir = TempDir::new("fs-read-ahead-size");
        let path = dir.join("data");
        fs::write(&path, "abcdefghijklmnopqrst").await?;
        let mut file = File::open(&path).await?;
        let mut four = [0; 4];
        assert_eq!(file.read(&mut four).await?, 4);
        // "efghijkl" on its way: 8 bytes for a reader of 4.
        assert_eq!(file.read(&mut four).await?, 4);
        assert_eq!(&four, b"efgh");
        assert!(format!("{file:?}").contains("read_ahead: 4"), "{file:?}");
        // Taking the rest of them starts the next read ahead.
        assert_eq!(file.read(&mut four).await?, 4);
        assert_eq!(&four, b"ijkl");
        assert!(format!("{file:?}").contains("busy"), "{file:?}");
        // A seek drops what was read ahead: the bytes are where it says.
        assert_eq!(file.seek(io::SeekFrom::Current(-2)).await?, 10);
        assert_eq!(read_rest(&mut file).await?, b"klmnopqrst");
        Ok(())
    });
}

#[test]
fn many_small_writes_are_staged_behind_the_one_in_flight() {
    const WRITES: usize = 5_000;
    watchdog(30, || {
        let dir = TempDir::new("fs-staged");
        let path = dir.join("data");
        let rt = runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let mut file = File::create(&path).await?;
            for i in 0..WRITES {
                // Each returns at once: handed off, or staged.
                file.write_all(format!("{i:05}\n").as_bytes()).await?;
            }
            // Dropped unflushed, with bytes staged, most likely.
            drop(file);
            io::Result::Ok(())
        })
        .unwrap();
        drop(rt);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), WRITES, "every write, in order");
        assert!(
            lines
                .iter()
                .enumerate()
                .all(|(i, l)| *l == format!("{i:05}"))
        );
    });
}

#[test]
fn bytes_staged_behind_a_failed_write_fail_with_it() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    bounded(10, || async {
        let full = Path::new("/dev/full");
        let mut file = OpenOptions::new().write(true).open(full).await?;
        let mut reported = None;
        for _ in 0..100 {
            // Handed off or staged; or the first write's error, seen by
            // one of the writes after it.
            if let Err(e) = file.write_all(&[0; 4096]).await {
                reported = Some(e);
                break;
            }
        }
        let e = match reported {
            Some(e) => e,
            None => file.flush().await.unwrap_err(),
        };
        assert_eq!(e.kind(), ErrorKind::StorageFull);
        assert_names(&e, "write", full);
        // Reported once; the staged bytes went with it.
        file.flush().await?;
        Ok(())
    });
}

#[test]
fn a_file_dropped_outside_a_runtime_still_writes_what_it_staged() {
    watchdog(30, || {
        let dir = TempDir::new("fs-dropped-outside");
        let path = dir.join("data");
        let data = pattern(6 << 20);
        let file = runtime::block_on(async {
            let mut file = File::create(&path).await?;
            file.write_all(&data).await?;
            io::Result::Ok(file)
        })
        .unwrap();
        // The runtime is gone; the writes it took all reach the file once
        // the File is dropped here.
        drop(file);
        assert!(std::fs::read(&path).unwrap() == data);
    });
}
