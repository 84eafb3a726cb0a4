import ArgumentParser
import Bridge
import MQTT

/// `pro380-mqtt check-config FILE`: decodes and checks a config file without touching a bus or a broker.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a config file: every problem with its file, line and key.",
        discussion: """
            Reports every problem of the file at once (up to 20). The files it names (tls.ca_file, cert_file, \
            key_file, password_file) must exist and be readable; a serial device that does not exist is a warning \
            (a USB adapter may be plugged in later). With --root DIR, those paths are looked up under DIR, as in a \
            tree staged for installation. The outbox line says where readings wait for the broker: without \
            outbox.path, in the state folder of whoever runs the check, and where the installed service keeps \
            them when that is another file (its state folder is $STATE_DIRECTORY, /var/lib/pro380-mqtt). With \
            --sample, print a complete annotated config instead.
            """
    )

    @Argument(help: "The YAML config file.")
    var file: String?

    @Flag(help: "Print a sample config with every key and its default.")
    var sample = false

    @Option(help: ArgumentHelp("Look up the files the config names under this folder.", valueName: "dir"))
    var root: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if file == nil && !sample { throw ValidationError("give a config file, or --sample") }
    }

    func run() throws {
        if sample {
            print(SampleConfiguration.yaml)
            return
        }
        do {
            let config = try BridgeConfiguration.load(path: file!, root: root)
            let meters = config.meters
            for warning in config.warnings { print("warning: \(warning)") }
            print(
                "\(file!): ok: \(config.buses.count) bus(es), \(meters.count) meter(s), broker \(config.mqtt.host):\(config.mqtt.port)"
            )
            for (bus, meter) in meters {
                print(
                    "  \(bus.name) (\(bus.link.configKey) \(bus.link.endpoint)): \(meter.name) at address \(meter.address.map(String.init) ?? meter.secondaryAddress ?? meter.deviceAddress ?? "(any)")"
                )
            }
            print("  outbox: \(config.outbox.summary)")
        } catch let errors as ConfigurationErrors {
            print(errors.description)
            throw ExitCode(2)
        }
    }
}
