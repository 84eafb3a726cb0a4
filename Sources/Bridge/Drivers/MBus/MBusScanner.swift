package import MBus
package import SerialIO

/// Finds the meters on an M-Bus bus for commissioning (`pro380-mqtt scan --mbus-serial /dev/ttyUSB0`).
///
/// Two passes over one transport: every primary address in `Options.primaryAddresses` (SND_NKE + REQ_UD2, one
/// attempt, a short timeout; a garbled answer means several meters share that address), then the secondary
/// address search (selection with the mask `FFFFFFFF`, narrowing one identification digit at a time where
/// meters collide; `MBusClient.searchSecondaryAddresses`). A meter found both ways is listed once.
package enum MBusScanner {
    /// A meter the scan found.
    package struct FoundMeter: Sendable, Equatable {
        /// The primary address it answered at alone, if the primary pass found it.
        package var primaryAddress: UInt8?
        /// Identification, manufacturer, version, medium, as its header carries them.
        package var secondaryAddress: SecondaryAddress
        /// The identification number (8 digits), the `serial_number` the bridge publishes.
        package var serialNumber: String { secondaryAddress.identification }
        /// The manufacturer letters (INM for a PRO380).
        package var manufacturer: String { secondaryAddress.manufacturer?.letters ?? "?" }
        /// The version byte (the PRO380's major software version).
        package var version: UInt8 { secondaryAddress.version ?? 0 }

        package init(primaryAddress: UInt8?, secondaryAddress: SecondaryAddress) {
            self.primaryAddress = primaryAddress
            self.secondaryAddress = secondaryAddress
        }
    }

    /// What to scan and how fast.
    package struct Options: Sendable {
        /// The primary addresses to try (0 ... 250; `nil` skips the pass).
        package var primaryAddresses: ClosedRange<UInt8>? = 0...250
        /// Whether to run the secondary-address search.
        package var searchSecondary = true
        /// The line (for serial timing); the transport must already run at it.
        package var line = LineSettings(baudRate: 2400)
        /// The wait for an answer at each address: short, an empty address costs this much.
        package var timeout: Duration = .milliseconds(200)
        /// The pause after a selection (TCP gateways).
        package var selectionPause: Duration = .zero

        package init() {}
    }

    /// The meters found and the primary addresses where several answered at once.
    package struct Result: Sendable, Equatable {
        package var meters: [FoundMeter] = []
        package var collidingPrimaryAddresses: [UInt8] = []

        package init(meters: [FoundMeter] = [], collidingPrimaryAddresses: [UInt8] = []) {
            self.meters = meters
            self.collidingPrimaryAddresses = collidingPrimaryAddresses
        }
    }

    /// How far a scan is, for a progress line.
    package enum Progress: Sendable {
        /// The primary pass asked `address`, the `done`-th of `total`; `found` when one meter answered there,
        /// `collision` when several did.
        case primary(address: UInt8, done: Int, total: Int, found: FoundMeter?, collision: Bool)
        /// The secondary-address search begins (its length depends on how many meters collide).
        case secondarySearch
        /// The secondary-address search found a meter the primary pass had not.
        case secondary(FoundMeter)
    }

    /// Scans the bus on `transport` (opened by the caller, which also closes it).
    /// - Parameter progress: called after each primary address, when the secondary search starts, and for each
    ///   meter it finds.
    /// - Throws: `MBusError.transport` when the transport fails; cancellation.
    package static func scan(
        _ transport: any Transport,
        options: Options = Options(),
        progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Result {
        let client = MBusClient(
            transport: transport,
            configuration: MBusClientConfiguration(
                line: options.line,
                replyTimeout: options.timeout,
                attempts: 1,
                selectionPause: options.selectionPause
            )
        )
        var result = Result()
        let addresses = options.primaryAddresses.map(Array.init) ?? []
        for (index, address) in addresses.enumerated() {
            try Task.checkCancellation()
            var found: FoundMeter?
            var collision = false
            do {
                let reading = try await client.readData(from: .primary(address))
                if case .long(let header) = reading.header {
                    found = FoundMeter(primaryAddress: address, secondaryAddress: header.address)
                    result.meters.append(found!)
                }
            } catch MBusError.transport(let error) {
                throw MBusError.transport(error)
            } catch MBusError.garbledReply {
                collision = true
                result.collidingPrimaryAddresses.append(address)
            } catch {
                // Nothing at this address.
            }
            progress(
                .primary(address: address, done: index + 1, total: addresses.count, found: found, collision: collision)
            )
        }
        guard options.searchSecondary else { return result }
        progress(.secondarySearch)
        for header in try await client.searchSecondaryAddresses() {
            if result.meters.contains(where: { $0.secondaryAddress.identification == header.address.identification }) {
                continue
            }
            let found = FoundMeter(primaryAddress: nil, secondaryAddress: header.address)
            result.meters.append(found)
            progress(.secondary(found))
        }
        return result
    }
}
