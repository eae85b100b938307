import Messages
import ServiceSupport

/// The register's own daily file (`edubasealldata YYYYMMDD.csv`, files.md "The GIAS
/// establishment extract"), read as pure code: the open establishments in England as schools,
/// each region derived from its district, and every row that cannot be read named.
enum GIASExtract {
    /// The columns read, lower-cased as `CSVTable` gives them.
    static let columns = [
        "urn", "establishmentname", "postcode", "la (name)", "typeofestablishment (name)", "establishmenttypegroup (name)",
        "establishmentstatus (name)", "districtadministrative (code)", "trustschoolflag (code)", "trusts (code)", "trusts (name)",
    ]

    /// Whether a header is the extract's: its own names for the URN, the name and the district.
    static func isExtract(_ header: [String]) -> Bool {
        header.contains("urn") && header.contains("establishmentname") && header.contains("districtadministrative (code)")
    }

    /// Establishment types outside England, which the service does not fund.
    static let outsideEngland: Set<String> = ["welsh establishment", "offshore schools", "british schools overseas"]

    /// `TrustSchoolFlag (code)` of a school supported by a multi-academy trust.
    static let supportedByATrust = "1"

    /// What an extract holds: its schools to import (without contact addresses, which the
    /// extract does not hold: an imported school keeps those it has), how many rows were skipped
    /// (closed, not yet open, or outside England), and the rows that cannot be read.
    struct Reading: Sendable {
        var establishments: [SchoolRecord] = []
        var skipped = 0
        var rejected: [SchoolImport.Rejected] = []
    }

    /// Reads `table`, which must have been read with `columns` (and has every one of them).
    static func read(_ table: CSVTable) -> Reading {
        var reading = Reading()
        var seen: [Int: Int] = [:]
        let width = table.columns.count
        for row in table.rows {
            // A download cut short ends in a row with fewer cells than the header.
            guard row.cellCount == width else {
                reading.rejected.append(
                    .init(
                        row: row.number,
                        message:
                            "Row \(row.number) has \(row.cellCount) cells but the header has \(width): the file may have been cut short, so download it again"
                    )
                )
                continue
            }
            let status = row["establishmentstatus (name)"].lowercased()
            guard status.hasPrefix("open"), !outsideEngland.contains(row["typeofestablishment (name)"].lowercased()) else {
                reading.skipped += 1
                continue
            }
            var problems: [String] = []
            let urn = try? URN(parsing: row["urn"])
            if urn == nil { problems.append("URN ‘\(row["urn"].prefix(20))’ is not 1 to 7 digits") }
            if let urn, let first = seen[urn.value] { problems.append("URN \(urn.value) is also on row \(first)") }
            let name = row["establishmentname"]
            if name.isEmpty { problems.append("EstablishmentName is blank") }
            let district = row["districtadministrative (code)"]
            var trust: TrustSnapshot?
            if row["trustschoolflag (code)"] == supportedByATrust {
                let uid = row["trusts (code)"]
                let trustName = row["trusts (name)"]
                if uid.isEmpty || trustName.isEmpty {
                    problems.append("TrustSchoolFlag (code) is 1 but Trusts (code) or Trusts (name) is blank")
                } else {
                    trust = TrustSnapshot(uid: uid, name: trustName)
                }
            }
            if let urn, seen[urn.value] == nil { seen[urn.value] = row.number }
            guard problems.isEmpty, let urn else {
                reading.rejected.append(.init(row: row.number, message: problems.joined(separator: "; ")))
                continue
            }
            reading.establishments.append(
                SchoolRecord(
                    urn: urn.value,
                    name: name,
                    postcode: row["postcode"].uppercased(),
                    localAuthority: row["la (name)"],
                    typeOfEstablishment: row["typeofestablishment (name)"],
                    group: row["establishmenttypegroup (name)"],
                    region: RegionalAreas.region(ofDistrict: district),
                    trust: trust,
                    contactEmails: []
                )
            )
        }
        return reading
    }
}

/// Which funding region a district is in, by its ONS code (`DistrictAdministrative (code)`), as
/// the DfE service maps them: inner and outer London by borough, the fringe by district.
enum RegionalAreas {
    /// The 19 boroughs paid at the inner London rate.
    static let innerLondon: Set<String> = [
        "E09000001",  // City of London
        "E09000002",  // Barking and Dagenham
        "E09000005",  // Brent
        "E09000007",  // Camden
        "E09000009",  // Ealing
        "E09000011",  // Greenwich
        "E09000012",  // Hackney
        "E09000013",  // Hammersmith and Fulham
        "E09000014",  // Haringey
        "E09000019",  // Islington
        "E09000020",  // Kensington and Chelsea
        "E09000022",  // Lambeth
        "E09000023",  // Lewisham
        "E09000024",  // Merton
        "E09000025",  // Newham
        "E09000028",  // Southwark
        "E09000030",  // Tower Hamlets
        "E09000032",  // Wandsworth
        "E09000033",  // Westminster
    ]

    /// The 14 boroughs paid at the outer London rate.
    static let outerLondon: Set<String> = [
        "E09000003",  // Barnet
        "E09000004",  // Bexley
        "E09000006",  // Bromley
        "E09000008",  // Croydon
        "E09000010",  // Enfield
        "E09000015",  // Harrow
        "E09000016",  // Havering
        "E09000017",  // Hillingdon
        "E09000018",  // Hounslow
        "E09000021",  // Kingston upon Thames
        "E09000026",  // Redbridge
        "E09000027",  // Richmond upon Thames
        "E09000029",  // Sutton
        "E09000031",  // Waltham Forest
    ]

    /// The fringe: districts of Berkshire, Buckinghamshire, Essex, Hertfordshire, Kent and Surrey,
    /// and Crawley (two old Buckinghamshire districts kept, for schools not yet re-coded).
    static let fringe: Set<String> = [
        "E06000036",  // Bracknell Forest
        "E06000039",  // Slough
        "E06000040",  // Windsor and Maidenhead
        "E06000060",  // Buckinghamshire
        "E07000005",  // Chiltern (until 2020)
        "E07000006",  // South Bucks (until 2020)
        "E07000066",  // Basildon
        "E07000068",  // Brentwood
        "E07000072",  // Epping Forest
        "E07000073",  // Harlow
        "E06000034",  // Thurrock
        "E07000095",  // Broxbourne
        "E07000096",  // Dacorum
        "E07000242",  // East Hertfordshire
        "E07000098",  // Hertsmere
        "E07000240",  // St Albans
        "E07000102",  // Three Rivers
        "E07000103",  // Watford
        "E07000241",  // Welwyn Hatfield
        "E07000107",  // Dartford
        "E07000111",  // Sevenoaks
        "E07000226",  // Crawley
        "E07000207",  // Elmbridge
        "E07000208",  // Epsom and Ewell
        "E07000209",  // Guildford
        "E07000210",  // Mole Valley
        "E07000211",  // Reigate and Banstead
        "E07000212",  // Runnymede
        "E07000213",  // Spelthorne
        "E07000214",  // Surrey Heath
        "E07000215",  // Tandridge
        "E07000216",  // Waverley
        "E07000217",  // Woking
    ]

    /// The region of the district with ONS code `code`; everywhere else is the rest of England.
    static func region(ofDistrict code: String) -> Region {
        let code = code.uppercased()
        if innerLondon.contains(code) { return .innerLondon }
        if outerLondon.contains(code) { return .outerLondon }
        if fringe.contains(code) { return .fringe }
        return .restOfEngland
    }
}
