import Foundation
import GRDB
import Logging
import Metrics
import ServiceLifecycle

/// Switches that only tests turn on, to put the bus into states that are otherwise a matter of
/// luck (a crash between commit and publish, a lost tail). Production code never sets them.
public struct BusTestHooks: Sendable {
    /// The relay publishes nothing at or above this sequence (replay still serves it).
    public var holdPublishingFrom: Int64?
    /// The subscriber drops these sequences when they arrive live (not when replayed).
    public var dropLive: ClosedRange<Int64>?

    /// No hooks.
    public init(holdPublishingFrom: Int64? = nil, dropLive: ClosedRange<Int64>? = nil) {
        self.holdPublishingFrom = holdPublishingFrom
        self.dropLive = dropLive
    }
}

/// The producer side of the bus as one service: relays the outbox to the PUB socket in sequence
/// order, publishes a heartbeat with the head sequence every second, serves replay requests on
/// the ROUTER socket, and prunes the outbox past its retention.
public struct BusPublisher: Service {
    /// Everything the publisher needs.
    public struct Settings: Sendable {
        /// This producer's name.
        public var producer: String
        /// Where to bind the PUB socket (replay binds at port + 1).
        public var endpoint: String
        /// How often to publish the heartbeat.
        public var heartbeatInterval: TimeInterval = 1
        /// How long outbox rows are kept.
        public var retention: TimeInterval = 30 * 24 * 3600
        /// Most messages read from the outbox at once.
        public var batchSize = 1000
        /// Test-only switches.
        public var testHooks = BusTestHooks()

        /// Creates settings with the defaults above.
        public init(producer: String, endpoint: String) {
            self.producer = producer
            self.endpoint = endpoint
        }
    }

    private let settings: Settings
    private let database: any DatabaseWriter
    private let transport: any BusTransport
    private let wakeup: Wakeup
    private let status: BusStatus
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// Creates the publisher. `wakeup` is the one the service's ``Outbox`` signals on commit.
    public init(
        settings: Settings,
        database: any DatabaseWriter,
        transport: any BusTransport,
        wakeup: Wakeup,
        status: BusStatus,
        logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.settings = settings
        self.database = database
        self.transport = transport
        self.wakeup = wakeup
        self.status = status
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        let settings = self.settings
        let database = self.database
        let transport = self.transport
        let wakeup = self.wakeup
        let status = self.status
        let logger = self.logger
        let now = self.now
        let thread = try await OwnerThread.start(name: "bus-publisher") { thread, ready in
            // A port just released by a previous instance (its sockets closing with a linger) can
            // still be busy for a moment: retry for a few seconds before giving up.
            var bound: (any PublisherEndpoint)?
            var lastError: (any Error)?
            let deadline = Date().addingTimeInterval(5)
            while bound == nil && Date() < deadline && !thread.shouldStop {
                do {
                    bound = try transport.bindPublisher(at: settings.endpoint)
                } catch {
                    lastError = error
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
            guard let endpoint = bound else {
                ready(.failure(lastError ?? CancellationError()))
                return
            }
            status.publisherBound(true)
            ready(.success(()))
            var loop = PublisherLoop(
                settings: settings,
                database: database,
                endpoint: endpoint,
                wakeup: wakeup,
                status: status,
                logger: logger,
                now: now
            )
            loop.run(until: thread)
            endpoint.close()
            status.publisherBound(false)
        }
        await thread.runUntilShutdown(wakeup: wakeup)
    }
}

/// The publisher thread's loop and state; lives on that thread only.
private struct PublisherLoop {
    let settings: BusPublisher.Settings
    let database: any DatabaseWriter
    let endpoint: any PublisherEndpoint
    let wakeup: Wakeup
    let status: BusStatus
    let logger: Logger
    let now: @Sendable () -> Date
    let encoder = BusJSON.encoder()
    let decoder = BusJSON.decoder()
    var publishedThrough: Int64 = 0
    var persistedThrough: Int64 = 0
    var head: Int64 = 0
    var lastHeartbeat = Date.distantPast
    var lastPersist = Date.distantPast
    var lastPrune = Date.distantPast
    var published: [String: Counter] = [:]
    var throttle = ReplayThrottle<ReplayCall>()
    let started = ContinuousClock.now
    let throttled = Counter(label: "bus_replay_requests_throttled_total")
    let replayRequests = Counter(label: "bus_replay_requests_total")
    let badReplayRequests = Counter(label: "bus_replay_requests_invalid_total")
    let backlog = Gauge(label: "bus_outbox_backlog")
    let failures = Counter(label: "bus_publisher_errors_total")

    init(
        settings: BusPublisher.Settings,
        database: any DatabaseWriter,
        endpoint: any PublisherEndpoint,
        wakeup: Wakeup,
        status: BusStatus,
        logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.settings = settings
        self.database = database
        self.endpoint = endpoint
        self.wakeup = wakeup
        self.status = status
        self.logger = logger
        self.now = now
    }

    mutating func run(until thread: OwnerThread) {
        do {
            let marks = try database.read { try OutboxStore.marks($0) }
            publishedThrough = marks.publishedThrough
            persistedThrough = marks.publishedThrough
            head = marks.head
        } catch {
            logger.error("cannot read the outbox marks", metadata: ["error": "\(error)"])
        }
        var pending = true
        while !thread.shouldStop {
            let untilHeartbeat = settings.heartbeatInterval - now().timeIntervalSince(lastHeartbeat)
            var timeout = pending ? 0 : max(0, min(Int(untilHeartbeat * 1000), 1000))
            if let due = throttle.millisecondsUntilDue(at: monotonicMillis()) { timeout = min(timeout, Int(due)) }
            do {
                let calls = try endpoint.waitForRequests(timeoutMilliseconds: timeout, wakeup: wakeup)
                for call in calls {
                    switch throttle.arrive(call, identity: call.identity, at: monotonicMillis()) {
                    case .serve(let call): serve(call)
                    case .wait: throttled.increment()
                    case .refuse(let call): refuse(call, "too many replay clients at once; ask again in a few seconds")
                    }
                }
                for call in throttle.due(at: monotonicMillis()) { serve(call) }
                pending = try publishPending()
                if now().timeIntervalSince(lastHeartbeat) >= settings.heartbeatInterval {
                    try publishHeartbeat()
                }
                try persistProgress(force: false)
                try pruneIfDue()
            } catch {
                failures.increment()
                logger.error("bus publisher error", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        // Flush: everything committed before the stop is published before the sockets close.
        do {
            while try publishPending() {}
            try publishHeartbeat()
            try persistProgress(force: true)
        } catch {
            logger.error("bus publisher could not flush on stop", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes the next batch; returns true when more may be waiting.
    mutating func publishPending() throws -> Bool {
        let after = publishedThrough
        let limit = settings.batchSize
        let (marks, entries) = try database.read { db in
            (try OutboxStore.marks(db), try OutboxStore.entries(db, after: after, limit: limit))
        }
        head = marks.head
        for entry in entries {
            if let hold = settings.testHooks.holdPublishingFrom, entry.sequence >= hold { break }
            try endpoint.publish(topic: Array(entry.type.utf8), body: entry.envelope)
            publishedThrough = entry.sequence
            counter(for: entry.type).increment()
        }
        status.published(through: publishedThrough, head: head)
        backlog.record(head - publishedThrough)
        if let hold = settings.testHooks.holdPublishingFrom, publishedThrough + 1 >= hold { return false }
        return entries.count == limit
    }

    mutating func counter(for type: String) -> Counter {
        if let counter = published[type] { return counter }
        let counter = Counter(label: "bus_messages_published_total", dimensions: [("type", type)])
        published[type] = counter
        return counter
    }

    mutating func publishHeartbeat() throws {
        let envelope = Envelope(
            id: UUID(),
            type: Heartbeat.type,
            version: Heartbeat.version,
            producer: settings.producer,
            sequence: 0,
            occurredAt: now(),
            correlationId: UUID(),
            causationId: nil,
            payload: Heartbeat(headSequence: head)
        )
        try endpoint.publish(topic: Array(Heartbeat.type.utf8), body: Array(try encoder.encode(envelope)))
        lastHeartbeat = now()
    }

    mutating func persistProgress(force: Bool) throws {
        guard publishedThrough > persistedThrough, force || now().timeIntervalSince(lastPersist) >= 0.25 else { return }
        let through = publishedThrough
        try database.write { try OutboxStore.setPublishedThrough($0, through) }
        persistedThrough = through
        lastPersist = now()
    }

    mutating func pruneIfDue() throws {
        guard now().timeIntervalSince(lastPrune) >= 3600 else { return }
        lastPrune = now()
        let cutoff = now().addingTimeInterval(-settings.retention)
        let removed = try database.write { try OutboxStore.prune($0, occurredBefore: cutoff) }
        if removed > 0 { logger.info("pruned the outbox", metadata: ["removed": "\(removed)"]) }
    }

    /// Milliseconds since the publisher started, on a monotonic clock.
    func monotonicMillis() -> Int64 {
        let elapsed = ContinuousClock.now - started
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// Answers `call` with `bus.replay-error`.
    func refuse(_ call: ReplayCall, _ reason: String) {
        badReplayRequests.increment()
        logger.warning("refused a replay request", metadata: ["reason": "\(reason)"])
        let body = (try? encoder.encode(ReplayError(error: reason))).map { Array($0) } ?? Array("{}".utf8)
        try? endpoint.reply(to: call.identity, frames: [Array(BusTopic.replayError.utf8), body])
    }

    /// Answers one replay request per the replay protocol.
    func serve(_ call: ReplayCall) {
        replayRequests.increment()
        func refuse(_ reason: String) { self.refuse(call, reason) }
        guard call.frames.count == 1 else {
            refuse("send exactly one frame: {\"after_sequence\": N, \"limit\": M}; got \(call.frames.count)")
            return
        }
        guard let request = try? decoder.decode(ReplayRequest.self, from: Data(call.frames[0])) else {
            refuse("the request is not JSON of the form {\"after_sequence\": N, \"limit\": M}")
            return
        }
        guard request.afterSequence >= 0, request.limit >= 1 else {
            refuse("after_sequence must be 0 or more and limit from 1 to \(ReplayRequest.maximumLimit)")
            return
        }
        let limit = min(request.limit, ReplayRequest.maximumLimit)
        do {
            let (marks, first, entries) = try database.read { db in
                (
                    try OutboxStore.marks(db), try OutboxStore.firstSequence(db),
                    try OutboxStore.entries(db, after: request.afterSequence, limit: limit)
                )
            }
            for entry in entries {
                try endpoint.reply(to: call.identity, frames: [Array(entry.type.utf8), entry.envelope])
            }
            let end = ReplayEnd(headSequence: marks.head, firstAvailableSequence: first ?? marks.head + 1)
            try endpoint.reply(to: call.identity, frames: [Array(BusTopic.replayEnd.utf8), Array(try encoder.encode(end))])
        } catch {
            failures.increment()
            logger.error("could not serve a replay request", metadata: ["error": "\(error)"])
        }
    }
}
