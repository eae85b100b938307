import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import Storage
import TestSupport
import Testing

@testable import Web

@Suite struct PresentationTests {
    @Test func moneyIsPoundsAndPenceFromIntegerPence() {
        #expect(MoneyText.pounds(0) == "£0.00")
        #expect(MoneyText.pounds(5) == "£0.05")
        #expect(MoneyText.pounds(85_760) == "£857.60")
        #expect(MoneyText.pounds(107_200) == "£1,072.00")
        #expect(MoneyText.pounds(123_456_789) == "£1,234,567.89")
        #expect(MoneyText.pounds(-1_500) == "-£15.00")
    }

    @Test func everyStatusHasTheDfEServicesTagNameAndColour() {
        let expected: [(String, String, String)] = [
            ("draft", "Draft", "yellow"), ("submitted", "Submitted", "turquoise"), ("payment_in_progress", "Payer payment review", "yellow"),
            ("payment_information_requested", "Payer needs information", "turquoise"),
            ("payment_information_sent", "Information sent to payer", "yellow"), ("paid", "Paid", "blue"),
            ("payment_not_approved", "Rejected by payer", "orange"), ("sampling_in_progress", "Audit requested", "yellow"),
            ("sampling_provider_not_approved", "Rejected by provider", "turquoise"), ("sampling_not_approved", "Rejected by school", "turquoise"),
            ("clawback_requires_approval", "Clawback requires approval", "orange"), ("clawback_rejected", "Clawback rejected", "red"),
            ("clawback_requested", "Ready for clawback", "turquoise"), ("clawback_in_progress", "Sent to payer for clawback", "yellow"),
            ("clawback_complete", "Clawback complete", "blue"),
        ]
        for (status, label, colour) in expected {
            #expect(Presentation.tag(status) == Presentation.Tag(label: label, colour: colour), "\(status)")
        }
    }

    @Test func datesAndYearsReadAsPeopleSayThem() {
        #expect(Presentation.date("2026-07-31") == "31 July 2026")
        #expect(Presentation.academicYear(2025) == "2025 to 2026")
        #expect(Presentation.timestamp("2026-05-12T08:15:00Z") == "12 May 2026 at 9:15am")
        #expect(Presentation.hours(1) == "1 hour")
        #expect(Presentation.hours(16) == "16 hours")
    }
}

@Suite struct SessionTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSessionEndsAfterTheIdleTimeAndAfterTwelveHoursInAnyCase() {
        let policy = SessionPolicy(idle: 20 * 60)
        #expect(policy.verdict(signedInAt: start, lastSeenAt: start, now: start.addingTimeInterval(19 * 60)) == .active)
        #expect(policy.verdict(signedInAt: start, lastSeenAt: start, now: start.addingTimeInterval(21 * 60)) == .expired)
        // Busy all day, still ended at 12 hours.
        let late = start.addingTimeInterval(12 * 3600 + 1)
        #expect(policy.verdict(signedInAt: start, lastSeenAt: late.addingTimeInterval(-60), now: late) == .expired)
        #expect(policy.verdict(signedInAt: nil, lastSeenAt: start, now: start.addingTimeInterval(3600)) == .anonymous)
    }

    @Test func pkceChallengeIsTheRFC7636Example() {
        #expect(Secrets.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test func secretsAreRandomAndComparedWhole() {
        let a = Secrets.random()
        let b = Secrets.random()
        #expect(a != b && a.count == 43)
        #expect(Secrets.equal(a, a) && !Secrets.equal(a, b) && !Secrets.equal(a, String(a.dropLast())))
        #expect(Secrets.hash(a) != a && Secrets.hash(a).count == 64)
    }

    @Test func onlyOurOwnPathsAreReturnedToAfterSignIn() {
        #expect(Site.safeReturn("/schools/100001?x=1") == "/schools/100001?x=1")
        for hostile in ["//evil.example/x", "https://evil.example", "/\\evil.example", "schools", "/a\r\nSet-Cookie: x=1", nil] {
            #expect(Site.safeReturn(hostile) == nil, "\(hostile ?? "nil")")
        }
    }

    @Test func formsAreDecodedWithRepeatsAndPlusSigns() {
        let form = Form.parse("_token=abc&mentors=1234567&mentors=2345678&name=Ada+Lovelace&note=%3Cscript%3E&empty=&=x")
        #expect(form["_token"] == "abc")
        #expect(form.all("mentors") == ["1234567", "2345678"])
        #expect(form["name"] == "Ada Lovelace")
        #expect(form["note"] == "<script>")
        #expect(form["empty"] == nil)
    }
}

@Suite struct WebConfigurationTests {
    @Test func theDevelopmentSignInNeverRunsBeyondThisMachine() {
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(from: EnvironmentReader(["HTTP_HOST": "0.0.0.0", "AUTH_JWT_SECRET": String(repeating: "s", count: 40)]))
        }
        let local = try? Configuration.load(from: EnvironmentReader([:]))
        #expect(local?.oidc == nil)
    }

    @Test func anIdentityProviderNeedsAClientIdAndHttpsBeyondThisMachine() throws {
        let secret = ["AUTH_JWT_SECRET": String(repeating: "s", count: 40), "HTTP_HOST": "0.0.0.0"]
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(from: EnvironmentReader(secret.merging(["OIDC_ISSUER": "https://idp.example"]) { $1 }))
        }
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(from: EnvironmentReader(secret.merging(["OIDC_ISSUER": "http://idp.example", "OIDC_CLIENT_ID": "c"]) { $1 }))
        }
        let good = try Configuration.load(
            from: EnvironmentReader(
                secret.merging([
                    "OIDC_ISSUER": "https://idp.example/", "OIDC_CLIENT_ID": "c", "PUBLIC_BASE_URL": "https://claims.example",
                ]) { $1 }
            )
        )
        #expect(good.oidc?.issuer == "https://idp.example")
        #expect(good.secureCookies)
        #expect(good.oidc?.scopes == ["openid", "email", "profile"])
    }

    @Test func supportDomainsAndBootstrapUsersAreChecked() {
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(from: EnvironmentReader(["WEB_BOOTSTRAP_SUPPORT_EMAILS": "a@school.example"]))
        }
        #expect(throws: ConfigurationError.self) { try Configuration.load(from: EnvironmentReader(["SUPPORT_EMAIL_DOMAINS": "not a domain"])) }
        #expect(SupportDomains(["education.gov.uk"]).allows("Sam.Patel@Education.gov.uk"))
        #expect(!SupportDomains(["education.gov.uk"]).allows("sam@education.gov.uk.evil.example"))
        #expect(SupportNames.from(email: "sam.patel@education.gov.uk") == ("Sam", "Patel"))
    }
}

@Suite struct MembershipStoreTests {
    func store() throws -> (UserStore, DatabasePool, TemporaryFolder) {
        let folder = try TemporaryFolder("web-store")
        var migrator = DatabaseMigrator()
        BusSchema.register(in: &migrator)
        Migrations.register(in: &migrator)
        let database = try ServiceDatabase.open(path: folder.path("web.sqlite"), migrator: migrator)
        let outbox = Outbox(producer: "web", now: { Date() }, wakeup: Wakeup())
        return (UserStore(database: database, outbox: outbox, now: { Date() }), database, folder)
    }

    @Test func addingAMembershipTwicePublishesOnceAndRemovingPublishesTheRemoval() async throws {
        let (users, database, folder) = try store()
        defer { folder.remove() }
        let by = MembershipActor(id: "u1", email: "head@alder.example")
        let school = Membership(kind: .school, organisationID: "100001", organisationName: "Alder Primary School")
        let (user, added) = try await users.addMembership(
            email: "Kim.Doe@Alder.example",
            firstName: "Kim",
            lastName: "Doe",
            membership: school,
            by: by
        )
        #expect(added && user.email == "kim.doe@alder.example" && user.schoolURNs == [100001])
        let (_, again) = try await users.addMembership(email: "kim.doe@alder.example", firstName: "Kim", lastName: "Doe", membership: school, by: by)
        #expect(!again)
        // The same person added to a provider: one user, two memberships.
        let provider = Membership(kind: .provider, organisationID: "1TX", organisationName: "Best Practice")
        let (both, _) = try await users.addMembership(email: "kim.doe@alder.example", firstName: "K", lastName: "D", membership: provider, by: by)
        #expect(both.id == user.id && both.memberships.count == 2 && both.firstName == "Kim")
        #expect(try await users.removeMembership(userID: user.id, membership: school, by: by))
        #expect(try await !users.removeMembership(userID: user.id, membership: school, by: by))
        let types = try await database.read { try String.fetchAll($0, sql: "SELECT type FROM bus_outbox ORDER BY sequence") }
        #expect(types == ["user.membership-added", "user.membership-added", "user.membership-removed"])
        let first = try await database.read { try Data.fetchOne($0, sql: "SELECT envelope FROM bus_outbox WHERE sequence = 1") }
        let json = try JSONSerialization.jsonObject(with: try #require(first)) as? [String: Any]
        let payload = json?["payload"] as? [String: Any]
        #expect((payload?["organisation"] as? [String: Any])?["urn"] as? Int == 100001)
        #expect((payload?["user"] as? [String: Any])?["email"] as? String == "kim.doe@alder.example")
        #expect((payload?["by"] as? [String: Any])?["email"] as? String == "head@alder.example")
    }
}

@Suite struct ClaimJourneyTests {
    @Test func aDraftsOwnHoursCountOnlyWithItsOwnProvider() {
        var journey = ClaimJourney(urn: 100001, reference: "00000013", providerCode: "1TX")
        journey.savedProviderCode = "1TX"
        journey.savedHours = ["1234567": 6]
        #expect(journey.saved("1234567") == 6)
        #expect(journey.saved("7654321") == 0)
        journey.providerCode = "2KQ"
        #expect(journey.saved("1234567") == 0)
    }
}

@Suite struct PagingTests {
    @Test func pagesShowTheEndsTheNeighboursAndGapsBetween() {
        #expect(Paging(page: 1, perPage: 25, total: 20).values { "/p\($0)" }.isEmpty)
        let middle = Paging(page: 5, perPage: 25, total: 250)
        #expect(middle.pages == 10)
        #expect(middle.items.map { $0.number } == [1, nil, 4, 5, 6, nil, 10])
        #expect(middle.items.filter(\.current).map(\.number) == [5])
        let values = middle.values { "/p\($0)" }["pagination"] as? [String: Any]
        #expect(values?["previous"] as? String == "/p4" && values?["next"] as? String == "/p6")
        let first = Paging(page: 1, perPage: 25, total: 51)
        #expect(first.items.map { $0.number } == [1, 2, 3])
        #expect((first.values { "/p\($0)" }["pagination"] as? [String: Any])?["previous"] == nil)
        // A page beyond the last is the last.
        #expect(Paging(page: 99, perPage: 25, total: 51).page == 3)
    }
}

@Suite struct ClaimHistoryTests {
    static let claim = ClaimAPI(
        reference: "12345678",
        status: "submitted",
        school: .init(urn: 100001, name: "Alder", region: "inner_london"),
        provider: .init(code: "1TX", name: "Best"),
        academicYear: 2026,
        claimWindowId: 1,
        mentors: [],
        totalHours: 16,
        ratePence: 5360,
        amountPence: 85_760,
        clawbackAmountPence: 0,
        createdAt: "2026-12-03T09:00:00Z",
        createdBy: "head@alder.example",
        submittedAt: nil,
        submittedBy: nil,
        statusReason: nil,
        nextStep: "",
        version: 1
    )

    static func entry(_ action: String, _ reason: String) -> ActivityAPI {
        ActivityAPI(
            at: "2026-12-03T09:00:00Z",
            action: action,
            from: nil,
            to: nil,
            actor: .init(id: nil, email: nil, service: "notifications"),
            reason: reason
        )
    }

    @Test func anEmailsJourneyReadsAsSentThenDeliveredOrNotDeliveredToItsAddress() {
        func text(_ action: String, _ reason: String) -> String? {
            SchoolRoutes.historyEntry(Self.entry(action, reason), claim: Self.claim)["text"] as? String
        }
        #expect(text("email_sent", "claim_submitted, to office@alder.example") == "Email sent to office@alder.example")
        #expect(text("email_delivered", "claim_submitted, to office@alder.example") == "Email delivered to office@alder.example")
        #expect(
            text("email_failed", "claim_submitted, to office@alder.example, not delivered: the address does not exist (permanent-failure)")
                == "An email to office@alder.example could not be delivered"
        )
    }
}
