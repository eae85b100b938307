import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// One service's place on the bus: its outbox, its publisher, and a subscriber per peer.
public struct BusNode: Sendable {
    /// Where the service's own messages are written, inside its transactions.
    public let outbox: Outbox
    /// Readiness and progress of the bus parts.
    public let status: BusStatus
    /// The publisher and subscribers, to run in the service's `ServiceGroup`.
    public let services: [any Service]
    /// Wakes the relay on commits; kept alive as long as the node.
    private let commitObserver: OutboxCommitObserver

    /// Everything a node needs.
    public struct Settings: Sendable {
        /// This service's name (the producer name on its envelopes).
        public var name: String
        /// Where its PUB socket binds.
        public var endpoint: String
        /// The producers it subscribes to.
        public var peers: [BusPeer]
        /// The largest frame accepted.
        public var maxMessageBytes = 1_048_576
        /// How long outbox rows are kept.
        public var retention: TimeInterval = 30 * 24 * 3600
        /// Test-only switches.
        public var testHooks = BusTestHooks()

        /// Creates settings.
        public init(name: String, endpoint: String, peers: [BusPeer]) {
            self.name = name
            self.endpoint = endpoint
            self.peers = peers
        }
    }

    /// Assembles the node. Nothing runs until its services run. Pass `outbox` to reuse one
    /// that handlers were built with.
    public init(
        settings: Settings,
        database: any DatabaseWriter,
        transport: any BusTransport,
        handlers: [MessageHandler],
        logger: Logger,
        now: @escaping @Sendable () -> Date,
        outbox: Outbox? = nil
    ) {
        let outbox = outbox ?? Outbox(producer: settings.name, now: now, wakeup: Wakeup())
        let wakeup = outbox.wakeup
        commitObserver = OutboxCommitObserver(wakeup: wakeup)
        // The database keeps the observer for its whole life: the node itself may go once its
        // services are built, and a weakly held observer would then go with it, leaving the
        // relay to publish only at its heartbeat (up to a second late).
        database.add(transactionObserver: commitObserver, extent: .databaseLifetime)
        let status = BusStatus(peers: settings.peers.map(\.name))
        self.outbox = outbox
        self.status = status
        var publisherSettings = BusPublisher.Settings(producer: settings.name, endpoint: settings.endpoint)
        publisherSettings.retention = settings.retention
        publisherSettings.testHooks = settings.testHooks
        var services: [any Service] = [
            BusPublisher(
                settings: publisherSettings,
                database: database,
                transport: transport,
                wakeup: wakeup,
                status: status,
                logger: logger,
                now: now
            )
        ]
        let registry = HandlerRegistry(handlers)
        for peer in settings.peers {
            var subscriberSettings = BusSubscriber.Settings(consumer: settings.name, peer: peer)
            subscriberSettings.maxMessageBytes = settings.maxMessageBytes
            subscriberSettings.testHooks = settings.testHooks
            services.append(
                BusSubscriber(
                    settings: subscriberSettings,
                    database: database,
                    transport: transport,
                    registry: registry,
                    status: status,
                    logger: logger,
                    now: now
                )
            )
        }
        self.services = services
    }
}
