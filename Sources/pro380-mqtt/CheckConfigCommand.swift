import ArgumentParser
import Bridge
import MQTT

/// `pro380-mqtt check-config FILE`: decodes and checks a config file without touching a bus or a broker.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a config file: errors name the file, line and key.",
        discussion: "With --sample, print a complete annotated config instead."
    )

    @Argument(help: "The YAML config file.")
    var file: String?

    @Flag(help: "Print a sample config with every key and its default.")
    var sample = false

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
            let config = try BridgeConfiguration.load(path: file!)
            let meters = config.meters
            print(
                "\(file!): ok: \(config.buses.count) bus(es), \(meters.count) meter(s), broker \(config.mqtt.host):\(config.mqtt.port)"
            )
            for (bus, meter) in meters {
                print(
                    "  \(bus.name) (\(bus.link.configKey) \(bus.link.endpoint)): \(meter.name) at address \(meter.address.map(String.init) ?? meter.secondaryAddress ?? meter.deviceAddress ?? "(any)")"
                )
            }
        } catch let error as ConfigurationError {
            print(error.description)
            throw ExitCode(2)
        }
    }
}
