import Foundation
import GRDB
import Hummingbird
import Messages
import Messaging
import ServiceSupport

/// Reference data: schools, providers, funding rates, claim windows, eligibility, grant conditions.
struct ReferenceDataRoutes {
    let env: ServiceEnvironment
    let london = LondonTime()

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

    struct SchoolView: Encodable {
        var urn: Int
        var name: String
        var postcode: String
        var localAuthority: String
        var typeOfEstablishment: String
        var group: String
        var region: String
        var trust: TrustSnapshot?
        var contactEmails: [String]
        var academicYear: Int?
        var hourlyRatePence: Int64?
        var eligible: Bool
        var grantConditionsAccepted: Bool
        var grantConditionsAcceptedAt: Date?
    }

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1")
        api.post("schools/import") { request, context in try await importSchools(request, context) }
        api.put("schools/:urn") { request, context in try await putSchool(request, context) }
        api.get("schools") { request, context in try await searchSchools(request, context) }
        api.get("schools/:urn") { _, context in try await getSchool(context) }
        api.post("schools/:urn/eligibility") { request, context in try await grantEligibility(request, context) }
        api.post("schools/:urn/grant-conditions") { _, context in try await acceptGrantConditions(context) }
        api.put("providers/:code") { request, context in try await putProvider(request, context) }
        api.get("providers") { request, context in try await searchProviders(request, context) }
        api.put("funding-rates/:academic_year") { request, context in try await putRates(request, context) }
        api.get("funding-rates/:academic_year") { _, context in try await getRates(context) }
        api.post("claim-windows") { request, context in try await createWindow(request, context) }
        api.get("claim-windows") { _, context in try await listWindows(context) }
        api.get("claim-windows/current") { _, context in try await currentWindow(context) }
        api.delete("claim-windows/:id") { _, context in try await deleteWindow(context) }
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
        let outbox = env.outbox
        let now = env.now()
        let created = try await env.database.write { db -> Bool in
            let created = try ReferenceStore.upsert(db, school: school, now: now)
            try outbox.append(SchoolUpserted(school: school.snapshot), in: db)
            return created
        }
        return try JSONResponse.make(try await view(of: urn.value), status: created ? .created : .ok)
    }

    /// `POST /api/v1/schools/import`: the GIAS-style CSV of files.md, validated whole first; a
    /// file with any bad row changes nothing, and a school that did not change is left alone (so
    /// uploading the same file twice has no further effect).
    func importSchools(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let body = Data(buffer: try await RequestDecoding.collect(request, limit: RequestDecoding.csvLimit))
        let table: CSVTable
        do {
            table = try CSVTable(
                body,
                required: [
                    "urn", "name", "postcode", "local_authority", "type_of_establishment", "group", "region", "trust_uid", "trust_name",
                    "contact_emails",
                ]
            )
        } catch let error as CSVFileError {
            throw error.problem
        }
        struct Rejected: Encodable {
            var row: Int
            var message: String
        }
        var rejected: [Rejected] = []
        var schools: [SchoolRecord] = []
        var seen: [Int: Int] = [:]
        for row in table.rows {
            var problems: [String] = []
            func need(_ column: String, _ label: String) -> String {
                let value = row[column]
                if value.isEmpty { problems.append("Enter the \(label)") }
                return value
            }
            let urn = try? URN(parsing: row["urn"])
            if urn == nil { problems.append("Enter a URN of 1 to 7 digits") }
            if let urn, let first = seen[urn.value] { problems.append("URN \(urn.value) is also on row \(first)") }
            let name = need("name", "school's name")
            let postcode = need("postcode", "postcode")
            let la = need("local_authority", "local authority")
            let type = need("type_of_establishment", "type of establishment")
            let group = need("group", "establishment group")
            let region = try? Region(parsing: row["region"])
            if region == nil { problems.append("Enter a region: inner_london, outer_london, fringe or rest_of_england") }
            let uid = row["trust_uid"]
            let trustName = row["trust_name"]
            if uid.isEmpty != trustName.isEmpty { problems.append("Enter both the trust's uid and name, or neither") }
            let emails = (try? emailList(row["contact_emails"].split(separator: ";").map(String.init), required: true))
            if emails == nil { problems.append("Enter contact email addresses separated by ;") }
            if let urn, seen[urn.value] == nil { seen[urn.value] = row.number }
            if problems.isEmpty, let urn, let region, let emails {
                schools.append(
                    SchoolRecord(
                        urn: urn.value,
                        name: name,
                        postcode: postcode.uppercased(),
                        localAuthority: la,
                        typeOfEstablishment: type,
                        group: group,
                        region: region,
                        trust: uid.isEmpty ? nil : TrustSnapshot(uid: uid, name: trustName),
                        contactEmails: emails
                    )
                )
            } else {
                rejected.append(Rejected(row: row.number, message: problems.joined(separator: "; ")))
            }
        }
        struct Reply: Encodable {
            var created: Int
            var updated: Int
            var unchanged: Int
            var rejected: [Rejected]
        }
        guard rejected.isEmpty else {
            return try JSONResponse.make(Reply(created: 0, updated: 0, unchanged: 0, rejected: rejected), status: .unprocessableContent)
        }
        let outbox = env.outbox
        let now = env.now()
        let toImport = schools
        let counts = try await env.database.write { db -> (Int, Int, Int) in
            var created = 0
            var updated = 0
            var unchanged = 0
            for school in toImport {
                if let existing = try ReferenceStore.school(db, urn: school.urn) {
                    if existing == school {
                        unchanged += 1
                        continue
                    }
                    updated += 1
                } else {
                    created += 1
                }
                try ReferenceStore.upsert(db, school: school, now: now)
                try outbox.append(SchoolUpserted(school: school.snapshot), in: db)
            }
            return (created, updated, unchanged)
        }
        return try JSONResponse.make(Reply(created: counts.0, updated: counts.1, unchanged: counts.2, rejected: []))
    }

    func view(of urn: Int) async throws -> SchoolView {
        let now = env.now()
        let london = self.london
        return try await env.database.read { db in
            guard let school = try ReferenceStore.school(db, urn: urn) else { throw Problem.notFound("There is no such school.") }
            let current = try ReferenceStore.windows(db).first { $0.state(at: now, london) == .current }
            let year = current?.academicYear ?? AcademicYear(containing: london.date(of: now))
            let rate = try ReferenceStore.rates(db, year: year.startYear)[school.region]
            let conditions = try ReferenceStore.grantConditions(db, urn: urn)
            return SchoolView(
                urn: school.urn,
                name: school.name,
                postcode: school.postcode,
                localAuthority: school.localAuthority,
                typeOfEstablishment: school.typeOfEstablishment,
                group: school.group,
                region: school.region.rawValue,
                trust: school.trust,
                contactEmails: school.contactEmails,
                academicYear: year.startYear,
                hourlyRatePence: rate?.value,
                eligible: try ReferenceStore.isEligible(db, urn: urn, year: year.startYear),
                grantConditionsAccepted: conditions != nil,
                grantConditionsAcceptedAt: conditions?.acceptedAt
            )
        }
    }

    func getSchool(_ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let urn = try pathParameter(context, "urn") { try URN(parsing: $0) }
        // A school user sees only their own schools, as if others did not exist.
        if user.role == .school && !user.urns.contains(urn.value) { throw Problem.notFound("There is no such school.") }
        return try JSONResponse.make(try await view(of: urn.value))
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
        let outbox = env.outbox
        let now = env.now()
        try await env.database.write { db in
            guard try ReferenceStore.school(db, urn: urn.value) != nil else { throw Problem.notFound("There is no such school.") }
            try db.execute(
                sql: "INSERT OR IGNORE INTO school_eligibility (urn, academic_year, granted_at, granted_by) VALUES (?, ?, ?, ?)",
                arguments: [urn.value, year!.startYear, Int64(now.timeIntervalSince1970 * 1000), user.email]
            )
            if db.changesCount > 0 {
                try outbox.append(SchoolEligibilityGranted(urn: urn.value, academicYear: year!.startYear), in: db)
            }
        }
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
        guard user.role == .school else { throw Problem.forbidden("Only a user of the school can accept its grant conditions.") }
        guard user.urns.contains(urn.value) else { throw Problem.notFound("There is no such school.") }
        let now = env.now()
        let accepted = try await env.database.write { db -> (Date, String) in
            guard try ReferenceStore.school(db, urn: urn.value) != nil else { throw Problem.notFound("There is no such school.") }
            try db.execute(
                sql: "INSERT OR IGNORE INTO grant_conditions (urn, accepted_at, accepted_by_id, accepted_by_email) VALUES (?, ?, ?, ?)",
                arguments: [urn.value, Int64(now.timeIntervalSince1970 * 1000), user.id, user.email]
            )
            return try ReferenceStore.grantConditions(db, urn: urn.value) ?? (now, user.email)
        }
        struct Reply: Encodable {
            var acceptedAt: Date
            var acceptedBy: String
        }
        return try JSONResponse.make(Reply(acceptedAt: accepted.0, acceptedBy: accepted.1), status: .created)
    }

    struct ProviderInput: Decodable {
        var name: String
        var ukprn: String
        var accredited: Bool
        var emailAddresses: [String]
        enum CodingKeys: String, CodingKey {
            case name, ukprn, accredited
            case emailAddresses = "email_addresses"
        }
    }

    struct ProviderView: Encodable {
        var code: String
        var name: String
        var ukprn: String
        var accredited: Bool
        var emailAddresses: [String]
        init(_ record: ProviderRecord) {
            code = record.code
            name = record.name
            ukprn = record.ukprn
            accredited = record.accredited
            emailAddresses = record.emailAddresses
        }
    }

    func putProvider(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let code = try pathParameter(context, "code") { try ProviderCode(parsing: $0) }
        let input = try await RequestDecoding.decode(ProviderInput.self, from: request)
        var errors = FieldErrors()
        let name = errors.check("name") { try nonBlank(input.name, "Enter the provider's name") }
        let ukprn = errors.check("ukprn") { () throws -> String in
            let text = input.ukprn.trimmingCharacters(in: .whitespaces)
            guard text.count == 8, text.allSatisfy(\.isNumber) else { throw InvalidValue(message: "Enter a UKPRN of 8 digits") }
            return text
        }
        let emails = errors.check("email_addresses") { try emailList(input.emailAddresses, required: true) }
        try errors.throwIfAny()
        let record = ProviderRecord(code: code.value, name: name!, ukprn: ukprn!, accredited: input.accredited, emailAddresses: emails!)
        let outbox = env.outbox
        let now = env.now()
        let created = try await env.database.write { db -> Bool in
            let created = try ReferenceStore.upsert(db, provider: record, now: now)
            try outbox.append(ProviderUpserted(provider: record.snapshot), in: db)
            return created
        }
        return try JSONResponse.make(ProviderView(record), status: created ? .created : .ok)
    }

    /// Support finding a school by URN, name, postcode or local authority, 25 a page by name.
    func searchSchools(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var reader = QueryReader(request)
        let query = reader.text("q", maxLength: 100)?.trimmingCharacters(in: .whitespaces) ?? ""
        let pagination = Pagination(&reader)
        try reader.throwIfAny()
        struct Item: Encodable {
            var urn: Int
            var name: String
            var postcode: String
            var localAuthority: String
            var region: String
            var trust: TrustSnapshot?
        }
        let page = try await env.database.read { db -> Page<Item> in
            let pattern = "%\(query)%"
            let filter = "(? = '' OR name LIKE ? OR CAST(urn AS TEXT) = ? OR postcode LIKE ? OR local_authority LIKE ?)"
            let arguments: StatementArguments = [query, pattern, query, pattern, pattern]
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM schools WHERE \(filter)", arguments: arguments) ?? 0
            let items = try Row.fetchAll(
                db,
                sql: "SELECT * FROM schools WHERE \(filter) ORDER BY name, urn LIMIT ? OFFSET ?",
                arguments: arguments + [pagination.perPage, pagination.offset]
            ).map(SchoolRecord.init(row:)).map {
                Item(
                    urn: $0.urn,
                    name: $0.name,
                    postcode: $0.postcode,
                    localAuthority: $0.localAuthority,
                    region: $0.region.rawValue,
                    trust: $0.trust
                )
            }
            return Page(items: items, page: pagination.page, perPage: pagination.perPage, total: total)
        }
        return try JSONResponse.make(page)
    }

    func searchProviders(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var reader = QueryReader(request)
        let query = reader.text("q", maxLength: 100)
        let all = reader.oneOf("all", ["true", "false"], message: "Use true or false") == "true"
        try reader.throwIfAny()
        // Support may see providers that are no longer accredited too, to find and edit them.
        let includeAll = all && user.role == .support
        let providers = try await env.database.read { try ReferenceStore.searchProviders($0, query: query, includeUnaccredited: includeAll) }
        struct Reply: Encodable { var items: [ProviderView] }
        return try JSONResponse.make(Reply(items: providers.map(ProviderView.init)))
    }

    struct RatesInput: Decodable {
        var innerLondonPence: Int64
        var outerLondonPence: Int64
        var fringePence: Int64
        var restOfEnglandPence: Int64
        enum CodingKeys: String, CodingKey {
            case innerLondonPence = "inner_london_pence"
            case outerLondonPence = "outer_london_pence"
            case fringePence = "fringe_pence"
            case restOfEnglandPence = "rest_of_england_pence"
        }
    }

    struct RatesView: Encodable {
        var academicYear: Int
        var innerLondonPence: Int64?
        var outerLondonPence: Int64?
        var fringePence: Int64?
        var restOfEnglandPence: Int64?
        var initialHours: Int
        var refresherHours: Int
        var mostAMentorCanEarn: [String: MostPerMentor]
        struct MostPerMentor: Encodable {
            var initialPence: Int64
            var refresherPence: Int64
        }
    }

    func ratesView(year: AcademicYear, rates: [Region: Pence]) -> RatesView {
        var most: [String: RatesView.MostPerMentor] = [:]
        for (region, rate) in rates {
            most[region.rawValue] = .init(initialPence: (rate * year.initialHours).value, refresherPence: (rate * year.refresherHours).value)
        }
        return RatesView(
            academicYear: year.startYear,
            innerLondonPence: rates[.innerLondon]?.value,
            outerLondonPence: rates[.outerLondon]?.value,
            fringePence: rates[.fringe]?.value,
            restOfEnglandPence: rates[.restOfEngland]?.value,
            initialHours: year.initialHours,
            refresherHours: year.refresherHours,
            mostAMentorCanEarn: most
        )
    }

    func putRates(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let year = try pathParameter(context, "academic_year") { text -> AcademicYear in
            guard let value = Int(text) else { throw InvalidValue(message: "") }
            return try AcademicYear(value)
        }
        let input = try await RequestDecoding.decode(RatesInput.self, from: request)
        var errors = FieldErrors()
        var rates: [Region: Pence] = [:]
        for (field, region, value) in [
            ("inner_london_pence", Region.innerLondon, input.innerLondonPence), ("outer_london_pence", .outerLondon, input.outerLondonPence),
            ("fringe_pence", .fringe, input.fringePence), ("rest_of_england_pence", .restOfEngland, input.restOfEnglandPence),
        ] {
            if value < 1 || value > 1_000_000 {
                errors.add(field, "Enter an hourly rate in pence from 1 to 1000000")
            } else {
                rates[region] = Pence(value)
            }
        }
        try errors.throwIfAny()
        let now = env.now()
        let newRates = rates
        try await env.database.write { db in try ReferenceStore.setRates(db, year: year.startYear, rates: newRates, by: user.email, now: now) }
        return try JSONResponse.make(ratesView(year: year, rates: rates))
    }

    func getRates(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let year = try pathParameter(context, "academic_year") { text -> AcademicYear in
            guard let value = Int(text) else { throw InvalidValue(message: "") }
            return try AcademicYear(value)
        }
        let rates = try await env.database.read { try ReferenceStore.rates($0, year: year.startYear) }
        guard !rates.isEmpty else { throw Problem.notFound("No funding rates are set for \(year.label).") }
        return try JSONResponse.make(ratesView(year: year, rates: rates))
    }

    struct WindowInput: Decodable {
        var academicYear: Int
        var opensOn: String
        var closesOn: String
        enum CodingKeys: String, CodingKey {
            case academicYear = "academic_year"
            case opensOn = "opens_on"
            case closesOn = "closes_on"
        }
    }

    struct WindowView: Encodable {
        var id: Int64
        var academicYear: Int
        var opensOn: String
        var closesOn: String
        var opensAt: Date
        var closesAt: Date
        var state: String
        var daysLeft: Int?
    }

    func view(_ window: ClaimWindow, now: Date) -> WindowView {
        let state = window.state(at: now, london)
        return WindowView(
            id: window.id,
            academicYear: window.academicYear.startYear,
            opensOn: window.opensOn.description,
            closesOn: window.closesOn.description,
            opensAt: window.opensAt(london),
            closesAt: window.closesAt(london),
            state: state.rawValue,
            daysLeft: state == .current ? window.daysLeft(at: now, london) : nil
        )
    }

    func createWindow(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireRole(.support)
        let input = try await RequestDecoding.decode(WindowInput.self, from: request)
        var errors = FieldErrors()
        let year = errors.check("academic_year") { try AcademicYear(input.academicYear) }
        let opens = errors.check("opens_on") { try LocalDate(parsing: input.opensOn) }
        let closes = errors.check("closes_on") { try LocalDate(parsing: input.closesOn) }
        try errors.throwIfAny()
        let now = env.now()
        let today = london.date(of: now)
        let outbox = env.outbox
        let window = try await env.database.write { db -> ClaimWindow in
            let problems = ClaimWindowRules.problems(
                academicYear: year!,
                opensOn: opens!,
                closesOn: closes!,
                existing: try ReferenceStore.windows(db),
                hasRates: try ReferenceStore.rates(db, year: year!.startYear).count == Region.allCases.count,
                today: today
            )
            guard problems.isEmpty else {
                throw Problem.validation(problems.map { FieldError(field: $0.field, message: $0.message) })
            }
            try db.execute(
                sql: "INSERT INTO claim_windows (academic_year, opens_on, closes_on, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [year!.startYear, opens!.description, closes!.description, user.email, Int64(now.timeIntervalSince1970 * 1000)]
            )
            let window = ClaimWindow(id: db.lastInsertedRowID, academicYear: year!, opensOn: opens!, closesOn: closes!)
            try outbox.append(
                ClaimWindowUpserted(
                    window: ClaimWindowFields(
                        id: window.id,
                        academicYear: year!.startYear,
                        opensOn: opens!.description,
                        closesOn: closes!.description
                    )
                ),
                in: db
            )
            return window
        }
        return try JSONResponse.make(view(window, now: now), status: .created)
    }

    func listWindows(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let now = env.now()
        let windows = try await env.database.read { try ReferenceStore.windows($0) }
        struct Reply: Encodable { var items: [WindowView] }
        return try JSONResponse.make(Reply(items: windows.map { view($0, now: now) }))
    }

    func currentWindow(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let now = env.now()
        let windows = try await env.database.read { try ReferenceStore.windows($0) }
        guard let current = windows.first(where: { $0.state(at: now, london) == .current }) else {
            let next = windows.first { $0.state(at: now, london) == .upcoming }
            throw Problem.notFound(
                next.map { "No claim window is open. The next opens on \($0.opensOn)." } ?? "No claim window is open, and none is planned yet."
            )
        }
        return try JSONResponse.make(view(current, now: now))
    }

    func deleteWindow(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let id = try pathParameter(context, "id") { text -> Int64 in
            guard let id = Int64(text) else { throw InvalidValue(message: "") }
            return id
        }
        let now = env.now()
        let london = self.london
        let outbox = env.outbox
        try await env.database.write { db in
            guard let window = try ReferenceStore.window(db, id: id) else { throw Problem.notFound("There is no such claim window.") }
            let claims = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM claims WHERE claim_window_id = ?", arguments: [id]) ?? 0
            if let problem = ClaimWindowRules.removalProblem(window, claimCount: claims, now: now, london) {
                throw Problem(.conflict, detail: problem.message + ".")
            }
            try db.execute(sql: "DELETE FROM claim_windows WHERE id = ?", arguments: [id])
            try outbox.append(
                ClaimWindowRemoved(
                    window: ClaimWindowFields(
                        id: id,
                        academicYear: window.academicYear.startYear,
                        opensOn: window.opensOn.description,
                        closesOn: window.closesOn.description
                    )
                ),
                in: db
            )
        }
        return JSONResponse.noContent()
    }
}
