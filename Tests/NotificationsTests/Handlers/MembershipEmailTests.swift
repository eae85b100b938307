import Foundation
import GRDB
import Messages
import TestSupport
import Testing

@testable import Notifications

/// web's membership messages: the person is emailed, and a school's users receive every email
/// to the school, each address once.
@Suite struct MembershipEmailTests {
    static func fields(_ email: String, urn: Int = 100001) -> MembershipFields {
        MembershipFields(
            user: MembershipUser(id: "u-\(email)", email: email, firstName: "Kim", lastName: "Doe"),
            organisation: MembershipOrganisation(type: "school", urn: urn, name: "Alder Primary School"),
            by: MembershipActor(id: "u1", email: "head@school.example")
        )
    }

    @Test func anAddedUserIsEmailedWithTheSignInLinkAndThenReceivesTheSchoolsEmails() async throws {
        let h = try await NotificationsHarness()
        defer { h.folder.remove() }
        let added = try h.deliver(UserMembershipAdded(fields: Self.fields("Kim.Doe@School.example")), from: "web")
        try h.redeliver(added)  // a duplicate changes nothing
        var emails = try await h.emails()
        #expect(emails.count == 1)
        #expect(emails.first?["recipient"] as String? == "kim.doe@school.example")
        #expect(emails.first?["subject"] as String? == "You have been added to Alder Primary School")
        #expect((emails.first?["body"] as String?)?.contains("https://claims.example/sign-in") == true)

        // A claim submitted by the office itself: the contact once, the submitter, and Kim.
        var claim = NotificationsHarness.claim("12345678")
        claim.submittedBy = .user(id: "office", email: "office@school.example", name: "Office")
        try h.deliver(claim)
        emails = try await h.emails()
        let submitted = emails.filter { ($0["template"] as String) == "claim_submitted" }.map { $0["recipient"] as String }
        #expect(submitted.sorted() == ["kim.doe@school.example", "office@school.example"])
        #expect(emails.contains { ($0["body"] as String).contains("https://claims.example/claims/12345678") })

        // Removed: a notice, and no more of the school's emails.
        try h.deliver(UserMembershipRemoved(fields: Self.fields("kim.doe@school.example")), from: "web")
        try h.deliver(NotificationsHarness.claim("22345678"))
        emails = try await h.emails()
        #expect(emails.contains { ($0["template"] as String) == "membership_removed" && ($0["recipient"] as String) == "kim.doe@school.example" })
        let second = emails.filter { ($0["claim_reference"] as String?) == "22345678" }.map { $0["recipient"] as String }
        #expect(!second.contains("kim.doe@school.example"))
    }
}
