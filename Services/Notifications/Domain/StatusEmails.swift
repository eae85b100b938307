import Foundation
import ServiceSupport

extension Templates {
    /// The email a school gets when its claim moves `from` one status `to` another, if any: paid,
    /// information requested, not approved, the school's response recorded, no clawback needed,
    /// clawed back.
    static func statusChanged(
        from: String,
        to: String,
        _ claim: ClaimFacts,
        reason: String?,
        clawbackPence: Int64?,
        on occurredAt: Date,
        support: String
    ) -> Rendered? {
        switch (from, to) {
        case ("payment_in_progress", "paid"), ("payment_information_requested", "paid"), ("payment_information_sent", "paid"):
            return Templates.claimPaid(claim)
        case (_, "payment_information_requested"):
            // The same day and words as the claim's next step in claims-intake.
            let respondBy = SchoolActionText.respondBy(askedOn: LondonDates.text(of: occurredAt))
            return Templates.informationRequested(claim, reason: reason, support: support, respondBy: respondBy)
        case (_, "payment_not_approved"):
            return Templates.paymentNotApproved(claim, reason: reason)
        case ("sampling_provider_not_approved", "sampling_not_approved"):
            return Templates.schoolResponseRecorded(claim, approved: false, reason: reason)
        case ("sampling_provider_not_approved", "paid"):
            return Templates.schoolResponseRecorded(claim, approved: true, reason: reason)
        case ("sampling_not_approved", "paid"), ("clawback_rejected", "paid"):
            // Support found nothing to claw back.
            return Templates.clawbackNotRequired(claim)
        case (_, "clawback_complete"):
            return Templates.clawbackComplete(claim, amountPence: clawbackPence)
        default:
            return nil
        }
    }
}
