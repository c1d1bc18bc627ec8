//! Many fetches at once on one thread: 200 spawned tasks, each with its own
//! connection, against a server that answers each path with a different
//! body in one of three framings. Every response must come back whole and
//! matched to its own request.

mod util;

use std::time::{Duration, Instant};

use util::{ScriptedServer, Step, client, run};

const TASKS: usize = 200;

/// The body for `/item/{i}`: its own size and content.
fn body(i: usize) -> Vec<u8> {
    util::pseudo_random(1000 + i * 37, i as u64)
}

/// The response for `/item/{i}`: `Content-Length`, chunked, or
/// close-delimited, in turn; pauses and split writes for some.
fn answer(i: usize) -> Vec<Step> {
    let body = body(i);
    let mut steps = match i % 3 {
        0 => vec![
            Step::write(format!(
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )),
            Step::Write(body),
        ],
        1 => {
            let (a, b) = body.split_at(body.len() / 2);
            vec![
                Step::write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Step::Write([format!("{:x}\r\n", a.len()).as_bytes(), a, b"\r\n"].concat()),
                Step::Write(
                    [format!("{:x}\r\n", b.len()).as_bytes(), b, b"\r\n0\r\n\r\n"].concat(),
                ),
            ]
        }
        _ => vec![
            Step::write("HTTP/1.0 200 OK\r\n\r\n"),
            Step::Write(body),
            Step::Close,
        ],
    };
    if i.is_multiple_of(10) {
        steps.insert(0, Step::Sleep(Duration::from_millis(20)));
    }
    steps
}

#[test]
fn two_hundred_concurrent_fetches() {
    let server = ScriptedServer::start(TASKS, |request| {
        let item = request.target().strip_prefix("/item/");
        match item.and_then(|i| i.parse().ok()) {
            Some(i) => answer(i),
            None => vec![Step::Close],
        }
    });
    let base = server.url("/item/");
    let start = Instant::now();
    let results = run(move || async move {
        // A burst of 200 connects can overflow the listener's backlog on a
        // loaded machine; a dropped SYN is retried after 1 s, then 3 s.
        let client = client()
            .connect_timeout(Duration::from_secs(10))
            .total_timeout(Duration::from_secs(20))
            .build();
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let (client, url) = (client.clone(), format!("{base}{i}"));
                runtime::spawn(async move { client.get(url).await.map(|r| r.into_body()) })
            })
            .collect();
        runtime::join_all(tasks).await
    });
    let elapsed = start.elapsed();
    for (i, joined) in results.into_iter().enumerate() {
        let got = joined
            .expect("the task ran")
            .unwrap_or_else(|e| panic!("/item/{i}: {e}"));
        assert!(
            got == body(i),
            "/item/{i}: wrong body ({} bytes)",
            got.len()
        );
    }
    let seen = server.finish(Duration::from_secs(5));
    assert_eq!(seen.len(), TASKS);
    eprintln!("{TASKS} concurrent fetches: {elapsed:?}");
}
