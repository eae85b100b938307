import Foundation
import Messages

/// The emails' words: plain English a school business manager understands, with the claim
/// reference, the amount in pounds and a link to the claim.
enum Templates {
    struct Rendered: Sendable, Equatable {
        let template: String
        let subject: String
        let body: String
    }

    static func claimSubmitted(_ m: ClaimSubmitted, claimURL: String) -> Rendered {
        let mentors = m.mentors.map { "- \($0.firstName) \($0.lastName) (TRN \($0.trn)): \($0.hours) hours" }.joined(separator: "\n")
        let body = """
            Your claim \(m.reference) for \(m.school.name) has been submitted.

            Provider: \(m.provider.name)
            Mentors and hours:
            \(mentors)
            Total: \(m.totalHours) hours at \(EmailMoney.pounds(m.ratePence)) an hour
            Amount claimed: \(EmailMoney.pounds(m.amountPence))

            What happens next: after the claim window closes, we send your claim to the payer (ESFA) for payment. You do not need to do anything. We will email you when it has been paid.

            View the claim: \(claimURL)

            Claim funding for mentor training
            """
        return Rendered(template: "claim_submitted", subject: "Claim \(m.reference) submitted: \(EmailMoney.pounds(m.amountPence))", body: body)
    }

    static func paymentRunCreated(_ run: RunCreatedFields, link: String, clawback: Bool) -> Rendered {
        let kind = clawback ? "clawback" : "payment"
        let body = """
            A new \(kind) file is ready for you to download.

            Run: \(run.runId)
            Claims: \(run.claimCount)
            Total: \(EmailMoney.pounds(run.totalPence))

            Download it here (the link works once and expires in 7 days): \(link)

            Claim funding for mentor training
            """
        return Rendered(
            template: clawback ? "clawback_run_ready" : "payment_run_ready",
            subject: "\(clawback ? "Clawback" : "Payment") file \(run.runId) is ready to download", body: body)
    }
}
