import Foundation
import GRDB
import ServiceSupport
import TestSupport
import Testing

/// Bad input against every endpoint of the four real services: broken and hostile bodies, CSV
/// files and tokens. No answer is a 500, no process dies, and nothing changes that should not.
@Suite(.serialized) struct BadInputTests {
    /// Every table's rows, hashed, per service: what "nothing changed" is checked against.
    func snapshot(_ cluster: ServiceCluster) async throws -> [String: String] {
        var result: [String: String] = [:]
        for name in ServiceCluster.names {
            let db = try DatabaseQueue(
                path: cluster.folder.path("\(name)/\(name).sqlite"),
                configuration: {
                    var c = Configuration()
                    c.readonly = true
                    return c
                }()
            )
            defer { try? db.close() }
            let part = try await db.read { db -> [String: String] in
                var part: [String: String] = [:]
                let tables = try String.fetchAll(
                    db,
                    sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'bus_inbox' ORDER BY name"
                )
                for table in tables {
                    var hasher = Hasher()
                    var rows = 0
                    for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                        hasher.combine(row.description)
                        rows += 1
                    }
                    part["\(name).\(table)"] = "\(rows) rows, \(hasher.finalize())"
                }
                return part
            }
            result.merge(part) { $1 }
        }
        return result
    }

    @Test func hostileRequestsToEveryEndpointNeverFailWithA500AndChangeNothing() async throws {
        let cluster = try ServiceCluster(environment: ["PAYER_EMAIL_ADDRESSES": "payer@esfa.example"])
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let references = try await PaymentsProcessTests().seed(cluster, claims: 2)
        let reference = try #require(references.first)
        let j = try Journey(cluster: cluster, smtp: nil)
        // A payment run, so that its response upload validates real rows (duplicates, 100,000
        // unknown references) rather than answering 404.
        let run = try await j.retryUntil(201, j.payments, "POST", "/api/v1/payments/runs", j.support)
        let runID = try #require(run.json?["id"] as? Int)
        for reference in references { try await j.statusBecomes(reference, "payment_in_progress") }
        try await cluster.waitAllReady()
        try await Task.sleep(for: .seconds(2))
        let pids = ServiceCluster.names.map { cluster.processes[$0]!.pid }

        let support = j.support
        let otherSchool = try cluster.token(["--role", "school", "--urn", "999999", "--email", "other@school.example"])
        let otherProvider = try cluster.token(["--role", "provider", "--provider-code", "9ZZ", "--email", "other@provider.example"])
        // Expired an hour ago: well past the 30 seconds of clock leeway.
        let expired = try await DevelopmentToken.make(
            user: AuthenticatedUser(id: "support-x", email: "support@education.example", name: "Support", role: .support),
            secret: ServiceCluster.secret,
            lifetime: 60,
            now: Date().addingTimeInterval(-3600)
        )
        let forged = try ProcessLauncher.run(
            BuiltProducts.path("claims-intake"),
            arguments: ["token", "--role", "support", "--email", "support@education.example"],
            environment: ["AUTH_JWT_SECRET": "a-different-secret-0123456789abcdefghijkl"]
        ).output.trimmingCharacters(in: .whitespacesAndNewlines)

        let before = try await snapshot(cluster)
        var answers: [Int: Int] = [:]
        var failures: [String] = []
        var successes: [String] = []
        func check(
            _ service: String,
            _ method: String,
            _ path: String,
            token: String?,
            body: Data? = nil,
            contentType: String = "application/json",
            expect: Set<Int>? = nil
        ) async {
            do {
                // URLSession sends no body with GET or DELETE.
                let sent = ["GET", "DELETE"].contains(method) ? nil : body
                let reply = try await cluster.http(service).send(method, path, token: token, body: sent, contentType: contentType)
                answers[reply.status, default: 0] += 1
                if (200..<300).contains(reply.status) { successes.append("\(method) \(path) → \(reply.status)") }
                if reply.status >= 500 { failures.append("\(method) \(path) → \(reply.status): \(reply.text.prefix(200))") }
                if let expect, !expect.contains(reply.status) { failures.append("\(method) \(path) → \(reply.status), expected \(expect.sorted())") }
            } catch {
                failures.append("\(method) \(path): \(error)")
            }
        }

        let values = [
            "urn": "100001", "reference": reference, "id": "\(runID)", "trn": "1000000", "code": "1AB", "academic_year": "\(j.year)", "uid": "T1",
        ]
        let hostileSegments = ["1'%20OR%20'1'%3D'1", "%3Dcmd%7C'%20%2FC%20calc'!A0", "..%2F..%2Fetc%2Fpasswd", String(repeating: "9", count: 300)]
        let wrongTypes: [String: Any] = [
            "name": 1, "postcode": [], "local_authority": 2, "type_of_establishment": 3, "group": 4, "region": 5, "trust": "x",
            "contact_emails": "x", "email_addresses": 1, "ukprn": 1, "accredited": "x", "academic_year": "x", "opens_on": 3, "closes_on": 4,
            "inner_london_pence": "x", "outer_london_pence": [], "fringe_pence": "x", "rest_of_england_pence": "x", "trn": [], "first_name": 1,
            "last_name": 2, "provider_code": 5, "mentors": "x", "declaration_accepted": "yes", "claim_window_id": "x", "reason": [:],
            "share": "x", "seed": [], "approved": "yes", "school_urn": "x", "subject": 1, "body": 2,
        ]
        let oversized = Data(("{\"name\": \"" + String(repeating: "A", count: 1_100_000) + "\"}").utf8)
        let bodies: [(String, Data)] = [
            ("malformed", Data("{\"name\": ".utf8)), ("array", Data("[]".utf8)), ("null", Data("null".utf8)), ("string", Data("\"text\"".utf8)),
            ("wrong types", try JSONSerialization.data(withJSONObject: wrongTypes)), ("oversized", oversized),
            ("not UTF-8", Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D])),
        ]
        var endpoints = 0
        for service in ServiceCluster.names {
            let routes = try ProcessLauncher.run(BuiltProducts.path(service), arguments: ["routes"]).output.split(separator: "\n").map(String.init)
            for route in routes {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[1].hasPrefix("/api/") else { continue }
                endpoints += 1
                let method = parts[0]
                var path = parts[1]
                for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
                let isDownload = path.hasSuffix("/file")
                // Tokens: none, expired, forged, garbage → 401 (a download link needs none, and
                // without its token is refused with 404).
                for token in [nil, expired, forged, "not.a.token"] as [String?] {
                    await check(service, method, path, token: token, body: Data("{}".utf8), expect: isDownload ? [401, 404, 410] : [401])
                }
                // Another organisation's users, and hostile path segments.
                if method != "GET" || !isDownload {
                    await check(service, method, path, token: otherSchool, body: Data("{}".utf8))
                    await check(service, method, path, token: otherProvider, body: Data("{}".utf8))
                }
                if parts[1].contains("{") {
                    for segment in hostileSegments {
                        var hostile = parts[1]
                        for name in values.keys { hostile = hostile.replacingOccurrences(of: "{\(name)}", with: segment) }
                        await check(service, method, hostile, token: support, body: Data("{}".utf8))
                    }
                }
                // Broken bodies, as support.
                // (A resend takes no body: any body is a valid request for new links.)
                if ["POST", "PUT", "PATCH"].contains(method) && !path.hasSuffix("/resend") {
                    for (_, body) in bodies { await check(service, method, path, token: support, body: body) }
                    // CSV where CSV is taken, and CSV where JSON is.
                    let header = "claim_reference,claim_status,claim_unpaid_reason\r\n"
                    let hundredThousand = header + String(repeating: "00000000,paid,\r\n", count: 100_000)
                    let csvs: [Data] = [
                        Data(), Data("just,some,columns\r\n1,2,3\r\n".utf8), Data((header + "\(reference),paid,\r\n\(reference),paid,\r\n").utf8),
                        Data([0xEF, 0xBB, 0xBF] + Array("urn,name\r\n1,Caf".utf8) + [0xE9] + Array("\r\n".utf8)), Data(hundredThousand.utf8),
                        Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
                        Data(("claim_reference,sample_reason\r\n=cmd|' /C calc'!A0,@SUM(1+1)\r\n'; DROP TABLE claims; --,x\r\n").utf8),
                    ]
                    // An empty body is a valid request where every field is optional (a payment run).
                    let takesCSV = ["/import", "/response", "/samples"].contains { parts[1].hasSuffix($0) }
                    for csv in csvs where takesCSV || !csv.isEmpty {
                        await check(service, method, path, token: support, body: csv, contentType: "text/csv")
                    }
                }
            }
        }
        let after = try await snapshot(cluster)
        let changed = after.filter { before[$0.key] != $0.value }.map(\.key).sorted()
        #expect(failures.isEmpty, "\(failures.count) bad answers:\n\(failures.prefix(40).joined(separator: "\n"))")
        #expect(changed.isEmpty, "tables changed by bad input: \(changed); accepted: \(successes)")
        #expect(endpoints >= 50)
        for (index, name) in ServiceCluster.names.enumerated() {
            #expect(cluster.processes[name]!.pid == pids[index] && cluster.processes[name]!.isRunning, "\(name) died")
            #expect(try await cluster.http(name).get("/health").status == 200)
        }
        print("bad input: \(endpoints) endpoints, \(answers.values.reduce(0, +)) requests, answers \(answers.sorted { $0.key < $1.key })")

        // Hostile text that is valid is stored exactly and never exported as a formula.
        let formula = "=HYPERLINK(\"http://evil.example\",\"Click\")"
        let sql = "Robert'); DROP TABLE schools;--"
        let school = try await j.send(
            j.intake,
            "PUT",
            "/api/v1/schools/100001",
            support,
            [
                "name": formula, "postcode": "N1 1AA", "local_authority": sql, "type_of_establishment": "+SUM(1+1)", "group": "@Academies",
                "region": "inner_london", "contact_emails": ["office@hillside.example.com"], "favourite_colour": "unknown fields are ignored",
            ]
        )
        #expect(school.status == 200, "\(school.text)")
        let stored = try await j.intake.get("/api/v1/schools/100001", token: support).json
        #expect(stored?["name"] as? String == formula && stored?["local_authority"] as? String == sql)
        let schoolToken = try cluster.token(["--role", "school", "--urn", "100001", "--email", "head@school.example"])
        let claim = try await j.submit(schoolToken, urn: 100001, mentors: [["trn": "1000000", "hours": 1]])
        let export = try await j.intake.get("/api/v1/claims/export.csv?q=\(claim)", token: support)
        let line = try #require(export.text.split(whereSeparator: \.isNewline).first { $0.hasPrefix(claim) })
        #expect(line.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\""))
        #expect(line.contains("\"'+SUM(1+1)\"") && line.contains("\"'@Academies\""))
        await cluster.tearDown()
    }
}
