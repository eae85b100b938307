import Foundation
import TestSupport
import Testing

/// notifications as a real process, sending through a real SMTP server, fed by the real
/// claims-intake over the real bus.
@Suite(.serialized) struct NotificationsProcessTests {
    func cluster(smtp server: SMTPTestServer? = nil, notify: FakeNotify? = nil, folder: TemporaryFolder) throws -> ServiceCluster {
        var environment = ["MAIL_RATE_PER_SECOND": "150", "MAIL_RETRY_BASE_SECONDS": "0.2"]
        if let server {
            environment.merge(["MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "\(server.port)", "SMTP_STARTTLS": "false"]) { $1 }
        }
        if let notify {
            environment.merge(notify.environment) { $1 }
            environment["NOTIFY_STATUS_CHECK_SECONDS"] = "0.2"
        }
        return try ServiceCluster(environment: environment)
    }

    /// What arrived, at the SMTP server or the fake Notify: each email's Message-ID and recipient.
    struct Mailbox {
        var smtp: SMTPTestServer?
        var notify: FakeNotify?

        init(_ kind: String, folder: TemporaryFolder) async throws {
            if kind == "smtp" { smtp = try await SMTPTestServer(folder: folder) } else { notify = try await FakeNotify(folder: folder) }
        }

        func received() -> [(id: String, to: String, subject: String, body: String)] {
            if let smtp { return smtp.received().map { ($0.messageID, $0.recipients.joined(separator: ","), $0.subject, $0.body) } }
            return notify?.received().map { ($0.reference, $0.emailAddress, $0.subject, $0.body) } ?? []
        }
    }

    func send(
        _ http: TestHTTP,
        _ method: String,
        _ path: String,
        _ token: String,
        _ json: [String: Any],
        headers: [String: String] = [:]
    ) async throws -> TestHTTP.Reply {
        try await http.send(method, path, token: token, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    @Test(arguments: ["smtp", "notify"])
    func aSubmittedClaimIsEmailedAndItsActivityLogShowsTheEmail(transport kind: String) async throws {
        let folder = try TemporaryFolder("notifications-e2e")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let mailbox = try await Mailbox(kind, folder: folder)
        let cluster = try cluster(smtp: mailbox.smtp, notify: mailbox.notify, folder: folder)
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let intake = cluster.http("claims-intake")
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let school = try cluster.token(["--role", "school", "--urn", "100001", "--email", "head@school.example"])
        #expect(
            try await send(
                intake,
                "PUT",
                "/api/v1/schools/100001",
                support,
                [
                    "name": "Ysgol Gymraeg Llundain – Déjà Vu", "postcode": "N1 1AA", "local_authority": "Islington",
                    "type_of_establishment": "Academy",
                    "group": "Academies", "region": "inner_london", "contact_emails": ["office@hillside.example.com"],
                ]
            ).status == 201
        )
        #expect(
            try await send(
                intake,
                "PUT",
                "/api/v1/providers/1AB",
                support,
                [
                    "name": "Best Training", "ukprn": "10012345", "accredited": true, "email_addresses": ["q@best.example.com"],
                ]
            ).status == 201
        )
        let journey = try Journey(cluster: cluster, smtp: mailbox.smtp)
        try await journey.openWindow()
        let year = journey.year
        #expect(try await send(intake, "POST", "/api/v1/schools/100001/eligibility", support, ["academic_year": year]).status == 201)
        #expect(try await send(intake, "POST", "/api/v1/schools/100001/grant-conditions", school, [:]).status == 201)
        #expect(
            try await send(
                intake,
                "POST",
                "/api/v1/schools/100001/mentors",
                school,
                ["trn": "1234567", "first_name": "Ada", "last_name": "Lovelace"]
            ).status == 201
        )
        let draft = try await send(
            intake,
            "POST",
            "/api/v1/schools/100001/claims",
            school,
            ["provider_code": "1AB", "mentors": [["trn": "1234567", "hours": 16]]]
        )
        let reference = try #require(draft.json?["reference"] as? String, "\(draft.text)")
        #expect(try await send(intake, "POST", "/api/v1/claims/\(reference)/submit", school, ["declaration_accepted": true]).status == 200)

        try await Eventually.wait("the claim's two emails", timeout: 60) {
            mailbox.received().filter { $0.subject.hasPrefix("Claim \(reference) submitted") }.count >= 2
        }
        let received = mailbox.received().filter { $0.subject.hasPrefix("Claim \(reference) submitted") }
        #expect(Set(received.map(\.to)) == ["head@school.example", "office@hillside.example.com"])
        #expect(received.first?.subject == "Claim \(reference) submitted: £857.60")
        #expect(received.first?.body.contains("Ysgol Gymraeg Llundain – Déjà Vu") == true)
        // notification.sent travels back to claims-intake, into the claim's activity log; with
        // Notify, so does each email's delivery.
        try await Eventually.wait("the emails in the claim's activity log", timeout: 30) {
            let activity = try await intake.get("/api/v1/claims/\(reference)/activity", token: support)
            return activity.text.components(separatedBy: "email_sent").count - 1 == 2
                && (kind == "smtp" || activity.text.components(separatedBy: "email_delivered").count - 1 == 2)
        }
        // The delivery log, for support.
        let log = try await cluster.http("notifications").get("/api/v1/notifications?claim_reference=\(reference)", token: support)
        #expect(log.json?["total"] as? Int == 2)
        let items = log.json?["items"] as? [[String: Any]] ?? []
        #expect(items.allSatisfy { $0["status"] as? String == "sent" })
        #expect(items.allSatisfy { $0["delivery_status"] as? String == (kind == "notify" ? "delivered" : nil) })
        await cluster.tearDown()
    }

    @Test(arguments: ["smtp", "notify"])
    func killingNotificationsDuringAThousandEmailsLosesNoneAndRepeatsAtMostOnePerKill(transport kind: String) async throws {
        let folder = try TemporaryFolder("notifications-kill")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let server = try await Mailbox(kind, folder: folder)
        let cluster = try cluster(smtp: server.smtp, notify: server.notify, folder: folder)
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let contacts = (1...1000).map { String(format: "contact%04d@school.example", $0) }
        #expect(
            try await send(
                cluster.http("claims-intake"),
                "PUT",
                "/api/v1/schools/100001",
                support,
                [
                    "name": "Large Academy", "postcode": "N1 1AA", "local_authority": "Islington", "type_of_establishment": "Academy",
                    "group": "Academies", "region": "inner_london", "contact_emails": contacts,
                ]
            ).status == 201
        )
        // Support writes to the school as soon as notifications has heard of it.
        let notifications = cluster.http("notifications")
        var accepted: TestHTTP.Reply?
        try await Eventually.wait("notifications to know the school", timeout: 30, interval: .milliseconds(100)) {
            let reply = try await send(
                notifications,
                "POST",
                "/api/v1/notifications/messages",
                support,
                ["school_urn": 100001, "subject": "Funding update", "body": "A message for every contact."],
                headers: ["Idempotency-Key": "update-1"]
            )
            accepted = reply
            return reply.status == 202
        }
        #expect((accepted?.json?["ids"] as? [Any])?.count == 1000)

        // SIGKILL it three times while it sends, restarting it each time.
        var kills = 0
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 400...1200)))
            if server.received().count >= 1000 { break }
            await cluster.processes["notifications"]!.kill9()
            kills += 1
            try cluster.start("notifications")
            try await cluster.waitReady("notifications")
        }
        #expect(kills >= 1)
        try await Eventually.wait("1,000 distinct emails at the server", timeout: 120, interval: .milliseconds(200)) {
            Set(server.received().map(\.id)).count >= 1000
        }
        let received = server.received()
        let byID = Dictionary(grouping: received, by: \.id)
        #expect(byID.count == 1000)
        // Each contact got one distinct email; a repeat carries the same Message-ID (Notify's
        // reference), and happens only for the email in flight at a kill.
        #expect(Set(received.map(\.to)) == Set(contacts))
        #expect(byID.values.allSatisfy { Set($0.map(\.to)).count == 1 })
        let duplicates = received.count - byID.count
        #expect(duplicates <= kills, "\(duplicates) emails received twice after \(kills) kills")
        try await Eventually.wait("every email recorded as sent", timeout: 30) {
            let log = try await notifications.get("/api/v1/notifications?template=support_message&status=sent&per_page=1", token: support)
            return log.json?["total"] as? Int == 1000
        }
        print("notifications kill test (\(kind)): \(kills) kills, \(duplicates) emails received twice, 1,000 distinct")
        await cluster.tearDown()
    }
}
