import Foundation
import GRDB
import Hummingbird
import Messages
import Messaging
import ServiceSupport

extension PaymentRoutes {
    /// The payer's response file: validated whole, every bad row named, nothing applied unless
    /// every row is right; the same file again changes nothing.
    func importResponse(_ request: Request, _ context: ServiceRequestContext, kind: Kind) async throws -> Response {
        let user = try context.requireRole(.support)
        let id = try runID(context)
        let body = Data(buffer: try await RequestDecoding.collect(request, limit: RequestDecoding.csvLimit))
        let required = kind == .payment ? ["claim_reference", "claim_status", "claim_unpaid_reason"] : ["claim_reference", "claim_status"]
        let table: CSVTable
        do { table = try CSVTable(body, required: required, optional: ["clawback_unsuccessful_reason"]) } catch let error as CSVFileError {
            throw error.problem
        }
        let fingerprint = table.rows.map { row in
            required.map { $0 == "claim_reference" ? ClaimReferenceText.normalise(row[$0]) : row[$0] }.joined(separator: "\u{1F}")
        }.joined(separator: "\u{1E}")
        let now = env.now()
        let outbox = env.outbox
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        struct Reply: Encodable {
            var paid: Int?
            var informationRequested: Int?
            var clawbackComplete: Int?
            var unchanged: Int
            var alreadyApplied: Bool
        }
        let reply = try await env.database.write { db -> Reply in
            _ = try runView(db, id: id, kind: kind, withClaims: false)
            if try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM response_files WHERE run_id = ? AND fingerprint = ?)",
                arguments: [id, fingerprint]
            ) == true {
                return Reply(
                    paid: kind == .payment ? 0 : nil,
                    informationRequested: kind == .payment ? 0 : nil,
                    clawbackComplete: kind == .clawback ? 0 : nil,
                    unchanged: table.rows.count,
                    alreadyApplied: true
                )
            }
            var errors: [FieldError] = []
            var seen = Set<String>()
            struct Line {
                var reference: String
                var status: String
                var reason: String
                var amount: Int64
            }
            var lines: [Line] = []
            let inProgress = kind == .payment ? "payment_in_progress" : "clawback_in_progress"
            for row in table.rows {
                let reference = ClaimReferenceText.normalise(row["claim_reference"])
                let status = row["claim_status"].lowercased()
                let reason = kind == .payment ? row["claim_unpaid_reason"] : row["clawback_unsuccessful_reason"]
                var problems: [String] = []
                if !seen.insert(reference).inserted { problems.append("claim \(reference) is on more than one row") }
                let claim = try Row.fetchOne(
                    db.cachedStatement(
                        sql:
                            "SELECT c.status, r.amount_pence FROM run_claims r JOIN claims c ON c.reference = r.reference WHERE r.run_id = ? AND r.reference = ?"
                    ),
                    arguments: [id, reference]
                )
                if claim == nil {
                    problems.append("claim ‘\(reference)’ is not in this run")
                } else if (claim?["status"] as String?) != inProgress {
                    problems.append("claim \(reference) is no longer \(inProgress) (it is \(claim?["status"] as String? ?? ""))")
                }
                let allowed = kind == .payment ? ["paid", "unpaid", "payment_in_progress"] : ["clawback_complete", "clawback_in_progress"]
                if !allowed.contains(status) {
                    problems.append("claim_status must be \(allowed.joined(separator: ", ")), not ‘\(row["claim_status"])’")
                }
                if kind == .payment && status == "unpaid" && reason.isEmpty { problems.append("an unpaid claim needs a claim_unpaid_reason") }
                if problems.isEmpty {
                    lines.append(Line(reference: reference, status: status, reason: reason, amount: claim?["amount_pence"] ?? 0))
                } else {
                    errors.append(FieldError(field: "row \(row.number)", message: problems.joined(separator: "; ")))
                }
            }
            guard errors.isEmpty else {
                throw Problem(
                    .unprocessableContent,
                    title: "The file has errors",
                    detail: "Nothing was applied. Correct every row listed and upload the whole file again.",
                    errors: errors
                )
            }
            var paid = 0
            var informationRequested = 0
            var complete = 0
            var unchanged = 0
            for line in lines {
                switch line.status {
                case "paid":
                    try db.cachedStatement(sql: "UPDATE claims SET status = 'paid', paid_pence = ? WHERE reference = ?").execute(arguments: [
                        line.amount, line.reference,
                    ])
                    try db.cachedStatement(sql: "UPDATE run_claims SET outcome = 'paid' WHERE run_id = ? AND reference = ?").execute(arguments: [
                        id, line.reference,
                    ])
                    try outbox.append(PaymentPaid(reference: line.reference, runId: id, amountPence: line.amount, by: nil), in: db)
                    paid += 1
                case "unpaid":
                    try db.cachedStatement(sql: "UPDATE claims SET status = 'payment_information_requested', status_reason = ? WHERE reference = ?")
                        .execute(arguments: [line.reason, line.reference])
                    try db.cachedStatement(sql: "UPDATE run_claims SET outcome = 'unpaid' WHERE run_id = ? AND reference = ?").execute(arguments: [
                        id, line.reference,
                    ])
                    try outbox.append(PaymentInformationRequested(reference: line.reference, reason: line.reason), in: db)
                    informationRequested += 1
                case "clawback_complete":
                    try db.cachedStatement(
                        sql: "UPDATE claims SET status = 'clawback_complete', clawed_back_pence = clawback_amount_pence WHERE reference = ?"
                    ).execute(arguments: [line.reference])
                    try db.cachedStatement(sql: "UPDATE run_claims SET outcome = 'clawback_complete' WHERE run_id = ? AND reference = ?").execute(
                        arguments: [id, line.reference])
                    try outbox.append(
                        ClawbackCompleted(fields: ClawbackRunFields(reference: line.reference, runId: id, clawbackAmountPence: line.amount)),
                        in: db
                    )
                    complete += 1
                default:
                    unchanged += 1
                }
            }
            try db.cachedStatement(sql: "INSERT INTO response_files (run_id, fingerprint, applied_at, applied_by) VALUES (?, ?, ?, ?)").execute(
                arguments: [id, fingerprint, Self.millis(now), actor.email])
            return Reply(
                paid: kind == .payment ? paid : nil,
                informationRequested: kind == .payment ? informationRequested : nil,
                clawbackComplete: kind == .clawback ? complete : nil,
                unchanged: unchanged,
                alreadyApplied: false
            )
        }
        return try JSONResponse.make(reply)
    }

    enum LoopAction { case informationSent, paid }

    func claimReference(_ context: ServiceRequestContext) throws -> String {
        guard let reference = context.parameters.get("reference"), reference.count == 8, reference.allSatisfy(\.isNumber) else {
            throw Problem.notFound("There is no such claim.")
        }
        return reference
    }

    /// Support confirms the payer has the information, or that the payer paid.
    func informationLoop(_ request: Request, _ context: ServiceRequestContext, action: LoopAction) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try claimReference(context)
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        let status = try await env.database.write { db -> String in
            guard
                let claim = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT status, amount_pence, version FROM claims WHERE reference = ? AND deleted = 0"),
                    arguments: [reference]
                )
            else {
                throw Problem.notFound("There is no such claim.")
            }
            try Precondition.check(request, version: claim["version"], what: "Payments' view of claim \(reference)")
            let current: String = claim["status"]
            switch action {
            case .informationSent:
                guard current == "payment_information_requested" else {
                    throw Problem(
                        .conflict,
                        detail: "Information can only be marked as sent while the payer is asking for it; the claim is \(current)."
                    )
                }
                try db.cachedStatement(sql: "UPDATE claims SET status = 'payment_information_sent' WHERE reference = ?").execute(arguments: [
                    reference
                ])
                try outbox.append(PaymentInformationSent(reference: reference, by: actor), in: db)
                return "payment_information_sent"
            case .paid:
                guard ["payment_information_requested", "payment_information_sent"].contains(current) else {
                    throw Problem(.conflict, detail: "Only a claim in the information loop can be confirmed as paid here; the claim is \(current).")
                }
                let amount: Int64 = claim["amount_pence"]
                try db.cachedStatement(sql: "UPDATE claims SET status = 'paid', paid_pence = ? WHERE reference = ?").execute(arguments: [
                    amount, reference,
                ])
                try outbox.append(PaymentPaid(reference: reference, runId: nil, amountPence: amount, by: actor), in: db)
                return "paid"
            }
        }
        struct Reply: Encodable {
            var reference: String
            var status: String
        }
        return try JSONResponse.make(Reply(reference: reference, status: status))
    }

    func reject(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let reference = try claimReference(context)
        struct Input: Decodable { var reason: String }
        let input = try await RequestDecoding.decode(Input.self, from: request)
        let reason = input.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw Problem.validation([FieldError(field: "reason", message: "Enter why the claim is not approved")]) }
        guard reason.count <= 2_000 else {
            throw Problem.validation([FieldError(field: "reason", message: "Enter the reason in 2,000 characters or fewer")])
        }
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let outbox = env.outbox
        try await env.database.write { db in
            guard
                let claim = try Row.fetchOne(
                    db,
                    sql: "SELECT status, version FROM claims WHERE reference = ? AND deleted = 0",
                    arguments: [reference]
                )
            else {
                throw Problem.notFound("There is no such claim.")
            }
            try Precondition.check(request, version: claim["version"], what: "Payments' view of claim \(reference)")
            let current: String = claim["status"]
            guard ["payment_information_requested", "payment_information_sent"].contains(current) else {
                throw Problem(.conflict, detail: "Only a claim in the information loop can be rejected; the claim is \(current).")
            }
            try db.cachedStatement(sql: "UPDATE claims SET status = 'payment_not_approved', status_reason = ? WHERE reference = ?").execute(
                arguments: [reason, reference])
            try outbox.append(PaymentRejected(reference: reference, reason: reason, by: actor), in: db)
        }
        struct Reply: Encodable {
            var reference: String
            var status: String
        }
        return try JSONResponse.make(Reply(reference: reference, status: "payment_not_approved"))
    }

    /// Payments' view of one claim: where it stands with the payer, its runs and their outcomes,
    /// with the `ETag` that support's actions send back as `If-Match`.
    func claimView(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let reference = try claimReference(context)
        struct Run: Encodable {
            var id: Int64
            var kind: String
            var createdAt: Date
            var amountPence: Int64
            var outcome: String?
        }
        struct View: Encodable {
            var reference: String
            var status: String
            var statusReason: String?
            var schoolUrn: Int
            var schoolName: String
            var academicYear: Int
            var claimWindowId: Int64
            var amountPence: Int64
            var paidPence: Int64
            var clawbackAmountPence: Int64
            var clawedBackPence: Int64
            var deleted: Bool
            var paymentRun: Run?
            var clawbackRun: Run?
            var version: Int64
        }
        let view = try await env.database.read { db -> View in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM claims WHERE reference = ?", arguments: [reference]) else {
                throw Problem.notFound(
                    "Payments has no claim \(reference): it has not been submitted, or its submission has not reached payments yet."
                )
            }
            let runs = try Row.fetchAll(
                db,
                sql:
                    "SELECT r.id, r.kind, r.created_at, c.amount_pence, c.outcome FROM run_claims c JOIN runs r ON r.id = c.run_id WHERE c.reference = ?",
                arguments: [reference]
            ).map { r in
                Run(
                    id: r["id"],
                    kind: r["kind"],
                    createdAt: Date(timeIntervalSince1970: Double(r["created_at"] as Int64) / 1000),
                    amountPence: r["amount_pence"],
                    outcome: r["outcome"]
                )
            }
            return View(
                reference: reference,
                status: row["status"],
                statusReason: row["status_reason"],
                schoolUrn: row["school_urn"],
                schoolName: row["school_name"],
                academicYear: row["academic_year"],
                claimWindowId: row["claim_window_id"],
                amountPence: row["amount_pence"],
                paidPence: row["paid_pence"],
                clawbackAmountPence: row["clawback_amount_pence"],
                clawedBackPence: row["clawed_back_pence"],
                deleted: (row["deleted"] as Int) != 0,
                paymentRun: runs.first { $0.kind == "payment" },
                clawbackRun: runs.first { $0.kind == "clawback" },
                version: row["version"]
            )
        }
        return try JSONResponse.make(view, headers: Precondition.eTag(view.version))
    }

    /// Per school and academic year: claimed, paid, clawed back and net, in pence, with totals.
    func ledger(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var query = QueryReader(request)
        var clauses = ["deleted = 0"]
        var arguments: [Int] = []
        if let value = query.academicYear() {
            clauses.append("academic_year = ?")
            arguments.append(value)
        }
        if let value = query.urn("school_urn") {
            clauses.append("school_urn = ?")
            arguments.append(value)
        }
        try query.throwIfAny()
        struct Line: Encodable {
            var schoolUrn: Int
            var schoolName: String
            var academicYear: Int
            var claimedPence: Int64
            var paidPence: Int64
            var clawedBackPence: Int64
            var netPence: Int64
        }
        struct Reply: Encodable {
            var items: [Line]
            var totals: Totals
            struct Totals: Encodable {
                var claimedPence: Int64
                var paidPence: Int64
                var clawedBackPence: Int64
                var netPence: Int64
            }
        }
        let whereClause = clauses.joined(separator: " AND ")
        let values = arguments
        let lines = try await env.database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT school_urn, MAX(school_name) AS school_name, academic_year, SUM(amount_pence) AS claimed, SUM(paid_pence) AS paid,
                           SUM(clawed_back_pence) AS clawed
                    FROM claims WHERE \(whereClause) GROUP BY school_urn, academic_year ORDER BY school_urn, academic_year
                    """,
                arguments: StatementArguments(values)
            ).map { row in
                let paid: Int64 = row["paid"]
                let clawed: Int64 = row["clawed"]
                return Line(
                    schoolUrn: row["school_urn"],
                    schoolName: row["school_name"],
                    academicYear: row["academic_year"],
                    claimedPence: row["claimed"],
                    paidPence: paid,
                    clawedBackPence: clawed,
                    netPence: paid - clawed
                )
            }
        }
        let totals = Reply.Totals(
            claimedPence: lines.reduce(0) { $0 + $1.claimedPence },
            paidPence: lines.reduce(0) { $0 + $1.paidPence },
            clawedBackPence: lines.reduce(0) { $0 + $1.clawedBackPence },
            netPence: lines.reduce(0) { $0 + $1.netPence }
        )
        return try JSONResponse.make(Reply(items: lines, totals: totals))
    }
}
