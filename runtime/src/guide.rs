//! A guided tour of how this runtime works (documentation only).
