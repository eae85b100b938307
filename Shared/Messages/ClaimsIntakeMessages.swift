import Foundation
import Messaging

/// `school.upserted`: a school was created or changed.
public struct SchoolUpserted: BusMessage, Equatable {
    public static let type = "school.upserted"
    public var school: SchoolSnapshot
    public init(school: SchoolSnapshot) { self.school = school }

    public init(from decoder: any Decoder) throws { school = try SchoolSnapshot(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try school.encode(to: encoder) }
}

/// `provider.upserted`: a provider was created or changed.
public struct ProviderUpserted: BusMessage, Equatable {
    public static let type = "provider.upserted"
    public var provider: ProviderSnapshot
    public init(provider: ProviderSnapshot) { self.provider = provider }

    public init(from decoder: any Decoder) throws { provider = try ProviderSnapshot(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try provider.encode(to: encoder) }
}

/// A claim window's fields.
public struct ClaimWindowFields: Codable, Sendable, Equatable {
    public var id: Int64
    public var academicYear: Int
    public var opensOn: String
    public var closesOn: String

    public init(id: Int64, academicYear: Int, opensOn: String, closesOn: String) {
        self.id = id
        self.academicYear = academicYear
        self.opensOn = opensOn
        self.closesOn = closesOn
    }

    enum CodingKeys: String, CodingKey {
        case id
        case academicYear = "academic_year"
        case opensOn = "opens_on"
        case closesOn = "closes_on"
    }
}

/// `claim-window.upserted`.
public struct ClaimWindowUpserted: BusMessage, Equatable {
    public static let type = "claim-window.upserted"
    public var window: ClaimWindowFields
    public init(window: ClaimWindowFields) { self.window = window }
    public init(from decoder: any Decoder) throws { window = try ClaimWindowFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try window.encode(to: encoder) }
}

/// `claim-window.removed`.
public struct ClaimWindowRemoved: BusMessage, Equatable {
    public static let type = "claim-window.removed"
    public var window: ClaimWindowFields
    public init(window: ClaimWindowFields) { self.window = window }
    public init(from decoder: any Decoder) throws { window = try ClaimWindowFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try window.encode(to: encoder) }
}

/// `school.eligibility-granted`.
public struct SchoolEligibilityGranted: BusMessage, Equatable {
    public static let type = "school.eligibility-granted"
    public var urn: Int
    public var academicYear: Int
    public init(urn: Int, academicYear: Int) {
        self.urn = urn
        self.academicYear = academicYear
    }
    enum CodingKeys: String, CodingKey {
        case urn
        case academicYear = "academic_year"
    }
}

/// `claim.submitted`: with everything its consumers need, amount and rate frozen.
public struct ClaimSubmitted: BusMessage, Equatable {
    public static let type = "claim.submitted"
    public var reference: String
    public var school: SchoolSnapshot
    public var provider: ProviderSnapshot
    public var academicYear: Int
    public var claimWindowId: Int64
    public var mentors: [ClaimMentor]
    public var totalHours: Int
    public var ratePence: Int64
    public var amountPence: Int64
    public var submittedAt: Date
    public var submittedBy: Actor

    public init(
        reference: String,
        school: SchoolSnapshot,
        provider: ProviderSnapshot,
        academicYear: Int,
        claimWindowId: Int64,
        mentors: [ClaimMentor],
        totalHours: Int,
        ratePence: Int64,
        amountPence: Int64,
        submittedAt: Date,
        submittedBy: Actor
    ) {
        self.reference = reference
        self.school = school
        self.provider = provider
        self.academicYear = academicYear
        self.claimWindowId = claimWindowId
        self.mentors = mentors
        self.totalHours = totalHours
        self.ratePence = ratePence
        self.amountPence = amountPence
        self.submittedAt = submittedAt
        self.submittedBy = submittedBy
    }

    enum CodingKeys: String, CodingKey {
        case reference, school, provider, mentors
        case academicYear = "academic_year"
        case claimWindowId = "claim_window_id"
        case totalHours = "total_hours"
        case ratePence = "rate_pence"
        case amountPence = "amount_pence"
        case submittedAt = "submitted_at"
        case submittedBy = "submitted_by"
    }
}

/// `claim.draft-created`: support drafted a claim for a school, for the school to review and
/// submit (only a user of the school can submit it).
public struct ClaimDraftCreated: BusMessage, Equatable {
    public static let type = "claim.draft-created"
    public var reference: String
    public var school: SchoolSnapshot
    public var provider: ProviderSnapshot
    public var academicYear: Int
    public var claimWindowId: Int64
    public var mentors: [ClaimMentor]
    public var createdBy: Actor
    public var bySupport: Bool

    public init(
        reference: String,
        school: SchoolSnapshot,
        provider: ProviderSnapshot,
        academicYear: Int,
        claimWindowId: Int64,
        mentors: [ClaimMentor],
        createdBy: Actor,
        bySupport: Bool
    ) {
        self.reference = reference
        self.school = school
        self.provider = provider
        self.academicYear = academicYear
        self.claimWindowId = claimWindowId
        self.mentors = mentors
        self.createdBy = createdBy
        self.bySupport = bySupport
    }

    enum CodingKeys: String, CodingKey {
        case reference, school, provider, mentors
        case academicYear = "academic_year"
        case claimWindowId = "claim_window_id"
        case createdBy = "created_by"
        case bySupport = "by_support"
    }
}

/// `claim.deleted`.
public struct ClaimDeleted: BusMessage, Equatable {
    public static let type = "claim.deleted"
    public var reference: String
    public var reason: String?
    public var by: Actor
    public init(reference: String, reason: String?, by: Actor) {
        self.reference = reference
        self.reason = reason
        self.by = by
    }
}

/// `claim.status-changed`: every applied transition.
public struct ClaimStatusChanged: BusMessage, Equatable {
    public static let type = "claim.status-changed"
    public var reference: String
    public var from: String
    public var to: String
    public var reason: String?
    public var actor: Actor
    public var causedBy: UUID?

    public init(reference: String, from: String, to: String, reason: String?, actor: Actor, causedBy: UUID?) {
        self.reference = reference
        self.from = from
        self.to = to
        self.reason = reason
        self.actor = actor
        self.causedBy = causedBy
    }

    enum CodingKeys: String, CodingKey {
        case reference, from, to, reason, actor
        case causedBy = "caused_by"
    }
}
