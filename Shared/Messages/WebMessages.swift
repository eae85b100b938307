import Foundation
import Messaging

/// The person a membership belongs to.
public struct MembershipUser: Codable, Sendable, Equatable {
    public var id: String
    public var email: String
    public var firstName: String
    public var lastName: String
    public init(id: String, email: String, firstName: String, lastName: String) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
    }
    enum CodingKeys: String, CodingKey {
        case id, email
        case firstName = "first_name"
        case lastName = "last_name"
    }
}

/// What a membership is of: a school (by URN), a provider (by code) or DfE support.
public struct MembershipOrganisation: Codable, Sendable, Equatable {
    /// `school`, `provider` or `support`.
    public var type: String
    /// The school's URN, for a school.
    public var urn: Int?
    /// The provider's code, for a provider.
    public var code: String?
    /// The organisation's name as people read it.
    public var name: String
    public init(type: String, urn: Int? = nil, code: String? = nil, name: String) {
        self.type = type
        self.urn = urn
        self.code = code
        self.name = name
    }
}

/// Who added or removed a membership.
public struct MembershipActor: Codable, Sendable, Equatable {
    public var id: String
    public var email: String
    public init(id: String, email: String) {
        self.id = id
        self.email = email
    }
}

/// The fields of `user.membership-added` and `user.membership-removed`.
public struct MembershipFields: Codable, Sendable, Equatable {
    public var user: MembershipUser
    public var organisation: MembershipOrganisation
    public var by: MembershipActor
    public init(user: MembershipUser, organisation: MembershipOrganisation, by: MembershipActor) {
        self.user = user
        self.organisation = organisation
        self.by = by
    }
}

/// `user.membership-added`: a person may now act for a school, a provider or DfE support.
public struct UserMembershipAdded: BusMessage, Equatable {
    public static let type = "user.membership-added"
    public var fields: MembershipFields
    public init(fields: MembershipFields) { self.fields = fields }
    public init(from decoder: any Decoder) throws { fields = try MembershipFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
}

/// `user.membership-removed`: a person may no longer act for that organisation.
public struct UserMembershipRemoved: BusMessage, Equatable {
    public static let type = "user.membership-removed"
    public var fields: MembershipFields
    public init(fields: MembershipFields) { self.fields = fields }
    public init(from decoder: any Decoder) throws { fields = try MembershipFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
}
