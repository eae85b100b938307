import Foundation
import GRDB
import Messages
import ServiceSupport

/// The queue of emails, recorded before anything is sent: one row per fact, template and
/// recipient, so a repeated fact never queues an email twice.
enum EmailQueue {
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
        let millis = Milliseconds(at)
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO emails (fact_id, template, recipient, subject, body, message_id, claim_reference, next_attempt_at, created_at, reply_to)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
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
}

/// The service's own copy of schools and claims.
enum Directory {
    struct Claim {
        var facts: ClaimFacts
        var urn: Int
        var submittedByEmail: String?
        var clawbackPence: Int64?
    }

    static func saveProvider(_ db: Database, _ p: ProviderSnapshot) throws {
        try db.cachedStatement(
            sql:
                "INSERT INTO providers (code, name, email_addresses) VALUES (?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, email_addresses = excluded.email_addresses"
        ).execute(arguments: [p.code, p.name, try json(p.emailAddresses)])
    }

    static func saveWindow(_ db: Database, _ w: ClaimWindowFields) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO claim_windows (id, academic_year, opens_on, closes_on, removed) VALUES (?, ?, ?, ?, 0)
                ON CONFLICT (id) DO UPDATE SET academic_year = excluded.academic_year, opens_on = excluded.opens_on, closes_on = excluded.closes_on, removed = 0
                """
        ).execute(arguments: [w.id, w.academicYear, w.opensOn, w.closesOn])
    }

    static func removeWindow(_ db: Database, id: Int64) throws {
        try db.cachedStatement(sql: "UPDATE claim_windows SET removed = 1 WHERE id = ?").execute(arguments: [id])
    }

    static func saveEligibility(_ db: Database, urn: Int, academicYear: Int) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO eligibility (urn, academic_year) VALUES (?, ?)").execute(arguments: [urn, academicYear])
    }

    static func addSchoolUser(_ db: Database, urn: Int, email: String) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO school_users (urn, email) VALUES (?, ?)").execute(arguments: [urn, email.lowercased()])
    }

    static func removeSchoolUser(_ db: Database, urn: Int, email: String) throws {
        try db.cachedStatement(sql: "DELETE FROM school_users WHERE urn = ? AND email = ?").execute(arguments: [urn, email.lowercased()])
    }

    /// Keeps a submitted claim (once) and returns its window's closing day.
    static func saveClaim(_ db: Database, _ m: ClaimSubmitted) throws -> String? {
        try db.cachedStatement(
            sql: """
                INSERT INTO claims (reference, urn, school_name, provider_name, academic_year, claim_window_id, amount_pence, rate_pence, mentors, submitted_by_email, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted')
                ON CONFLICT (reference) DO NOTHING
                """
        ).execute(arguments: [
            m.reference, m.school.urn, m.school.name, m.provider.name, m.academicYear, m.claimWindowId, m.amountPence, m.ratePence,
            try json(m.mentors), m.submittedBy.email,
        ])
        return try String.fetchOne(db.cachedStatement(sql: "SELECT closes_on FROM claim_windows WHERE id = ?"), arguments: [m.claimWindowId])
    }

    static func markDeleted(_ db: Database, _ reference: String) throws {
        try db.cachedStatement(sql: "UPDATE claims SET deleted = 1, status = 'deleted' WHERE reference = ?").execute(arguments: [reference])
    }

    static func setStatus(_ db: Database, _ reference: String, _ status: String) throws {
        try db.cachedStatement(sql: "UPDATE claims SET status = ? WHERE reference = ?").execute(arguments: [status, reference])
    }

    static func setClawback(_ db: Database, _ reference: String, pence: Int64) throws {
        try db.cachedStatement(sql: "UPDATE claims SET clawback_pence = ? WHERE reference = ?").execute(arguments: [pence, reference])
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
        return (row["name"], try row.decodeJSON([String].self, column: "contact_emails"))
    }

    /// The claim windows open on `today`.
    static func openWindows(_ db: Database, on today: String) throws -> [Row] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM claim_windows WHERE removed = 0 AND opens_on <= ? AND closes_on >= ?"),
            arguments: [today, today]
        )
    }

    /// Eligible schools with no live submitted claim in `window` and no email yet for `milestone`.
    static func schoolsToRemind(_ db: Database, year: Int, window: Int64, milestone: String) throws -> [Row] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT s.urn, s.name, s.contact_emails FROM eligibility e
                    JOIN schools s ON s.urn = e.urn
                    WHERE e.academic_year = ?
                      AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.urn = e.urn AND c.claim_window_id = ? AND c.deleted = 0)
                      AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.claim_window_id = ? AND r.milestone = ? AND r.urn = e.urn)
                    ORDER BY s.urn
                    """
            ),
            arguments: [year, window, window, milestone]
        )
    }

    /// Records that a school was emailed for a window's milestone.
    static func recordReminder(_ db: Database, window: Int64, milestone: String, urn: Int, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO reminders (claim_window_id, milestone, urn, queued_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [window, milestone, urn, Milliseconds(at)])
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
        let mentors = try row.decodeJSON([ClaimMentor].self, column: "mentors")
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
