import Foundation
import GRDB
import Hummingbird
import Logging
import Messaging
import MessagingZMQ
import Prometheus
import ServiceLifecycle
import Storage

/// What the platform hands to a service's own parts when it builds them.
public struct ServiceEnvironment: Sendable {
    /// The validated configuration.
    public let configuration: ServiceConfiguration
    /// The service's own database.
    public let database: DatabasePool
    /// Where the service writes the messages it publishes, inside its transactions.
    public let outbox: Outbox
    /// The service's logger.
    public let logger: Logger
    /// The clock.
    public let now: @Sendable () -> Date
}

/// Everything from outside the service's own code, passed in one value so tests can swap it.
public struct ServiceDependencies: Sendable {
    /// The clock.
    public var now: @Sendable () -> Date
    /// The bus transport: ZeroMQ in production, in memory in service tests.
    public var transport: any BusTransport
    /// Where metrics are collected for `/metrics`.
    public var metrics: PrometheusCollectorRegistry
    /// The root logger.
    public var logger: Logger
    /// Test-only bus switches.
    public var busTestHooks = BusTestHooks()

    /// Creates dependencies.
    public init(now: @escaping @Sendable () -> Date, transport: any BusTransport, metrics: PrometheusCollectorRegistry, logger: Logger) {
        self.now = now
        self.transport = transport
        self.metrics = metrics
        self.logger = logger
    }
}

/// The parts a service supplies; the platform wires them to storage, the bus and HTTP.
public struct ServiceParts: Sendable {
    /// Registers the service's own migrations (after the bus's).
    public var migrations: @Sendable (inout DatabaseMigrator) -> Void
    /// The handlers of the messages it consumes.
    public var handlers: @Sendable (ServiceEnvironment) -> [MessageHandler]
    /// Adds its routes.
    public var routes: @Sendable (Router<ServiceRequestContext>, ServiceEnvironment) -> Void
    /// Long-running work of its own (schedulers, senders).
    public var background: @Sendable (ServiceEnvironment) -> [any Service]
    /// Its OpenAPI document.
    public var openAPI: String
    /// How a wrong method on a path it serves is answered: 405 with `Allow` either way, as a
    /// problem (an API) or thrown for the service's own error page to render (pages).
    public var wrongMethod: MethodNotAllowedMiddleware<ServiceRequestContext>.Answer

    /// Creates parts.
    public init(
        migrations: @escaping @Sendable (inout DatabaseMigrator) -> Void,
        handlers: @escaping @Sendable (ServiceEnvironment) -> [MessageHandler] = { _ in [] },
        routes: @escaping @Sendable (Router<ServiceRequestContext>, ServiceEnvironment) -> Void = { _, _ in },
        background: @escaping @Sendable (ServiceEnvironment) -> [any Service] = { _ in [] },
        openAPI: String,
        wrongMethod: MethodNotAllowedMiddleware<ServiceRequestContext>.Answer = .problem
    ) {
        self.migrations = migrations
        self.handlers = handlers
        self.routes = routes
        self.background = background
        self.openAPI = openAPI
        self.wrongMethod = wrongMethod
    }
}

/// A built service: the group to run, and what tests look at.
public struct BuiltService {
    /// Runs everything; stops on SIGTERM/SIGINT within 10 seconds.
    public let group: ServiceGroup
    /// The service's database.
    public let database: DatabasePool
    /// The service's bus status.
    public let bus: BusStatus
    /// The router, for in-process tests.
    public let router: Router<ServiceRequestContext>
}

/// The composition shared by the four services.
public enum ServiceHost {
    /// Opens the database, assembles the bus node, the HTTP server and the service's parts.
    public static func build(
        configuration: ServiceConfiguration,
        dependencies: ServiceDependencies,
        parts: ServiceParts
    ) async throws -> BuiltService {
        var logger = dependencies.logger
        logger[metadataKey: "service"] = "\(configuration.service.rawValue)"
        if case .sharedSecret(_, true) = configuration.auth.keys {
            logger.warning("AUTH_JWT_SECRET is not set: using the development signing secret; never do this in production")
        }
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        parts.migrations(&migrator)
        let database = try ServiceDatabase.open(path: configuration.databasePath, migrator: migrator)

        var busSettings = BusNode.Settings(
            name: configuration.service.rawValue,
            endpoint: configuration.busPublish,
            peers: configuration.busPeers
        )
        busSettings.maxMessageBytes = configuration.busMaxMessageBytes
        busSettings.retention = TimeInterval(configuration.busOutboxRetentionDays) * 24 * 3600
        busSettings.testHooks = dependencies.busTestHooks

        // Handlers write their consequences into the same outbox the node relays.
        let outbox = Outbox(producer: configuration.service.rawValue, now: dependencies.now, wakeup: Wakeup())
        let environment = ServiceEnvironment(
            configuration: configuration,
            database: database,
            outbox: outbox,
            logger: logger,
            now: dependencies.now
        )
        let node = BusNode(
            settings: busSettings,
            database: database,
            transport: dependencies.transport,
            handlers: parts.handlers(environment),
            logger: logger,
            now: dependencies.now,
            outbox: outbox
        )

        if configuration.busIsExposedWithoutCurve {
            let warning =
                "BUS_PUBLISH (\(configuration.busPublish)) is not a loopback address and CurveZMQ is off: anyone who can reach it can read the bus"
            logger.warning("\(warning)")
            node.status.warn(warning)
        }
        let verifier = try await TokenVerifier(configuration: configuration.auth)
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: AuthenticationMiddleware(verifier: verifier))
        OperationalRoutes.add(
            to: router,
            database: database,
            bus: node.status,
            metrics: dependencies.metrics,
            openAPI: parts.openAPI,
            now: dependencies.now
        )
        parts.routes(router, environment)
        // Added last, it still wraps every route (the router builds its responder once every
        // route is in), and now knows them all.
        router.add(
            middleware: MethodNotAllowedMiddleware(
                routes: router.routes.map { (path: $0.path.description, method: $0.method) },
                answer: parts.wrongMethod
            )
        )

        let service = configuration.service.rawValue
        let host = configuration.httpHost
        let appLogger = logger
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.httpIdleTimeoutSeconds)))),
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: service),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                appLogger.notice("listening", metadata: ["url": "http://\(host):\(port)"])
            },
            logger: logger
        )
        // Shutdown runs in reverse: HTTP stops first, then background work, subscribers, and
        // last the publisher, which flushes the outbox.
        let services: [any Service] = node.services + parts.background(environment) + [app]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(9)
        return BuiltService(group: ServiceGroup(configuration: groupConfiguration), database: database, bus: node.status, router: router)
    }
}

extension BuiltService {
    /// Every route as `METHOD /path/{parameter}`, sorted, as the OpenAPI document must list them.
    public var routeLines: [String] {
        router.routes.map { route in
            let path = route.path.description.split(separator: "/").map { part -> String in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        }.sorted()
    }
}
