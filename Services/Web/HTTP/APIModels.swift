import Foundation
import ServiceSupport

// The services' JSON as web reads it (snake_case keys, decoded with `convertFromSnakeCase`).

struct SchoolAPI: Decodable, Sendable {
    struct Trust: Decodable, Sendable {
        var uid: String
        var name: String
    }
    var urn: Int
    var name: String
    var postcode: String
    var localAuthority: String
    var region: String
    var trust: Trust?
    var contactEmails: [String]
    var academicYear: Int?
    var hourlyRatePence: Int64?
    var eligible: Bool
    var grantConditionsAccepted: Bool
    var grantConditionsAcceptedAt: String?
}

struct ProviderAPI: Decodable, Sendable {
    var code: String
    var name: String
    var ukprn: String
    var accredited: Bool
}

struct ItemsAPI<Item: Decodable & Sendable>: Decodable, Sendable {
    var items: [Item]
    var total: Int?
    var page: Int?
    var perPage: Int?
}

struct MentorAPI: Decodable, Sendable {
    var trn: String
    var firstName: String
    var lastName: String
    var name: String { "\(firstName) \(lastName)" }
}

struct AllowanceAPI: Decodable, Sendable {
    var academicYear: Int
    var trainingType: String
    var totalHours: Int
    var usedHours: Int
    var remainingHours: Int
}

struct WindowAPI: Decodable, Sendable {
    var id: Int64
    var academicYear: Int
    var opensOn: String
    var closesOn: String
    var closesAt: String
    var state: ClaimWindowState
    var daysLeft: Int?
}

struct RatesAPI: Decodable, Sendable {
    struct Most: Decodable, Sendable {
        var initialPence: Int64
        var refresherPence: Int64
    }
    var academicYear: Int
    var innerLondonPence: Int64?
    var outerLondonPence: Int64?
    var fringePence: Int64?
    var restOfEnglandPence: Int64?
    var initialHours: Int
    var refresherHours: Int
    /// Keyed by region; the key strategy turns `inner_london` into `innerLondon`.
    var mostAMentorCanEarn: [String: Most]
}

struct ClaimAPI: Decodable, Sendable {
    struct School: Decodable, Sendable {
        var urn: Int
        var name: String
        var region: String
    }
    struct Provider: Decodable, Sendable {
        var code: String
        var name: String
    }
    struct Mentor: Decodable, Sendable {
        var trn: String
        var firstName: String
        var lastName: String
        var hours: Int
        var hoursClawedBack: Int
    }
    var reference: String
    var status: String
    var school: School
    var provider: Provider
    var academicYear: Int
    var claimWindowId: Int64
    var mentors: [Mentor]
    var totalHours: Int
    var ratePence: Int64?
    var amountPence: Int64?
    var clawbackAmountPence: Int64
    var createdAt: String
    var createdBy: String
    var submittedAt: String?
    var submittedBy: String?
    var statusReason: String?
    var nextStep: String
    var version: Int
}

/// An item of `GET /api/v1/claims`.
struct ClaimListItemAPI: Decodable, Sendable {
    struct School: Decodable, Sendable {
        var urn: Int
        var name: String
    }
    struct Provider: Decodable, Sendable {
        var code: String
        var name: String
    }
    var reference: String
    var status: String
    var school: School
    var provider: Provider
    var academicYear: Int
    var totalHours: Int
    var amountPence: Int64?
    var submittedAt: String?
    var flags: [String]
    var nextStep: String
}

struct ActivityAPI: Decodable, Sendable {
    struct Actor: Decodable, Sendable {
        var id: String?
        var email: String?
        var service: String?
    }
    var at: String
    var action: String
    var from: String?
    var to: String?
    var actor: Actor
    var reason: String?
}

struct YearSummaryAPI: Decodable, Sendable {
    var academicYear: Int
    var claimsByStatus: [String: Int]
    var claimedPence: Int64
    var paidPence: Int64
    var clawedBackPence: Int64
}

struct SchoolSummaryAPI: Decodable, Sendable {
    var urn: Int
    var years: [YearSummaryAPI]
}

/// The academic year (starting September) that `date` falls in, London time.
func academicYear(of date: Date) -> Int {
    let parts = LondonDates.calendar.dateComponents([.year, .month], from: date)
    return parts.month! >= 9 ? parts.year! : parts.year! - 1
}

extension Decodable {
    /// A generated client's answer read as web's model of it: the answer was decoded and checked
    /// against the service's document by the client, and is read here by the same names.
    init(reading answer: some Encodable) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { self = try decoder.decode(Self.self, from: try answerJSON(answer)) } catch {
            throw ServiceCallError.failed(status: 200, detail: "an answer web cannot read: \(error)")
        }
    }
}
