/// Why a step does not apply to a claim where it stands, in words support can act on.
struct LifecycleRefusal: Error, Equatable, Sendable {
    /// The sentence shown to support.
    var message: String
}

/// A sampled claim as audit follows it, a pure state machine: paid → sampling in progress →
/// paid (the provider accepted every mentor, or support approved it) or provider not approved →
/// school response recorded (not approved) → a clawback requested, which needs a second support
/// user: approved (clawback requested of the payer) or rejected (requested again later). Each
/// event is one `mutating` function that moves the claim and says what to record, or refuses and
/// changes nothing; `AuditDatabase` does the I/O.
struct AuditLifecycle: Equatable, Sendable {
    /// Where the claim stands.
    private(set) var status: ClaimStatus
    /// Who asked for the clawback now waiting for a decision, if one is.
    private(set) var pendingClawbackBy: String?

    /// A claim at `status`, with the requester of its pending clawback when there is one.
    init(_ status: ClaimStatus, pendingClawbackBy: String? = nil) {
        self.status = status
        self.pendingClawbackBy = pendingClawbackBy
    }

    /// What a step asks the database to record beside the new status.
    enum Effect: Equatable, Sendable {
        /// The claim is in a new sample.
        case sampled
        /// The claim is back to paid and leaves its open sample.
        case closedAsPaid
        /// The provider did not accept some mentors.
        case providerNotApproved
        /// The school's response is recorded; the claim is not approved.
        case schoolRejected
        /// Nothing to claw back after all (every hour was trained): the claim is paid.
        case clawbackNotRequired
        /// A clawback waits for a second support user.
        case clawbackAwaitsApproval
        /// The second user approved: the payer is asked to recover the amount.
        case clawbackApproved
        /// The second user rejected the clawback.
        case clawbackRejected
    }

    /// Support (or the service's own selection) put the claim in a sample.
    mutating func select() throws(LifecycleRefusal) -> Effect {
        guard status == .paid else { throw LifecycleRefusal(message: "is \(status.rawValue), not paid") }
        status = .samplingInProgress
        return .sampled
    }

    /// The provider's answer for every mentor of the claim.
    mutating func providerAnswered(everyMentorAccepted: Bool) throws(LifecycleRefusal) -> Effect {
        guard status == .samplingInProgress else { throw LifecycleRefusal(message: "is no longer being sampled") }
        status = everyMentorAccepted ? .paid : .samplingProviderNotApproved
        return everyMentorAccepted ? .closedAsPaid : .providerNotApproved
    }

    /// Support approves a sampled claim, answered or not.
    mutating func approve() throws(LifecycleRefusal) -> Effect {
        guard status == .samplingInProgress || status == .samplingProviderNotApproved else {
            throw LifecycleRefusal(message: "Only a sampled claim can be approved; this one is \(status.rawValue).")
        }
        status = .paid
        return .closedAsPaid
    }

    /// Support records the school's response to the provider's rejection.
    mutating func schoolResponded() throws(LifecycleRefusal) -> Effect {
        guard status == .samplingProviderNotApproved else {
            throw LifecycleRefusal(
                message: "A school's response is recorded after the provider did not approve; this claim is \(status.rawValue)."
            )
        }
        status = .samplingNotApproved
        return .schoolRejected
    }

    /// Support requests a clawback of `hours` (zero when every hour was trained after all).
    mutating func requestClawback(hours: Int, by requester: String) throws(LifecycleRefusal) -> Effect {
        try checkClawbackCanBeRequested()
        guard hours > 0 else {
            status = .paid
            return .clawbackNotRequired
        }
        status = .clawbackRequiresApproval
        pendingClawbackBy = requester
        return .clawbackAwaitsApproval
    }

    /// Whether a clawback may be requested now, checked before its lines are.
    func checkClawbackCanBeRequested() throws(LifecycleRefusal) {
        guard status == .samplingNotApproved || status == .clawbackRejected else {
            throw LifecycleRefusal(message: "A clawback is requested after the school's response; this claim is \(status.rawValue).")
        }
    }

    /// Why a decision on the clawback was refused.
    enum DecisionRefusal: Error, Equatable, Sendable {
        /// No clawback waits for a decision.
        case nothingPending
        /// Four eyes: the requester never decides their own request.
        case ownRequest
    }

    /// A second support user decides the pending clawback.
    mutating func decideClawback(approved: Bool, by decider: String) throws(DecisionRefusal) -> Effect {
        guard let requester = pendingClawbackBy else { throw .nothingPending }
        guard requester != decider else { throw .ownRequest }
        pendingClawbackBy = nil
        status = approved ? .clawbackRequested : .clawbackRejected
        return approved ? .clawbackApproved : .clawbackRejected
    }
}
