import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceSupport

/// `/support/claims`: every claim, searched, filtered, sorted and 25 a page, the filters in the
/// URL so a list can be bookmarked and shared, and "Download CSV" of exactly that list.
struct SupportClaimRoutes {
    let site: Site

    /// The filters of claims-intake's `GET /api/v1/claims`, passed on as given (claims-intake
    /// checks them and says what is wrong with each).
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

    func list(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let chosen = Self.chosen(request)
        let page = request.query("page").flatMap { Int($0) }.map { min(max($0, 1), 10_000) } ?? 1
        var values: [String: Any] = ["title": "Claims"]
        var errors = PageErrors()
        do {
            let claims = try await site.client.get(
                ItemsAPI<ClaimListItemAPI>.self,
                .claimsIntake,
                "/api/v1/claims?\(Self.query(chosen + [("per_page", "25"), ("page", "\(page)")]))",
                as: Actors.support(user)
            )
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
        let answer = try await site.client.call(
            .claimsIntake,
            "GET",
            "/api/v1/claims/export.csv?\(Self.query(Self.chosen(request)))",
            as: Actors.support(user)
        )
        return .csv(answer.body, fileName: "claims.csv")
    }
}
