import Foundation
import GRDB
import Logging
import Messages
import Messaging
import Prometheus
import ServiceSupport
import TestSupport
import Testing

@testable import AuditSampling

/// audit-sampling in process: real SQLite, in-memory bus, test clock, HTTP through its router.
final class AuditHarness: @unchecked Sendable {
    // Used from one test only.
    static let secret = "audit-test-secret-0123456789abcdef0123456"
    let folder: TemporaryFolder
    let clock: TestClock
    let service: BuiltService
    let http: InProcessHTTP
    let inbox: Inbox
    let registry: HandlerRegistry
    var sequences: [String: Int64] = [:]

    init(now: String = "2026-03-07T10:00:00Z") async throws {
        folder = try TemporaryFolder("audit")
        let clock = TestClock(now)
        self.clock = clock
        let configuration = try Configuration.load(
            from: EnvironmentReader([
                "DATABASE_PATH": folder.path("audit.sqlite"), "AUTH_JWT_SECRET": Self.secret, "BUS_PUBLISH": "tcp://127.0.0.1:43001",
                "BUS_PEERS": "claims-intake=tcp://127.0.0.1:43003", "PUBLIC_BASE_URL": "https://audit.example",
            ])
        )
        var logger = Logger(label: "audit-test")
        logger.logLevel = .critical
        service = try await AuditSampling.build(
            configuration: configuration,
            dependencies: ServiceDependencies(now: { clock.now() }, transport: InMemoryBus(), metrics: PrometheusCollectorRegistry(), logger: logger)
        )
        http = InProcessHTTP(router: service.router)
        registry = HandlerRegistry(ClaimHandlers(outbox: Outbox(producer: "audit-sampling", now: { clock.now() }, wakeup: Wakeup())).handlers)
        inbox = Inbox(registry: registry, now: { clock.now() })
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
        let decoded = try registry.decode(type: M.type, envelope: Array(try BusJSON.encoder().encode(envelope)), decoder: BusJSON.decoder())
        _ = try inbox.apply([.message(decoded)], on: service.database, decoder: BusJSON.decoder())
    }

    func paidClaim(_ reference: String, urn: Int, trn: String = "1234567", hours: Int = 16, rate: Int64 = 4825) throws {
        try deliver(
            ClaimSubmitted(
                reference: reference,
                school: SchoolSnapshot(
                    urn: urn,
                    name: "School \(urn)",
                    postcode: "N1",
                    localAuthority: "Islington",
                    typeOfEstablishment: "Academy",
                    group: "Academies",
                    region: "outer_london",
                    trust: nil,
                    contactEmails: ["o@s.example"]
                ),
                provider: ProviderSnapshot(
                    code: "1AB",
                    name: "Best Training",
                    ukprn: "10012345",
                    accredited: true,
                    emailAddresses: ["q1@best.example", "q2@best.example"]
                ),
                academicYear: 2025,
                claimWindowId: 1,
                mentors: [ClaimMentor(trn: trn, firstName: "Ada", lastName: "Lovelace", hours: hours)],
                totalHours: hours,
                ratePence: rate,
                amountPence: rate * Int64(hours),
                submittedAt: clock.now(),
                submittedBy: .user(id: "h", email: "h@s.example")
            )
        )
        let actor = Actor.service("payments")
        try deliver(ClaimStatusChanged(reference: reference, from: "submitted", to: "payment_in_progress", reason: nil, actor: actor, causedBy: nil))
        try deliver(ClaimStatusChanged(reference: reference, from: "payment_in_progress", to: "paid", reason: nil, actor: actor, causedBy: nil))
    }

    /// A paid claim with several mentors, each `(trn, hours)`.
    func paidClaim(_ reference: String, urn: Int, mentors: [(String, Int)], rate: Int64 = 4825) throws {
        let hours = mentors.reduce(0) { $0 + $1.1 }
        try deliver(
            ClaimSubmitted(
                reference: reference,
                school: SchoolSnapshot(
                    urn: urn,
                    name: "School \(urn)",
                    postcode: "N1",
                    localAuthority: "Islington",
                    typeOfEstablishment: "Academy",
                    group: "Academies",
                    region: "outer_london",
                    trust: nil,
                    contactEmails: ["o@s.example"]
                ),
                provider: ProviderSnapshot(
                    code: "1AB",
                    name: "Best Training",
                    ukprn: "10012345",
                    accredited: true,
                    emailAddresses: ["q1@best.example"]
                ),
                academicYear: 2025,
                claimWindowId: 1,
                mentors: mentors.map { ClaimMentor(trn: $0.0, firstName: "Mentor", lastName: $0.0, hours: $0.1) },
                totalHours: hours,
                ratePence: rate,
                amountPence: rate * Int64(hours),
                submittedAt: clock.now(),
                submittedBy: .user(id: "h", email: "h@s.example")
            )
        )
        let actor = Actor.service("payments")
        try deliver(ClaimStatusChanged(reference: reference, from: "submitted", to: "payment_in_progress", reason: nil, actor: actor, causedBy: nil))
        try deliver(ClaimStatusChanged(reference: reference, from: "payment_in_progress", to: "paid", reason: nil, actor: actor, causedBy: nil))
    }

    /// Opens a provider's emailed link as a person does: the page, then its Download button.
    func download(_ link: String) async throws -> TestHTTP.Reply {
        let page = try await http.send(.get, link)
        guard page.status == 200 else { return page }
        return try await http.send(.post, link, body: "", contentType: "application/x-www-form-urlencoded")
    }

    func token(_ id: String, role: Role = .support, providers: Set<String> = []) async throws -> String {
        try await DevelopmentToken.make(
            user: AuthenticatedUser(id: id, email: "\(id)@education.example", name: id, role: role, providerCodes: providers),
            secret: Self.secret
        )
    }

    func published(_ type: String) throws -> [[String: Any]] {
        try service.database.read { db in
            try Data.fetchAll(db, sql: "SELECT envelope FROM bus_outbox WHERE type = ? ORDER BY sequence", arguments: [type])
        }.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
    }

    func tearDown() { folder.remove() }
}

@Suite struct AuditServiceTests {
    @Test func aSharedMentorFlagsBothClaimsAndSupportListsThem() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        try h.paidClaim("11111111", urn: 1)
        #expect(try h.published(ClaimFlagged.type).isEmpty)
        try h.paidClaim("22222222", urn: 2)
        let flagged = Set(try h.published(ClaimFlagged.type).compactMap { ($0["payload"] as? [String: Any])?["reference"] as? String })
        #expect(flagged == ["11111111", "22222222"])
        let list = try await h.http.send(.get, "/api/v1/audit/flags?academic_year=2025", token: try await h.token("s1"))
        #expect((list.json?["items"] as? [[String: Any]])?.count == 2)
    }

    @Test func aSchoolPassingFiveThousandPoundsFlagsAllItsClaimsOnceAndNoOtherSchools() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        try h.paidClaim("40000000", urn: 2, trn: "7654321")  // another school, another mentor
        for n in 0..<6 { try h.paidClaim(String(format: "3000000%d", n), urn: 1) }  // 6 × £772.00 = £4,632.00
        #expect(try h.published(ClaimFlagged.type).isEmpty)
        try h.paidClaim("30000006", urn: 1)  // £5,404.00: every claim of the school is flagged
        let flagged = try h.published(ClaimFlagged.type).compactMap { $0["payload"] as? [String: Any] }
        #expect(Set(flagged.compactMap { $0["reference"] as? String }) == Set((0...6).map { String(format: "3000000%d", $0) }))
        #expect(
            flagged.allSatisfy { ($0["reasons"] as? [String])?.contains("The school's submitted claims for 2025 total more than £5,000") == true }
        )
        try h.paidClaim("30000007", urn: 1)  // the eighth is flagged; the first seven are not published again
        #expect(try h.published(ClaimFlagged.type).count == 8)
    }

    @Test func aSampledClaimIsRejectedByTheProviderAndTheSchoolThenClawedBackWithFourEyes() async throws {
        let h = try await AuditHarness(now: "2026-03-07T10:00:00Z")  // a Saturday
        defer { h.tearDown() }
        try h.paidClaim("11111111", urn: 1)
        let first = try await h.token("first")
        let second = try await h.token("second")
        let listed = "claim_reference,sample_reason\r\n11111111,Random check\r\n"
        let sample = try await h.http.send(.post, "/api/v1/audit/samples", token: first, body: listed, contentType: "text/csv")
        #expect(sample.status == 201, "\(sample.text)")
        let provider = (sample.json?["providers"] as? [[String: Any]])?.first
        #expect(provider?["due_on"] as? String == "2026-03-30")
        let requestID = try #require(provider?["request_id"] as? Int)
        let requested = try #require(try h.published(SampleProviderRequested.type).first?["payload"] as? [String: Any])
        let recipients = requested["recipients"] as? [[String: String]] ?? []
        #expect(recipients.map { $0["email"] } == ["q1@best.example", "q2@best.example"])
        let link = recipients.first?["url"]?.replacingOccurrences(of: "https://audit.example", with: "") ?? ""
        let page = try await h.http.send(.get, link)
        #expect(page.status == 200)
        #expect(page.text.contains("30 March 2026"))  // the page says by when to answer
        let file = try await h.download(link)
        #expect(file.status == 200)
        #expect(file.text.contains("11111111,1,School 1,Islington,Academy,Academies,Best Training,2026-03-07,1234567,Ada Lovelace,16,,"))
        #expect(try await h.http.send(.get, link).status == 410)
        // A provider user of another provider cannot answer; this provider's user can.
        let stranger = try await h.token("p2", role: .provider, providers: ["9ZZ"])
        let answer = "claim_reference,mentor_trn,claim_accepted,rejection_reason\n11111111,123 4567, No ,No record of the training\n"
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/provider-requests/\(requestID)/response",
                token: stranger,
                body: answer,
                contentType: "text/csv"
            ).status == 404
        )
        let quality = try await h.token("p1", role: .provider, providers: ["1AB"])
        let response = try await h.http.send(
            .post,
            "/api/v1/audit/provider-requests/\(requestID)/response",
            token: quality,
            body: answer,
            contentType: "text/csv"
        )
        #expect(response.json?["not_approved_claims"] as? Int == 1, "\(response.text)")
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/claims/11111111/school-response",
                token: first,
                json: ["mentors": [["trn": "1234567", "reason": "Records lost"]]]
            ).status == 200
        )
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/claims/11111111/clawback",
                token: first,
                json: ["mentors": [["trn": "1234567", "hours_trained": 17]]]
            ).status == 422
        )
        let requestedClawback = try await h.http.send(
            .post,
            "/api/v1/audit/claims/11111111/clawback",
            token: first,
            json: ["mentors": [["trn": "1234567", "hours_trained": 12, "notes": "4 hours not evidenced"]]]
        )
        #expect(requestedClawback.json?["status"] as? String == "clawback_requires_approval")
        let amount = (try h.published(ClawbackRequested.type).first?["payload"] as? [String: Any])?["clawback_amount_pence"] as? Int
        #expect(amount == 4 * 4825)
        #expect(try await h.http.send(.post, "/api/v1/audit/claims/11111111/clawback/decision", token: first, json: ["approved": true]).status == 403)
        #expect(
            try await h.http.send(.post, "/api/v1/audit/claims/11111111/clawback/decision", token: second, json: ["approved": false]).status == 422
        )
        #expect(
            try await h.http.send(.post, "/api/v1/audit/claims/11111111/clawback/decision", token: second, json: ["approved": true]).status == 200
        )
        let approved = try h.published(ClawbackApproved.type).first?["payload"] as? [String: Any]
        #expect(approved?["clawback_amount_pence"] as? Int == 19_300)
        #expect((approved?["by"] as? [String: Any])?["email"] as? String == "second@education.example")
    }

    @Test func theServicesOwnSelectionSamplesAtLeastTheShareAndRecordsTheSeed() async throws {
        let h = try await AuditHarness()
        defer { h.tearDown() }
        for i in 0..<40 { try h.paidClaim(String(format: "3%07d", i), urn: 100 + i, trn: String(format: "%07d", 2_000_000 + i), hours: 1 + i % 16) }
        let sample = try await h.http.send(
            .post,
            "/api/v1/audit/samples",
            token: try await h.token("s1"),
            json: ["academic_year": 2025, "share": 0.25, "seed": 99]
        )
        #expect(sample.status == 201, "\(sample.text)")
        #expect(sample.json?["seed"] as? String == "99")
        let sampled = sample.json?["sampled_pence"] as? Int ?? 0
        let paid = sample.json?["paid_pence"] as? Int ?? 1
        #expect(Double(sampled) >= Double(paid) * 0.25)
        // Those claims are in an open sample and cannot be sampled again.
        let again = try await h.http.send(
            .post,
            "/api/v1/audit/samples",
            token: try await h.token("s1"),
            json: ["academic_year": 2025, "share": 1.0, "seed": 1]
        )
        #expect(again.status == 201)
        #expect((again.json?["claim_count"] as? Int ?? 0) + (sample.json?["claim_count"] as? Int ?? 0) == 40)
    }
}

@Suite struct ProviderReminderTests {
    @Test func anOpenRequestIsRemindedWeeklyOnceAndNotAfterTheProviderAnswers() async throws {
        let h = try await AuditHarness(now: "2026-03-10T10:00:00Z")
        defer { h.tearDown() }
        try h.paidClaim("11111111", urn: 1)
        let support = try await h.token("s1")
        let sample = try await h.http.send(
            .post,
            "/api/v1/audit/samples",
            token: support,
            body: "claim_reference,sample_reason\n11111111,Check\n",
            contentType: "text/csv"
        )
        let requestID = try #require((sample.json?["providers"] as? [[String: Any]])?.first?["request_id"] as? Int)
        let outbox = Outbox(producer: "audit-sampling", now: { h.clock.now() }, wakeup: Wakeup())
        func remind() async throws -> Int {
            try await AuditDatabase(writer: h.service.database, outbox: outbox, now: { h.clock.now() }, publicBaseURL: "https://audit.example")
                .remindDue()
        }
        h.clock.advance(by: 6 * 24 * 3600)
        #expect(try await remind() == 0)
        h.clock.advance(by: 24 * 3600)
        #expect(try await remind() == 1)
        #expect(try await remind() == 0)
        let reminders = try h.published(SampleProviderRequested.type).compactMap { ($0["payload"] as? [String: Any])?["reminder"] as? Int }
        #expect(reminders == [1])
        h.clock.advance(by: 7 * 24 * 3600)
        #expect(try await remind() == 1)
        let answer = "claim_reference,mentor_trn,claim_accepted,rejection_reason\n11111111,1234567,yes,\n"
        #expect(
            try await h.http.send(
                .post,
                "/api/v1/audit/provider-requests/\(requestID)/response",
                token: support,
                body: answer,
                contentType: "text/csv"
            ).status == 200
        )
        h.clock.advance(by: 7 * 24 * 3600)
        #expect(try await remind() == 0)
    }
}
