/// Runs at most one `body` per key at a time: callers that ask while one
/// runs share its result (the pull-through cache's one fetch for many
/// clients).
actor SingleFlight<Value: Sendable> {
    private var running: [String: Task<Value, any Error>] = [:]

    func run(_ key: String, _ body: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let task = running[key] { return try await task.value }
        let task = Task { try await body() }
        running[key] = task
        defer { running[key] = nil }
        return try await task.value
    }
}
