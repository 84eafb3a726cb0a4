import Foundation
import MQTT
import TestSupport
import Testing

/// QoS 1 publications count as due from the hand-over until their PUBACK, against a real mosquitto; a wake-up asked
/// for at a level comes once enough PUBACKs are in, not before; a batch's own count is read without ending its
/// record. What the publisher uses to hold a poll back until earlier unstored ones are acknowledged.
@Suite("MQTT QoS 1 acknowledgements due against a real mosquitto", .serialized)
struct MQTTAcknowledgementGaugeTests {
    static let drafts = (0..<10).map { MQTTMessageDraft(topic: "ack/\($0)", payload: "1", qos: .atLeastOnce) }

    @Test("A paused broker keeps the acknowledgements due; the wake-up comes once they are in")
    func wakeUpComesWithTheAcknowledgements() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, "ack-gauge")) { client in
                #expect(client.acknowledgementsDue == 0)
                broker.pause()
                let batch = client.publish(batch: Self.drafts)
                #expect(batch.awaitsAcknowledgements)
                #expect(client.acknowledgementsDue == Self.drafts.count)
                #expect(client.acknowledgementsStillDue(of: batch) == Self.drafts.count)
                let woken = LockedBox(0)
                client.wakeWhenAcknowledgementsDue(atMost: 0) { woken.mutate { $0 += 1 } }
                try await Task.sleep(for: .milliseconds(300))
                #expect(woken.value == 0, "no wake-up while the broker acknowledges nothing")
                // Asking again reads the record, it does not end it.
                #expect(client.acknowledgementsStillDue(of: batch) == Self.drafts.count)
                broker.resume()
                #expect(await eventually(timeout: .seconds(10)) { woken.value == 1 })
                #expect(client.acknowledgementsDue == 0)
                #expect(client.acknowledgementsStillDue(of: batch) == 0)
                #expect(client.outcomesSoFar(of: batch) == Array(repeating: .delivered, count: Self.drafts.count))
            }
        }
    }

    @Test("A wake-up at a level already reached comes at once, and only once")
    func wakeUpAtOnceWhenAlreadyThere() async throws {
        try await withBroker { broker in
            try await withClient(configuration(port: broker.port, "ack-once")) { client in
                broker.pause()
                let batch = client.publish(batch: Self.drafts)
                let woken = LockedBox(0)
                client.wakeWhenAcknowledgementsDue(atMost: Self.drafts.count) { woken.mutate { $0 += 1 } }
                #expect(woken.value == 1)
                broker.resume()
                let outcomes = await client.acknowledgements(of: batch)
                #expect(outcomes == Array(repeating: .delivered, count: Self.drafts.count))
                #expect(woken.value == 1, "one wake-up per request")
            }
        }
    }
}
