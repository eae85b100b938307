import Foundation
import Messaging

/// A download link for one recipient.
public struct RecipientLink: Codable, Sendable, Equatable {
    public var email: String
    public var url: String
    public init(email: String, url: String) {
        self.email = email
        self.url = url
    }
}

/// `payment.requested`: the claim is in a payment run.
public struct PaymentRequested: BusMessage, Equatable {
    public static let type = "payment.requested"
    public var reference: String
    public var runId: Int64
    public init(reference: String, runId: Int64) {
        self.reference = reference
        self.runId = runId
    }
    enum CodingKeys: String, CodingKey {
        case reference
        case runId = "run_id"
    }
}

/// `payment.paid`: the payer paid the claim.
public struct PaymentPaid: BusMessage, Equatable {
    public static let type = "payment.paid"
    public var reference: String
    public var runId: Int64?
    public var amountPence: Int64
    public var by: Actor?
    public init(reference: String, runId: Int64?, amountPence: Int64, by: Actor?) {
        self.reference = reference
        self.runId = runId
        self.amountPence = amountPence
        self.by = by
    }
    enum CodingKeys: String, CodingKey {
        case reference, by
        case runId = "run_id"
        case amountPence = "amount_pence"
    }
}

/// `payment.information-requested`: the payer needs more information.
public struct PaymentInformationRequested: BusMessage, Equatable {
    public static let type = "payment.information-requested"
    public var reference: String
    public var reason: String
    public init(reference: String, reason: String) {
        self.reference = reference
        self.reason = reason
    }
}

/// `payment.information-sent`: support sent the payer what it asked for.
public struct PaymentInformationSent: BusMessage, Equatable {
    public static let type = "payment.information-sent"
    public var reference: String
    public var by: Actor
    public init(reference: String, by: Actor) {
        self.reference = reference
        self.by = by
    }
}

/// `payment.rejected`: support rejected the claim after the information loop (final).
public struct PaymentRejected: BusMessage, Equatable {
    public static let type = "payment.rejected"
    public var reference: String
    public var reason: String
    public var by: Actor
    public init(reference: String, reason: String, by: Actor) {
        self.reference = reference
        self.reason = reason
        self.by = by
    }
}

/// `payment.run-created` and `clawback.run-created` share this shape.
public struct RunCreatedFields: Codable, Sendable, Equatable {
    public var runId: Int64
    public var claimCount: Int
    public var totalPence: Int64
    public var links: [RecipientLink]
    public init(runId: Int64, claimCount: Int, totalPence: Int64, links: [RecipientLink]) {
        self.runId = runId
        self.claimCount = claimCount
        self.totalPence = totalPence
        self.links = links
    }
    enum CodingKeys: String, CodingKey {
        case links
        case runId = "run_id"
        case claimCount = "claim_count"
        case totalPence = "total_pence"
    }
}

/// `payment.run-created`: the payer is to be emailed its link.
public struct PaymentRunCreated: BusMessage, Equatable {
    public static let type = "payment.run-created"
    public var run: RunCreatedFields
    public init(run: RunCreatedFields) { self.run = run }
    public init(from decoder: any Decoder) throws { run = try RunCreatedFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try run.encode(to: encoder) }
}

/// `clawback.run-created`: the payer is to be emailed its link.
public struct ClawbackRunCreated: BusMessage, Equatable {
    public static let type = "clawback.run-created"
    public var run: RunCreatedFields
    public init(run: RunCreatedFields) { self.run = run }
    public init(from decoder: any Decoder) throws { run = try RunCreatedFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try run.encode(to: encoder) }
}

/// `clawback.sent` and `clawback.completed` share this shape.
public struct ClawbackRunFields: Codable, Sendable, Equatable {
    public var reference: String
    public var runId: Int64
    public var clawbackAmountPence: Int64
    public init(reference: String, runId: Int64, clawbackAmountPence: Int64) {
        self.reference = reference
        self.runId = runId
        self.clawbackAmountPence = clawbackAmountPence
    }
    enum CodingKeys: String, CodingKey {
        case reference
        case runId = "run_id"
        case clawbackAmountPence = "clawback_amount_pence"
    }
}

/// `clawback.sent`: the claim is in a clawback run.
public struct ClawbackSent: BusMessage, Equatable {
    public static let type = "clawback.sent"
    public var fields: ClawbackRunFields
    public init(fields: ClawbackRunFields) { self.fields = fields }
    public init(from decoder: any Decoder) throws { fields = try ClawbackRunFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
}

/// `clawback.completed`: the payer recovered the money.
public struct ClawbackCompleted: BusMessage, Equatable {
    public static let type = "clawback.completed"
    public var fields: ClawbackRunFields
    public init(fields: ClawbackRunFields) { self.fields = fields }
    public init(from decoder: any Decoder) throws { fields = try ClawbackRunFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
}
