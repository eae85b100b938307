import Foundation
import GRDB
import ServiceSupport

/// A claim in JSON, as `../spec/api.md` fixes it.
struct ClaimView: Codable, Sendable {
    struct School: Codable, Sendable {
        var urn: Int
        var name: String
        var region: String
    }
    struct Provider: Codable, Sendable {
        var code: String
        var name: String
    }
    struct Mentor: Codable, Sendable {
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
    var createdAt: Date
    var createdBy: String
    var submittedAt: Date?
    var submittedBy: String?
    var flags: [String]
    var statusReason: String?
    var nextStep: String
    var version: Int

    /// Loads the claim's view; a draft is priced at today's rate, a submitted claim at its frozen one.
    static func load(_ db: Database, reference: String, now: Date, london: LondonTime, support: String) throws -> ClaimView {
        guard let claim = try ClaimStore.claim(db, reference: reference) else { throw IntakeError.noSuchClaim }
        let school = try ReferenceStore.school(db, urn: claim.schoolURN)
        let provider = try ReferenceStore.provider(db, code: claim.providerCode)
        var rate = claim.ratePence
        var amount = claim.amountPence
        if claim.status == .draft, let region = school?.region, let current = try ReferenceStore.rates(db, year: claim.academicYear)[region] {
            rate = current.value
            amount = (current * claim.totalHours).value
        }
        let context = try nextStepContext(
            db,
            reference: reference,
            status: claim.status,
            academicYear: claim.academicYear,
            windows: try ReferenceStore.windows(db),
            now: now,
            london: london,
            support: support
        )
        return ClaimView(
            reference: claim.reference,
            status: claim.status.rawValue,
            school: School(urn: claim.schoolURN, name: claim.schoolName, region: school?.region.rawValue ?? ""),
            provider: Provider(code: claim.providerCode, name: provider?.name ?? ""),
            academicYear: claim.academicYear,
            claimWindowId: claim.claimWindowID,
            mentors: claim.mentors.map {
                Mentor(trn: $0.trn, firstName: $0.firstName, lastName: $0.lastName, hours: $0.hours, hoursClawedBack: $0.hoursClawedBack)
            },
            totalHours: claim.totalHours,
            ratePence: rate,
            amountPence: amount,
            clawbackAmountPence: claim.clawbackAmountPence,
            createdAt: claim.createdAt,
            createdBy: claim.createdByEmail,
            submittedAt: claim.submittedAt,
            submittedBy: claim.submittedByEmail,
            flags: claim.flags,
            statusReason: claim.statusReason,
            nextStep: ClaimLifecycle.nextStep(for: claim.status, context),
            version: claim.version
        )
    }
}

extension ClaimView {
    /// What a claim's next step depends on: the windows of its year (a draft can be submitted in
    /// the open one, or waits for the next; never a past date) and the day it entered its status.
    static func nextStepContext(
        _ db: Database,
        reference: String,
        status: ClaimStatus,
        academicYear: Int,
        windows: [ClaimWindow],
        now: Date,
        london: LondonTime,
        support: String
    ) throws -> ClaimLifecycle.NextStepContext {
        let yearWindows = windows.filter { $0.academicYear.startYear == academicYear }
        let since = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT MAX(at) FROM claim_activity WHERE reference = ? AND to_status = ?"),
            arguments: [reference, status.rawValue]
        )
        return ClaimLifecycle.NextStepContext(
            openWindowClosesOn: yearWindows.first { $0.state(at: now, london) == .current }?.closesOn.description,
            nextWindowOpensOn: yearWindows.first { $0.state(at: now, london) == .upcoming }?.opensOn.description,
            statusSince: since.map { london.date(of: Date(timeIntervalSince1970: Double($0) / 1000)).description },
            support: support
        )
    }
}
