//! Hello, tasks: spawn a few, await their `JoinHandle`s, gather many with
//! `join_all`, and see what a panicking task looks like from outside (a
//! `JoinError`, while every other task runs on).
//!
//! Run it with `cargo run --example 01_hello`.

use std::time::Duration;

use runtime::time::sleep;

/// Pretends to look a user up, and fails for unknown ids.
async fn find_user(id: u32) -> String {
    sleep(Duration::from_millis(5)).await;
    match id {
        1 => "ada".to_string(),
        2 => "grace".to_string(),
        _ => panic!("no user with id {id}"),
    }
}

fn main() {
    let total = runtime::block_on(async {
        // A spawned task runs on its own; its handle is a future of its output.
        let greeter = runtime::spawn(async {
            sleep(Duration::from_millis(10)).await;
            "hello from a task"
        });
        println!("{}", greeter.await.expect("the greeter does not panic"));

        // Many tasks at once: they run concurrently, and `join_all` gives
        // their outputs in spawn order even though the last finishes first.
        let handles = (1..=5u64).map(|n| {
            runtime::spawn(async move {
                sleep(Duration::from_millis(10 * (6 - n))).await;
                n * n
            })
        });
        let squares: Vec<u64> = runtime::join_all(handles)
            .await
            .into_iter()
            .map(|r| r.expect("squaring does not panic"))
            .collect();
        println!("squares, in spawn order: {squares:?}");

        // A panic stays inside its task: its handle reports it (the default
        // panic hook also prints it to stderr), and the other tasks go on.
        let users: Vec<_> = (1..=3).map(|id| runtime::spawn(find_user(id))).collect();
        for (id, user) in (1..).zip(users) {
            match user.await {
                Ok(name) => println!("user {id}: {name}"),
                Err(e) if e.is_panic() => println!("user {id}: task failed: {e}"),
                Err(e) => println!("user {id}: {e}"),
            }
        }
        squares.iter().sum::<u64>()
    });
    println!("sum of the squares: {total}");
}
