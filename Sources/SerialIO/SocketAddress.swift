#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One resolved IPv4 or IPv6 socket address, copied out of `getaddrinfo`'s list.
struct SocketAddress: Sendable {
    let family: Int32
    let storage: sockaddr_storage
    let length: socklen_t

    /// Resolves `host` (a name or a numeric IPv4/IPv6 address) and `port` to stream-socket addresses, in
    /// `getaddrinfo`'s preferred order. Blocking: call it off the cooperative pool.
    /// - Throws: the resolver's message (`gai_strerror`) when the name cannot be resolved.
    static func resolve(host: String, port: Int, passive: Bool = false) throws(ResolutionError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else { throw ResolutionError(message: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var next = list
        while let info = next?.pointee {
            if let address = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6 {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen)))
                }
                addresses.append(SocketAddress(family: info.ai_family, storage: storage, length: info.ai_addrlen))
            }
            next = info.ai_next
        }
        return addresses
    }

    /// The address a socket is bound to (`getsockname`) or connected to (`getpeername`).
    static func of(_ fd: Int32, peer: Bool) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length)
            }
        }
        guard status == 0 else { return nil }
        return SocketAddress(family: Int32(storage.ss_family), storage: storage, length: length)
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length (for `bind`, `connect`).
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// The port number in host byte order.
    var port: Int {
        withUnsafeBytes(of: storage) { raw in
            // sin_port and sin6_port sit at the same offset, right after the family.
            Int(UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self)))
        }
    }

    /// The numeric host (`127.0.0.1`, `::1`).
    var numericHost: String {
        var name = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let status = withSockaddr { address, length in
            getnameinfo(address, length, &name, socklen_t(name.count), nil, 0, NI_NUMERICHOST)
        }
        guard status == 0 else { return "?" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `host:port`, with an IPv6 host in brackets: `127.0.0.1:502`, `[::1]:502`.
    var endpoint: String { Self.endpoint(host: numericHost, port: port) }

    /// `host:port`, bracketing a host that contains a colon (an IPv6 literal).
    static func endpoint(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// `getaddrinfo` could not resolve a name; the message is `gai_strerror`'s.
struct ResolutionError: Error {
    let message: String
}
