import Foundation

/// What a membership is of.
enum OrganisationKind: String, Sendable, Codable {
    case school, provider, support
}

/// One of a user's memberships.
struct Membership: Sendable, Equatable, Hashable {
    var kind: OrganisationKind
    /// The URN (as text) of a school, the code of a provider, `dfe` for support.
    var organisationID: String
    var organisationName: String

    /// The id support memberships share.
    static let supportID = "dfe"
    static let support = Membership(kind: .support, organisationID: supportID, organisationName: "Department for Education")
}

/// A person who may sign in.
struct User: Sendable, Equatable {
    var id: String
    var email: String
    var firstName: String
    var lastName: String
    var memberships: [Membership]

    var name: String { "\(firstName) \(lastName)" }
    var schoolURNs: [Int] { memberships.filter { $0.kind == .school }.compactMap { Int($0.organisationID) } }
    var providerCodes: [String] { memberships.filter { $0.kind == .provider }.map(\.organisationID) }
    var isSupport: Bool { memberships.contains { $0.kind == .support } }
}

/// Why a membership could not be added or removed, in words for the page.
struct MembershipRefusal: Error, Equatable {
    var field: String
    var message: String
}
