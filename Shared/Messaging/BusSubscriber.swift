import Foundation
import GRDB
import Logging
import Metrics
import ServiceLifecycle

/// The consumer side of the bus for one producer, as one service: subscribes first, then replays
/// from the inbox's cursor, detects gaps (also at the tail, by heartbeat), fills them by replay,
/// and applies messages through the ``Inbox`` in batches (one transaction, one fsync, per batch).
public struct BusSubscriber: Service {
    /// Everything the subscriber needs.
    public struct Settings: Sendable {
        /// This consumer's name (for logs).
        public var consumer: String
        /// The producer subscribed to.
        public var peer: BusPeer
        /// The largest frame accepted; larger ones are counted, logged and dropped.
        public var maxMessageBytes = 1_048_576
        /// Most messages applied in one transaction.
        public var batchSize = 1000
        /// How many messages a replay request asks for.
        public var replayLimit = ReplayRequest.maximumLimit
        /// Test-only switches.
        public var testHooks = BusTestHooks()

        /// Creates settings with the defaults above.
        public init(consumer: String, peer: BusPeer) {
            self.consumer = consumer
            self.peer = peer
        }
    }

    private let settings: Settings
    private let database: any DatabaseWriter
    private let transport: any BusTransport
    private let inbox: Inbox
    private let registry: HandlerRegistry
    private let status: BusStatus
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// Creates a subscriber.
    public init(
        settings: Settings,
        database: any DatabaseWriter,
        transport: any BusTransport,
        registry: HandlerRegistry,
        status: BusStatus,
        logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.settings = settings
        self.database = database
        self.transport = transport
        self.registry = registry
        self.inbox = Inbox(registry: registry, now: now)
        self.status = status
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        let settings = self.settings
        let database = self.database
        let transport = self.transport
        let inbox = self.inbox
        let registry = self.registry
        let status = self.status
        var logger = self.logger
        logger[metadataKey: "producer"] = "\(settings.peer.name)"
        let now = self.now
        let wakeup = Wakeup()
        let threadLogger = logger
        let thread = try await OwnerThread.start(name: "bus-sub-\(settings.peer.name)") { thread, ready in
            let endpoint: any SubscriberEndpoint
            let cursor: Int64
            do {
                cursor = try database.read { try Inbox.appliedThrough($0, producer: settings.peer.name) }
                endpoint = try transport.connectSubscriber(to: settings.peer)
            } catch {
                ready(.failure(error))
                return
            }
            ready(.success(()))
            var loop = SubscriberLoop(
                settings: settings,
                database: database,
                endpoint: endpoint,
                inbox: inbox,
                registry: registry,
                status: status,
                logger: threadLogger,
                now: now,
                cursor: cursor
            )
            loop.run(until: thread, wakeup: wakeup)
            endpoint.close()
        }
        await thread.runUntilShutdown(wakeup: wakeup)
    }
}

/// The subscriber thread's loop; lives on that thread only.
private struct SubscriberLoop {
    let settings: BusSubscriber.Settings
    let database: any DatabaseWriter
    let endpoint: any SubscriberEndpoint
    let inbox: Inbox
    let registry: HandlerRegistry
    let status: BusStatus
    let logger: Logger
    let now: @Sendable () -> Date
    var state: SubscriptionState
    let decoder = BusJSON.decoder()
    let encoder = BusJSON.encoder()
    let peer: String
    var batch: [InboxItem] = []
    var metrics: SubscriberMetrics

    init(
        settings: BusSubscriber.Settings,
        database: any DatabaseWriter,
        endpoint: any SubscriberEndpoint,
        inbox: Inbox,
        registry: HandlerRegistry,
        status: BusStatus,
        logger: Logger,
        now: @escaping @Sendable () -> Date,
        cursor: Int64
    ) {
        self.settings = settings
        self.database = database
        self.endpoint = endpoint
        self.inbox = inbox
        self.registry = registry
        self.status = status
        self.logger = logger
        self.now = now
        self.state = SubscriptionState(cursor: cursor)
        self.peer = settings.peer.name
        self.metrics = SubscriberMetrics(producer: settings.peer.name)
    }

    mutating func run(until thread: OwnerThread, wakeup: Wakeup) {
        perform(state.start(now: now()))
        publishStatus()
        var batchStarted = Date.distantFuture
        while !thread.shouldStop {
            do {
                // Group commit: while a batch is open, keep gathering for a few milliseconds so
                // that one transaction (one fsync) carries as many messages as are arriving.
                let received = try endpoint.receive(
                    timeoutMilliseconds: batch.isEmpty ? 200 : 2,
                    maximum: settings.batchSize - batch.count,
                    wakeup: wakeup
                )
                if batch.isEmpty { batchStarted = Date() }
                for frames in received { handle(frames) }
                let full = batch.count >= settings.batchSize
                let quiet = received.isEmpty
                let old = Date().timeIntervalSince(batchStarted) >= 0.02
                if !batch.isEmpty && (full || quiet || old) { try flush() }
                perform(state.tick(now: now()))
                publishStatus()
            } catch {
                metrics.errors.increment()
                logger.error("bus subscriber error", metadata: ["error": "\(error)"])
                recover()
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        try? flush()
        publishStatus()
    }

    /// Starts again from what the inbox really holds after a failed commit.
    mutating func recover() {
        batch.removeAll()
        if let cursor = try? database.read({ try Inbox.appliedThrough($0, producer: peer) }) {
            perform(state.reset(cursor: cursor, now: now()))
        }
    }

    mutating func malformed(_ reason: String, _ bytes: [UInt8]) {
        metrics.malformed.increment()
        logger.warning("malformed bus frame", metadata: ["reason": "\(reason)"])
        batch.append(.malformed(producer: peer, reason: reason, bytes: bytes))
    }

    mutating func handle(_ received: ReceivedFrames) {
        let frames = received.frames
        guard frames.count == 2 else {
            malformed("expected 2 frames (topic, envelope), got \(frames.count)", frames.first ?? [])
            return
        }
        let size = frames[0].count + frames[1].count
        guard size <= settings.maxMessageBytes else {
            malformed("message of \(size) bytes is over BUS_MAX_MESSAGE_BYTES (\(settings.maxMessageBytes))", Array(frames[1].prefix(256)))
            return
        }
        guard let topic = String(validating: frames[0], as: UTF8.self) else {
            malformed("the topic frame is not UTF-8", frames[1])
            return
        }
        switch topic {
        case BusTopic.heartbeat:
            guard let beat = try? decoder.decode(Envelope<Heartbeat>.self, from: Data(frames[1])), beat.producer == peer else {
                malformed("unreadable heartbeat", frames[1])
                return
            }
            perform(state.heartbeat(head: beat.payload.headSequence, now: now()))
        case BusTopic.replayEnd:
            guard let end = try? decoder.decode(ReplayEnd.self, from: Data(frames[1])) else {
                malformed("unreadable replay end", frames[1])
                return
            }
            perform(state.replayEnded(head: end.headSequence, firstAvailable: end.firstAvailableSequence, now: now()))
        case BusTopic.replayError:
            logger.error("the producer refused our replay request", metadata: ["reply": "\(String(decoding: frames[1], as: UTF8.self))"])
            perform(state.replayFailed(now: now()))
        default:
            let message: DecodedMessage
            do {
                message = try registry.decode(type: topic, envelope: frames[1], decoder: decoder)
            } catch {
                malformed("undecodable envelope for topic \(topic): \(error)", frames[1])
                return
            }
            guard message.producer == peer, message.type == topic, message.sequence >= 1 else {
                malformed(
                    "envelope says producer \(message.producer), type \(message.type), sequence \(message.sequence) on topic \(topic) from \(peer)",
                    frames[1]
                )
                return
            }
            if !received.replayed, let drop = settings.testHooks.dropLive, drop.contains(message.sequence) { return }
            switch state.received(sequence: message.sequence, replayed: received.replayed, now: now()) {
            case .apply:
                batch.append(.message(message))
            case .duplicate:
                metrics.duplicates.increment()
            case .awaitReplay:
                break
            case .requestReplay(let after):
                metrics.gaps.increment()
                logger.info("gap in the stream; asking for a replay", metadata: ["after_sequence": "\(after)", "received": "\(message.sequence)"])
                sendReplayRequest(after: after)
            }
        }
    }

    mutating func perform(_ action: SubscriptionState.Action) {
        switch action {
        case .none:
            break
        case .requestReplay(let after):
            sendReplayRequest(after: after)
        case .skipLost(let from, let through):
            logger.error("messages lost to the producer's outbox retention", metadata: ["from": "\(from)", "through": "\(through)"])
            batch.append(.lost(producer: peer, from: from, through: through))
            sendReplayRequest(after: through)
        }
    }

    func sendReplayRequest(after: Int64) {
        do {
            let body = try encoder.encode(ReplayRequest(afterSequence: after, limit: settings.replayLimit))
            try endpoint.requestReplay(Array(body))
        } catch {
            logger.error("could not send a replay request", metadata: ["error": "\(error)"])
        }
    }

    mutating func flush() throws {
        guard !batch.isEmpty else { return }
        let items = batch
        batch.removeAll(keepingCapacity: true)
        let report = try inbox.apply(items, on: database, decoder: decoder)
        metrics.record(report)
        for reason in report.deadLetterReasons {
            logger.warning("dead-lettered a bus message", metadata: ["reason": "\(reason)"])
        }
        if report.outOfOrder > 0 || (report.cursors[peer].map { $0 != state.cursor } ?? false) {
            recover()
        }
    }

    func publishStatus() {
        var value = BusStatus.Peer()
        value.appliedThrough = state.cursor
        value.knownHead = state.knownHead
        // Caught up only once the batch holding the last messages is committed: /ready must not
        // say 200 while what it announces is still in memory.
        value.caughtUp = state.isCaughtUp && batch.isEmpty
        value.heard = state.heardFromProducer
        value.heardCount = state.heardCount
        status.update(peer: peer, value)
        metrics.lag.record(state.lag)
        metrics.applied.record(state.cursor)
    }
}

/// The subscriber's metrics, created once per producer.
private struct SubscriberMetrics {
    let producer: String
    let malformed: Counter
    let duplicates: Counter
    let gaps: Counter
    let errors: Counter
    let lag: Gauge
    let applied: Gauge
    var byType: [String: Counter] = [:]

    init(producer: String) {
        self.producer = producer
        malformed = Counter(label: "bus_frames_malformed_total", dimensions: [("producer", producer)])
        duplicates = Counter(label: "bus_messages_duplicate_total", dimensions: [("producer", producer)])
        gaps = Counter(label: "bus_gaps_detected_total", dimensions: [("producer", producer)])
        errors = Counter(label: "bus_subscriber_errors_total", dimensions: [("producer", producer)])
        lag = Gauge(label: "bus_subscriber_lag", dimensions: [("producer", producer)])
        applied = Gauge(label: "bus_subscriber_applied_sequence", dimensions: [("producer", producer)])
    }

    mutating func counter(_ label: String, _ type: String) -> Counter {
        let key = label + "\u{0}" + type
        if let counter = byType[key] { return counter }
        let counter = Counter(label: label, dimensions: [("producer", producer), ("type", type)])
        byType[key] = counter
        return counter
    }

    mutating func record(_ report: InboxReport) {
        for (type, n) in report.applied { counter("bus_messages_applied_total", type).increment(by: n) }
        for (type, n) in report.skipped { counter("bus_messages_unknown_type_total", type).increment(by: n) }
        for (type, n) in report.parked { counter("bus_messages_parked_total", type).increment(by: n) }
        for (type, n) in report.unparked { counter("bus_messages_unparked_total", type).increment(by: n) }
        for (type, n) in report.deadLettered { counter("bus_messages_dead_lettered_total", type).increment(by: n) }
        if report.duplicates > 0 { duplicates.increment(by: report.duplicates) }
    }
}
