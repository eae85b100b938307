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
        let code = request.uri.queryParameters["provider_code"].map(String.init)
        struct Item: Encodable {
            var id: Int64
            var sampleId: Int64
            var providerCode: String
            var dueOn: String
            var responded: Bool
        }
        let items = try await env.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM provider_requests WHERE responded_at IS NULL ORDER BY id").compactMap { r -> Item? in
                let provider: String = r["provider_code"]
                if let code, code.uppercased() != provider { return nil }
                if user.role == .provider && !user.providerCodes.contains(provider) { return nil }
                return Item(id: r["id"], sampleId: r["sample_id"], providerCode: provider, dueOn: r["due_on"], responded: false)
            }
        }
        struct Reply: Encodable { var items: [Item] }
        return try JSONResponse.make(Reply(items: items))
    }

    func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    func download(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        guard let token = request.uri.queryParameters["token"].map(String.init), let id = try? requestID(context) else {
            return plain(.notFound, "This link is not valid. Ask the Department for Education to send a new one.")
        }
        let now = env.now()
        enum Outcome { case file(Data), unknown, gone }
        let outcome = try await env.database.write { db -> Outcome in
            guard let link = try Row.fetchOne(db, sql: "SELECT * FROM request_links WHERE token = ? AND request_id = ?", arguments: [token, id]) else {
                return .unknown
            }
            if (link["used_at"] as Int64?) != nil || (link["revoked_at"] as Int64?) != nil || (link["expires_at"] as Int64) < Self.millis(now) {
                return .gone
            }
            try db.execute(sql: "UPDATE request_links SET used_at = ? WHERE token = ?", arguments: [Self.millis(now), token])
            return .file(try Data.fetchOne(db, sql: "SELECT file FROM provider_requests WHERE id = ?", arguments: [id]) ?? Data())
        }
        switch outcome {
        case .file(let data):
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"sampling-request-\(id).csv\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        case .unknown:
            context.logger.warning("refused an unknown or altered provider link", metadata: ["request": "\(id)"])
            return plain(.notFound, "This link is not valid. Ask the Department for Education to send a new one.")
        case .gone:
            context.logger.warning("refused a used, replaced or expired provider link", metadata: ["request": "\(id)"])
            return plain(.gone, "This link has been used, replaced or has expired. Ask the Department for Education to send a new one.")
        }
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
        let body = Data(buffer: try await RequestDecoding.collect(request, limit: RequestDecoding.csvLimit))
        let table: CSVTable
        do { table = try CSVTable(body, required: ["claim_reference", "mentor_trn", "claim_accepted", "rejection_reason"]) } catch let error as CSVFileError {
            throw Problem(.unprocessableContent, title: "The file cannot be read", detail: error.description)
        }
        let rows = table.rows.map {
            ProviderResponseRow(row: $0.number, reference: $0["claim_reference"], trn: $0["mentor_trn"], accepted: $0["claim_accepted"], reason: $0["rejection_reason"])
        }
        let now = env.now()
        let outbox = env.outbox
        struct Reply: Encodable {
            var acceptedClaims: Int
            var notApprovedClaims: Int
        }
        let reply = try await env.database.write { db -> Reply in
            let request = try checkRequestAccess(db, id: id, user: user)
            let claims = try Row.fetchAll(
                db,
                sql: "SELECT c.reference, c.status, c.mentors FROM sample_claims s JOIN claims c ON c.reference = s.reference WHERE s.sample_id = ? AND c.provider_code = ?",
                arguments: [request["sample_id"] as Int64, request["provider_code"] as String]
            ).map { row -> RequestedClaim in
                let mentors = (try? JSONDecoder().decode([ClaimHandlers.MentorLine].self, from: Data((row["mentors"] as String).utf8))) ?? []
                return RequestedClaim(reference: row["reference"], mentorTRNs: Set(mentors.map(\.trn)), stillSampling: (row["status"] as String) == "sampling_in_progress")
            }
            let verdicts: [ClaimVerdict]
            switch ProviderResponseCheck.check(rows, request: claims) {
            case .success(let value): verdicts = value
            case .failure(let problems):
                throw Problem(
                    .unprocessableContent, title: "The file has errors", detail: "Nothing was applied. Correct every row listed and upload the whole file again.",
                    errors: problems.problems.map { FieldError(field: "row \($0.row)", message: $0.message) })
            }
            var accepted = 0, notApproved = 0
            for verdict in verdicts {
                if verdict.rejected.isEmpty {
                    try db.execute(sql: "UPDATE claims SET status = 'paid' WHERE reference = ?", arguments: [verdict.reference])
                    try db.execute(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1", arguments: [verdict.reference])
                    try outbox.append(SampleProviderAccepted(reference: verdict.reference), in: db)
                    accepted += 1
                } else {
                    try db.execute(sql: "UPDATE claims SET status = 'sampling_provider_not_approved' WHERE reference = ?", arguments: [verdict.reference])
                    try outbox.append(
                        SampleProviderNotApproved(reference: verdict.reference, mentors: verdict.rejected.map { RejectedMentor(trn: $0.trn, name: nil, reason: $0.reason) }),
                        in: db)
                    notApproved += 1
                }
            }
            try db.execute(sql: "UPDATE provider_requests SET responded_at = ? WHERE id = ?", arguments: [Self.millis(now), id])
            return Reply(acceptedClaims: accepted, notApprovedClaims: notApproved)
        }
        return try JSONResponse.make(reply)
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

    func approve(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try reference(context)
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        try await env.database.write { db in
            let claim = try claimStatus(db, reference)
            guard ["sampling_in_progress", "sampling_provider_not_approved"].contains(claim["status"] as String) else {
                throw Problem(.conflict, detail: "Only a sampled claim can be approved; this one is \(claim["status"] as String).")
            }
            try db.execute(sql: "UPDATE claims SET status = 'paid' WHERE reference = ?", arguments: [reference])
            try db.execute(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1", arguments: [reference])
            try outbox.append(SampleApproved(reference: reference, by: actor), in: db)
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

    func schoolResponse(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try reference(context)
        let input = try await RequestDecoding.decode(MentorReasons.self, from: request)
        var errors: [FieldError] = []
        if input.mentors.isEmpty { errors.append(FieldError(field: "mentors", message: "Record the school's response for at least one mentor")) }
        for (i, line) in input.mentors.enumerated() where line.reason.trimmingCharacters(in: .whitespaces).isEmpty {
            errors.append(FieldError(field: "mentors[\(i)].reason", message: "Enter the school's response"))
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        try await env.database.write { db in
            let claim = try claimStatus(db, reference)
            guard (claim["status"] as String) == "sampling_provider_not_approved" else {
                throw Problem(.conflict, detail: "A school's response is recorded after the provider did not approve; this claim is \(claim["status"] as String).")
            }
            try db.execute(sql: "UPDATE claims SET status = 'sampling_not_approved' WHERE reference = ?", arguments: [reference])
            try outbox.append(
                SampleSchoolRejected(reference: reference, mentors: input.mentors.map { RejectedMentor(trn: $0.trn, name: nil, reason: $0.reason) }, by: actor),
                in: db)
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

    func requestClawback(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try reference(context)
        let input = try await RequestDecoding.decode(ClawbackInput.self, from: request)
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        let status = try await env.database.write { db -> String in
            let claim = try claimStatus(db, reference)
            guard ["sampling_not_approved", "clawback_rejected"].contains(claim["status"] as String) else {
                throw Problem(.conflict, detail: "A clawback is requested after the school's response; this claim is \(claim["status"] as String).")
            }
            let mentors = (try? JSONDecoder().decode([ClaimHandlers.MentorLine].self, from: Data((claim["mentors"] as String).utf8))) ?? []
            var errors: [FieldError] = []
            var lines: [ClawbackMentor] = []
            for (i, line) in input.mentors.enumerated() {
                guard let mentor = mentors.first(where: { $0.trn == line.trn.filter { !$0.isWhitespace } }) else {
                    errors.append(FieldError(field: "mentors[\(i)].trn", message: "This mentor is not on the claim"))
                    continue
                }
                guard (0...mentor.hours).contains(line.hoursTrained) else {
                    errors.append(FieldError(field: "mentors[\(i)].hours_trained", message: "Enter the hours trained between 0 and \(mentor.hours)"))
                    continue
                }
                lines.append(ClawbackMentor(trn: mentor.trn, hoursClawedBack: mentor.hours - line.hoursTrained, notes: line.notes))
            }
            if input.mentors.isEmpty { errors.append(FieldError(field: "mentors", message: "Enter the hours trained for each mentor not accepted")) }
            if !errors.isEmpty { throw Problem.validation(errors) }
            let hours = lines.reduce(0) { $0 + $1.hoursClawedBack }
            let amount = (claim["rate_pence"] as Int64) * Int64(hours)
            if hours == 0 {
                try db.execute(sql: "UPDATE claims SET status = 'paid' WHERE reference = ?", arguments: [reference])
                try db.execute(sql: "UPDATE sample_claims SET open = 0 WHERE reference = ? AND open = 1", arguments: [reference])
                try outbox.append(ClawbackNotRequired(reference: reference, by: actor), in: db)
                return "paid"
            }
            let encoded = String(decoding: try JSONEncoder().encode(lines.map { [$0.trn, String($0.hoursClawedBack), $0.notes ?? ""] }), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO clawback_requests (reference, requested_by_id, requested_by_email, mentors, amount_pence, state) VALUES (?, ?, ?, ?, ?, 'pending')
                    ON CONFLICT (reference) DO UPDATE SET requested_by_id = excluded.requested_by_id, requested_by_email = excluded.requested_by_email,
                        mentors = excluded.mentors, amount_pence = excluded.amount_pence, state = 'pending', decided_by_email = NULL, reason = NULL
                    """,
                arguments: [reference, user.id, user.email, encoded, amount])
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
        if !input.approved && (input.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw Problem.validation([FieldError(field: "reason", message: "Enter why the clawback is rejected")])
        }
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        let status = try await env.database.write { db -> String in
            guard let pending = try Row.fetchOne(db, sql: "SELECT * FROM clawback_requests WHERE reference = ? AND state = 'pending'", arguments: [reference]) else {
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
                try db.execute(sql: "UPDATE clawback_requests SET state = 'approved', decided_by_email = ? WHERE reference = ?", arguments: [user.email, reference])
                try db.execute(sql: "UPDATE claims SET status = 'clawback_requested' WHERE reference = ?", arguments: [reference])
                try outbox.append(ClawbackApproved(reference: reference, clawbackAmountPence: pending["amount_pence"], mentors: lines, by: actor), in: db)
                return "clawback_requested"
            }
            try db.execute(sql: "UPDATE clawback_requests SET state = 'rejected', decided_by_email = ?, reason = ? WHERE reference = ?", arguments: [user.email, input.reason, reference])
            try db.execute(sql: "UPDATE claims SET status = 'clawback_rejected' WHERE reference = ?", arguments: [reference])
            try outbox.append(ClawbackRejected(reference: reference, reason: input.reason ?? "", by: actor), in: db)
            return "clawback_rejected"
        }
        return try JSONResponse.make(["reference": reference, "status": status])
    }
}
