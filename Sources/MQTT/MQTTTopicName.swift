/// The rules for a topic name a client may publish to (MQTT 5.0 §4.7.3, §3.3.2.1; also what a Response Topic must
/// be, §3.3.2.3.5): at least one character, no wildcard (`+`, `#`), no U+0000, at most 65,535 bytes of UTF-8.
package enum MQTTTopicName {
    /// Whether `topic` may be the topic of a PUBLISH.
    package static func isValid(_ topic: String) -> Bool {
        let bytes = topic.utf8
        return !bytes.isEmpty && bytes.count <= 65_535
            && !bytes.contains { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") || $0 == 0 }
    }
}
