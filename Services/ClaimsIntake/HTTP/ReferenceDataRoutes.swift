import Foundation
import GRDB
import Hummingbird
import Messages
import Messaging
import ServiceSupport

/// Reference data: providers, funding rates and claim windows. Each handler parses, calls the
/// database and answers.
struct ReferenceDataRoutes {
    let database: IntakeDatabase
    var london: LondonTime { database.london }

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1")
        api.put("providers/:code") { request, context in try await putProvider(request, context) }
        api.get("providers") { request, context in try await searchProviders(request, context) }
        api.put("funding-rates/:academic_year") { request, context in try await putRates(request, context) }
        api.get("funding-rates/:academic_year") { _, context in try await getRates(context) }
        api.post("claim-windows") { request, context in try await createWindow(request, context) }
        api.get("claim-windows") { _, context in try await listWindows(context) }
        api.get("claim-windows/current") { _, context in try await currentWindow(context) }
        api.delete("claim-windows/:id") { _, context in try await deleteWindow(context) }
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
        let created = try await database.upsertProvider(record)
        return try JSONResponse.make(ProviderView(record), status: created ? .created : .ok)
    }

    func searchProviders(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var reader = QueryReader(request)
        let query = reader.text("q", maxLength: 100)
        let all = reader.oneOf("all", ["true", "false"], message: "Use true or false") == "true"
        try reader.throwIfAny()
        // Support may see providers that are no longer accredited too, to find and edit them.
        let includeAll = all && user.role == .support
        let providers = try await database.providers(matching: query, includeUnaccredited: includeAll)
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
        try await database.setRates(year: year, rates, by: user.email)
        return try JSONResponse.make(ratesView(year: year, rates: rates))
    }

    func getRates(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let year = try pathParameter(context, "academic_year") { text -> AcademicYear in
            guard let value = Int(text) else { throw InvalidValue(message: "") }
            return try AcademicYear(value)
        }
        let rates = try await database.rates(year: year)
        guard !rates.isEmpty else { throw IntakeError.notFound("No funding rates are set for \(year.label).") }
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
        let window = try await database.createWindow(year: year!, opensOn: opens!, closesOn: closes!, by: user.email)
        let now = database.now()
        return try JSONResponse.make(view(window, now: now), status: .created)
    }

    func listWindows(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let now = database.now()
        let windows = try await database.windows()
        struct Reply: Encodable { var items: [WindowView] }
        return try JSONResponse.make(Reply(items: windows.map { view($0, now: now) }))
    }

    func currentWindow(_ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let now = database.now()
        let windows = try await database.windows()
        guard let current = windows.first(where: { $0.state(at: now, london) == .current }) else {
            let next = windows.first { $0.state(at: now, london) == .upcoming }
            throw IntakeError.notFound(
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
        try await database.deleteWindow(id)
        return JSONResponse.noContent()
    }
}
