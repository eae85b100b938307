import Foundation
import ServiceSupport
import Testing

@testable import Payments

/// The payer's files as pure code: the CSV sent with each kind of run, and the response read row
/// by row.
@Suite struct PayerFilesTests {
    static func claim(_ reference: String, amount: Int64 = 123_456, clawback: Int64 = 0) -> PayerFileClaim {
        PayerFileClaim(
            reference: reference,
            schoolURN: 100_001,
            schoolName: "Alder Primary, \"North\"",
            schoolLocalAuthority: "Camden",
            schoolTypeOfEstablishment: "Academy converter",
            schoolGroup: "Academies",
            providerName: "Best Practice Network",
            amountPence: amount,
            clawbackAmountPence: clawback,
            submittedAt: Milliseconds(value: 1_769_000_000_000)
        )
    }

    func table(_ text: String, _ kind: RunKind) throws -> CSVTable { try PayerFiles.table(Data(text.utf8), kind: kind) }

    @Test func aPaymentRunsFileHasTheSpecsColumnsOneRowPerClaimAndTheTotalInPence() {
        let file = PayerFiles.runFile(.payment, claims: [Self.claim("00000001"), Self.claim("00000002", amount: 5)])
        let lines = String(decoding: file.data, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 3)
        #expect(lines[0] == RunKind.payment.fileColumns.joined(separator: ","))
        #expect(
            lines[1]
                == "00000001,100001,\"Alder Primary, \"\"North\"\"\",Camden,Best Practice Network,1234.56,Academy converter,Academies,2026-01-21,payment_in_progress,"
        )
        #expect(lines[2].hasPrefix("00000002,") && lines[2].contains(",0.05,"))
        #expect(file.totalPence == 123_461)
    }

    @Test func aClawbackRunsFileCarriesTheClawbackAmountAndTotalsIt() {
        let file = PayerFiles.runFile(.clawback, claims: [Self.claim("00000001", clawback: 50_000)])
        let text = String(decoding: file.data, as: UTF8.self)
        #expect(text.hasPrefix(RunKind.clawback.fileColumns.joined(separator: ",")))
        #expect(text.contains(",1234.56,500.00,"))
        #expect(text.contains("clawback_in_progress"))
        #expect(file.totalPence == 50_000)
    }

    @Test func everyAnswerOfAPaymentResponseIsReadWithTheRunsAmount() throws {
        let members: [String: RunMember] = [
            "00000001": RunMember(status: .paymentInProgress, amountPence: 100),
            "00000002": RunMember(status: .paymentInProgress, amountPence: 200),
            "00000003": RunMember(status: .paymentInProgress, amountPence: 300),
        ]
        let csv = "claim_reference,claim_status,claim_unpaid_reason\n1,PAID,\n00000002,unpaid,No bank details\n00000003,payment_in_progress,\n"
        let answers = try PayerFiles.answers(try table(csv, .payment), kind: .payment, members: members)
        #expect(
            answers == [
                PayerAnswer(reference: "00000001", outcome: .paid, amountPence: 100),
                PayerAnswer(reference: "00000002", outcome: .unpaid(reason: "No bank details"), amountPence: 200),
                PayerAnswer(reference: "00000003", outcome: .stillInProgress, amountPence: 300),
            ]
        )
    }

    @Test func everyWrongRowIsNamedAndNoAnswerIsGiven() throws {
        let members: [String: RunMember] = [
            "00000001": RunMember(status: .paymentInProgress, amountPence: 100),
            "00000002": RunMember(status: .paid, amountPence: 200),
        ]
        let csv = """
            claim_reference,claim_status,claim_unpaid_reason
            00000001,unpaid,
            00000002,paid,
            00000009,paid,
            00000001,refunded,
            """
        #expect(
            throws: PaymentsError.fileHasErrors([
                FieldError(field: "row 2", message: "an unpaid claim needs a claim_unpaid_reason"),
                FieldError(field: "row 3", message: "claim 00000002 is no longer payment_in_progress (it is paid)"),
                FieldError(field: "row 4", message: "claim ‘00000009’ is not in this run"),
                FieldError(
                    field: "row 5",
                    message: "claim 00000001 is on more than one row; claim_status must be paid, unpaid, payment_in_progress, not ‘refunded’"
                ),
            ])
        ) { try PayerFiles.answers(try table(csv, .payment), kind: .payment, members: members) }
    }

    @Test func aClawbackResponseAcceptsOnlyClawbackOutcomes() throws {
        let members = ["00000001": RunMember(status: .clawbackInProgress, amountPence: 700)]
        let done = try PayerFiles.answers(
            try table("claim_reference,claim_status\n00000001,clawback_complete\n", .clawback),
            kind: .clawback,
            members: members
        )
        #expect(done == [PayerAnswer(reference: "00000001", outcome: .clawbackComplete, amountPence: 700)])
        #expect(throws: PaymentsError.self) {
            try PayerFiles.answers(try table("claim_reference,claim_status\n00000001,paid\n", .clawback), kind: .clawback, members: members)
        }
    }

    @Test func aFileWithoutTheColumnsIsRefusedAsUnreadable() {
        #expect(throws: PaymentsError.unreadableFile(.missingColumns(["claim_unpaid_reason"], found: ["claim_reference", "claim_status"]))) {
            try PayerFiles.table(Data("claim_reference,claim_status\n1,paid\n".utf8), kind: .payment)
        }
    }

    @Test func theSameAnswersTypedDifferentlyHaveOneFingerprint() throws {
        let a = try table("claim_reference,claim_status,claim_unpaid_reason\n1,paid,\n", .payment)
        let b = try table("claim_reference,claim_status,claim_unpaid_reason,extra\n00000001,paid,,x\n", .payment)
        let c = try table("claim_reference,claim_status,claim_unpaid_reason\n00000001,unpaid,late\n", .payment)
        #expect(PayerFiles.fingerprint(a, kind: .payment) == PayerFiles.fingerprint(b, kind: .payment))
        #expect(PayerFiles.fingerprint(a, kind: .payment) != PayerFiles.fingerprint(c, kind: .payment))
    }
}
