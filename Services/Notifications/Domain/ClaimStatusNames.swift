/// The claim statuses notifications' copy of a claim can hold (`../spec/domain.md`), and
/// `deleted`; the database refuses any other.
enum ClaimStatusNames {
    static let known: Set<String> = [
        "submitted", "payment_in_progress", "payment_information_requested", "payment_information_sent", "paid", "payment_not_approved",
        "sampling_in_progress", "sampling_provider_not_approved", "sampling_not_approved", "clawback_requires_approval", "clawback_rejected",
        "clawback_requested", "clawback_in_progress", "clawback_complete", "deleted",
    ]
}
