import Foundation
import ServiceSupport
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hostile query strings, uploads and connections against the four real executables: no answer
/// is a 5xx, no process dies, memory stays bounded, and idle connections are closed.
@Suite(.serialized) struct HostileInputTests {
    /// Peak resident memory of a process, from the kernel's high-water mark.
    static func peakMemoryMiB(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .infinity }
        return kib / 1024
    }

    @Test func twentyMebibyteHostileFilesAreRefusedWithPeakMemoryUnder300MiB() async throws {
        let cluster = try ServiceCluster(environment: ["PAYER_EMAIL_ADDRESSES": "payer@esfa.example"])
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let j = try Journey(cluster: cluster, smtp: nil)
        _ = try await PaymentsProcessTests().seed(cluster, claims: 1)
        let run = try await j.retryUntil(201, j.payments, "POST", "/api/v1/payments/runs", j.support)
        let runID = try #require(run.json?["id"] as? Int)
        let size = (20 << 20) - 1024
        let newlines = Data(repeating: UInt8(ascii: "\n"), count: size)
        var giant = Data(
            "claim_reference,claim_status,claim_unpaid_reason,urn,name,postcode,local_authority,type_of_establishment,group,region,trust_uid,trust_name,contact_emails,sample_reason,mentor_trn,claim_accepted,rejection_reason\n\""
                .utf8
        )
        giant.append(Data(repeating: UInt8(ascii: "x"), count: size - giant.count))
        let wide = Data(String(repeating: "claim_reference,", count: size / 16).utf8)
        let uploads: [(String, String)] = [
            ("claims-intake", "/api/v1/schools/import"), ("payments", "/api/v1/payments/runs/\(runID)/response"),
            ("audit-sampling", "/api/v1/audit/samples"),
        ]
        for (service, path) in uploads {
            for (name, file) in [("only newlines", newlines), ("one giant cell", giant), ("100,000 columns", wide)] {
                let reply = try await cluster.http(service).send("POST", path, token: j.support, body: file, contentType: "text/csv")
                #expect([413, 422].contains(reply.status), "\(service) \(name): \(reply.status) \(reply.text.prefix(200))")
                #expect(reply.json?["detail"] != nil, "\(service) \(name) says why")
            }
            // Over the body limit itself: 20 MiB, or 128 MiB for the schools import, which takes
            // the GIAS extract as published.
            let limit = path == "/api/v1/schools/import" ? RequestDecoding.extractLimit : RequestDecoding.csvLimit
            let over = try await cluster.http(service).send(
                "POST",
                path,
                token: j.support,
                body: Data(repeating: UInt8(ascii: "\n"), count: limit + 2048),
                contentType: "text/csv"
            )
            #expect(over.status == 413)
            let pid = cluster.processes[service]!.pid
            let peak = Self.peakMemoryMiB(pid)
            #expect(peak < 300, "\(service) peaked at \(Int(peak)) MiB")
            #expect(cluster.processes[service]!.isRunning)
            print("hostile uploads: \(service) peak \(Int(peak)) MiB")
        }
        // Who may upload is checked before the body is read: a school user's 20 MiB is 403.
        let school = try cluster.token(["--role", "school", "--urn", "100001", "--email", "head@school.example"])
        #expect(
            try await cluster.http("payments").send(
                "POST",
                "/api/v1/payments/runs/\(runID)/response",
                token: school,
                body: newlines,
                contentType: "text/csv"
            ).status == 403
        )
        await cluster.tearDown()
    }

    /// Connects to 127.0.0.1:`port`, sends `bytes`, and returns how long until the server
    /// closes the connection (nil if it stayed open for `limit` seconds).
    static func secondsUntilClosed(port: Int, sending bytes: String, limit: Double) -> Double? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        if !bytes.isEmpty { _ = bytes.withCString { send(fd, $0, strlen($0), 0) } }
        var timeout = timeval(tv_sec: Int(limit), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return Date().timeIntervalSince(start) }  // closed by the server
            if n < 0 { return errno == ECONNRESET ? Date().timeIntervalSince(start) : nil }
        }
    }

    @Test func connectionsThatSendNothingAreClosedAfterTheIdleTimeout() async throws {
        let cluster = try ServiceCluster(environment: ["HTTP_IDLE_TIMEOUT_SECONDS": "2"])
        defer { cluster.killAll() }
        let process = try cluster.start("payments")
        try await Eventually.wait("payments to answer", timeout: 30) { try await cluster.http("payments").get("/health").status == 200 }
        let port = cluster.httpPorts["payments"]!
        let silent = Self.secondsUntilClosed(port: port, sending: "", limit: 20)
        let partial = Self.secondsUntilClosed(port: port, sending: "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", limit: 20)
        #expect(silent.map { $0 >= 1.5 && $0 < 10 } == true, "silent connection closed after \(String(describing: silent)) s")
        #expect(partial.map { $0 >= 1.5 && $0 < 10 } == true, "slow-loris connection closed after \(String(describing: partial)) s")
        #expect(process.isRunning)
        #expect(try await cluster.http("payments").get("/health").status == 200)
        await cluster.tearDown()
    }
}

/// The query-parameter fuzz belongs with the rest of the bad input.
extension BadInputTests {
    /// Every query parameter any route reads, with values that are huge, negative, zero,
    /// non-numeric, 10,000 characters long or impossible dates.
    static let parameters = [
        "page", "per_page", "academic_year", "school_urn", "claim_window_id", "status", "provider_code", "submitted_after",
        "submitted_before", "mentor_trn", "q", "flagged", "sort", "claim_reference", "to", "template", "provider", "token",
    ]
    static let values = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999999999", "-1", "0", "1e9", "NaN",
        "abc", "2025-02-30", "0000-00-00", "9999-12-31", "%00", "%FF%FE", "'%20OR%201=1--", String(repeating: "9", count: 10_000),
    ]

    @Test func aQueryParameterFuzzOverEveryGetRouteNeverGetsA5xxAndKillsNothing() async throws {
        let cluster = try ServiceCluster()
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let j = try Journey(cluster: cluster, smtp: nil)
        let references = try await PaymentsProcessTests().seed(cluster, claims: 1)
        let pids = ServiceCluster.names.map { cluster.processes[$0]!.pid }
        let values = [
            "urn": "100001", "reference": references.first ?? "12345678", "id": "1", "trn": "1000000", "code": "1AB", "academic_year": "\(j.year)",
            "uid": "T1",
        ]
        var requests = 0
        var failures: [String] = []
        var answered: [Int: Int] = [:]
        for service in ServiceCluster.names {
            let routes = try ProcessLauncher.run(BuiltProducts.path(service), arguments: ["routes"]).output.split(separator: "\n").map(String.init)
            for route in routes where route.hasPrefix("GET /api/") {
                var path = String(route.dropFirst(4))
                for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
                for parameter in Self.parameters {
                    for value in Self.values {
                        let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
                        let query = value.hasPrefix("%") ? value : encoded
                        do {
                            let reply = try await cluster.http(service).send("GET", "\(path)?\(parameter)=\(query)", token: j.support)
                            requests += 1
                            answered[reply.status, default: 0] += 1
                            if reply.status >= 500 {
                                failures.append("GET \(path)?\(parameter)=\(value.prefix(30)) → \(reply.status): \(reply.text.prefix(160))")
                            }
                        } catch {
                            failures.append("GET \(path)?\(parameter)=\(value.prefix(30)): \(error)")
                        }
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) bad answers:\n\(failures.prefix(30).joined(separator: "\n"))")
        #expect(requests > 3_000)
        for (index, name) in ServiceCluster.names.enumerated() {
            #expect(cluster.processes[name]!.isRunning && cluster.processes[name]!.pid == pids[index], "\(name) died")
        }
        // The request that used to trap claims-intake now names the parameter.
        let overflow = try await j.intake.get("/api/v1/claims?page=9223372036854775807", token: j.support)
        #expect(overflow.status == 422)
        #expect(overflow.text.contains("\"field\":\"page\""))
        print("query fuzz: \(requests) requests, answers \(answered.sorted { $0.key < $1.key })")
        await cluster.tearDown()
    }
}
