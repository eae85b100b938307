import Foundation
import Messages
import Messaging
import Testing

/// One golden JSON file per message type (`Golden/<type>.json`): the envelope exactly as it goes
/// on the wire, so a change to any contract shows in review as a change to a file. Each test
/// encodes an example and compares it with the file, and decodes the file back to the example.
/// `UPDATE_GOLDEN=1 swift test --filter GoldenMessageTests` rewrites the files after a deliberate
/// change.
@Suite struct GoldenMessageTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// A check of one message type against its file.
    struct Case: Sendable, CustomTestStringConvertible {
        var type: String
        var producer: String
        var check: @Sendable (_ producer: String) throws -> Void
        var testDescription: String { type }
    }

    static func golden<M: BusMessage & Equatable>(_ example: M, from producer: String) -> Case {
        Case(type: M.type, producer: producer) { producer in try compare(example, producer: producer) }
    }

    static func compare<M: BusMessage & Equatable>(_ example: M, producer: String) throws {
        let envelope = Envelope(
            id: UUID(uuidString: "00000000-0000-4000-8000-000000000001")!,
            type: M.type,
            version: M.version,
            producer: producer,
            sequence: 42,
            occurredAt: Date(timeIntervalSince1970: 1_770_000_000),
            correlationId: UUID(uuidString: "00000000-0000-4000-8000-000000000002")!,
            causationId: nil,
            payload: example
        )
        let wire = try EnvelopeWriter.encode(envelope, payloadEncoder: BusJSON.encoder())
        let object = try JSONSerialization.jsonObject(with: Data(wire))
        let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        let text = String(decoding: pretty, as: UTF8.self) + "\n"
        let file = folder.appendingPathComponent("\(M.type).json")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let stored = try String(contentsOf: file, encoding: .utf8)
        #expect(stored == text, "\(M.type): the wire format differs from Golden/\(M.type).json")
        let decoded = try BusJSON.decoder().decode(Envelope<M>.self, from: Data(stored.utf8))
        #expect(decoded.payload == example, "\(M.type): Golden/\(M.type).json no longer decodes to the example")
        #expect(decoded.type == M.type && decoded.version == M.version)
    }

    static let school = SchoolSnapshot(
        urn: 100_001,
        name: "Alder Primary School",
        postcode: "N1 1AA",
        localAuthority: "Islington",
        typeOfEstablishment: "Academy converter",
        group: "Academies",
        region: "inner_london",
        trust: TrustSnapshot(uid: "5001", name: "Oak Learning Trust"),
        contactEmails: ["office@alder.sch.uk"]
    )
    static let provider = ProviderSnapshot(
        code: "1AB",
        name: "Best Practice Network",
        ukprn: "10012345",
        accredited: true,
        emailAddresses: ["quality@bpn.example"]
    )
    static let school_user = Actor.user(id: "user-1", email: "head@alder.sch.uk", name: "Ada Head")
    static let support = Actor.user(id: "support-1", email: "sam.patel@education.gov.uk", name: "Sam Patel")
    static let mentors = [ClaimMentor(trn: "1234567", firstName: "Jo", lastName: "Bloggs", hours: 20)]
    static let window = ClaimWindowFields(id: 3, academicYear: 2025, opensOn: "2026-05-01", closesOn: "2026-07-31")
    static let links = [RecipientLink(email: "payer@esfa.example", url: "https://payments.example/api/v1/payments/runs/7/file?token=ab12")]
    static let rejected = [RejectedMentor(trn: "1234567", name: "Jo Bloggs", reason: "No record of training")]
    static let clawbackMentors = [ClawbackMentor(trn: "1234567", hoursClawedBack: 6, notes: "Six hours not evidenced")]
    static let emailed = NotificationFields(
        notificationId: 11,
        template: "claim_submitted",
        to: "office@alder.sch.uk",
        reference: "12345678",
        error: nil
    )
    static let membership = MembershipFields(
        user: MembershipUser(id: "user-2", email: "bursar@alder.sch.uk", firstName: "Ben", lastName: "Bursar"),
        organisation: MembershipOrganisation(type: "school", urn: 100_001, name: "Alder Primary School"),
        by: MembershipActor(id: "user-1", email: "head@alder.sch.uk")
    )

    static let cases: [Case] = [
        golden(SchoolUpserted(school: school), from: "claims-intake"),
        golden(ProviderUpserted(provider: provider), from: "claims-intake"),
        golden(ClaimWindowUpserted(window: window), from: "claims-intake"),
        golden(ClaimWindowRemoved(window: window), from: "claims-intake"),
        golden(SchoolEligibilityGranted(urn: 100_001, academicYear: 2025), from: "claims-intake"),
        golden(
            ClaimDraftCreated(
                reference: "12345678",
                school: school,
                provider: provider,
                academicYear: 2025,
                claimWindowId: 3,
                mentors: mentors,
                createdBy: support,
                bySupport: true
            ),
            from: "claims-intake"
        ),
        golden(
            ClaimSubmitted(
                reference: "12345678",
                school: school,
                provider: provider,
                academicYear: 2025,
                claimWindowId: 3,
                mentors: mentors,
                totalHours: 20,
                ratePence: 5_360,
                amountPence: 107_200,
                submittedAt: Date(timeIntervalSince1970: 1_769_990_000),
                submittedBy: school_user
            ),
            from: "claims-intake"
        ),
        golden(ClaimDeleted(reference: "12345678", reason: "Entered twice", by: support), from: "claims-intake"),
        golden(
            ClaimStatusChanged(
                reference: "12345678",
                from: "submitted",
                to: "payment_in_progress",
                reason: nil,
                actor: Actor(id: nil, email: nil, name: nil, service: "payments"),
                causedBy: UUID(uuidString: "00000000-0000-4000-8000-000000000003")
            ),
            from: "claims-intake"
        ),
        golden(PaymentRequested(reference: "12345678", runId: 7), from: "payments"),
        golden(PaymentPaid(reference: "12345678", runId: 7, amountPence: 107_200, by: nil), from: "payments"),
        golden(PaymentInformationRequested(reference: "12345678", reason: "Bank details do not match"), from: "payments"),
        golden(PaymentInformationSent(reference: "12345678", by: support), from: "payments"),
        golden(PaymentRejected(reference: "12345678", reason: "The school is not eligible", by: support), from: "payments"),
        golden(PaymentRunCreated(run: RunCreatedFields(runId: 7, claimCount: 1, totalPence: 107_200, links: links)), from: "payments"),
        golden(ClawbackRunCreated(run: RunCreatedFields(runId: 8, claimCount: 1, totalPence: 32_160, links: links)), from: "payments"),
        golden(ClawbackSent(fields: ClawbackRunFields(reference: "12345678", runId: 8, clawbackAmountPence: 32_160)), from: "payments"),
        golden(ClawbackCompleted(fields: ClawbackRunFields(reference: "12345678", runId: 8, clawbackAmountPence: 32_160)), from: "payments"),
        golden(ClaimFlagged(reference: "12345678", reasons: ["hours_over_allowance"]), from: "audit-sampling"),
        golden(SampleClaimSelected(reference: "12345678", sampleId: 2, sampleReason: "random"), from: "audit-sampling"),
        golden(
            SampleProviderRequested(
                sampleId: 2,
                requestId: 5,
                provider: provider,
                recipients: [
                    RecipientLink(email: "quality@bpn.example", url: "https://audit.example/api/v1/audit/provider-requests/5/file?token=cd34")
                ],
                dueOn: "2026-03-02",
                claimCount: 4,
                reminder: 1
            ),
            from: "audit-sampling"
        ),
        golden(SampleProviderAccepted(reference: "12345678"), from: "audit-sampling"),
        golden(SampleProviderNotApproved(reference: "12345678", mentors: rejected), from: "audit-sampling"),
        golden(SampleApproved(reference: "12345678", by: support), from: "audit-sampling"),
        golden(SampleSchoolRejected(reference: "12345678", mentors: rejected, by: support), from: "audit-sampling"),
        golden(ClawbackRequested(reference: "12345678", mentors: clawbackMentors, clawbackAmountPence: 32_160, by: support), from: "audit-sampling"),
        golden(ClawbackNotRequired(reference: "12345678", by: support), from: "audit-sampling"),
        golden(
            ClawbackApproved(
                reference: "12345678",
                clawbackAmountPence: 32_160,
                mentors: clawbackMentors,
                by: Actor.user(id: "support-2", email: "alex.jones@education.gov.uk", name: "Alex Jones")
            ),
            from: "audit-sampling"
        ),
        golden(ClawbackRejected(reference: "12345678", reason: "Hours were evidenced after all", by: support), from: "audit-sampling"),
        golden(
            NotificationSent(fields: emailed),
            from: "notifications"
        ),
        golden(
            NotificationFailed(
                fields: NotificationFields(
                    notificationId: 12,
                    template: "payment_information_requested",
                    to: "office@alder.sch.uk",
                    reference: "12345678",
                    error: "550 mailbox unavailable"
                )
            ),
            from: "notifications"
        ),
        golden(
            NotificationDelivered(fields: emailed),
            from: "notifications"
        ),
        golden(UserMembershipAdded(fields: membership), from: "web"),
        golden(UserMembershipRemoved(fields: membership), from: "web"),
    ]

    @Test(arguments: GoldenMessageTests.cases)
    func theWireFormatOfEachMessageTypeIsItsGoldenFile(_ golden: Case) throws {
        try golden.check(golden.producer)
    }

    @Test func everyMessageTypeHasExactlyOneGoldenFile() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files == Self.cases.map { "\($0.type).json" }.sorted())
        #expect(Set(Self.cases.map(\.type)).count == 34)
    }
}
