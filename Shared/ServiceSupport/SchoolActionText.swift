import Foundation

/// What a school must do, in the words both its email and its claim's `next_step` use, so the
/// page and the email can never say different things (`../spec/api.md`, "next_step").
public enum SchoolActionText {
    /// Days a school has to act once asked: for the payer's questions and for evidence after a
    /// provider did not confirm the training.
    public static let daysToRespond = 14

    /// The day, `YYYY-MM-DD`, by which a school asked on `day` must act.
    public static func respondBy(askedOn day: String) -> String {
        LondonDates.adding(daysToRespond, to: day) ?? day
    }

    /// The payer needs more information (`payment_information_requested`).
    public static func informationRequested(support: String, respondBy: String) -> String {
        """
        What you need to do: send the information the payer (ESFA) asked for to the support team at \(support) by \
        \(LondonDates.long(respondBy)). We pass it on to the payer and tell you when the claim is paid.
        """
    }

    /// The provider did not confirm all the training (`sampling_provider_not_approved`).
    public static func providerNotApproved(support: String, respondBy: String) -> String {
        """
        What you need to do: send the support team at \(support) evidence that these mentors did the training you \
        claimed for (for example dates, session records or emails with the provider) by \(LondonDates.long(respondBy)). \
        If we do not hear from you, part or all of the payment may be recovered.
        """
    }
}
