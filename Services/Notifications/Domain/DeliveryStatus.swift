import Foundation

/// Where a sent email stands with a mail service that reports delivery (GOV.UK Notify's email
/// statuses), and what the service does about each.
enum DeliveryStatus: String, Sendable, Equatable, CaseIterable {
    /// Notify has the email and has not yet handed it on.
    case created
    /// Notify has handed it to its email provider, which has not answered yet.
    case sending
    /// Notify is waiting for more information from its provider.
    case pending
    /// The recipient's mail server took it.
    case delivered
    /// The address does not exist or refuses mail for good: someone must fix the address.
    case permanentFailure = "permanent-failure"
    /// The recipient's server would not take it for now (a full inbox, a spam filter), and Notify
    /// has stopped trying.
    case temporaryFailure = "temporary-failure"
    /// Notify could not send it at all: it must be sent again.
    case technicalFailure = "technical-failure"
    /// Notify had no final status for it within a week (it keeps notifications for 7 days).
    case unknown

    /// Notify's status text; a status it may add later counts as still in progress.
    init(notify text: String) {
        self = DeliveryStatus(rawValue: text) ?? .pending
    }

    /// Nothing more will change: no need to ask again.
    var isFinal: Bool {
        switch self {
        case .created, .sending, .pending: false
        case .delivered, .permanentFailure, .temporaryFailure, .technicalFailure, .unknown: true
        }
    }

    /// The email did not reach its recipient and will not: support should know.
    var isUndelivered: Bool {
        switch self {
        case .permanentFailure, .temporaryFailure: true
        case .created, .sending, .pending, .delivered, .technicalFailure, .unknown: false
        }
    }

    /// What it means, in words support reads in the delivery log and claims-intake's activity.
    var explanation: String {
        switch self {
        case .created, .sending, .pending: "Notify is sending it"
        case .delivered: "delivered"
        case .permanentFailure: "not delivered: the address does not exist or will not take email (permanent-failure)"
        case .temporaryFailure: "not delivered: the recipient's inbox was full or would not take it (temporary-failure)"
        case .technicalFailure: "Notify could not send it because of a technical problem (technical-failure)"
        case .unknown: "Notify gave no final status within 7 days"
        }
    }
}

/// When to ask Notify again about an email still on its way: soon at first, then less often,
/// and not after the week Notify keeps notifications for.
struct DeliveryCheckPolicy: Sendable, Equatable {
    /// The first check after sending (`NOTIFY_STATUS_CHECK_SECONDS`); each further one waits twice
    /// as long, up to an hour.
    var firstCheck: Double = 60
    /// After this long since sending, a status that is still not final is recorded as unknown.
    var giveUpAfter: Double = 7 * 24 * 3600

    /// Seconds from now to the next check, after `checks` checks.
    func wait(afterChecks checks: Int) -> Double {
        min(3600, firstCheck * pow(2, Double(min(checks, 30))))
    }
}
