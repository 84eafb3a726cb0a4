import Testing

@testable import MQTT

/// Which topic names a PUBLISH may carry (MQTT 5.0 §4.7.3): the command service answers on a response topic only
/// when it is one of them.
@Suite struct MQTTTopicNameTests {
    @Test(arguments: ["a", "client/answers/7", "/", "pro380/main/tariff/set/result", "zähler/ü"])
    func publishable(_ topic: String) {
        #expect(MQTTTopicName.isValid(topic))
    }

    @Test(arguments: ["", "bad/#/topic", "a/+/b", "#", "+", "nul\u{0}byte", String(repeating: "x", count: 65_536)])
    func refused(_ topic: String) {
        #expect(!MQTTTopicName.isValid(topic))
    }
}
