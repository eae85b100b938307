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
    static let domain = "mentor-claims.notifications"

    /// Queues one email unless this fact already queued it for this recipient. Returns whether
    /// it was new.
    @discardableResult
    static func queue(
        _ db: Database,
        fact: UUID,
        rendered: Templates.Rendered,
        to recipient: String,
        reference: String?,
        at: Date,
        replyTo: String? = nil
    ) throws -> Bool {
        let address = recipient.lowercased()
        // Stable for this fact, template and recipient; short enough for a 78-character line.
        let key = StableUUID.make("\(fact.uuidString.lowercased())|\(rendered.template)|\(address)")
        let messageID = "\(key.uuidString.lowercased().replacingOccurrences(of: "-", with: ""))@\(domain)"
        let millis = Int64(at.timeIntervalSince1970 * 1000)
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO emails (fact_id, template, recipient, subject, body, message_id, claim_reference, next_attempt_at, created_at, reply_to)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                fact.uuidString.lowercased(), rendered.template, address, rendered.subject, rendered.body, messageID, reference, millis, millis,
                rendered.asksForReply ? replyTo : nil,
            ]
        )
        return db.changesCount > 0
    }

    /// The plausible addresses among `addresses`, lower-cased, each once, in order.
    static func recipients(_ addresses: [String?]) -> [String] {
        var seen: [String] = []
        for case let address? in addresses where EmailAddressShape.isPlausible(address) && !seen.contains(address.lowercased()) {
            seen.append(address.lowercased())
        }
        return seen
    }

    /// The claim's page in web, which sends each person to their view of it after sign-in.
    func claimURL(_ reference: String) -> String { "\(claimsBaseURL)/claims/\(reference)" }

    var handlers: [MessageHandler] {
        let base = self
        return [
            // Reference data.
            .on(SchoolUpserted.self) { envelope, db in
                try Directory.saveSchool(db, envelope.payload.school)
                return .applied
            },
            .on(ProviderUpserted.self) { envelope, db in
                let p = envelope.payload.provider
                try db.execute(
                    sql:
                        "INSERT INTO providers (code, name, email_addresses) VALUES (?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, email_addresses = excluded.email_addresses",
                    arguments: [p.code, p.name, try Directory.json(p.emailAddresses)]
                )
                return .applied
            },
            .on(ClaimWindowUpserted.self) { envelope, db in
                let w = envelope.payload.window
                try db.execute(
                    sql: """
                        INSERT INTO claim_windows (id, academic_year, opens_on, closes_on, removed) VALUES (?, ?, ?, ?, 0)
                        ON CONFLICT (id) DO UPDATE SET academic_year = excluded.academic_year, opens_on = excluded.opens_on, closes_on = excluded.closes_on, removed = 0
                        """,
                    arguments: [w.id, w.academicYear, w.opensOn, w.closesOn]
                )
                return .applied
            },
            .on(ClaimWindowRemoved.self) { envelope, db in
                try db.execute(sql: "UPDATE claim_windows SET removed = 1 WHERE id = ?", arguments: [envelope.payload.window.id])
                return .applied
            },
            .on(SchoolEligibilityGranted.self) { envelope, db in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO eligibility (urn, academic_year) VALUES (?, ?)",
                    arguments: [envelope.payload.urn, envelope.payload.academicYear]
                )
                return .applied
            },

            // People: memberships from web.
            .on(UserMembershipAdded.self) { envelope, db in
                let m = envelope.payload.fields
                if m.organisation.type == "school", let urn = m.organisation.urn {
                    try db.execute(sql: "INSERT OR IGNORE INTO school_users (urn, email) VALUES (?, ?)", arguments: [urn, m.user.email.lowercased()])
                }
                let rendered = Templates.membershipAdded(m, signInURL: "\(base.claimsBaseURL)/sign-in", support: base.supportAddress)
                for recipient in Self.recipients([m.user.email]) {
                    try Self.queue(db, fact: envelope.id, rendered: rendered, to: recipient, reference: nil, at: envelope.occurredAt)
                }
                return .applied
            },
            .on(UserMembershipRemoved.self) { envelope, db in
                let m = envelope.payload.fields
                if m.organisation.type == "school", let urn = m.organisation.urn {
                    try db.execute(sql: "DELETE FROM school_users WHERE urn = ? AND email = ?", arguments: [urn, m.user.email.lowercased()])
                }
                let rendered = Templates.membershipRemoved(m, support: base.supportAddress)
                for recipient in Self.recipients([m.user.email]) {
                    try Self.queue(
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

            // Claims.
            .on(ClaimSubmitted.self) { envelope, db in
                let m = envelope.payload
                try Directory.saveSchool(db, m.school)
                try db.execute(
                    sql: """
                        INSERT INTO claims (reference, urn, school_name, provider_name, academic_year, claim_window_id, amount_pence, rate_pence, mentors, submitted_by_email, status)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted')
                        ON CONFLICT (reference) DO NOTHING
                        """,
                    arguments: [
                        m.reference, m.school.urn, m.school.name, m.provider.name, m.academicYear, m.claimWindowId, m.amountPence, m.ratePence,
                        try Directory.json(m.mentors), m.submittedBy.email,
                    ]
                )
                let closesOn = try String.fetchOne(db, sql: "SELECT closes_on FROM claim_windows WHERE id = ?", arguments: [m.claimWindowId])
                let rendered = Templates.claimSubmitted(m, claimURL: base.claimURL(m.reference), windowClosesOn: closesOn)
                for recipient in Self.recipients([m.submittedBy.email] + (try Directory.contacts(db, urn: m.school.urn))) {
                    try Self.queue(db, fact: envelope.id, rendered: rendered, to: recipient, reference: m.reference, at: envelope.occurredAt)
                }
                return .applied
            },
            .on(ClaimDraftCreated.self) { envelope, db in
                let m = envelope.payload
                guard m.bySupport else { return .applied }
                let contacts = try Directory.contacts(db, urn: m.school.urn)
                let rendered = Templates.draftCreated(m, claimURL: base.claimURL(m.reference), support: base.supportAddress)
                for recipient in Self.recipients(contacts.isEmpty ? m.school.contactEmails : contacts) {
                    try Self.queue(
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
                try db.execute(sql: "UPDATE claims SET deleted = 1, status = 'deleted' WHERE reference = ?", arguments: [m.reference])
                try base.queueForSchool(
                    db,
                    envelope: envelope,
                    claim: claim,
                    rendered: Templates.claimDeleted(claim.facts, reason: m.reason, support: base.supportAddress)
                )
                return .applied
            },
            .on(ClaimStatusChanged.self) { envelope, db in
                let m = envelope.payload
                guard let claim = try Directory.claim(db, m.reference, url: base.claimURL(m.reference)) else { return .applied }
                try db.execute(sql: "UPDATE claims SET status = ? WHERE reference = ?", arguments: [m.to, m.reference])
                let rendered: Templates.Rendered?
                switch (m.from, m.to) {
                case ("payment_in_progress", "paid"), ("payment_information_requested", "paid"), ("payment_information_sent", "paid"):
                    rendered = Templates.claimPaid(claim.facts)
                case (_, "payment_information_requested"):
                    // The same day and words as the claim's next step in claims-intake.
                    let respondBy = SchoolActionText.respondBy(askedOn: LondonDates.text(of: envelope.occurredAt))
                    rendered = Templates.informationRequested(claim.facts, reason: m.reason, support: base.supportAddress, respondBy: respondBy)
                case (_, "payment_not_approved"):
                    rendered = Templates.paymentNotApproved(claim.facts, reason: m.reason)
                case ("sampling_provider_not_approved", "sampling_not_approved"):
                    rendered = Templates.schoolResponseRecorded(claim.facts, approved: false, reason: m.reason)
                case ("sampling_provider_not_approved", "paid"):
                    rendered = Templates.schoolResponseRecorded(claim.facts, approved: true, reason: m.reason)
                case ("sampling_not_approved", "paid"), ("clawback_rejected", "paid"):
                    // Support found nothing to claw back.
                    rendered = Templates.clawbackNotRequired(claim.facts)
                case (_, "clawback_complete"):
                    rendered = Templates.clawbackComplete(claim.facts, amountPence: claim.clawbackPence)
                default:
                    rendered = nil
                }
                if let rendered { try base.queueForSchool(db, envelope: envelope, claim: claim, rendered: rendered) }
                return .applied
            },

            // Audit: these come from audit-sampling, whose stream may run ahead of claims-intake's,
            // so they wait (parked) until the claim itself is known here.
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
                try db.execute(sql: "UPDATE claims SET clawback_pence = ? WHERE reference = ?", arguments: [m.clawbackAmountPence, m.reference])
                try base.queueForSchool(
                    db,
                    envelope: envelope,
                    claim: claim,
                    rendered: Templates.clawbackRequested(claim.facts, amountPence: m.clawbackAmountPence, mentors: m.mentors)
                )
                return .applied
            },
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
                    try Self.queue(
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

            // The payer: a link only, no personal data.
            .on(PaymentRunCreated.self) { envelope, db in
                for link in envelope.payload.run.links where EmailAddressShape.isPlausible(link.email) {
                    let rendered = Templates.paymentRunCreated(envelope.payload.run, link: link.url, clawback: false, support: base.supportAddress)
                    try Self.queue(
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
                    try Self.queue(
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
        for recipient in Self.recipients(contacts + [claim.submittedByEmail]) {
            try Self.queue(
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

/// The service's own copy of schools and claims.
enum Directory {
    struct Claim {
        var facts: ClaimFacts
        var urn: Int
        var submittedByEmail: String?
        var clawbackPence: Int64?
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func saveSchool(_ db: Database, _ school: SchoolSnapshot) throws {
        try db.execute(
            sql:
                "INSERT INTO schools (urn, name, contact_emails) VALUES (?, ?, ?) ON CONFLICT (urn) DO UPDATE SET name = excluded.name, contact_emails = excluded.contact_emails",
            arguments: [school.urn, school.name, try json(school.contactEmails)]
        )
    }

    static func school(_ db: Database, urn: Int) throws -> (name: String, contacts: [String])? {
        guard let row = try Row.fetchOne(db, sql: "SELECT name, contact_emails FROM schools WHERE urn = ?", arguments: [urn]) else { return nil }
        return (row["name"], addresses(row["contact_emails"]))
    }

    /// The addresses of a stored JSON array.
    static func addresses(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }

    /// Everyone an email to a school goes to: its contact addresses and every user with a
    /// membership of it (the callers keep each address once).
    static func contacts(_ db: Database, urn: Int) throws -> [String] {
        try (school(db, urn: urn)?.contacts ?? []) + users(db, urn: urn)
    }

    /// The school's users, from web's membership messages.
    static func users(_ db: Database, urn: Int) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT email FROM school_users WHERE urn = ? ORDER BY email", arguments: [urn])
    }

    static func claim(_ db: Database, _ reference: String, url: String) throws -> Claim? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM claims WHERE reference = ?", arguments: [reference]) else { return nil }
        let mentors = (try? JSONDecoder().decode([ClaimMentor].self, from: Data((row["mentors"] as String).utf8))) ?? []
        return Claim(
            facts: ClaimFacts(
                reference: reference,
                schoolName: row["school_name"],
                providerName: row["provider_name"],
                academicYear: row["academic_year"],
                amountPence: row["amount_pence"],
                ratePence: row["rate_pence"],
                mentors: mentors,
                url: url
            ),
            urn: row["urn"],
            submittedByEmail: row["submitted_by_email"],
            clawbackPence: row["clawback_pence"]
        )
    }
}
