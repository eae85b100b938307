import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

/// Turns facts into queued emails, recorded before anything is sent, keyed by the fact that
/// caused them, the template and the recipient; keeps the service's own copy of the schools,
/// providers, claim windows, eligibility and claims the emails need.
struct EmailHandlers {
    let claimsBaseURL: String
    /// `SUPPORT_EMAIL_ADDRESS`: named in emails that ask for a reply, and their `Reply-To`.
    let supportAddress: String

    /// The claim's page in web, which sends each person to their view of it after sign-in.
    func claimURL(_ reference: String) -> String { "\(claimsBaseURL)/claims/\(reference)" }

    var handlers: [MessageHandler] { referenceData + people + claims + claimStatus + audit + payer }

    /// The service's own copy of schools, providers, claim windows and eligibility.
    var referenceData: [MessageHandler] {
        [
            .on(SchoolUpserted.self) { envelope, db in
                try Directory.saveSchool(db, envelope.payload.school)
                return .applied
            },
            .on(ProviderUpserted.self) { envelope, db in
                try Directory.saveProvider(db, envelope.payload.provider)
                return .applied
            },
            .on(ClaimWindowUpserted.self) { envelope, db in
                try Directory.saveWindow(db, envelope.payload.window)
                return .applied
            },
            .on(ClaimWindowRemoved.self) { envelope, db in
                try Directory.removeWindow(db, id: envelope.payload.window.id)
                return .applied
            },
            .on(SchoolEligibilityGranted.self) { envelope, db in
                try Directory.saveEligibility(db, urn: envelope.payload.urn, academicYear: envelope.payload.academicYear)
                return .applied
            },
        ]
    }

    /// People: memberships from web, each emailed when added or removed.
    var people: [MessageHandler] {
        let base = self
        return [
            .on(UserMembershipAdded.self) { envelope, db in
                let m = envelope.payload.fields
                if m.organisation.type == "school", let urn = m.organisation.urn {
                    try Directory.addSchoolUser(db, urn: urn, email: m.user.email)
                }
                let rendered = Templates.membershipAdded(m, signInURL: "\(base.claimsBaseURL)/sign-in", support: base.supportAddress)
                for recipient in EmailQueue.recipients([m.user.email]) {
                    try EmailQueue.queue(db, fact: envelope.id, rendered: rendered, to: recipient, reference: nil, at: envelope.occurredAt)
                }
                return .applied
            },
            .on(UserMembershipRemoved.self) { envelope, db in
                let m = envelope.payload.fields
                if m.organisation.type == "school", let urn = m.organisation.urn {
                    try Directory.removeSchoolUser(db, urn: urn, email: m.user.email)
                }
                let rendered = Templates.membershipRemoved(m, support: base.supportAddress)
                for recipient in EmailQueue.recipients([m.user.email]) {
                    try EmailQueue.queue(
                        db,
                        fact: envelope.id,
                        rendered: rendered,
                        to: recipient,
                        reference: nil,
                        at: envelope.occurredAt,
                        replyTo: base.supportAddress
                    )
                }
                return .applied
            },
        ]
    }

    /// Claims: submitted, drafted by support, deleted, and each status a school is told about.
    var claims: [MessageHandler] {
        let base = self
        return [
            .on(ClaimSubmitted.self) { envelope, db in
                let m = envelope.payload
                try Directory.saveSchool(db, m.school)
                let closesOn = try Directory.saveClaim(db, m)
                let rendered = Templates.claimSubmitted(m, claimURL: base.claimURL(m.reference), windowClosesOn: closesOn)
                for recipient in EmailQueue.recipients([m.submittedBy.email] + (try Directory.contacts(db, urn: m.school.urn))) {
                    try EmailQueue.queue(db, fact: envelope.id, rendered: rendered, to: recipient, reference: m.reference, at: envelope.occurredAt)
                }
                return .applied
            },
            .on(ClaimDraftCreated.self) { envelope, db in
                let m = envelope.payload
                guard m.bySupport else { return .applied }
                let contacts = try Directory.contacts(db, urn: m.school.urn)
                let rendered = Templates.draftCreated(m, claimURL: base.claimURL(m.reference), support: base.supportAddress)
                for recipient in EmailQueue.recipients(contacts.isEmpty ? m.school.contactEmails : contacts) {
                    try EmailQueue.queue(
                        db,
                        fact: envelope.id,
                        rendered: rendered,
                        to: recipient,
                        reference: m.reference,
                        at: envelope.occurredAt,
                        replyTo: base.supportAddress
                    )
                }
                return .applied
            },
            .on(ClaimDeleted.self) { envelope, db in
                let m = envelope.payload
                // A draft was never known here, and its deletion needs no email. A submitted claim
                // can be deleted only by support.
                guard let claim = try Directory.claim(db, m.reference, url: base.claimURL(m.reference)) else { return .applied }
                try Directory.markDeleted(db, m.reference)
                try base.queueForSchool(
                    db,
                    envelope: envelope,
                    claim: claim,
                    rendered: Templates.claimDeleted(claim.facts, reason: m.reason, support: base.supportAddress)
                )
                return .applied
            },
        ]
    }

    /// A claim's status changed: the school is told of the steps it needs to know about.
    var claimStatus: [MessageHandler] {
        let base = self
        return [
            .on(ClaimStatusChanged.self) { envelope, db in
                let m = envelope.payload
                guard let claim = try Directory.claim(db, m.reference, url: base.claimURL(m.reference)) else { return .applied }
                // A status this version does not know is kept for later (parked), not stored.
                guard ClaimStatusNames.known.contains(m.to) else {
                    return .parked(reason: "status ‘\(m.to)’ is not known to this version of notifications")
                }
                try Directory.setStatus(db, m.reference, m.to)
                let rendered = Templates.statusChanged(
                    from: m.from,
                    to: m.to,
                    claim.facts,
                    reason: m.reason,
                    clawbackPence: claim.clawbackPence,
                    on: envelope.occurredAt,
                    support: base.supportAddress
                )
                if let rendered { try base.queueForSchool(db, envelope: envelope, claim: claim, rendered: rendered) }
                return .applied
            }
        ]
    }

    /// Audit: these come from audit-sampling, whose stream may run ahead of claims-intake's,
    /// so they wait (parked) until the claim itself is known here.
    var audit: [MessageHandler] {
        let base = self
        return [
            .on(SampleProviderNotApproved.self) { envelope, db in
                let m = envelope.payload
                guard let claim = try Directory.claim(db, m.reference, url: base.claimURL(m.reference)) else {
                    return .parked(reason: "claim \(m.reference) not yet known from claims-intake")
                }
                // Schools get 14 days to answer with evidence: the same day claims-intake's next
                // step names, from the same message's time.
                let respondBy = SchoolActionText.respondBy(askedOn: LondonDates.text(of: envelope.occurredAt))
                try base.queueForSchool(
                    db,
                    envelope: envelope,
                    claim: claim,
                    rendered: Templates.providerNotApproved(claim.facts, mentors: m.mentors, respondBy: respondBy, support: base.supportAddress)
                )
                return .applied
            },
            .on(ClawbackApproved.self) { envelope, db in
                // The clawback is requested from the payer once a second person has approved it:
                // that is when the school is told the amount (not at the first request, which the
                // second person may still reject).
                let m = envelope.payload
                guard let claim = try Directory.claim(db, m.reference, url: base.claimURL(m.reference)) else {
                    return .parked(reason: "claim \(m.reference) not yet known from claims-intake")
                }
                try Directory.setClawback(db, m.reference, pence: m.clawbackAmountPence)
                try base.queueForSchool(
                    db,
                    envelope: envelope,
                    claim: claim,
                    rendered: Templates.clawbackRequested(claim.facts, amountPence: m.clawbackAmountPence, mentors: m.mentors)
                )
                return .applied
            },
        ]
    }

    /// Providers' sampling requests, and the payer's runs (a link only, no personal data).
    var payer: [MessageHandler] {
        let base = self
        return [
            .on(SampleProviderRequested.self) { envelope, db in
                let m = envelope.payload
                for link in m.recipients where EmailAddressShape.isPlausible(link.email) {
                    let rendered = Templates.samplingRequest(
                        providerName: m.provider.name,
                        link: link.url,
                        dueOn: m.dueOn,
                        claimCount: m.claimCount,
                        reminder: m.reminder ?? 0,
                        uploadURL: "\(base.claimsBaseURL)/providers/\(m.provider.code)",
                        support: base.supportAddress
                    )
                    try EmailQueue.queue(
                        db,
                        fact: envelope.id,
                        rendered: rendered,
                        to: link.email,
                        reference: nil,
                        at: envelope.occurredAt,
                        replyTo: base.supportAddress
                    )
                }
                return .applied
            },
            .on(PaymentRunCreated.self) { envelope, db in
                for link in envelope.payload.run.links where EmailAddressShape.isPlausible(link.email) {
                    let rendered = Templates.paymentRunCreated(envelope.payload.run, link: link.url, clawback: false, support: base.supportAddress)
                    try EmailQueue.queue(
                        db,
                        fact: envelope.id,
                        rendered: rendered,
                        to: link.email,
                        reference: nil,
                        at: envelope.occurredAt,
                        replyTo: base.supportAddress
                    )
                }
                return .applied
            },
            .on(ClawbackRunCreated.self) { envelope, db in
                for link in envelope.payload.run.links where EmailAddressShape.isPlausible(link.email) {
                    let rendered = Templates.paymentRunCreated(envelope.payload.run, link: link.url, clawback: true, support: base.supportAddress)
                    try EmailQueue.queue(
                        db,
                        fact: envelope.id,
                        rendered: rendered,
                        to: link.email,
                        reference: nil,
                        at: envelope.occurredAt,
                        replyTo: base.supportAddress
                    )
                }
                return .applied
            },
        ]
    }

    /// Emails about a claim go to the school's contacts (as known now) and the user who submitted it.
    func queueForSchool<M: BusMessage>(_ db: Database, envelope: Envelope<M>, claim: Directory.Claim, rendered: Templates.Rendered) throws {
        let contacts = try Directory.contacts(db, urn: claim.urn)
        for recipient in EmailQueue.recipients(contacts + [claim.submittedByEmail]) {
            try EmailQueue.queue(
                db,
                fact: envelope.id,
                rendered: rendered,
                to: recipient,
                reference: claim.facts.reference,
                at: envelope.occurredAt,
                replyTo: supportAddress
            )
        }
    }
}
