package import Foundation

/// Where the tests find the package, the Python test peers and free loopback ports.
package enum TestEnvironment {
    /// The package root (the folder holding Package.swift).
    package static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The Python interpreter of the test-peer venv (pymodbus, pyMeterBus, paho-mqtt, iec62056-21), made by
    /// `scripts/setup.sh --with-test-peers`: `$PRO380_TEST_PYTHON`, else `.build/test-venv/bin/python`.
    /// `nil` when neither exists; tests that need a peer are then disabled with that reason, except under CI
    /// (`CI=true`), where a missing peer is an error.
    package static let python: String? = {
        if let env = ProcessInfo.processInfo.environment["PRO380_TEST_PYTHON"],
            FileManager.default.isExecutableFile(atPath: env)
        {
            return env
        }
        let local = packageRoot.appendingPathComponent(".build/test-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }()

    /// Whether peer-based tests can run: true when the venv exists, and always under CI so a missing venv fails.
    package static var hasPythonPeers: Bool { python != nil || ProcessInfo.processInfo.environment["CI"] == "true" }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
    package static func freeLoopbackPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "socket() failed")
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        precondition(bound == 0, "bind() failed")
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

#if canImport(Glibc)
import Glibc
#endif
