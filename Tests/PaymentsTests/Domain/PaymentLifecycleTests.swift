import Testing

@testable import Payments

/// Every event against every status: the claim moves where the lifecycle says, or the step is
/// refused and the claim stays where it was.
@Suite struct PaymentLifecycleTests {
    /// Where each event takes a claim from each status; a missing status is a refusal.
    static let moves: [(event: String, from: ClaimStatus, to: ClaimStatus, effect: PaymentLifecycle.Effect)] = [
        ("payment run", .submitted, .paymentInProgress, .sentToPayer(.payment)),
        ("clawback run", .clawbackRequested, .clawbackInProgress, .sentToPayer(.clawback)),
        ("paid", .paymentInProgress, .paid, .paid),
        ("unpaid", .paymentInProgress, .paymentInformationRequested, .informationRequested(reason: "No bank details")),
        ("still in payment", .paymentInProgress, .paymentInProgress, .none),
        ("clawed back", .clawbackInProgress, .clawbackComplete, .clawedBack),
        ("still in clawback", .clawbackInProgress, .clawbackInProgress, .none),
        ("information sent", .paymentInformationRequested, .paymentInformationSent, .informationSent),
        ("confirm paid", .paymentInformationRequested, .paid, .paid),
        ("confirm paid", .paymentInformationSent, .paid, .paid),
        ("reject", .paymentInformationRequested, .paymentNotApproved, .notApproved(reason: "Not eligible")),
        ("reject", .paymentInformationSent, .paymentNotApproved, .notApproved(reason: "Not eligible")),
    ]

    static let events = [
        "payment run", "clawback run", "paid", "unpaid", "still in payment", "clawed back", "still in clawback",
        "information sent", "confirm paid", "reject",
    ]

    func apply(_ event: String, to lifecycle: inout PaymentLifecycle) throws(LifecycleRefusal) -> PaymentLifecycle.Effect {
        switch event {
        case "payment run": return try lifecycle.includeInRun(.payment)
        case "clawback run": return try lifecycle.includeInRun(.clawback)
        case "paid": return try lifecycle.payerAnswered(.paid, in: .payment)
        case "unpaid": return try lifecycle.payerAnswered(.unpaid(reason: "No bank details"), in: .payment)
        case "still in payment": return try lifecycle.payerAnswered(.stillInProgress, in: .payment)
        case "clawed back": return try lifecycle.payerAnswered(.clawbackComplete, in: .clawback)
        case "still in clawback": return try lifecycle.payerAnswered(.stillInProgress, in: .clawback)
        case "information sent": return try lifecycle.informationSent()
        case "confirm paid": return try lifecycle.confirmPaid()
        default: return try lifecycle.reject(reason: "Not eligible")
        }
    }

    @Test(arguments: PaymentLifecycleTests.events)
    func eachEventMovesOnlyTheStatusesItStartsFromAndRefusesTheRest(event: String) {
        for status in ClaimStatus.allCases {
            var lifecycle = PaymentLifecycle(status)
            let expected = Self.moves.first { $0.event == event && $0.from == status }
            do {
                let effect = try apply(event, to: &lifecycle)
                #expect(expected != nil, "\(event) from \(status) should be refused")
                #expect(lifecycle.status == expected?.to)
                #expect(effect == expected?.effect)
            } catch {
                #expect(expected == nil, "\(event) from \(status) was refused: \(error.message)")
                #expect(lifecycle.status == status, "a refused step leaves the claim where it was")
                #expect(error.message.contains(status.rawValue) || error.message.contains("run"))
            }
        }
    }

    @Test func aPaymentRunsAnswerCannotCompleteAClawbackNorTheOtherWayRound() {
        var inPayment = PaymentLifecycle(.paymentInProgress)
        #expect(throws: LifecycleRefusal.self) { try inPayment.payerAnswered(.clawbackComplete, in: .payment) }
        var inClawback = PaymentLifecycle(.clawbackInProgress)
        #expect(throws: LifecycleRefusal.self) { try inClawback.payerAnswered(.paid, in: .clawback) }
        #expect(inPayment.status == .paymentInProgress && inClawback.status == .clawbackInProgress)
    }

    @Test func onlyASubmittedClaimIsDeletedAndARunKeepsItsClaims() {
        for status in ClaimStatus.allCases {
            var lifecycle = PaymentLifecycle(status)
            let deleted = lifecycle.deleted()
            #expect(deleted == (status == .submitted))
            #expect(lifecycle.status == (status == .submitted ? .deleted : status))
        }
    }

    @Test func anApprovedClawbackWaitsForTheNextRunOnlyFromTheApprovalSteps() {
        for status in ClaimStatus.allCases {
            var lifecycle = PaymentLifecycle(status)
            lifecycle.clawbackApproved()
            let ready = status == .clawbackRequiresApproval || status == .clawbackRequested
            #expect(lifecycle.status == (ready ? .clawbackRequested : status))
        }
    }

    @Test func anotherServicesStepIsMirroredOnlyFromWhereThisCopyStands() {
        var lifecycle = PaymentLifecycle(.paid)
        let moved = lifecycle.mirror(from: .paid, to: .samplingInProgress)
        #expect(moved)
        #expect(lifecycle.status == .samplingInProgress)
        let movedBack = lifecycle.mirror(from: .paid, to: .clawbackRequiresApproval)
        #expect(!movedBack, "an older message never moves a claim back")
        #expect(lifecycle.status == .samplingInProgress)
    }
}
