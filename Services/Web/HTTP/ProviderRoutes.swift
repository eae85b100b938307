import AuditSamplingAPI
import Foundation
import Hummingbird
import OpenAPIRuntime
import ServiceSupport

/// `/providers/{code}`: a provider's open audit requests with their due dates and what is still
/// unanswered, each file downloaded while signed in (no emailed link needed), the response
/// uploaded with its row errors on the page, and the provider's claims under audit.
struct ProviderRoutes {
    let site: Site

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/providers/:code") { try await home($0) }
        site.on(router, .get, "/providers/:code/requests/:id/file") { try await file($0) }
        site.on(router, .post, "/providers/:code/requests/:id/response") { try await response($0) }
    }

    /// The provider of the path, for one of its users; any other provider is no page at all.
    static func provider(_ request: PageRequest) throws -> (User, String) {
        let user = try request.signedIn
        guard let code = request.parameter("code")?.uppercased(), code.count <= 10, user.providerCodes.contains(code) else {
            throw PageError.notFound
        }
        return (user, code)
    }

    func requestID(_ request: PageRequest) throws -> Int {
        guard let text = request.parameter("id"), text.count <= 12, let id = Int(text), id > 0 else { throw PageError.notFound }
        return id
    }

    func home(_ request: PageRequest, requestErrors: [Int: FileRefusal] = [:]) async throws -> PageResult {
        let (user, code) = try Self.provider(request)
        let actor = Actors.provider(user)
        let client = site.client
        async let requestsCall = outcome {
            try JSONValue(
                try await client.auditSampling(as: actor) { try await $0.listProviderRequests(query: .init(providerCode: code)).ok.body.json }
            )
        }
        async let claimsCall = outcome {
            try JSONValue(try await client.auditSampling(as: actor) { try await $0.listSampledClaims(query: .init(providerCode: code)).ok.body.json })
        }
        async let nameCall = outcome {
            try await client.claimsIntake(as: actor) { try await $0.listProviders(query: .init(q: code)).ok.body.json.items }
        }
        let (requests, claims, names) = await (requestsCall, claimsCall, nameCall)
        let name = (try? names.get())?.first { $0.code == code }?.name ?? code
        var errors = PageErrors()
        let open = try requests.get().items.map { item -> [String: Any] in
            var row = item
            let id = (item["id"] as? Int64).map(Int.init) ?? 0
            row["unanswered"] = (item["unanswered_claims"] as? Int64).map { $0 == 1 ? "1 claim" : "\($0) claims" } ?? ""
            if let refusal = requestErrors[id] {
                errors.add("file-\(id)", refusal.message)
                row.merge(refusal.values) { $1 }
            }
            return row
        }
        let audited = try claims.get().items.map { item -> [String: Any] in
            var row = item
            let accepted = item["mentors_accepted"] as? Int64 ?? 0
            let rejected = item["mentors_not_accepted"] as? Int64 ?? 0
            row["answer"] =
                accepted + rejected == 0
                ? "Not answered yet"
                : rejected == 0 ? "You accepted every mentor" : "You did not accept \(rejected == 1 ? "1 mentor" : "\(rejected) mentors")"
            return row
        }
        var values: [String: Any] = [
            "title": "\(errors.isEmpty ? "" : "Error: ")Audit requests - \(name)", "providerName": name, "code": code, "requests": open,
            "hasRequests": !open.isEmpty, "claims": audited, "hasClaims": !audited.isEmpty, "changeOrganisation": user.memberships.count > 1,
        ]
        values.merge(errors.context) { $1 }
        return .page("provider-home", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func file(_ request: PageRequest) async throws -> PageResult {
        let (user, _) = try Self.provider(request)
        let id = try requestID(request)
        let file = try await site.client.auditSampling(as: Actors.provider(user)) {
            try await $0.providerRequestCSV(path: .init(id: id)).ok.body.csv.file
        }
        return .csv(file, fileName: "sampling-request-\(id).csv")
    }

    func response(_ request: PageRequest) async throws -> PageResult {
        let (user, code) = try Self.provider(request)
        let id = try requestID(request)
        guard let upload = request.form.files["file"], !upload.data.isEmpty else {
            return try await home(request, requestErrors: [id: FileRefusal(file: "Select your response file (a CSV)")])
        }
        do {
            let summary = try await site.client.auditSampling(as: Actors.provider(user)) {
                try await $0.recordProviderResponse(path: .init(id: id), body: .csv(HTTPBody(upload.data))).ok.body.json
            }
            try await site.sessions.setFlash(request.session, Self.responseMessage(try JSONValue(summary)))
            return .redirect("/providers/\(code)")
        } catch ServiceCallError.invalid(let fields, let detail) {
            return try await home(request, requestErrors: [id: FileRefusal(fields, detail: detail)])
        }
    }

    /// What an applied provider response did, in words.
    static func responseMessage(_ reply: JSONValue) -> String {
        if reply["already_applied"]?.bool == true { return "This response had already been applied: nothing changed." }
        let accepted = reply["accepted_claims"]?.integer ?? 0
        let rejected = reply["not_approved_claims"]?.integer ?? 0
        let open = reply["unanswered_claims"]?.integer ?? 0
        var text =
            "Response received: \(accepted == 1 ? "1 claim" : "\(accepted) claims") accepted, \(rejected == 1 ? "1 claim" : "\(rejected) claims") not accepted."
        if open > 0 { text += " \(open == 1 ? "1 claim is" : "\(open) claims are") still to be answered." }
        return text
    }
}
