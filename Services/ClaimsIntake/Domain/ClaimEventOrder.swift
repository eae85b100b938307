/// The order claims move in across services: what tells "not yet" (a message that arrived before
/// another producer's earlier fact, parked) from "never" (dead-lettered).
enum ClaimEventOrder {
    /// The statuses from which `event` can move a claim.
    static func sources(of event: ClaimEvent) -> [ClaimStatus] {
        ClaimStatus.allCases.filter { (try? ClaimLifecycle.next(from: $0, on: event).get()) != nil }
    }

    /// Which service's messages carry `event`.
    static func producer(of event: ClaimEvent) -> String {
        switch event {
        case .submitted: return "claims-intake"
        case .paymentRequested, .paid, .paymentInformationRequested, .paymentInformationSent, .paymentRejected, .clawbackSent,
            .clawbackCompleted:
            return "payments"
        case .sampleSelected, .providerAccepted, .providerNotApproved, .sampleApproved, .schoolRejected, .clawbackRequested,
            .clawbackNotRequired, .clawbackApproved, .clawbackRejected:
            return "audit-sampling"
        }
    }

    /// Whether `event`, refused for a claim in `status`, may become possible once another
    /// producer's message arrives.
    static func canStillArrive(_ event: ClaimEvent, claimIn status: ClaimStatus) -> Bool {
        let settled: Set<ClaimStatus> = [.draft, .paymentNotApproved, .clawbackComplete]
        guard !settled.contains(status) else { return false }
        for source in sources(of: event) where rank(source) > rank(status) {
            let into = ClaimEvent.allCases.filter { candidate in
                ClaimStatus.allCases.contains { (try? ClaimLifecycle.next(from: $0, on: candidate).get()) == source }
            }
            if into.contains(where: { producer(of: $0) != producer(of: event) }) { return true }
        }
        return false
    }

    /// A rough order of the lifecycle, to tell "not yet" (park) from "never" (dead letter).
    static func rank(_ status: ClaimStatus) -> Int {
        ClaimStatus.allCases.firstIndex(of: status) ?? 0
    }
}
