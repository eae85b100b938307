import Foundation
import Hummingbird
import ServiceSupport

/// Payment runs, the payer's files and responses, the information loop, clawback runs and the
/// ledger (`../spec/api.md`, "Payments"). Everything is support only, except the download links
/// (`PaymentLinkRoutes.swift`). Each handler parses, calls the database and answers.
struct PaymentRoutes {
    let database: PaymentsDatabase

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1/payments")
        let links = PaymentLinkRoutes(database: database)
        for kind in RunKind.allCases {
            let runs = kind.pathSegment
            api.post("\(runs)") { request, context in try await createRun(request, context, kind) }
            api.get("\(runs)") { _, context in try await listRuns(context, kind) }
            api.get("\(runs)/:id") { _, context in try await getRun(context, kind) }
            api.get("\(runs)/:id/csv") { _, context in try await signedInDownload(context, kind) }
            api.get("\(runs)/:id/file") { request, context in try await links.page(request, context, kind) }
            api.post("\(runs)/:id/file") { request, context in try await links.download(request, context, kind) }
            api.post("\(runs)/:id/resend") { _, context in try await resend(context, kind) }
            api.post("\(runs)/:id/response") { request, context in try await importResponse(request, context, kind) }
        }
        api.get("payable") { request, context in try await payable(request, context) }
        api.get("claims/:reference") { _, context in try await claimView(context) }
        api.post("claims/:reference/information-sent") { request, context in
            try await step(request, context) { _ in .informationSent }
        }
        api.post("claims/:reference/paid") { request, context in try await step(request, context) { _ in .confirmPaid } }
        api.post("claims/:reference/reject") { request, context in
            try await step(request, context) { .reject(reason: try await RequestParsing.reason($0)) }
        }
        api.get("ledger") { request, context in try await ledger(request, context) }
    }

    func createRun(_ request: Request, _ context: ServiceRequestContext, _ kind: RunKind) async throws -> Response {
        let user = try context.requireRole(.support)
        let (window, idempotency) = try await RequestParsing.newRun(request)
        if let key = idempotency.key,
            let earlier = try await IdempotencyStore.earlier(database.writer, user: user.id, key: key, body: idempotency.body)
        {
            return earlier
        }
        return try await database.createRun(kind, window: window, by: RequestParsing.requester(user), idempotency: idempotency).response()
    }

    func listRuns(_ context: ServiceRequestContext, _ kind: RunKind) async throws -> Response {
        _ = try context.requireRole(.support)
        struct Reply: Encodable { var items: [RunView] }
        return try JSONResponse.make(Reply(items: try await database.runs(kind)))
    }

    func getRun(_ context: ServiceRequestContext, _ kind: RunKind) async throws -> Response {
        _ = try context.requireRole(.support)
        return try JSONResponse.make(try await database.run(try RequestParsing.runID(context), kind: kind))
    }

    /// The run's file for a signed-in support user, without an emailed link (nothing is used up).
    func signedInDownload(_ context: ServiceRequestContext, _ kind: RunKind) async throws -> Response {
        _ = try context.requireRole(.support)
        let id = try RequestParsing.runID(context)
        return SingleUseLink.file(try await database.runFile(run: id, kind: kind), fileName: kind.fileName(run: id))
    }

    func resend(_ context: ServiceRequestContext, _ kind: RunKind) async throws -> Response {
        _ = try context.requireRole(.support)
        return try JSONResponse.make(try await database.resendLinks(run: try RequestParsing.runID(context), kind: kind))
    }

    /// The payer's response file for the run.
    func importResponse(_ request: Request, _ context: ServiceRequestContext, _ kind: RunKind) async throws -> Response {
        let user = try context.requireRole(.support)
        let id = try RequestParsing.runID(context)
        let file = Data(buffer: try await RequestDecoding.collect(request, limit: RequestDecoding.csvLimit))
        return try JSONResponse.make(try await database.applyPayerResponse(run: id, kind: kind, file: file, by: RequestParsing.requester(user)))
    }

    /// What a run would hold now: the count and total of the submitted claims (of a window), or
    /// with `kind=clawback` of the approved clawbacks, for support to check before sending them.
    func payable(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var query = QueryReader(request)
        let window = query.id("claim_window_id")
        let kind = query.oneOf("kind", RunKind.allCases.map(\.rawValue), message: "Use payment or clawback").flatMap(RunKind.init) ?? .payment
        try query.throwIfAny()
        return try JSONResponse.make(try await database.payable(kind, window: window))
    }

    /// Support confirms the payer has the information, that the payer paid, or that the claim is
    /// not paid; the view's `ETag` comes back as `If-Match`.
    func step(
        _ request: Request,
        _ context: ServiceRequestContext,
        _ step: (Request) async throws -> PaymentsDatabase.SupportStep
    ) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try RequestParsing.claimReference(context)
        let status = try await database.take(try await step(request), on: reference, ifMatch: IfMatch(request), by: RequestParsing.requester(user))
        struct Reply: Encodable {
            var reference: String
            var status: ClaimStatus
        }
        return try JSONResponse.make(Reply(reference: reference, status: status))
    }

    /// Payments' view of one claim, with the `ETag` that support's actions send back as `If-Match`.
    func claimView(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let view = try await database.claimView(try RequestParsing.claimReference(context))
        return try JSONResponse.make(view, headers: Precondition.eTag(view.version))
    }

    /// Per school and academic year: claimed, paid, clawed back and net, in pence, with totals.
    func ledger(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var query = QueryReader(request)
        let year = query.academicYear()
        let urn = query.urn("school_urn")
        try query.throwIfAny()
        return try JSONResponse.make(try await database.ledger(academicYear: year, schoolURN: urn))
    }
}
