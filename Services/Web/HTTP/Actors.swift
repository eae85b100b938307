import Foundation
import HTTPTypes
import Hummingbird
import ServiceSupport

/// The identities web signs tokens for.
enum Actors {
    /// For public reference data on the start page (rates, the window): no school, no rights.
    static let visitor = AuthenticatedUser(id: "web-visitor", email: "", name: "Visitor", role: .school, urns: [])

    /// A school or MAT user, with every school they belong to.
    static func school(_ user: User) -> AuthenticatedUser {
        AuthenticatedUser(id: user.id, email: user.email, name: user.name, role: .school, urns: Set(user.schoolURNs))
    }

    /// A provider user.
    static func provider(_ user: User) -> AuthenticatedUser {
        AuthenticatedUser(id: user.id, email: user.email, name: user.name, role: .provider, providerCodes: Set(user.providerCodes))
    }

    /// A DfE support user.
    static func support(_ user: User) -> AuthenticatedUser {
        AuthenticatedUser(id: user.id, email: user.email, name: user.name, role: .support)
    }
}

/// This year's rates per region, for the start page and the funding page.
enum RateRows {
    static func make(_ rates: RatesAPI) -> [[String: Any]] {
        let rows: [(String, Int64?)] = [
            ("inner_london", rates.innerLondonPence), ("outer_london", rates.outerLondonPence), ("fringe", rates.fringePence),
            ("rest_of_england", rates.restOfEnglandPence),
        ]
        return rows.compactMap { code, pence in
            guard let pence else { return nil }
            let most = rates.mostAMentorCanEarn[code] ?? rates.mostAMentorCanEarn[camel(code)]
            return [
                "region": Presentation.region(code), "rate": MoneyText.pounds(pence),
                "initial": most.map { MoneyText.pounds($0.initialPence) } ?? "", "refresher": most.map { MoneyText.pounds($0.refresherPence) } ?? "",
            ]
        }
    }

    static func camel(_ snake: String) -> String {
        let parts = snake.split(separator: "_")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.capitalized }.joined()
    }
}

/// `paymentInProgress` back to `payment_in_progress` (dictionary keys pass through the key strategy).
func snakeCase(_ camel: String) -> String {
    var out = ""
    for character in camel {
        if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
    }
    return out
}
