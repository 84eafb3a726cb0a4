// The IEC62056 module. See docs/architecture.md for its place in the bridge.
