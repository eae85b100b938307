import Foundation
import GRDB
import Logging
import Messages
import Messaging
import Prometheus
import ServiceSupport
import TestSupport
import Testing

@testable import Payments

/// payments in process: real SQLite, in-memory bus, test clock, HTTP through the real router;
/// other services' messages delivered to its inbox in sequence.
final class PaymentsHarness: @unchecked Sendable {
    // Used from one test only.
    static let secret = "payments-test-secret-0123456789abcdef012"
    let folder: TemporaryFolder
    let clock: TestClock
    let service: BuiltService
    let http: InProcessHTTP
    let inbox: Inbox
    var sequences: [String: Int64] = [:]

    init() async throws {
        folder = try TemporaryFolder("payments")
        let clock = TestClock("2026-02-02T10:00:00Z")
        self.clock = clock
        let configuration = try Configuration.load(
            from: EnvironmentReader([
                "DATABASE_PATH": folder.path("payments.sqlite"), "AUTH_JWT_SECRET": Self.secret,
                "BUS_PUBLISH": "tcp://127.0.0.1:42001", "BUS_PEERS": "claims-intake=tcp://127.0.0.1:42003",
                "PAYER_EMAIL_ADDRESSES": "payer@esfa.example", "PUBLIC_BASE_URL": "https://payments.example",
            ])
        )
        var logger = Logger(label: "payments-test")
        logger.logLevel = .critical
        service = try await Payments.build(
            configuration: configuration,
            dependencies: ServiceDependencies(now: { clock.now() }, transport: InMemoryBus(), metrics: PrometheusCollectorRegistry(), logger: logger)
        )
        http = InProcessHTTP(router: service.router)
        inbox = Inbox(registry: HandlerRegistry(ClaimCopyHandlers.handlers), now: { clock.now() })
    }

    func deliver<M: BusMessage>(_ message: M, from producer: String = "claims-intake") throws {
        let sequence = (sequences[producer] ?? 0) + 1
        sequences[producer] = sequence
        let envelope = Envelope(
            id: UUID(),
            type: M.type,
            version: M.version,
            producer: producer,
            sequence: sequence,
            occurredAt: clock.now(),
            correlationId: UUID(),
            causationId: nil,
            payload: message
        )
        let decoded = try HandlerRegistry(ClaimCopyHandlers.handlers).decode(
            type: M.type,
            envelope: Array(try BusJSON.encoder().encode(envelope)),
            decoder: BusJSON.decoder()
        )
        _ = try inbox.apply([.message(decoded)], on: service.database, decoder: BusJSON.decoder())
    }

    func submitted(
        _ reference: String,
        urn: Int = 100001,
        school: String = "Hillside Primary",
        window: Int64 = 1,
        hours: Int = 16,
        rate: Int64 = 5360,
        submittedAt: String = "2026-01-15T12:00:00Z"
    ) throws {
        try deliver(
            ClaimSubmitted(
                reference: reference,
                school: SchoolSnapshot(
                    urn: urn,
                    name: school,
                    postcode: "N1 1AA",
                    localAuthority: "Islington",
                    typeOfEstablishment: "Academy converter",
                    group: "Academies",
                    region: "inner_london",
                    trust: nil,
                    contactEmails: ["office@school.example"]
                ),
                provider: ProviderSnapshot(
                    code: "1AB",
                    name: "Best Training",
                    ukprn: "10012345",
                    accredited: true,
                    emailAddresses: ["q@best.example"]
                ),
                academicYear: 2025,
                claimWindowId: window,
                mentors: [ClaimMentor(trn: "1234567", firstName: "A", lastName: "B", hours: hours)],
                totalHours: hours,
                ratePence: rate,
                amountPence: rate * Int64(hours),
                submittedAt: ISO8601DateFormatter().date(from: submittedAt)!,
                submittedBy: .user(id: "u", email: "head@school.example")
            )
        )
    }

    var support: String {
        get async throws {
            try await DevelopmentToken.make(
                user: AuthenticatedUser(id: "support-1", email: "support@education.example", name: "Support", role: .support),
                secret: Self.secret
            )
        }
    }

    func published(_ type: String) throws -> [[String: Any]] {
        try service.database.read { db in
            try Data.fetchAll(db, sql: "SELECT envelope FROM bus_outbox WHERE type = ? ORDER BY sequence", arguments: [type])
        }.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
    }

    /// The download link emailed to the payer for the newest run.
    func latestLink() throws -> String {
        let message = try published(PaymentRunCreated.type).last
        let links = (message?["payload"] as? [String: Any])?["links"] as? [[String: String]]
        return links?.first?["url"]?.replacingOccurrences(of: "https://payments.example", with: "") ?? ""
    }

    /// Opens a download link as the payer does: the page, then its Download button.
    func download(_ link: String) async throws -> TestHTTP.Reply {
        let page = try await http.send(.get, link)
        guard page.status == 200 else { return page }
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("<button type=\"submit\">Download"))
        return try await http.send(.post, link, body: "", contentType: "application/x-www-form-urlencoded")
    }

    func tearDown() { folder.remove() }
}
