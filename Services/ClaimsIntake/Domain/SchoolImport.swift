import Messages
import ServiceSupport

/// The schools file of `../spec/files.md`, read row by row as pure code: every row checked, the
/// schools of the rows that are right, and every wrong row named.
enum SchoolImport {
    /// A row that cannot be imported, and why.
    struct Rejected: Encodable, Sendable, Equatable {
        var row: Int
        var message: String
    }

    /// The file's columns.
    static let columns = [
        "urn", "name", "postcode", "local_authority", "type_of_establishment", "group", "region", "trust_uid", "trust_name", "contact_emails",
    ]

    /// The schools of `table`, and the rows that are wrong.
    static func read(_ table: CSVTable) -> (schools: [SchoolRecord], rejected: [Rejected]) {
        var rejected: [Rejected] = []
        var schools: [SchoolRecord] = []
        var seen: [Int: Int] = [:]
        for row in table.rows {
            var problems: [String] = []
            func need(_ column: String, _ label: String) -> String {
                let value = row[column]
                if value.isEmpty { problems.append("Enter the \(label)") }
                return value
            }
            let urn = try? URN(parsing: row["urn"])
            if urn == nil { problems.append("Enter a URN of 1 to 7 digits") }
            if let urn, let first = seen[urn.value] { problems.append("URN \(urn.value) is also on row \(first)") }
            let name = need("name", "school's name")
            let postcode = need("postcode", "postcode")
            let la = need("local_authority", "local authority")
            let type = need("type_of_establishment", "type of establishment")
            let group = need("group", "establishment group")
            let region = try? Region(parsing: row["region"])
            if region == nil { problems.append("Enter a region: inner_london, outer_london, fringe or rest_of_england") }
            let uid = row["trust_uid"]
            let trustName = row["trust_name"]
            if uid.isEmpty != trustName.isEmpty { problems.append("Enter both the trust's uid and name, or neither") }
            let emails = (try? emailList(row["contact_emails"].split(separator: ";").map(String.init), required: true))
            if emails == nil { problems.append("Enter contact email addresses separated by ;") }
            if let urn, seen[urn.value] == nil { seen[urn.value] = row.number }
            if problems.isEmpty, let urn, let region, let emails {
                schools.append(
                    SchoolRecord(
                        urn: urn.value,
                        name: name,
                        postcode: postcode.uppercased(),
                        localAuthority: la,
                        typeOfEstablishment: type,
                        group: group,
                        region: region,
                        trust: uid.isEmpty ? nil : TrustSnapshot(uid: uid, name: trustName),
                        contactEmails: emails
                    )
                )
            } else {
                rejected.append(Rejected(row: row.number, message: problems.joined(separator: "; ")))
            }
        }
        return (schools, rejected)
    }
}
