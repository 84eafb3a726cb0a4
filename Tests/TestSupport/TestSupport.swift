// Shared test helpers: decoder verifier, broker launcher, pty helper, Python peers.
