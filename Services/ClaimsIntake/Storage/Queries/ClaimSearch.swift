import Foundation
import GRDB
import ServiceSupport

/// What a person is looking for in the claims list, parsed and typed at the HTTP edge; the SQL
/// it becomes is this file's alone.
struct ClaimSearch: Sendable {
    /// Whose claims the user may see at all.
    enum Scope: Sendable {
        /// Support: every claim but drafts.
        case submitted
        /// A school user: its schools' claims.
        case schools([Int])
        /// A provider user: its providers' claims once paid or under audit.
        case providers([String])
    }
    /// The orders of `../spec/api.md`.
    enum Sort: String, CaseIterable, Sendable {
        case submittedAt = "submitted_at"
        case submittedAtDescending = "-submitted_at"
        case amount
        case amountDescending = "-amount"
        case reference
        case schoolName = "school_name"

        /// Each follows an index where one exists (ties broken in the same direction, so SQLite
        /// can walk the index instead of sorting every matching claim). Drafts, never submitted,
        /// come first in ascending order of submission and last in descending order.
        var orderBy: String {
            switch self {
            case .submittedAt: return "submitted_at, reference"
            case .submittedAtDescending: return "submitted_at DESC, reference DESC"
            case .amount: return "amount_pence, reference"
            case .amountDescending: return "amount_pence DESC, reference DESC"
            case .reference: return "reference"
            case .schoolName: return "school_name, reference"
            }
        }
    }

    var scope: Scope
    var statuses: [ClaimStatus] = []
    var schoolURN: Int?
    var providerCode: String?
    var academicYear: Int?
    var claimWindowID: Int64?
    /// Submitted at or after this instant.
    var submittedAfter: Milliseconds?
    /// Submitted at or before this instant.
    var submittedBefore: Milliseconds?
    var mentorTRN: String?
    /// A reference (eight digits) or part of a school's name.
    var text: String?
    var flagged: Bool?
    var sort: Sort = .submittedAtDescending

    /// The WHERE clause and its arguments.
    var filter: (sql: String, arguments: StatementArguments) {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible & Sendable] = []
        func list(_ values: [some DatabaseValueConvertible & Sendable]) -> String {
            arguments += values.map { $0 as any DatabaseValueConvertible & Sendable }
            return values.map { _ in "?" }.joined(separator: ",")
        }
        switch scope {
        case .submitted:
            // A claim has a submission time exactly when it is no longer a draft, and every
            // filter's index carries it (so counting needs no table lookups).
            clauses.append("submitted_at IS NOT NULL")
        case .schools(let urns):
            clauses.append(urns.isEmpty ? "0" : "school_urn IN (\(list(urns.sorted())))")
        case .providers(let codes):
            clauses.append(codes.isEmpty ? "0" : "provider_code IN (\(list(codes.sorted())))")
            if !codes.isEmpty { clauses.append("status IN (\(list(ClaimAccess.providerVisible.map(\.rawValue).sorted())))") }
        }
        if !statuses.isEmpty { clauses.append("status IN (\(list(statuses.map(\.rawValue))))") }
        /// `clause` with its one argument, when the filter is given.
        func given(_ clause: String, _ value: (any DatabaseValueConvertible & Sendable)?) {
            guard let value else { return }
            clauses.append(clause)
            arguments.append(value)
        }
        given("school_urn = ?", schoolURN)
        given("provider_code = ?", providerCode)
        given("academic_year = ?", academicYear)
        given("claim_window_id = ?", claimWindowID)
        given("submitted_at >= ?", submittedAfter)
        given("submitted_at <= ?", submittedBefore)
        given("reference IN (SELECT reference FROM claim_mentors WHERE trn = ?)", mentorTRN)
        if let text, text.count == 8, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // Eight digits are a claim reference (no school's name is eight digits).
            clauses.append("reference = ?")
            arguments.append(text)
        } else if let text {
            clauses.append("(reference = ? OR school_name LIKE ? ESCAPE '\\')")
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            arguments += [text, "%\(escaped)%"]
        }
        if let flagged { clauses.append(flagged ? "flags != '[]'" : "flags = '[]'") }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), StatementArguments(arguments))
    }
}

/// A claim as the list shows it.
struct ClaimListItem: Encodable, Sendable {
    struct School: Encodable, Sendable {
        var urn: Int
        var name: String
    }
    var reference: String
    var status: String
    var school: School
    struct Provider: Encodable, Sendable {
        var code: String
        var name: String
    }
    var providerCode: String
    /// The provider's code and name (additive: `provider_code` stays).
    var provider: Provider
    var academicYear: Int
    var claimWindowId: Int64
    var totalHours: Int
    var amountPence: Int64?
    var submittedAt: Date?
    var flags: [String]
    /// One plain sentence telling the school what happens next, as on the claim.
    var nextStep: String
}

/// A school's (or trust's) claims of one academic year: counts by status and money in pence.
struct YearSummary: Encodable, Sendable {
    var academicYear: Int
    var claimsByStatus: [String: Int]
    var claimedPence: Int64
    var paidPence: Int64
    var clawedBackPence: Int64
}

extension IntakeDatabase {
    /// A page of the claims `search` finds, each with its next step.
    func searchClaims(_ search: ClaimSearch, _ pagination: Pagination) async throws -> Page<ClaimListItem> {
        let now = now()
        let (filter, arguments) = search.filter
        return try await writer.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claims \(filter)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT reference, status, school_urn, school_name, provider_code, academic_year, claim_window_id, total_hours,
                           amount_pence, submitted_at, flags, (SELECT name FROM providers WHERE code = claims.provider_code) AS provider_name
                    FROM claims \(filter) ORDER BY \(search.sort.orderBy) LIMIT ? OFFSET ?
                    """,
                arguments: arguments + [pagination.perPage, pagination.offset]
            )
            let windows = try ReferenceStore.windows(db)
            let items = try rows.map { row in
                let reference: String = row["reference"]
                let status = try row.decode(ClaimStatus.self, column: "status")
                let year: Int = row["academic_year"]
                let next = try ClaimView.nextStepContext(
                    db,
                    reference: reference,
                    status: status,
                    academicYear: year,
                    windows: windows,
                    now: now,
                    london: london,
                    support: supportAddress
                )
                return ClaimListItem(
                    reference: reference,
                    status: status.rawValue,
                    school: .init(urn: row["school_urn"], name: row["school_name"]),
                    providerCode: row["provider_code"],
                    provider: .init(code: row["provider_code"], name: row["provider_name"] ?? ""),
                    academicYear: year,
                    claimWindowId: row["claim_window_id"],
                    totalHours: row["total_hours"],
                    amountPence: row["amount_pence"],
                    submittedAt: (row["submitted_at"] as Milliseconds?)?.date,
                    flags: try row.decodeJSON([String].self, column: "flags"),
                    nextStep: ClaimLifecycle.nextStep(for: status, next)
                )
            }
            return Page(items: items, page: pagination.page, perPage: pagination.perPage, total: total)
        }
    }

    /// The claims `search` finds as the export file of `../spec/files.md`.
    func exportClaims(_ search: ClaimSearch) async throws -> Data {
        let (filter, arguments) = search.filter
        let order = search.sort.orderBy.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        return try await writer.read { db in
            var csv = CSVWriter(header: [
                "claim_reference", "school_urn", "school_name", "school_local_authority", "school_type_of_establishment", "school_group",
                "provider_code", "provider_name", "academic_year", "claim_amount", "claim_submission_date", "claim_status", "flags",
            ])
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.reference, c.school_urn, c.school_name, s.local_authority, s.type_of_establishment, s.group_name,
                           c.provider_code, p.name AS provider_name, c.academic_year, c.amount_pence, c.submitted_at, c.status, c.flags
                    FROM (SELECT * FROM claims \(filter)) c
                    JOIN schools s ON s.urn = c.school_urn JOIN providers p ON p.code = c.provider_code
                    ORDER BY \(order)
                    """,
                arguments: arguments
            )
            while let row = try rows.next() {
                csv.append([
                    row["reference"], String(row["school_urn"] as Int), row["school_name"], row["local_authority"], row["type_of_establishment"],
                    row["group_name"], row["provider_code"], row["provider_name"], String(row["academic_year"] as Int),
                    (row["amount_pence"] as Int64?).map(CSVWriter.pounds) ?? "",
                    (row["submitted_at"] as Milliseconds?).map { london.date(of: $0.date).description } ?? "", row["status"],
                    try row.decodeJSON([String].self, column: "flags").joined(separator: "; "),
                ])
            }
            return csv.data
        }
    }

    /// A school's claims by year.
    func schoolSummary(_ urn: Int) async throws -> [YearSummary] {
        try await writer.read { db in
            guard try ReferenceStore.school(db, urn: urn) != nil else { throw IntakeError.noSuchSchool }
            return try Self.summaries(db, urns: [urn])
        }
    }

    /// A trust's schools that `user` may see, and their claims by year; a MAT user sees the
    /// trust's schools they belong to, never the others.
    func trustSummary(_ uid: String, for user: AuthenticatedUser) async throws -> (urns: [Int], years: [YearSummary]) {
        try await writer.read { db in
            var urns = try Int.fetchAll(db.cachedStatement(sql: "SELECT urn FROM schools WHERE trust_uid = ? ORDER BY urn"), arguments: [uid])
            if user.role == .school { urns = urns.filter { user.urns.contains($0) } }
            guard !urns.isEmpty else { throw IntakeError.notFound("There is no such trust.") }
            return (urns, try Self.summaries(db, urns: urns))
        }
    }

    /// Every year of the schools `urns`.
    static func summaries(_ db: Database, urns: [Int]) throws -> [YearSummary] {
        guard !urns.isEmpty else { return [] }
        let placeholders = urns.map { _ in "?" }.joined(separator: ",")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT academic_year, status, COUNT(*) AS n,
                       SUM(CASE WHEN status != ? THEN COALESCE(amount_pence, 0) ELSE 0 END) AS claimed,
                       SUM(paid_pence) AS paid,
                       SUM(CASE WHEN status = ? THEN clawback_amount_pence ELSE 0 END) AS clawed
                FROM claims WHERE school_urn IN (\(placeholders)) GROUP BY academic_year, status ORDER BY academic_year
                """,
            arguments: StatementArguments([ClaimStatus.draft.rawValue, ClaimStatus.clawbackComplete.rawValue]) + StatementArguments(urns)
        )
        var byYear: [Int: YearSummary] = [:]
        for row in rows {
            let year: Int = row["academic_year"]
            var summary = byYear[year] ?? YearSummary(academicYear: year, claimsByStatus: [:], claimedPence: 0, paidPence: 0, clawedBackPence: 0)
            summary.claimsByStatus[row["status"]] = row["n"]
            summary.claimedPence += row["claimed"] ?? 0
            summary.paidPence += row["paid"] ?? 0
            summary.clawedBackPence += row["clawed"] ?? 0
            byYear[year] = summary
        }
        return byYear.keys.sorted().compactMap { byYear[$0] }
    }
}
