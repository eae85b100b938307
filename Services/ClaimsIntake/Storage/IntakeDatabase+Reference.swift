import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport

extension IntakeDatabase {
    // MARK: Schools

    /// Adds or changes a school and publishes it; true when it is new.
    func upsertSchool(_ school: SchoolRecord) async throws -> Bool {
        let now = now()
        return try await writer.write { db in
            let created = try ReferenceStore.upsert(db, school: school, now: now)
            try outbox.append(SchoolUpserted(school: school.snapshot), in: db)
            return created
        }
    }

    /// The school with the rate, eligibility and grant conditions of the current year.
    func schoolView(_ urn: Int) async throws -> SchoolView {
        let now = now()
        return try await writer.read { db in
            guard let school = try ReferenceStore.school(db, urn: urn) else { throw IntakeError.noSuchSchool }
            let current = try ReferenceStore.windows(db).first { $0.state(at: now, london) == .current }
            let year = current?.academicYear ?? AcademicYear(containing: london.date(of: now))
            let conditions = try ReferenceStore.grantConditions(db, urn: urn)
            return SchoolView(
                urn: school.urn,
                name: school.name,
                postcode: school.postcode,
                localAuthority: school.localAuthority,
                typeOfEstablishment: school.typeOfEstablishment,
                group: school.group,
                region: school.region.rawValue,
                trust: school.trust,
                contactEmails: school.contactEmails,
                academicYear: year.startYear,
                hourlyRatePence: try ReferenceStore.rates(db, year: year.startYear)[school.region]?.value,
                eligible: try ReferenceStore.isEligible(db, urn: urn, year: year.startYear),
                grantConditionsAccepted: conditions != nil,
                grantConditionsAcceptedAt: conditions?.acceptedAt
            )
        }
    }

    /// Support makes a school eligible for a year; published once.
    func grantEligibility(urn: Int, year: AcademicYear, by email: String) async throws {
        let now = now()
        try await writer.write { db in
            guard try ReferenceStore.school(db, urn: urn) != nil else { throw IntakeError.noSuchSchool }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO school_eligibility (urn, academic_year, granted_at, granted_by) VALUES (?, ?, ?, ?)")
                .execute(arguments: [urn, year.startYear, Milliseconds(now), email])
            if db.changesCount > 0 { try outbox.append(SchoolEligibilityGranted(urn: urn, academicYear: year.startYear), in: db) }
        }
    }

    /// A school user accepts the grant conditions; the first acceptance is kept.
    func acceptGrantConditions(urn: Int, by user: AuthenticatedUser) async throws -> (acceptedAt: Date, by: String) {
        let now = now()
        return try await writer.write { db in
            guard try ReferenceStore.school(db, urn: urn) != nil else { throw IntakeError.noSuchSchool }
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO grant_conditions (urn, accepted_at, accepted_by_id, accepted_by_email) VALUES (?, ?, ?, ?)"
            )
            .execute(arguments: [urn, Milliseconds(now), user.id, user.email])
            return try ReferenceStore.grantConditions(db, urn: urn) ?? (now, user.email)
        }
    }

    /// Support finding a school by URN, name, postcode or local authority, a page at a time by name.
    func searchSchools(_ query: String, _ pagination: Pagination) async throws -> Page<SchoolSearchItem> {
        try await writer.read { db in
            let pattern = "%\(query)%"
            let filter = "(? = '' OR name LIKE ? OR CAST(urn AS TEXT) = ? OR postcode LIKE ? OR local_authority LIKE ?)"
            let arguments: StatementArguments = [query, pattern, query, pattern, pattern]
            let total = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM schools WHERE \(filter)"), arguments: arguments) ?? 0
            let items = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM schools WHERE \(filter) ORDER BY name, urn LIMIT ? OFFSET ?"),
                arguments: arguments + [pagination.perPage, pagination.offset]
            ).map(SchoolRecord.init(row:)).map {
                SchoolSearchItem(
                    urn: $0.urn,
                    name: $0.name,
                    postcode: $0.postcode,
                    localAuthority: $0.localAuthority,
                    region: $0.region.rawValue,
                    trust: $0.trust
                )
            }
            return Page(items: items, page: pagination.page, perPage: pagination.perPage, total: total)
        }
    }

    // MARK: Providers and rates

    /// Adds or changes a provider and publishes it; true when it is new.
    func upsertProvider(_ provider: ProviderRecord) async throws -> Bool {
        let now = now()
        return try await writer.write { db in
            let created = try ReferenceStore.upsert(db, provider: provider, now: now)
            try outbox.append(ProviderUpserted(provider: provider.snapshot), in: db)
            return created
        }
    }

    func providers(matching query: String?, includeUnaccredited: Bool) async throws -> [ProviderRecord] {
        try await writer.read { db in try ReferenceStore.searchProviders(db, query: query, includeUnaccredited: includeUnaccredited) }
    }

    func setRates(year: AcademicYear, _ rates: [Region: Pence], by email: String) async throws {
        let now = now()
        try await writer.write { db in try ReferenceStore.setRates(db, year: year.startYear, rates: rates, by: email, now: now) }
    }

    func rates(year: AcademicYear) async throws -> [Region: Pence] {
        try await writer.read { db in try ReferenceStore.rates(db, year: year.startYear) }
    }

    // MARK: Claim windows

    func windows() async throws -> [ClaimWindow] { try await writer.read { db in try ReferenceStore.windows(db) } }

    /// Adds a claim window that follows every rule of `ClaimWindowRules`, and publishes it.
    func createWindow(year: AcademicYear, opensOn: LocalDate, closesOn: LocalDate, by email: String) async throws -> ClaimWindow {
        let now = now()
        let today = london.date(of: now)
        return try await writer.write { db in
            let problems = ClaimWindowRules.problems(
                academicYear: year,
                opensOn: opensOn,
                closesOn: closesOn,
                existing: try ReferenceStore.windows(db),
                hasRates: try ReferenceStore.rates(db, year: year.startYear).count == Region.allCases.count,
                today: today
            )
            guard problems.isEmpty else { throw IntakeError.invalid(problems.map { FieldError(field: $0.field, message: $0.message) }) }
            try db.cachedStatement(
                sql: "INSERT INTO claim_windows (academic_year, opens_on, closes_on, created_by, created_at) VALUES (?, ?, ?, ?, ?)"
            )
            .execute(arguments: [year.startYear, opensOn.description, closesOn.description, email, Milliseconds(now)])
            let window = ClaimWindow(id: db.lastInsertedRowID, academicYear: year, opensOn: opensOn, closesOn: closesOn)
            try outbox.append(ClaimWindowUpserted(window: window.fields), in: db)
            return window
        }
    }

    /// Removes a claim window no claim belongs to and that has not opened.
    func deleteWindow(_ id: Int64) async throws {
        let now = now()
        try await writer.write { db in
            guard let window = try ReferenceStore.window(db, id: id) else { throw IntakeError.notFound("There is no such claim window.") }
            let claims = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM claims WHERE claim_window_id = ?"), arguments: [id]) ?? 0
            if let problem = ClaimWindowRules.removalProblem(window, claimCount: claims, now: now, london) {
                throw IntakeError.conflict(problem.message + ".")
            }
            try db.cachedStatement(sql: "DELETE FROM claim_windows WHERE id = ?").execute(arguments: [id])
            try outbox.append(ClaimWindowRemoved(window: window.fields), in: db)
        }
    }
}

extension ClaimWindow {
    /// The window as messages carry it.
    var fields: ClaimWindowFields {
        ClaimWindowFields(id: id, academicYear: academicYear.startYear, opensOn: opensOn.description, closesOn: closesOn.description)
    }
}

/// A school as support's search lists it.
struct SchoolSearchItem: Encodable, Sendable {
    var urn: Int
    var name: String
    var postcode: String
    var localAuthority: String
    var region: String
    var trust: TrustSnapshot?
}

/// A school with what the current year holds for it.
struct SchoolView: Encodable, Sendable {
    var urn: Int
    var name: String
    var postcode: String
    var localAuthority: String
    var typeOfEstablishment: String
    var group: String
    var region: String
    var trust: TrustSnapshot?
    var contactEmails: [String]
    var academicYear: Int?
    var hourlyRatePence: Int64?
    var eligible: Bool
    var grantConditionsAccepted: Bool
    var grantConditionsAcceptedAt: Date?
}
