import Foundation
import HTTPTypes
import Hummingbird
import ServiceSupport

/// Mentors on a school's list, and claims: create, edit, submit, delete, view, activity. Each
/// handler parses, calls the database and answers.
struct ClaimRoutes {
    let database: IntakeDatabase
    /// The Teaching Record System, when configured: mentors are then looked up, never typed.
    var teachingRecord: TeachingRecord?

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

    /// The school in the path, if the user may act for it.
    func school(_ context: ServiceRequestContext) throws -> (AuthenticatedUser, URN) {
        let user = try context.requireUser()
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        try ClaimAccess.school(urn.value, for: user)
        return (user, urn)
    }

    struct MentorView: Encodable {
        var trn: String
        var firstName: String
        var lastName: String
    }

    func addMentor(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let (_, urn) = try school(context)
        guard let teachingRecord else {
            let mentor = try await RequestParsing.mentor(request)
            try await database.addMentor(urn: urn.value, trn: mentor.trn, firstName: mentor.firstName, lastName: mentor.lastName)
            return try JSONResponse.make(MentorView(trn: mentor.trn.value, firstName: mentor.firstName, lastName: mentor.lastName), status: .created)
        }
        // With the record: the TRN and date of birth find the teacher, whose names are the record's.
        let lookup = try await RequestParsing.mentorLookup(request, today: LondonDates.text(of: database.now()))
        try await database.checkCanAddMentor(urn: urn.value, trn: lookup.trn)
        let teacher: TeachingRecord.Teacher?
        do {
            teacher = try await teachingRecord.teacher(trn: lookup.trn.value, dateOfBirth: lookup.dateOfBirth)
        } catch {
            context.logger.warning("the Teaching Record System did not answer a mentor's lookup: \(error.reason)")
            throw Problem(
                .serviceUnavailable,
                title: "The teacher's record cannot be checked just now",
                detail: "We could not reach the Teaching Record System, so the mentor has not been added. Try again in a few minutes."
            )
        }
        guard let teacher else {
            throw IntakeError.invalid([FieldError(field: "trn", message: "No teacher found with that TRN and date of birth")])
        }
        try await database.addMentor(urn: urn.value, trn: lookup.trn, firstName: teacher.firstName, lastName: teacher.lastName)
        return try JSONResponse.make(MentorView(trn: lookup.trn.value, firstName: teacher.firstName, lastName: teacher.lastName), status: .created)
    }

    func listMentors(_ context: ServiceRequestContext) async throws -> Response {
        let (_, urn) = try school(context)
        struct Reply: Encodable {
            var items: [MentorView]
            /// Whether a mentor is added by TRN and date of birth, with the record's names.
            var namesFromTeachingRecord: Bool
        }
        let mentors = try await database.mentors(urn: urn.value).map { MentorView(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName) }
        return try JSONResponse.make(Reply(items: mentors, namesFromTeachingRecord: teachingRecord != nil))
    }

    func removeMentor(_ context: ServiceRequestContext) async throws -> Response {
        let (_, urn) = try school(context)
        try await database.removeMentor(urn: urn.value, trn: try pathParameter(context, "trn") { try TRN(parsing: $0) })
        return JSONResponse.noContent()
    }

    func allowance(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let (_, urn) = try school(context)
        let trn = try pathParameter(context, "trn") { try TRN(parsing: $0) }
        guard let text = QueryReader(request).raw("provider"), text.count <= 30, let provider = try? ProviderCode(parsing: text) else {
            throw IntakeError.invalid([FieldError(field: "provider", message: "Enter the provider code")])
        }
        let a = try await database.allowance(urn: urn.value, trn: trn, provider: provider)
        struct Reply: Encodable {
            var academicYear: Int
            var trainingType: String
            var totalHours: Int
            var usedHours: Int
            var remainingHours: Int
        }
        return try JSONResponse.make(
            Reply(
                academicYear: a.year.startYear,
                trainingType: a.type.rawValue,
                totalHours: a.total,
                usedHours: a.used,
                remainingHours: max(0, a.total - a.used)
            )
        )
    }

    func createClaim(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let (user, urn) = try school(context)
        let body = Data(buffer: try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit))
        let idempotency = IdempotencyRequest(request, body: body)
        if let key = idempotency.key, let earlier = try await IdempotencyStore.earlier(database.writer, user: user.id, key: key, body: body) {
            return earlier
        }
        let claim = try RequestParsing.claim(body)
        switch try await database.createClaim(urn: urn.value, claim, by: IntakeDatabase.Requester(user: user), idempotency: idempotency) {
        case .created(let view): return try JSONResponse.make(view, status: .created, headers: Precondition.eTag(Int64(view.version)))
        case .earlier(let status, let body): return IdempotencyStore.response((status, body))
        }
    }

    func editClaim(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let reference = try RequestParsing.reference(context)
        let claim = try RequestParsing.claim(Data(buffer: try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit)))
        let view = try await database.editClaim(reference, claim, ifMatch: IfMatch(request), by: IntakeDatabase.Requester(user: user))
        return try JSONResponse.make(view, headers: Precondition.eTag(Int64(view.version)))
    }

    func submitClaim(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let reference = try RequestParsing.reference(context)
        struct Input: Decodable {
            var declarationAccepted: Bool
            enum CodingKeys: String, CodingKey { case declarationAccepted = "declaration_accepted" }
        }
        let input = try await RequestDecoding.decode(Input.self, from: request)
        let view = try await database.submitClaim(reference, declarationAccepted: input.declarationAccepted, by: IntakeDatabase.Requester(user: user))
        return try JSONResponse.make(view, headers: Precondition.eTag(Int64(view.version)))
    }

    func deleteClaim(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let reference = try RequestParsing.reference(context)
        let reason = try await RequestParsing.deletionReason(request)
        try await database.deleteClaim(reference, reason: reason, ifMatch: IfMatch(request), by: IntakeDatabase.Requester(user: user))
        return JSONResponse.noContent()
    }

    func getClaim(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let view = try await database.claim(try RequestParsing.reference(context), for: user)
        return try JSONResponse.make(view, headers: Precondition.eTag(Int64(view.version)))
    }

    func activity(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        struct Reply: Encodable { var items: [ActivityView] }
        return try JSONResponse.make(Reply(items: try await database.activity(try RequestParsing.reference(context), for: user)))
    }
}
