import Foundation
import GRDB
import Logging
import Messages
import Messaging
import Prometheus
import ServiceSupport
import TestSupport
import Testing

@testable import Notifications

@Suite struct EmailFormatTests {
    @Test func moneyInEmailsIsPoundsWithSeparators() {
        #expect(MoneyText.pounds(107_200) == "£1,072.00")
        #expect(MoneyText.pounds(85_760) == "£857.60")
        #expect(MoneyText.pounds(5) == "£0.05")
        #expect(MoneyText.pounds(123_456_789) == "£1,234,567.89")
    }

    @Test func datesAreRFC5322InUTC() {
        #expect(EmailFormat.httpDate(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(EmailFormat.httpDate(Date(timeIntervalSince1970: 1_795_929_889)) == "Sun, 29 Nov 2026 05:24:49 +0000")
    }

    @Test func nonASCIIHeadersAreEncodedAndBodyLinesAreShortWithCRLF() {
        let email = Email(
            messageID: "m1@x",
            from: "Claim funding for mentor training <no-reply@example.invalid>",
            to: "a@b.example",
            subject: "Claim for Ysgol Gymraeg Llundain – Déjà vu",
            body: ".starts with a dot\n" + String(repeating: "é", count: 100),
            date: Date(timeIntervalSince1970: 0)
        )
        let text = EmailFormat.rfc5322(email)
        #expect(text.contains("Subject: =?utf-8?B?"))
        #expect(text.contains("Message-ID: <m1@x>"))
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(text.contains("\r\n.starts with a dot\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }
}

@Suite struct EmailHTMLTests {
    @Test func theHTMLPartSaysWhatThePlainPartSaysEscapedWithListsAndLinks() {
        let body =
            "Claim 12345678 for <Tom & Jerry's> School.\n\nMentors:\n- Ada Lovelace: 10 hours\n- Grace Hopper: 6 hours\nTotal: £857.60\n\nView the claim: https://claims.example/api/v1/claims/12345678?a=1&b=2"
        let html = EmailHTML.render(body, title: "Claim \"12345678\"")
        #expect(html.contains("<title>Claim &quot;12345678&quot;</title>"))
        #expect(html.contains("<p>Claim 12345678 for &lt;Tom &amp; Jerry's&gt; School.</p>"))
        #expect(html.contains("<p>Mentors:</p>\n<ul>\n<li>Ada Lovelace: 10 hours</li>\n<li>Grace Hopper: 6 hours</li>\n</ul>\n<p>Total: £857.60</p>"))
        #expect(html.contains("<a href=\"https://claims.example/api/v1/claims/12345678?a=1&amp;b=2\">"))
        let email = Email(messageID: "m@x", from: "a@b.example", to: "c@d.example", subject: "S", body: body, date: Date(timeIntervalSince1970: 0))
        let text = EmailFormat.rfc5322(email)
        #expect(text.contains("Content-Type: multipart/alternative; boundary=\"=_mc_"))
        #expect(text.contains("Content-Type: text/plain; charset=utf-8") && text.contains("Content-Type: text/html; charset=utf-8"))
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }
}

@Suite struct EmailQueueTests {
    func harness() async throws -> (TemporaryFolder, BuiltService, Inbox, HandlerRegistry) {
        let folder = try TemporaryFolder("notifications")
        let configuration = try Configuration.load(
            from: EnvironmentReader([
                "DATABASE_PATH": folder.path("n.sqlite"), "BUS_PUBLISH": "tcp://127.0.0.1:44001",
                "BUS_PEERS": "claims-intake=tcp://127.0.0.1:44003", "MAIL_DIR": folder.path("mail"), "PUBLIC_BASE_URL": "https://claims.example",
            ])
        )
        var logger = Logger(label: "n-test")
        logger.logLevel = .critical
        let service = try await Notifications.build(
            configuration: configuration,
            dependencies: ServiceDependencies(now: { Date() }, transport: InMemoryBus(), metrics: PrometheusCollectorRegistry(), logger: logger)
        )
        let registry = HandlerRegistry(EmailHandlers(claimsBaseURL: "https://claims.example", supportAddress: "support@education.example").handlers)
        return (folder, service, Inbox(registry: registry, now: { Date() }), registry)
    }

    @Test func aClaimSubmittedThreeTimesQueuesOneEmailPerRecipientAndTheFileTransportWritesThem() async throws {
        let (folder, service, inbox, registry) = try await harness()
        defer { folder.remove() }
        let message = ClaimSubmitted(
            reference: "12345678",
            school: SchoolSnapshot(
                urn: 1,
                name: "Ysgol Gymraeg – Llundain",
                postcode: "N1",
                localAuthority: "Islington",
                typeOfEstablishment: "Academy",
                group: "Academies",
                region: "inner_london",
                trust: nil,
                contactEmails: ["office@school.example", "HEAD@school.example"]
            ),
            provider: ProviderSnapshot(code: "1AB", name: "Best Training", ukprn: "10012345", accredited: true, emailAddresses: []),
            academicYear: 2025,
            claimWindowId: 1,
            mentors: [ClaimMentor(trn: "1234567", firstName: "Ada", lastName: "Lovelace", hours: 16)],
            totalHours: 16,
            ratePence: 5360,
            amountPence: 85_760,
            submittedAt: Date(),
            submittedBy: .user(id: "u", email: "head@school.example")
        )
        let envelope = Envelope(
            id: UUID(),
            type: ClaimSubmitted.type,
            version: 1,
            producer: "claims-intake",
            sequence: 1,
            occurredAt: Date(),
            correlationId: UUID(),
            causationId: nil,
            payload: message
        )
        let bytes = Array(try BusJSON.encoder().encode(envelope))
        for _ in 0..<3 {
            // Once as sequence 1 (then duplicates by sequence), and once more as a later sequence
            // carrying the same fact (as a replay from a restored producer would).
            _ = try inbox.apply(
                [.message(try registry.decode(type: ClaimSubmitted.type, envelope: bytes, decoder: BusJSON.decoder()))],
                on: service.database,
                decoder: BusJSON.decoder()
            )
        }
        var again = envelope
        again.sequence = 2
        _ = try inbox.apply(
            [
                .message(
                    try registry.decode(type: ClaimSubmitted.type, envelope: Array(try BusJSON.encoder().encode(again)), decoder: BusJSON.decoder())
                )
            ],
            on: service.database,
            decoder: BusJSON.decoder()
        )
        let queued = try await service.database.read { try String.fetchAll($0, sql: "SELECT recipient FROM emails ORDER BY recipient") }
        #expect(queued == ["head@school.example", "office@school.example"])
        let sender = EmailSender(
            database: service.database,
            outbox: Outbox(producer: "notifications", now: { Date() }, wakeup: Wakeup()),
            transport: FileMailTransport(directory: folder.path("mail")),
            from: "Claim funding for mentor training <no-reply@example.invalid>",
            logger: Logger(label: "x"),
            now: { Date() },
            policy: SendingPolicy(ratePerSecond: 1000, maxAttempts: 6, retryBase: 1)
        )
        #expect(try await sender.sendDue() == 2)
        #expect(try await sender.sendDue() == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path("mail")).filter { $0.hasSuffix(".eml") }
        #expect(files.count == 2)
        let text = try String(contentsOfFile: folder.path("mail/\(files[0])"), encoding: .utf8)
        #expect(text.contains("Subject: =?utf-8?B?"))  // £ is not ASCII
        #expect(text.contains("To: head@school.example") || text.contains("To: office@school.example"))
        #expect(text.contains("=C2=A3857.60"))  // £857.60, quoted-printable
        let sent = try await service.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM bus_outbox WHERE type = 'notification.sent'") }
        #expect(sent == 2)
        let support = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "s", email: "s@education.example", name: "S", role: .support),
            secret: developmentJWTSecret
        )
        let log = try await InProcessHTTP(router: service.router).send(
            .get,
            "/api/v1/notifications?claim_reference=12345678&to=HEAD@school.example",
            token: support
        )
        let items = log.json?["items"] as? [[String: Any]]
        #expect(items?.count == 1)
        #expect(items?.first?["status"] as? String == "sent")
        #expect(items?.first?["template"] as? String == "claim_submitted")
        let school = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "h", email: "h@s.example", name: "H", role: .school, urns: [1]),
            secret: developmentJWTSecret
        )
        #expect(try await InProcessHTTP(router: service.router).send(.get, "/api/v1/notifications", token: school).status == 403)
    }
}
