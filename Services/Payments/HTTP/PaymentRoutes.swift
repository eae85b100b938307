import Foundation
import GRDB
import Hummingbird
import Messages
import Messaging
import ServiceSupport

/// Payment runs, the payer's files and responses, the information loop, clawback runs and the
/// ledger (`../spec/api.md`, "Payments"). Everything is support only, except the download links.
struct PaymentRoutes {
    let env: ServiceEnvironment
    static let linkLifetime: TimeInterval = 7 * 24 * 3600

    static let paymentColumns = [
        "claim_reference", "school_urn", "school_name", "school_local_authority", "provider_name", "claim_amount",
        "school_type_of_establishment", "school_group", "claim_submission_date", "claim_status", "claim_unpaid_reason",
    ]
    static let clawbackColumns = [
        "claim_reference", "school_urn", "school_name", "school_local_authority", "provider_name", "claim_amount", "clawback_amount",
        "school_type_of_establishment", "school_group", "claim_submission_date", "claim_status",
    ]

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1/payments")
        api.post("runs") { request, context in try await createRun(request, context, kind: .payment) }
        api.get("runs") { _, context in try await listRuns(context, kind: .payment) }
        api.get("payable") { request, context in try await payable(request, context) }
        api.get("runs/:id") { _, context in try await getRun(context, kind: .payment) }
        api.get("runs/:id/csv") { _, context in try await signedInDownload(context, kind: .payment) }
        api.get("runs/:id/file") { request, context in try await downloadPage(request, context, kind: .payment) }
        api.post("runs/:id/file") { request, context in try await download(request, context, kind: .payment) }
        api.post("runs/:id/resend") { _, context in try await resend(context, kind: .payment) }
        api.post("runs/:id/response") { request, context in try await importResponse(request, context, kind: .payment) }
        api.post("claims/:reference/information-sent") { request, context in try await informationLoop(request, context, action: .informationSent) }
        api.post("claims/:reference/paid") { request, context in try await informationLoop(request, context, action: .paid) }
        api.post("claims/:reference/reject") { request, context in try await reject(request, context) }
        api.post("clawback-runs") { request, context in try await createRun(request, context, kind: .clawback) }
        api.get("clawback-runs") { _, context in try await listRuns(context, kind: .clawback) }
        api.get("clawback-runs/:id") { _, context in try await getRun(context, kind: .clawback) }
        api.get("clawback-runs/:id/csv") { _, context in try await signedInDownload(context, kind: .clawback) }
        api.get("clawback-runs/:id/file") { request, context in try await downloadPage(request, context, kind: .clawback) }
        api.post("clawback-runs/:id/file") { request, context in try await download(request, context, kind: .clawback) }
        api.post("clawback-runs/:id/resend") { _, context in try await resend(context, kind: .clawback) }
        api.get("claims/:reference") { request, context in try await claimView(request, context) }
        api.post("clawback-runs/:id/response") { request, context in try await importResponse(request, context, kind: .clawback) }
        api.get("ledger") { request, context in try await ledger(request, context) }
    }

    enum Kind: String { case payment, clawback }

    static func millis(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }

    func londonDate(_ millis: Int64) -> String { LondonDates.text(millis: millis) }

    func runID(_ context: ServiceRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else { throw Problem.notFound("There is no such run.") }
        return id
    }

    /// New single-use links, one per payer address; earlier links of the run stop working.
    func issueLinks(_ db: Database, run: Int64, kind: Kind, now: Date) throws -> [RecipientLink] {
        try db.cachedStatement(sql: "UPDATE link_hashes SET revoked_at = ? WHERE run_id = ? AND revoked_at IS NULL").execute(arguments: [
            Self.millis(now), run,
        ])
        var links: [RecipientLink] = []
        for address in env.configuration.payerEmailAddresses {
            let token = LinkToken.make()
            try db.cachedStatement(sql: "INSERT INTO link_hashes (token_hash, run_id, recipient, expires_at) VALUES (?, ?, ?, ?)").execute(
                arguments: [SingleUseLink.hash(token), run, address, Self.millis(now.addingTimeInterval(Self.linkLifetime))])
            let path = kind == .payment ? "runs" : "clawback-runs"
            links.append(RecipientLink(email: address, url: "\(env.configuration.publicBaseURL)/api/v1/payments/\(path)/\(run)/file?token=\(token)"))
        }
        return links
    }

    struct RunView: Encodable {
        var id: Int64
        var kind: String
        var claimWindowId: Int64?
        var claimCount: Int
        var totalPence: Int64
        var createdBy: String
        var createdAt: Date
        var claims: [RunClaim]?
        var links: [LinkView]?
    }

    /// Where a run's emailed link stands, per payer address (never the token itself).
    struct LinkView: Encodable {
        var recipient: String
        var issuedAt: Date?
        var expiresAt: Date
        var usedAt: Date?
        /// `unused`, `used`, `replaced` (a newer link was sent) or `expired`.
        var state: String
    }

    struct RunClaim: Encodable {
        var reference: String
        var amountPence: Int64
        var status: String
    }

    func createRun(_ request: Request, _ context: ServiceRequestContext, kind: Kind) async throws -> Response {
        let user = try context.requireRole(.support)
        struct Input: Decodable {
            var claimWindowId: Int64?
            enum CodingKeys: String, CodingKey { case claimWindowId = "claim_window_id" }
        }
        let buffer = try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit)
        let body = Data(buffer: buffer)
        let input = buffer.readableBytes == 0 ? Input(claimWindowId: nil) : try RequestDecoding.decode(Input.self, from: body)
        let key = request.headers[IdempotencyStore.header]
        if let key, let earlier = try await IdempotencyStore.earlier(env.database, user: user.id, key: key, body: body) { return earlier }
        let now = env.now()
        let outbox = env.outbox
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outcome = try await env.database.write { db in
            try IdempotentOutcome<RunView>.run(db, user: user.id, key: key, body: body, now: now) {
                var sql =
                    kind == .payment
                    ? "SELECT * FROM claims WHERE status = 'submitted' AND deleted = 0"
                    : "SELECT * FROM claims WHERE status = 'clawback_requested' AND clawback_amount_pence > 0"
                var arguments: [any DatabaseValueConvertible] = []
                if kind == .payment, let window = input.claimWindowId {
                    sql += " AND claim_window_id = ?"
                    arguments.append(window)
                }
                let claims = try Row.fetchAll(db, sql: sql + " ORDER BY reference", arguments: StatementArguments(arguments))
                guard !claims.isEmpty else {
                    throw Problem(
                        .conflict,
                        detail: kind == .payment ? "There are no submitted claims to pay." : "There are no approved clawbacks to send."
                    )
                }
                var csv = CSVWriter(header: kind == .payment ? Self.paymentColumns : Self.clawbackColumns)
                var total: Int64 = 0
                for row in claims {
                    let amount: Int64 = row["amount_pence"]
                    let clawback: Int64 = row["clawback_amount_pence"]
                    total += kind == .payment ? amount : clawback
                    let common: [String] = [
                        row["reference"], String(row["school_urn"] as Int), row["school_name"], row["school_local_authority"], row["provider_name"],
                        CSVWriter.pounds(amount),
                    ]
                    let tail: [String] = [row["school_type_of_establishment"], row["school_group"], londonDate(row["submitted_at"])]
                    csv.append(
                        kind == .payment
                            ? common + tail + ["payment_in_progress", ""]
                            : common + [CSVWriter.pounds(clawback)] + tail + ["clawback_in_progress"]
                    )
                }
                try db.cachedStatement(
                    sql:
                        "INSERT INTO runs (kind, claim_window_id, created_at, created_by, claim_count, total_pence, file) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ).execute(arguments: [kind.rawValue, input.claimWindowId, Self.millis(now), user.email, claims.count, total, csv.data])
                let run = db.lastInsertedRowID
                for row in claims {
                    let reference: String = row["reference"]
                    let amount: Int64 = kind == .payment ? row["amount_pence"] : row["clawback_amount_pence"]
                    try db.cachedStatement(sql: "INSERT INTO run_claims (run_id, kind, reference, amount_pence) VALUES (?, ?, ?, ?)").execute(
                        arguments: [run, kind.rawValue, reference, amount])
                    try db.cachedStatement(sql: "UPDATE claims SET status = ? WHERE reference = ?").execute(arguments: [
                        kind == .payment ? "payment_in_progress" : "clawback_in_progress", reference,
                    ])
                    if kind == .payment {
                        try outbox.append(PaymentRequested(reference: reference, runId: run), in: db)
                    } else {
                        try outbox.append(
                            ClawbackSent(fields: ClawbackRunFields(reference: reference, runId: run, clawbackAmountPence: amount)),
                            in: db
                        )
                    }
                }
                let links = try issueLinks(db, run: run, kind: kind, now: now)
                let fields = RunCreatedFields(runId: run, claimCount: claims.count, totalPence: total, links: links)
                if kind == .payment {
                    try outbox.append(PaymentRunCreated(run: fields), in: db)
                } else {
                    try outbox.append(ClawbackRunCreated(run: fields), in: db)
                }
                _ = actor
                return RunView(
                    id: run,
                    kind: kind.rawValue,
                    claimWindowId: input.claimWindowId,
                    claimCount: claims.count,
                    totalPence: total,
                    createdBy: user.email,
                    createdAt: now,
                    claims: nil,
                    links: nil
                )
            }
        }
        return try outcome.response()
    }

    func runView(_ db: Database, id: Int64, kind: Kind, withClaims: Bool) throws -> RunView {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM runs WHERE id = ? AND kind = ?"), arguments: [id, kind.rawValue])
        else {
            throw Problem.notFound("There is no such run.")
        }
        var claims: [RunClaim]?
        var links: [LinkView]?
        if withClaims {
            let now = Self.millis(env.now())
            links = try Row.fetchAll(db, sql: "SELECT * FROM link_hashes WHERE run_id = ? ORDER BY expires_at DESC, recipient", arguments: [id]).map {
                link in
                let used: Int64? = link["used_at"]
                let revoked: Int64? = link["revoked_at"]
                let expires: Int64 = link["expires_at"]
                let state = used != nil ? "used" : revoked != nil ? "replaced" : expires < now ? "expired" : "unused"
                return LinkView(
                    recipient: link["recipient"],
                    issuedAt: Date(timeIntervalSince1970: Double(expires - Int64(Self.linkLifetime * 1000)) / 1000),
                    expiresAt: Date(timeIntervalSince1970: Double(expires) / 1000),
                    usedAt: used.map { Date(timeIntervalSince1970: Double($0) / 1000) },
                    state: state
                )
            }
            claims = try Row.fetchAll(
                db,
                sql:
                    "SELECT r.reference, r.amount_pence, c.status FROM run_claims r JOIN claims c ON c.reference = r.reference WHERE r.run_id = ? ORDER BY r.reference",
                arguments: [id]
            ).map { RunClaim(reference: $0["reference"], amountPence: $0["amount_pence"], status: $0["status"]) }
        }
        return RunView(
            id: row["id"],
            kind: row["kind"],
            claimWindowId: row["claim_window_id"],
            claimCount: row["claim_count"],
            totalPence: row["total_pence"],
            createdBy: row["created_by"],
            createdAt: Date(timeIntervalSince1970: Double(row["created_at"] as Int64) / 1000),
            claims: claims,
            links: links
        )
    }

    func listRuns(_ context: ServiceRequestContext, kind: Kind) async throws -> Response {
        _ = try context.requireRole(.support)
        let runs = try await env.database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM runs WHERE kind = ? ORDER BY id DESC", arguments: [kind.rawValue])
                .map { try runView(db, id: $0, kind: kind, withClaims: false) }
        }
        struct Reply: Encodable { var items: [RunView] }
        return try JSONResponse.make(Reply(items: runs))
    }

    func getRun(_ context: ServiceRequestContext, kind: Kind) async throws -> Response {
        _ = try context.requireRole(.support)
        let id = try runID(context)
        return try JSONResponse.make(try await env.database.read { try runView($0, id: id, kind: kind, withClaims: true) })
    }

    /// What a run would hold now: the count and total of the submitted claims (of a window), or
    /// with `kind=clawback` of the approved clawbacks, for support to check before sending them.
    func payable(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var query = QueryReader(request)
        let window = query.id("claim_window_id")
        let clawbacks = query.oneOf("kind", ["payment", "clawback"], message: "Use payment or clawback") == "clawback"
        try query.throwIfAny()
        struct Reply: Encodable {
            var claimWindowId: Int64?
            var claimCount: Int
            var totalPence: Int64
        }
        let reply = try await env.database.read { db -> Reply in
            let row =
                clawbacks
                ? try Row.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) AS n, COALESCE(SUM(clawback_amount_pence), 0) AS total FROM claims WHERE status = 'clawback_requested' AND clawback_amount_pence > 0"
                )
                : try Row.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) AS n, COALESCE(SUM(amount_pence), 0) AS total FROM claims WHERE status = 'submitted' AND deleted = 0 AND (? IS NULL OR claim_window_id = ?)",
                    arguments: [window, window]
                )
            return Reply(claimWindowId: window, claimCount: row?["n"] ?? 0, totalPence: row?["total"] ?? 0)
        }
        return try JSONResponse.make(reply)
    }

    /// The run's file for a signed-in support user, without an emailed link (nothing is used up).
    func signedInDownload(_ context: ServiceRequestContext, kind: Kind) async throws -> Response {
        _ = try context.requireRole(.support)
        let id = try runID(context)
        let data = try await env.database.read { db in
            try Data.fetchOne(db, sql: "SELECT file FROM runs WHERE id = ? AND kind = ?", arguments: [id, kind.rawValue])
        }
        guard let data else { throw Problem.notFound("There is no such run.") }
        return SingleUseLink.file(data, fileName: fileName(kind, id))
    }

    enum LinkOutcome { case valid, unknown, used, expired }

    /// What a link's token leads to, without using it up.
    func linkState(_ db: Database, token: String, run id: Int64, kind: Kind, now: Date) throws -> LinkOutcome {
        guard
            let link = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT l.* FROM link_hashes l JOIN runs r ON r.id = l.run_id WHERE l.token_hash = ? AND l.run_id = ? AND r.kind = ?"
                ),
                arguments: [SingleUseLink.hash(token), id, kind.rawValue]
            )
        else { return .unknown }
        if (link["used_at"] as Int64?) != nil || (link["revoked_at"] as Int64?) != nil { return .used }
        if (link["expires_at"] as Int64) < Self.millis(now) { return .expired }
        return .valid
    }

    func refused(_ outcome: LinkOutcome, _ context: ServiceRequestContext, run id: Int64) -> SingleUseLink.State {
        switch outcome {
        case .valid: return .unknown
        case .unknown:
            context.logger.warning("refused an unknown or altered download link", metadata: ["run": "\(id)"])
            return .unknown
        case .used:
            context.logger.warning("refused a used or replaced download link", metadata: ["run": "\(id)"])
            return .gone
        case .expired:
            context.logger.warning("refused an expired download link", metadata: ["run": "\(id)"])
            return .gone
        }
    }

    func fileName(_ kind: Kind, _ id: Int64) -> String { "\(kind.rawValue)-run-\(id).csv" }

    /// `GET …/file?token=`: a page with a Download button; opening it uses nothing up.
    func downloadPage(_ request: Request, _ context: ServiceRequestContext, kind: Kind) async throws -> Response {
        let path = request.uri.path
        guard let token = SingleUseLink.token(request, body: nil), let id = try? runID(context) else {
            return SingleUseLink.page(.unknown, path: path, token: "")
        }
        let now = env.now()
        let outcome = try await env.database.read { db in try linkState(db, token: token, run: id, kind: kind, now: now) }
        guard outcome == .valid else { return SingleUseLink.page(refused(outcome, context, run: id), path: path, token: token) }
        let description =
            kind == .payment
            ? "The claims of payment run \(id), for the payer to pay and fill in the claim_status column (paid, unpaid with a claim_unpaid_reason, or payment_in_progress)."
            : "The clawbacks of clawback run \(id), for the payer to recover and fill in the claim_status column (clawback_complete or clawback_in_progress)."
        return SingleUseLink.page(.valid(fileName: fileName(kind, id), description: description), path: path, token: token)
    }

    /// `POST …/file`: the Download button. The file, once; the link is then used up.
    func download(_ request: Request, _ context: ServiceRequestContext, kind: Kind) async throws -> Response {
        let body = try? await RequestDecoding.collect(request, limit: 4096)
        let path = request.uri.path
        guard let token = SingleUseLink.token(request, body: body), let id = try? runID(context) else {
            return SingleUseLink.page(.unknown, path: path, token: "")
        }
        let now = env.now()
        let outcome = try await env.database.write { db -> (LinkOutcome, Data?) in
            let state = try linkState(db, token: token, run: id, kind: kind, now: now)
            guard state == .valid else { return (state, nil) }
            try db.cachedStatement(sql: "UPDATE link_hashes SET used_at = ? WHERE token_hash = ?").execute(arguments: [
                Self.millis(now), SingleUseLink.hash(token),
            ])
            return (state, try Data.fetchOne(db, sql: "SELECT file FROM runs WHERE id = ?", arguments: [id]) ?? Data())
        }
        guard let data = outcome.1 else { return SingleUseLink.page(refused(outcome.0, context, run: id), path: path, token: token) }
        return SingleUseLink.file(data, fileName: fileName(kind, id))
    }

    func resend(_ context: ServiceRequestContext, kind: Kind) async throws -> Response {
        _ = try context.requireRole(.support)
        let id = try runID(context)
        let now = env.now()
        let outbox = env.outbox
        let view = try await env.database.write { db -> RunView in
            let view = try runView(db, id: id, kind: kind, withClaims: false)
            let links = try issueLinks(db, run: id, kind: kind, now: now)
            let fields = RunCreatedFields(runId: id, claimCount: view.claimCount, totalPence: view.totalPence, links: links)
            switch kind {
            case .payment: try outbox.append(PaymentRunCreated(run: fields), in: db)
            case .clawback: try outbox.append(ClawbackRunCreated(run: fields), in: db)
            }
            return view
        }
        return try JSONResponse.make(view)
    }
}
