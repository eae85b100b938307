import Foundation
import GRDB
import Hummingbird
import Messages
import Messaging
import ServiceSupport

/// Flags, samples, provider requests and responses, and the decisions after a provider rejects.
struct AuditRoutes {
    let env: ServiceEnvironment
    static let providerColumns = [
        "claim_reference", "school_urn", "school_name", "school_local_authority", "school_type_of_establishment", "school_group",
        "provider_name", "claim_submission_date", "mentor_trn", "mentor_full_name", "mentor_hours_of_training", "claim_accepted",
        "rejection_reason",
    ]

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1/audit")
        api.get("flags") { request, context in try await flags(request, context) }
        api.post("samples") { request, context in try await createSample(request, context) }
        api.get("samples") { _, context in try await listSamples(context) }
        api.get("samples/:id") { _, context in try await getSample(context) }
        api.get("provider-requests/:id/csv") { _, context in try await signedInDownload(context) }
        api.get("claims") { request, context in try await providerClaims(request, context) }
        api.get("provider-requests") { request, context in try await listRequests(request, context) }
        api.get("provider-requests/:id/file") { request, context in try await downloadPage(request, context) }
        api.post("provider-requests/:id/file") { request, context in try await download(request, context) }
        api.post("provider-requests/:id/resend") { request, context in try await resend(request, context) }
        api.post("provider-requests/:id/response") { request, context in try await providerResponse(request, context) }
        api.get("claims/:reference") { _, context in try await claimView(context) }
        api.post("claims/:reference/approve") { request, context in try await approve(request, context) }
        api.post("claims/:reference/school-response") { request, context in try await schoolResponse(request, context) }
        api.post("claims/:reference/clawback") { request, context in try await requestClawback(request, context) }
        api.post("claims/:reference/clawback/decision") { request, context in try await decide(request, context) }
    }

    static func millis(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }

    func london(_ date: Date) -> (year: Int, month: Int, day: Int) { LondonDates.day(of: date) }

    func dateText(_ d: (year: Int, month: Int, day: Int)) -> String { LondonDates.text(d) }

    func flags(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var query = QueryReader(request)
        let year = query.academicYear()
        try query.throwIfAny()
        struct Item: Encodable {
            var reference: String
            var schoolUrn: Int
            var providerCode: String
            var academicYear: Int
            var reasons: [String]
        }
        let items = try await env.database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM claims WHERE flags != '[]' AND (? IS NULL OR academic_year = ?) ORDER BY reference",
                arguments: [year, year]
            ).map {
                Item(
                    reference: $0["reference"],
                    schoolUrn: $0["school_urn"],
                    providerCode: $0["provider_code"],
                    academicYear: $0["academic_year"],
                    reasons: (try? JSONDecoder().decode([String].self, from: Data(($0["flags"] as String).utf8))) ?? []
                )
            }
        }
        struct Reply: Encodable { var items: [Item] }
        return try JSONResponse.make(Reply(items: items))
    }

    struct SampleInput: Decodable {
        var academicYear: Int
        var share: Decimal?
        var seed: UInt64?
        enum CodingKeys: String, CodingKey {
            case share, seed
            case academicYear = "academic_year"
        }
    }

    func createSample(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let isCSV = request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true
        let body = Data(buffer: try await RequestDecoding.collect(request, limit: isCSV ? RequestDecoding.csvLimit : RequestDecoding.jsonLimit))
        var listed: [(row: Int, reference: String, reason: String)]?
        var input: SampleInput?
        var share = SampleShare.standard
        if isCSV {
            do {
                let table = try CSVTable(body, required: ["claim_reference", "sample_reason"])
                listed = table.rows.map {
                    (row: $0.number, reference: ClaimReferenceText.normalise($0["claim_reference"]), reason: $0["sample_reason"])
                }
            } catch let error as CSVFileError {
                throw error.problem
            }
        } else {
            input = try RequestDecoding.decode(SampleInput.self, from: body)
            if let given = input?.share {
                do { share = try SampleShare(given) } catch {
                    throw Problem.validation([
                        FieldError(field: "share", message: "Enter a share more than 0 and at most 1, with up to 6 decimal places, such as 0.10")
                    ])
                }
            }
            if let year = input?.academicYear, !QueryReader.years.contains(year) {
                throw Problem.validation([FieldError(field: "academic_year", message: "Enter an academic year such as 2025")])
            }
        }
        let key = request.headers[IdempotencyStore.header]
        if let key, let earlier = try await IdempotencyStore.earlier(env.database, user: user.id, key: key, body: body) { return earlier }
        // The same sample list twice is the same request: it answers what the first did.
        let listFingerprint = listed.map { rows in rows.map { "\($0.reference)\u{1F}\($0.reason)" }.sorted().joined(separator: "\u{1E}") }
        let now = env.now()
        let outbox = env.outbox
        let base = env.configuration.publicBaseURL
        let sampleInput = input
        let listedRows = listed
        let chosenShare = share
        /// A list already applied, found inside the write transaction (so two identical lists
        /// sent at once make one sample): answered as a repeat, never as row errors.
        struct AppliedMeanwhile: Error { let reply: String }
        let written: IdempotentOutcome<SampleView>
        do {
            written = try await env.database.write { db in
                try IdempotentOutcome<SampleView>.run(db, user: user.id, key: key, body: body, now: now) {
                    if let listFingerprint, let earlier = try AppliedUpload.earlier(db, kind: "sample-list", scope: "", fingerprint: listFingerprint)
                    {
                        throw AppliedMeanwhile(reply: earlier)
                    }
                    let input = sampleInput
                    let listed = listedRows
                    var chosen: [(reference: String, reason: String)] = []
                    var year = input?.academicYear ?? 0
                    let seed = input?.seed ?? UInt64.random(in: 1...UInt64(Int64.max))
                    if let listed {
                        var errors: [FieldError] = []
                        var seen = Set<String>()
                        for line in listed {
                            var problems: [String] = []
                            let status = try String.fetchOne(db, sql: "SELECT status FROM claims WHERE reference = ?", arguments: [line.reference])
                            if status == nil {
                                problems.append("claim ‘\(line.reference)’ is not known")
                            } else if status != "paid" {
                                problems.append("claim \(line.reference) is \(status ?? ""), not paid")
                            }
                            if line.reason.isEmpty { problems.append("enter a sample_reason") }
                            if !seen.insert(line.reference).inserted { problems.append("claim \(line.reference) is on more than one row") }
                            if problems.isEmpty {
                                chosen.append((line.reference, line.reason))
                            } else {
                                errors.append(FieldError(field: "row \(line.row)", message: problems.joined(separator: "; ")))
                            }
                        }
                        guard errors.isEmpty else {
                            throw Problem(
                                .unprocessableContent,
                                title: "The file has errors",
                                detail: "Nothing was sampled. Correct every row listed.",
                                errors: errors
                            )
                        }
                        year =
                            try Int.fetchOne(
                                db,
                                sql: "SELECT academic_year FROM claims WHERE reference = ?",
                                arguments: [chosen.first?.reference ?? ""]
                            ) ?? 0
                    } else {
                        var paid: [PaidClaim] = []
                        let cursor = try Row.fetchCursor(
                            db,
                            sql: """
                                SELECT reference, school_urn, amount_pence, flags != '[]' AS flagged FROM claims c WHERE academic_year = ? AND status = 'paid'
                                AND NOT EXISTS (SELECT 1 FROM sample_claims s WHERE s.reference = c.reference)
                                """,
                            arguments: [year]
                        )
                        while let row = try cursor.next() {
                            paid.append(PaidClaim(reference: row[0], schoolURN: row[1], amountPence: row[2], flagged: row[3]))
                        }
                        let yearTotal =
                            try Int64.fetchOne(
                                db,
                                sql: "SELECT COALESCE(SUM(amount_pence), 0) FROM claims WHERE academic_year = ? AND status = 'paid'",
                                arguments: [year]
                            ) ?? 0
                        chosen = SampleSelection.select(paid, share: chosenShare, seed: seed, yearTotal: yearTotal).map {
                            ($0.claim.reference, $0.reason.rawValue)
                        }
                    }
                    guard !chosen.isEmpty else { throw Problem(.conflict, detail: "There are no paid claims to sample in that academic year.") }
                    let paidPence =
                        try Int64.fetchOne(
                            db,
                            sql: "SELECT COALESCE(SUM(amount_pence), 0) FROM claims WHERE academic_year = ? AND status = 'paid'",
                            arguments: [year]
                        ) ?? 0
                    try db.execute(
                        sql:
                            "INSERT INTO samples (academic_year, seed, share_ppm, created_at, created_by, claim_count, sampled_pence, paid_pence) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                        arguments: [year, String(seed), listed == nil ? chosenShare.ppm : nil, Self.millis(now), user.email, chosen.count, paidPence]
                    )
                    let sampleID = db.lastInsertedRowID
                    let insert = try db.cachedStatement(sql: "INSERT INTO sample_claims (sample_id, reference, reason) VALUES (?, ?, ?)")
                    let mark = try db.cachedStatement(sql: "UPDATE claims SET status = 'sampling_in_progress' WHERE reference = ?")
                    for c in chosen {
                        do {
                            try insert.execute(arguments: [sampleID, c.reference, c.reason])
                        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                            throw Problem(.conflict, detail: "Claim \(c.reference) is already in an open sample.")
                        }
                        try mark.execute(arguments: [c.reference])
                        try outbox.append(SampleClaimSelected(reference: c.reference, sampleId: sampleID, sampleReason: c.reason), in: db)
                    }
                    // Every sampled claim in one read, grouped by provider, in reference order.
                    let rows = try Row.fetchAll(
                        db,
                        sql:
                            "SELECT c.* FROM sample_claims s JOIN claims c ON c.reference = s.reference WHERE s.sample_id = ? ORDER BY c.provider_code, c.reference",
                        arguments: [sampleID]
                    )
                    let sampled = rows.reduce(Int64(0)) { $0 + ($1["amount_pence"] as Int64) }
                    try db.execute(sql: "UPDATE samples SET sampled_pence = ? WHERE id = ?", arguments: [sampled, sampleID])
                    // One request, file and deadline per provider; a link per recipient address.
                    let due = dateText(ResponseDeadline.due(requestedOn: london(now)))
                    let decoder = JSONDecoder()
                    for (code, claims) in Dictionary(grouping: rows, by: { $0["provider_code"] as String }).sorted(by: { $0.key < $1.key }) {
                        var csv = CSVWriter(header: Self.providerColumns)
                        for claim in claims {
                            let mentors = (try? decoder.decode([ClaimHandlers.MentorLine].self, from: Data((claim["mentors"] as String).utf8))) ?? []
                            let submitted = dateText(london(Date(timeIntervalSince1970: Double(claim["submitted_at"] as Int64) / 1000)))
                            for mentor in mentors {
                                csv.append([
                                    claim["reference"], String(claim["school_urn"] as Int), claim["school_name"], claim["school_local_authority"],
                                    claim["school_type_of_establishment"], claim["school_group"], claim["provider_name"], submitted, mentor.trn,
                                    "\(mentor.firstName) \(mentor.lastName)", String(mentor.hours), "", "",
                                ])
                            }
                        }
                        try db.execute(
                            sql: "INSERT INTO provider_requests (sample_id, provider_code, due_on, created_at, file) VALUES (?, ?, ?, ?, ?)",
                            arguments: [sampleID, code, due, Self.millis(now), csv.data]
                        )
                        let requestID = db.lastInsertedRowID
                        try publishRequest(db, requestID: requestID, recipients: nil, now: now, base: base, outbox: outbox, claimCount: claims.count)
                    }
                    let view = try sampleView(db, id: sampleID)
                    if let listFingerprint {
                        try AppliedUpload.record(db, kind: "sample-list", scope: "", fingerprint: listFingerprint, reply: view, now: now)
                    }
                    return view
                }
            }
        } catch let meanwhile as AppliedMeanwhile {
            return try AppliedUpload.alreadyApplied(meanwhile.reply)
        }
        return try written.response()
    }

    /// Issues new links (earlier ones stop working) and publishes `sample.provider-requested`.
    func publishRequest(
        _ db: Database,
        requestID: Int64,
        recipients: [String]?,
        now: Date,
        base: String,
        outbox: Outbox,
        reminder: Int? = nil,
        claimCount: Int? = nil
    ) throws {
        try Self.publishRequest(
            db,
            requestID: requestID,
            recipients: recipients,
            now: now,
            base: base,
            outbox: outbox,
            reminder: reminder,
            claimCount: claimCount
        )
    }

    /// Issues new links (earlier ones stop working) and publishes `sample.provider-requested`.
    static func publishRequest(
        _ db: Database,
        requestID: Int64,
        recipients: [String]?,
        now: Date,
        base: String,
        outbox: Outbox,
        reminder: Int?,
        claimCount: Int? = nil
    ) throws {
        guard let request = try Row.fetchOne(db, sql: "SELECT * FROM provider_requests WHERE id = ?", arguments: [requestID]),
            let provider = try Row.fetchOne(db, sql: "SELECT * FROM providers WHERE code = ?", arguments: [request["provider_code"] as String])
        else { throw Problem.notFound("There is no such request.") }
        let addresses = recipients ?? (provider["email_addresses"] as String).split(separator: ";").map(String.init)
        let links = try AuditRoutes.links.issue(db, owner: requestID, recipients: addresses, now: now).map {
            RecipientLink(email: $0.recipient, url: "\(base)/api/v1/audit/provider-requests/\(requestID)/file?token=\($0.token)")
        }
        let count =
            try claimCount ?? Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM sample_claims s JOIN claims c ON c.reference = s.reference WHERE s.sample_id = ? AND c.provider_code = ?",
                arguments: [request["sample_id"] as Int64, request["provider_code"] as String]
            ) ?? 0
        try outbox.append(
            SampleProviderRequested(
                sampleId: request["sample_id"],
                requestId: requestID,
                provider: ProviderSnapshot(code: provider["code"], name: provider["name"], ukprn: "", accredited: true, emailAddresses: addresses),
                recipients: links,
                dueOn: request["due_on"],
                claimCount: count,
                reminder: reminder
            ),
            in: db
        )
        try db.execute(sql: "UPDATE provider_requests SET last_notified_at = ? WHERE id = ?", arguments: [Self.millis(now), requestID])
    }

    struct SampleView: Encodable {
        struct Provider: Encodable {
            var code: String
            var requestId: Int64
            var claimCount: Int
            var dueOn: String
            var responded: Bool
            var unansweredClaims: Int
        }
        var id: Int64
        var academicYear: Int
        var seed: String
        var claimCount: Int
        var sampledPence: Int64
        var paidPence: Int64
        var createdAt: Date
        var createdBy: String
        var providers: [Provider]
    }

    func sampleView(_ db: Database, id: Int64) throws -> SampleView {
        guard let sample = try Row.fetchOne(db, sql: "SELECT * FROM samples WHERE id = ?", arguments: [id]) else {
            throw Problem.notFound("There is no such sample.")
        }
        let providers = try Row.fetchAll(db, sql: "SELECT * FROM provider_requests WHERE sample_id = ? ORDER BY provider_code", arguments: [id]).map {
            r in
            let progress = try Self.requestProgress(db, sampleID: id, provider: r["provider_code"])
            return SampleView.Provider(
                code: r["provider_code"],
                requestId: r["id"],
                claimCount: progress.total,
                dueOn: r["due_on"],
                responded: (r["responded_at"] as Int64?) != nil,
                unansweredClaims: progress.unanswered
            )
        }
        return SampleView(
            id: id,
            academicYear: sample["academic_year"],
            seed: sample["seed"],
            claimCount: sample["claim_count"],
            sampledPence: sample["sampled_pence"],
            paidPence: sample["paid_pence"],
            createdAt: Date(timeIntervalSince1970: Double(sample["created_at"] as Int64) / 1000),
            createdBy: sample["created_by"],
            providers: providers
        )
    }

    /// Every sample, newest first, with its providers' progress.
    func listSamples(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let samples = try await env.database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM samples ORDER BY id DESC LIMIT 200").map { try sampleView(db, id: $0) }
        }
        struct Reply: Encodable { var items: [SampleView] }
        return try JSONResponse.make(Reply(items: samples))
    }

    func getSample(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        guard let text = context.parameters.get("id"), let id = Int64(text) else { throw Problem.notFound("There is no such sample.") }
        return try JSONResponse.make(try await env.database.read { try sampleView($0, id: id) })
    }
}
