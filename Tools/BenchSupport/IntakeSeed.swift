import Foundation
import GRDB

/// The claims-intake database the benchmarks start from, written straight into SQLite (the
/// benchmark's setup, not the product's): 100,000 claims over 5,000 schools.
public enum IntakeSeed {
    /// What the seeding made.
    public struct Seeded: Sendable {
        /// The school with the most claims (100000).
        public var busiestSchool: Int
        /// Drafts ready to submit.
        public var drafts: [(reference: String, urn: Int)]
        /// A claim reference of the busiest school.
        public var busiestSchoolClaim: String
    }

    /// 100,000 claims over 5,000 schools, most submitted or further on; plus drafts ready to
    /// submit in an open window, each for its own mentor so the allowance never refuses one.
    public static func seed(_ path: String, claims: Int, drafts draftCount: Int) throws -> Seeded {
        let db = try DatabaseQueue(path: path)
        let now = Date()
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        let year = today.month! >= 9 ? today.year! : today.year! - 1
        let opens = String(format: "%04d-%02d-%02d", today.year!, today.month!, today.day!)
        var drafts: [(String, Int)] = []
        try db.write { db in
            for region in ["inner_london", "outer_london", "fringe", "rest_of_england"] {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO funding_rates (academic_year, region, pence, set_by, set_at) VALUES (?, ?, 5000, 'bench', 0)",
                    arguments: [year, region]
                )
            }
            try db.execute(
                sql: "INSERT INTO claim_windows (id, academic_year, opens_on, closes_on, created_by, created_at) VALUES (1, ?, ?, ?, 'bench', 0)",
                arguments: [year, opens, "\(year + 1)-08-31"]
            )
            for p in 0..<50 {
                try db.execute(
                    sql:
                        "INSERT INTO providers (code, name, ukprn, accredited, email_addresses, updated_at) VALUES (?, ?, '10000000', 1, 'p@x.example', 0)",
                    arguments: ["P\(p)", "Provider \(p)"]
                )
            }
            let school = try db.makeStatement(
                sql: """
                    INSERT INTO schools (urn, name, postcode, local_authority, type_of_establishment, group_name, region, contact_emails, updated_at)
                    VALUES (?, ?, 'N1 1AA', 'Islington', 'Academy', 'Academies', 'inner_london', 'office@x.example', 0)
                    """
            )
            for s in 0..<5000 {
                try school.execute(arguments: [100_000 + s, "School \(s)"])
                try db.execute(
                    sql: "INSERT INTO school_eligibility (urn, academic_year, granted_at, granted_by) VALUES (?, ?, 0, 'bench')",
                    arguments: [100_000 + s, year]
                )
                try db.execute(
                    sql: "INSERT INTO grant_conditions (urn, accepted_at, accepted_by_id, accepted_by_email) VALUES (?, 0, 'b', 'b@x.example')",
                    arguments: [100_000 + s]
                )
            }
            let reference = try db.makeStatement(sql: "INSERT INTO claim_references (reference) VALUES (?)")
            let claim = try db.makeStatement(
                sql: """
                    INSERT INTO claims (reference, school_urn, school_name, provider_code, academic_year, claim_window_id, status, total_hours,
                                        rate_pence, amount_pence, created_at, created_by_id, created_by_email, submitted_at, submitted_by_id, submitted_by_email)
                    VALUES (?, ?, ?, ?, ?, 1, ?, ?, 5000, ?, ?, 'b', 'b@x.example', ?, 'b', 'b@x.example')
                    """
            )
            let mentor = try db.makeStatement(
                sql: """
                    INSERT INTO claim_mentors (reference, position, trn, first_name, last_name, hours, provider_code, academic_year)
                    VALUES (?, 0, ?, 'M', 'N', ?, ?, ?)
                    """
            )
            let statuses = ["submitted", "submitted", "paid", "payment_in_progress", "submitted", "paid", "sampling_in_progress", "submitted"]
            for i in 0..<claims {
                let ref = String(format: "%08d", i * 7 + 13)
                let urn = 100_000 + (i % 4999)
                let hours = 1 + i % 16
                try reference.execute(arguments: [ref])
                try claim.execute(arguments: [
                    ref, urn, "School \(urn - 100_000)", "P\(i % 50)", year, statuses[i % statuses.count], hours, hours * 5000,
                    millis - Int64(i) * 1000, millis - Int64(i) * 1000,
                ])
                try mentor.execute(arguments: [ref, String(format: "%07d", 1_000_000 + i), hours, "P\(i % 50)", year])
            }
            // Drafts for the submission run, at the busiest-free school 104999, each its own mentor.
            for d in 0..<draftCount {
                let ref = String(format: "9%07d", d)
                let urn = 104_999
                let trn = String(format: "%07d", 8_000_000 + d)
                try db.execute(
                    sql: "INSERT INTO mentors (urn, trn, first_name, last_name, added_at) VALUES (?, ?, 'D', 'M', 0)",
                    arguments: [urn, trn]
                )
                try reference.execute(arguments: [ref])
                try db.execute(
                    sql: """
                        INSERT INTO claims (reference, school_urn, school_name, provider_code, academic_year, claim_window_id, status, total_hours,
                                            created_at, created_by_id, created_by_email)
                        VALUES (?, ?, 'School 4999', 'P1', ?, 1, 'draft', 4, ?, 'b', 'b@x.example')
                        """,
                    arguments: [ref, urn, year, millis]
                )
                try mentor.execute(arguments: [ref, trn, 4, "P1", year])
                drafts.append((ref, urn))
            }
        }
        return Seeded(busiestSchool: 100_000, drafts: drafts, busiestSchoolClaim: String(format: "%08d", 13))
    }

    /// The academic year (starting in September, London time) of `date`.
    public static func academicYear(_ date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return parts.month! >= 9 ? parts.year! : parts.year! - 1
    }
}
