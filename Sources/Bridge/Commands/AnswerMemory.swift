import Foundation

/// The answers to command ids of the last ten minutes, so a redelivered command is answered, not executed twice.
actor AnswerMemory {
    enum Claim {
        case new, running
        case answered(CommandAnswer)
        /// The id was used for another command (another value): neither executed nor answered as a success.
        case conflict
    }

    private var answered: [String: (answer: CommandAnswer, command: String, at: Date)] = [:]
    private var running: [String: [@Sendable (CommandAnswer) async -> Void]] = [:]
    private var runningCommands: [String: String] = [:]
    private let lifetime: TimeInterval = 600

    /// Marks `key` (meter, key and id) as running unless it is known; `command` describes what it asks (the
    /// value), so a reused id with another value is told apart from a redelivery.
    func claim(_ key: String, command: String) -> Claim {
        let now = Date()
        answered = answered.filter { now.timeIntervalSince($0.value.at) < lifetime }
        if let previous = answered[key] { return previous.command == command ? .answered(previous.answer) : .conflict }
        if let current = runningCommands[key] { return current == command ? .running : .conflict }
        running[key] = []
        runningCommands[key] = command
        return .new
    }

    /// Registers a duplicate that arrived while the first was running: answered when it finishes.
    func whenDone(_ key: String, _ reply: @escaping @Sendable (CommandAnswer) async -> Void) {
        running[key, default: []].append(reply)
    }

    /// Stores the answer; returns the duplicates waiting for it.
    func finish(_ key: String, _ answer: CommandAnswer) -> [@Sendable (CommandAnswer) async -> Void] {
        answered[key] = (answer, runningCommands.removeValue(forKey: key) ?? "", Date())
        return running.removeValue(forKey: key) ?? []
    }
}
