#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a child program with a clean signal state: every signal unblocked and at its default action.
///
/// Why not Foundation's `Process`: it `posix_spawn`s with the calling thread's signal mask and this process's
/// ignored signals. In a Swift program both are wrong for a child: libdispatch blocks SIGINT, SIGTERM and most
/// others on its worker threads (where async code runs), and swift-service-lifecycle's `UnixSignalsSequence` sets
/// trapped signals to `SIG_IGN`; `execve` keeps a blocked mask and ignored signals. mosquitto, for one, waits with
/// the mask it inherited, so one started by `Process` from a worker thread ignored SIGTERM and outlived the
/// benchmark that started it.
/// `POSIX_SPAWN_SETSIGMASK` with an empty mask and `POSIX_SPAWN_SETSIGDEF` with every signal (POSIX.1-2017
/// `posix_spawn`) undo both in the child. Every descriptor of this process other than the three given is closed in
/// the child (an inherited socket would keep a connection alive after this process dropped it).
package enum ChildSpawn {
    /// `posix_spawn` refused: the program and the error code.
    package struct Failure: Error, CustomStringConvertible {
        package let executable: String
        package let code: Int32

        package var description: String { "\(executable): cannot start: \(String(cString: strerror(code)))" }
    }

    /// Starts `executable` (a path, not searched in `PATH`) with `arguments`.
    /// - Parameters:
    ///   - environment: `NAME=value` entries; nil: this process's environment.
    ///   - standardInput: the child's descriptor 0; nil: /dev/null.
    ///   - standardOutput: the child's descriptor 1; nil: /dev/null.
    ///   - standardError: the child's descriptor 2; nil: /dev/null.
    ///   - ownProcessGroup: start the child in a process group of its own (`POSIX_SPAWN_SETPGROUP` with group 0),
    ///     so a Ctrl-C at the terminal (SIGINT to the foreground group) reaches this process only, which then stops
    ///     the child in its own order (the demo's broker outlives the bridge's shutdown).
    /// - Returns: the child's process ID; the caller reaps it (`waitpid`).
    /// - Throws: `Failure` with `posix_spawn`'s error (a missing or non-executable program).
    package static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String]? = nil,
        standardInput: Int32? = nil,
        standardOutput: Int32? = nil,
        standardError: Int32? = nil,
        ownProcessGroup: Bool = false
    ) throws(Failure) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        for fd in openDescriptors() where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)  // glibc leaves out its internal signals; SIGKILL and SIGSTOP cannot be changed
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var spawned: pid_t = 0
        let rc: Int32
        if let environment {
            let envp = environment.map { strdup($0) } + [nil]
            defer { envp.forEach { free($0) } }
            rc = posix_spawn(&spawned, executable, &actions, &attributes, argv, envp)
        } else {
            rc = posix_spawn(&spawned, executable, &actions, &attributes, argv, environ)
        }
        guard rc == 0 else { throw Failure(executable: executable, code: rc) }
        return spawned
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal that ended the process.
    package static func exitStatus(_ status: Int32) -> Int32 {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Waits for `pid` to end (retrying on `EINTR`) and returns `exitStatus` of it. Blocks: call it on a thread of
    /// its own, never on the cooperative pool.
    package static func waitForExit(_ pid: Int32) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        return exitStatus(status)
    }

    /// The descriptors open in this process right now (/proc/self/fd), so the child can close them.
    private static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd != own { descriptors.append(fd) }
        }
        return descriptors
    }
}
