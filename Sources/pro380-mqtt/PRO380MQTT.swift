import ArgumentParser

/// `pro380-mqtt`: polls Inepro PRO380 energy meters over Modbus and publishes every value to MQTT.
@main
struct PRO380MQTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pro380-mqtt",
        abstract: "Bridge Inepro PRO380 energy meters (Modbus RTU/TCP, M-Bus, IEC 62056-21 optical port) to MQTT.",
        discussion: """
            Start with `pro380-mqtt demo` to see the whole round trip against the built-in simulator. Then write a \
            config (`pro380-mqtt check-config --sample` prints an annotated one) and run \
            `pro380-mqtt run --config FILE`. On site: `scan`, `read` and `write` reach one bus directly.
            """,
        version: "pro380-mqtt \(Version.current)",
        subcommands: [
            DemoCommand.self, RunCommand.self, ReadCommand.self, WriteCommand.self, SimulateCommand.self,
            ScanCommand.self, CheckConfigCommand.self, BenchCommand.self,
        ]
    )
}
