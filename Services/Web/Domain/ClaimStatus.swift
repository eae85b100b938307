import Foundation

/// A claim's status as the services report it (`../spec/domain.md`, "Claim statuses"); web reads
/// the strings of the services' answers through this type and never compares them as text.
enum ClaimStatus: String, CaseIterable, Sendable {
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
    /// Payments' and audit's view of a claim deleted in claims intake after they heard of it.
    case deleted

    /// Every status support can filter the claims list by: all but `draft`, which only the school
    /// sees, and `deleted`, which claims intake does not list.
    static let submittedStatuses = allCases.filter { $0 != .draft && $0 != .deleted }

    /// Whether `text` (a service's answer) names this status.
    static func ~= (status: ClaimStatus, text: String?) -> Bool { text == status.rawValue }
}

/// What support may do to a claim on its page, decided by the service that would act: claims
/// intake's status for deleting, payments' for the information loop, audit's for the sample and
/// the clawback (payments and audit hear of each other's changes over the bus, so each view is
/// its own service's).
struct SupportActions: Equatable, Sendable {
    var delete = false
    var informationSent = false
    var paid = false
    var reject = false
    var approve = false
    var schoolResponse = false
    var clawback = false
    var decide = false

    init(intake: String, paying: String?, auditing: String?, hasRejectedMentors: Bool) {
        // Without payments' view (it has not heard of the claim yet) deleting is still possible.
        delete = ClaimStatus.submitted ~= intake && (paying == nil || ClaimStatus.submitted ~= paying)
        let paying = paying.flatMap(ClaimStatus.init(rawValue:))
        let auditing = auditing.flatMap(ClaimStatus.init(rawValue:))
        informationSent = paying == .paymentInformationRequested
        paid = [.paymentInformationRequested, .paymentInformationSent].contains(paying)
        reject = paid
        approve = [.samplingInProgress, .samplingProviderNotApproved].contains(auditing)
        schoolResponse = auditing == .samplingProviderNotApproved && hasRejectedMentors
        clawback = [.samplingNotApproved, .clawbackRejected].contains(auditing)
        decide = auditing == .clawbackRequiresApproval
    }

    /// Whether the page shows its actions at all.
    var any: Bool { delete || paid || approve || schoolResponse || clawback || decide }
}

/// Where a claim window stands, as claims-intake says: only a current window takes claims.
enum ClaimWindowState: String, Decodable, Sendable {
    case upcoming, current, past
}
