import Foundation
import GRDB
import Hummingbird
import Messages
import Messaging
import ServiceSupport

/// Schools: support adds, changes, imports and finds them and grants eligibility; a school user
/// sees its own and accepts the grant conditions. Each handler parses, calls the database and
/// answers.
struct SchoolRoutes {
    let database: IntakeDatabase

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1")
        api.post("schools/import") { request, context in try await importSchools(request, context) }
        api.get("schools/import") { _, context in try await schoolImports(context) }
        api.put("schools/:urn") { request, context in try await putSchool(request, context) }
        api.get("schools") { request, context in try await searchSchools(request, context) }
        api.get("schools/:urn") { _, context in try await getSchool(context) }
        api.post("schools/:urn/eligibility") { request, context in try await grantEligibility(request, context) }
        api.post("schools/:urn/grant-conditions") { _, context in try await acceptGrantConditions(context) }
    }

    struct SchoolInput: Decodable {
        var name: String
        var postcode: String
        var localAuthority: String
        var typeOfEstablishment: String
        var group: String
        var region: String
        var trust: TrustInput?
        var contactEmails: [String]
        struct TrustInput: Decodable {
            var uid: String
            var name: String
        }
        enum CodingKeys: String, CodingKey {
            case name, postcode, group, region, trust
            case localAuthority = "local_authority"
            case typeOfEstablishment = "type_of_establishment"
            case contactEmails = "contact_emails"
        }
    }

    func putSchool(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        let input = try await RequestDecoding.decode(SchoolInput.self, from: request)
        var errors = FieldErrors()
        let name = errors.check("name") { try nonBlank(input.name, "Enter the school's name") }
        let postcode = errors.check("postcode") { try nonBlank(input.postcode, "Enter the school's postcode") }
        let la = errors.check("local_authority") { try nonBlank(input.localAuthority, "Enter the local authority") }
        let type = errors.check("type_of_establishment") { try nonBlank(input.typeOfEstablishment, "Enter the type of establishment") }
        let group = errors.check("group") { try nonBlank(input.group, "Enter the establishment group") }
        let region = errors.check("region") { try Region(parsing: input.region) }
        let emails = errors.check("contact_emails") { try emailList(input.contactEmails, required: true) }
        var trust: TrustSnapshot?
        if let t = input.trust {
            let uid = errors.check("trust.uid") { try nonBlank(t.uid, "Enter the trust's uid") }
            let trustName = errors.check("trust.name") { try nonBlank(t.name, "Enter the trust's name") }
            if let uid, let trustName { trust = TrustSnapshot(uid: uid, name: trustName) }
        }
        try errors.throwIfAny()
        let school = SchoolRecord(
            urn: urn.value,
            name: name!,
            postcode: postcode!.uppercased(),
            localAuthority: la!,
            typeOfEstablishment: type!,
            group: group!,
            region: region!,
            trust: trust,
            contactEmails: emails!
        )
        let created = try await database.upsertSchool(school)
        return try JSONResponse.make(try await database.schoolView(urn.value), status: created ? .created : .ok)
    }

    /// `POST /api/v1/schools/import`: the ten-column schools file of files.md, or the GIAS
    /// extract as published (told apart by its header), validated whole first; a file with any
    /// bad row changes nothing, and a school that did not change is left alone (so uploading the
    /// same file twice has no further effect).
    func importSchools(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let started = database.now()
        let body = try await RequestDecoding.collect(request, limit: RequestDecoding.extractLimit)
        let reply = try await SchoolImportRun.run(.buffer(body), database: database, source: .upload(by: user.email, at: started))
        return try JSONResponse.make(reply, status: reply.rejected.isEmpty ? .ok : .unprocessableContent)
    }

    /// `GET /api/v1/schools/import`: the latest imports, uploaded or downloaded, newest first.
    func schoolImports(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        struct Reply: Encodable { var imports: [SchoolImportRecord] }
        return try JSONResponse.make(Reply(imports: try await database.schoolImports()))
    }

    func getSchool(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        // A school user sees only their own schools, as if others did not exist.
        if user.role == .school && !user.urns.contains(urn.value) { throw IntakeError.notFound("There is no such school.") }
        return try JSONResponse.make(try await database.schoolView(urn.value))
    }

    struct YearInput: Decodable {
        var academicYear: Int
        enum CodingKeys: String, CodingKey { case academicYear = "academic_year" }
    }

    func grantEligibility(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        let input = try await RequestDecoding.decode(YearInput.self, from: request)
        var errors = FieldErrors()
        let year = errors.check("academic_year") { try AcademicYear(input.academicYear) }
        try errors.throwIfAny()
        try await database.grantEligibility(urn: urn.value, year: year!, by: user.email)
        struct Reply: Encodable {
            var urn: Int
            var academicYear: Int
            var eligible: Bool
        }
        return try JSONResponse.make(Reply(urn: urn.value, academicYear: year!.startYear, eligible: true), status: .created)
    }

    func acceptGrantConditions(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        guard user.role == .school else { throw IntakeError.forbidden("Only a user of the school can accept its grant conditions.") }
        guard user.urns.contains(urn.value) else { throw IntakeError.notFound("There is no such school.") }
        let accepted = try await database.acceptGrantConditions(urn: urn.value, by: user)
        struct Reply: Encodable {
            var acceptedAt: Date
            var acceptedBy: String
        }
        return try JSONResponse.make(Reply(acceptedAt: accepted.0, acceptedBy: accepted.1), status: .created)
    }

    /// Support finding a school by URN, name, postcode or local authority, 25 a page by name.
    func searchSchools(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var reader = QueryReader(request)
        let query = reader.text("q", maxLength: 100)?.trimmingCharacters(in: .whitespaces) ?? ""
        let pagination = Pagination(&reader)
        try reader.throwIfAny()
        let page = try await database.searchSchools(query, pagination)
        return try JSONResponse.make(page)
    }
}
