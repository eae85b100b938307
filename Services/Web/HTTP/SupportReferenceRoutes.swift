import ClaimsIntakeAPI
import Foundation
import Hummingbird
import OpenAPIRuntime
import ServiceSupport

/// Support's reference data: schools (find, edit, import, eligibility, grant conditions, their
/// users), providers, claim windows and funding rates, all kept by claims-intake.
struct SupportReferenceRoutes {
    let site: Site

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/support/schools") { try await schools($0) }
        site.on(router, .post, "/support/schools/import", supportUploadLimit: Site.extractUploadLimit) { try await importSchools($0) }
        site.on(router, .get, "/support/schools/new") { try await schoolForm($0, urn: nil) }
        site.on(router, .post, "/support/schools/new") { try await saveSchool($0, urn: nil) }
        site.on(router, .get, "/support/schools/:urn") { try await school($0) }
        site.on(router, .get, "/support/schools/:urn/edit") { try await schoolForm($0, urn: try urn($0)) }
        site.on(router, .post, "/support/schools/:urn/edit") { try await saveSchool($0, urn: try urn($0)) }
        site.on(router, .post, "/support/schools/:urn/eligibility") { try await eligibility($0) }
        site.on(router, .get, "/support/providers") { try await providers($0) }
        site.on(router, .post, "/support/providers") { try await saveProvider($0) }
        site.on(router, .get, "/support/claim-windows") { try await windows($0) }
        site.on(router, .post, "/support/claim-windows") { try await addWindow($0) }
        site.on(router, .post, "/support/claim-windows/:id/remove") { try await removeWindow($0) }
        site.on(router, .get, "/support/funding-rates") { try await rates($0) }
        site.on(router, .post, "/support/funding-rates") { try await saveRates($0) }
    }

    static let regions = ["inner_london", "outer_london", "fringe", "rest_of_england"]

    func urn(_ request: PageRequest) throws -> Int {
        guard let text = request.parameter("urn"), (1...7).contains(text.count), let urn = Int(text), urn > 0 else { throw PageError.notFound }
        return urn
    }

    // MARK: Schools

    func schools(_ request: PageRequest, errors: PageErrors = PageErrors(), rowErrors: [[String: Any]] = []) async throws -> PageResult {
        let user = try request.supportUser
        let q = request.query("q").map { String($0.prefix(100)) } ?? ""
        let page = request.query("page").flatMap { Int($0) }.map { min(max($0, 1), 10_000) } ?? 1
        let list = try JSONValue(
            try await site.client.claimsIntake(as: Actors.support(user)) {
                try await $0.listSchools(query: .init(q: q, page: page, perPage: 25)).ok.body.json
            }
        )
        let imports = try JSONValue(
            try await site.client.claimsIntake(as: Actors.support(user)) { try await $0.listSchoolImports().ok.body.json }
        )
        let recent = (imports["imports"]?.array ?? []).prefix(10).compactMap { Self.importRow($0.values) }
        let total = Int(list["total"]?.integer ?? 0)
        var values: [String: Any] = [
            "title": errors.isEmpty ? "Schools" : "Error: Schools", "q": q, "schools": list.items, "hasSchools": !list.items.isEmpty,
            "total": total == 1 ? "1 school" : "\(total) schools", "rowErrors": rowErrors, "hasRowErrors": !rowErrors.isEmpty,
            "imports": recent, "hasImports": !recent.isEmpty,
        ]
        values.merge(Paging(page: page, perPage: 25, total: total).values { "/support/schools?q=\(queryValue(q))&page=\($0)" }) { $1 }
        values.merge(errors.context) { $1 }
        return .page("support-schools", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// One import for the page's table: when, from where, and what it did or why it failed.
    static func importRow(_ record: [String: Any]) -> [String: Any]? {
        guard let source = record["source"] as? String else { return nil }
        let failed = record["outcome"] as? String == "failed"
        let from =
            source == "gias_sync"
            ? "GIAS daily download (\(record["file_name"] as? String ?? "extract"))"
            : "Uploaded by \(record["by"] as? String ?? "support")"
        return [
            "when": record["finished_at_text"] ?? "", "from": from, "failed": failed,
            "outcome": failed ? "Failed: nothing changed" : "Imported",
            "created": record["created"] ?? 0, "updated": record["updated"] ?? 0, "unchanged": record["unchanged"] ?? 0,
            "skipped": record["skipped"] ?? 0, "error": record["error"] ?? "",
        ]
    }

    func importSchools(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        var errors = PageErrors()
        guard let upload = request.form.files["file"], !upload.data.isEmpty else {
            errors.add("file", "Select a CSV file of schools")
            return try await schools(request, errors: errors)
        }
        do {
            let reply = try await site.client.claimsIntake(as: Actors.support(user)) {
                try await $0.importSchools(body: .csv(HTTPBody(upload.data))).ok.body.json
            }
            let extract = reply.format == .giasExtract
            try await site.sessions.setFlash(
                request.session,
                "Schools imported\(extract ? " from the GIAS extract" : ""): \(reply.created) added, \(reply.updated) changed, \(reply.unchanged) unchanged"
                    + (extract ? ", \(reply.skipped) closed or outside England left out." : ".")
            )
            return .redirect("/support/schools")
        } catch ServiceCallError.invalid(let fields, let detail) {
            let rows = fields.filter { $0.field.hasPrefix("row ") }
            errors.add(
                "file",
                rows.isEmpty
                    ? detail
                    : "The file has \(FileRefusal.count(rows.count)): no school was imported. Correct every row listed and upload the whole file again."
            )
            return try await schools(
                request,
                errors: errors,
                rowErrors: rows.map { ["where": FileRefusal.label($0.field), "message": $0.message] }
            )
        }
    }

    func school(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let urn = try urn(request)
        let actor = Actors.support(user)
        let client = site.client
        async let schoolCall = outcome {
            try JSONValue(try await client.claimsIntake(as: actor) { try await $0.getSchool(path: .init(urn: urn)).ok.body.json })
        }
        async let summaryCall = outcome {
            try JSONValue(try await client.claimsIntake(as: actor) { try await $0.schoolSummary(path: .init(urn: urn)).ok.body.json })
        }
        // Addresses that Notify reported as not receiving email: a school that never hears from
        // the service should have them fixed. The page still shows when notifications is down.
        async let bouncesCall = outcome {
            try await client.notifications(as: actor) { try await $0.listUndeliverable(query: .init(schoolUrn: urn)).ok.body.json.items }
        }
        let (schoolResult, summaryResult, bouncesResult) = await (schoolCall, summaryCall, bouncesCall)
        let school = try schoolResult.get()
        let summary = try summaryResult.get()
        let members = try await site.users.database.read { try UserStore.members($0, kind: .school, organisationID: "\(urn)") }
        var values = school.values
        values["title"] = "\(school["name"]?.string ?? "School") - Schools"
        values["contacts"] = (school["contact_emails"]?.array ?? []).compactMap(\.string).joined(separator: ", ")
        values["years"] = (summary["years"]?.array ?? []).map { $0.values }
        values["users"] = members.map { ["name": $0.name, "email": $0.email, "id": $0.id] }
        values["hasUsers"] = !members.isEmpty
        values["thisYear"] = school["academic_year"]?.integer ?? Int64(academicYear(of: site.now()))
        let bounces = (try? bouncesResult.get()) ?? []
        values["undeliverable"] = bounces.map { bounce in
            [
                "address": bounce.address, "subject": bounce.subject, "id": bounce.notificationId,
                "reason": bounce.deliveryStatus == .permanentFailure
                    ? "the address does not exist or will not take email" : "the inbox was full or would not take the email",
                "at": Presentation.timestamp(bounce.reportedAt.formatted(.iso8601)),
            ]
        }
        values["hasUndeliverable"] = !bounces.isEmpty
        return .page("support-school", values)
    }

    /// The add or edit form; `urn` nil adds a school.
    func schoolForm(_ request: PageRequest, urn: Int?, errors: PageErrors = PageErrors(), entered: [String: String]? = nil) async throws -> PageResult
    {
        let user = try request.supportUser
        var fields: [String: String] = entered ?? [:]
        if entered == nil, let urn {
            let school = try JSONValue(
                try await site.client.claimsIntake(as: Actors.support(user)) { try await $0.getSchool(path: .init(urn: urn)).ok.body.json }
            )
            for key in ["name", "postcode", "local_authority", "type_of_establishment", "group", "region"] { fields[key] = school[key]?.string ?? "" }
            fields["trust_uid"] = school["trust"]?["uid"]?.string ?? ""
            fields["trust_name"] = school["trust"]?["name"]?.string ?? ""
            fields["contact_emails"] = (school["contact_emails"]?.array ?? []).compactMap(\.string).joined(separator: "; ")
        }
        if let urn { fields["urn"] = "\(urn)" }
        var values: [String: Any] = [
            "title": "\(errors.isEmpty ? "" : "Error: ")\(urn == nil ? "Add a school" : "Change the school's details")", "isNew": urn == nil,
            "action": urn.map { "/support/schools/\($0)/edit" } ?? "/support/schools/new", "entered": fields,
            "regions": Self.regions.map { ["value": $0, "label": Presentation.region($0), "checked": fields["region"] == $0] },
        ]
        values.merge(errors.context) { $1 }
        return .page("support-school-form", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func saveSchool(_ request: PageRequest, urn given: Int?) async throws -> PageResult {
        let user = try request.supportUser
        let form = request.form
        var entered: [String: String] = [:]
        for key in [
            "urn", "name", "postcode", "local_authority", "type_of_establishment", "group", "region", "trust_uid", "trust_name", "contact_emails",
        ] {
            entered[key] = form[key] ?? ""
        }
        var errors = PageErrors()
        let urn = given ?? form["urn"].flatMap { Int($0) }.flatMap { (1...9_999_999).contains($0) ? $0 : nil }
        guard let urn else {
            errors.add("urn", "Enter the school's URN, 1 to 7 digits")
            return try await schoolForm(request, urn: nil, errors: errors, entered: entered)
        }
        guard let region = ClaimsIntakeAPI.Components.Schemas.Region(rawValue: entered["region"]!.trimmingCharacters(in: .whitespaces).lowercased())
        else {
            errors.add("region", "Select the school's region")
            return try await schoolForm(request, urn: given, errors: errors, entered: entered)
        }
        var body = ClaimsIntakeAPI.Components.Schemas.SchoolInput(
            name: entered["name"]!,
            postcode: entered["postcode"]!,
            localAuthority: entered["local_authority"]!,
            typeOfEstablishment: entered["type_of_establishment"]!,
            group: entered["group"]!,
            region: region,
            contactEmails: entered["contact_emails"]!.split(whereSeparator: { $0 == ";" || $0 == "," }).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        )
        if !entered["trust_uid"]!.isEmpty || !entered["trust_name"]!.isEmpty {
            body.trust = .init(uid: entered["trust_uid"]!, name: entered["trust_name"]!)
        }
        do {
            _ = try await site.client.claimsIntake(as: Actors.support(user)) { try await $0.putSchool(path: .init(urn: urn), body: .json(body)) }
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields {
                errors.add(field.field.replacingOccurrences(of: "trust.", with: "trust_").components(separatedBy: "[").first ?? "name", field.message)
            }
            if errors.isEmpty { errors.add("name", detail) }
            return try await schoolForm(request, urn: given, errors: errors, entered: entered)
        }
        try await site.sessions.setFlash(request.session, given == nil ? "The school has been added" : "The school's details have been saved")
        return .redirect("/support/schools/\(urn)")
    }

    func eligibility(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let urn = try urn(request)
        guard let year = request.form["academic_year"].flatMap({ Int($0) }) else {
            throw PageError.badRequest("The form is incomplete. Go back and try again.")
        }
        _ = try await site.client.claimsIntake(as: Actors.support(user)) {
            try await $0.recordEligibility(path: .init(urn: urn), body: .json(.init(academicYear: year))).created
        }
        try await site.sessions.setFlash(request.session, "The school can now claim for \(Presentation.academicYear(year))")
        return .redirect("/support/schools/\(urn)")
    }

    // MARK: Providers
}
