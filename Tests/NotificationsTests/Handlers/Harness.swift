import Foundation
import GRDB
import Logging
import Messages
import Messaging
import Prometheus
import ServiceSupport
import Synchronization
import TestSupport

@testable import Notifications

/// The notifications service built in process (real SQLite, the real router, an in-memory bus
/// and a test clock), fed messages through its real inbox as if they came off the bus.
final class NotificationsHarness: @unchecked Sendable {
    let folder: TemporaryFolder
    let service: BuiltService
    let clock: TestClock
    private let inbox: Inbox
    private let registry: HandlerRegistry
    private let sequences = Mutex<[String: Int64]>([:])

    init(clock: TestClock = TestClock("2026-03-02T10:00:00Z"), environment: [String: String] = [:]) async throws {
        folder = try TemporaryFolder("notifications")
        self.clock = clock
        var env = [
            "DATABASE_PATH": folder.path("n.sqlite"), "BUS_PUBLISH": "tcp://127.0.0.1:44001",
            "BUS_PEERS": "claims-intake=tcp://127.0.0.1:44003", "MAIL_DIR": folder.path("mail"), "PUBLIC_BASE_URL": "https://claims.example",
        ]
        for (key, value) in environment { env[key] = value }
        let configuration = try Configuration.load(from: EnvironmentReader(env))
        var logger = Logger(label: "n-test")
        logger.logLevel = .critical
        service = try await Notifications.build(
            configuration: configuration,
            dependencies: ServiceDependencies(now: { clock.now() }, transport: InMemoryBus(), metrics: PrometheusCollectorRegistry(), logger: logger)
        )
        registry = HandlerRegistry(EmailHandlers(claimsBaseURL: "https://claims.example", supportAddress: "support@education.example").handlers)
        inbox = Inbox(registry: registry, now: { clock.now() })
    }

    /// Delivers `message` from `producer` with its next sequence; returns the envelope.
    @discardableResult
    func deliver<M: BusMessage>(_ message: M, from producer: String = "claims-intake", id: UUID = UUID()) throws -> Envelope<M> {
        let sequence = sequences.withLock { map -> Int64 in
            map[producer, default: 0] += 1
            return map[producer]!
        }
        let envelope = Envelope(
            id: id,
            type: M.type,
            version: 1,
            producer: producer,
            sequence: sequence,
            occurredAt: clock.now(),
            correlationId: UUID(),
            causationId: nil,
            payload: message
        )
        try redeliver(envelope)
        return envelope
    }

    /// Delivers an envelope exactly as given (a duplicate, or a replay).
    func redeliver<M: BusMessage>(_ envelope: Envelope<M>) throws {
        let bytes = Array(try BusJSON.encoder().encode(envelope))
        _ = try inbox.apply(
            [.message(try registry.decode(type: M.type, envelope: bytes, decoder: BusJSON.decoder()))],
            on: service.database,
            decoder: BusJSON.decoder()
        )
    }

    func sender(
        _ transport: any MailTransport,
        policy: SendingPolicy = SendingPolicy(ratePerSecond: 1000, maxAttempts: 6, retryBase: 0.05)
    ) -> EmailSender {
        EmailSender(
            database: service.database,
            outbox: Outbox(producer: "notifications", now: { Date() }, wakeup: Wakeup()),
            transport: transport,
            from: "Claim funding for mentor training <no-reply@example.invalid>",
            logger: Logger(label: "sender"),
            now: { Date() },
            policy: policy,
            deliveryChecks: DeliveryCheckPolicy(firstCheck: 0.01)
        )
    }

    /// A Notify transport to `fake`, its key as `fake` issued it unless told otherwise.
    func notify(
        _ fake: FakeNotify,
        key: String? = nil,
        timeout: TimeInterval = 10,
        now: @escaping @Sendable () -> Date = Date.init
    ) throws -> NotifyMailTransport {
        NotifyMailTransport(
            client: NotifyClient(settings: .init(baseURL: fake.baseURL, key: try NotifyAPIKey(key ?? fake.apiKey), timeout: timeout), now: now),
            templateID: fake.templateID
        )
    }

    /// The delivery tracker over `transport`, checking at once.
    func tracker(
        _ transport: any MailTransport,
        policy: SendingPolicy = SendingPolicy(ratePerSecond: 1000, maxAttempts: 6, retryBase: 0.05)
    )
        -> DeliveryTracker
    {
        DeliveryTracker(
            database: service.database,
            outbox: Outbox(producer: "notifications", now: { Date() }, wakeup: Wakeup()),
            transport: transport,
            logger: Logger(label: "tracker"),
            now: { Date() },
            policy: DeliveryCheckPolicy(firstCheck: 0.01),
            sending: policy
        )
    }

    /// Asks for delivery statuses until none is due or outstanding, or `timeout` passes.
    func trackAll(_ tracker: DeliveryTracker, timeout: TimeInterval = 30) async throws {
        try await Eventually.wait("every delivery status", timeout: timeout, interval: .milliseconds(20)) {
            try await tracker.checkDue()
            return try await service.database.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM emails WHERE delivery_next_check_at IS NOT NULL") ?? 0
            } == 0
        }
    }

    /// The types of the messages published so far, in order.
    func published() async throws -> [String] {
        try await service.database.read { try String.fetchAll($0, sql: "SELECT type FROM bus_outbox ORDER BY sequence") }
    }

    /// Runs the sender until nothing is queued (retries included) or `timeout` passes.
    func sendAll(_ sender: EmailSender, timeout: TimeInterval = 30) async throws {
        try await Eventually.wait("the queue to empty", timeout: timeout, interval: .milliseconds(20)) {
            try await sender.sendDue()
            return try await queuedCount() == 0
        }
    }

    func queuedCount() async throws -> Int {
        try await service.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM emails WHERE status = 'queued'") ?? 0 }
    }

    func emails() async throws -> [Row] {
        try await service.database.read { try Row.fetchAll($0, sql: "SELECT * FROM emails ORDER BY id") }
    }

    func token(_ role: Role = .support) async throws -> String {
        try await DevelopmentToken.make(
            user: AuthenticatedUser(
                id: "support-1",
                email: "officer@education.example",
                name: "Officer",
                role: role,
                urns: role == .school ? [100001] : []
            ),
            secret: developmentJWTSecret
        )
    }

    var http: InProcessHTTP { InProcessHTTP(router: service.router) }

    // MARK: Fixtures

    static let school = SchoolSnapshot(
        urn: 100001,
        name: "Ysgol Gymraeg Llundain – Déjà Vu",
        postcode: "N1 1AA",
        localAuthority: "Islington",
        typeOfEstablishment: "Academy",
        group: "Academies",
        region: "inner_london",
        trust: nil,
        contactEmails: ["office@school.example"]
    )
    static let provider = ProviderSnapshot(
        code: "1AB",
        name: "Best Training Partnership",
        ukprn: "10012345",
        accredited: true,
        emailAddresses: ["quality@provider.example"]
    )

    static func claim(
        _ reference: String,
        mentors: [ClaimMentor] = [
            ClaimMentor(trn: "1234567", firstName: "Ada", lastName: "Lovelace", hours: 10),
            ClaimMentor(trn: "7654321", firstName: "Grace", lastName: "Hopper", hours: 6),
        ],
        school: SchoolSnapshot = school,
        window: Int64 = 1
    ) -> ClaimSubmitted {
        let hours = mentors.reduce(0) { $0 + $1.hours }
        return ClaimSubmitted(
            reference: reference,
            school: school,
            provider: provider,
            academicYear: 2025,
            claimWindowId: window,
            mentors: mentors,
            totalHours: hours,
            ratePence: 5360,
            amountPence: Int64(hours) * 5360,
            submittedAt: Date(),
            submittedBy: .user(id: "head", email: "Head@School.example", name: "Head Teacher")
        )
    }

    static func status(_ reference: String, _ from: String, _ to: String, reason: String? = nil) -> ClaimStatusChanged {
        ClaimStatusChanged(reference: reference, from: from, to: to, reason: reason, actor: .service("payments"), causedBy: nil)
    }
}
