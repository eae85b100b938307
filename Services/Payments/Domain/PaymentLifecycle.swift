/// Why a step does not apply to a claim where it stands, in words support can act on.
struct LifecycleRefusal: Error, Equatable, Sendable {
    /// The sentence shown to support.
    var message: String
}

/// What the payer said about one claim of a run, read from its response file.
enum PayerOutcome: Equatable, Sendable {
    /// Paid (payment runs).
    case paid
    /// Not paid, with the payer's reason: the information loop starts.
    case unpaid(reason: String)
    /// Recovered (clawback runs).
    case clawbackComplete
    /// Still with the payer: nothing changes.
    case stillInProgress
}

/// Payments' view of one claim as a state machine: awaiting a run → in a payment run → paid, or
/// information requested → sent → paid / not approved; clawback approved → in a clawback run →
/// clawed back. Each event is one `mutating` function that either moves the claim and says what
/// to record, or refuses and changes nothing; the database type does the I/O.
struct PaymentLifecycle: Equatable, Sendable {
    /// Where the claim stands.
    private(set) var status: ClaimStatus

    /// A claim at `status`.
    init(_ status: ClaimStatus) { self.status = status }

    /// What a step asks the database to record beside the new status.
    enum Effect: Equatable, Sendable {
        /// The claim went into a run of that kind.
        case sentToPayer(RunKind)
        /// The payer (or support) confirmed payment of the claim's amount.
        case paid
        /// The payer asks for information, with its reason.
        case informationRequested(reason: String)
        /// Support sent the payer the information.
        case informationSent
        /// Support decided the claim is not paid.
        case notApproved(reason: String)
        /// The payer recovered the clawback amount.
        case clawedBack
        /// Nothing changes.
        case none
    }

    /// Support puts the claim in a new run of `kind`.
    mutating func includeInRun(_ kind: RunKind) throws(LifecycleRefusal) -> Effect {
        guard status == kind.eligibleStatus else {
            throw LifecycleRefusal(
                message: "Only a claim that is \(kind.eligibleStatus.rawValue) can go in a \(kind.rawValue) run; it is \(status.rawValue)."
            )
        }
        status = kind.inProgressStatus
        return .sentToPayer(kind)
    }

    /// The payer's answer for the claim, from a response to a run of `kind`.
    mutating func payerAnswered(_ outcome: PayerOutcome, in kind: RunKind) throws(LifecycleRefusal) -> Effect {
        try checkWithPayer(kind)
        switch (kind, outcome) {
        case (.payment, .paid):
            status = .paid
            return .paid
        case (.payment, .unpaid(let reason)):
            status = .paymentInformationRequested
            return .informationRequested(reason: reason)
        case (.clawback, .clawbackComplete):
            status = .clawbackComplete
            return .clawedBack
        case (_, .stillInProgress):
            return .none
        case (.payment, .clawbackComplete), (.clawback, .paid), (.clawback, .unpaid):
            throw LifecycleRefusal(message: "is in a \(kind.rawValue) run, which cannot be answered that way")
        }
    }

    /// Whether the claim is still with the payer in a run of `kind`, so the payer can answer for it.
    func checkWithPayer(_ kind: RunKind) throws(LifecycleRefusal) {
        guard status == kind.inProgressStatus else {
            throw LifecycleRefusal(message: "is no longer \(kind.inProgressStatus.rawValue) (it is \(status.rawValue))")
        }
    }

    /// Support has sent the payer the information it asked for.
    mutating func informationSent() throws(LifecycleRefusal) -> Effect {
        guard status == .paymentInformationRequested else {
            throw LifecycleRefusal(
                message: "Information can only be marked as sent while the payer is asking for it; the claim is \(status.rawValue)."
            )
        }
        status = .paymentInformationSent
        return .informationSent
    }

    /// Support confirms the payer paid a claim that was in the information loop.
    mutating func confirmPaid() throws(LifecycleRefusal) -> Effect {
        guard isInInformationLoop else {
            throw LifecycleRefusal(message: "Only a claim in the information loop can be confirmed as paid here; the claim is \(status.rawValue).")
        }
        status = .paid
        return .paid
    }

    /// Support decides a claim in the information loop is not paid.
    mutating func reject(reason: String) throws(LifecycleRefusal) -> Effect {
        guard isInInformationLoop else {
            throw LifecycleRefusal(message: "Only a claim in the information loop can be rejected; the claim is \(status.rawValue).")
        }
        status = .paymentNotApproved
        return .notApproved(reason: reason)
    }

    /// The school deleted the claim: only one not yet in a run stops being payable (a run
    /// already committed keeps it).
    mutating func deleted() -> Bool {
        guard status == .submitted else { return false }
        status = .deleted
        return true
    }

    /// Audit approved a clawback: a claim waiting for that approval (or already told) is ready
    /// for the next clawback run; any other status is kept.
    mutating func clawbackApproved() {
        if status == .clawbackRequiresApproval || status == .clawbackRequested { status = .clawbackRequested }
    }

    /// Another service's step, mirrored only when it starts where this copy stands: the steps
    /// payments takes itself are already applied here, and an older message never moves a claim
    /// back.
    mutating func mirror(from: ClaimStatus, to: ClaimStatus) -> Bool {
        guard status == from else { return false }
        status = to
        return true
    }

    private var isInInformationLoop: Bool { status == .paymentInformationRequested || status == .paymentInformationSent }
}
