//! [`Limits`]: how much a server may make the response parser hold. Every
//! buffer the parser grows is bounded by one of these, so no server, however
//! broken or hostile, can make it allocate without bound.

/// Bounds on what the response parser accepts.
///
/// Fields are public; the struct is `#[non_exhaustive]` so new limits can be
/// added, which means you start from [`Limits::default`] and change fields
/// or chain the `with_*` methods.
///
/// # Examples
///
/// ```
/// use http_client::Limits;
///
/// let limits = Limits::default().with_max_body_bytes(1 << 30);
/// assert_eq!(limits.max_header_bytes, 64 * 1024);
/// assert_eq!(limits.max_body_bytes, 1 << 30);
///
/// let mut strict = Limits::default();
/// strict.max_headers = 20;
/// assert_eq!(strict.max_headers, 20);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The most bytes in a response head: status line, header fields, line
    /// endings and the final empty line. Also bounds one chunk-size line and
    /// the trailer section of a chunked body. Default: 64 KiB.
    pub max_header_bytes: usize,
    /// The most header fields in a response head (an obs-fold continuation
    /// line does not count as a new field). Default: 100.
    pub max_headers: usize,
    /// The most body bytes, after chunked decoding. A larger
    /// `Content-Length` is refused before any body byte is read. 0 means no
    /// limit: meant for bodies read through a
    /// [`BodyStream`](crate::BodyStream), whose memory is its buffer; a body
    /// collected whole (`read_to_end`, `Client::send`) then grows as large
    /// as the server makes it. Default: 16 MiB.
    pub max_body_bytes: u64,
}

impl Limits {
    /// The defaults: 64 KiB of head, 100 header fields, 16 MiB of body.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::Limits;
    ///
    /// assert_eq!(Limits::new(), Limits::default());
    /// assert_eq!(Limits::new().max_body_bytes, 16 * 1024 * 1024);
    /// ```
    pub const fn new() -> Limits {
        Limits {
            max_header_bytes: 64 * 1024,
            max_headers: 100,
            max_body_bytes: 16 * 1024 * 1024,
        }
    }

    /// These limits with [`max_header_bytes`](Limits::max_header_bytes) set.
    ///
    /// # Examples
    ///
    /// ```
    /// let limits = http_client::Limits::new().with_max_header_bytes(8 * 1024);
    /// assert_eq!(limits.max_header_bytes, 8192);
    /// ```
    pub const fn with_max_header_bytes(mut self, bytes: usize) -> Limits {
        self.max_header_bytes = bytes;
        self
    }

    /// These limits with [`max_headers`](Limits::max_headers) set.
    ///
    /// # Examples
    ///
    /// ```
    /// let limits = http_client::Limits::new().with_max_headers(10);
    /// assert_eq!(limits.max_headers, 10);
    /// ```
    pub const fn with_max_headers(mut self, count: usize) -> Limits {
        self.max_headers = count;
        self
    }

    /// These limits with [`max_body_bytes`](Limits::max_body_bytes) set.
    ///
    /// # Examples
    ///
    /// ```
    /// let limits = http_client::Limits::new().with_max_body_bytes(1024);
    /// assert_eq!(limits.max_body_bytes, 1024);
    /// ```
    pub const fn with_max_body_bytes(mut self, bytes: u64) -> Limits {
        self.max_body_bytes = bytes;
        self
    }
}

impl Default for Limits {
    /// Same as [`Limits::new`].
    fn default() -> Limits {
        Limits::new()
    }
}
