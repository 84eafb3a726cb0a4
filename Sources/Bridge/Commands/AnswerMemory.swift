import Foundation

/// The answers to command ids of the last ten minutes, so a redelivered command is answered, not executed twice.
actor AnswerMemory {
    enum Claim {
        case new, running
        case answered(CommandAnswer)
    }

    private var answered: [String: (answer: CommandAnswer, at: Date)] = [:]
    private var running: [String: [@Sendable (CommandAnswer) async -> Void]] = [:]
    private let lifetime: TimeInterval = 600

    /// Marks `key` as running unless it is known; says what to do.
    func claim(_ key: String) -> Claim {
        let now = Date()
        answered = answered.filter { now.timeIntervalSince($0.value.at) < lifetime }
        if let previous = answered[key] { return .answered(previous.answer) }
        if running[key] != nil { return .running }
        running[key] = []
        return .new
    }

    /// Registers a duplicate that arrived while the first was running: answered when it finishes.
    func whenDone(_ key: String, _ reply: @escaping @Sendable (CommandAnswer) async -> Void) {
        running[key, default: []].append(reply)
    }

    /// Stores the answer; returns the duplicates waiting for it.
    func finish(_ key: String, _ answer: CommandAnswer) -> [@Sendable (CommandAnswer) async -> Void] {
        answered[key] = (answer, Date())
        return running.removeValue(forKey: key) ?? []
    }
}
