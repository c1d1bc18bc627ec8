//! The Python lesson this project grew from, on tasks instead of a
//! `select()` loop.
//!
//! ```text
//! cargo run --example seed_callbacks
//! ```
//!
//! The lesson's `AsyncRequest` collects requests — host, port, method, url,
//! data, a callback and a timeout each — then `running()` drives them all
//! with non-blocking sockets and `select(…, 0.05)`, calling
//! `callback(context, response, exc)` as each ends. Here the same API sits
//! on the runtime: `running()` spawns one task per request, each task is
//! the whole life of its request written top to bottom (connect, send,
//! read, with its own deadline), and the callback runs when the task ends.
//! What the loop did by hand — remember which socket is at which step, poll
//! every 50 ms for timeouts, close timed-out sockets — the runtime does:
//! the reactor parks until a socket is ready or the earliest deadline, and
//! dropping a timed-out future closes its socket. Unlike the lesson, a
//! refused connection reaches its callback instead of being ignored.
//!
//! The lesson fetched google.com, baidu.com and bing.com; to run without a
//! network this fetches from the embedded demo server instead, plus a port
//! where nothing listens.

use std::rc::Rc;
use std::time::Duration;

use handroll::DemoServer;
use http_client::{Client, Error, Method, Request, Response, Url};

/// The request and its data, as the lesson's `HttpContext` held them.
#[derive(Debug)]
struct HttpContext {
    host: String,
    port: u16,
    method: String,
    url: String,
    data: String,
    timeout: Duration,
}

/// `callback(context, response, exc)`: exactly one of the two is `Some`.
type Callback = Box<dyn Fn(&HttpContext, Option<&Response>, Option<&Error>)>;

#[derive(Default)]
struct AsyncRequest {
    requests: Vec<(HttpContext, Callback)>,
}

impl AsyncRequest {
    #[allow(clippy::too_many_arguments)] // the lesson's signature
    fn add_request(
        &mut self,
        host: &str,
        port: u16,
        method: &str,
        url: &str,
        data: &str,
        callback: Callback,
        timeout: Duration,
    ) {
        let context = HttpContext {
            host: host.into(),
            port,
            method: method.into(),
            url: url.into(),
            data: data.into(),
            timeout,
        };
        self.requests.push((context, callback));
    }

    /// Runs every request concurrently; returns when all have called back.
    async fn running(self) {
        let tasks: Vec<_> = self
            .requests
            .into_iter()
            .map(|(context, callback)| runtime::spawn(run_one(context, callback)))
            .collect();
        runtime::join_all(tasks).await;
    }
}

/// One request's whole life: the steps the lesson's loop interleaved.
async fn run_one(context: HttpContext, callback: Callback) {
    let result = fetch(&context).await;
    match &result {
        Ok(response) => callback(&context, Some(response), None),
        Err(error) => callback(&context, None, Some(error)),
    }
}

async fn fetch(context: &HttpContext) -> Result<Response, Error> {
    let url = Url::parse(&format!(
        "http://{}:{}{}",
        context.host, context.port, context.url
    ))?;
    let mut request = Request::new(Method::new(&context.method.to_uppercase())?, url);
    if !context.data.is_empty() {
        request = request.body(context.data.as_bytes());
    }
    // The lesson's timeout ran from the start of the request to its end.
    let client = Client::builder().total_timeout(context.timeout).build();
    client.send(request).await
}

fn main() {
    runtime::block_on(async {
        let server = DemoServer::start().expect("start the demo server");
        let port = server.addr().port();
        let closed_port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
            probe.local_addr().expect("address").port()
        }; // dropped: nothing listens there now

        let done = Rc::new(std::cell::Cell::new(0));
        let callback_func = |done: Rc<std::cell::Cell<u32>>| -> Callback {
            Box::new(move |context, response, exc| {
                done.set(done.get() + 1);
                match (response, exc) {
                    (Some(r), _) => println!(
                        "{} {}:{}{} -> {} {:?}",
                        context.method,
                        context.host,
                        context.port,
                        context.url,
                        r.status(),
                        r.text_lossy()
                    ),
                    (_, Some(e)) => println!(
                        "{} {}:{}{} -> exception: {e}",
                        context.method, context.host, context.port, context.url
                    ),
                    (None, None) => unreachable!("one of the two is always given"),
                }
            })
        };

        let mut obj = AsyncRequest::default();
        let five = Duration::from_secs(5);
        obj.add_request(
            "127.0.0.1",
            port,
            "GET",
            "/hello",
            "",
            callback_func(done.clone()),
            five,
        );
        obj.add_request(
            "127.0.0.1",
            port,
            "POST",
            "/echo",
            "data=1",
            callback_func(done.clone()),
            five,
        );
        let one = Duration::from_secs(1);
        obj.add_request(
            "127.0.0.1",
            port,
            "GET",
            "/slow/3000",
            "",
            callback_func(done.clone()),
            one,
        );
        obj.add_request(
            "127.0.0.1",
            closed_port,
            "GET",
            "/",
            "",
            callback_func(done.clone()),
            five,
        );
        obj.running().await;
        assert_eq!(done.get(), 4, "every request calls back exactly once");
    });
}
