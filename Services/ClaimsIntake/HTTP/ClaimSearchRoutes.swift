import Foundation
import GRDB
import Hummingbird
import ServiceSupport

/// Finding claims: the list with every filter and sort of `../spec/api.md`, the CSV export, and
/// school and trust summaries.
struct ClaimSearchRoutes {
    let env: ServiceEnvironment
    let london = LondonTime()

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1")
        api.get("claims") { request, context in try await list(request, context) }
        api.get("claims/export.csv") { request, context in try await export(request, context) }
        api.get("schools/:urn/summary") { _, context in try await schoolSummary(context) }
        api.get("trusts/:uid/summary") { _, context in try await trustSummary(context) }
    }

    /// A WHERE clause with its arguments, built from the query and the user's scope.
    struct Filter {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible & Sendable] = []
        var sql: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }
    }

    /// Each sort follows an index where one exists (ties broken in the same direction, so SQLite
    /// can walk the index instead of sorting every matching claim). Drafts, never submitted,
    /// come first in ascending order of submission and last in descending order.
    static let sorts: [String: String] = [
        "submitted_at": "submitted_at, reference",
        "-submitted_at": "submitted_at DESC, reference DESC",
        "amount": "amount_pence, reference", "-amount": "amount_pence DESC, reference DESC",
        "reference": "reference", "school_name": "school_name, reference",
    ]

    func filter(_ request: Request, _ user: AuthenticatedUser) throws -> (Filter, String, Pagination) {
        var query = QueryReader(request)
        var filter = Filter()
        // Scope first: what this user may see at all.
        switch user.role {
        case .support:
            // Every claim but drafts: a claim has a submission time exactly when it is no longer a
            // draft, and every filter's index carries it (so counting needs no table lookups).
            filter.clauses.append("submitted_at IS NOT NULL")
        case .school:
            guard !user.urns.isEmpty else {
                filter.clauses.append("0")
                break
            }
            filter.clauses.append("school_urn IN (\(user.urns.map { _ in "?" }.joined(separator: ",")))")
            filter.arguments += user.urns.sorted().map { $0 as any DatabaseValueConvertible & Sendable }
        case .provider:
            guard !user.providerCodes.isEmpty else {
                filter.clauses.append("0")
                break
            }
            filter.clauses.append("provider_code IN (\(user.providerCodes.map { _ in "?" }.joined(separator: ",")))")
            filter.arguments += user.providerCodes.sorted().map { $0 as any DatabaseValueConvertible & Sendable }
            filter.clauses.append("status IN ('paid', 'sampling_in_progress', 'sampling_provider_not_approved')")
        }
        let statuses = query.all("status")
        if !statuses.isEmpty {
            if statuses.count > ClaimStatus.allCases.count {
                query.add("status", "Choose at most \(ClaimStatus.allCases.count) statuses")
            } else if let wrong = statuses.first(where: { ClaimStatus(rawValue: $0) == nil }) {
                query.add("status", "'\(wrong.prefix(40))' is not a claim status")
            } else {
                filter.clauses.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
                filter.arguments += statuses.map { $0 as any DatabaseValueConvertible & Sendable }
            }
        }
        if let urn = query.urn("school_urn") {
            filter.clauses.append("school_urn = ?")
            filter.arguments.append(urn)
        }
        if let text = query.raw("provider_code") {
            if let code = try? ProviderCode(parsing: text) {
                filter.clauses.append("provider_code = ?")
                filter.arguments.append(code.value)
            } else {
                query.add("provider_code", "Enter a provider code of up to 10 letters and digits")
            }
        }
        if let year = query.academicYear() {
            filter.clauses.append("academic_year = ?")
            filter.arguments.append(year)
        }
        if let id = query.id("claim_window_id", message: "Enter a claim window id: a whole number of 1 or more") {
            filter.clauses.append("claim_window_id = ?")
            filter.arguments.append(id)
        }
        // Submission dates are whole London days, both ends inclusive, of a plausible year.
        func day(_ name: String) -> LocalDate? {
            query.parsed(name, message: "Enter a real date as YYYY-MM-DD, such as 2025-09-01") { text in
                let date = try LocalDate(parsing: text)
                guard QueryReader.years.contains(date.year) else { throw InvalidValue(message: "") }
                return date
            }
        }
        if let date = day("submitted_after") {
            filter.clauses.append("submitted_at >= ?")
            filter.arguments.append(ClaimStore.millis(london.instant(date, hour: 0, minute: 0, second: 0)))
        }
        if let date = day("submitted_before") {
            filter.clauses.append("submitted_at <= ?")
            filter.arguments.append(ClaimStore.millis(london.instant(date, hour: 23, minute: 59, second: 59)) + 999)
        }
        if let text = query.raw("mentor_trn") {
            if text.count <= 20, let trn = try? TRN(parsing: text) {
                filter.clauses.append("reference IN (SELECT reference FROM claim_mentors WHERE trn = ?)")
                filter.arguments.append(trn.value)
            } else {
                query.add("mentor_trn", "Enter a TRN of 7 digits")
            }
        }
        let searched = query.text("q", maxLength: 100)
        if let text = searched, text.count == 8, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // Eight digits are a claim reference (no school's name is eight digits).
            filter.clauses.append("reference = ?")
            filter.arguments.append(text)
        } else if let text = searched {
            filter.clauses.append("(reference = ? OR school_name LIKE ? ESCAPE '\\')")
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(
                of: "_",
                with: "\\_"
            )
            filter.arguments += [text, "%\(escaped)%"]
        }
        if let flagged = query.bool("flagged") {
            filter.clauses.append(flagged ? "flags != '[]'" : "flags = '[]'")
        }
        let sortKey =
            query.oneOf("sort", Self.sorts.keys.sorted(), message: "Sort by one of \(Self.sorts.keys.sorted().joined(separator: ", "))")
            ?? "-submitted_at"
        let pagination = Pagination(&query)
        try query.throwIfAny()
        return (filter, Self.sorts[sortKey] ?? "reference", pagination)
    }

    struct Item: Encodable {
        struct School: Encodable {
            var urn: Int
            var name: String
        }
        var reference: String
        var status: String
        var school: School
        struct Provider: Encodable {
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

    func list(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (filter, order, pagination) = try filter(request, user)
        let now = env.now()
        let support = env.configuration.mail.supportAddress
        let page = try await env.database.read { db -> Page<Item> in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claims \(filter.sql)", arguments: StatementArguments(filter.arguments)) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT reference, status, school_urn, school_name, provider_code, academic_year, claim_window_id, total_hours,
                           amount_pence, submitted_at, flags, (SELECT name FROM providers WHERE code = claims.provider_code) AS provider_name
                    FROM claims \(filter.sql) ORDER BY \(order) LIMIT ? OFFSET ?
                    """,
                arguments: StatementArguments(filter.arguments + [pagination.perPage, pagination.offset])
            )
            let windows = try ReferenceStore.windows(db)
            let items = try rows.map { row in
                let reference: String = row["reference"]
                let status = ClaimStatus(rawValue: row["status"]) ?? .submitted
                let year: Int = row["academic_year"]
                let next = try ClaimView.nextStepContext(
                    db,
                    reference: reference,
                    status: status,
                    academicYear: year,
                    windows: windows,
                    now: now,
                    london: london,
                    support: support
                )
                return Item(
                    reference: reference,
                    status: row["status"],
                    school: .init(urn: row["school_urn"], name: row["school_name"]),
                    providerCode: row["provider_code"],
                    provider: .init(code: row["provider_code"], name: row["provider_name"] ?? ""),
                    academicYear: year,
                    claimWindowId: row["claim_window_id"],
                    totalHours: row["total_hours"],
                    amountPence: row["amount_pence"],
                    submittedAt: (row["submitted_at"] as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000) },
                    flags: (try? JSONDecoder().decode([String].self, from: Data((row["flags"] as String).utf8))) ?? [],
                    nextStep: ClaimLifecycle.nextStep(for: status, next)
                )
            }
            return Page(items: items, page: pagination.page, perPage: pagination.perPage, total: total)
        }
        return try JSONResponse.make(page)
    }

    func export(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let (filter, order, _) = try filter(request, user)
        let csv = try await env.database.read { db -> CSVWriter in
            var csv = CSVWriter(header: [
                "claim_reference", "school_urn", "school_name", "school_local_authority", "school_type_of_establishment", "school_group",
                "provider_code", "provider_name", "academic_year", "claim_amount", "claim_submission_date", "claim_status", "flags",
            ])
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.reference, c.school_urn, c.school_name, s.local_authority, s.type_of_establishment, s.group_name,
                           c.provider_code, p.name AS provider_name, c.academic_year, c.amount_pence, c.submitted_at, c.status, c.flags
                    FROM (SELECT * FROM claims \(filter.sql)) c
                    JOIN schools s ON s.urn = c.school_urn JOIN providers p ON p.code = c.provider_code
                    ORDER BY \(order.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                    """,
                arguments: StatementArguments(filter.arguments)
            )
            while let row = try rows.next() {
                let flags = (try? JSONDecoder().decode([String].self, from: Data((row["flags"] as String).utf8))) ?? []
                csv.append([
                    row["reference"], String(row["school_urn"] as Int), row["school_name"], row["local_authority"],
                    row["type_of_establishment"], row["group_name"], row["provider_code"], row["provider_name"],
                    String(row["academic_year"] as Int), (row["amount_pence"] as Int64?).map(CSVWriter.pounds) ?? "",
                    (row["submitted_at"] as Int64?).map { london.date(of: Date(timeIntervalSince1970: Double($0) / 1000)).description } ?? "",
                    row["status"], flags.joined(separator: "; "),
                ])
            }
            return csv
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"claims.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: csv.data)))
    }

    struct YearSummary: Encodable {
        var academicYear: Int
        var claimsByStatus: [String: Int]
        var claimedPence: Int64
        var paidPence: Int64
        var clawedBackPence: Int64
    }

    func summaries(_ db: Database, urns: [Int]) throws -> [YearSummary] {
        guard !urns.isEmpty else { return [] }
        let placeholders = urns.map { _ in "?" }.joined(separator: ",")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT academic_year, status, COUNT(*) AS n,
                       SUM(CASE WHEN status != 'draft' THEN COALESCE(amount_pence, 0) ELSE 0 END) AS claimed,
                       SUM(paid_pence) AS paid,
                       SUM(CASE WHEN status = 'clawback_complete' THEN clawback_amount_pence ELSE 0 END) AS clawed
                FROM claims WHERE school_urn IN (\(placeholders)) GROUP BY academic_year, status ORDER BY academic_year
                """,
            arguments: StatementArguments(urns)
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

    func schoolSummary(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        switch user.role {
        case .support: break
        case .school: guard user.urns.contains(urn.value) else { throw Problem.notFound("There is no such school.") }
        case .provider: throw Problem.forbidden("Provider users cannot see a school's claim summary.")
        }
        struct Reply: Encodable {
            var urn: Int
            var years: [YearSummary]
        }
        let years = try await env.database.read { db -> [YearSummary] in
            guard try ReferenceStore.school(db, urn: urn.value) != nil else { throw Problem.notFound("There is no such school.") }
            return try summaries(db, urns: [urn.value])
        }
        return try JSONResponse.make(Reply(urn: urn.value, years: years))
    }

    func trustSummary(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let uid = context.parameters.get("uid") else { throw Problem.notFound("There is no such trust.") }
        guard user.role != .provider else { throw Problem.forbidden("Provider users cannot see a trust's claim summary.") }
        struct Reply: Encodable {
            var trustUid: String
            var schools: [Int]
            var years: [YearSummary]
        }
        let reply = try await env.database.read { db -> Reply in
            var urns = try Int.fetchAll(db, sql: "SELECT urn FROM schools WHERE trust_uid = ? ORDER BY urn", arguments: [uid])
            // A MAT user sees the trust's schools they belong to, never the others.
            if user.role == .school { urns = urns.filter { user.urns.contains($0) } }
            guard !urns.isEmpty else { throw Problem.notFound("There is no such trust.") }
            return Reply(trustUid: uid, schools: urns, years: try summaries(db, urns: urns))
        }
        return try JSONResponse.make(reply)
    }
}
