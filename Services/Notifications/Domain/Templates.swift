import Foundation
import Messages
import ServiceSupport

/// What the emails about one claim need to know about it (from `claim.submitted`).
struct ClaimFacts: Sendable, Equatable {
    var reference: String
    var schoolName: String
    var providerName: String
    var academicYear: Int
    var amountPence: Int64
    var ratePence: Int64
    var mentors: [ClaimMentor]
    /// Where the school sees the claim.
    var url: String
}

/// The emails' words: plain English a school business manager understands, with the claim
/// reference, the amount in pounds and a link to the claim. Each template has a stable name
/// (the delivery log's `template`), a subject and a plain-text body.
enum Templates {
    struct Rendered: Sendable, Equatable {
        let template: String
        let subject: String
        let body: String
        /// Whether the email asks for a reply: it then carries `Reply-To: SUPPORT_EMAIL_ADDRESS`
        /// (and names that address), since the sender is a no-reply address.
        var asksForReply = false
    }

    static let signature = """
        Claim funding for mentor training
        Department for Education
        """

    // MARK: Claims

    static func claimSubmitted(_ m: ClaimSubmitted, claimURL: String, windowClosesOn: String?) -> Rendered {
        let next: String
        if let windowClosesOn {
            next = """
                What happens next: the claim window closes on \(EmailDates.long(windowClosesOn)). After that we send your \
                claim to the payer (ESFA), who pays the school. You do not need to do anything now; we will email you when \
                it has been paid.
                """
        } else {
            next = """
                What happens next: after the claim window closes we send your claim to the payer (ESFA), who pays the \
                school. You do not need to do anything now; we will email you when it has been paid.
                """
        }
        let body = """
            Your claim \(m.reference) for \(m.school.name) has been submitted.

            Academic year: \(EmailDates.academicYear(m.academicYear))
            Training provider: \(m.provider.name)
            Mentors and hours:
            \(mentorLines(m.mentors))
            Total: \(m.totalHours) hours at \(MoneyText.pounds(m.ratePence)) an hour
            Amount claimed: \(MoneyText.pounds(m.amountPence))

            \(next)

            View the claim: \(claimURL)

            \(signature)
            """
        return Rendered(template: "claim_submitted", subject: "Claim \(m.reference) submitted: \(MoneyText.pounds(m.amountPence))", body: body)
    }

    /// Support drafted a claim for the school to check and submit.
    static func draftCreated(_ m: ClaimDraftCreated, claimURL: String, support: String) -> Rendered {
        let hours = m.mentors.reduce(0) { $0 + $1.hours }
        let body = """
            The Department for Education support team has started a claim for \(m.school.name): claim \(m.reference), \
            for mentor training with \(m.provider.name) in the academic year \(EmailDates.academicYear(m.academicYear)).

            Mentors (\(hours) hours in all):
            \(mentorLines(m.mentors))

            What you need to do: check the mentors and hours, change anything that is wrong, then submit the claim. \
            It is not sent for payment until someone at your school submits it.

            Review and submit the claim: \(claimURL)

            If you did not expect this claim, reply to this email: your reply goes to the support team at \(support).

            \(signature)
            """
        return Rendered(
            template: "claim_draft_created",
            subject: "Claim \(m.reference) is waiting for you to review and submit",
            body: body,
            asksForReply: true
        )
    }

    static func claimDeleted(_ claim: ClaimFacts, reason: String?, support: String) -> Rendered {
        let body = """
            Claim \(claim.reference) for \(claim.schoolName) (\(MoneyText.pounds(claim.amountPence)), training provider \
            \(claim.providerName)) has been deleted by the Department for Education support team.

            Reason: \(reason ?? "none given")

            The claim will not be paid. Its mentors' hours are free again, so you can make a new claim while the claim \
            window is open. If you think this is a mistake, reply to this email: your reply goes to the support team at \
            \(support).

            \(signature)
            """
        return Rendered(template: "claim_deleted", subject: "Claim \(claim.reference) has been deleted", body: body, asksForReply: true)
    }

    static func claimPaid(_ claim: ClaimFacts) -> Rendered {
        let body = """
            The payer (ESFA) has paid claim \(claim.reference) for \(claim.schoolName).

            Amount paid: \(MoneyText.pounds(claim.amountPence))
            Training provider: \(claim.providerName)
            Mentors and hours:
            \(mentorLines(claim.mentors))

            The money is paid to the school's usual bank account. You do not need to do anything.

            Some paid claims are later checked with the training provider. If this one is, we will email you.

            View the claim: \(claim.url)

            \(signature)
            """
        return Rendered(template: "claim_paid", subject: "Claim \(claim.reference) paid: \(MoneyText.pounds(claim.amountPence))", body: body)
    }

    static func informationRequested(_ claim: ClaimFacts, reason: String?, support: String, respondBy: String) -> Rendered {
        let body = """
            The payer (ESFA) needs more information before it can pay claim \(claim.reference) for \(claim.schoolName) \
            (\(MoneyText.pounds(claim.amountPence))).

            What they asked: \(reason ?? "no reason was given")

            \(SchoolActionText.informationRequested(support: support, respondBy: respondBy)) You can reply to this email: \
            your reply goes to the support team.

            View the claim: \(claim.url)

            \(signature)
            """
        return Rendered(
            template: "payment_information_requested",
            subject: "Claim \(claim.reference): the payer needs more information by \(EmailDates.long(respondBy))",
            body: body,
            asksForReply: true
        )
    }

    static func paymentNotApproved(_ claim: ClaimFacts, reason: String?) -> Rendered {
        let body = """
            The payer (ESFA) has not approved claim \(claim.reference) for \(claim.schoolName) \
            (\(MoneyText.pounds(claim.amountPence))). It will not be paid.

            Reason: \(reason ?? "no reason was given")

            The mentors' hours on this claim are free again: you can claim them in a new claim while a claim window is \
            open.

            View the claim: \(claim.url)

            \(signature)
            """
        return Rendered(template: "payment_not_approved", subject: "Claim \(claim.reference) was not approved for payment", body: body)
    }

    // MARK: Audit

    static func providerNotApproved(_ claim: ClaimFacts, mentors: [RejectedMentor], respondBy: String, support: String) -> Rendered {
        let lines = mentors.map { mentor -> String in
            let name = mentor.name ?? claim.mentors.first { $0.trn == mentor.trn }.map { "\($0.firstName) \($0.lastName)" } ?? "Mentor"
            return "- \(name) (TRN \(mentor.trn)): \(mentor.reason)"
        }.joined(separator: "\n")
        let body = """
            We checked claim \(claim.reference) for \(claim.schoolName) (\(MoneyText.pounds(claim.amountPence))) with the \
            training provider, \(claim.providerName). The provider did not confirm the training of these mentors:

            \(lines)

            \(SchoolActionText.providerNotApproved(support: support, respondBy: respondBy)) You can reply to this email: \
            your reply goes to the support team.

            View the claim: \(claim.url)

            \(signature)
            """
        return Rendered(
            template: "sampling_provider_not_approved",
            subject: "Claim \(claim.reference): action needed by \(EmailDates.long(respondBy))",
            body: body,
            asksForReply: true
        )
    }

    static func schoolResponseRecorded(_ claim: ClaimFacts, approved: Bool, reason: String?) -> Rendered {
        let outcome: String
        if approved {
            outcome = """
                We have accepted it: the claim stays paid and nothing will be recovered. You do not need to do anything \
                else.
                """
        } else {
            outcome = """
                We could not accept all of the claim. We will decide how many hours must be recovered and email you the \
                amount before anything is taken back.
                """
        }
        let body = """
            We have recorded your response about claim \(claim.reference) for \(claim.schoolName) \
            (\(MoneyText.pounds(claim.amountPence))).

            \(outcome)
            \(reason.map { "\nNotes: \($0)\n" } ?? "")
            View the claim: \(claim.url)

            \(signature)
            """
        return Rendered(template: "school_response_recorded", subject: "Claim \(claim.reference): your response has been recorded", body: body)
    }

    static func clawbackRequested(_ claim: ClaimFacts, amountPence: Int64, mentors: [ClawbackMentor]) -> Rendered {
        let lines = mentors.filter { $0.hoursClawedBack > 0 }.map { mentor -> String in
            let name = claim.mentors.first { $0.trn == mentor.trn }.map { "\($0.firstName) \($0.lastName)" } ?? "Mentor"
            return "- \(name) (TRN \(mentor.trn)): \(mentor.hoursClawedBack) hours"
        }.joined(separator: "\n")
        let body = """
            After checking claim \(claim.reference) for \(claim.schoolName), we will recover \
            \(MoneyText.pounds(amountPence)) of the \(MoneyText.pounds(claim.amountPence)) paid.

            Hours recovered:
            \(lines)
            At \(MoneyText.pounds(claim.ratePence)) an hour, that is \(MoneyText.pounds(amountPence)).

            How it is recovered: we ask the payer (ESFA) to take the amount back. ESFA recovers it from the school, \
            usually by reducing a future payment to the school. You do not need to send any money. We will email you \
            when it is complete.

            View the claim: \(claim.url)

            \(signature)
            """
        return Rendered(
            template: "clawback_requested",
            subject: "Claim \(claim.reference): \(MoneyText.pounds(amountPence)) will be recovered",
            body: body
        )
    }

    /// Support looked at the school's response and found nothing to recover.
    static func clawbackNotRequired(_ claim: ClaimFacts) -> Rendered {
        let body = """
            We have finished checking claim \(claim.reference) for \(claim.schoolName) \
            (\(MoneyText.pounds(claim.amountPence))).

            Nothing will be recovered: the claim stays paid in full and is closed. You do not need to do anything.

            View the claim: \(claim.url)

            \(signature)
            """
        return Rendered(template: "clawback_not_required", subject: "Claim \(claim.reference): nothing will be recovered", body: body)
    }

    static func clawbackComplete(_ claim: ClaimFacts, amountPence: Int64?) -> Rendered {
        let amount = amountPence.map { MoneyText.pounds($0) } ?? "The amount"
        let body = """
            The payer (ESFA) has recovered the clawback on claim \(claim.reference) for \(claim.schoolName).

            Amount recovered: \(amount)

            This claim is now closed. You do not need to do anything.

            View the claim: \(claim.url)

            \(signature)
            """
        return Rendered(template: "clawback_complete", subject: "Claim \(claim.reference): clawback complete", body: body)
    }
}

/// Dates as emails show them: `Friday 31 July 2026`.
enum EmailDates {

    /// `YYYY-MM-DD` → `Friday 31 July 2026` (the text unchanged if it is not such a date).
    static func long(_ text: String) -> String { LondonDates.long(text) }

    /// `2025` → `2025 to 2026`.
    static func academicYear(_ year: Int) -> String { "\(year) to \(year + 1)" }
}
