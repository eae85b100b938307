import Foundation
import Messaging

/// Who did something: a user (id, email, name) or a service.
public struct Actor: Codable, Sendable, Equatable {
    /// The user's id, when a user.
    public var id: String?
    /// The user's email, when a user.
    public var email: String?
    /// The user's name, when known.
    public var name: String?
    /// The service, when a service acted on its own.
    public var service: String?

    /// A user.
    public static func user(id: String, email: String, name: String? = nil) -> Actor {
        Actor(id: id, email: email, name: name, service: nil)
    }

    /// A service.
    public static func service(_ name: String) -> Actor {
        Actor(id: nil, email: nil, name: nil, service: name)
    }

    /// Creates an actor.
    public init(id: String?, email: String?, name: String?, service: String?) {
        self.id = id
        self.email = email
        self.name = name
        self.service = service
    }
}

/// A trust (multi-academy trust) a school belongs to.
public struct TrustSnapshot: Codable, Sendable, Equatable {
    /// The trust's uid.
    public var uid: String
    /// The trust's name.
    public var name: String

    /// Creates one.
    public init(uid: String, name: String) {
        self.uid = uid
        self.name = name
    }
}

/// A school as its consumers need it.
public struct SchoolSnapshot: Codable, Sendable, Equatable {
    public var urn: Int
    public var name: String
    public var postcode: String
    public var localAuthority: String
    public var typeOfEstablishment: String
    public var group: String
    public var region: String
    public var trust: TrustSnapshot?
    public var contactEmails: [String]

    /// Creates one.
    public init(
        urn: Int,
        name: String,
        postcode: String,
        localAuthority: String,
        typeOfEstablishment: String,
        group: String,
        region: String,
        trust: TrustSnapshot?,
        contactEmails: [String]
    ) {
        self.urn = urn
        self.name = name
        self.postcode = postcode
        self.localAuthority = localAuthority
        self.typeOfEstablishment = typeOfEstablishment
        self.group = group
        self.region = region
        self.trust = trust
        self.contactEmails = contactEmails
    }

    enum CodingKeys: String, CodingKey {
        case urn, name, postcode, group, region, trust
        case localAuthority = "local_authority"
        case typeOfEstablishment = "type_of_establishment"
        case contactEmails = "contact_emails"
    }
}

/// A provider as its consumers need it.
public struct ProviderSnapshot: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var ukprn: String
    public var accredited: Bool
    public var emailAddresses: [String]

    /// Creates one.
    public init(code: String, name: String, ukprn: String, accredited: Bool, emailAddresses: [String]) {
        self.code = code
        self.name = name
        self.ukprn = ukprn
        self.accredited = accredited
        self.emailAddresses = emailAddresses
    }

    enum CodingKeys: String, CodingKey {
        case code, name, ukprn, accredited
        case emailAddresses = "email_addresses"
    }
}

/// One mentor on a claim.
public struct ClaimMentor: Codable, Sendable, Equatable {
    public var trn: String
    public var firstName: String
    public var lastName: String
    public var hours: Int

    /// Creates one.
    public init(trn: String, firstName: String, lastName: String, hours: Int) {
        self.trn = trn
        self.firstName = firstName
        self.lastName = lastName
        self.hours = hours
    }

    enum CodingKeys: String, CodingKey {
        case trn, hours
        case firstName = "first_name"
        case lastName = "last_name"
    }
}
