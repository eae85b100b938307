import Foundation
import Messages
import ServiceSupport

/// Emails that are not about one school's claim: providers' sampling requests, the payer's runs, memberships, claim windows and support's messages.
extension Templates {
    /// To each of the provider's addresses, each with its own link.
    static func samplingRequest(
        providerName: String,
        link: String,
        dueOn: String,
        claimCount: Int,
        reminder: Int,
        uploadURL: String,
        support: String
    ) -> Rendered {
        let claims = claimCount == 1 ? "1 claim" : "\(claimCount) claims"
        let opening =
            reminder > 0
            ? "This is a reminder: we are still waiting for your response about \(claims) for mentor training with \(providerName)."
            : "We are checking a sample of paid claims for mentor training: \(claims) with \(providerName) as the training provider \(claimCount == 1 ? "is" : "are") in the sample."
        let body = """
            \(opening)

            Please download the list of claims, tell us for each mentor whether they did the training the school claimed \
            for, and upload your response by \(EmailDates.long(dueOn)).

            1. Download the file (the link is for you only and works once; do not forward it): \(link)
            2. In the claim_accepted column, write yes or no for every mentor. For each no, say why in rejection_reason.
            3. Upload the completed file, signed in with your DfE Sign-in account, at \(uploadURL). If you cannot, \
            reply to this email with the file: your reply goes to the support team at \(support).

            \(signature)
            """
        return Rendered(
            template: reminder > 0 ? "sampling_reminder" : "sampling_request",
            subject: reminder > 0
                ? "Reminder: your response about mentor training claims is due by \(EmailDates.long(dueOn))"
                : "Please check \(claims) for mentor training by \(EmailDates.long(dueOn))",
            body: body,
            asksForReply: true
        )
    }

    // MARK: Payer

    static func paymentRunCreated(_ run: RunCreatedFields, link: String, clawback: Bool, support: String) -> Rendered {
        let kind = clawback ? "clawback" : "payment"
        let fill =
            clawback
            ? """
            2. For each claim, set claim_status to clawback_complete once the amount in clawback_amount is recovered, \
            or leave it clawback_in_progress (with a clawback_unsuccessful_reason if recovery failed).
            """
            : """
            2. For each claim, set claim_status to paid once it is paid, or to unpaid with the reason in \
            claim_unpaid_reason; leave payment_in_progress for a claim not yet decided.
            """
        let body = """
            A new \(kind) file is ready for you to download.

            Run: \(run.runId)
            Claims: \(run.claimCount)
            Total: \(MoneyText.pounds(run.totalPence))

            1. Download the file (the link works once and expires in 7 days): \(link)
            \(fill)
            3. Keep every other column as it is, save the file as CSV, and reply to this email with it attached: your \
            reply goes to the support team at \(support), who record it. You can send a file more than once as claims \
            are decided; a row already recorded is not applied twice.

            \(signature)
            """
        return Rendered(
            template: clawback ? "clawback_run_ready" : "payment_run_ready",
            subject: "\(clawback ? "Clawback" : "Payment") file \(run.runId) is ready to download",
            body: body,
            asksForReply: true
        )
    }

    // MARK: People

    static func membershipAdded(_ m: MembershipFields, signInURL: String, support: String) -> Rendered {
        let what: String
        switch m.organisation.type {
        case "school": what = "You can now claim funding for mentor training for \(m.organisation.name), and see its claims."
        case "provider": what = "You can now see and answer the audit requests sent to \(m.organisation.name)."
        default: what = "You can now use the support console of Claim funding for mentor training."
        }
        let body = """
            Dear \(m.user.firstName) \(m.user.lastName),

            You have been added to \(m.organisation.name) in Claim funding for mentor training by \(m.by.email).

            \(what)

            Sign in with your DfE Sign-in account, using this email address: \(signInURL)

            If you did not expect this email, write to \(support).

            \(signature)
            """
        return Rendered(template: "membership_added", subject: "You have been added to \(m.organisation.name)", body: body)
    }

    static func membershipRemoved(_ m: MembershipFields, support: String) -> Rendered {
        let body = """
            Dear \(m.user.firstName) \(m.user.lastName),

            You have been removed from \(m.organisation.name) in Claim funding for mentor training by \(m.by.email).

            You can no longer act for \(m.organisation.name) in the service. If you think this is a mistake, reply to this \
            email or write to \(support).

            \(signature)
            """
        return Rendered(template: "membership_removed", subject: "You have been removed from \(m.organisation.name)", body: body, asksForReply: true)
    }

    // MARK: Claim windows

    static func windowOpen(schoolName: String, academicYear: Int, opensOn: String, closesOn: String, url: String) -> Rendered {
        let body = """
            \(schoolName) can now claim funding for mentor training for the academic year \
            \(EmailDates.academicYear(academicYear)).

            The claim window is open from \(EmailDates.long(opensOn)) until 11:59pm on \(EmailDates.long(closesOn)).

            You can claim for the time your mentors spent in initial training or refresher training with an accredited \
            training provider. Make a claim: \(url)

            \(signature)
            """
        return Rendered(template: "claim_window_open", subject: "You can now claim funding for mentor training", body: body)
    }

    static func windowClosing(schoolName: String, academicYear: Int, closesOn: String, daysLeft: Int, url: String) -> Rendered {
        let when = daysLeft <= 0 ? "today" : daysLeft == 1 ? "tomorrow" : "in \(daysLeft) days"
        let body = """
            The claim window for mentor training funding (academic year \(EmailDates.academicYear(academicYear))) closes \
            \(when), at 11:59pm on \(EmailDates.long(closesOn)).

            \(schoolName) has not submitted a claim in this window. If your mentors trained with an accredited provider \
            this year, submit your claim before the window closes: \(url)

            If you have nothing to claim, you can ignore this email.

            \(signature)
            """
        return Rendered(
            template: "claim_window_closing",
            subject: "The claim window closes \(daysLeft <= 1 ? when : "on \(EmailDates.long(closesOn))"): claim for mentor training",
            body: body
        )
    }

    // MARK: Support

    static func supportMessage(schoolName: String, subject: String, body text: String, support: String) -> Rendered {
        let body = """
            To \(schoolName),

            \(text)

            You can reply to this email: your reply goes to the support team at \(support).

            \(signature)
            """
        return Rendered(template: "support_message", subject: subject, body: body, asksForReply: true)
    }

    static func mentorLines(_ mentors: [ClaimMentor]) -> String {
        mentors.map { "- \($0.firstName) \($0.lastName) (TRN \($0.trn)): \($0.hours) hours" }.joined(separator: "\n")
    }
}
