import IEC62056
import SerialIO
import TestSupport
import Testing

/// The client over a real socketpair with a scripted meter on the other end, run side by side in a task group.
@Suite struct IEC62056ClientTests {
    static let signOn = LineSettings(baudRate: 300, dataBits: 7, parity: .even)
    static let at9600 = LineSettings(baudRate: 9600, dataBits: 7, parity: .even)
    static let identification = IdentificationMessage(
        manufacturer: "INM",
        baudCharacter: 0x35,
        identification: "PRO380"
    )
    static let readout = Readout(identification: identification, dataSets: Telegrams.fullFormSets)
    /// Waits short enough that a test that must time out does so in seconds, long enough that a loaded 2-core
    /// machine running the whole suite never turns a late answer into a timeout; behaviour, not timing, is asserted.
    static let quick = IEC62056ClientConfiguration(
        identificationTimeout: .seconds(2),
        dataStartTimeout: .milliseconds(1500),
        interCharacterTimeout: .seconds(1)
    )

    /// Runs `meter` on the peer end and `body` with a client on the other end; returns both results.
    func withMeter<T: Sendable>(
        _ meter: ScriptedMeter,
        configuration: IEC62056ClientConfiguration = quick,
        _ body: @Sendable @escaping (IEC62056Client) async throws -> T
    ) async throws -> (result: Result<T, any Error>, heard: [HHUMessage], client: SocketPairTransport) {
        let (clientEnd, peerEnd) = SocketPairTransport.makePair(line: Self.signOn)
        let client = IEC62056Client(transport: clientEnd, configuration: configuration)
        async let heard = meter.run(on: peerEnd)
        let result: Result<T, any Error>
        do { result = .success(try await body(client)) } catch { result = .failure(error) }
        await clientEnd.close()
        let messages = try await heard
        await peerEnd.close()
        return (result, messages, clientEnd)
    }

    @Test func readsInModeCWithTheSpeedSwitch() async throws {
        let meter = ScriptedMeter(identification: Self.identification, dataMessage: Telegrams.fullForm)
        let run = try await withMeter(meter) { try await $0.readout() }
        #expect(try run.result.get() == Self.readout)
        #expect(run.heard == [.request(RequestMessage()), .optionSelect(OptionSelectMessage(baudCharacter: 0x35))])
        #expect(run.client.reconfigurations == [Self.signOn, Self.at9600])
    }

    @Test func sendsTheDeviceAddressAndReadsAMeterSending7E1OnAn8N1Line() async throws {
        var meter = ScriptedMeter(identification: Self.identification, dataMessage: Telegrams.fullForm)
        meter.sendsParityBits = true
        let run = try await withMeter(meter) { try await $0.readout(deviceAddress: "13070042") }
        #expect(try run.result.get() == Self.readout)
        #expect(run.heard.first == .request(RequestMessage(deviceAddress: "13070042")))
    }

    @Test func staysAtTheSignOnSpeedInFixedMode() async throws {
        let meter = ScriptedMeter(identification: Self.identification, dataMessage: Telegrams.fullForm)
        var configuration = Self.quick
        configuration.speedMode = .fixed
        let run = try await withMeter(meter, configuration: configuration) { try await $0.readout() }
        #expect(try run.result.get() == Self.readout)
        #expect(run.heard.last == .optionSelect(OptionSelectMessage(baudCharacter: 0x30)))
        #expect(run.client.reconfigurations == [Self.signOn])
    }

    @Test func retriesAtTheSignOnSpeedWhenTheMeterDoesNotSwitchAndRemembersIt() async throws {
        var meter = ScriptedMeter(identification: Self.identification, dataMessage: Telegrams.fullForm)
        meter.ignoresSpeedSwitch = true
        let run = try await withMeter(meter) { client in
            let first = try await client.readout()
            let learned = client.speedPolicy(forDevice: nil)
            let second = try await client.readout()
            return [first == Self.readout, learned == .stayAtSignOnSpeed, second == Self.readout]
        }
        #expect(try run.result.get() == [true, true, true])
        let selects = run.heard.compactMap { if case .optionSelect(let s) = $0 { s.baudCharacter } else { nil } }
        #expect(selects == [0x35, 0x30, 0x30])
        #expect(run.client.reconfigurations == [Self.signOn, Self.at9600, Self.signOn, Self.signOn])
    }

    @Test func restoresAPersistedSpeedPolicy() async throws {
        let meter = ScriptedMeter(identification: Self.identification, dataMessage: Telegrams.fullForm)
        let run = try await withMeter(meter) { client in
            client.rememberSpeedPolicy(.stayAtSignOnSpeed, forDevice: nil)
            return try await client.readout()
        }
        #expect(try run.result.get() == Self.readout)
        #expect(run.heard.last == .optionSelect(OptionSelectMessage(baudCharacter: 0x30)))
    }

    @Test func rejectsAWrongBCCAndReturnsNothing() async throws {
        var corrupted = Telegrams.fullForm
        corrupted[corrupted.count - 1] ^= 0x20
        let meter = ScriptedMeter(identification: Self.identification, dataMessage: corrupted)
        let run = try await withMeter(meter) { try await $0.readout() }
        #expect(throws: IEC62056Error.bccMismatch(computed: 0x48, received: 0x68)) { try run.result.get() }
    }

    @Test func namesTheIdentificationPhaseWhenNoMeterAnswers() async throws {
        let (clientEnd, peerEnd) = SocketPairTransport.makePair(line: Self.signOn)
        let client = IEC62056Client(transport: clientEnd, configuration: Self.quick)
        await #expect(throws: IEC62056Error.timeout(.identification)) { try await client.readout() }
        await clientEnd.close()
        await peerEnd.close()
    }

    @Test func refusesAModeBBaudCharacterWhenSwitching() async throws {
        var meter = ScriptedMeter(identification: Self.identification, dataMessage: Telegrams.fullForm)
        meter.identification.baudCharacter = 0x45
        let run = try await withMeter(meter) { try await $0.readout() }
        #expect(throws: IEC62056Error.unsupportedBaudCharacter("E")) { try run.result.get() }
    }
}
