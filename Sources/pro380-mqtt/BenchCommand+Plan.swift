import ArgumentParser
import Bridge
import Foundation
import Logging
import PRO380
import SerialIO
import Simulator

/// `pro380-mqtt bench plan`: measures what a poll costs, planned reads against one request per register value, on
/// the simulator over a pseudo-terminal and over TCP, side by side in one run (CPU time by getrusage, wall time).
struct BenchPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Benchmark full polls: coalesced reads vs one request per value, on a pty and over TCP.",
        discussion: "Figures are per full poll of one simulated meter; ratios compare the two plans in the same run."
    )

    @Option(help: "Full polls per variant.")
    var polls: Int = 30

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard polls >= 1 else { throw ValidationError("--polls must be at least 1") }
    }

    func run() async throws {
        try await withBenchInterruption { try await benchmark() }
    }

    /// The benchmark itself; `run` stops it, its children and the process on SIGINT/SIGTERM.
    private func benchmark() async throws {
        let logger = global.bootstrapLogging()
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let pty = try SimulatorService(configuration: SimulatorConfiguration(endpoint: .pseudoTerminal), logger: quiet)
        let tcp = try SimulatorService(
            configuration: SimulatorConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 0)),
            logger: quiet
        )
        let servers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pty.run() }
                group.addTask { try await tcp.run() }
                try await group.waitForAll()
            }
        }
        defer { servers.cancel() }
        let links: [(String, BusLink)] = [
            (
                "pty 115200 8N1",
                .modbusRTU(device: pty.endpoint, settings: LineSettings(baudRate: 115_200, parity: .none))
            ),
            ("modbus_tcp", .modbusTCP(host: "127.0.0.1", port: tcp.port!)),
        ]
        Console.write("full polls of one simulated PRO380, \(polls) per variant\n")
        Console.write(
            "link            plan                requests/poll  wall ms/poll  cpu ms/poll   ratio wall  ratio cpu"
        )
        for (label, link) in links {
            let planned = try await measure(link: link, maxRegisters: 125, logger: quiet)
            let naive = try await measure(link: link, maxRegisters: 2, logger: quiet)
            for (name, figures) in [("coalesced (125)", planned), ("per value (2)", naive)] {
                let wallRatio = figures.wallMilliseconds / planned.wallMilliseconds
                let cpuRatio = figures.cpuMilliseconds / planned.cpuMilliseconds
                Console.write(
                    label.padding(toLength: 16, withPad: " ", startingAt: 0)
                        + name.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + String(
                            format: "%13.1f %13.2f %12.2f %12.2fx %9.2fx",
                            figures.requests,
                            figures.wallMilliseconds,
                            figures.cpuMilliseconds,
                            wallRatio,
                            cpuRatio
                        )
                )
            }
        }
        logger.debug("bench done")
    }

    struct Figures {
        var requests: Double
        var wallMilliseconds: Double
        var cpuMilliseconds: Double
    }

    private func measure(link: BusLink, maxRegisters: Int, logger: Logger) async throws -> Figures {
        let meter = MeterConfiguration(name: "bench", address: 1, maxRegisters: maxRegisters, allowCommands: [])
        let session = try BusSession(
            BusConfiguration(name: "bench", link: link, meters: [meter]),
            logger: logger
        )
        let driver = session.meters[0].driver
        for _ in 0..<3 { _ = await driver.poll(groups: Set(PollGroup.allCases)) }  // learn the PRO1-only refusals first
        let before = await driver.diagnostics().transactions
        let cpuStart = Self.cpuMilliseconds()
        let wallStart = ContinuousClock.now
        for _ in 0..<polls {
            let outcome = await driver.poll(groups: Set(PollGroup.allCases))
            guard outcome.meterAnswered else { throw DemoError("the simulator stopped answering on \(link.endpoint)") }
        }
        let wall = ContinuousClock.now - wallStart
        let cpu = Self.cpuMilliseconds() - cpuStart
        let requests = Double(await driver.diagnostics().transactions - before) / Double(polls)
        await session.close()
        let wallMilliseconds =
            (Double(wall.components.seconds) * 1000 + Double(wall.components.attoseconds) / 1e15) / Double(polls)
        return Figures(requests: requests, wallMilliseconds: wallMilliseconds, cpuMilliseconds: cpu / Double(polls))
    }

    /// User + system CPU time of this process (simulator and bridge both run in it).
    static func cpuMilliseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }
}
