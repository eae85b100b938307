import ClaimsIntakeAPI
import Foundation
import Hummingbird
import ServiceSupport

/// Support's pages for providers, claim windows and funding rates.
extension SupportReferenceRoutes {
    func providers(_ request: PageRequest, errors: PageErrors = PageErrors(), entered: [String: String] = [:]) async throws -> PageResult {
        let user = try request.supportUser
        let q = request.query("q").map { String($0.prefix(100)) } ?? ""
        let list = try JSONValue(
            try await site.client.claimsIntake(as: Actors.support(user)) { try await $0.listProviders(query: .init(q: q, all: true)).ok.body.json }
        )
        var form = entered
        if form.isEmpty, let code = request.query("edit"), let chosen = list.items.first(where: { $0["code"] as? String == code }) {
            form = [
                "code": code, "name": chosen["name"] as? String ?? "", "ukprn": chosen["ukprn"] as? String ?? "",
                "email_addresses": (chosen["email_addresses"] as? [Any])?.compactMap { $0 as? String }.joined(separator: "; ") ?? "",
                "accredited": (chosen["accredited"] as? Bool ?? true) ? "yes" : "no",
            ]
        }
        var values: [String: Any] = [
            "title": errors.isEmpty ? "Providers" : "Error: Providers", "q": q, "providers": list.items, "hasProviders": !list.items.isEmpty,
            "entered": form, "accreditedNo": form["accredited"] == "no",
        ]
        values.merge(errors.context) { $1 }
        return .page("support-providers", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func saveProvider(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let form = request.form
        var entered: [String: String] = [:]
        for key in ["code", "name", "ukprn", "email_addresses", "accredited"] { entered[key] = form[key] ?? "" }
        var errors = PageErrors()
        let code = entered["code"]!.uppercased()
        guard !code.isEmpty, code.count <= 10, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            errors.add("code", "Enter the provider's code, up to 10 letters and digits, such as 1TX")
            return try await providers(request, errors: errors, entered: entered)
        }
        let body = ClaimsIntakeAPI.Components.Schemas.ProviderInput(
            name: entered["name"]!,
            ukprn: entered["ukprn"]!,
            accredited: entered["accredited"] != "no",
            emailAddresses: entered["email_addresses"]!.split(whereSeparator: { $0 == ";" || $0 == "," }).map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        )
        do {
            _ = try await site.client.claimsIntake(as: Actors.support(user)) { try await $0.putProvider(path: .init(code: code), body: .json(body)) }
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields { errors.add(field.field.components(separatedBy: "[").first ?? "name", field.message) }
            if errors.isEmpty { errors.add("name", detail) }
            return try await providers(request, errors: errors, entered: entered)
        }
        try await site.sessions.setFlash(request.session, "Provider \(code) has been saved")
        return .redirect("/support/providers?q=\(queryValue(code))")
    }

    // MARK: Claim windows

    func windows(_ request: PageRequest, errors: PageErrors = PageErrors(), entered: [String: String] = [:]) async throws -> PageResult {
        let user = try request.supportUser
        let list = try await site.client.windows(as: Actors.support(user))
        var values: [String: Any] = [
            "title": errors.isEmpty ? "Claim windows" : "Error: Claim windows",
            "windows": list.map { window -> [String: Any] in
                [
                    "id": window.id, "year": Presentation.academicYear(window.academicYear), "opens": Presentation.date(window.opensOn),
                    "closes": Presentation.date(window.closesOn), "state": window.state.rawValue.capitalized, "removable": window.state != .past,
                ]
            },
            "hasWindows": !list.isEmpty,
            "entered": entered.isEmpty ? ["academic_year": "\(academicYear(of: site.now()))"] : entered,
        ]
        values.merge(errors.context) { $1 }
        return .page("support-claim-windows", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func addWindow(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let form = request.form
        var entered: [String: String] = [:]
        for key in ["academic_year", "opens_on", "closes_on"] { entered[key] = form[key] ?? "" }
        var errors = PageErrors()
        guard let year = Int(entered["academic_year"]!) else {
            errors.add("academic_year", "Enter the academic year's first year, such as \(academicYear(of: site.now()))")
            return try await windows(request, errors: errors, entered: entered)
        }
        do {
            let window = ClaimsIntakeAPI.Components.Schemas.WindowInput(
                academicYear: year,
                opensOn: entered["opens_on"]!,
                closesOn: entered["closes_on"]!
            )
            _ = try await site.client.claimsIntake(as: Actors.support(user)) { try await $0.createClaimWindow(body: .json(window)).created }
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields {
                errors.add(["academic_year", "opens_on", "closes_on"].contains(field.field) ? field.field : "opens_on", field.message)
            }
            if errors.isEmpty { errors.add("opens_on", detail) }
            return try await windows(request, errors: errors, entered: entered)
        }
        try await site.sessions.setFlash(request.session, "The claim window has been added")
        return .redirect("/support/claim-windows")
    }

    func removeWindow(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        guard let text = request.parameter("id"), text.count <= 12, let id = Int(text) else { throw PageError.notFound }
        do {
            _ = try await site.client.claimsIntake(as: Actors.support(user)) { try await $0.deleteClaimWindow(path: .init(id: id)).noContent }
            try await site.sessions.setFlash(request.session, "The claim window has been removed")
        } catch ServiceCallError.conflict(_, let detail) {
            try await site.sessions.setFlash(request.session, detail, important: true)
        }
        return .redirect("/support/claim-windows")
    }

    // MARK: Funding rates

    func rates(_ request: PageRequest, errors: PageErrors = PageErrors(), entered: [String: String]? = nil) async throws -> PageResult {
        let user = try request.supportUser
        let year =
            request.query("academic_year").flatMap { Int($0) }.flatMap { (2000...2100).contains($0) ? $0 : nil }
            ?? entered?["academic_year"].flatMap { Int($0) } ?? academicYear(of: site.now())
        let current = try await found {
            try await site.client.rates(year, as: Actors.support(user))
        }
        var fields = entered ?? [:]
        if entered == nil, let current {
            let pence = [current.innerLondonPence, current.outerLondonPence, current.fringePence, current.restOfEnglandPence]
            for (region, value) in zip(Self.regions, pence) { fields[region] = value.map { Self.poundsField($0) } ?? "" }
        }
        var values: [String: Any] = [
            "title": "\(errors.isEmpty ? "" : "Error: ")Funding rates for \(Presentation.academicYear(year))",
            "yearText": Presentation.academicYear(year),
            "year": year, "previous": year - 1, "next": year + 1, "isSet": current?.innerLondonPence != nil,
            "regions": Self.regions.map {
                ["value": $0, "label": Presentation.region($0), "entered": fields[$0] ?? "", "error": errors.message(for: $0) ?? ""]
            },
        ]
        if let current, current.innerLondonPence != nil {
            values["hasMost"] = true
            values["most"] = Self.regions.compactMap { region -> [String: Any]? in
                let key = region.split(separator: "_").enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.capitalized }.joined()
                guard let most = current.mostAMentorCanEarn[key] else { return nil }
                return [
                    "label": Presentation.region(region), "initial": MoneyText.pounds(most.initialPence),
                    "refresher": MoneyText.pounds(most.refresherPence),
                ]
            }
        }
        values.merge(errors.context) { $1 }
        return .page("support-funding-rates", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// `5360` pence as `53.60` for the box.
    static func poundsField(_ pence: Int64) -> String { "\(pence / 100).\(String(format: "%02d", pence % 100))" }

    /// `53.60`, `£53.60` or `53.6` as pence; nil unless a positive amount of whole pence.
    static func pence(_ text: String) -> Int64? {
        let cleaned = text.replacingOccurrences(of: "£", with: "").replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces)
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let pounds = Int64(parts[0]), pounds >= 0, pounds < 100_000 else { return nil }
        var pence: Int64 = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isNumber), let value = Int64(parts[1]) else { return nil }
            pence = parts[1].count == 1 ? value * 10 : value
        }
        let total = pounds * 100 + pence
        return total > 0 ? total : nil
    }

    func saveRates(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let form = request.form
        var entered: [String: String] = ["academic_year": form["academic_year"] ?? ""]
        var errors = PageErrors()
        var pence: [String: Int] = [:]
        guard let year = form["academic_year"].flatMap({ Int($0) }), (2000...2100).contains(year) else {
            throw PageError.badRequest("The form is incomplete. Go back and try again.")
        }
        for region in Self.regions {
            entered[region] = form[region] ?? ""
            if let amount = Self.pence(form[region] ?? "") {
                pence[region] = Int(amount)
            } else {
                errors.add(region, "Enter the hourly rate for \(Presentation.region(region)) in pounds and pence, such as 53.60")
            }
        }
        if errors.isEmpty, let inner = pence["inner_london"], let outer = pence["outer_london"], let fringe = pence["fringe"],
            let rest = pence["rest_of_england"]
        {
            let rates = ClaimsIntakeAPI.Components.Schemas.RatesInput(
                innerLondonPence: inner,
                outerLondonPence: outer,
                fringePence: fringe,
                restOfEnglandPence: rest
            )
            do {
                _ = try await site.client.claimsIntake(as: Actors.support(user)) {
                    try await $0.putFundingRates(path: .init(academicYear: year), body: .json(rates)).ok
                }
                try await site.sessions.setFlash(request.session, "The rates for \(Presentation.academicYear(year)) have been saved")
                return .redirect("/support/funding-rates?academic_year=\(year)")
            } catch ServiceCallError.invalid(let fields, let detail) {
                for field in fields { errors.add(field.field.replacingOccurrences(of: "_pence", with: ""), field.message) }
                if errors.isEmpty { errors.add("inner_london", detail) }
            }
        }
        return try await rates(request, errors: errors, entered: entered)
    }
}
