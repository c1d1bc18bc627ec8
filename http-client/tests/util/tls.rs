//! The TLS side of the test servers: certificates made with `rcgen` for each
//! test run ([`Pki`]: a CA, leaves for `localhost`/127.0.0.1 and for another
//! name, an expired leaf, a self-signed leaf), and [`TlsServer`], a rustls
//! `ServerConnection` over std sockets on threads that answers each
//! connection by playing a script of [`TlsStep`]s after the handshake.
//!
//! Only the TLS test files include this module (with `#[path]`), so the
//! other test binaries do not link rustls and rcgen.
//!
//! Every wait is bounded: socket timeouts of [`POLL`], a stop flag, and
//! [`MAX_HOLD`]; dropping the server stops and joins every thread.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// How often blocked server threads look at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// The longest a connection thread waits for anything.
pub const MAX_HOLD: Duration = Duration::from_secs(20);

/// One certificate and its key, as a server presents it.
#[derive(Clone)]
pub struct Leaf {
    /// The chain, leaf first (the CA's own certificate is not sent).
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's PKCS #8 private key.
    pub key: Vec<u8>,
    /// The leaf in PEM, for clients that trust it directly.
    pub pem: String,
    /// The private key in PEM (PKCS #8), for servers that read files.
    pub key_pem: String,
}

/// Every certificate the TLS tests use, made once per test binary.
pub struct Pki {
    /// The CA's certificate in PEM: add it to a client to trust the leaves.
    pub ca_pem: String,
    /// Signed by the CA, for `localhost` and 127.0.0.1.
    pub localhost: Leaf,
    /// Signed by the CA, for `wrong.example` only.
    pub wrong_name: Leaf,
    /// Signed by the CA, for `localhost`, valid 2019-01-01 to 2020-01-01.
    pub expired: Leaf,
    /// Signed by itself, for `localhost` and 127.0.0.1.
    pub self_signed: Leaf,
    /// A CA certificate (`CA:TRUE`, as `openssl req -x509` makes by
    /// default), self-signed, for `localhost` and 127.0.0.1, presented as
    /// the server's own; trust its `pem` to get past the issuer.
    pub ca_as_server: Leaf,
    /// Signed by the CA, for `localhost`, valid from 2099-01-01.
    pub not_yet_valid: Leaf,
    /// Signed by the CA, for `localhost`, for TLS clients only (its
    /// extended key usage is `clientAuth`).
    pub client_only: Leaf,
    /// The certificate of a second CA whose key is Ed25519, in PEM.
    pub ed25519_ca_pem: String,
    /// Signed (Ed25519) by that CA, for `localhost`; its own key is ECDSA.
    pub ed25519_signed: Leaf,
}

/// The test run's certificates.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| make_pki().expect("generating test certificates"))
}

fn make_pki() -> Result<Pki, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "handroll test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca = Issuer::new(ca_params, ca_key);

    let leaf_with = |names: &[&str],
                     issuer: &Issuer<'_, KeyPair>,
                     change: &dyn Fn(&mut CertificateParams)|
     -> Result<Leaf, rcgen::Error> {
        let key = KeyPair::generate()?;
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone())?;
        params
            .distinguished_name
            .push(DnType::CommonName, &names[0]);
        change(&mut params);
        let cert = params.signed_by(&key, issuer)?;
        Ok(Leaf {
            chain: vec![cert.der().clone()],
            key: key.serialize_der(),
            pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    };
    let leaf = |names: &[&str], expired: bool| {
        leaf_with(names, &ca, &|params| {
            if expired {
                params.not_before = date_time_ymd(2019, 1, 1);
                params.not_after = date_time_ymd(2020, 1, 1);
            }
        })
    };
    let ca_as_server = {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "a CA posing as a server");
        let cert = params.self_signed(&key)?;
        Leaf {
            chain: vec![cert.der().clone()],
            key: key.serialize_der(),
            pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    };
    let (ed25519_ca_pem, ed25519_ca) = {
        let key = KeyPair::generate_for(&rcgen::PKCS_ED25519)?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "handroll test Ed25519 CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key)?;
        (cert.pem(), Issuer::new(params, key))
    };
    let self_signed = {
        let key = KeyPair::generate()?;
        let params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])?;
        let cert = params.self_signed(&key)?;
        Leaf {
            chain: vec![cert.der().clone()],
            key: key.serialize_der(),
            pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    };
    Ok(Pki {
        ca_pem: ca_cert.pem(),
        localhost: leaf(&["localhost", "127.0.0.1"], false)?,
        wrong_name: leaf(&["wrong.example"], false)?,
        expired: leaf(&["localhost", "127.0.0.1"], true)?,
        self_signed,
        ca_as_server,
        not_yet_valid: leaf_with(&["localhost"], &ca, &|params| {
            params.not_before = date_time_ymd(2099, 1, 1);
            params.not_after = date_time_ymd(2100, 1, 1);
        })?,
        client_only: leaf_with(&["localhost"], &ca, &|params| {
            params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        })?,
        ed25519_signed: leaf_with(&["localhost"], &ed25519_ca, &|_| {})?,
        ed25519_ca_pem,
    })
}

/// The server's TLS config for `leaf`; `tls12_only` limits it to TLS 1.2.
pub fn server_config(leaf: &Leaf, tls12_only: bool) -> Arc<ServerConfig> {
    // The provider of `http_client::transport::crypto_provider()`, named
    // here because this file is compiled into the crate's unit tests too,
    // where that path does not exist (see that function on the deprecation).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
        &[&rustls::version::TLS12]
    } else {
        rustls::DEFAULT_VERSIONS
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key.clone()));
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(leaf.chain.clone(), key)
        .expect("the test certificate and key");
    Arc::new(config)
}

/// One thing the TLS server does after the handshake and the request.
#[derive(Debug, Clone)]
pub enum TlsStep {
    /// Encrypt and send these bytes.
    Write(Vec<u8>),
    /// Do nothing for this long.
    Sleep(Duration),
    /// Send `close_notify`, then close the socket: a clean end.
    CloseNotify,
    /// Close the socket without `close_notify`: a cut connection.
    Cut,
}

impl TlsStep {
    /// [`TlsStep::Write`] from anything byte-like.
    pub fn write(bytes: impl AsRef<[u8]>) -> TlsStep {
        TlsStep::Write(bytes.as_ref().to_vec())
    }
}

type Script = dyn Fn(&str) -> Vec<TlsStep> + Send + Sync;

/// What one connection of a [`TlsServer`] saw.
#[derive(Debug, Clone, Default)]
pub struct TlsSeen {
    /// The handshake completed.
    pub handshake_done: bool,
    /// The SNI name the client sent, if any.
    pub sni: Option<String>,
    /// The protocol version negotiated.
    pub protocol: Option<rustls::ProtocolVersion>,
    /// The request head, as decrypted.
    pub request: String,
    /// The client ended the connection after the response...
    pub client_closed: bool,
    /// ...with `close_notify` (rather than a bare TCP close).
    pub client_close_notify: bool,
}

struct Shared {
    stop: AtomicBool,
    seen: Mutex<Vec<TlsSeen>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    config: Arc<ServerConfig>,
    script: Box<Script>,
}

/// A TLS server on 127.0.0.1 that plays, for each connection, the steps
/// `script` picks for the request target it read. Stops and joins its
/// threads when dropped.
pub struct TlsServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listener: Option<JoinHandle<()>>,
}

impl TlsServer {
    /// Serves up to `connections` connections with `config`.
    pub fn start(
        config: Arc<ServerConfig>,
        connections: usize,
        script: impl Fn(&str) -> Vec<TlsStep> + Send + Sync + 'static,
    ) -> TlsServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            seen: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            config,
            script: Box::new(script),
        });
        let for_listener = shared.clone();
        let listener = thread::Builder::new()
            .name(format!("tls server {addr}"))
            .spawn(move || accept_loop(listener, connections, for_listener))
            .unwrap();
        TlsServer {
            addr,
            shared,
            listener: Some(listener),
        }
    }

    /// Serves one connection with `leaf` (all TLS versions) and `steps`.
    pub fn once(leaf: &Leaf, steps: Vec<TlsStep>) -> TlsServer {
        TlsServer::start(server_config(leaf, false), 1, move |_| steps.clone())
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://localhost:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port())
    }

    /// `https://127.0.0.1:PORT` followed by `path`.
    pub fn ip_url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port())
    }

    /// Waits up to `grace` for every accepted connection's thread to end,
    /// then stops the server and returns what each connection saw.
    pub fn finish(mut self, grace: Duration) -> Vec<TlsSeen> {
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline && !self.all_finished() {
            thread::sleep(Duration::from_millis(5));
        }
        self.stop();
        self.shared.seen.lock().unwrap().clone()
    }

    fn all_finished(&self) -> bool {
        self.shared
            .threads
            .lock()
            .unwrap()
            .iter()
            .all(JoinHandle::is_finished)
    }

    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(listener) = self.listener.take() {
            if !listener.is_finished() {
                let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
            }
            let _ = listener.join();
        }
        let threads = std::mem::take(&mut *self.shared.threads.lock().unwrap());
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, connections: usize, shared: Arc<Shared>) {
    for _ in 0..connections {
        let Ok((stream, _)) = listener.accept() else {
            continue;
        };
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let index = {
            let mut seen = shared.seen.lock().unwrap();
            seen.push(TlsSeen::default());
            seen.len() - 1
        };
        let for_thread = shared.clone();
        let thread = thread::Builder::new()
            .name(format!("tls connection {index}"))
            .spawn(move || serve(stream, index, &for_thread))
            .unwrap();
        shared.threads.lock().unwrap().push(thread);
    }
}

/// Handshake, read the request head, play the script.
fn serve(tcp: TcpStream, index: usize, shared: &Shared) {
    let _ = tcp.set_read_timeout(Some(POLL));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(5)));
    let Ok(conn) = ServerConnection::new(shared.config.clone()) else {
        return;
    };
    let mut tls = StreamOwned::new(conn, tcp);
    let deadline = Instant::now() + MAX_HOLD;
    // The handshake: rustls completes it inside the first reads.
    let mut raw = Vec::new();
    let mut buf = [0; 16 * 1024];
    let head_end = loop {
        if Instant::now() > deadline || shared.stop.load(Ordering::SeqCst) {
            return;
        }
        match tls.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if is_timeout(&e) => {}
            Err(_) => return, // the client rejected the certificate, or left
        }
        record(shared, index, |seen| {
            seen.handshake_done = !tls.conn.is_handshaking();
            seen.sni = tls.conn.server_name().map(str::to_owned);
            seen.protocol = tls.conn.protocol_version();
        });
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let request = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let target = request.split(' ').nth(1).unwrap_or("").to_owned();
    record(shared, index, |seen| seen.request = request.clone());
    for step in (shared.script)(&target) {
        match step {
            TlsStep::Write(bytes) => {
                if tls.write_all(&bytes).and_then(|()| tls.flush()).is_err() {
                    return;
                }
            }
            TlsStep::Sleep(duration) => thread::sleep(duration),
            TlsStep::CloseNotify => {
                tls.conn.send_close_notify();
                let _ = tls.flush();
                break;
            }
            TlsStep::Cut => return, // dropping the socket sends FIN only
        }
    }
    // Wait (bounded) for the client to close, so that its own close_notify
    // or FIN is seen and no RST cuts what was sent.
    while Instant::now() < deadline && !shared.stop.load(Ordering::SeqCst) {
        match tls.read(&mut buf) {
            Ok(0) => {
                // rustls says 0 only after the peer's close_notify.
                record(shared, index, |seen| {
                    seen.client_closed = true;
                    seen.client_close_notify = true;
                });
                return;
            }
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => {
                record(shared, index, |seen| seen.client_closed = true);
                return;
            }
        }
    }
}

fn record(shared: &Shared, index: usize, update: impl FnOnce(&mut TlsSeen)) {
    let mut seen = shared.seen.lock().unwrap_or_else(|p| p.into_inner());
    update(&mut seen[index]);
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
