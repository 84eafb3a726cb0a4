import IEC62056
import SerialIO
import Testing

/// The session logic without I/O: each event gives the action the client must carry out.
@Suite struct ReadoutStateMachineTests {
    static let signOn = LineSettings(baudRate: 300, dataBits: 7, parity: .even)
    static let request = Array("/?!\r\n".utf8)
    static let lgz = IdentificationMessage(
        manufacturer: "LGZ",
        baudCharacter: 0x34,
        enhancedCapabilities: ["2"],
        identification: "ZMD120APt.G03"
    )
    static let isk = IdentificationMessage(manufacturer: "ISk", baudCharacter: 0x35, identification: "MT174-0001")

    @Test func switchesThenRetriesOnceAtTheSignOnSpeed() {
        var machine = ReadoutStateMachine(deviceAddress: nil, policy: .switchToOffered, configuration: .init())
        #expect(machine.start() == .signOn(settings: Self.signOn, request: Self.request, afterQuiet: false))
        var at4800 = Self.signOn
        at4800.baudRate = 4800
        #expect(
            machine.received(Self.lgz)
                == .acknowledge(
                    reactionTime: .milliseconds(200),
                    message: [6, 0x30, 0x34, 0x30, 13, 10],
                    switchTo: at4800
                )
        )
        #expect(machine.dataStartTimedOut() == .signOn(settings: Self.signOn, request: Self.request, afterQuiet: true))
        #expect(
            machine.received(Self.lgz)
                == .acknowledge(
                    reactionTime: .milliseconds(200),
                    message: [6, 0x30, 0x30, 0x30, 13, 10],
                    switchTo: nil
                )
        )
        #expect(machine.dataStartTimedOut() == .fail(.timeout(.dataMessageStart)))
    }

    @Test func deliversWithThePolicyThatWorked() {
        var machine = ReadoutStateMachine(deviceAddress: "1", policy: .stayAtSignOnSpeed, configuration: .init())
        #expect(machine.start() == .signOn(settings: Self.signOn, request: Array("/?1!\r\n".utf8), afterQuiet: false))
        #expect(
            machine.received(Self.isk)
                == .acknowledge(reactionTime: .milliseconds(20), message: [6, 0x30, 0x30, 0x30, 13, 10], switchTo: nil)
        )
        let data = DataMessage(dataSets: [DataSet(address: "1.8.0", value: "1")])
        #expect(
            machine.received(data)
                == .deliver(Readout(identification: Self.isk, dataSets: data.dataSets), policy: .stayAtSignOnSpeed)
        )
    }

    @Test func doesNotRetryWithoutASwitchOrWhenDisabled() {
        var fixed = ReadoutStateMachine(
            deviceAddress: nil,
            policy: .switchToOffered,
            configuration: .init(speedMode: .fixed)
        )
        _ = fixed.start()
        _ = fixed.received(Self.lgz)
        #expect(fixed.dataStartTimedOut() == .fail(.timeout(.dataMessageStart)))
        var noRetry = ReadoutStateMachine(
            deviceAddress: nil,
            policy: .switchToOffered,
            configuration: .init(retryAtSignOnSpeed: false)
        )
        _ = noRetry.start()
        _ = noRetry.received(Self.lgz)
        #expect(noRetry.dataStartTimedOut() == .fail(.timeout(.dataMessageStart)))
    }
}
