import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import TestSupport
import Testing

@testable import Notifications

/// An email as it arrived, at the SMTP server or at the fake Notify.
struct Arrived {
    var recipients: [String]
    var template: String
    var subject: String
    var body: String
    /// The HTML part (SMTP only: Notify lays the plain text out itself).
    var html: String
    var longestLine: Int
}

/// Every template, from the fact that causes it to what a real SMTP server, or the fake Notify,
/// receives.
@Suite(.serialized) struct TemplateTests {
    @Test(arguments: ["smtp", "notify"])
    func everyEmailReachesTheRightPeopleWithTheRightSubjectAndFigures(transport kind: String) async throws {
        let harness = try await NotificationsHarness()
        defer {
            ProcessLauncher.killAll(in: harness.folder.url)
            harness.folder.remove()
        }
        let server = kind == "smtp" ? try await SMTPTestServer(folder: harness.folder) : nil
        let fake = kind == "notify" ? try await FakeNotify(folder: harness.folder) : nil
        typealias H = NotificationsHarness

        try harness.deliver(SchoolUpserted(school: H.school))
        try harness.deliver(ProviderUpserted(provider: H.provider))
        try harness.deliver(ClaimWindowUpserted(window: ClaimWindowFields(id: 1, academicYear: 2025, opensOn: "2026-02-01", closesOn: "2026-07-31")))

        // Claim 1: submitted, paid, sampled, not approved by the provider, school's response,
        // clawback, clawback complete.
        try harness.deliver(H.claim("12345678"))
        for (from, to) in [
            ("submitted", "payment_in_progress"), ("payment_in_progress", "paid"), ("paid", "sampling_in_progress"),
            ("sampling_in_progress", "sampling_provider_not_approved"),
        ] {
            try harness.deliver(H.status("12345678", from, to))
        }
        try harness.deliver(
            SampleProviderNotApproved(
                reference: "12345678",
                mentors: [RejectedMentor(trn: "7654321", name: "Grace Hopper", reason: "No record of her training")]
            ),
            from: "audit-sampling"
        )
        try harness.deliver(H.status("12345678", "sampling_provider_not_approved", "sampling_not_approved", reason: "No evidence sent"))
        try harness.deliver(
            ClawbackApproved(
                reference: "12345678",
                clawbackAmountPence: 6 * 5360,
                mentors: [ClawbackMentor(trn: "7654321", hoursClawedBack: 6, notes: nil)],
                by: .user(id: "s2", email: "second@education.example")
            ),
            from: "audit-sampling"
        )
        for (from, to) in [
            ("sampling_not_approved", "clawback_requires_approval"), ("clawback_requires_approval", "clawback_requested"),
            ("clawback_requested", "clawback_in_progress"), ("clawback_in_progress", "clawback_complete"),
        ] {
            try harness.deliver(H.status("12345678", from, to))
        }
        // Claim 2: the payer asks for information, then does not approve it.
        try harness.deliver(H.claim("22223333", mentors: [ClaimMentor(trn: "1111111", firstName: "Alan", lastName: "Turing", hours: 20)]))
        try harness.deliver(H.status("22223333", "submitted", "payment_in_progress"))
        try harness.deliver(H.status("22223333", "payment_in_progress", "payment_information_requested", reason: "Bank details do not match"))
        try harness.deliver(H.status("22223333", "payment_information_requested", "payment_not_approved", reason: "No reply from the school"))
        // Claim 3: deleted by support. A draft's deletion (never submitted) sends nothing.
        try harness.deliver(H.claim("33334444"))
        try harness.deliver(
            ClaimDeleted(reference: "33334444", reason: "Submitted twice by mistake", by: .user(id: "s", email: "officer@education.example"))
        )
        try harness.deliver(ClaimDeleted(reference: "99990000", reason: nil, by: .user(id: "h", email: "head@school.example")))
        // The payer, and a provider's sample request with a reminder.
        try harness.deliver(
            PaymentRunCreated(
                run: RunCreatedFields(
                    runId: 7,
                    claimCount: 120,
                    totalPence: 12_345_678,
                    links: [
                        RecipientLink(email: "payer@esfa.example", url: "https://payments.example/api/v1/payment-runs/7/file?token=abc")
                    ]
                )
            ),
            from: "payments"
        )
        let recipients = [
            RecipientLink(email: "quality@provider.example", url: "https://audit.example/s/one"),
            RecipientLink(email: "head@provider.example", url: "https://audit.example/s/two"),
        ]
        try harness.deliver(
            SampleProviderRequested(sampleId: 3, requestId: 9, provider: H.provider, recipients: recipients, dueOn: "2026-03-23", claimCount: 3),
            from: "audit-sampling"
        )
        try harness.deliver(
            SampleProviderRequested(
                sampleId: 3,
                requestId: 9,
                provider: H.provider,
                recipients: recipients,
                dueOn: "2026-03-23",
                claimCount: 3,
                reminder: 1
            ),
            from: "audit-sampling"
        )
        // A school eligible for the year, with no claim: the window's opening email.
        try harness.deliver(
            SchoolUpserted(
                school: SchoolSnapshot(
                    urn: 100009,
                    name: "Ysgol Fach",
                    postcode: "N9",
                    localAuthority: "Enfield",
                    typeOfEstablishment: "Academy",
                    group: "Academies",
                    region: "outer_london",
                    trust: nil,
                    contactEmails: ["office@fach.example"]
                )
            )
        )
        try harness.deliver(SchoolEligibilityGranted(urn: 100009, academicYear: 2025))
        let reminders = WindowReminders(
            database: harness.service.database,
            claimsBaseURL: "https://claims.example",
            logger: .init(label: "r"),
            now: { harness.clock.now() }
        )
        #expect(try await reminders.tick() == 1)
        // Support writes to the school.
        let message = try await harness.http.send(
            .post,
            "/api/v1/notifications/messages",
            token: try await harness.token(),
            json: ["school_urn": 100001, "subject": "Your claim", "body": "Please call us about claim 12345678.\n.Thanks"]
        )
        #expect(message.status == 202, "\(message.text)")

        let transport: any MailTransport
        if let server {
            transport = try SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, startTLS: false))
        } else {
            transport = try harness.notify(try #require(fake))
        }
        try await harness.sendAll(harness.sender(transport))
        let templates = Dictionary(
            uniqueKeysWithValues: try await harness.emails().map { ($0["message_id"] as String, $0["template"] as String) }
        )
        let received: [Arrived] =
            server?.received().map {
                Arrived(
                    recipients: $0.recipients,
                    template: $0.template,
                    subject: $0.subject,
                    body: $0.body,
                    html: $0.html,
                    longestLine: $0.longestLine
                )
            }
            ?? fake?.received().map {
                // Notify knows the email only by its reference: the template is the one the log
                // holds for that Message-ID.
                Arrived(
                    recipients: [$0.emailAddress],
                    template: templates[$0.reference] ?? "",
                    subject: $0.subject,
                    body: $0.body,
                    html: "",
                    longestLine: 0
                )
            } ?? []
        let smtp = server != nil
        func one(_ template: String, to address: String, about reference: String? = nil) -> Arrived? {
            let matches = received.filter {
                $0.recipients == [address] && $0.template == template && (reference.map($0.subject.contains) ?? true)
            }
            #expect(matches.count == 1, "\(template) to \(address): \(matches.count) emails")
            return matches.first
        }
        let school = ["office@school.example", "head@school.example"]
        for address in school {
            let submitted = one("claim_submitted", to: address, about: "12345678")
            #expect(submitted?.subject == "Claim 12345678 submitted: £857.60")
            #expect(submitted?.body.contains("Ysgol Gymraeg Llundain – Déjà Vu") == true)
            #expect(submitted?.body.contains("- Ada Lovelace (TRN 1234567): 10 hours") == true)
            #expect(submitted?.body.contains("16 hours at £53.60 an hour") == true)
            #expect(submitted?.body.contains("closes on Friday 31 July 2026") == true)
            #expect(submitted?.body.contains("https://claims.example/claims/12345678") == true)
            if smtp {
                #expect(submitted?.html.contains("<a href=\"https://claims.example/claims/12345678\">") == true)
                #expect(submitted?.html.contains("<li>Ada Lovelace (TRN 1234567): 10 hours</li>") == true)
            }

            #expect(one("claim_paid", to: address)?.subject == "Claim 12345678 paid: £857.60")
            let notApproved = one("sampling_provider_not_approved", to: address)
            #expect(notApproved?.subject == "Claim 12345678: action needed by Monday 16 March 2026")  // 14 days after 2 March
            #expect(notApproved?.body.contains("- Grace Hopper (TRN 7654321): No record of her training") == true)
            #expect(one("school_response_recorded", to: address)?.body.contains("We could not accept all of the claim") == true)
            let clawback = one("clawback_requested", to: address)
            #expect(clawback?.subject == "Claim 12345678: £321.60 will be recovered")
            #expect(clawback?.body.contains("- Grace Hopper (TRN 7654321): 6 hours") == true)
            #expect(clawback?.body.contains("ESFA recovers it from the school") == true)
            #expect(one("clawback_complete", to: address)?.body.contains("Amount recovered: £321.60") == true)

            #expect(one("payment_information_requested", to: address)?.body.contains("What they asked: Bank details do not match") == true)
            let rejected = one("payment_not_approved", to: address)
            #expect(rejected?.subject == "Claim 22223333 was not approved for payment")
            #expect(rejected?.body.contains("£1,072.00") == true)
            #expect(rejected?.body.contains("Reason: No reply from the school") == true)
            let deleted = one("claim_deleted", to: address)
            #expect(deleted?.subject == "Claim 33334444 has been deleted")
            #expect(deleted?.body.contains("Reason: Submitted twice by mistake") == true)
        }
        let support = one("support_message", to: "office@school.example")
        #expect(support?.subject == "Your claim")
        #expect(support?.body.contains("Please call us about claim 12345678.\n.Thanks") == true)
        #expect(received.filter { $0.template == "support_message" }.count == 1)  // contacts only, not the submitter

        let payer = one("payment_run_ready", to: "payer@esfa.example")
        #expect(payer?.subject == "Payment file 7 is ready to download")
        #expect(payer?.body.contains("Total: £123,456.78") == true)
        #expect(payer?.body.contains("https://payments.example/api/v1/payment-runs/7/file?token=abc") == true)
        #expect(payer?.body.contains("Ysgol") == false)  // a link only, no personal data

        let first = one("sampling_request", to: "quality@provider.example")
        #expect(first?.subject == "Please check 3 claims for mentor training by Monday 23 March 2026")
        #expect(first?.body.contains("https://audit.example/s/one") == true)
        #expect(first?.body.contains("https://audit.example/s/two") == false)  // each address has its own link
        #expect(one("sampling_request", to: "head@provider.example")?.body.contains("https://audit.example/s/two") == true)
        #expect(one("sampling_reminder", to: "head@provider.example")?.subject.hasPrefix("Reminder:") == true)

        let open = one("claim_window_open", to: "office@fach.example")
        #expect(open?.subject == "You can now claim funding for mentor training")
        #expect(open?.body.contains("Ysgol Fach can now claim funding for mentor training for the academic year 2025 to 2026") == true)
        #expect(open?.body.contains("from Sunday 1 February 2026 until 11:59pm on Friday 31 July 2026") == true)

        // 2 recipients × 11 school emails, 1 support message, 1 payer, 4 provider emails, 1 window email.
        #expect(received.count == 29)
        #expect(received.filter { $0.longestLine > 78 }.map(\.subject) == [])
        let sent = try await harness.service.database.read {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM bus_outbox WHERE type = 'notification.sent'")
        }
        #expect(sent == 29)
        if let fake {
            // Every email under the one template, and every status back in the delivery log.
            #expect(fake.received().allSatisfy { $0.templateID == fake.templateID })
            try await harness.trackAll(harness.tracker(transport))
            #expect(try await harness.emails().allSatisfy { $0["delivery_status"] == "delivered" })
            #expect(try await harness.published().filter { $0 == "notification.delivered" }.count == 29)
        }
    }

    @Test func everyEmailThatAsksForAReplyGoesToSupportAndSaysSo() async throws {
        let harness = try await NotificationsHarness(environment: ["SUPPORT_EMAIL_ADDRESS": "support@education.example"])
        defer {
            ProcessLauncher.killAll(in: harness.folder.url)
            harness.folder.remove()
        }
        let server = try await SMTPTestServer(folder: harness.folder)
        typealias H = NotificationsHarness
        try harness.deliver(SchoolUpserted(school: H.school))
        try harness.deliver(ClaimWindowUpserted(window: ClaimWindowFields(id: 1, academicYear: 2025, opensOn: "2026-02-01", closesOn: "2026-03-02")))
        // Support drafts a claim for the school.
        try harness.deliver(
            ClaimDraftCreated(
                reference: "55556666",
                school: H.school,
                provider: H.provider,
                academicYear: 2025,
                claimWindowId: 1,
                mentors: [ClaimMentor(trn: "1234567", firstName: "Ada", lastName: "Lovelace", hours: 5)],
                createdBy: .user(id: "s", email: "officer@education.example"),
                bySupport: true
            )
        )
        // The payer asks for information; support finds nothing to claw back on another claim.
        try harness.deliver(H.claim("22223333"))
        try harness.deliver(H.status("22223333", "submitted", "payment_in_progress"))
        try harness.deliver(H.status("22223333", "payment_in_progress", "payment_information_requested", reason: "Bank details do not match"))
        try harness.deliver(H.claim("44445555"))
        for (from, to) in [
            ("submitted", "payment_in_progress"), ("payment_in_progress", "paid"), ("paid", "sampling_in_progress"),
            ("sampling_in_progress", "sampling_provider_not_approved"), ("sampling_provider_not_approved", "sampling_not_approved"),
            ("sampling_not_approved", "paid"),
        ] {
            try harness.deliver(H.status("44445555", from, to))
        }
        try harness.deliver(
            PaymentRunCreated(
                run: RunCreatedFields(
                    runId: 8,
                    claimCount: 1,
                    totalPence: 100,
                    links: [RecipientLink(email: "payer@esfa.example", url: "https://p.example/x")]
                )
            ),
            from: "payments"
        )
        try harness.deliver(
            SampleProviderRequested(
                sampleId: 1,
                requestId: 2,
                provider: H.provider,
                recipients: [RecipientLink(email: "quality@provider.example", url: "https://a.example/y")],
                dueOn: "2026-03-23",
                claimCount: 1
            ),
            from: "audit-sampling"
        )
        // On the window's closing day, the closing reminder says it closes today.
        try harness.deliver(
            SchoolUpserted(
                school: SchoolSnapshot(
                    urn: 100009,
                    name: "Ysgol Fach",
                    postcode: "N9",
                    localAuthority: "Enfield",
                    typeOfEstablishment: "Academy",
                    group: "Academies",
                    region: "outer_london",
                    trust: nil,
                    contactEmails: ["office@fach.example"]
                )
            )
        )
        try harness.deliver(SchoolEligibilityGranted(urn: 100009, academicYear: 2025))
        let reminders = WindowReminders(
            database: harness.service.database,
            claimsBaseURL: "https://claims.example",
            logger: .init(label: "r"),
            now: { harness.clock.now() }
        )
        _ = try await reminders.tick()

        let sender = harness.sender(try SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, startTLS: false)))
        try await harness.sendAll(sender)
        let received = server.received()
        func one(_ template: String, to address: String) -> SMTPTestServer.Received? {
            let matches = received.filter { $0.recipients == [address] && $0.template == template }
            #expect(matches.count == 1, "\(template) to \(address): \(matches.count) emails")
            return matches.first
        }
        for (template, address) in [
            ("claim_draft_created", "office@school.example"), ("payment_information_requested", "office@school.example"),
            ("payment_run_ready", "payer@esfa.example"), ("sampling_request", "quality@provider.example"),
        ] {
            let email = one(template, to: address)
            #expect(email?.replyTo == "support@education.example", "\(template)")
            #expect(email?.body.contains("support@education.example") == true, "\(template) names the support address")
            #expect(email?.body.lowercased().contains("no-reply") == false)
        }
        let drafted = one("claim_draft_created", to: "office@school.example")
        #expect(drafted?.subject == "Claim 55556666 is waiting for you to review and submit")
        #expect(drafted?.body.contains("- Ada Lovelace (TRN 1234567): 5 hours") == true)
        let asked = one("payment_information_requested", to: "office@school.example")
        #expect(asked?.body.contains(SchoolActionText.informationRequested(support: "support@education.example", respondBy: "2026-03-16")) == true)
        let nothing = one("clawback_not_required", to: "office@school.example")
        #expect(nothing?.subject == "Claim 44445555: nothing will be recovered")
        #expect(nothing?.replyTo == "")  // asks for nothing
        let payer = one("payment_run_ready", to: "payer@esfa.example")
        #expect(payer?.body.contains("set claim_status to paid") == true && payer?.body.contains("claim_unpaid_reason") == true)
        let provider = one("sampling_request", to: "quality@provider.example")
        #expect(provider?.body.contains("https://claims.example/providers/1AB") == true)
        #expect(provider?.body.contains("claim_accepted") == true)
        let closing = one("claim_window_closing", to: "office@fach.example")
        #expect(closing?.body.contains("closes today, at 11:59pm") == true, "\(closing?.body ?? "")")
        #expect(closing?.subject.contains("today") == true)
    }

    @Test func anAuditMessageWaitsForItsClaimFromClaimsIntake() async throws {
        let harness = try await NotificationsHarness()
        defer { harness.folder.remove() }
        try harness.deliver(SchoolUpserted(school: NotificationsHarness.school))
        try harness.deliver(
            SampleProviderNotApproved(reference: "12345678", mentors: [RejectedMentor(trn: "1234567", name: nil, reason: "Not ours")]),
            from: "audit-sampling"
        )
        #expect(try await harness.emails().isEmpty)
        let parked = try await harness.service.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM bus_parked") }
        #expect(parked == 1)
        try harness.deliver(NotificationsHarness.claim("12345678"))
        let templates = try await harness.emails().map { $0["template"] as String }
        #expect(templates.filter { $0 == "sampling_provider_not_approved" }.count == 2)
        #expect(templates.filter { $0 == "claim_submitted" }.count == 2)
    }

    @Test func theSameMessageDeliveredThreeTimesSendsOneEmail() async throws {
        let harness = try await NotificationsHarness()
        defer {
            ProcessLauncher.killAll(in: harness.folder.url)
            harness.folder.remove()
        }
        let server = try await SMTPTestServer(folder: harness.folder)
        let envelope = try harness.deliver(NotificationsHarness.claim("12345678"))
        try harness.redeliver(envelope)  // a duplicate of the same sequence
        var replayed = envelope
        replayed.sequence = 2  // the same fact again under a later sequence (a restored producer)
        try harness.redeliver(replayed)
        let sender = harness.sender(try SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, startTLS: false)))
        try await harness.sendAll(sender)
        try await harness.sendAll(sender)
        #expect(server.received().map(\.recipients).sorted { $0[0] < $1[0] } == [["head@school.example"], ["office@school.example"]])
    }

    @Test func supportMessagesAreCheckedAndAnIdempotencyKeyQueuesThemOnce() async throws {
        let harness = try await NotificationsHarness()
        defer { harness.folder.remove() }
        try harness.deliver(SchoolUpserted(school: NotificationsHarness.school))
        let token = try await harness.token()
        func post(_ json: [String: Any], token: String? = nil, key: String? = nil) async throws -> TestHTTP.Reply {
            try await harness.http.send(
                .post,
                "/api/v1/notifications/messages",
                token: token,
                json: json,
                headers: key.map { ["Idempotency-Key": $0] } ?? [:]
            )
        }
        let valid: [String: Any] = ["school_urn": 100001, "subject": "Hello", "body": "Text"]
        #expect(try await post(valid).status == 401)
        #expect(try await post(valid, token: try await harness.token(.school)).status == 403)
        let bad = try await post(["school_urn": 100001, "subject": "Two\nlines", "body": " "], token: token)
        #expect(bad.status == 422)
        #expect(bad.text.contains("subject") && bad.text.contains("body"))
        #expect(try await post(["school_urn": "x", "subject": "a", "body": "b"], token: token).status == 422)
        #expect(try await post(["school_urn": 999999, "subject": "a", "body": "b"], token: token).status == 404)
        #expect(try await harness.emails().isEmpty)
        let first = try await post(valid, token: token, key: "abc")
        let second = try await post(valid, token: token, key: "abc")
        #expect(first.status == 202 && second.status == 202)
        #expect(first.json?["ids"] as? [Int] == second.json?["ids"] as? [Int])
        #expect(try await post(valid, token: token, key: "other").status == 202)
        #expect(try await harness.emails().count == 2)
    }
}

/// Claim window emails: opening, then 30, 7 and 1 days before the close, once each, only to
/// eligible schools that have not claimed, driven by an injected clock.
@Suite struct WindowReminderTests {
    @Test func milestonesFollowTheCalendar() {
        typealias W = WindowReminders
        #expect(W.milestone(today: "2026-01-31", opensOn: "2026-02-01", closesOn: "2026-07-31") == nil)
        #expect(W.milestone(today: "2026-02-01", opensOn: "2026-02-01", closesOn: "2026-07-31") == .opening)
        #expect(W.milestone(today: "2026-06-30", opensOn: "2026-02-01", closesOn: "2026-07-31") == .opening)
        #expect(W.milestone(today: "2026-07-01", opensOn: "2026-02-01", closesOn: "2026-07-31") == .closing30)
        #expect(W.milestone(today: "2026-07-23", opensOn: "2026-02-01", closesOn: "2026-07-31") == .closing30)
        #expect(W.milestone(today: "2026-07-24", opensOn: "2026-02-01", closesOn: "2026-07-31") == .closing7)
        #expect(W.milestone(today: "2026-07-30", opensOn: "2026-02-01", closesOn: "2026-07-31") == .closing1)
        #expect(W.milestone(today: "2026-07-31", opensOn: "2026-02-01", closesOn: "2026-07-31") == .closing1)
        #expect(W.milestone(today: "2026-08-01", opensOn: "2026-02-01", closesOn: "2026-07-31") == nil)
        // A 10-day window: no 30-day reminder, and none on the opening day.
        #expect(W.milestone(today: "2026-07-22", opensOn: "2026-07-21", closesOn: "2026-07-31") == .opening)
        #expect(W.milestone(today: "2026-07-24", opensOn: "2026-07-21", closesOn: "2026-07-31") == .closing7)
    }

    @Test func closingRemindersGoOutOnceAt30And7And1DaysOnlyToEligibleSchoolsWithoutAClaim() async throws {
        let clock = TestClock("2026-01-31T09:00:00Z")
        let harness = try await NotificationsHarness(clock: clock)
        defer { harness.folder.remove() }
        func school(_ urn: Int, _ name: String) -> SchoolSnapshot {
            SchoolSnapshot(
                urn: urn,
                name: name,
                postcode: "N1",
                localAuthority: "Islington",
                typeOfEstablishment: "Academy",
                group: "Academies",
                region: "inner_london",
                trust: nil,
                contactEmails: ["office@\(urn).example"]
            )
        }
        for (urn, name) in [(1, "Claimed School"), (2, "Quiet School"), (3, "Not Eligible School"), (4, "Late Eligible School")] {
            try harness.deliver(SchoolUpserted(school: school(urn, name)))
        }
        try harness.deliver(ClaimWindowUpserted(window: ClaimWindowFields(id: 5, academicYear: 2025, opensOn: "2026-02-01", closesOn: "2026-07-31")))
        try harness.deliver(SchoolEligibilityGranted(urn: 1, academicYear: 2025))
        try harness.deliver(SchoolEligibilityGranted(urn: 2, academicYear: 2025))
        try harness.deliver(SchoolEligibilityGranted(urn: 3, academicYear: 2024))
        let reminders = WindowReminders(
            database: harness.service.database,
            claimsBaseURL: "https://claims.example",
            logger: .init(label: "r"),
            now: { clock.now() }
        )

        func sentTo(_ template: String) async throws -> [String] {
            try await harness.service.database.read {
                try String.fetchAll($0, sql: "SELECT recipient FROM emails WHERE template = ? ORDER BY recipient, id", arguments: [template])
            }
        }
        // The day before it opens: nothing.
        #expect(try await reminders.tick() == 0)
        // Opening day (twice: a restart or a second tick sends nothing more).
        clock.set("2026-02-01T00:30:00Z")
        #expect(try await reminders.tick() == 2)
        #expect(try await reminders.tick() == 0)
        #expect(try await sentTo("claim_window_open") == ["office@1.example", "office@2.example"])
        // School 1 claims; school 4 becomes eligible later.
        try harness.deliver(NotificationsHarness.claim("12345678", school: school(1, "Claimed School"), window: 5))
        try harness.deliver(SchoolEligibilityGranted(urn: 4, academicYear: 2025))

        // Every day up to the close, ticking several times a day, and across a "restart" (a new
        // scheduler on the same database).
        var day = LondonDates.noon(year: 2026, month: 2, day: 2)!
        var perDay: [String: Int] = [:]
        while LondonDates.text(of: day) <= "2026-08-02" {
            for hour in [1, 13, 22] {
                clock.set(LondonDates.calendar.date(bySettingHour: hour, minute: 0, second: 0, of: day)!)
                let scheduler =
                    hour == 13
                    ? WindowReminders(
                        database: harness.service.database,
                        claimsBaseURL: "https://claims.example",
                        logger: .init(label: "r2"),
                        now: { clock.now() }
                    )
                    : reminders
                let queued = try await scheduler.tick()
                if queued > 0 { perDay[LondonDates.text(of: day), default: 0] += queued }
            }
            day = LondonDates.calendar.date(byAdding: .day, value: 1, to: day)!
        }
        // School 4 got the opening email the day after it became eligible; schools 2 and 4 got
        // each closing reminder once; school 1 (claimed) and 3 (another year) nothing more.
        #expect(perDay == ["2026-02-02": 1, "2026-07-01": 2, "2026-07-24": 2, "2026-07-30": 2])
        #expect(try await sentTo("claim_window_open") == ["office@1.example", "office@2.example", "office@4.example"])
        #expect(
            try await sentTo("claim_window_closing") == Array(repeating: "office@2.example", count: 3)
                + Array(repeating: "office@4.example", count: 3)
        )
        let subjects = try await harness.service.database.read {
            try String.fetchAll(
                $0,
                sql: "SELECT subject FROM emails WHERE template = 'claim_window_closing' AND recipient = 'office@2.example' ORDER BY id"
            )
        }
        #expect(
            subjects == [
                "The claim window closes on Friday 31 July 2026: claim for mentor training",
                "The claim window closes on Friday 31 July 2026: claim for mentor training",
                "The claim window closes tomorrow: claim for mentor training",
            ]
        )
        let bodies = try await harness.service.database.read {
            try String.fetchAll(
                $0,
                sql: "SELECT body FROM emails WHERE template = 'claim_window_closing' AND recipient = 'office@2.example' ORDER BY id"
            )
        }
        #expect(bodies[0].contains("closes in 30 days") && bodies[1].contains("closes in 7 days") && bodies[2].contains("closes tomorrow"))
        #expect(bodies[0].contains("Quiet School has not submitted a claim"))
    }

    @Test func aRemovedWindowSendsNothingMore() async throws {
        let clock = TestClock("2026-07-01T09:00:00Z")
        let harness = try await NotificationsHarness(clock: clock)
        defer { harness.folder.remove() }
        try harness.deliver(SchoolUpserted(school: NotificationsHarness.school))
        try harness.deliver(SchoolEligibilityGranted(urn: 100001, academicYear: 2025))
        let window = ClaimWindowFields(id: 8, academicYear: 2025, opensOn: "2026-06-01", closesOn: "2026-07-31")
        try harness.deliver(ClaimWindowUpserted(window: window))
        try harness.deliver(ClaimWindowRemoved(window: window))
        let reminders = WindowReminders(
            database: harness.service.database,
            claimsBaseURL: "https://claims.example",
            logger: .init(label: "r"),
            now: { clock.now() }
        )
        #expect(try await reminders.tick() == 0)
    }
}
