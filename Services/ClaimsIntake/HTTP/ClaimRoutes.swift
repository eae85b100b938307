import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Messages
import Messaging
import ServiceSupport

/// Mentors on a school's list, and claims: create, edit, submit, delete, view, activity.
struct ClaimRoutes {
    let env: ServiceEnvironment
    let london = LondonTime()

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1")
        api.post("schools/:urn/mentors") { request, context in try await addMentor(request, context) }
        api.get("schools/:urn/mentors") { _, context in try await listMentors(context) }
        api.delete("schools/:urn/mentors/:trn") { _, context in try await removeMentor(context) }
        api.get("schools/:urn/mentors/:trn/allowance") { request, context in try await allowance(request, context) }
        api.post("schools/:urn/claims") { request, context in try await createClaim(request, context) }
        api.patch("claims/:reference") { request, context in try await editClaim(request, context) }
        api.post("claims/:reference/submit") { request, context in try await submitClaim(request, context) }
        api.delete("claims/:reference") { request, context in try await deleteClaim(request, context) }
        api.get("claims/:reference") { _, context in try await getClaim(context) }
        api.get("claims/:reference/activity") { _, context in try await activity(context) }
    }

    // MARK: Access

    /// The school a school user or support may act for; 404 for a school user of another school,
    /// 403 for a provider user.
    func schoolAccess(_ context: ServiceRequestContext) throws -> (AuthenticatedUser, URN) {
        let user = try context.requireUser()
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        switch user.role {
        case .support: break
        case .school: guard user.urns.contains(urn.value) else { throw Problem.notFound("There is no such school.") }
        case .provider: throw Problem.forbidden("Provider users cannot manage a school's mentors or claims.")
        }
        return (user, urn)
    }

    /// The claim, if the user may see it; 404 otherwise, exactly as if it did not exist.
    func visibleClaim(_ db: Database, _ reference: String, _ user: AuthenticatedUser) throws -> ClaimRecord {
        guard let claim = try ClaimStore.claim(db, reference: reference) else { throw Problem.notFound("There is no such claim.") }
        switch user.role {
        case .support:
            return claim
        case .school:
            guard user.urns.contains(claim.schoolURN) else { throw Problem.notFound("There is no such claim.") }
            return claim
        case .provider:
            let visible: Set<ClaimStatus> = [.paid, .samplingInProgress, .samplingProviderNotApproved]
            guard user.providerCodes.contains(claim.providerCode), visible.contains(claim.status) else {
                throw Problem.notFound("There is no such claim.")
            }
            return claim
        }
    }

    func referenceParameter(_ context: ServiceRequestContext) throws -> String {
        try pathParameter(context, "reference") { try ClaimReference(parsing: $0).value }
    }

    // MARK: Mentors

    struct MentorInput: Decodable {
        var trn: String
        var firstName: String
        var lastName: String
        enum CodingKeys: String, CodingKey {
            case trn
            case firstName = "first_name"
            case lastName = "last_name"
        }
    }

    struct MentorView: Encodable {
        var trn: String
        var firstName: String
        var lastName: String
    }

    func addMentor(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let (_, urn) = try schoolAccess(context)
        let input = try await RequestDecoding.decode(MentorInput.self, from: request)
        var errors = FieldErrors()
        let trn = errors.check("trn") { try TRN(parsing: input.trn) }
        let first = errors.check("first_name") { try nonBlank(input.firstName, "Enter the mentor's first name") }
        let last = errors.check("last_name") { try nonBlank(input.lastName, "Enter the mentor's last name") }
        try errors.throwIfAny()
        let now = env.now()
        try await env.database.write { db in
            guard try ReferenceStore.school(db, urn: urn.value) != nil else { throw Problem.notFound("There is no such school.") }
            try db.execute(
                sql: "INSERT OR IGNORE INTO mentors (urn, trn, first_name, last_name, added_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [urn.value, trn!.value, first!, last!, ClaimStore.millis(now)]
            )
            guard db.changesCount == 1 else {
                throw Problem(.conflict, detail: "The mentor with TRN \(trn!.value) is already on this school's list.")
            }
        }
        return try JSONResponse.make(MentorView(trn: trn!.value, firstName: first!, lastName: last!), status: .created)
    }

    func listMentors(_ context: ServiceRequestContext) async throws -> Response {
        let (_, urn) = try schoolAccess(context)
        let mentors = try await env.database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT trn, first_name, last_name FROM mentors WHERE urn = ? ORDER BY last_name, first_name",
                arguments: [urn.value]
            )
            .map { MentorView(trn: $0["trn"], firstName: $0["first_name"], lastName: $0["last_name"]) }
        }
        struct Reply: Encodable { var items: [MentorView] }
        return try JSONResponse.make(Reply(items: mentors))
    }

    func removeMentor(_ context: ServiceRequestContext) async throws -> Response {
        let (_, urn) = try schoolAccess(context)
        let trn = try pathParameter(context, "trn") { try TRN(parsing: $0) }
        try await env.database.write { db in
            let onOpenClaim =
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM claim_mentors m JOIN claims c ON c.reference = m.reference
                        WHERE c.school_urn = ? AND m.trn = ? AND c.status IN ('draft', 'submitted'))
                        """,
                    arguments: [urn.value, trn.value]
                ) ?? false
            if onOpenClaim {
                throw Problem(.conflict, detail: "The mentor is on a draft or submitted claim; remove them from it first.")
            }
            try db.execute(sql: "DELETE FROM mentors WHERE urn = ? AND trn = ?", arguments: [urn.value, trn.value])
            guard db.changesCount == 1 else { throw Problem.notFound("There is no such mentor on this school's list.") }
        }
        return JSONResponse.noContent()
    }

    func allowance(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let (_, urn) = try schoolAccess(context)
        let trn = try pathParameter(context, "trn") { try TRN(parsing: $0) }
        guard let providerText = request.uri.queryParameters["provider"], providerText.count <= 10,
            let provider = try? ProviderCode(parsing: String(providerText))
        else {
            throw Problem.validation([FieldError(field: "provider", message: "Enter the provider code")])
        }
        let now = env.now()
        let london = self.london
        struct Reply: Encodable {
            var academicYear: Int
            var trainingType: String
            var totalHours: Int
            var usedHours: Int
            var remainingHours: Int
        }
        let reply = try await env.database.read { db -> Reply in
            guard
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM mentors WHERE urn = ? AND trn = ?)", arguments: [urn.value, trn.value])
                    == true
            else { throw Problem.notFound("There is no such mentor on this school's list.") }
            guard let window = try ReferenceStore.windows(db).first(where: { $0.state(at: now, london) == .current }) else {
                throw Problem.notFound("No claim window is open.")
            }
            let a = try ClaimStore.allowance(db, trn: trn.value, provider: provider.value, year: window.academicYear, excluding: nil)
            return Reply(
                academicYear: window.academicYear.startYear,
                trainingType: a.type.rawValue,
                totalHours: a.total,
                usedHours: a.used,
                remainingHours: max(0, a.total - a.used)
            )
        }
        return try JSONResponse.make(reply)
    }

    // MARK: Claims

    struct ClaimInput: Decodable {
        var providerCode: String
        var mentors: [Line]
        struct Line: Decodable {
            var trn: String
            var hours: Int
        }
        enum CodingKeys: String, CodingKey {
            case mentors
            case providerCode = "provider_code"
        }
    }

    /// Everything that must hold to create, edit or submit a claim, checked inside the write
    /// transaction so that no other claim can slip in between the check and the write.
    func validate(
        _ db: Database,
        urn: Int,
        input: ClaimInput,
        window: ClaimWindow,
        excluding reference: String?
    ) throws -> (SchoolRecord, ProviderRecord, [ClaimMentorLine]) {
        guard let school = try ReferenceStore.school(db, urn: urn) else { throw Problem.notFound("There is no such school.") }
        var errors = FieldErrors()
        let year = window.academicYear
        if !(try ReferenceStore.isEligible(db, urn: urn, year: year.startYear)) {
            errors.add("school_urn", "\(school.name) is not eligible to claim for \(year.label)")
        }
        if try ReferenceStore.grantConditions(db, urn: urn) == nil {
            errors.add("school_urn", "Accept the grant conditions before claiming")
        }
        var provider: ProviderRecord?
        if let code = errors.check("provider_code", { try ProviderCode(parsing: input.providerCode) }) {
            provider = try ReferenceStore.provider(db, code: code.value)
            if provider == nil || provider?.accredited == false {
                errors.add("provider_code", "Choose an accredited provider")
                provider = nil
            }
        }
        if input.mentors.isEmpty { errors.add("mentors", "Add at least one mentor") }
        if input.mentors.count > Self.maximumMentors {
            errors.add("mentors", "A claim can have at most \(Self.maximumMentors) mentors: make a second claim for the others")
            try errors.throwIfAny()
        }
        var lines: [ClaimMentorLine] = []
        var seen = Set<String>()
        for (index, line) in input.mentors.enumerated() {
            guard let trn = errors.check("mentors[\(index)].trn", { try TRN(parsing: line.trn) }) else { continue }
            guard seen.insert(trn.value).inserted else {
                errors.add("mentors[\(index)].trn", "This mentor is already on the claim")
                continue
            }
            guard
                let mentor = try Row.fetchOne(
                    db,
                    sql: "SELECT first_name, last_name FROM mentors WHERE urn = ? AND trn = ?",
                    arguments: [urn, trn.value]
                )
            else {
                errors.add("mentors[\(index)].trn", "Add the mentor with TRN \(trn.value) to the school's list first")
                continue
            }
            if let provider {
                let a = try ClaimStore.allowance(db, trn: trn.value, provider: provider.code, year: year, excluding: reference)
                if let problem = HourAllowance.problem(hours: line.hours, remaining: a.total - a.used) {
                    errors.add("mentors[\(index)].hours", problem)
                    continue
                }
            }
            lines.append(
                ClaimMentorLine(trn: trn.value, firstName: mentor["first_name"], lastName: mentor["last_name"], hours: line.hours, hoursClawedBack: 0)
            )
        }
        try errors.throwIfAny()
        return (school, provider!, lines)
    }

    /// The most mentors one claim can name (so no claim message can outgrow the bus's frame limit).
    static let maximumMentors = 50

    /// The open window in which a draft of `claim`'s academic year can be changed or submitted:
    /// its own, or a later one of the same year (the draft then moves to it).
    func windowForDraft(_ db: Database, _ claim: ClaimRecord, now: Date) throws -> ClaimWindow {
        let window = try currentWindow(db, now: now)
        guard window.academicYear.startYear == claim.academicYear else {
            throw Problem.validation([
                FieldError(
                    field: "claim_window",
                    message:
                        "This claim is for \(claim.academicYear) to \(claim.academicYear + 1); it can be changed or submitted only while a window for that year is open"
                )
            ])
        }
        return window
    }

    /// Moves a draft to `window` when its own window has closed, with an entry in its history.
    func moveDraft(_ db: Database, _ claim: ClaimRecord, to window: ClaimWindow, actor: Actor, now: Date) throws {
        guard window.id != claim.claimWindowID else { return }
        try db.execute(sql: "UPDATE claims SET claim_window_id = ? WHERE reference = ?", arguments: [window.id, claim.reference])
        try ClaimStore.record(
            db,
            reference: claim.reference,
            ActivityEntry(
                action: "moved_window",
                actor: actor,
                reason: "Its claim window closed; it now belongs to the window from \(window.opensOn) to \(window.closesOn)"
            ),
            at: now
        )
    }

    func currentWindow(_ db: Database, now: Date) throws -> ClaimWindow {
        guard let window = try ReferenceStore.windows(db).first(where: { $0.state(at: now, london) == .current }) else {
            throw Problem.validation([FieldError(field: "claim_window", message: "Claims can only be made while a claim window is open")])
        }
        return window
    }

    func createClaim(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let (user, urn) = try schoolAccess(context)
        let bodyBuffer = try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit)
        let body = Data(buffer: bodyBuffer)
        let key = request.headers[IdempotencyStore.header]
        if let key, let earlier = try await IdempotencyStore.earlier(env.database, user: user.id, key: key, body: body) {
            return earlier
        }
        let input = try RequestDecoding.decode(ClaimInput.self, from: body)
        let now = env.now()
        let outbox = env.outbox
        let support = env.configuration.mail.supportAddress
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let view = try await env.database.write { db -> ClaimView in
            let window = try currentWindow(db, now: now)
            let (school, provider, lines) = try validate(db, urn: urn.value, input: input, window: window, excluding: nil)
            var generator = SystemRandomNumberGenerator()
            let reference = try ClaimStore.newReference(db, using: &generator)
            try db.execute(
                sql: """
                    INSERT INTO claims (reference, school_urn, school_name, provider_code, academic_year, claim_window_id, status,
                                        total_hours, created_at, created_by_id, created_by_email)
                    VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?)
                    """,
                arguments: [
                    reference, school.urn, school.name, provider.code, window.academicYear.startYear, window.id,
                    lines.reduce(0) { $0 + $1.hours }, ClaimStore.millis(now), user.id, user.email,
                ]
            )
            try ClaimStore.replaceMentors(db, reference: reference, provider: provider.code, year: window.academicYear.startYear, lines: lines)
            try ClaimStore.record(db, reference: reference, ActivityEntry(action: "created", to: .draft, actor: actor), at: now)
            if user.role == .support {
                // The school is told a claim is waiting for it to review and submit.
                try outbox.append(
                    ClaimDraftCreated(
                        reference: reference,
                        school: school.snapshot,
                        provider: provider.snapshot,
                        academicYear: window.academicYear.startYear,
                        claimWindowId: window.id,
                        mentors: lines.map { ClaimMentor(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours) },
                        createdBy: actor,
                        bySupport: true
                    ),
                    in: db
                )
            }
            let view = try ClaimView.load(db, reference: reference, now: now, london: london, support: support)
            if let key {
                try IdempotencyStore.save(
                    db,
                    user: user.id,
                    key: key,
                    body: body,
                    status: 201,
                    response: try JSONResponse.encoder().encode(view),
                    now: now
                )
            }
            return view
        }
        return try JSONResponse.make(view, status: .created, headers: Precondition.eTag(Int64(view.version)))
    }

    func editClaim(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let reference = try referenceParameter(context)
        let input = try await RequestDecoding.decode(ClaimInput.self, from: request)
        let now = env.now()
        let support = env.configuration.mail.supportAddress
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let view = try await env.database.write { db -> ClaimView in
            let claim = try visibleClaim(db, reference, user)
            guard user.role != .provider else { throw Problem.forbidden("Provider users cannot change claims.") }
            try checkIfMatch(request, claim)
            guard claim.status == .draft else {
                throw Problem(.conflict, detail: "Only a draft claim can be changed; this one is \(claim.status.rawValue).")
            }
            let window = try windowForDraft(db, claim, now: now)
            let (_, provider, lines) = try validate(db, urn: claim.schoolURN, input: input, window: window, excluding: reference)
            try moveDraft(db, claim, to: window, actor: actor, now: now)
            try db.execute(
                sql: "UPDATE claims SET provider_code = ?, total_hours = ?, version = version + 1 WHERE reference = ?",
                arguments: [provider.code, lines.reduce(0) { $0 + $1.hours }, reference]
            )
            try ClaimStore.replaceMentors(db, reference: reference, provider: provider.code, year: claim.academicYear, lines: lines)
            try ClaimStore.record(db, reference: reference, ActivityEntry(action: "edited", actor: actor), at: now)
            return try ClaimView.load(db, reference: reference, now: now, london: london, support: support)
        }
        return try JSONResponse.make(view, headers: Precondition.eTag(Int64(view.version)))
    }

    struct SubmitInput: Decodable {
        var declarationAccepted: Bool
        enum CodingKeys: String, CodingKey { case declarationAccepted = "declaration_accepted" }
    }

    func submitClaim(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let reference = try referenceParameter(context)
        let input = try await RequestDecoding.decode(SubmitInput.self, from: request)
        let now = env.now()
        let support = env.configuration.mail.supportAddress
        let outbox = env.outbox
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        let view = try await env.database.write { db -> ClaimView in
            let claim = try visibleClaim(db, reference, user)
            guard user.role == .school else { throw Problem.forbidden("Only a user of the school can submit its claim.") }
            guard input.declarationAccepted else {
                throw Problem.validation([FieldError(field: "declaration_accepted", message: "Confirm the declaration to submit the claim")])
            }
            guard case .success(let to) = ClaimLifecycle.next(from: claim.status, on: .submitted) else {
                throw Problem(.conflict, detail: "This claim has already been submitted; it is \(claim.status.rawValue).")
            }
            let window = try windowForDraft(db, claim, now: now)
            // Checked again here, atomically with the write: no one else's claim can use the
            // same hours between this check and the commit.
            let lines = claim.mentors.map { ClaimInput.Line(trn: $0.trn, hours: $0.hours) }
            let (school, provider, checked) = try validate(
                db,
                urn: claim.schoolURN,
                input: ClaimInput(providerCode: claim.providerCode, mentors: lines),
                window: window,
                excluding: reference
            )
            guard let rate = try ReferenceStore.rates(db, year: claim.academicYear)[school.region] else {
                throw Problem(.conflict, detail: "No funding rate is set for \(school.region.rawValue) in this academic year.")
            }
            let total = checked.reduce(0) { $0 + $1.hours }
            let amount = rate * total
            try moveDraft(db, claim, to: window, actor: actor, now: now)
            try db.execute(
                sql: """
                    UPDATE claims SET status = ?, rate_pence = ?, amount_pence = ?, total_hours = ?, submitted_at = ?, submitted_by_id = ?,
                        submitted_by_email = ?, submitted_by_name = ?, version = version + 1
                    WHERE reference = ?
                    """,
                arguments: [to.rawValue, rate.value, amount.value, total, ClaimStore.millis(now), user.id, user.email, user.name, reference]
            )
            try ClaimStore.record(db, reference: reference, ActivityEntry(action: "submitted", from: claim.status, to: to, actor: actor), at: now)
            let submitted = try outbox.append(
                ClaimSubmitted(
                    reference: reference,
                    school: school.snapshot,
                    provider: provider.snapshot,
                    academicYear: claim.academicYear,
                    claimWindowId: window.id,
                    mentors: checked.map { ClaimMentor(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours) },
                    totalHours: total,
                    ratePence: rate.value,
                    amountPence: amount.value,
                    submittedAt: now,
                    submittedBy: actor
                ),
                in: db
            )
            try outbox.append(
                ClaimStatusChanged(reference: reference, from: claim.status.rawValue, to: to.rawValue, reason: nil, actor: actor, causedBy: nil),
                in: db,
                correlationId: submitted.correlationId,
                causationId: submitted.id
            )
            return try ClaimView.load(db, reference: reference, now: now, london: london, support: support)
        }
        return try JSONResponse.make(view, headers: Precondition.eTag(Int64(view.version)))
    }

    struct DeleteInput: Decodable { var reason: String? }

    func deleteClaim(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let reference = try referenceParameter(context)
        let buffer = try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit)
        let given = buffer.readableBytes > 0 ? try RequestDecoding.decode(DeleteInput.self, from: Data(buffer: buffer)).reason : nil
        let reason = given?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let reason, reason.count > maximumReasonLength {
            throw Problem.validation([FieldError(field: "reason", message: "Enter the reason in \(maximumReasonLength) characters or fewer")])
        }
        let now = env.now()
        let outbox = env.outbox
        let actor = Actor.user(id: user.id, email: user.email, name: user.name)
        try await env.database.write { db in
            let claim = try visibleClaim(db, reference, user)
            try checkIfMatch(request, claim)
            switch (claim.status, user.role) {
            case (.draft, .school), (.draft, .support), (.submitted, .support):
                break
            case (.submitted, .school):
                throw Problem.forbidden("A submitted claim can only be deleted by the Department for Education; contact support.")
            case (_, .provider):
                throw Problem.forbidden("Provider users cannot delete claims.")
            default:
                throw Problem(.conflict, detail: "A claim that is \(claim.status.rawValue) can no longer be deleted.")
            }
            try db.execute(sql: "DELETE FROM claims WHERE reference = ?", arguments: [reference])
            try ClaimStore.record(
                db,
                reference: reference,
                ActivityEntry(action: "deleted", from: claim.status, actor: actor, reason: reason),
                at: now
            )
            if claim.status != .draft {
                try outbox.append(ClaimDeleted(reference: reference, reason: reason, by: actor), in: db)
            }
        }
        return JSONResponse.noContent()
    }

    func checkIfMatch(_ request: Request, _ claim: ClaimRecord) throws {
        try Precondition.check(request, version: Int64(claim.version), what: "Claim \(claim.reference)")
    }

    func getClaim(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let reference = try referenceParameter(context)
        let now = env.now()
        let london = self.london
        let support = env.configuration.mail.supportAddress
        let view = try await env.database.read { db -> ClaimView in
            _ = try visibleClaim(db, reference, user)
            return try ClaimView.load(db, reference: reference, now: now, london: london, support: support)
        }
        return try JSONResponse.make(view, headers: Precondition.eTag(Int64(view.version)))
    }

    func activity(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let reference = try referenceParameter(context)
        struct Entry: Encodable {
            var at: Date
            var action: String
            var from: String?
            var to: String?
            var actor: Actor
            var reason: String?
            var messageId: String?
        }
        let entries = try await env.database.read { db -> [Entry] in
            _ = try visibleClaim(db, reference, user)
            return try Row.fetchAll(db, sql: "SELECT * FROM claim_activity WHERE reference = ? ORDER BY id", arguments: [reference]).map { row in
                let service: String? = row["actor_service"]
                return Entry(
                    at: Date(timeIntervalSince1970: Double(row["at"] as Int64) / 1000),
                    action: row["action"],
                    from: row["from_status"],
                    to: row["to_status"],
                    actor: service.map { Actor.service($0) } ?? Actor.user(id: row["actor_id"] ?? "", email: row["actor_email"] ?? ""),
                    reason: row["reason"],
                    messageId: row["message_id"]
                )
            }
        }
        struct Reply: Encodable { var items: [Entry] }
        return try JSONResponse.make(Reply(items: entries))
    }
}

/// A claim in JSON, as `../spec/api.md` fixes it.
struct ClaimView: Encodable {
    struct School: Encodable {
        var urn: Int
        var name: String
        var region: String
    }
    struct Provider: Encodable {
        var code: String
        var name: String
    }
    struct Mentor: Encodable {
        var trn: String
        var firstName: String
        var lastName: String
        var hours: Int
        var hoursClawedBack: Int
    }
    var reference: String
    var status: String
    var school: School
    var provider: Provider
    var academicYear: Int
    var claimWindowId: Int64
    var mentors: [Mentor]
    var totalHours: Int
    var ratePence: Int64?
    var amountPence: Int64?
    var clawbackAmountPence: Int64
    var createdAt: Date
    var createdBy: String
    var submittedAt: Date?
    var submittedBy: String?
    var flags: [String]
    var statusReason: String?
    var nextStep: String
    var version: Int

    /// Loads the claim's view; a draft is priced at today's rate, a submitted claim at its frozen one.
    static func load(_ db: Database, reference: String, now: Date, london: LondonTime, support: String) throws -> ClaimView {
        guard let claim = try ClaimStore.claim(db, reference: reference) else { throw Problem.notFound("There is no such claim.") }
        let school = try ReferenceStore.school(db, urn: claim.schoolURN)
        let provider = try ReferenceStore.provider(db, code: claim.providerCode)
        var rate = claim.ratePence
        var amount = claim.amountPence
        if claim.status == .draft, let region = school?.region, let current = try ReferenceStore.rates(db, year: claim.academicYear)[region] {
            rate = current.value
            amount = (current * claim.totalHours).value
        }
        let context = try nextStepContext(
            db,
            reference: reference,
            status: claim.status,
            academicYear: claim.academicYear,
            windows: try ReferenceStore.windows(db),
            now: now,
            london: london,
            support: support
        )
        return ClaimView(
            reference: claim.reference,
            status: claim.status.rawValue,
            school: School(urn: claim.schoolURN, name: claim.schoolName, region: school?.region.rawValue ?? ""),
            provider: Provider(code: claim.providerCode, name: provider?.name ?? ""),
            academicYear: claim.academicYear,
            claimWindowId: claim.claimWindowID,
            mentors: claim.mentors.map {
                Mentor(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours, hoursClawedBack: $0.hoursClawedBack)
            },
            totalHours: claim.totalHours,
            ratePence: rate,
            amountPence: amount,
            clawbackAmountPence: claim.clawbackAmountPence,
            createdAt: claim.createdAt,
            createdBy: claim.createdByEmail,
            submittedAt: claim.submittedAt,
            submittedBy: claim.submittedByEmail,
            flags: claim.flags,
            statusReason: claim.statusReason,
            nextStep: ClaimLifecycle.nextStep(for: claim.status, context),
            version: claim.version
        )
    }
}

extension ClaimView {
    /// What a claim's next step depends on: the windows of its year (a draft can be submitted in
    /// the open one, or waits for the next; never a past date) and the day it entered its status.
    static func nextStepContext(
        _ db: Database,
        reference: String,
        status: ClaimStatus,
        academicYear: Int,
        windows: [ClaimWindow],
        now: Date,
        london: LondonTime,
        support: String
    ) throws -> ClaimLifecycle.NextStepContext {
        let yearWindows = windows.filter { $0.academicYear.startYear == academicYear }
        let since = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT MAX(at) FROM claim_activity WHERE reference = ? AND to_status = ?"),
            arguments: [reference, status.rawValue]
        )
        return ClaimLifecycle.NextStepContext(
            openWindowClosesOn: yearWindows.first { $0.state(at: now, london) == .current }?.closesOn.description,
            nextWindowOpensOn: yearWindows.first { $0.state(at: now, london) == .upcoming }?.opensOn.description,
            statusSince: since.map { london.date(of: Date(timeIntervalSince1970: Double($0) / 1000)).description },
            support: support
        )
    }
}
