import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import TestSupport
import Testing

@testable import Notifications

/// GOV.UK Notify's key and tokens, as its API documents them.
@Suite struct NotifyKeyTests {
    @Test func aKeyIsItsNameThenTheServiceIdAndTheSecretAndItsTokenIsSignedWithTheSecret() throws {
        let service = "26785a09-ab16-4eb0-8407-a37497a57506"
        let secret = "3d844edf-8d35-48ac-975b-e847b4f122b0"
        let key = try NotifyAPIKey("mentor-claims-live-\(service)-\(secret)")
        #expect(key.serviceID == service)
        #expect(key.secret == secret)
        #expect("\(key)".contains(secret) == false)

        let token = key.token(at: Date(timeIntervalSince1970: 1_770_000_000))
        let parts = token.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        func decoded(_ part: String) throws -> [String: Any] {
            var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while text.count % 4 != 0 { text += "=" }
            let data = try #require(Data(base64Encoded: text))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        #expect(try decoded(parts[0])["alg"] as? String == "HS256")
        let claims = try decoded(parts[1])
        #expect(claims["iss"] as? String == service)
        #expect(claims["iat"] as? Int == 1_770_000_000)
        #expect(!parts[2].contains("=") && !parts[2].contains("+") && !parts[2].contains("/"))
    }

    @Test func aKeyThatIsNotNameServiceIdSecretIsRefusedWithoutBeingRepeated() {
        #expect(throws: NotifyKeyError.tooShort) { try NotifyAPIKey("secret-key") }
        #expect(throws: NotifyKeyError.notTwoUUIDs) {
            try NotifyAPIKey("name-26785a09-ab16-4eb0-8407-a37497a57506x3d844edf-8d35-48ac-975b-e847b4f122b0")
        }
        #expect(throws: NotifyKeyError.notTwoUUIDs) { try NotifyAPIKey(String(repeating: "z", count: 80)) }
    }

    @Test func eachNotifyStatusIsFinalOrNotAndOnlyABounceCountsAsUndelivered() {
        #expect(DeliveryStatus.allCases.filter(\.isFinal) == [.delivered, .permanentFailure, .temporaryFailure, .technicalFailure, .unknown])
        #expect(DeliveryStatus.allCases.filter(\.isUndelivered) == [.permanentFailure, .temporaryFailure])
        #expect(DeliveryStatus(notify: "permanent-failure") == .permanentFailure)
        #expect(DeliveryStatus(notify: "virus-scan-failed") == .pending)  // a status Notify may add later: ask again
        let policy = DeliveryCheckPolicy(firstCheck: 60)
        #expect([0, 1, 2, 3].map(policy.wait(afterChecks:)) == [60, 120, 240, 480])
        #expect(policy.wait(afterChecks: 10) == 3600)
        #expect(policy.wait(afterChecks: 1_000) == 3600)
    }

    @Test func theRollingLimitLetsNoMoreThanItsNumberThroughInAWindow() async throws {
        let limit = RollingLimit(limit: 5, window: .milliseconds(300))
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<5 { try await limit.take() }
        #expect(clock.now - start < .milliseconds(300))
        try await limit.take()  // the sixth waits for the first to leave the window
        #expect(clock.now - start >= .milliseconds(300))
    }
}

/// Sending through the suite's fake Notify: errors as the API documents them, retries that
/// neither lose nor double an email, and delivery statuses in the log.
@Suite(.serialized) struct NotifySendingTests {
    func harnessAndFake() async throws -> (NotificationsHarness, FakeNotify) {
        let harness = try await NotificationsHarness()
        return (harness, try await FakeNotify(folder: harness.folder))
    }

    func cleanUp(_ harness: NotificationsHarness) {
        ProcessLauncher.killAll(in: harness.folder.url)
        harness.folder.remove()
    }

    @Test func anEmailIsSentAsTheOneTemplateWithItsPlainTextAndAReferenceThatSaysNothingPersonal() async throws {
        let (harness, fake) = try await harnessAndFake()
        defer { cleanUp(harness) }
        try harness.deliver(NotificationsHarness.claim("12345678"))
        let transport = try harness.notify(fake)
        try await harness.sendAll(harness.sender(transport))
        let received = fake.received()
        #expect(Set(received.map(\.emailAddress)) == ["office@school.example", "head@school.example"])
        let rows = try await harness.emails()
        for email in received {
            let row = try #require(rows.first { $0["recipient"] == email.emailAddress })
            #expect(email.templateID == fake.templateID)
            #expect(email.subject == "Claim 12345678 submitted: £857.60")
            #expect(email.body == row["body"] as String)  // the plain text, not quoted-printable or HTML
            #expect(email.body.contains("- Ada Lovelace (TRN 1234567): 10 hours"))
            #expect(!email.body.contains("<") && !email.body.contains("=\r\n"))
            #expect(email.reference == row["message_id"] as String)
            #expect(!email.reference.contains("school") && !email.reference.contains("12345678"))
            #expect(row["provider_id"] as String? == email.id)
            #expect(row["delivery_status"] as String? == "created")
        }
        // Every request carried a token the fake accepted.
        #expect(fake.requests().allSatisfy { $0.status == 201 })
    }

    @Test func a429BurstIsRetriedWithBackoffAndNothingIsLostOrDoubled() async throws {
        let (harness, fake) = try await harnessAndFake()
        defer { cleanUp(harness) }
        for n in 0..<10 { try harness.deliver(NotificationsHarness.claim(String(format: "%08d", 20_000_000 + n))) }
        try fake.set(.rateLimited)
        let sender = harness.sender(try harness.notify(fake))
        // Notify answers 429 to every email of the first pass: each is queued again, none failed.
        try await sender.sendDue()
        let throttled = fake.requests().filter { $0.status == 429 }.count
        #expect(throttled == 20)
        let afterBurst = try await harness.emails()
        #expect(afterBurst.allSatisfy { $0["status"] == "queued" && $0["attempts"] == 1 })
        #expect((afterBurst.first?["last_error"] as String?)?.contains("429") == true)
        #expect((afterBurst.first?["last_error"] as String?)?.contains("RateLimitError") == true)
        try fake.set(.normal)
        try await harness.sendAll(sender)
        let received = fake.received()
        #expect(received.count == 20)
        #expect(Set(received.map(\.reference)).count == 20)
        #expect(try await harness.emails().allSatisfy { $0["status"] == "sent" && $0["attempts"] == 2 })
        #expect(try await harness.published().filter { $0 == "notification.sent" }.count == 20)
    }

    @Test func a500IsRetriedWithBackoff() async throws {
        let (harness, fake) = try await harnessAndFake()
        defer { cleanUp(harness) }
        try harness.deliver(NotificationsHarness.claim("12345678"))
        try fake.set(.serverError)
        let sender = harness.sender(try harness.notify(fake))
        try await sender.sendDue()
        #expect(try await harness.emails().allSatisfy { $0["status"] == "queued" && ($0["last_error"] as String).contains("500") })
        try fake.set(.normal)
        try await harness.sendAll(sender)
        #expect(fake.received().count == 2)
    }

    @Test func a400MarksTheEmailFailedWithNotifysMessageAndItIsNeverRetried() async throws {
        let (harness, fake) = try await harnessAndFake()
        defer { cleanUp(harness) }
        try fake.refuse("office@school.example", "Can't send to this recipient using a team-only API key")
        try harness.deliver(NotificationsHarness.claim("12345678"))
        try await harness.sendAll(harness.sender(try harness.notify(fake)))
        let office = try #require(try await harness.emails().first { $0["recipient"] == "office@school.example" })
        #expect(office["status"] as String == "failed")
        #expect(office["attempts"] as Int == 1)
        #expect((office["last_error"] as String) == "Notify answered 400: BadRequestError: Can't send to this recipient using a team-only API key")
        #expect(fake.requests().filter { $0.status == 400 }.count == 1)
        #expect(fake.received().map(\.emailAddress) == ["head@school.example"])
        #expect(try await harness.published().sorted() == ["notification.failed", "notification.sent"])
        // The delivery log shows Notify's words.
        let log = try await harness.http.send(.get, "/api/v1/notifications?status=failed", token: try await harness.token())
        let item = try #require((log.json?["items"] as? [[String: Any]])?.first)
        #expect((item["last_error"] as? String)?.contains("team-only API key") == true)
    }

    @Test func aWrongSecretOrAStaleTokenIsRefusedWith403AndTheEmailFailsAtOnce() async throws {
        let (harness, fake) = try await harnessAndFake()
        defer { cleanUp(harness) }
        try harness.deliver(NotificationsHarness.claim("12345678"))
        let wrong = "mentor_claims_test-\(fake.serviceID)-\(UUID().uuidString.lowercased())"
        try await harness.sendAll(harness.sender(try harness.notify(fake, key: wrong)))
        let rows = try await harness.emails()
        #expect(rows.allSatisfy { $0["status"] == "failed" && $0["attempts"] == 1 })
        #expect(rows.allSatisfy { ($0["last_error"] as String) == "Notify answered 403: AuthError: Invalid token: API key not found" })

        try harness.deliver(NotificationsHarness.claim("22223333"))
        let late = try harness.notify(fake, now: { Date().addingTimeInterval(-45) })
        try await harness.sendAll(harness.sender(late))
        let stale = try await harness.emails().filter { ($0["subject"] as String).contains("22223333") }
        #expect(stale.count == 2)
        #expect(stale.allSatisfy { ($0["last_error"] as String).contains("clock must be accurate to within 30 seconds") })
        #expect(fake.received().isEmpty)
    }

    @Test func anAnswerLostAfterNotifyTookTheEmailIsAskedAboutAndTheEmailIsNotSentTwice() async throws {
        let (harness, fake) = try await harnessAndFake()
        defer { cleanUp(harness) }
        try harness.deliver(NotificationsHarness.claim("12345678"))
        try fake.set(.hang)
        // Notify takes both emails but its answers never come within the second allowed.
        try await harness.sender(try harness.notify(fake, timeout: 1)).sendDue()
        #expect(fake.received().count == 2)
        let unsure = try await harness.emails()
        #expect(unsure.allSatisfy { $0["status"] == "queued" && ($0["sending_since"] as Int64?) != nil })
        #expect(unsure.allSatisfy { ($0["last_error"] as String).contains("no answer within 1 s") })
        try fake.set(.normal)
        try await harness.sendAll(harness.sender(try harness.notify(fake)))
        let received = fake.received()
        #expect(received.count == 2)  // found by reference, not sent again
        for row in try await harness.emails() {
            #expect(row["status"] as String == "sent")
            #expect(row["provider_id"] as String? == received.first { $0.reference == row["message_id"] as String }?.id)
        }
        #expect(fake.requests().contains { $0.path.hasPrefix("/v2/notifications?reference=") })
    }

    @Test func aBounceIsRecordedPublishedAndShownToSupportUntilTheAddressTakesEmailAgain() async throws {
        let (harness, fake) = try await harnessAndFake()
        defer { cleanUp(harness) }
        try fake.report("permanent-failure", for: "office@school.example")
        try fake.holdStatuses(for: 0.5)
        try harness.deliver(SchoolUpserted(school: NotificationsHarness.school))
        try harness.deliver(NotificationsHarness.claim("12345678"))
        let transport = try harness.notify(fake)
        try await harness.sendAll(harness.sender(transport))
        let tracker = harness.tracker(transport)
        // At first Notify is still sending: asked again later.
        try await Eventually.wait("the first checks", timeout: 10, interval: .milliseconds(5)) {
            try await tracker.checkDue()
            return try await harness.emails().allSatisfy { $0["delivery_status"] == "sending" }
        }
        #expect(try await harness.emails().allSatisfy { ($0["delivery_next_check_at"] as Int64?) != nil })
        try await harness.trackAll(tracker)
        let rows = try await harness.emails()
        let office = try #require(rows.first { $0["recipient"] == "office@school.example" })
        let head = try #require(rows.first { $0["recipient"] == "head@school.example" })
        #expect(office["status"] as String == "sent")
        #expect(office["delivery_status"] as String == "permanent-failure")
        #expect((office["last_error"] as String).contains("the address does not exist"))
        #expect(head["delivery_status"] as String == "delivered")
        #expect(
            try await harness.published().sorted() == ["notification.delivered", "notification.failed", "notification.sent", "notification.sent"]
        )

        let token = try await harness.token()
        let log = try await harness.http.send(.get, "/api/v1/notifications?delivery_status=permanent-failure", token: token)
        let items = try #require(log.json?["items"] as? [[String: Any]])
        #expect(items.map { $0["to"] as? String } == ["office@school.example"])
        #expect(items.first?["delivery_reported_at"] is String)
        let bounced = try await harness.http.send(.get, "/api/v1/notifications/undeliverable?school_urn=100001", token: token)
        let addresses = try #require(bounced.json?["items"] as? [[String: Any]])
        #expect(addresses.map { $0["address"] as? String } == ["office@school.example"])
        #expect(addresses.first?["delivery_status"] as? String == "permanent-failure")
        #expect(addresses.first?["subject"] as? String == "Claim 12345678 submitted: £857.60")
        #expect(
            try await harness.http.send(.get, "/api/v1/notifications/undeliverable?school_urn=100001", token: try await harness.token(.school)).status
                == 403
        )
        #expect(try await harness.http.send(.get, "/api/v1/notifications/undeliverable?school_urn=999", token: token).status == 404)
        #expect(try await harness.http.send(.get, "/api/v1/notifications/undeliverable?school_urn=abc", token: token).status == 422)
        #expect(try await harness.http.send(.get, "/api/v1/notifications?delivery_status=bounced", token: token).status == 422)

        // Once the address takes an email again (the school fixed its mailbox), it is no longer shown.
        try fake.report("delivered", for: "office@school.example")
        let id = try #require(office["id"] as Int64?)
        #expect(try await harness.http.send(.post, "/api/v1/notifications/\(id)/retry", token: token).status == 202)
        try await harness.sendAll(harness.sender(transport))
        try await harness.trackAll(tracker)
        let after = try await harness.http.send(.get, "/api/v1/notifications/undeliverable?school_urn=100001", token: token)
        #expect((after.json?["items"] as? [Any])?.isEmpty == true)
    }

    @Test func aTechnicalFailureIsSentAgainAndWithinItsAttemptsOnly() async throws {
        let (harness, fake) = try await harnessAndFake()
        defer { cleanUp(harness) }
        try fake.report("technical-failure", for: "office@school.example")
        try harness.deliver(NotificationsHarness.claim("12345678"))
        let transport = try harness.notify(fake)
        let policy = SendingPolicy(ratePerSecond: 1000, maxAttempts: 3, retryBase: 0.02)
        let sender = harness.sender(transport, policy: policy)
        let tracker = harness.tracker(transport, policy: policy)
        try await harness.sendAll(sender)
        try await Eventually.wait("the first check", timeout: 10, interval: .milliseconds(5)) {
            try await tracker.checkDue()
            return try await harness.emails().contains { $0["recipient"] == "office@school.example" && $0["status"] == "queued" }
        }
        // Notify never sent it: queued again, and sent once more.
        let requeued = try #require(try await harness.emails().first { $0["recipient"] == "office@school.example" })
        #expect(requeued["status"] as String == "queued")
        #expect(requeued["delivery_status"] as String == "technical-failure")
        try fake.report("delivered", for: "office@school.example")
        try await harness.sendAll(sender)
        try await harness.trackAll(tracker)
        let office = try #require(try await harness.emails().first { $0["recipient"] == "office@school.example" })
        #expect(office["delivery_status"] as String == "delivered")
        #expect(office["attempts"] as Int == 2)
        #expect(fake.received().filter { $0.emailAddress == "office@school.example" }.count == 2)

        // Always a technical failure: failed after the last attempt, and published as failed.
        try fake.report("technical-failure", for: "head@school.example")
        try harness.deliver(NotificationsHarness.claim("22223333"))
        try await Eventually.wait("the email to fail", timeout: 10, interval: .milliseconds(20)) {
            try await harness.sendAll(sender)
            try await tracker.checkDue()
            return try await harness.emails().contains {
                ($0["subject"] as String).contains("22223333") && $0["recipient"] == "head@school.example" && $0["status"] == "failed"
            }
        }
        let head = try #require(
            try await harness.emails().first { ($0["subject"] as String).contains("22223333") && $0["recipient"] == "head@school.example" }
        )
        #expect(head["attempts"] as Int == 3)
        #expect(try await harness.published().contains("notification.failed"))
    }
}
