import Foundation
import GRDB
import Logging
import Messaging
import Prometheus
import ServiceSupport
import TestSupport

@testable import ClaimsIntake

/// claims-intake in process: real SQLite in a temporary folder, the in-memory bus, a test clock,
/// and HTTP through the real router and middleware.
struct IntakeHarness {
    static let secret = "claims-intake-test-secret-0123456789abcdef"
    let folder: TemporaryFolder
    let clock: TestClock
    let service: BuiltService
    let http: InProcessHTTP

    static func make(now: String = "2025-11-03T10:00:00Z") async throws -> IntakeHarness {
        let folder = try TemporaryFolder("intake")
        let clock = TestClock(now)
        let configuration = try Configuration.load(
            from: EnvironmentReader([
                "DATABASE_PATH": folder.path("claims-intake.sqlite"), "AUTH_JWT_SECRET": secret,
                "BUS_PUBLISH": "tcp://127.0.0.1:41001", "BUS_PEERS": "payments=tcp://127.0.0.1:41003",
            ])
        )
        var logger = Logger(label: "intake-test")
        logger.logLevel = .critical
        let dependencies = ServiceDependencies(
            now: { clock.now() },
            transport: InMemoryBus(),
            metrics: PrometheusCollectorRegistry(),
            logger: logger
        )
        let service = try await ClaimsIntake.build(configuration: configuration, dependencies: dependencies)
        return IntakeHarness(folder: folder, clock: clock, service: service, http: InProcessHTTP(router: service.router))
    }

    func token(_ role: Role, urns: Set<Int> = [], providers: Set<String> = [], email: String? = nil, id: String? = nil) async throws -> String {
        let email = email ?? "\(role.rawValue)-\(urns.sorted().map(String.init).joined(separator: "-"))@example.com"
        return try await DevelopmentToken.make(
            user: AuthenticatedUser(id: id ?? email, email: email, name: "Test \(role.rawValue)", role: role, urns: urns, providerCodes: providers),
            secret: Self.secret
        )
    }

    var support: String { get async throws { try await token(.support, email: "support@education.example") } }

    /// Messages in the outbox, by type.
    func published(_ type: String) throws -> [[String: Any]] {
        try service.database.read { db in
            try Data.fetchAll(db, sql: "SELECT envelope FROM bus_outbox WHERE type = ? ORDER BY sequence", arguments: [type])
        }.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
    }

    @discardableResult
    func putSchool(
        _ urn: Int,
        name: String = "Hillside Primary",
        region: String = "inner_london",
        trust: [String: String]? = nil
    ) async throws -> TestHTTP.Reply {
        var body: [String: Any] = [
            "name": name, "postcode": "n1 1aa", "local_authority": "Islington", "type_of_establishment": "Community school",
            "group": "Local authority maintained schools", "region": region, "contact_emails": ["office@\(urn).example.com"],
        ]
        if let trust { body["trust"] = trust }
        return try await http.send(.put, "/api/v1/schools/\(urn)", token: try await support, json: body)
    }

    @discardableResult
    func putProvider(_ code: String, accredited: Bool = true, name: String? = nil) async throws -> TestHTTP.Reply {
        try await http.send(
            .put,
            "/api/v1/providers/\(code)",
            token: try await support,
            json: [
                "name": name ?? "Provider \(code)", "ukprn": "10012345", "accredited": accredited,
                "email_addresses": ["quality@\(code.lowercased()).example.com"],
            ]
        )
    }

    @discardableResult
    func openWindow(_ year: Int = 2025, _ opens: String = "2025-11-01", _ closes: String = "2026-01-31") async throws -> TestHTTP.Reply {
        try await http.send(
            .post,
            "/api/v1/claim-windows",
            token: try await support,
            json: [
                "academic_year": year, "opens_on": opens, "closes_on": closes,
            ]
        )
    }

    func tearDown() { folder.remove() }
}

extension IntakeHarness {
    /// A school ready to claim in 2025: eligible, grant conditions accepted, with mentors.
    func readySchool(
        _ urn: Int,
        region: String = "inner_london",
        mentors: [String] = ["1234567", "7654321"],
        name: String? = nil
    ) async throws -> String {
        try await putSchool(urn, name: name ?? "School \(urn)", region: region)
        let support = try await self.support
        _ = try await http.send(.post, "/api/v1/schools/\(urn)/eligibility", token: support, json: ["academic_year": 2025])
        let token = try await self.token(.school, urns: [urn])
        _ = try await http.send(.post, "/api/v1/schools/\(urn)/grant-conditions", token: token, json: [:])
        for (index, trn) in mentors.enumerated() {
            _ = try await http.send(
                .post,
                "/api/v1/schools/\(urn)/mentors",
                token: token,
                json: [
                    "trn": trn, "first_name": "Mentor", "last_name": "Number \(index)",
                ]
            )
        }
        return token
    }

    /// Creates a draft claim; returns the reply.
    func createClaim(_ urn: Int, token: String, provider: String = "1AB", mentors: [(String, Int)], key: String? = nil) async throws -> TestHTTP.Reply
    {
        try await http.send(
            .post,
            "/api/v1/schools/\(urn)/claims",
            token: token,
            json: ["provider_code": provider, "mentors": mentors.map { ["trn": $0.0, "hours": $0.1] }],
            headers: key.map { ["Idempotency-Key": $0] } ?? [:]
        )
    }

    func submit(_ reference: String, token: String) async throws -> TestHTTP.Reply {
        try await http.send(.post, "/api/v1/claims/\(reference)/submit", token: token, json: ["declaration_accepted": true])
    }
}
