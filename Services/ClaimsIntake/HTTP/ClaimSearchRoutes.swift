import Foundation
import Hummingbird
import ServiceSupport

/// Finding claims: the list with every filter and sort of `../spec/api.md`, the CSV export, and
/// school and trust summaries. Each handler parses, calls the database and answers.
struct ClaimSearchRoutes {
    let database: IntakeDatabase
    var london: LondonTime { database.london }

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1")
        api.get("claims") { request, context in try await list(request, context) }
        api.get("claims/export.csv") { request, context in try await export(request, context) }
        api.get("schools/:urn/summary") { _, context in try await schoolSummary(context) }
        api.get("trusts/:uid/summary") { _, context in try await trustSummary(context) }
    }

    /// The user's scope and every filter of the query string, each bad one named.
    func search(_ request: Request, _ user: AuthenticatedUser) throws -> (ClaimSearch, Pagination) {
        var query = QueryReader(request)
        let scope: ClaimSearch.Scope =
            switch user.role {
            case .support: .submitted
            case .school: .schools(Array(user.urns))
            case .provider: .providers(Array(user.providerCodes))
            }
        var search = ClaimSearch(scope: scope)
        let statuses = query.all("status")
        if statuses.count > ClaimStatus.allCases.count {
            query.add("status", "Choose at most \(ClaimStatus.allCases.count) statuses")
        } else if let wrong = statuses.first(where: { ClaimStatus(rawValue: $0) == nil }) {
            query.add("status", "'\(wrong.prefix(40))' is not a claim status")
        } else {
            search.statuses = statuses.compactMap(ClaimStatus.init(rawValue:))
        }
        search.schoolURN = query.urn("school_urn")
        if let text = query.raw("provider_code") {
            search.providerCode = (try? ProviderCode(parsing: text))?.value
            if search.providerCode == nil { query.add("provider_code", "Enter a provider code of up to 10 letters and digits") }
        }
        search.academicYear = query.academicYear()
        search.claimWindowID = query.id("claim_window_id", message: "Enter a claim window id: a whole number of 1 or more")
        // Submission dates are whole London days, both ends inclusive, of a plausible year.
        func day(_ name: String) -> LocalDate? {
            query.parsed(name, message: "Enter a real date as YYYY-MM-DD, such as 2025-09-01") { text in
                let date = try LocalDate(parsing: text)
                guard QueryReader.years.contains(date.year) else { throw InvalidValue(message: "") }
                return date
            }
        }
        search.submittedAfter = day("submitted_after").map { Milliseconds(london.instant($0, hour: 0, minute: 0, second: 0)) }
        search.submittedBefore = day("submitted_before").map {
            Milliseconds(value: Milliseconds(london.instant($0, hour: 23, minute: 59, second: 59)).value + 999)
        }
        if let text = query.raw("mentor_trn") {
            search.mentorTRN = text.count <= 20 ? (try? TRN(parsing: text))?.value : nil
            if search.mentorTRN == nil { query.add("mentor_trn", "Enter a TRN of 7 digits") }
        }
        search.text = query.text("q", maxLength: 100)
        search.flagged = query.bool("flagged")
        let sorts = ClaimSearch.Sort.allCases.map(\.rawValue).sorted()
        search.sort =
            query.oneOf("sort", sorts, message: "Sort by one of \(sorts.joined(separator: ", "))").flatMap(ClaimSearch.Sort.init)
            ?? .submittedAtDescending
        let pagination = Pagination(&query)
        try query.throwIfAny()
        return (search, pagination)
    }

    func list(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (search, pagination) = try search(request, user)
        return try JSONResponse.make(try await database.searchClaims(search, pagination))
    }

    func export(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let (search, _) = try search(request, user)
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"claims.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try await database.exportClaims(search))))
    }

    func schoolSummary(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        switch user.role {
        case .support: break
        case .school: guard user.urns.contains(urn.value) else { throw IntakeError.noSuchSchool }
        case .provider: throw IntakeError.forbidden("Provider users cannot see a school's claim summary.")
        }
        struct Reply: Encodable {
            var urn: Int
            var years: [YearSummary]
        }
        return try JSONResponse.make(Reply(urn: urn.value, years: try await database.schoolSummary(urn.value)))
    }

    func trustSummary(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let uid = context.parameters.get("uid") else { throw IntakeError.notFound("There is no such trust.") }
        guard user.role != .provider else { throw IntakeError.forbidden("Provider users cannot see a trust's claim summary.") }
        struct Reply: Encodable {
            var trustUid: String
            var schools: [Int]
            var years: [YearSummary]
        }
        let (urns, years) = try await database.trustSummary(uid, for: user)
        return try JSONResponse.make(Reply(trustUid: uid, schools: urns, years: years))
    }
}
