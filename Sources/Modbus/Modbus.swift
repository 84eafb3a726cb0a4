// The Modbus module. See docs/architecture.md for its place in the bridge.
