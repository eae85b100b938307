/// A claim's status as audit-sampling's copy holds it: the claim statuses of `../spec/domain.md` (a step
/// another service takes is mirrored from its message), and `deleted` for a claim the school
/// deleted. Stored as its raw value; an unknown value is an error, never a guess.
enum ClaimStatus: String, Codable, Sendable, CaseIterable {
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
    case deleted
}
