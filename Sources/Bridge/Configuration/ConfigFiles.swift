import Foundation

/// The files a config names (TLS certificates and key, the password file, serial devices): where they are, and
/// whether they are there.
///
/// A relative path is relative to the config file's folder (so `/etc/pro380-mqtt/config.yaml` may say
/// `password_file: password`), whatever the daemon's working directory (`/` under systemd). With `root`, paths are
/// looked up under that folder, as in a tree staged for installation (`check-config --root DIR`), while the config
/// keeps the real paths.
struct ConfigFiles {
    let configFolder: String
    let root: String?

    init(configFile: String, root: String?) {
        configFolder = URL(fileURLWithPath: configFile).deletingLastPathComponent().path
        self.root = root
    }

    /// `path` made absolute against the config file's folder.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: configFolder).appendingPathComponent(path).path
    }

    /// Where to look for the resolved `path` now: under `root` when checking a staged tree.
    func lookup(_ path: String) -> String {
        guard let root, path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: root).appendingPathComponent(String(path.dropFirst())).path
    }

    /// The file `node` names, resolved; it must exist and be readable.
    /// - Throws: `ConfigurationError` naming the file, line and key, and why it cannot be read.
    func readable(_ node: ConfigNode) throws -> String {
        let path = resolve(try node.string())
        let here = lookup(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: here, isDirectory: &isDirectory) else {
            throw node.error("\(path) does not exist")
        }
        guard !isDirectory.boolValue else { throw node.error("\(path) is a folder, not a file") }
        guard FileManager.default.isReadableFile(atPath: here) else {
            throw node.error("\(path) is not readable (permissions: the bridge's user must be able to read it)")
        }
        return path
    }

    /// Warns when the serial device `node` names is not there: the bridge still starts (a USB adapter may be
    /// plugged in later; it keeps trying) but the name may be wrong.
    func checkDevice(_ node: ConfigNode, path: String) {
        guard !FileManager.default.fileExists(atPath: lookup(path)) else { return }
        let hint =
            path.hasPrefix("/dev/serial/by-id/")
            ? "is the adapter plugged in? (ls /dev/serial/by-id/)"
            : "is the adapter plugged in? A /dev/serial/by-id/... name stays the same across reboots and replugging"
        node.warn("\(path) does not exist (yet): the bridge keeps trying to open it; \(hint)")
    }
}
