import Foundation
import GRDB
import Messages
import Messaging

/// A school as stored.
struct SchoolRecord: Sendable, Equatable {
    var urn: Int
    var name: String
    var postcode: String
    var localAuthority: String
    var typeOfEstablishment: String
    var group: String
    var region: Region
    var trust: TrustSnapshot?
    var contactEmails: [String]

    var snapshot: SchoolSnapshot {
        SchoolSnapshot(
            urn: urn,
            name: name,
            postcode: postcode,
            localAuthority: localAuthority,
            typeOfEstablishment: typeOfEstablishment,
            group: group,
            region: region.rawValue,
            trust: trust,
            contactEmails: contactEmails
        )
    }

    init(
        urn: Int,
        name: String,
        postcode: String,
        localAuthority: String,
        typeOfEstablishment: String,
        group: String,
        region: Region,
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

    init(row: Row) {
        urn = row["urn"]
        name = row["name"]
        postcode = row["postcode"]
        localAuthority = row["local_authority"]
        typeOfEstablishment = row["type_of_establishment"]
        group = row["group_name"]
        region = Region(rawValue: row["region"]) ?? .restOfEngland
        let uid: String? = row["trust_uid"]
        let trustName: String? = row["trust_name"]
        trust = uid.map { TrustSnapshot(uid: $0, name: trustName ?? "") }
        contactEmails = (row["contact_emails"] as String).split(separator: ";").map(String.init)
    }
}

/// A provider as stored.
struct ProviderRecord: Sendable, Equatable {
    var code: String
    var name: String
    var ukprn: String
    var accredited: Bool
    var emailAddresses: [String]

    var snapshot: ProviderSnapshot {
        ProviderSnapshot(code: code, name: name, ukprn: ukprn, accredited: accredited, emailAddresses: emailAddresses)
    }

    init(code: String, name: String, ukprn: String, accredited: Bool, emailAddresses: [String]) {
        self.code = code
        self.name = name
        self.ukprn = ukprn
        self.accredited = accredited
        self.emailAddresses = emailAddresses
    }

    init(row: Row) {
        code = row["code"]
        name = row["name"]
        ukprn = row["ukprn"]
        accredited = row["accredited"]
        emailAddresses = (row["email_addresses"] as String).split(separator: ";").map(String.init)
    }
}

/// Organisations, rates and windows in the service's database. Each method runs inside the
/// caller's transaction, so a change and the message describing it commit together.
enum ReferenceStore {
    static func school(_ db: Database, urn: Int) throws -> SchoolRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM schools WHERE urn = ?"), arguments: [urn]).map(SchoolRecord.init(row:))
    }

    /// Inserts or updates; returns whether it was created.
    @discardableResult
    static func upsert(_ db: Database, school: SchoolRecord, now: Date) throws -> Bool {
        let existed = try Self.school(db, urn: school.urn) != nil
        try db.cachedStatement(
            sql: """
                INSERT INTO schools (urn, name, postcode, local_authority, type_of_establishment, group_name, region, trust_uid,
                                     trust_name, contact_emails, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (urn) DO UPDATE SET name = excluded.name, postcode = excluded.postcode,
                    local_authority = excluded.local_authority, type_of_establishment = excluded.type_of_establishment,
                    group_name = excluded.group_name, region = excluded.region, trust_uid = excluded.trust_uid,
                    trust_name = excluded.trust_name, contact_emails = excluded.contact_emails, updated_at = excluded.updated_at
                """
        ).execute(
            arguments: [
                school.urn, school.name, school.postcode, school.localAuthority, school.typeOfEstablishment, school.group,
                school.region.rawValue, school.trust?.uid, school.trust?.name, school.contactEmails.joined(separator: ";"),
                Int64(now.timeIntervalSince1970 * 1000),
            ]
        )
        // A renamed school is found by its new name in searches of its claims.
        try db.cachedStatement(sql: "UPDATE claims SET school_name = ? WHERE school_urn = ?").execute(arguments: [school.name, school.urn])
        return !existed
    }

    static func provider(_ db: Database, code: String) throws -> ProviderRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM providers WHERE code = ?", arguments: [code]).map(ProviderRecord.init(row:))
    }

    @discardableResult
    static func upsert(_ db: Database, provider: ProviderRecord, now: Date) throws -> Bool {
        let existed = try self.provider(db, code: provider.code) != nil
        try db.execute(
            sql: """
                INSERT INTO providers (code, name, ukprn, accredited, email_addresses, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (code) DO UPDATE SET name = excluded.name, ukprn = excluded.ukprn, accredited = excluded.accredited,
                    email_addresses = excluded.email_addresses, updated_at = excluded.updated_at
                """,
            arguments: [
                provider.code, provider.name, provider.ukprn, provider.accredited, provider.emailAddresses.joined(separator: ";"),
                Int64(now.timeIntervalSince1970 * 1000),
            ]
        )
        return !existed
    }

    static func searchProviders(_ db: Database, query: String?, includeUnaccredited: Bool = false) throws -> [ProviderRecord] {
        let pattern = "%\(query?.trimmingCharacters(in: .whitespaces) ?? "")%"
        return try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM providers WHERE (accredited = 1 OR ?) AND (name LIKE ? OR code LIKE ? OR ukprn LIKE ?)
                ORDER BY name LIMIT 100
                """,
            arguments: [includeUnaccredited, pattern, pattern, pattern]
        ).map(ProviderRecord.init(row:))
    }

    static func rates(_ db: Database, year: Int) throws -> [Region: Pence] {
        var rates: [Region: Pence] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT region, pence FROM funding_rates WHERE academic_year = ?", arguments: [year]) {
            if let region = Region(rawValue: row["region"]) { rates[region] = Pence(row["pence"]) }
        }
        return rates
    }

    static func setRates(_ db: Database, year: Int, rates: [Region: Pence], by: String, now: Date) throws {
        let at = Int64(now.timeIntervalSince1970 * 1000)
        for (region, pence) in rates {
            try db.execute(
                sql: """
                    INSERT INTO funding_rates (academic_year, region, pence, set_by, set_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (academic_year, region) DO UPDATE SET pence = excluded.pence, set_by = excluded.set_by,
                        set_at = excluded.set_at
                    """,
                arguments: [year, region.rawValue, pence.value, by, at]
            )
            try db.execute(
                sql: "INSERT INTO funding_rate_changes (academic_year, region, pence, set_by, set_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [year, region.rawValue, pence.value, by, at]
            )
        }
        // Drafts are priced at the current rate; submitted claims keep their frozen rate.
    }

    static func windows(_ db: Database) throws -> [ClaimWindow] {
        try Row.fetchAll(db, sql: "SELECT * FROM claim_windows ORDER BY opens_on").compactMap { row in
            guard let year = try? AcademicYear(row["academic_year"]), let opens = try? LocalDate(parsing: row["opens_on"]),
                let closes = try? LocalDate(parsing: row["closes_on"])
            else { return nil }
            return ClaimWindow(id: row["id"], academicYear: year, opensOn: opens, closesOn: closes)
        }
    }

    static func window(_ db: Database, id: Int64) throws -> ClaimWindow? {
        try windows(db).first { $0.id == id }
    }

    static func isEligible(_ db: Database, urn: Int, year: Int) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS (SELECT 1 FROM school_eligibility WHERE urn = ? AND academic_year = ?)",
            arguments: [urn, year]
        )
            ?? false
    }

    static func grantConditions(_ db: Database, urn: Int) throws -> (acceptedAt: Date, by: String)? {
        try Row.fetchOne(db, sql: "SELECT accepted_at, accepted_by_email FROM grant_conditions WHERE urn = ?", arguments: [urn]).map {
            (Date(timeIntervalSince1970: Double($0["accepted_at"] as Int64) / 1000), $0["accepted_by_email"])
        }
    }
}
