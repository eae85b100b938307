import Foundation
import Hummingbird
import ServiceSupport

/// Flags, samples, provider requests and responses, and the decisions after a provider rejects
/// (`../spec/api.md`, "Audit sampling"). Each handler parses, calls the database and answers;
/// the providers' emailed links are in `AuditLinkRoutes.swift`.
struct AuditRoutes {
    let database: AuditDatabase

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1/audit")
        let links = AuditLinkRoutes(database: database)
        api.get("flags") { request, context in try await flags(request, context) }
        api.post("samples") { request, context in try await createSample(request, context) }
        api.get("samples") { _, context in try await listSamples(context) }
        api.get("samples/:id") { _, context in try await getSample(context) }
        api.get("provider-requests/:id/csv") { _, context in try await signedInDownload(context) }
        api.get("claims") { request, context in try await providerClaims(request, context) }
        api.get("provider-requests") { request, context in try await listRequests(request, context) }
        api.get("provider-requests/:id/file") { request, context in try await links.page(request, context) }
        api.post("provider-requests/:id/file") { request, context in try await links.download(request, context) }
        api.post("provider-requests/:id/resend") { request, context in try await resend(request, context) }
        api.post("provider-requests/:id/response") { request, context in try await providerResponse(request, context) }
        api.get("claims/:reference") { _, context in try await claimView(context) }
        api.post("claims/:reference/approve") { request, context in
            try await act(request, context) { try await database.approve($0, ifMatch: $1, by: $2) }
        }
        api.post("claims/:reference/school-response") { request, context in
            try await act(request, context) { reference, ifMatch, requester in
                try await database.recordSchoolResponse(
                    reference,
                    lines: try await RequestParsing.schoolResponse(request),
                    ifMatch: ifMatch,
                    by: requester
                )
            }
        }
        api.post("claims/:reference/clawback") { request, context in
            try await act(request, context) { reference, ifMatch, requester in
                try await database.requestClawback(reference, lines: try await RequestParsing.clawback(request), ifMatch: ifMatch, by: requester)
            }
        }
        api.post("claims/:reference/clawback/decision") { request, context in
            try await act(request, context) { reference, ifMatch, requester in
                let (approved, reason) = try await RequestParsing.decision(request)
                return try await database.decideClawback(reference, approved: approved, reason: reason, ifMatch: ifMatch, by: requester)
            }
        }
    }

    func flags(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var query = QueryReader(request)
        let year = query.academicYear()
        try query.throwIfAny()
        struct Reply: Encodable { var items: [FlagView] }
        return try JSONResponse.make(Reply(items: try await database.flags(academicYear: year)))
    }

    func createSample(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let (sample, idempotency) = try await RequestParsing.sample(request)
        if let key = idempotency.key,
            let earlier = try await IdempotencyStore.earlier(database.writer, user: user.id, key: key, body: idempotency.body)
        {
            return earlier
        }
        switch try await database.createSample(sample, by: RequestParsing.requester(user), idempotency: idempotency) {
        case .written(let outcome): return try outcome.response()
        case .listAlreadyApplied(let reply): return try alreadyApplied(reply)
        }
    }

    func listSamples(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        struct Reply: Encodable { var items: [SampleView] }
        return try JSONResponse.make(Reply(items: try await database.samples()))
    }

    func getSample(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        return try JSONResponse.make(try await database.sample(try RequestParsing.sampleID(context)))
    }

    /// The request's file for a signed-in provider user of that provider, or support: no emailed
    /// link needed, and none used up.
    func signedInDownload(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.provider, .support)
        let id = try RequestParsing.requestID(context)
        return SingleUseLink.file(try await database.requestFile(id, for: user), fileName: "sampling-request-\(id).csv")
    }

    func listRequests(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.provider, .support)
        var query = QueryReader(request)
        let code = RequestParsing.providerCode(&query)
        try query.throwIfAny()
        struct Reply: Encodable { var items: [RequestView] }
        return try JSONResponse.make(Reply(items: try await database.openRequests(for: user, providerCode: code)))
    }

    /// A provider's claims under audit; a provider user asking for another provider sees nothing,
    /// as if it had no claims.
    func providerClaims(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.provider, .support)
        var query = QueryReader(request)
        let code = RequestParsing.providerCode(&query)?.uppercased()
        try query.throwIfAny()
        let codes: [String]? = user.role == .provider ? user.providerCodes.filter { code == nil || $0 == code } : code.map { [$0] }
        struct Reply: Encodable { var items: [ProviderClaimView] }
        return try JSONResponse.make(Reply(items: try await database.providerClaims(codes: codes)))
    }

    func resend(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let id = try RequestParsing.requestID(context)
        try await database.resendProviderRequest(id, to: try await RequestParsing.recipients(request))
        return JSONResponse.noContent()
    }

    func providerResponse(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.provider, .support)
        let id = try RequestParsing.requestID(context)
        // Who may upload is settled before a byte of the body is read.
        try await database.checkAccess(toRequest: id, for: user)
        let rows = try ProviderFiles.responseRows(Data(buffer: try await RequestDecoding.collect(request, limit: RequestDecoding.csvLimit)))
        switch try await database.recordVerdicts(request: id, rows: rows, by: user) {
        case .applied(let summary): return try JSONResponse.make(summary)
        case .alreadyApplied(let reply): return try alreadyApplied(reply)
        }
    }

    /// Audit's view of one claim, with the `ETag` support's actions send back as `If-Match`.
    func claimView(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let view = try await database.claimView(try RequestParsing.reference(context))
        return try JSONResponse.make(view, headers: Precondition.eTag(view.version))
    }

    /// A support action on a claim: the claim's new status.
    func act(
        _ request: Request,
        _ context: ServiceRequestContext,
        _ action: (String, IfMatch, AuditDatabase.Requester) async throws -> ClaimStatus
    ) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try RequestParsing.reference(context)
        let status = try await action(reference, IfMatch(request), RequestParsing.requester(user))
        struct Reply: Encodable {
            var reference: String
            var status: ClaimStatus
        }
        return try JSONResponse.make(Reply(reference: reference, status: status))
    }
}
