import Foundation
import MQTT
import TestSupport
import Testing

/// QoS 0 messages count as unwritten from the hand-over until libmosquitto's network thread has written them to the
/// socket (its on_publish for QoS 0), against a real mosquitto; a broker that stops reading keeps them counted; the
/// wake-up comes once they are written; a reconnect starts from zero (libmosquitto dropped the old packets).
@Suite("MQTT QoS 0 send queue against a real mosquitto", .serialized)
struct MQTTSendQueueTests {
    /// 200 messages of 64 KiB: 12.5 MiB, more than loopback's socket buffers hold while the broker reads nothing.
    static let bulk = (0..<200).map { index in
        MQTTMessageDraft(topic: "sq/\(index)", payload: [UInt8](repeating: 0x61, count: 64 * 1024), qos: .atMostOnce)
    }

    @Test("Small QoS 0 batches are all written: the count comes back to zero")
    func writtenMessagesLeaveTheCount() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, "sq-small")) { client in
                for round in 0..<10 {
                    let drafts = (0..<70).map { MQTTMessageDraft(topic: "sq/\(round)/\($0)", payload: "1") }
                    let batch = client.publish(batch: drafts)
                    #expect(batch.outcomes.allSatisfy { $0 == .delivered })
                }
                #expect(await eventually(timeout: .seconds(10)) { client.unwrittenMessages == 0 })
            }
        }
    }

    @Test("A broker that reads nothing keeps QoS 0 messages unwritten; the wake-up comes once they are written")
    func frozenBrokerKeepsThemCountedUntilWritten() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, "sq-frozen")) { client in
                broker.pause()
                let batch = client.publish(batch: Self.bulk)
                #expect(batch.outcomes.allSatisfy { $0 == .delivered })
                // The socket buffers fill, then the rest stays in libmosquitto's queue.
                try await Task.sleep(for: .milliseconds(500))
                let stuck = client.unwrittenMessages
                #expect(stuck > 0 && stuck <= Self.bulk.count, "\(stuck)")
                let woken = LockedBox(false)
                client.wakeWhenUnwritten(atMost: 0) { woken.mutate { $0 = true } }
                try await Task.sleep(for: .milliseconds(200))
                #expect(!woken.value, "no wake-up while the broker reads nothing")
                broker.resume()
                #expect(await eventually(timeout: .seconds(20)) { woken.value })
                #expect(client.unwrittenMessages == 0)
            }
        }
    }

    @Test("A wake-up asked for at a level already reached comes at once")
    func wakeUpAtOnceWhenAlreadyThere() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, "sq-once")) { client in
                let woken = LockedBox(0)
                client.wakeWhenUnwritten(atMost: 0) { woken.mutate { $0 += 1 } }
                #expect(woken.value == 1)
                _ = client.publish(batch: [MQTTMessageDraft(topic: "sq/once", payload: "1")])
                #expect(await eventually(timeout: .seconds(10)) { client.unwrittenMessages == 0 })
                #expect(woken.value == 1, "one wake-up per request")
            }
        }
    }

    @Test("Messages stuck when the connection died are not counted after the reconnect")
    func reconnectStartsFromZero() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, "sq-reconnect")) { client in
                broker.pause()
                _ = client.publish(batch: Self.bulk)
                try await Task.sleep(for: .milliseconds(500))
                #expect(client.unwrittenMessages > 0)
                let woken = LockedBox(false)
                client.wakeWhenUnwritten(atMost: 0) { woken.mutate { $0 = true } }
                broker.kill()
                try await broker.restart()
                #expect(await eventually(timeout: .seconds(20)) { client.state == .connected })
                #expect(await eventually(timeout: .seconds(5)) { woken.value })
                #expect(client.unwrittenMessages == 0)
            }
        }
    }
}
