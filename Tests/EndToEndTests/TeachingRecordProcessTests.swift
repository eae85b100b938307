import Foundation
import TestSupport
import Testing

/// The real claims-intake executable with a fake Teaching Record System of the suite's own: a
/// mentor is added only when the TRN and date of birth match a teacher, with the record's names;
/// the record system failing or hanging stores nothing; the nightly check renames a mentor.
@Suite(.serialized) struct TeachingRecordProcessTests {
    static let ada = FakeTeachingRecord.Teacher(firstName: "Ada", lastName: "Lovelace", dateOfBirth: "1980-03-31")

    func start(_ cluster: ServiceCluster, _ trs: FakeTeachingRecord?) async throws {
        var env: [String: String] = [:]
        if let trs { env = ["TRS_BASE_URL": trs.baseURL, "TRS_API_KEY": trs.key] }
        try cluster.start("claims-intake", environment: env)
        try await cluster.waitReady("claims-intake")
    }

    func school(_ cluster: ServiceCluster) async throws -> (support: String, school: String) {
        let support = try cluster.token(["--role", "support", "--email", "support@education.example"])
        let school = try cluster.token(["--role", "school", "--urn", "100001", "--email", "head@alder.example"])
        let put = try await cluster.http("claims-intake").send(
            "PUT",
            "/api/v1/schools/100001",
            token: support,
            json: [
                "name": "Alder Primary", "postcode": "N1 1AA", "local_authority": "Islington", "type_of_establishment": "Community school",
                "group": "Local authority maintained schools", "region": "inner_london", "contact_emails": ["office@alder.example"],
            ]
        )
        #expect(put.status == 201, "\(put.text)")
        return (support, school)
    }

    @Test func aMentorIsAddedOnlyWhenTheTRNAndDateOfBirthMatchATeacher() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        let trs = try await FakeTeachingRecord(folder: cluster.folder, teachers: ["1234567": Self.ada])
        defer { trs.stop() }
        try await start(cluster, trs)
        let (_, school) = try await school(cluster)
        let http = cluster.http("claims-intake")
        let path = "/api/v1/schools/100001/mentors"
        #expect(try await http.get(path, token: school).json?["names_from_teaching_record"] as? Bool == true)

        // Not found, or the wrong date of birth: the DfE service's message, nothing stored.
        for (trn, date) in [("7654321", "1980-03-31"), ("1234567", "1981-03-31")] {
            let refused = try await http.send("POST", path, token: school, json: ["trn": trn, "date_of_birth": date])
            #expect(refused.status == 422)
            #expect(refused.text.contains("No teacher found with that TRN and date of birth"), "\(refused.text)")
        }
        // Found: the names are the record's, whatever was typed.
        let added = try await http.send("POST", path, token: school, json: ["trn": "123 4567", "date_of_birth": "1980-03-31", "first_name": "Typed"])
        #expect(added.status == 201, "\(added.text)")
        #expect(added.json?["first_name"] as? String == "Ada")
        #expect(added.json?["last_name"] as? String == "Lovelace")
        let asked = try #require(trs.requests().last)
        #expect(asked.path == "/v3/teachers/1234567" && asked.query == "dateOfBirth=1980-03-31")
        #expect(asked.keyOK && asked.version == "20240416")

        // A date of birth that is missing, not a date or not past is refused before TRS is asked.
        let before = trs.requests().count
        let wrongDates: [(String?, String)] = [(nil, "Enter a date of birth"), ("1980-02-30", "real date"), ("2999-01-01", "must be in the past")]
        for (date, message) in wrongDates {
            var body: [String: Any] = ["trn": "2345678"]
            if let date { body["date_of_birth"] = date }
            let refused = try await http.send("POST", path, token: school, json: body)
            #expect(refused.status == 422 && refused.text.contains(message), "\(refused.text)")
        }
        #expect(trs.requests().count == before)
        #expect(try await http.send("POST", path, token: school, json: ["trn": "1234567", "date_of_birth": "1980-03-31"]).status == 409)

        // TRS failing, or hanging past the timeout: 503 with a message for the school, nothing stored.
        try trs.set("2345678", .init(firstName: "Grace", lastName: "Hopper", dateOfBirth: "1975-12-09"))
        for mode in [FakeTeachingRecord.Mode.fail, .hang] {
            try trs.set(mode)
            let refused = try await http.send("POST", path, token: school, json: ["trn": "2345678", "date_of_birth": "1975-12-09"])
            #expect(refused.status == 503, "\(mode): \(refused.status) \(refused.text)")
            #expect(refused.text.contains("Try again in a few minutes"))
        }
        try trs.set(.normal)
        let mentors = try await http.get(path, token: school).json?["items"] as? [[String: Any]] ?? []
        #expect(mentors.compactMap { $0["trn"] as? String } == ["1234567"])
        #expect(try await http.send("POST", path, token: school, json: ["trn": "2345678", "date_of_birth": "1975-12-09"]).status == 201)

        // The date of birth is kept nowhere: not in the database, not in the log.
        await cluster.processes["claims-intake"]!.stop()
        let folder = cluster.folder.url.appendingPathComponent("claims-intake")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path, isDirectory: &isFolder), !isFolder.boolValue
            else { continue }
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            #expect(data.range(of: Data("1980-03-31".utf8)) == nil, "\(file) holds a date of birth")
            #expect(data.range(of: Data("1975-12-09".utf8)) == nil, "\(file) holds a date of birth")
        }
        let output = cluster.processes["claims-intake"]!.output
        #expect(!output.contains("1980-03-31") && !output.contains("1975-12-09") && !output.contains(trs.key))
    }

    @Test func theNightlyCheckGivesAMentorTheNameOnTheirRecord() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        // Added while the record system was not configured: the names as typed.
        try await start(cluster, nil)
        let (_, school) = try await school(cluster)
        let http = cluster.http("claims-intake")
        let path = "/api/v1/schools/100001/mentors"
        #expect(try await http.get(path, token: school).json?["names_from_teaching_record"] as? Bool == false)
        #expect(try await http.send("POST", path, token: school, json: ["trn": "3456789", "first_name": "Jane", "last_name": "Smith"]).status == 201)
        await cluster.processes["claims-intake"]!.stop()

        // The record has her married name; the check due tonight (or last night) runs at start.
        let trs = try await FakeTeachingRecord(
            folder: cluster.folder,
            teachers: ["3456789": .init(firstName: "Jane", lastName: "Jones", dateOfBirth: "1990-06-01")]
        )
        defer { trs.stop() }
        try await start(cluster, trs)
        try await Eventually.wait("the mentor to be renamed", timeout: 30) {
            (try await http.get(path, token: school).json?["items"] as? [[String: Any]])?.first?["last_name"] as? String == "Jones"
        }
        let metrics = try await http.get("/metrics").text
        #expect(metrics.contains("mentor_names_renamed_total 1"), "\(metrics.split(separator: "\n").filter { $0.contains("mentor_") })")
        let lookups = trs.requests().filter { $0.path == "/v3/teachers/3456789" }
        #expect(lookups.count == 1 && lookups[0].query.isEmpty)

        // A restart finds the night checked, and asks nothing again.
        await cluster.processes["claims-intake"]!.stop()
        try await start(cluster, trs)
        try await Task.sleep(for: .seconds(2))
        #expect(trs.requests().filter { $0.path == "/v3/teachers/3456789" }.count == 1)
    }
}

extension TestHTTP {
    /// Sends `json` as the body.
    fileprivate func send(_ method: String, _ path: String, token: String, json: [String: Any]) async throws -> Reply {
        try await send(method, path, token: token, body: try JSONSerialization.data(withJSONObject: json))
    }
}
