import Testing

@testable import AuditSampling

/// Every event against every status: the sampled claim moves where the lifecycle says, or the
/// step is refused and the claim stays where it was; and the four-eyes rule on clawbacks.
@Suite struct AuditLifecycleTests {
    static let moves: [(event: String, from: ClaimStatus, to: ClaimStatus, effect: AuditLifecycle.Effect)] = [
        ("select", .paid, .samplingInProgress, .sampled),
        ("provider accepts all", .samplingInProgress, .paid, .closedAsPaid),
        ("provider rejects some", .samplingInProgress, .samplingProviderNotApproved, .providerNotApproved),
        ("approve", .samplingInProgress, .paid, .closedAsPaid),
        ("approve", .samplingProviderNotApproved, .paid, .closedAsPaid),
        ("school responds", .samplingProviderNotApproved, .samplingNotApproved, .schoolRejected),
        ("clawback of 6 hours", .samplingNotApproved, .clawbackRequiresApproval, .clawbackAwaitsApproval),
        ("clawback of 6 hours", .clawbackRejected, .clawbackRequiresApproval, .clawbackAwaitsApproval),
        ("clawback of no hours", .samplingNotApproved, .paid, .clawbackNotRequired),
        ("clawback of no hours", .clawbackRejected, .paid, .clawbackNotRequired),
    ]
    static let events = [
        "select", "provider accepts all", "provider rejects some", "approve", "school responds", "clawback of 6 hours", "clawback of no hours",
    ]

    func apply(_ event: String, to lifecycle: inout AuditLifecycle) throws(LifecycleRefusal) -> AuditLifecycle.Effect {
        switch event {
        case "select": return try lifecycle.select()
        case "provider accepts all": return try lifecycle.providerAnswered(everyMentorAccepted: true)
        case "provider rejects some": return try lifecycle.providerAnswered(everyMentorAccepted: false)
        case "approve": return try lifecycle.approve()
        case "school responds": return try lifecycle.schoolResponded()
        case "clawback of 6 hours": return try lifecycle.requestClawback(hours: 6, by: "support-1")
        default: return try lifecycle.requestClawback(hours: 0, by: "support-1")
        }
    }

    @Test(arguments: AuditLifecycleTests.events)
    func eachEventMovesOnlyTheStatusesItStartsFromAndRefusesTheRest(event: String) {
        for status in ClaimStatus.allCases {
            var lifecycle = AuditLifecycle(status)
            let expected = Self.moves.first { $0.event == event && $0.from == status }
            do {
                let effect = try apply(event, to: &lifecycle)
                #expect(expected != nil, "\(event) from \(status) should be refused")
                #expect(lifecycle.status == expected?.to)
                #expect(effect == expected?.effect)
            } catch {
                #expect(expected == nil, "\(event) from \(status) was refused: \(error.message)")
                #expect(lifecycle.status == status, "a refused step leaves the claim where it was")
            }
        }
    }

    @Test func aClawbackIsDecidedOnlyByASecondSupportUser() throws {
        var lifecycle = AuditLifecycle(.samplingNotApproved)
        _ = try lifecycle.requestClawback(hours: 6, by: "support-1")
        #expect(lifecycle.pendingClawbackBy == "support-1")
        #expect(throws: AuditLifecycle.DecisionRefusal.ownRequest) { try lifecycle.decideClawback(approved: true, by: "support-1") }
        #expect(lifecycle.status == .clawbackRequiresApproval, "the requester's own decision changes nothing")
        #expect(try lifecycle.decideClawback(approved: true, by: "support-2") == .clawbackApproved)
        #expect(lifecycle.status == .clawbackRequested && lifecycle.pendingClawbackBy == nil)
        #expect(throws: AuditLifecycle.DecisionRefusal.nothingPending) { try lifecycle.decideClawback(approved: false, by: "support-3") }
    }

    @Test func aRejectedClawbackCanBeRequestedAgainAndDecidedByAnother() throws {
        var lifecycle = AuditLifecycle(.clawbackRequiresApproval, pendingClawbackBy: "support-1")
        #expect(try lifecycle.decideClawback(approved: false, by: "support-2") == .clawbackRejected)
        #expect(lifecycle.status == .clawbackRejected)
        _ = try lifecycle.requestClawback(hours: 3, by: "support-2")
        #expect(throws: AuditLifecycle.DecisionRefusal.ownRequest) { try lifecycle.decideClawback(approved: true, by: "support-2") }
        #expect(try lifecycle.decideClawback(approved: true, by: "support-1") == .clawbackApproved)
    }
}
