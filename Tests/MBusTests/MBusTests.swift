// MBusTests
