import Foundation
import Messaging

/// `claim.flagged`: pre-payment checks found something support should see.
public struct ClaimFlagged: BusMessage, Equatable {
    public static let type = "claim.flagged"
    public var reference: String
    public var reasons: [String]
    public init(reference: String, reasons: [String]) {
        self.reference = reference
        self.reasons = reasons
    }
}

/// `sample.claim-selected`: the paid claim is sampled for audit.
public struct SampleClaimSelected: BusMessage, Equatable {
    public static let type = "sample.claim-selected"
    public var reference: String
    public var sampleId: Int64
    public var sampleReason: String
    public init(reference: String, sampleId: Int64, sampleReason: String) {
        self.reference = reference
        self.sampleId = sampleId
        self.sampleReason = sampleReason
    }
    enum CodingKeys: String, CodingKey {
        case reference
        case sampleId = "sample_id"
        case sampleReason = "sample_reason"
    }
}

/// `sample.provider-requested`: a provider is asked to assure its sampled claims.
public struct SampleProviderRequested: BusMessage, Equatable {
    public static let type = "sample.provider-requested"
    public var sampleId: Int64
    public var requestId: Int64
    public var provider: ProviderSnapshot
    public var recipients: [RecipientLink]
    public var dueOn: String
    public var claimCount: Int
    /// 0 for the request itself; 1, 2… for each weekly reminder while it is still open (additive).
    public var reminder: Int?
    public init(
        sampleId: Int64,
        requestId: Int64,
        provider: ProviderSnapshot,
        recipients: [RecipientLink],
        dueOn: String,
        claimCount: Int,
        reminder: Int? = nil
    ) {
        self.sampleId = sampleId
        self.requestId = requestId
        self.provider = provider
        self.recipients = recipients
        self.dueOn = dueOn
        self.claimCount = claimCount
        self.reminder = reminder
    }
    enum CodingKeys: String, CodingKey {
        case provider, recipients, reminder
        case sampleId = "sample_id"
        case requestId = "request_id"
        case dueOn = "due_on"
        case claimCount = "claim_count"
    }
}

/// `sample.provider-accepted`: the provider accepted every mentor.
public struct SampleProviderAccepted: BusMessage, Equatable {
    public static let type = "sample.provider-accepted"
    public var reference: String
    public init(reference: String) { self.reference = reference }
}

/// A mentor the provider did not accept.
public struct RejectedMentor: Codable, Sendable, Equatable {
    public var trn: String
    public var name: String?
    public var reason: String
    public init(trn: String, name: String?, reason: String) {
        self.trn = trn
        self.name = name
        self.reason = reason
    }
}

/// `sample.provider-not-approved`: the provider did not accept at least one mentor.
public struct SampleProviderNotApproved: BusMessage, Equatable {
    public static let type = "sample.provider-not-approved"
    public var reference: String
    public var mentors: [RejectedMentor]
    public init(reference: String, mentors: [RejectedMentor]) {
        self.reference = reference
        self.mentors = mentors
    }
}

/// `sample.approved`: support approved the sampled claim.
public struct SampleApproved: BusMessage, Equatable {
    public static let type = "sample.approved"
    public var reference: String
    public var by: Actor
    public init(reference: String, by: Actor) {
        self.reference = reference
        self.by = by
    }
}

/// `sample.school-rejected`: support recorded the school's response.
public struct SampleSchoolRejected: BusMessage, Equatable {
    public static let type = "sample.school-rejected"
    public var reference: String
    public var mentors: [RejectedMentor]
    public var by: Actor
    public init(reference: String, mentors: [RejectedMentor], by: Actor) {
        self.reference = reference
        self.mentors = mentors
        self.by = by
    }
}

/// One mentor's clawback.
public struct ClawbackMentor: Codable, Sendable, Equatable {
    public var trn: String
    public var hoursClawedBack: Int
    public var notes: String?
    public init(trn: String, hoursClawedBack: Int, notes: String?) {
        self.trn = trn
        self.hoursClawedBack = hoursClawedBack
        self.notes = notes
    }
    enum CodingKeys: String, CodingKey {
        case trn, notes
        case hoursClawedBack = "hours_clawed_back"
    }
}

/// `clawback.requested`: awaiting a second support user's approval.
public struct ClawbackRequested: BusMessage, Equatable {
    public static let type = "clawback.requested"
    public var reference: String
    public var mentors: [ClawbackMentor]
    public var clawbackAmountPence: Int64
    public var by: Actor
    public init(reference: String, mentors: [ClawbackMentor], clawbackAmountPence: Int64, by: Actor) {
        self.reference = reference
        self.mentors = mentors
        self.clawbackAmountPence = clawbackAmountPence
        self.by = by
    }
    enum CodingKeys: String, CodingKey {
        case reference, mentors, by
        case clawbackAmountPence = "clawback_amount_pence"
    }
}

/// `clawback.not-required`: nothing to claw back; the claim is paid.
public struct ClawbackNotRequired: BusMessage, Equatable {
    public static let type = "clawback.not-required"
    public var reference: String
    public var by: Actor
    public init(reference: String, by: Actor) {
        self.reference = reference
        self.by = by
    }
}

/// `clawback.approved`: the second support user approved every line.
public struct ClawbackApproved: BusMessage, Equatable {
    public static let type = "clawback.approved"
    public var reference: String
    public var clawbackAmountPence: Int64
    public var mentors: [ClawbackMentor]
    public var by: Actor
    public init(reference: String, clawbackAmountPence: Int64, mentors: [ClawbackMentor], by: Actor) {
        self.reference = reference
        self.clawbackAmountPence = clawbackAmountPence
        self.mentors = mentors
        self.by = by
    }
    enum CodingKeys: String, CodingKey {
        case reference, mentors, by
        case clawbackAmountPence = "clawback_amount_pence"
    }
}

/// `clawback.rejected`: the second support user rejected a line.
public struct ClawbackRejected: BusMessage, Equatable {
    public static let type = "clawback.rejected"
    public var reference: String
    public var reason: String
    public var by: Actor
    public init(reference: String, reason: String, by: Actor) {
        self.reference = reference
        self.reason = reason
        self.by = by
    }
}
