//! `fetch` against nginx with `ssl`, its certificate made by rcgen for
//! this run (a CA and a leaf for `localhost`/127.0.0.1) and written to the
//! temp config dir: `--cacert ca.pem` fetches byte for byte (by name and
//! by address, 100 at once), without it the issuer is unknown (exit 1),
//! `-k` fetches with one warning, and `--tls-info --json` tells nginx's
//! session.
//!
//! Needs nginx (`apt-get install nginx-light`, which has the ssl module):
//! `#[ignore]`d, and CI runs it with `--include-ignored`; asked for without
//! nginx, it fails saying so.

mod fetch_util;

use std::path::Path;
use std::time::Duration;

use fetch_util::{Fetch, ScratchDir, require_program, start_nginx_tls, watchdog};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// Files of 1 KiB fetched at once.
const MANY: usize = 100;

/// Writes `ca.pem`, and `cert.pem`/`key.pem` for nginx, into `dir`.
fn make_certificates(dir: &Path) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "fetch test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let ca = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &ca).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
}

#[test]
#[ignore = "needs nginx-light"]
fn https_from_nginx() {
    require_program("nginx", "nginx-light");
    watchdog(Duration::from_secs(120), || {
        let tmp = ScratchDir::new_in(&std::env::temp_dir(), "fetch-nginx-tls");
        let root = tmp.path().join("www");
        std::fs::create_dir_all(&root).unwrap();
        let body: Vec<u8> = (0..1024u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(root.join("1k.bin"), &body).unwrap();
        make_certificates(tmp.path());
        let ca = tmp.path().join("ca.pem");
        let ca = ca.to_str().unwrap();
        let nginx = start_nginx_tls(tmp.path(), &root);
        let port = nginx.addr.port();
        let by_addr = format!("https://127.0.0.1:{port}/1k.bin");
        let by_name = format!("https://localhost:{port}/1k.bin");

        // Trusted through the CA: saved byte for byte.
        let out = tmp.path().join("copy.bin");
        let run = Fetch::new(&["--cacert", ca, "-o", out.to_str().unwrap(), &by_name]).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(std::fs::read(&out).unwrap() == body, "bytes differ\n{run}");

        // Many at once.
        let urls = vec![by_addr.as_str(); MANY];
        let args = [&["--cacert", ca, "--quiet"][..], &urls].concat();
        let run = Fetch::new(&args).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(
            run.summary().contains(&format!(
                ": {MANY} complete, 0 failed, {} body bytes (",
                MANY * 1024
            )),
            "{run}"
        );

        // Not trusted.
        let run = Fetch::new(&[&by_addr]).run();
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.line_for(&by_addr).contains(
                " error: certificate issued by an unknown authority (self-signed?); pass --cacert ("
            ),
            "{run}"
        );

        // Not verified.
        let run = Fetch::new(&["-k", &by_addr, &by_name]).run();
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(
            run.stderr.matches("warning: --insecure").count(),
            1,
            "{run}"
        );

        // The session, as nginx negotiated it.
        let run = Fetch::new(&["--cacert", ca, "--tls-info", "--json", &by_addr]).run();
        assert_eq!(run.code, 0, "{run}");
        let line = &run.json_lines()[0];
        assert_eq!(line["status"], 200, "{line}");
        let tls = &line["tls"];
        assert!(
            tls["protocol"].as_str().unwrap().starts_with("TLSv1."),
            "{tls}"
        );
        assert!(!tls["cipher_suite"].as_str().unwrap().is_empty(), "{tls}");
        assert_eq!(tls["subject"], "CN=localhost", "{tls}");
        assert_eq!(tls["issuer"], "CN=fetch test CA", "{tls}");
    });
}
