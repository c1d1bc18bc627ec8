//! HTTP/1.0 client.
#![forbid(unsafe_code)]
