import Foundation
import GRDB
import Hummingbird
import Messages
import Messaging
import ServiceSupport

extension AuditRoutes {
    func requestID(_ context: ServiceRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else { throw Problem.notFound("There is no such request.") }
        return id
    }

    /// A provider user may act only for its own providers' requests (404 otherwise); support for all.
    func checkRequestAccess(_ db: Database, id: Int64, user: AuthenticatedUser) throws -> Row {
        guard let request = try Row.fetchOne(db, sql: "SELECT * FROM provider_requests WHERE id = ?", arguments: [id]) else {
            throw Problem.notFound("There is no such request.")
        }
        switch user.role {
        case .support: return request
        case .provider:
            guard user.providerCodes.contains(request["provider_code"] as String) else { throw Problem.notFound("There is no such request.") }
            return request
        case .school: throw Problem.forbidden("School users cannot see providers' requests.")
        }
    }

    func listRequests(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.provider, .support)
        var query = QueryReader(request)
        let code = query.text("provider_code", maxLength: 10)
        if let code, !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            query.add("provider_code", "Enter a provider code of up to 10 letters and digits")
        }
        try query.throwIfAny()
        struct Item: Encodable {
            var id: Int64
            var sampleId: Int64
            var providerCode: String
            var dueOn: String
            var responded: Bool
            var claimCount: Int
            var unansweredClaims: Int
        }
        let items = try await env.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM provider_requests WHERE responded_at IS NULL ORDER BY id").compactMap { r -> Item? in
                let provider: String = r["provider_code"]
                if let code, code.uppercased() != provider { return nil }
                if user.role == .provider && !user.providerCodes.contains(provider) { return nil }
                let (total, open) = try Self.requestProgress(db, sampleID: r["sample_id"], provider: provider)
                return Item(
                    id: r["id"],
                    sampleId: r["sample_id"],
                    providerCode: provider,
                    dueOn: r["due_on"],
                    responded: false,
                    claimCount: total,
                    unansweredClaims: open
                )
            }
        }
        struct Reply: Encodable { var items: [Item] }
        return try JSONResponse.make(Reply(items: items))
    }

    /// A request's claims, and how many of them still wait for the provider's answer.
    static func requestProgress(_ db: Database, sampleID: Int64, provider: String) throws -> (total: Int, unanswered: Int) {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) AS total, SUM(CASE WHEN c.status = 'sampling_in_progress' THEN 1 ELSE 0 END) AS open
                FROM sample_claims s JOIN claims c ON c.reference = s.reference WHERE s.sample_id = ? AND c.provider_code = ?
                """,
            arguments: [sampleID, provider]
        )
        return (row?["total"] ?? 0, row?["open"] ?? 0)
    }

    /// Closes every request of `sampleID` whose claims have all been answered (by the provider,
    /// or by support approving a claim): a request stays open, listed and reminded until then.
    static func closeAnsweredRequests(_ db: Database, sampleID: Int64, now: Date) throws {
        for request in try Row.fetchAll(
            db,
            sql: "SELECT id, provider_code FROM provider_requests WHERE sample_id = ? AND responded_at IS NULL",
            arguments: [sampleID]
        ) {
            let (_, open) = try requestProgress(db, sampleID: sampleID, provider: request["provider_code"])
            if open == 0 {
                try db.execute(sql: "UPDATE provider_requests SET responded_at = ? WHERE id = ?", arguments: [millis(now), request["id"] as Int64])
            }
        }
    }

    /// The provider requests' single-use links.
    static let links = LinkTable(ownerColumn: "request_id")

    func refused(_ outcome: LinkTable.Redemption, _ context: ServiceRequestContext, request id: Int64) -> SingleUseLink.State {
        switch outcome {
        case .valid, .unknown:
            context.logger.warning("refused an unknown or altered provider link", metadata: ["request": "\(id)"])
            return .unknown
        case .used, .expired:
            context.logger.warning("refused a used, replaced or expired provider link", metadata: ["request": "\(id)"])
            return .gone
        }
    }

    /// `GET …/file?token=`: a page with a Download button; opening it uses nothing up.
    func downloadPage(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let path = request.uri.path
        guard let token = SingleUseLink.token(request, body: nil), let id = try? requestID(context) else {
            return SingleUseLink.page(.unknown, path: path, token: "")
        }
        let now = env.now()
        let (outcome, due) = try await env.database.read { db in
            (
                try Self.links.check(db, token: token, owner: id, now: now),
                try String.fetchOne(db, sql: "SELECT due_on FROM provider_requests WHERE id = ?", arguments: [id])
            )
        }
        guard outcome == .valid else { return SingleUseLink.page(refused(outcome, context, request: id), path: path, token: token) }
        let description = """
            The sampled claims of sampling request \(id), one row per mentor. Fill in claim_accepted (yes or no) for every mentor, and a \
            rejection_reason for each one you do not accept, then upload the file in the service by \(due.map { LondonDates.long($0) } ?? "the due date").
            """
        return SingleUseLink.page(.valid(fileName: "sampling-request-\(id).csv", description: description), path: path, token: token)
    }

    /// `POST …/file`: the Download button. The file, once; the link is then used up.
    func download(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let body = try? await RequestDecoding.collect(request, limit: 4096)
        let path = request.uri.path
        guard let token = SingleUseLink.token(request, body: body), let id = try? requestID(context) else {
            return SingleUseLink.page(.unknown, path: path, token: "")
        }
        let now = env.now()
        let outcome = try await env.database.write { db -> (LinkTable.Redemption, Data?) in
            let state = try Self.links.redeem(db, token: token, owner: id, now: now)
            guard state == .valid else { return (state, nil) }
            return (state, try Data.fetchOne(db, sql: "SELECT file FROM provider_requests WHERE id = ?", arguments: [id]) ?? Data())
        }
        guard let data = outcome.1 else { return SingleUseLink.page(refused(outcome.0, context, request: id), path: path, token: token) }
        return SingleUseLink.file(data, fileName: "sampling-request-\(id).csv")
    }

    /// The request's file for a signed-in provider user of that provider, or support: no emailed
    /// link needed, and none used up.
    func signedInDownload(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.provider, .support)
        let id = try requestID(context)
        let data = try await env.database.read { db -> Data in
            let request = try checkRequestAccess(db, id: id, user: user)
            return request["file"]
        }
        return SingleUseLink.file(data, fileName: "sampling-request-\(id).csv")
    }

    /// The sampled claims of a provider (a provider user's own; support names one or sees all),
    /// newest sample first, with where each now stands.
    func providerClaims(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.provider, .support)
        var query = QueryReader(request)
        let code = query.text("provider_code", maxLength: 10)?.uppercased()
        if let code, !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            query.add("provider_code", "Enter a provider code of up to 10 letters and digits")
        }
        try query.throwIfAny()
        // A provider user asking for another provider sees nothing, as if it had no claims.
        let codes: [String]? = user.role == .provider ? user.providerCodes.filter { code == nil || $0 == code } : code.map { [$0] }
        struct Item: Encodable {
            var reference: String
            var sampleId: Int64
            var schoolUrn: Int
            var schoolName: String
            var providerCode: String
            var status: String
            var open: Bool
            var dueOn: String?
            var mentorsAccepted: Int
            var mentorsNotAccepted: Int
        }
        let items = try await env.database.read { db -> [Item] in
            var sql = """
                SELECT s.sample_id, s.open, c.reference, c.school_urn, c.school_name, c.provider_code, c.status, r.due_on,
                       (SELECT COUNT(*) FROM mentor_verdicts v WHERE v.reference = c.reference AND v.sample_id = s.sample_id AND v.accepted = 1) AS accepted,
                       (SELECT COUNT(*) FROM mentor_verdicts v WHERE v.reference = c.reference AND v.sample_id = s.sample_id AND v.accepted = 0) AS rejected
                FROM sample_claims s JOIN claims c ON c.reference = s.reference
                LEFT JOIN provider_requests r ON r.sample_id = s.sample_id AND r.provider_code = c.provider_code
                """
            var arguments: [String] = []
            if let codes {
                guard !codes.isEmpty else { return [] }
                sql += " WHERE c.provider_code IN (\(codes.map { _ in "?" }.joined(separator: ", ")))"
                arguments = codes
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY s.sample_id DESC, c.reference LIMIT 1000", arguments: StatementArguments(arguments)).map
            { r in
                Item(
                    reference: r["reference"],
                    sampleId: r["sample_id"],
                    schoolUrn: r["school_urn"],
                    schoolName: r["school_name"],
                    providerCode: r["provider_code"],
                    status: r["status"],
                    open: (r["open"] as Int) != 0,
                    dueOn: r["due_on"],
                    mentorsAccepted: r["accepted"],
                    mentorsNotAccepted: r["rejected"]
                )
            }
        }
        struct Reply: Encodable { var items: [Item] }
        return try JSONResponse.make(Reply(items: items))
    }

    func resend(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let id = try requestID(context)
        struct Input: Decodable {
            var emailAddresses: [String]?
            enum CodingKeys: String, CodingKey { case emailAddresses = "email_addresses" }
        }
        let buffer = try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit)
        let input = buffer.readableBytes == 0 ? Input(emailAddresses: nil) : try RequestDecoding.decode(Input.self, from: Data(buffer: buffer))
        if let addresses = input.emailAddresses, addresses.isEmpty || !addresses.allSatisfy(EmailAddressShape.isPlausible) {
            throw Problem.validation([FieldError(field: "email_addresses", message: "Enter email addresses in the correct format")])
        }
        let now = env.now()
        let outbox = env.outbox
        let base = env.configuration.publicBaseURL
        try await env.database.write { db in
            guard try Row.fetchOne(db, sql: "SELECT id FROM provider_requests WHERE id = ?", arguments: [id]) != nil else {
                throw Problem.notFound("There is no such request.")
            }
            try publishRequest(db, requestID: id, recipients: input.emailAddresses, now: now, base: base, outbox: outbox)
        }
        return JSONResponse.noContent()
    }

    func providerResponse(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.provider, .support)
        let id = try requestID(context)
        // Who may upload is settled before a byte of the body is read.
        _ = try await env.database.read { db in try checkRequestAccess(db, id: id, user: user) }
        let body = Data(buffer: try await RequestDecoding.collect(request, limit: RequestDecoding.csvLimit))
        let table: CSVTable
        do { table = try CSVTable(body, required: ["claim_reference", "mentor_trn", "claim_accepted", "rejection_reason"]) } catch let error
            as CSVFileError
        {
            throw error.problem
        }
        let rows = table.rows.map {
            ProviderResponseRow(
                row: $0.number,
                reference: ClaimReferenceText.normalise($0["claim_reference"]),
                trn: $0["mentor_trn"],
                accepted: $0["claim_accepted"],
                reason: $0["rejection_reason"]
            )
        }
        // What the file says, whatever its row order or spacing: the same answers twice are
        // the same upload.
        let fingerprint = rows.map {
            [
                $0.reference, $0.trn.filter { !$0.isWhitespace }, $0.accepted.trimmingCharacters(in: .whitespaces).lowercased(),
                $0.reason.trimmingCharacters(in: .whitespacesAndNewlines),
            ]
            .joined(separator: "\u{1F}")
        }.sorted().joined(separator: "\u{1E}")
        let now = env.now()
        let outbox = env.outbox
        struct Reply: Encodable {
            var acceptedClaims: Int
            var notApprovedClaims: Int
            var unansweredClaims: Int
            var alreadyApplied: Bool
        }
        enum Outcome {
            case applied(Reply)
            case earlier(String)
        }
        let outcome = try await env.database.write { db -> Outcome in
            let request = try checkRequestAccess(db, id: id, user: user)
            if let earlier = try AppliedUpload.earlier(db, kind: "provider-response", scope: "\(id)", fingerprint: fingerprint) {
                return .earlier(earlier)
            }
            let sampleID: Int64 = request["sample_id"]
            let provider: String = request["provider_code"]
            let claims = try Row.fetchAll(
                db,
                sql:
                    "SELECT c.reference, c.status, c.mentors FROM sample_claims s JOIN claims c ON c.reference = s.reference WHERE s.sample_id = ? AND c.provider_code = ?",
                arguments: [sampleID, provider]
            ).map { row -> RequestedClaim in
                let mentors = (try? JSONDecoder().decode([ClaimHandlers.MentorLine].self, from: Data((row["mentors"] as String).utf8))) ?? []
                return RequestedClaim(
                    reference: row["reference"],
                    mentorTRNs: Set(mentors.map(\.trn)),
                    stillSampling: (row["status"] as String) == "sampling_in_progress"
                )
            }
            let verdicts: [ClaimVerdict]
            switch ProviderResponseCheck.check(rows, request: claims) {
            case .success(let value): verdicts = value
            case .failure(let problems):
                throw Problem(
                    .unprocessableContent,
                    title: "The file has errors",
                    detail: "Nothing was applied. Correct every row listed and upload the whole file again.",
                    errors: problems.problems.map { FieldError(field: "row \($0.row)", message: $0.message) }
                )
            }
            let mentorsByClaim = Dictionary(uniqueKeysWithValues: claims.map { ($0.reference, $0.mentorTRNs) })
            let verdict = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO mentor_verdicts (reference, sample_id, trn, accepted, reason, recorded_at) VALUES (?, ?, ?, ?, ?, ?)"
            )
            var accepted = 0
            var notApproved = 0
            for claimVerdict in verdicts {
                let rejected = Dictionary(uniqueKeysWithValues: claimVerdict.rejected.map { ($0.trn, $0.reason) })
                for trn in (mentorsByClaim[claimVerdict.reference] ?? []).sorted() {
                    try verdict.execute(arguments: [claimVerdict.reference, sampleID, trn, rejected[trn] == nil, rejected[trn], Self.millis(now)])
                }
                if claimVerdict.rejected.isEmpty {
                    try db.execute(sql: "UPDATE claims SET status = 'paid' WHERE reference = ?", arguments: [claimVerdict.reference])
                    try db.execute(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1", arguments: [claimVerdict.reference])
                    try outbox.append(SampleProviderAccepted(reference: claimVerdict.reference), in: db)
                    accepted += 1
                } else {
                    try db.execute(
                        sql: "UPDATE claims SET status = 'sampling_provider_not_approved' WHERE reference = ?",
                        arguments: [claimVerdict.reference]
                    )
                    try outbox.append(
                        SampleProviderNotApproved(
                            reference: claimVerdict.reference,
                            mentors: claimVerdict.rejected.map { RejectedMentor(trn: $0.trn, name: nil, reason: $0.reason) }
                        ),
                        in: db
                    )
                    notApproved += 1
                }
            }
            // The request stays open, listed and reminded, until every claim in it is answered.
            try Self.closeAnsweredRequests(db, sampleID: sampleID, now: now)
            let (_, unanswered) = try Self.requestProgress(db, sampleID: sampleID, provider: provider)
            let reply = Reply(acceptedClaims: accepted, notApprovedClaims: notApproved, unansweredClaims: unanswered, alreadyApplied: false)
            try AppliedUpload.record(db, kind: "provider-response", scope: "\(id)", fingerprint: fingerprint, reply: reply, now: now)
            return .applied(reply)
        }
        switch outcome {
        case .applied(let reply): return try JSONResponse.make(reply)
        case .earlier(let earlier): return try AppliedUpload.alreadyApplied(earlier)
        }
    }

    func claimStatus(_ db: Database, _ reference: String) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM claims WHERE reference = ?", arguments: [reference]) else {
            throw Problem.notFound("There is no such claim.")
        }
        return row
    }

    func reference(_ context: ServiceRequestContext) throws -> String {
        guard let text = context.parameters.get("reference"), text.count == 8, text.allSatisfy(\.isNumber) else {
            throw Problem.notFound("There is no such claim.")
        }
        return text
    }

    /// The open sample a claim is in, if any.
    func openSample(_ db: Database, _ reference: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT sample_id FROM sample_claims WHERE reference = ? AND open = 1", arguments: [reference])
    }

    /// The latest sample a claim was in.
    func latestSample(_ db: Database, _ reference: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MAX(sample_id) FROM sample_claims WHERE reference = ?", arguments: [reference])
    }

    /// The claim's row, after checking `If-Match` against audit's view of it.
    func claimForAction(_ db: Database, _ request: Request, _ reference: String) throws -> Row {
        let claim = try claimStatus(db, reference)
        try Precondition.check(request, version: claim["version"], what: "Audit's view of claim \(reference)")
        return claim
    }

    func approve(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try reference(context)
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        let now = env.now()
        try await env.database.write { db in
            let claim = try claimForAction(db, request, reference)
            guard ["sampling_in_progress", "sampling_provider_not_approved"].contains(claim["status"] as String) else {
                throw Problem(.conflict, detail: "Only a sampled claim can be approved; this one is \(claim["status"] as String).")
            }
            let sample = try openSample(db, reference)
            try db.execute(sql: "UPDATE claims SET status = 'paid' WHERE reference = ?", arguments: [reference])
            try db.execute(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1", arguments: [reference])
            try outbox.append(SampleApproved(reference: reference, by: actor), in: db)
            // Approving a claim the provider had not answered answers it for the request.
            if let sample { try Self.closeAnsweredRequests(db, sampleID: sample, now: now) }
        }
        return try JSONResponse.make(["reference": reference, "status": "paid"])
    }

    struct MentorReasons: Decodable {
        var mentors: [Line]
        struct Line: Decodable {
            var trn: String
            var reason: String
        }
    }

    /// The most lines a decision can name: no claim has more mentors.
    static let maximumLines = 50
    /// The longest reason, note or response text.
    static let maximumText = 2_000

    func schoolResponse(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try reference(context)
        let input = try await RequestDecoding.decode(MentorReasons.self, from: request)
        var errors: [FieldError] = []
        if input.mentors.isEmpty { errors.append(FieldError(field: "mentors", message: "Record the school's response for at least one mentor")) }
        if input.mentors.count > Self.maximumLines {
            errors.append(FieldError(field: "mentors", message: "A claim has at most \(Self.maximumLines) mentors"))
        }
        for (i, line) in input.mentors.enumerated() {
            let reason = line.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            if reason.isEmpty { errors.append(FieldError(field: "mentors[\(i)].reason", message: "Enter the school's response")) }
            if reason.count > Self.maximumText {
                errors.append(
                    FieldError(field: "mentors[\(i)].reason", message: "Enter the school's response in \(Self.maximumText) characters or fewer")
                )
            }
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        let now = env.now()
        try await env.database.write { db in
            let claim = try claimForAction(db, request, reference)
            guard (claim["status"] as String) == "sampling_provider_not_approved" else {
                throw Problem(
                    .conflict,
                    detail: "A school's response is recorded after the provider did not approve; this claim is \(claim["status"] as String)."
                )
            }
            let mentors = Set(
                ((try? JSONDecoder().decode([ClaimHandlers.MentorLine].self, from: Data((claim["mentors"] as String).utf8))) ?? []).map(\.trn)
            )
            var lineErrors: [FieldError] = []
            var seen = Set<String>()
            for (i, line) in input.mentors.enumerated() {
                let trn = line.trn.filter { !$0.isWhitespace }
                if !mentors.contains(trn) { lineErrors.append(FieldError(field: "mentors[\(i)].trn", message: "This mentor is not on the claim")) }
                if !seen.insert(trn).inserted {
                    lineErrors.append(FieldError(field: "mentors[\(i)].trn", message: "This mentor is named more than once"))
                }
            }
            if !lineErrors.isEmpty { throw Problem.validation(lineErrors) }
            let sample = try openSample(db, reference) ?? latestSample(db, reference) ?? 0
            let encoded = String(
                decoding: try JSONEncoder().encode(input.mentors.map { [$0.trn.filter { !$0.isWhitespace }, $0.reason] }),
                as: UTF8.self
            )
            try db.execute(
                sql: "INSERT OR REPLACE INTO school_responses (reference, sample_id, mentors, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [reference, sample, encoded, user.email, Self.millis(now)]
            )
            try db.execute(sql: "UPDATE claims SET status = 'sampling_not_approved' WHERE reference = ?", arguments: [reference])
            try outbox.append(
                SampleSchoolRejected(
                    reference: reference,
                    mentors: input.mentors.map { RejectedMentor(trn: $0.trn, name: nil, reason: $0.reason) },
                    by: actor
                ),
                in: db
            )
        }
        return try JSONResponse.make(["reference": reference, "status": "sampling_not_approved"])
    }

    struct ClawbackInput: Decodable {
        var mentors: [Line]
        struct Line: Decodable {
            var trn: String
            var hoursTrained: Int
            var notes: String?
            enum CodingKeys: String, CodingKey {
                case trn, notes
                case hoursTrained = "hours_trained"
            }
        }
    }

    /// The mentors the provider did not accept in the claim's latest audit: exactly the ones a
    /// clawback must name. (A claim audited before verdicts were kept falls back to all its
    /// mentors.)
    func notAcceptedMentors(_ db: Database, _ reference: String, claimMentors: [ClaimHandlers.MentorLine]) throws -> Set<String> {
        guard let sample = try Int64.fetchOne(db, sql: "SELECT MAX(sample_id) FROM mentor_verdicts WHERE reference = ?", arguments: [reference])
        else {
            return Set(claimMentors.map(\.trn))
        }
        return Set(
            try String.fetchAll(
                db,
                sql: "SELECT trn FROM mentor_verdicts WHERE reference = ? AND sample_id = ? AND accepted = 0",
                arguments: [reference, sample]
            )
        )
    }

    func requestClawback(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try reference(context)
        let input = try await RequestDecoding.decode(ClawbackInput.self, from: request)
        var inputErrors: [FieldError] = []
        if input.mentors.isEmpty { inputErrors.append(FieldError(field: "mentors", message: "Enter the hours trained for each mentor not accepted")) }
        if input.mentors.count > Self.maximumLines {
            inputErrors.append(FieldError(field: "mentors", message: "A claim has at most \(Self.maximumLines) mentors"))
        }
        for (i, line) in input.mentors.enumerated() where (line.notes ?? "").count > Self.maximumText {
            inputErrors.append(FieldError(field: "mentors[\(i)].notes", message: "Enter notes in \(Self.maximumText) characters or fewer"))
        }
        if !inputErrors.isEmpty { throw Problem.validation(inputErrors) }
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        let now = env.now()
        let status = try await env.database.write { db -> String in
            let claim = try claimForAction(db, request, reference)
            guard ["sampling_not_approved", "clawback_rejected"].contains(claim["status"] as String) else {
                throw Problem(.conflict, detail: "A clawback is requested after the school's response; this claim is \(claim["status"] as String).")
            }
            let mentors = (try? JSONDecoder().decode([ClaimHandlers.MentorLine].self, from: Data((claim["mentors"] as String).utf8))) ?? []
            let notAccepted = try notAcceptedMentors(db, reference, claimMentors: mentors)
            var errors: [FieldError] = []
            var lines: [ClawbackMentor] = []
            var named = Set<String>()
            for (i, line) in input.mentors.enumerated() {
                let trn = line.trn.filter { !$0.isWhitespace }
                guard let mentor = mentors.first(where: { $0.trn == trn }) else {
                    errors.append(FieldError(field: "mentors[\(i)].trn", message: "This mentor is not on the claim"))
                    continue
                }
                guard named.insert(trn).inserted else {
                    errors.append(FieldError(field: "mentors[\(i)].trn", message: "Mentor \(trn) is named more than once: name each mentor once"))
                    continue
                }
                guard notAccepted.contains(trn) else {
                    errors.append(
                        FieldError(
                            field: "mentors[\(i)].trn",
                            message: "The provider accepted mentor \(trn): only mentors it did not accept can be clawed back"
                        )
                    )
                    continue
                }
                guard (0...mentor.hours).contains(line.hoursTrained) else {
                    errors.append(FieldError(field: "mentors[\(i)].hours_trained", message: "Enter the hours trained between 0 and \(mentor.hours)"))
                    continue
                }
                lines.append(ClawbackMentor(trn: mentor.trn, hoursClawedBack: mentor.hours - line.hoursTrained, notes: line.notes))
            }
            for trn in notAccepted.subtracting(named).sorted() where errors.isEmpty {
                errors.append(FieldError(field: "mentors", message: "Enter the hours trained for mentor \(trn), whom the provider did not accept"))
            }
            if !errors.isEmpty { throw Problem.validation(errors) }
            let hours = lines.reduce(0) { $0 + $1.hoursClawedBack }
            let amount = (claim["rate_pence"] as Int64) * Int64(hours)
            if hours == 0 {
                try db.execute(sql: "UPDATE claims SET status = 'paid' WHERE reference = ?", arguments: [reference])
                try db.execute(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1", arguments: [reference])
                try outbox.append(ClawbackNotRequired(reference: reference, by: actor), in: db)
                return "paid"
            }
            let encoded = String(
                decoding: try JSONEncoder().encode(lines.map { [$0.trn, String($0.hoursClawedBack), $0.notes ?? ""] }),
                as: UTF8.self
            )
            try db.execute(
                sql: """
                    INSERT INTO clawback_requests (reference, requested_by_id, requested_by_email, mentors, amount_pence, state, requested_at)
                    VALUES (?, ?, ?, ?, ?, 'pending', ?)
                    ON CONFLICT (reference) DO UPDATE SET requested_by_id = excluded.requested_by_id, requested_by_email = excluded.requested_by_email,
                        mentors = excluded.mentors, amount_pence = excluded.amount_pence, state = 'pending', decided_by_email = NULL, reason = NULL,
                        requested_at = excluded.requested_at, decided_at = NULL
                    """,
                arguments: [reference, user.id, user.email, encoded, amount, Self.millis(now)]
            )
            try db.execute(sql: "UPDATE claims SET status = 'clawback_requires_approval' WHERE reference = ?", arguments: [reference])
            try outbox.append(ClawbackRequested(reference: reference, mentors: lines, clawbackAmountPence: amount, by: actor), in: db)
            return "clawback_requires_approval"
        }
        return try JSONResponse.make(["reference": reference, "status": status])
    }

    func decide(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try reference(context)
        struct Input: Decodable {
            var approved: Bool
            var reason: String?
        }
        let input = try await RequestDecoding.decode(Input.self, from: request)
        let reason = (input.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !input.approved && reason.isEmpty {
            throw Problem.validation([FieldError(field: "reason", message: "Enter why the clawback is rejected")])
        }
        if reason.count > Self.maximumText {
            throw Problem.validation([FieldError(field: "reason", message: "Enter the reason in \(Self.maximumText) characters or fewer")])
        }
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        let now = env.now()
        let status = try await env.database.write { db -> String in
            // The approver must have seen exactly this request: a clawback changed since they
            // loaded it (requested again, other hours) is 412, never approved unseen.
            _ = try claimForAction(db, request, reference)
            guard
                let pending = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM clawback_requests WHERE reference = ? AND state = 'pending'",
                    arguments: [reference]
                )
            else {
                throw Problem(.conflict, detail: "There is no clawback waiting for approval on this claim.")
            }
            // Four eyes: the requester never decides their own request.
            guard (pending["requested_by_id"] as String) != user.id else {
                throw Problem.forbidden("A clawback must be approved or rejected by a support user other than the one who requested it.")
            }
            let lines = ((try? JSONDecoder().decode([[String]].self, from: Data((pending["mentors"] as String).utf8))) ?? []).map {
                ClawbackMentor(trn: $0[0], hoursClawedBack: Int($0[1]) ?? 0, notes: $0[2].isEmpty ? nil : $0[2])
            }
            if input.approved {
                try db.execute(
                    sql: "UPDATE clawback_requests SET state = 'approved', decided_by_email = ?, decided_at = ? WHERE reference = ?",
                    arguments: [user.email, Self.millis(now), reference]
                )
                try db.execute(sql: "UPDATE claims SET status = 'clawback_requested' WHERE reference = ?", arguments: [reference])
                try outbox.append(
                    ClawbackApproved(reference: reference, clawbackAmountPence: pending["amount_pence"], mentors: lines, by: actor),
                    in: db
                )
                return "clawback_requested"
            }
            try db.execute(
                sql: "UPDATE clawback_requests SET state = 'rejected', decided_by_email = ?, reason = ?, decided_at = ? WHERE reference = ?",
                arguments: [user.email, reason, Self.millis(now), reference]
            )
            try db.execute(sql: "UPDATE claims SET status = 'clawback_rejected' WHERE reference = ?", arguments: [reference])
            try outbox.append(ClawbackRejected(reference: reference, reason: reason, by: actor), in: db)
            return "clawback_rejected"
        }
        return try JSONResponse.make(["reference": reference, "status": status])
    }

    /// Audit's view of one claim: flags, samples, each mentor's provider verdict, the school's
    /// response, the clawback request and its decision, with the `ETag` support's actions send
    /// back as `If-Match`.
    func claimView(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let reference = try reference(context)
        struct Verdict: Encodable {
            var trn: String
            var name: String
            var hours: Int
            var accepted: Bool
            var reason: String?
        }
        struct Sample: Encodable {
            var sampleId: Int64
            var reason: String
            var open: Bool
            var requestId: Int64?
            var dueOn: String?
            var verdicts: [Verdict]
        }
        struct SchoolResponse: Encodable {
            struct Line: Encodable {
                var trn: String
                var reason: String
            }
            var mentors: [Line]
            var recordedBy: String
            var recordedAt: Date
        }
        struct Clawback: Encodable {
            var state: String
            var requestedByEmail: String
            var requestedAt: Date?
            var mentors: [ClawbackMentor]
            var amountPence: Int64
            var decidedByEmail: String?
            var decidedAt: Date?
            var reason: String?
        }
        struct View: Encodable {
            var reference: String
            var status: String
            var schoolUrn: Int
            var providerCode: String
            var academicYear: Int
            var amountPence: Int64
            var ratePence: Int64
            var flags: [String]
            var samples: [Sample]
            var schoolResponse: SchoolResponse?
            var clawback: Clawback?
            var version: Int64
        }
        @Sendable func date(_ millis: Int64?) -> Date? { millis.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        let view = try await env.database.read { db -> View in
            guard let claim = try Row.fetchOne(db, sql: "SELECT * FROM claims WHERE reference = ?", arguments: [reference]) else {
                throw Problem.notFound(
                    "Audit sampling has no claim \(reference): it has not been submitted, or its submission has not reached audit sampling yet."
                )
            }
            let mentors = (try? JSONDecoder().decode([ClaimHandlers.MentorLine].self, from: Data((claim["mentors"] as String).utf8))) ?? []
            var samples: [Sample] = []
            for row in try Row.fetchAll(db, sql: "SELECT * FROM sample_claims WHERE reference = ? ORDER BY sample_id", arguments: [reference]) {
                let sampleID: Int64 = row["sample_id"]
                let request = try Row.fetchOne(
                    db,
                    sql: "SELECT id, due_on FROM provider_requests WHERE sample_id = ? AND provider_code = ?",
                    arguments: [sampleID, claim["provider_code"] as String]
                )
                let verdicts = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM mentor_verdicts WHERE reference = ? AND sample_id = ? ORDER BY trn",
                    arguments: [reference, sampleID]
                ).map { v in
                    let mentor = mentors.first { $0.trn == v["trn"] as String }
                    return Verdict(
                        trn: v["trn"],
                        name: mentor.map { "\($0.firstName) \($0.lastName)" } ?? "",
                        hours: mentor?.hours ?? 0,
                        accepted: (v["accepted"] as Int) != 0,
                        reason: v["reason"]
                    )
                }
                samples.append(
                    Sample(
                        sampleId: sampleID,
                        reason: row["reason"],
                        open: (row["open"] as Int) != 0,
                        requestId: request?["id"],
                        dueOn: request?["due_on"],
                        verdicts: verdicts
                    )
                )
            }
            let school = try Row.fetchOne(
                db,
                sql: "SELECT * FROM school_responses WHERE reference = ? ORDER BY sample_id DESC LIMIT 1",
                arguments: [reference]
            ).map { r in
                SchoolResponse(
                    mentors: ((try? JSONDecoder().decode([[String]].self, from: Data((r["mentors"] as String).utf8))) ?? []).map {
                        .init(trn: $0[0], reason: $0[1])
                    },
                    recordedBy: r["recorded_by"],
                    recordedAt: date(r["recorded_at"]) ?? Date(timeIntervalSince1970: 0)
                )
            }
            let clawback = try Row.fetchOne(db, sql: "SELECT * FROM clawback_requests WHERE reference = ?", arguments: [reference]).map { r in
                Clawback(
                    state: r["state"],
                    requestedByEmail: r["requested_by_email"],
                    requestedAt: date(r["requested_at"]),
                    mentors: ((try? JSONDecoder().decode([[String]].self, from: Data((r["mentors"] as String).utf8))) ?? []).map {
                        ClawbackMentor(trn: $0[0], hoursClawedBack: Int($0[1]) ?? 0, notes: $0[2].isEmpty ? nil : $0[2])
                    },
                    amountPence: r["amount_pence"],
                    decidedByEmail: r["decided_by_email"],
                    decidedAt: date(r["decided_at"]),
                    reason: r["reason"]
                )
            }
            return View(
                reference: reference,
                status: claim["status"],
                schoolUrn: claim["school_urn"],
                providerCode: claim["provider_code"],
                academicYear: claim["academic_year"],
                amountPence: claim["amount_pence"],
                ratePence: claim["rate_pence"],
                flags: (try? JSONDecoder().decode([String].self, from: Data((claim["flags"] as String).utf8))) ?? [],
                samples: samples,
                schoolResponse: school,
                clawback: clawback,
                version: claim["version"]
            )
        }
        return try JSONResponse.make(view, headers: Precondition.eTag(view.version))
    }
}
