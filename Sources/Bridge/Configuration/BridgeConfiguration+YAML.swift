import Foundation
import Logging
import MQTT
import PRO380
import SerialIO
import Yams

extension BridgeConfiguration {
    /// Reads and checks the config file at `path`.
    /// - Parameters:
    ///   - root: look up the files the config names (TLS files, password file, serial devices) under this folder,
    ///     as in a tree staged for installation (`check-config --root`); `nil` for the real ones.
    /// - Throws: `ConfigurationErrors`, every problem of the file (up to 20) with its file, line and key.
    package static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        root: String? = nil
    ) throws -> BridgeConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw ConfigurationErrors([ConfigurationError(file: path, line: nil, key: "", message: reason)])
        }
        return try parse(yaml: text, file: path, environment: environment, root: root)
    }

    /// Decodes a config from YAML text; `file` names it in errors; relative paths in it (`password_file`,
    /// `tls.ca_file`, ...) are relative to the file's folder.
    /// - Returns: the config, with `warnings` for what runs but deserves a look (a serial device not present).
    /// - Throws: `ConfigurationErrors`, every problem found (up to 20) with its file, line and key.
    package static func parse(
        yaml: String,
        file: String,
        environment: [String: String] = [:],
        root: String? = nil
    ) throws -> BridgeConfiguration {
        let problems = ConfigurationProblems()
        let rootNode: Node?
        do {
            rootNode = try Yams.compose(yaml: yaml)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            // Yams's own text quotes the whole file; the key's path and both places say it all.
            let located = DuplicateKeys.locate(yaml: yaml, key: duplicates.first ?? "", first: context.mark)
            guard located.duplicates.isEmpty else {
                throw ConfigurationErrors(
                    located.duplicates.map { duplicate in
                        ConfigurationError(
                            file: file,
                            line: duplicate.second.line,
                            key: duplicate.path,
                            message: "given twice in one mapping (first at line \(duplicate.first.line), column "
                                + "\(duplicate.first.column)); YAML allows each key once: keep one"
                        )
                    }
                )
            }
            // Not placed in the tree (another error of the text stops it): each key in Yams's terms, then that error.
            var errors = located.named.map { named in
                ConfigurationError(
                    file: file,
                    line: named.mark.line,
                    key: named.key,
                    message: "given twice in one mapping (first here, at column \(named.mark.column)); "
                        + "YAML allows each key once: keep one"
                )
            }
            if let other = located.otherError { errors.append(Self.syntaxError(other, file: file)) }
            throw ConfigurationErrors(errors)
        } catch let error as YamlError {
            throw ConfigurationErrors([Self.syntaxError(error, file: file)])
        }
        guard let rootNode else {
            throw ConfigurationErrors([ConfigurationError(file: file, line: 1, key: "", message: "the file is empty")])
        }
        let files = ConfigFiles(configFile: file, root: root)
        let document = ConfigNode(node: rootNode, path: "", file: file, problems: problems)
        var config = BridgeConfiguration(source: file)
        if let top = document.attempt({ try document.mapping(allowed: topKeys) }) {
            decodeTop(top, document: document, files: files, environment: environment, into: &config)
        }
        if let failure = problems.failure { throw failure }
        config.warnings = problems.warnings
        return config
    }

    static let topKeys = [
        "mqtt", "buses", "diagnostics_interval", "command_max_age", "homeassistant", "log_level", "outbox",
    ]

    private static func decodeTop(
        _ top: [String: ConfigNode],
        document: ConfigNode,
        files: ConfigFiles,
        environment: [String: String],
        into config: inout BridgeConfiguration
    ) {
        if let mqtt = top["mqtt"] {
            config.mqtt = decodeMQTT(mqtt, files: files, environment: environment)
        } else if let password = environment["PRO380_MQTT_PASSWORD"] {
            config.mqtt.password = password
        }
        if let v = top["diagnostics_interval"], let interval = v.attempt({ try v.duration() }) {
            config.diagnosticsInterval = interval
            if interval < .milliseconds(100) { v.problems.record(v.error("at least 100ms")) }
        }
        if let v = top["command_max_age"], let age = v.attempt({ try v.duration() }) { config.commandMaxAge = age }
        if let v = top["homeassistant"], let ha = v.attempt({ try HomeAssistantSettings(v) }) {
            config.homeAssistant = ha
        }
        config.outbox = OutboxSettings(
            top["outbox"],
            files: files,
            clientID: config.mqtt.clientID,
            environment: environment
        )
        if let v = top["log_level"] {
            config.logLevel = v.attempt {
                guard let level = Logger.Level(rawValue: try v.string()) else {
                    throw v.error("one of trace, debug, info, notice, warning, error, critical")
                }
                return level
            }
        }
        guard let busesNode = top["buses"] else {
            document.problems.record(
                ConfigurationError(
                    file: document.file,
                    line: document.line,
                    key: "buses",
                    message: "missing: list at least one bus with its meters"
                )
            )
            return
        }
        guard let busNodes = busesNode.attempt({ try busesNode.sequence() }) else { return }
        guard !busNodes.isEmpty else {
            busesNode.problems.record(busesNode.error("list at least one bus with its meters"))
            return
        }
        let decoded = busNodes.compactMap { node in decodeBus(node, files: files) }
        config.buses = decoded.compactMap(\.bus)
        checkUnique(decoded)
    }

    private static func decodeMQTT(
        _ node: ConfigNode,
        files: ConfigFiles,
        environment: [String: String]
    ) -> MQTTSettings {
        var s = MQTTSettings()
        let passwordHint =
            "the password never goes in the config file: name a file holding it with password_file "
            + "(readable only by the bridge's user), or set the PRO380_MQTT_PASSWORD environment variable "
            + "(systemd: EnvironmentFile=)"
        guard
            let m = node.attempt({
                try node.mapping(
                    allowed: [
                        "host", "port", "client_id", "base_topic", "version", "qos", "keepalive", "connect_timeout",
                        "username", "password_file", "tls",
                    ],
                    hints: ["password": passwordHint]
                )
            })
        else { return s }
        if let v = m["host"] { s.host = v.attempt { try v.string() } ?? s.host }
        if let v = m["port"] { s.port = v.attempt { try v.port() } ?? s.port }
        if let v = m["client_id"] {
            s.clientID =
                v.attempt {
                    let id = try v.string()
                    guard !id.isEmpty, id.utf8.count <= 65535, !id.contains(where: { "/+#".contains($0) }) else {
                        throw v.error("a client id is needed, unique per bridge instance, without /, + or #")
                    }
                    return id
                } ?? s.clientID
        }
        if let v = m["base_topic"] {
            s.baseTopic =
                v.attempt {
                    let topic = try v.string()
                    guard !topic.isEmpty, !topic.contains(where: { "+#".contains($0) }), !topic.hasSuffix("/") else {
                        throw v.error("a topic prefix without + or # and without a trailing /")
                    }
                    return topic
                } ?? s.baseTopic
        }
        if let v = m["version"] {
            s.version =
                v.attempt {
                    let version = try v.int()
                    guard version == 3 || version == 5 else { throw v.error("5 (MQTT 5) or 3 (MQTT 3.1.1)") }
                    return version
                } ?? s.version
        }
        if let v = m["qos"] { s.qos = v.attempt { try v.int(in: 0...1) } ?? s.qos }
        if let v = m["keepalive"] {
            s.keepAlive =
                v.attempt {
                    let keepAlive = try v.duration()
                    guard keepAlive >= .seconds(5) else { throw v.error("at least 5s (libmosquitto's minimum)") }
                    return keepAlive
                } ?? s.keepAlive
        }
        if let v = m["connect_timeout"] {
            s.connectTimeout =
                v.attempt {
                    let timeout = try v.duration()
                    guard timeout >= .seconds(1), timeout <= .seconds(300) else { throw v.error("between 1s and 5m") }
                    return timeout
                } ?? s.connectTimeout
        }
        if let v = m["username"] { s.username = v.attempt { try v.string() } }
        if let v = m["password_file"] {
            s.password = v.attempt {
                let path = try files.readable(v)
                guard let data = FileManager.default.contents(atPath: files.lookup(path)),
                    let text = String(data: data, encoding: .utf8)
                else {
                    throw v.error("cannot read the password file \(path)")
                }
                return text.trimmingCharacters(in: .newlines)
            }
        } else if let password = environment["PRO380_MQTT_PASSWORD"] {
            s.password = password
        }
        if let v = m["tls"] { s.tls = decodeTLS(v, files: files) }
        return s
    }

    private static func decodeTLS(_ node: ConfigNode, files: ConfigFiles) -> MQTTClientConfiguration.TLSConfiguration? {
        guard let t = node.attempt({ try node.mapping(allowed: ["ca_file", "cert_file", "key_file", "insecure"]) })
        else { return nil }
        let ca = t["ca_file"].flatMap { v in v.attempt { try files.readable(v) } }
        if t["ca_file"] == nil { node.problems.record(node.error("tls needs ca_file (the broker's CA certificate)")) }
        let cert = t["cert_file"].flatMap { v in v.attempt { try files.readable(v) } }
        let key = t["key_file"].flatMap { v in v.attempt { try files.readable(v) } }
        if (t["cert_file"] == nil) != (t["key_file"] == nil) {
            node.problems.record(node.error("cert_file and key_file go together (a client certificate and its key)"))
        }
        let insecure = t["insecure"].flatMap { v in v.attempt { try v.bool() } } ?? false
        return ca.map {
            MQTTClientConfiguration.TLSConfiguration(
                caFile: $0,
                certFile: cert,
                keyFile: key,
                insecureSkipHostnameCheck: insecure
            )
        }
    }
}

extension BridgeConfiguration {
    /// A YAML error other than a duplicate key, as a config error with its line and the excerpt Yams gives.
    static func syntaxError(_ error: YamlError, file: String) -> ConfigurationError {
        let text = YAMLErrorText(error)
        return ConfigurationError(
            file: file,
            line: text.line,
            key: "",
            message: "not valid YAML: \(text.problem)",
            excerpt: text.excerpt
        )
    }
}
