import Foundation
import Logging
import MQTT
import PRO380

extension CommandService {
    /// Where a command message goes.
    struct Route: Sendable {
        enum Action: Sendable { case set, get }
        var bus: BusSession
        var meter: BusMeter
        var key: String?
        var action: Action
    }

    func route(_ message: MQTTMessage) -> Route? {
        let prefix = topics.base + "/"
        guard message.topic.hasPrefix(prefix) else { return nil }
        let levels = message.topic.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(
            String.init
        )
        let meterName: String
        let key: String?
        let action: Route.Action
        switch levels.count {
        case 2 where levels[1] == "get": (meterName, key, action) = (levels[0], nil, .get)
        case 3 where levels[2] == "set": (meterName, key, action) = (levels[0], levels[1], .set)
        case 3 where levels[2] == "get": (meterName, key, action) = (levels[0], levels[1], .get)
        default: return nil
        }
        for bus in buses {
            if let meter = bus.meters.first(where: { $0.configuration.name == meterName }) {
                return Route(bus: bus, meter: meter, key: key, action: action)
            }
        }
        return nil
    }

    /// Validates a message; answers refusals and duplicates at once; returns the bus job for an accepted one.
    func accept(_ message: MQTTMessage, route: Route) async -> (@Sendable () async -> Void)? {
        let meterName = route.meter.configuration.name
        // A response topic no answer can be published to (a wildcard, say) gets the answer on the usual topic.
        let answerTopic = message.responseTopic.flatMap { MQTTTopicName.isValid($0) ? $0 : nil } ?? resultTopic(route)
        let correlation = message.correlationData
        let reply: @Sendable (CommandAnswer) async -> Void = { answer in
            await self.publish(answer, to: answerTopic, correlation: correlation)
        }
        switch route.action {
        case .get:
            return await acceptGet(message, route: route, reply: reply)
        case .set:
            let key = route.key!
            // An empty retained message clears a retained command from the broker: nothing to answer.
            if message.retain && message.payload.isEmpty { return nil }
            let request = CommandRequest(meter: meterName, key: key, payload: message.payload, retained: message.retain)
            let validated: ValidatedCommand
            do {
                validated = try validator.validate(
                    request,
                    allowedKeys: route.meter.configuration.allowCommands,
                    meterProtocol: route.bus.meterProtocol,
                    meterName: meterName
                )
            } catch {
                logger.notice(
                    "command refused: \(error.message)",
                    metadata: ["meter": "\(meterName)", "key": "\(key)"]
                )
                await reply(.failure(key: key, id: error.id, error: error.message))
                return nil
            }
            if let clash = addressClash(validated.command, route: route) {
                await reply(.failure(key: key, id: validated.id, error: clash))
                return nil
            }
            let memoryKey = validated.id.map { "\(meterName)/\(key)/\($0)" }
            if let memoryKey {
                let fingerprint = "\(validated.command.value)"
                switch await answers.claim(memoryKey, command: fingerprint) {
                case .conflict:
                    let error =
                        "id \(validated.id!) was already used for another \(key) command in the last minutes: "
                        + "not executed; use a new id for a new command"
                    await reply(.failure(key: key, id: validated.id, error: error))
                    return nil
                case .answered(let previous):
                    logger.info("command id \(validated.id!) already executed: answering again, not executing")
                    await reply(previous)
                    return nil
                case .running:
                    await answers.whenDone(memoryKey, reply)
                    return nil
                case .new:
                    break
                }
            }
            return {
                let answer = await execute(validated, on: route.meter, meterName: meterName)
                await reply(answer)
                if let memoryKey { for waiter in await answers.finish(memoryKey, answer) { await waiter(answer) } }
            }
        }
    }

    /// Refuses moving a meter onto an address another configured meter on the same bus uses: two meters answering
    /// one address garble each other's replies, and a later write to that address would change both.
    private func addressClash(_ command: MeterCommand, route: Route) -> String? {
        guard command.key == "modbus_id" || command.key == "mbus_primary_address",
            case .integer(let address) = command.value
        else { return nil }
        let others = route.bus.meters.filter { $0.configuration.name != route.meter.configuration.name }
        guard let other = others.first(where: { $0.configuration.address == address }) else { return nil }
        return "address \(address) is meter \(other.configuration.name)'s on bus \(route.bus.name): "
            + "two meters at one address would answer together; choose a free address"
    }

    private func execute(_ validated: ValidatedCommand, on meter: BusMeter, meterName: String) async -> CommandAnswer {
        let command = validated.command
        do {
            let confirmation = try await meter.driver.write(command)
            await publisher.publish(meter: meterName, readings: confirmation.readings)
            logger.notice(
                "wrote \(command.key) = \(command.value): \(confirmation.detail)",
                metadata: ["meter": "\(meterName)"]
            )
            let value = confirmation.readings.first(where: { $0.key == command.key })?.value ?? command.value.published
            return .success(key: command.key, value: value, id: validated.id, confirmation: confirmation)
        } catch {
            logger.warning(
                "writing \(command.key) = \(command.value) failed: \(error)",
                metadata: ["meter": "\(meterName)"]
            )
            return .failure(key: command.key, id: validated.id, error: "\(error)")
        }
    }

    private func acceptGet(
        _ message: MQTTMessage,
        route: Route,
        reply: @escaping @Sendable (CommandAnswer) async -> Void
    ) async -> (@Sendable () async -> Void)? {
        let meterName = route.meter.configuration.name
        let label = route.key ?? "all"
        if let key = route.key, RegisterTable.pro380[key] == nil, !key.hasPrefix("obis_"), !key.hasPrefix("mbus_") {
            await reply(.failure(key: key, id: nil, error: "unknown key \(key)"))
            return nil
        }
        let driver = route.meter.driver
        return {
            let outcome: PollOutcome
            if let key = route.key {
                outcome = await driver.read(keys: [key])
            } else {
                outcome = await driver.read(keys: RegisterTable.pro380.definitions.map(\.key))
            }
            await publisher.publish(meter: meterName, readings: outcome.readings)
            if outcome.readings.isEmpty {
                let reason = outcome.failures.map(\.description).joined(separator: "; ")
                await reply(.failure(key: label, id: nil, error: reason.isEmpty ? "nothing read" : reason))
            } else {
                let value = route.key == nil ? MeterValue.integer(outcome.readings.count) : outcome.readings[0].value
                let confirmation = CommandConfirmation(
                    readings: outcome.readings,
                    detail: "read \(outcome.readings.count) value(s) now"
                )
                await reply(.success(key: label, value: value, id: nil, confirmation: confirmation))
            }
        }
    }

    private func resultTopic(_ route: Route) -> String {
        let name = route.meter.configuration.name
        switch (route.action, route.key) {
        case (.set, let key?): return topics.commandResult(meter: name, key: key)
        case (.get, let key?): return topics.get(meter: name, key: key) + "/result"
        case (_, nil): return topics.get(meter: name, key: nil) + "/result"
        }
    }

    private func publish(_ answer: CommandAnswer, to topic: String, correlation: [UInt8]?) async {
        let draft = MQTTMessageDraft(topic: topic, payload: answer.json, qos: .atLeastOnce, retain: false)
        do {
            try await client.publish(
                draft,
                properties: PublishProperties(responseTopic: nil, correlationData: correlation)
            )
        } catch {
            logger.warning("could not publish the command answer to \(topic): \(error)")
        }
    }
}
