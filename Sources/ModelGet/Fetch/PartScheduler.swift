import Foundation
import Synchronization

/// Hands the parts of one big blob to its connections, each part a
/// `PartClaim` fetched by one worker at a time.
///
/// - **Work stealing**: a worker with no part left splits the largest
///   claim still running and takes its upper half.
/// - **Hedged tail**: when no claim is worth splitting, a worker requests
///   again the rest of a claim whose connection lags (under half the best
///   pace seen, and too slow to finish within `patience`) on a fresh
///   connection; whichever copy gets there first fills the claim and the
///   other request is cancelled. So a slow connection at 99 % does not
///   hold the blob, and what is fetched twice is what the slow copy
///   fetched meanwhile.
/// - **Adaptive count** (`PartPlan.adaptive`): the blob starts with the
///   workers `PartPlan.start` gives for what the probe showed (at memory
///   speed: a few, and no growth); after each `adaptInterval` in which
///   every part delivered, the count doubles while the blob's rate rose by
///   at least a quarter of what the added connections promise, up to
///   `maximumParts`. A smaller rise keeps the count; none (under a tenth of
///   the promise) drops it back. Then it stays; a 429 or 503 halves it.
final class PartScheduler: Sendable {
    private struct State {
        var pending: ArraySlice<Range<Int64>>
        var active: [PartClaim] = []
        var target: Int
        var settled: Bool
        /// The best pace (bytes per second) a finished or running claim reached.
        var bestPace: Double = 0
    }

    private let plan: PartPlan
    /// Connections shared with the parts of every other big blob of the
    /// operation (`--max-connections-per-host`); nil: this blob's bound only.
    private let pool: TransferSlots?
    private let state: Mutex<State>
    /// Bytes fetched for the blob so far (the adaptive count's yardstick).
    private let fetched: @Sendable () -> Int64

    /// How long a claim runs before its pace is judged, and how long a
    /// crawling claim may still need before another worker takes it over.
    static let patience: Duration = .seconds(2)

    /// Connections the blob starts with.
    private let startingParts: Int

    /// Starts with `start.parts` connections, growing when `start.grows` (`PartPlan.start`).
    init(parts: [Range<Int64>], plan: PartPlan, start: (parts: Int, grows: Bool), pool: TransferSlots?,
         fetched: @escaping @Sendable () -> Int64) {
        self.plan = plan
        self.pool = pool
        self.fetched = fetched
        self.startingParts = start.parts
        state = Mutex(State(pending: parts[...], target: start.parts, settled: !start.grows))
    }

    /// Runs workers until every part is fetched; the first error ends the
    /// others. The blob is done the moment its last part is: the first
    /// worker (or the adaptive loop) that finds nothing left ends the idle
    /// workers and the loop at once, not at their next tick.
    func run(_ fetch: @escaping @Sendable (PartClaim) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<plan.connectionBound {
                group.addTask { try await self.work(index, fetch) }
            }
            if plan.adaptive {
                group.addTask { try await self.adapt() }
            }
            // A child returns (rather than throws) only once no part is left to fetch.
            _ = try await group.next()
            group.cancelAll()
            // What is left is idle or asleep: its cancellation is no error.
            while !group.isEmpty { _ = try? await group.next() }
        }
    }

    /// A 429 or 503: fewer connections from now on.
    func overloaded() {
        state.withLock { state in
            state.target = max(1, state.target / 2)
            state.settled = true
        }
    }

    private enum Step {
        case fetch(PartClaim)
        case wait
        case finished
    }

    private func work(_ index: Int, _ fetch: @escaping @Sendable (PartClaim) async throws -> Void) async throws {
        while true {
            switch next(index) {
            case .finished:
                return
            case .wait:
                try await Task.sleep(nanoseconds: 50_000_000)
            case let .fetch(claim):
                if let pool {
                    try await pool.withSlot { try await run(claim, fetch) }
                } else {
                    try await run(claim, fetch)
                }
            }
        }
    }

    /// Fetches `claim` in a task of its own, which the other request of a
    /// hedged claim cancels once it filled the claim (and this one cancels
    /// the other when it does).
    private func run(_ claim: PartClaim, _ fetch: @escaping @Sendable (PartClaim) async throws -> Void) async throws {
        let task = Task { try await fetch(claim) }
        let runner = claim.addRunner { task.cancel() }
        defer { finish(claim, runner: runner) }
        try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        if claim.isDone { claim.cancelRunners(except: runner) }
    }

    private func next(_ index: Int) -> Step {
        state.withLock { state in
            if state.pending.isEmpty && state.active.isEmpty { return .finished }
            guard index < state.target else { return .wait }
            if let range = state.pending.popFirst() {
                let claim = PartClaim(range)
                state.active.append(claim)
                return .fetch(claim)
            }
            let byRemaining = state.active.sorted { $0.remaining.count > $1.remaining.count }
            if let largest = byRemaining.first, let half = largest.split(minimum: plan.minimumSplit) {
                let claim = PartClaim(half)
                state.active.append(claim)
                return .fetch(claim)
            }
            for claim in byRemaining {
                let pace = claim.pace
                state.bestPace = max(state.bestPace, pace.bytesPerSecond)
                let left = Double(claim.remaining.count)
                guard pace.age >= Self.patience, pace.bytesPerSecond * 2 < state.bestPace,
                      left > pace.bytesPerSecond * Self.patience.seconds, claim.hedge() else { continue }
                // The same claim, a second request: whichever copy is faster fills it.
                return .fetch(claim)
            }
            return .wait
        }
    }

    /// A request of `claim` ended; the claim leaves the running ones with its last request.
    private func finish(_ claim: PartClaim, runner: Int) {
        let running = claim.removeRunner(runner)
        state.withLock { state in
            state.bestPace = max(state.bestPace, claim.pace.bytesPerSecond)
            if running == 0 { state.active.removeAll { $0 === claim } }
        }
    }

    /// Doubles the count while the rate keeps rising, then settles. Each
    /// window starts once every running part delivers bytes (new
    /// connections have finished their handshakes, however long the path),
    /// or after `settleLimit` at most.
    private func adapt() async throws {
        let interval = UInt64(plan.adaptInterval * 1e9)
        var last = (bytes: fetched(), time: ContinuousClock.now)
        var changed = ContinuousClock.now
        var baseline: Double?
        var previousTarget = startingParts
        while true {
            try await Task.sleep(nanoseconds: interval)
            let now = (bytes: fetched(), time: ContinuousClock.now)
            let rate = Double(now.bytes - last.bytes) / max((now.time - last.time).seconds, 0.001)
            let done = state.withLock { state -> Bool in
                if state.pending.isEmpty && state.active.isEmpty { return true }
                if state.settled { return false }
                let ramping = state.active.contains { !$0.isDelivering } && now.time - changed < Self.settleLimit
                if ramping || now.time - last.time < .nanoseconds(Int64(interval) / 2) {
                    last = now
                    return false
                }
                last = now
                if let baseline {
                    // What the added connections promise: as much again each.
                    let promise = Double(state.target - previousTarget) / Double(previousTarget)
                    let rise = rate / max(baseline, 1) - 1
                    if rise < Self.keepRise * promise {
                        // Not worth them: back to the count before.
                        state.target = previousTarget
                        state.settled = true
                        return false
                    }
                    if rise < Self.growRise * promise {
                        // They helped some: keep them, add no more.
                        state.settled = true
                        return false
                    }
                }
                let left = state.pending.reduce(0) { $0 + $1.count } + state.active.reduce(0) { $0 + $1.remaining.count }
                guard state.target < plan.maximumParts, Int64(left) > Int64(state.target) * 2 * plan.minimumSplit else {
                    state.settled = true
                    return false
                }
                baseline = rate
                previousTarget = state.target
                state.target = min(plan.maximumParts, state.target * 2)
                changed = now.time
                return false
            }
            if done { return }
        }
    }

    /// Of the rise the added connections promise, the share that keeps
    /// them, and the share that makes the count double again.
    static let keepRise = 0.1
    static let growRise = 0.25

    /// The longest a window waits for new connections to deliver.
    static let settleLimit: Duration = .seconds(2)
}
