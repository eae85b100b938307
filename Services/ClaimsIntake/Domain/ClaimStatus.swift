import Foundation
import ServiceSupport

/// A claim's status (`../spec/domain.md`, "Claim statuses").
enum ClaimStatus: String, Codable, Sendable, CaseIterable {
    case draft
    case submitted
    case paymentInProgress = "payment_in_progress"
    case paymentInformationRequested = "payment_information_requested"
    case paymentInformationSent = "payment_information_sent"
    case paid
    case paymentNotApproved = "payment_not_approved"
    case samplingInProgress = "sampling_in_progress"
    case samplingProviderNotApproved = "sampling_provider_not_approved"
    case samplingNotApproved = "sampling_not_approved"
    case clawbackRequiresApproval = "clawback_requires_approval"
    case clawbackRejected = "clawback_rejected"
    case clawbackRequested = "clawback_requested"
    case clawbackInProgress = "clawback_in_progress"
    case clawbackComplete = "clawback_complete"
}

/// What can happen to a claim after it is created, from its own API or another service's message.
enum ClaimEvent: Sendable, Equatable, CaseIterable {
    /// A school user submits it with the declaration (claims intake).
    case submitted
    /// It is included in a payment run (`payment.requested`).
    case paymentRequested
    /// The payer paid it, or support confirmed the payer paid (`payment.paid`).
    case paid
    /// The payer asked for information (`payment.information-requested`).
    case paymentInformationRequested
    /// Support sent the information (`payment.information-sent`).
    case paymentInformationSent
    /// Support rejected it after the information loop (`payment.rejected`).
    case paymentRejected
    /// It was selected for audit (`sample.claim-selected`).
    case sampleSelected
    /// The provider accepted every mentor (`sample.provider-accepted`).
    case providerAccepted
    /// The provider did not accept at least one mentor (`sample.provider-not-approved`).
    case providerNotApproved
    /// Support approved the sampled claim (`sample.approved`).
    case sampleApproved
    /// Support recorded the school's response (`sample.school-rejected`).
    case schoolRejected
    /// Support requested a clawback of more than 0 hours (`clawback.requested`).
    case clawbackRequested
    /// Support found nothing to claw back (`clawback.not-required`).
    case clawbackNotRequired
    /// A second support user approved the clawback (`clawback.approved`).
    case clawbackApproved
    /// A second support user rejected the clawback (`clawback.rejected`).
    case clawbackRejected
    /// It was included in a clawback run (`clawback.sent`).
    case clawbackSent
    /// The payer completed the clawback (`clawback.completed`).
    case clawbackCompleted
}

/// A transition that is not in the table: refused, logged, never applied.
struct TransitionRefused: Error, Equatable, CustomStringConvertible {
    let from: ClaimStatus
    let event: ClaimEvent
    var description: String { "a claim in \(from.rawValue) cannot move on \(event)" }
}

/// The transitions table of `../spec/domain.md` as a pure function.
enum ClaimLifecycle {
    /// The status a claim in `from` moves to on `event`, or why it cannot.
    static func next(from: ClaimStatus, on event: ClaimEvent) -> Result<ClaimStatus, TransitionRefused> {
        let to: ClaimStatus?
        switch (from, event) {
        case (.draft, .submitted): to = .submitted
        case (.submitted, .paymentRequested): to = .paymentInProgress
        case (.paymentInProgress, .paid): to = .paid
        case (.paymentInProgress, .paymentInformationRequested): to = .paymentInformationRequested
        case (.paymentInformationRequested, .paymentInformationSent): to = .paymentInformationSent
        case (.paymentInformationRequested, .paid), (.paymentInformationSent, .paid): to = .paid
        case (.paymentInformationRequested, .paymentRejected), (.paymentInformationSent, .paymentRejected):
            to = .paymentNotApproved
        case (.paid, .sampleSelected): to = .samplingInProgress
        case (.samplingInProgress, .providerAccepted), (.samplingInProgress, .sampleApproved): to = .paid
        case (.samplingInProgress, .providerNotApproved): to = .samplingProviderNotApproved
        case (.samplingProviderNotApproved, .sampleApproved): to = .paid
        case (.samplingProviderNotApproved, .schoolRejected): to = .samplingNotApproved
        case (.samplingNotApproved, .clawbackRequested), (.clawbackRejected, .clawbackRequested):
            to = .clawbackRequiresApproval
        case (.samplingNotApproved, .clawbackNotRequired), (.clawbackRejected, .clawbackNotRequired): to = .paid
        case (.clawbackRequiresApproval, .clawbackApproved): to = .clawbackRequested
        case (.clawbackRequiresApproval, .clawbackRejected): to = .clawbackRejected
        case (.clawbackRequested, .clawbackSent): to = .clawbackInProgress
        case (.clawbackInProgress, .clawbackCompleted): to = .clawbackComplete
        default: to = nil
        }
        guard let to else { return .failure(TransitionRefused(from: from, event: event)) }
        return .success(to)
    }

    /// Whether the hours of a claim in `status` count against mentors' allowances.
    static func countsAgainstAllowance(_ status: ClaimStatus) -> Bool {
        status != .paymentNotApproved
    }

    /// Whether a claim in `status` makes a later year's training a refresher (any status but
    /// draft and `payment_not_approved`).
    static func countsAsEarlierTraining(_ status: ClaimStatus) -> Bool {
        status != .draft && status != .paymentNotApproved
    }

    /// What the next step depends on besides the status, all as London dates `YYYY-MM-DD`.
    struct NextStepContext: Sendable, Equatable {
        /// The closing date of the window of the claim's academic year that is open now, if any.
        var openWindowClosesOn: String?
        /// The opening date of the next window of the claim's academic year, if one is coming.
        var nextWindowOpensOn: String?
        /// The day the claim entered its status (for the school's deadline to act).
        var statusSince: String?
        /// `SUPPORT_EMAIL_ADDRESS`.
        var support: String
    }

    /// One plain sentence telling the school what happens next. Where the school must act, it
    /// says the same as the email it was sent, with the same date; it never names a past date
    /// for a draft.
    static func nextStep(for status: ClaimStatus, _ context: NextStepContext) -> String {
        switch status {
        case .draft:
            if let closes = context.openWindowClosesOn {
                return "Check the mentors and hours, then submit the claim before the claim window closes at 11:59pm on \(LondonDates.long(closes))."
            }
            if let opens = context.nextWindowOpensOn {
                return "The claim window has closed. You can check and submit this claim when the next window opens on \(LondonDates.long(opens))."
            }
            return "The claim window has closed. You can submit this claim if another window opens for this academic year."
        case .paymentInformationRequested:
            let asked = context.statusSince ?? ""
            return "The payer (ESFA) needs more information about this claim. "
                + SchoolActionText.informationRequested(support: context.support, respondBy: SchoolActionText.respondBy(askedOn: asked))
        case .samplingProviderNotApproved:
            let asked = context.statusSince ?? ""
            return "The training provider did not confirm all the mentor training on this claim. "
                + SchoolActionText.providerNotApproved(support: context.support, respondBy: SchoolActionText.respondBy(askedOn: asked))
        default:
            return nextStep(for: status)
        }
    }

    /// The next step of a status that needs nothing from the school.
    private static func nextStep(for status: ClaimStatus) -> String {
        switch status {
        case .draft:
            return "Check the mentors and hours, then submit the claim while a claim window is open."
        case .submitted:
            return "We will send your claim to the payer (ESFA) for payment after the claim window closes; you do not need to do anything."
        case .paymentInProgress:
            return "The payer (ESFA) is processing the payment; you do not need to do anything."
        case .paymentInformationRequested:
            return "The payer (ESFA) needs more information about this claim; the Department for Education will contact you."
        case .paymentInformationSent:
            return "We have sent the payer (ESFA) the information it asked for; you do not need to do anything."
        case .paid:
            return "The claim has been paid; you do not need to do anything."
        case .paymentNotApproved:
            return "The payer did not approve this claim, so it will not be paid; its hours can be claimed again."
        case .samplingInProgress:
            return "This claim has been selected for a quality check; the training provider will confirm the mentor training."
        case .samplingProviderNotApproved:
            return "The training provider could not confirm all the mentor training; the Department for Education will contact you."
        case .samplingNotApproved:
            return "The Department for Education is deciding whether any money needs to be repaid; it will contact you."
        case .clawbackRequiresApproval:
            return "The Department for Education is reviewing how much money needs to be repaid."
        case .clawbackRejected:
            return "The Department for Education is reviewing this claim again; it will contact you."
        case .clawbackRequested:
            return "Some of the money will be recovered by the payer (ESFA); you will be told the amount before it is taken."
        case .clawbackInProgress:
            return "The payer (ESFA) is recovering the money; you do not need to do anything."
        case .clawbackComplete:
            return "The money has been recovered and this claim is closed."
        }
    }
}
