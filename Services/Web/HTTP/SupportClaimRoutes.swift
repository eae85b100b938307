import ClaimsIntakeAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceSupport

/// `/support/claims`: every claim, searched, filtered, sorted and 25 a page, the filters in the
/// URL so a list can be bookmarked and shared, and "Download CSV" of exactly that list.
struct SupportClaimRoutes {
    let site: Site

    /// The filters of claims-intake's `GET /api/v1/claims`: the numbers, flags and choices read
    /// here by claims-intake's own rules, the text passed on for claims-intake to check.
    static let filters = [
        "q", "status", "school_urn", "provider_code", "academic_year", "claim_window_id", "submitted_after", "submitted_before",
        "mentor_trn", "flagged", "sort",
    ]
    static let statuses = ClaimStatus.submittedStatuses.map(\.rawValue)
    static let sorts: [(String, String)] = [
        ("-submitted_at", "Newest submitted first"), ("submitted_at", "Oldest submitted first"), ("-amount", "Largest amount first"),
        ("amount", "Smallest amount first"), ("reference", "Reference"), ("school_name", "School name"),
    ]

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/support/claims") { try await list($0) }
        site.on(router, .get, "/support/claims.csv") { try await download($0) }
    }

    /// The filters of this request, each value at most 100 characters, in a stable order.
    static func chosen(_ request: PageRequest) -> [(String, String)] {
        var out: [(String, String)] = []
        for (name, values) in request.queryForm.values {
            for value in values.map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard filters.contains(name), !value.isEmpty, value.count <= 100, out.count < 40 else { continue }
                out.append((name, value))
            }
        }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\(queryValue($0.1))" }.joined(separator: "&")
    }

    typealias Search = ClaimsIntakeAPI.Operations.SearchClaims.Input.Query

    /// The filters as claims-intake's search, or what is wrong with them, field by field.
    static func search(_ pairs: [(String, String)]) -> Result<Search, ServiceCallError> {
        var reader = QueryReader(pairs: pairs)
        var search = Search()
        let statuses = reader.all("status")
        if let wrong = statuses.first(where: { ClaimsIntakeAPI.Components.Schemas.ClaimStatus(rawValue: $0) == nil }) {
            reader.add("status", "'\(wrong.prefix(40))' is not a claim status")
        } else if !statuses.isEmpty {
            search.status = Array(Set(statuses.compactMap(ClaimsIntakeAPI.Components.Schemas.ClaimStatus.init(rawValue:)))).sorted {
                $0.rawValue < $1.rawValue
            }
        }
        search.schoolUrn = reader.urn("school_urn")
        search.academicYear = reader.academicYear()
        search.claimWindowId = reader.id("claim_window_id", message: "Enter a claim window id: a whole number of 1 or more").map(Int.init)
        search.flagged = reader.bool("flagged")
        let sorts = Search.SortPayload.allCases.map(\.rawValue).sorted()
        search.sort = reader.oneOf("sort", sorts, message: "Sort by one of \(sorts.joined(separator: ", "))").flatMap(Search.SortPayload.init)
        (search.providerCode, search.mentorTrn, search.q) = (reader.raw("provider_code"), reader.raw("mentor_trn"), reader.raw("q"))
        (search.submittedAfter, search.submittedBefore) = (reader.raw("submitted_after"), reader.raw("submitted_before"))
        guard reader.errors.isEmpty else {
            return .failure(.invalid(reader.errors.map { ServiceFieldError(field: $0.field, message: $0.message) }, detail: "Check the filters"))
        }
        return .success(search)
    }

    func list(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let chosen = Self.chosen(request)
        let page = request.query("page").flatMap { Int($0) }.map { min(max($0, 1), 10_000) } ?? 1
        var values: [String: Any] = ["title": "Claims"]
        var errors = PageErrors()
        do {
            var search = try Self.search(chosen).get()
            (search.page, search.perPage) = (page, 25)
            let claims = try await site.client.claims(search, as: Actors.support(user))
            values["claims"] = claims.items.map { claim -> [String: Any] in
                let tag = Presentation.tag(claim.status)
                return [
                    "reference": claim.reference, "school": claim.school.name, "urn": claim.school.urn, "provider": claim.provider.name,
                    "amount": claim.amountPence.map(MoneyText.pounds) ?? "", "submitted": claim.submittedAt.map(Presentation.timestamp) ?? "",
                    "tag": tag.label, "tagColour": tag.colour, "flagged": !claim.flags.isEmpty,
                ]
            }
            values["hasClaims"] = !claims.items.isEmpty
            let total = claims.total ?? claims.items.count
            values["total"] = total == 1 ? "1 claim" : "\(total) claims"
            let base = Self.query(chosen)
            values.merge(Paging(page: page, perPage: 25, total: total).values { "/support/claims?\(base)\(base.isEmpty ? "" : "&")page=\($0)" }) {
                $1
            }
            values["csvHref"] = "/support/claims.csv\(base.isEmpty ? "" : "?\(base)")"
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields { errors.add(Self.filters.contains(field.field) ? field.field : "q", field.message) }
            if errors.isEmpty { errors.add("q", detail) }
            values["title"] = "Error: Claims"
        }
        // The form keeps what was asked.
        var entered: [String: String] = [:]
        for (name, value) in chosen where name != "status" { entered[name] = value }
        values["entered"] = entered
        let statuses = Set(chosen.filter { $0.0 == "status" }.map(\.1))
        values["statuses"] = Self.statuses.map { ["value": $0, "label": Presentation.tag($0).label, "checked": statuses.contains($0)] }
        let sort = entered["sort"] ?? "-submitted_at"
        values["sorts"] = Self.sorts.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == sort] }
        values["flaggedOnly"] = entered["flagged"] == "true"
        values.merge(errors.context) { $1 }
        return .page("support-claims", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func download(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let search = try Self.search(Self.chosen(request)).get()
        let filters = ClaimsIntakeAPI.Operations.ExportClaims.Input.Query(
            status: search.status,
            schoolUrn: search.schoolUrn,
            providerCode: search.providerCode,
            academicYear: search.academicYear,
            claimWindowId: search.claimWindowId,
            submittedAfter: search.submittedAfter,
            submittedBefore: search.submittedBefore,
            mentorTrn: search.mentorTrn,
            q: search.q,
            flagged: search.flagged,
            sort: search.sort.flatMap { .init(rawValue: $0.rawValue) }
        )
        let file = try await site.client.claimsIntake(as: Actors.support(user)) { try await $0.exportClaims(query: filters).ok.body.csv.file }
        return .csv(file, fileName: "claims.csv")
    }
}
