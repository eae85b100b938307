import Foundation

/// Generated GIAS establishment extracts in the register's published shape: its 140 columns in
/// its order, ISO-8859-1 (Windows-1252) bytes, CRLF line ends, one row per establishment. For the
/// tests and the benchmark; the values are made up.
public enum GIASExtractFixture {
    /// One establishment's values that the import reads; the other columns are filled in.
    public struct Establishment: Sendable, Equatable {
        public var urn: Int
        public var name: String
        public var postcode: String
        public var localAuthority: String
        public var type: String
        public var group: String
        /// `Open`, `Closed`, `Open, but proposed to close`, `Proposed to open`.
        public var status: String
        /// The district's ONS code (`DistrictAdministrative (code)`).
        public var district: String
        /// `(uid, name)` of its multi-academy trust.
        public var trust: (uid: String, name: String)?

        public init(
            urn: Int,
            name: String,
            postcode: String = "N1 1AA",
            localAuthority: String = "Islington",
            type: String = "Community school",
            group: String = "Local authority maintained schools",
            status: String = "Open",
            district: String = "E09000019",
            trust: (uid: String, name: String)? = nil
        ) {
            self.urn = urn
            self.name = name
            self.postcode = postcode
            self.localAuthority = localAuthority
            self.type = type
            self.group = group
            self.status = status
            self.district = district
            self.trust = trust
        }

        public static func == (a: Establishment, b: Establishment) -> Bool {
            a.urn == b.urn && a.name == b.name && a.postcode == b.postcode && a.localAuthority == b.localAuthority && a.type == b.type
                && a.group == b.group && a.status == b.status && a.district == b.district && a.trust?.uid == b.trust?.uid
                && a.trust?.name == b.trust?.name
        }
    }

    /// The extract's header, as published.
    public static let header: [String] = [
        "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName", "TypeOfEstablishment (code)",
        "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)", "EstablishmentStatus (code)",
        "EstablishmentStatus (name)", "ReasonEstablishmentOpened (code)", "ReasonEstablishmentOpened (name)", "OpenDate",
        "ReasonEstablishmentClosed (code)", "ReasonEstablishmentClosed (name)", "CloseDate", "PhaseOfEducation (code)",
        "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge", "Boarders (code)", "Boarders (name)", "NurseryProvision (name)",
        "OfficialSixthForm (code)", "OfficialSixthForm (name)", "Gender (code)", "Gender (name)", "ReligiousCharacter (code)",
        "ReligiousCharacter (name)", "ReligiousEthos (name)", "Diocese (code)", "Diocese (name)", "AdmissionsPolicy (code)",
        "AdmissionsPolicy (name)", "SchoolCapacity", "SpecialClasses (code)", "SpecialClasses (name)", "CensusDate", "NumberOfPupils",
        "NumberOfBoys", "NumberOfGirls", "PercentageFSM", "TrustSchoolFlag (code)", "TrustSchoolFlag (name)", "Trusts (code)",
        "Trusts (name)", "SchoolSponsorFlag (name)", "SchoolSponsors (name)", "FederationFlag (name)", "Federations (code)",
        "Federations (name)", "UKPRN", "FEHEIdentifier", "FurtherEducationType (name)", "OfstedLastInsp", "OfstedSpecialMeasures (code)",
        "OfstedSpecialMeasures (name)", "LastChangedDate", "Street", "Locality", "Address3", "Town", "County (name)", "Postcode",
        "SchoolWebsite", "TelephoneNum", "HeadTitle (name)", "HeadFirstName", "HeadLastName", "HeadPreferredJobTitle",
        "BSOInspectorateName (name)", "InspectorateReport", "DateOfLastInspectionVisit", "NextInspectionVisit", "TeenMoth (name)",
        "TeenMothPlaces", "CCF (name)", "SENPRU (name)", "EBD (name)", "PlacesPRU", "FTProv (name)", "EdByOther (name)",
        "Section41Approved (name)", "SEN1 (name)", "SEN2 (name)", "SEN3 (name)", "SEN4 (name)", "SEN5 (name)", "SEN6 (name)",
        "SEN7 (name)", "SEN8 (name)", "SEN9 (name)", "SEN10 (name)", "SEN11 (name)", "SEN12 (name)", "SEN13 (name)",
        "TypeOfResourcedProvision (name)", "ResourcedProvisionOnRoll", "ResourcedProvisionCapacity", "SenUnitOnRoll", "SenUnitCapacity",
        "GOR (code)", "GOR (name)", "DistrictAdministrative (code)", "DistrictAdministrative (name)", "AdministrativeWard (code)",
        "AdministrativeWard (name)", "ParliamentaryConstituency (code)", "ParliamentaryConstituency (name)", "UrbanRural (code)",
        "UrbanRural (name)", "GSSLACode (name)", "Easting", "Northing", "MSOA (name)", "LSOA (name)", "InspectorateName (name)",
        "SENStat", "SENNoStat", "BoardingEstablishment (name)", "PropsName", "PreviousLA (code)", "PreviousLA (name)",
        "PreviousEstablishmentNumber", "OfstedRating (name)", "RSCRegion (name)", "Country (name)", "UPRN", "SiteName", "QABName (code)",
        "QABName (name)", "EstablishmentAccredited (code)", "EstablishmentAccredited (name)", "QABReport", "CHNumber", "MSOA (code)",
        "LSOA (code)", "FSM", "AccreditationExpiryDate",
    ]

    /// The extract holding `establishments`, as the register publishes it (Windows-1252 bytes).
    public static func file(_ establishments: [Establishment]) -> Data {
        var out = Data()
        out.reserveCapacity(establishments.count * 1_100 + 4_096)
        out.append(contentsOf: Array(header.joined(separator: ",").utf8))
        out.append(contentsOf: [13, 10])
        let positions = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        for establishment in establishments {
            var cells = filler(establishment.urn)
            func set(_ column: String, _ value: String) { cells[positions[column]!] = value }
            set("URN", "\(establishment.urn)")
            set("EstablishmentName", establishment.name)
            set("Postcode", establishment.postcode)
            set("LA (name)", establishment.localAuthority)
            set("TypeOfEstablishment (name)", establishment.type)
            set("EstablishmentTypeGroup (name)", establishment.group)
            set("EstablishmentStatus (name)", establishment.status)
            set("EstablishmentStatus (code)", establishment.status == "Open" ? "1" : establishment.status == "Closed" ? "2" : "3")
            set("DistrictAdministrative (code)", establishment.district)
            if let trust = establishment.trust {
                set("TrustSchoolFlag (code)", "1")
                set("TrustSchoolFlag (name)", "Supported by a multi-academy trust")
                set("Trusts (code)", trust.uid)
                set("Trusts (name)", trust.name)
            }
            out.append(contentsOf: windows1252(cells.map(csvCell).joined(separator: ",")))
            out.append(contentsOf: [13, 10])
        }
        return out
    }

    /// `count` establishments spread over England like the register's: most open, a tenth
    /// closed, a third in trusts, about one in six in London or the fringe. The same `count`
    /// always gives the same establishments.
    public static func generated(count: Int, firstURN: Int = 100_000) -> [Establishment] {
        let districts =
            ["E09000019", "E09000007", "E09000003", "E09000031", "E06000039", "E07000240", "E07000226"]
            + Array(repeating: "E08000025", count: 12) + Array(repeating: "E06000023", count: 10) + Array(repeating: "E07000178", count: 8)
        let names = ["Primary School", "Academy", "Church of England Primary School", "High School", "Infant School", "Junior School"]
        let places = ["Ashford", "Brampton", "Castleford", "Dunmore", "Elmswell", "Fairford", "Grantley", "Hazelmere", "Ilsley", "Kirby"]
        return (0..<count).map { index in
            let urn = firstURN + index
            let place = places[index % places.count]
            let inTrust = index % 3 == 0
            return Establishment(
                urn: urn,
                name: "\(place) \(names[index % names.count]) \(index / 60 + 1)",
                postcode: "AB\(index % 90 + 10) \(index % 9 + 1)CD",
                localAuthority: "\(place) Council",
                type: inTrust ? "Academy converter" : "Community school",
                group: inTrust ? "Academies" : "Local authority maintained schools",
                status: index % 10 == 9 ? "Closed" : "Open",
                district: districts[index % districts.count],
                trust: inTrust ? ("\(2_000 + index % 400)", "\(place) Learning Trust") : nil
            )
        }
    }

    /// The columns nobody reads, with values like the register's.
    static func filler(_ urn: Int) -> [String] {
        var cells = [String](repeating: "", count: header.count)
        let values: [String: String] = [
            "LA (code)": "\(200 + urn % 700)", "EstablishmentNumber": "\(1_000 + urn % 8_000)", "TypeOfEstablishment (code)": "1",
            "EstablishmentTypeGroup (code)": "4", "ReasonEstablishmentOpened (code)": "0", "ReasonEstablishmentOpened (name)": "Not applicable",
            "OpenDate": "01-09-1998", "ReasonEstablishmentClosed (code)": "0", "ReasonEstablishmentClosed (name)": "Not applicable",
            "PhaseOfEducation (code)": "2", "PhaseOfEducation (name)": "Primary", "StatutoryLowAge": "4", "StatutoryHighAge": "11",
            "Boarders (code)": "1", "Boarders (name)": "No boarders", "NurseryProvision (name)": "No Nursery Classes",
            "OfficialSixthForm (code)": "2", "OfficialSixthForm (name)": "Does not have a sixth form", "Gender (code)": "3",
            "Gender (name)": "Mixed", "ReligiousCharacter (code)": "0", "ReligiousCharacter (name)": "Does not apply",
            "ReligiousEthos (name)": "Does not apply", "AdmissionsPolicy (code)": "0", "AdmissionsPolicy (name)": "Not applicable",
            "SchoolCapacity": "\(200 + urn % 500)", "SpecialClasses (code)": "2", "SpecialClasses (name)": "No Special Classes",
            "CensusDate": "16-01-2025", "NumberOfPupils": "\(180 + urn % 450)", "NumberOfBoys": "\(90 + urn % 220)",
            "NumberOfGirls": "\(90 + urn % 230)", "PercentageFSM": "\(urn % 40).\(urn % 10)", "TrustSchoolFlag (code)": "0",
            "TrustSchoolFlag (name)": "Not applicable", "SchoolSponsorFlag (name)": "Not applicable",
            "FederationFlag (name)": "Not under a federation", "UKPRN": "\(10_000_000 + urn)", "FurtherEducationType (name)": "Not applicable",
            "OfstedLastInsp": "12-03-2024", "OfstedSpecialMeasures (code)": "0", "OfstedSpecialMeasures (name)": "Not applicable",
            "LastChangedDate": "14-11-2026", "Street": "\(urn % 200 + 1) Church Lane", "Locality": "Upper Green", "Town": "Ashford",
            "SchoolWebsite": "www.school\(urn).example", "TelephoneNum": "0\(1_632_960_000 + urn % 1_000)", "HeadTitle (name)": "Mrs",
            "HeadFirstName": "Renée", "HeadLastName": "O’Brien", "HeadPreferredJobTitle": "Headteacher",
            "BSOInspectorateName (name)": "Not applicable", "TeenMoth (name)": "Not applicable", "CCF (name)": "Not applicable",
            "SENPRU (name)": "Not applicable", "EBD (name)": "Not applicable", "FTProv (name)": "Not applicable",
            "EdByOther (name)": "Not applicable", "Section41Approved (name)": "Not applicable", "GOR (code)": "H", "GOR (name)": "London",
            "DistrictAdministrative (name)": "Somewhere", "AdministrativeWard (code)": "E0500\(String(format: "%04d", urn % 10_000))",
            "AdministrativeWard (name)": "Central", "ParliamentaryConstituency (code)": "E14000\(String(format: "%03d", urn % 1_000))",
            "ParliamentaryConstituency (name)": "Ashford and District", "UrbanRural (code)": "A1",
            "UrbanRural (name)": "(England/Wales) Urban major conurbation", "GSSLACode (name)": "E09000019", "Easting": "\(530_000 + urn % 9_000)",
            "Northing": "\(180_000 + urn % 9_000)", "MSOA (name)": "Ashford 001", "LSOA (name)": "Ashford 001A",
            "BoardingEstablishment (name)": "Not applicable", "OfstedRating (name)": "Good",
            "RSCRegion (name)": "North-West London and South-Central England", "Country (name)": "United Kingdom", "UPRN": "\(200_000_000 + urn)",
            "QABName (code)": "0", "QABName (name)": "Not applicable", "EstablishmentAccredited (code)": "0",
            "EstablishmentAccredited (name)": "Not applicable", "MSOA (code)": "E02000001", "LSOA (code)": "E01032739", "FSM": "\(urn % 90)",
        ]
        for (index, column) in header.enumerated() { cells[index] = values[column] ?? "" }
        return cells
    }

    /// A CSV cell, quoted when it must be.
    static func csvCell(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    /// Text as Windows-1252 bytes (what the register's ISO-8859-1 files hold in practice).
    public static func windows1252(_ text: String) -> [UInt8] {
        let high: [UInt32: UInt8] = [
            0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87, 0x02C6: 0x88,
            0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E, 0x2018: 0x91, 0x2019: 0x92, 0x201C: 0x93,
            0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98, 0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B,
            0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
        ]
        return text.unicodeScalars.map { scalar in
            if scalar.value < 0x80 || (scalar.value >= 0xA0 && scalar.value <= 0xFF) { return UInt8(scalar.value) }
            return high[scalar.value] ?? UInt8(ascii: "?")
        }
    }
}
