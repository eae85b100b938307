import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The claim journeys for many claims while a driver SIGKILLs a random service every few seconds
/// (restarting it) and pauses one now and then with SIGSTOP/SIGCONT. `make test` runs a short
/// version; `make chaos` runs 2,000 claims and at least 50 kills (`CHAOS_CLAIMS`,
/// `CHAOS_MIN_KILLS`, `CHAOS_KILL_EVERY_MS`, `CHAOS_COOLDOWN_MS`).
@Suite(.serialized) struct ChaosTests {
    static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    /// What each claim's journey intends, by its number.
    enum Fate: String, CaseIterable {
        case paid, paidAfterInformation, notApproved, sampledAccepted, clawedBack

        init(_ i: Int) {
            if i % 50 == 1 {
                self = .clawedBack
            } else if i % 25 == 1 {
                self = .sampledAccepted
            } else if i % 20 == 0 {
                self = .paidAfterInformation
            } else if i % 20 == 10 {
                self = .notApproved
            } else {
                self = .paid
            }
        }

        var finalStatus: String {
            switch self {
            case .paid, .paidAfterInformation, .sampledAccepted: return "paid"
            case .notApproved: return "payment_not_approved"
            case .clawedBack: return "clawback_complete"
            }
        }
    }

    /// Where a consumer's inbox differs from a producer's outbox head, or holds parked messages.
    static func disagreements(_ cluster: ServiceCluster) async throws -> [String] {
        var databases: [String: DatabaseQueue] = [:]
        defer { for db in databases.values { try? db.close() } }
        for name in cluster.members {
            var configuration = Configuration()
            configuration.readonly = true
            databases[name] = try DatabaseQueue(path: cluster.folder.path("\(name)/\(name).sqlite"), configuration: configuration)
        }
        var found: [String] = []
        for producer in cluster.members {
            let head = try await databases[producer]!.read { try Int.fetchOne($0, sql: "SELECT MAX(sequence) FROM bus_outbox") ?? 0 }
            // As the defaults: web hears nobody, and only notifications hears web.
            for consumer in cluster.members where consumer != producer && consumer != "web" && (producer != "web" || consumer == "notifications") {
                let applied = try await databases[consumer]!.read {
                    try Int.fetchOne($0, sql: "SELECT applied_through FROM bus_inbox WHERE producer = ?", arguments: [producer]) ?? 0
                }
                let parked = try await databases[consumer]!.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM bus_parked") ?? 0 }
                if applied != head || parked != 0 { found.append("\(consumer) applied \(producer) through \(applied) of \(head), \(parked) parked") }
            }
        }
        return found
    }

    @Test func claimJourneysUnderKillsAndPausesLoseNothingAndApplyNothingTwice() async throws {
        let claimCount = Self.setting("CHAOS_CLAIMS", 120)
        let minKills = Self.setting("CHAOS_MIN_KILLS", 5)
        let every = Self.setting("CHAOS_KILL_EVERY_MS", 400)
        let folder = try TemporaryFolder("chaos")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let smtp = try await SMTPTestServer(folder: folder)
        let cluster = try ServiceCluster(
            environment: [
                "PAYER_EMAIL_ADDRESSES": "payer@esfa.example", "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "\(smtp.port)",
                "SMTP_STARTTLS": "false", "MAIL_RATE_PER_SECOND": "1000", "MAIL_RETRY_BASE_SECONDS": "0.5", "LOG_LEVEL": "warning",
                "WEB_BOOTSTRAP_SUPPORT_EMAILS": "chaos.support@education.gov.uk",
            ],
            includeWeb: true
        )
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let j = try Journey(cluster: cluster, smtp: smtp)
        let client = RobustClient()
        let support = j.support
        let second = try cluster.token(["--role", "support", "--email", "second@education.example", "--sub", "second-support"])
        let provider = try cluster.token(["--role", "provider", "--provider-code", "1AB", "--email", "quality@best.example"])
        let schools = 10
        let schoolTokens = try (0..<schools).map {
            try cluster.token(["--role", "school", "--urn", "\(200_000 + $0)", "--email", "head@\(200_000 + $0).example"])
        }

        // Reference data, before the chaos starts.
        try await j.expect(
            201,
            j.intake,
            "PUT",
            "/api/v1/providers/1AB",
            support,
            [
                "name": "Best Training", "ukprn": "10012345", "accredited": true, "email_addresses": ["quality@best.example"],
            ]
        )
        try await j.openWindow()
        for s in 0..<schools {
            let urn = 200_000 + s
            try await j.expect(
                201,
                j.intake,
                "PUT",
                "/api/v1/schools/\(urn)",
                support,
                [
                    "name": "School \(s)", "postcode": "N1 1AA", "local_authority": "Islington", "type_of_establishment": "Academy",
                    "group": "Academies", "region": "inner_london", "contact_emails": ["office@\(urn).example"],
                ]
            )
            try await j.expect(201, j.intake, "POST", "/api/v1/schools/\(urn)/eligibility", support, ["academic_year": j.year])
            try await j.expect(201, j.intake, "POST", "/api/v1/schools/\(urn)/grant-conditions", schoolTokens[s], [:])
        }

        // The chaos driver.
        let driver = ChaosDriver(cluster: cluster, every: .milliseconds(every), cooldown: Double(Self.setting("CHAOS_COOLDOWN_MS", 4000)) / 1000)
        let driverTask = Task { await driver.run() }
        let started = Date()

        // Meanwhile, support adds colleagues to a school through web's pages, whatever is killed.
        let colleagues = (0..<8).map { "colleague\($0)@200000.example" }
        let web = WebSession(base: "http://127.0.0.1:\(cluster.httpPorts["web"]!)")
        let webTask = Task {
            try await web.retrying { try await web.signIn(email: "chaos.support@education.gov.uk") }
            for email in colleagues {
                try await web.retrying {
                    try await web.submit(
                        "/support/memberships/new",
                        ["organisation": "200000", "first_name": "Chaos", "last_name": "Colleague", "email": email]
                    )
                }
            }
        }

        // 1. Every claim: a mentor, a draft (with an Idempotency-Key), the submission.
        let references = ReferenceBook()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<6 {
                group.addTask {
                    for i in stride(from: w, to: claimCount, by: 6) {
                        let urn = 200_000 + i % schools
                        let token = schoolTokens[i % schools]
                        let trn = String(format: "%07d", 2_000_000 + i)
                        _ = try await client.call(
                            j.intake,
                            "POST",
                            "/api/v1/schools/\(urn)/mentors",
                            token,
                            json: ["trn": trn, "first_name": "Mentor", "last_name": "\(i)"],
                            accept: [201, 409]
                        )
                        let draft = try await client.call(
                            j.intake,
                            "POST",
                            "/api/v1/schools/\(urn)/claims",
                            token,
                            json: ["provider_code": "1AB", "mentors": [["trn": trn, "hours": 1 + i % 16]]],
                            headers: ["Idempotency-Key": "claim-\(i)"],
                            accept: [201]
                        )
                        let reference = try #require(draft.json?["reference"] as? String)
                        references.map.withLock { $0[i] = reference }
                        _ = try await client.call(
                            j.intake,
                            "POST",
                            "/api/v1/claims/\(reference)/submit",
                            token,
                            json: ["declaration_accepted": true],
                            accept: [200, 409, 422]
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        let refs = references.map.withLock { $0 }
        #expect(refs.count == claimCount)
        let byReference = Dictionary(uniqueKeysWithValues: refs.map { ($0.value, $0.key) })
        func count(_ status: String) async throws -> Int {
            try await client.call(j.intake, "GET", "/api/v1/claims?status=\(status)&per_page=1", support).json?["total"] as? Int ?? -1
        }
        // Every claim submitted (a submission whose reply was lost was retried, and a 409 means
        // it had gone through).
        try await Eventually.wait("every claim submitted", timeout: 120, interval: .milliseconds(250)) { try await count("submitted") == claimCount }

        // 2. Payment runs until every claim is in one.
        try await Eventually.wait("every claim in a payment run", timeout: 180, interval: .milliseconds(500)) {
            if try await count("submitted") > 0 {
                _ = try await client.call(j.payments, "POST", "/api/v1/payments/runs", support, json: [:], accept: [201, 409])
            }
            return try await count("payment_in_progress") == claimCount
        }

        // 3. The payer's response to each run: a tenth unpaid.
        let runs = try await client.call(j.payments, "GET", "/api/v1/payments/runs?per_page=100", support).json?["items"] as? [[String: Any]] ?? []
        for run in runs {
            let id = try #require(run["id"] as? Int)
            let detail = try await client.call(j.payments, "GET", "/api/v1/payments/runs/\(id)", support)
            let claims = (detail.json?["claims"] as? [[String: Any]] ?? []).compactMap {
                $0["reference"] as? String ?? $0["claim_reference"] as? String
            }
            var csv = "claim_reference,claim_status,claim_unpaid_reason\r\n"
            for reference in claims {
                let fate = Fate(byReference[reference] ?? 0)
                csv +=
                    fate == .paidAfterInformation || fate == .notApproved
                    ? "\(reference),unpaid,Bank details do not match\r\n" : "\(reference),paid,\r\n"
            }
            _ = try await client.call(j.payments, "POST", "/api/v1/payments/runs/\(id)/response", support, csv: csv, accept: [200, 422])
        }
        let unpaid = refs.filter { [.paidAfterInformation, .notApproved].contains(Fate($0.key)) }
        try await Eventually.wait("the payer's answers in claims-intake", timeout: 180, interval: .milliseconds(500)) {
            try await count("payment_information_requested") == unpaid.count
        }

        // 4. The information loop.
        for (i, reference) in unpaid {
            _ = try await client.call(
                j.payments,
                "POST",
                "/api/v1/payments/claims/\(reference)/information-sent",
                support,
                json: [:],
                accept: [200, 409, 422]
            )
            if Fate(i) == .paidAfterInformation {
                _ = try await client.call(
                    j.payments,
                    "POST",
                    "/api/v1/payments/claims/\(reference)/paid",
                    support,
                    json: [:],
                    accept: [200, 409, 422]
                )
            } else {
                _ = try await client.call(
                    j.payments,
                    "POST",
                    "/api/v1/payments/claims/\(reference)/reject",
                    support,
                    json: ["reason": "No reply"],
                    accept: [200, 409, 422]
                )
            }
        }
        let sampled = refs.filter { [.sampledAccepted, .clawedBack].contains(Fate($0.key)) }
        try await Eventually.wait("every claim paid or not approved", timeout: 180, interval: .milliseconds(500)) {
            try await count("paid") == claimCount - unpaid.count + unpaid.filter { Fate($0.key) == .paidAfterInformation }.count
        }

        // 5. A sample; the provider answers, rejecting one claim in fifty.
        var sampleCSV = "claim_reference,sample_reason\r\n"
        for (_, reference) in sampled { sampleCSV += "\(reference),Chaos check\r\n" }
        try await Eventually.wait("the sample taken", timeout: 180, interval: .milliseconds(500)) {
            _ = try await client.call(j.audit, "POST", "/api/v1/audit/samples", support, csv: sampleCSV, accept: [200, 201, 409, 422])
            return try await count("sampling_in_progress") == sampled.count
        }
        let requests =
            try await client.call(j.audit, "GET", "/api/v1/audit/provider-requests?provider_code=1AB", provider).json?["items"] as? [[String: Any]]
            ?? []
        var answer = "claim_reference,mentor_trn,claim_accepted,rejection_reason\r\n"
        for (i, reference) in sampled {
            answer += "\(reference),\(String(format: "%07d", 2_000_000 + i)),\(Fate(i) == .clawedBack ? "no,Not trained" : "yes,")\r\n"
        }
        for request in requests {
            let id = try #require(request["id"] as? Int ?? request["request_id"] as? Int)
            _ = try await client.call(j.audit, "POST", "/api/v1/audit/provider-requests/\(id)/response", provider, csv: answer, accept: [200, 422])
        }
        let clawed = sampled.filter { Fate($0.key) == .clawedBack }
        try await Eventually.wait("the provider's answers in claims-intake", timeout: 180, interval: .milliseconds(500)) {
            try await count("sampling_provider_not_approved") == clawed.count
        }

        // 6. The school's response, a clawback of every hour, a second support user's approval.
        for (i, reference) in clawed {
            let trn = String(format: "%07d", 2_000_000 + i)
            _ = try await client.call(
                j.audit,
                "POST",
                "/api/v1/audit/claims/\(reference)/school-response",
                support,
                json: ["mentors": [["trn": trn, "reason": "No records"]]],
                accept: [200, 409, 422]
            )
            _ = try await client.call(
                j.audit,
                "POST",
                "/api/v1/audit/claims/\(reference)/clawback",
                support,
                json: ["mentors": [["trn": trn, "hours_trained": 0, "notes": "None"]]],
                accept: [200, 409, 422]
            )
            _ = try await client.call(
                j.audit,
                "POST",
                "/api/v1/audit/claims/\(reference)/clawback/decision",
                second,
                json: ["approved": true],
                accept: [200, 409, 422]
            )
        }
        try await Eventually.wait("every clawback requested", timeout: 180, interval: .milliseconds(500)) {
            try await count("clawback_requested") == clawed.count
        }

        // 7. Clawback runs; the payer confirms each claim (a claim of another run is refused
        //    with 422 and changes nothing).
        try await Eventually.wait("every clawback in a run", timeout: 180, interval: .milliseconds(500)) {
            if try await count("clawback_requested") > 0 {
                _ = try await client.call(j.payments, "POST", "/api/v1/payments/clawback-runs", support, json: [:], accept: [201, 409])
            }
            return try await count("clawback_in_progress") == clawed.count
        }
        // The payer learns each clawback run from its email's link.
        func clawbackRuns() -> Set<Int> {
            Set(
                smtp.received().filter { $0.template == "clawback_run_ready" }.compactMap { email -> Int? in
                    guard let link = Journey.link(in: email.body) else { return nil }
                    let parts = link.split(separator: "/")
                    guard let index = parts.firstIndex(of: "clawback-runs"), index + 1 < parts.count else { return nil }
                    return Int(parts[index + 1])
                }
            )
        }
        try await Eventually.wait("every clawback complete", timeout: 180, interval: .milliseconds(500)) {
            for run in clawbackRuns() {
                for (_, reference) in clawed {
                    _ = try await client.call(
                        j.payments,
                        "POST",
                        "/api/v1/payments/clawback-runs/\(run)/response",
                        support,
                        csv: "claim_reference,claim_status\r\n\(reference),clawback_complete\r\n",
                        accept: [200, 404, 422]
                    )
                }
            }
            return try await count("clawback_complete") == clawed.count
        }
        try await webTask.value
        let journeySeconds = Date().timeIntervalSince(started)
        driver.journeysDone()

        // The driver stops; everything settles.
        driver.stop()
        await driverTask.value
        try await cluster.waitAllReady(timeout: 120)

        // Every claim in the state its journey intends.
        let export = try await client.call(j.intake, "GET", "/api/v1/claims/export.csv", support)
        let rows = export.text.split(whereSeparator: \.isNewline).dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = export.text.split(whereSeparator: \.isNewline).first.map { $0.split(separator: ",").map(String.init) } ?? []
        let statusColumn = try #require(header.firstIndex(of: "claim_status"))
        let amountColumn = try #require(header.firstIndex(of: "claim_amount"))
        var lost = 0
        var expectedPaidPence = 0
        for row in rows {
            guard let i = byReference[row[0]] else { continue }
            if row[statusColumn] != Fate(i).finalStatus { lost += 1 }
            if Fate(i) != .notApproved { expectedPaidPence += Int((Double(row[amountColumn]) ?? 0) * 100 + 0.5) }
        }
        #expect(rows.count == claimCount, "claims-intake holds \(rows.count) claims for \(claimCount) created")
        let appliedTwiceClaims = rows.count - Set(rows.map { $0[0] }).count + max(0, rows.count - claimCount)

        // The ledger equals the payments made and clawed back.
        let ledger = try await j.ledgerTotals()
        let expectedClawedBack = clawed.reduce(0) { $0 + 5360 * (1 + $1.key % 16) }
        #expect(ledger["paid_pence"] == expectedPaidPence)
        #expect(ledger["clawed_back_pence"] == expectedClawedBack)

        // Emails: none waiting or failed, none lost, repeats counted.
        try await Eventually.wait("every email sent", timeout: 120, interval: .milliseconds(500)) {
            let queued =
                try await client.call(j.notifications, "GET", "/api/v1/notifications?status=queued&per_page=1", support).json?["total"] as? Int
            return queued == 0
        }
        // Every consumer catches up with every producer's outbox (the last notification.sent
        // messages included) before the services stop.
        try await Eventually.wait("every inbox to equal every outbox", timeout: 60, interval: .milliseconds(250)) {
            try await Self.disagreements(cluster).isEmpty
        }
        await cluster.stopAll()

        // Databases, read after every process stopped.
        var databases: [String: DatabaseQueue] = [:]
        for name in cluster.members {
            databases[name] = try DatabaseQueue(path: cluster.folder.path("\(name)/\(name).sqlite"))
        }
        var integrity: [String: String] = [:]
        for (name, db) in databases {
            integrity[name] = try await db.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } ?? "?"
        }
        #expect(integrity.values.allSatisfy { $0 == "ok" }, "\(integrity)")
        // Each consumer applied exactly each producer's outbox, and nothing is parked.
        let disagreements = try await Self.disagreements(cluster)
        #expect(disagreements.isEmpty, "\(disagreements)")
        let emails = try await databases["notifications"]!.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM emails WHERE status = 'sent'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM emails WHERE status != 'sent'") ?? 0,
                Set(try String.fetchAll(db, sql: "SELECT '<' || message_id || '>' FROM emails WHERE status = 'sent'"))
            )
        }
        let received = smtp.received()
        let receivedIDs = Set(received.map(\.messageID))
        let emailsLost = emails.2.subtracting(receivedIDs).count + emails.1
        let emailsDuplicated = received.count - receivedIDs.count
        let submittedEmails = received.filter { $0.template == "claim_submitted" }
        // The submitter and the school's office (the colleagues added meanwhile are the school's users too).
        #expect(Set(submittedEmails.filter { !colleagues.contains($0.to) }.map(\.messageID)).count == 2 * claimCount)
        #expect(emailsLost == 0)
        #expect(emailsDuplicated <= driver.kills)
        // Each colleague added through web was emailed once: web's outbox, notifications' inbox.
        let added = received.filter { $0.template == "membership_added" && colleagues.contains($0.to) }
        #expect(Set(added.map(\.to)) == Set(colleagues), "\(added.map(\.to))")
        #expect(Set(added.map(\.messageID)).count == colleagues.count)
        let paymentsClaims = try await databases["payments"]!.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM claims") ?? 0 }
        #expect(paymentsClaims == claimCount)

        let report = driver.report()
        #expect(lost == 0)
        #expect(appliedTwiceClaims == 0)
        #expect(driver.killsDuringJourneys >= minKills)
        print(
            """

            Chaos run: \(claimCount) claims, \(String(format: "%.0f", journeySeconds)) s of journeys, a kill every \(every) ms
            | measure | value |
            |---|---:|
            | operations attempted (HTTP calls, retries counted once) | \(client.attempted) |
            | operations acknowledged | \(client.acknowledged) |
            | retries after a refused, dropped or 5xx answer | \(client.retries) |
            | claims lost (not in the state intended) | \(lost) |
            | claims applied twice (duplicates in claims-intake) | \(appliedTwiceClaims) |
            | payments' copy of claims | \(paymentsClaims) of \(claimCount) |
            | emails sent / lost / received twice | \(emails.0) / \(emailsLost) / \(emailsDuplicated) |
            | SIGKILLs during the journeys / in all | \(driver.killsDuringJourneys) / \(driver.kills) |
            | SIGTERMs / SIGSTOP pauses | \(driver.terms) / \(driver.pauses) |
            | recovery after a kill (to /ready 200), median / max | \(report.median) / \(report.max) (\(driver.slowestRecovery.service)) |
            | longest outage (first of several kills in a row → /ready 200) | \(String(format: "%.2f s", driver.longestOutage.seconds)) (\(driver.longestOutage.service)) |
            | colleagues added through web, emailed once each | \(Set(added.map(\.messageID)).count) of \(colleagues.count) |
            | databases passing integrity_check | \(integrity.values.filter { $0 == "ok" }.count) of \(cluster.members.count) |
            """
        )
        print(
            "slowest recovery: \(driver.slowestRecovery.service) after \(String(format: "%.2f", driver.slowestRecovery.seconds)) s; /ready said before: \(driver.slowestRecovery.reasons)"
        )
        for db in databases.values { try db.close() }
        await cluster.tearDown()
    }
}

/// The claims' references by number, filled in by the workers.
final class ReferenceBook: Sendable {
    let map = Mutex<[Int: String]>([:])
}

/// Retries a call until the service answers (a killed service refuses connections until it is
/// restarted; a paused one answers late): refused, dropped, timed out and 5xx are retried.
final class RobustClient: Sendable {
    private let counters = Mutex<(attempted: Int, acknowledged: Int, retries: Int)>((0, 0, 0))
    var attempted: Int { counters.withLock { $0.attempted } }
    var acknowledged: Int { counters.withLock { $0.acknowledged } }
    var retries: Int { counters.withLock { $0.retries } }

    func call(
        _ http: TestHTTP,
        _ method: String,
        _ path: String,
        _ token: String,
        json: [String: Any]? = nil,
        csv: String? = nil,
        headers: [String: String] = [:],
        accept: Set<Int> = [200]
    ) async throws -> TestHTTP.Reply {
        counters.withLock { $0.attempted += 1 }
        let body: Data? = try json.map { try JSONSerialization.data(withJSONObject: $0) } ?? csv.map { Data($0.utf8) }
        let deadline = Date().addingTimeInterval(120)
        var last = ""
        while Date() < deadline {
            do {
                let reply = try await http.send(
                    method,
                    path,
                    token: token,
                    body: body,
                    contentType: csv == nil ? "application/json" : "text/csv",
                    headers: headers
                )
                if accept.contains(reply.status) {
                    counters.withLock { $0.acknowledged += 1 }
                    return reply
                }
                last = "\(reply.status) \(reply.text.prefix(300))"
                guard reply.status >= 500 else { throw Eventually.TimedOut(what: "\(method) \(path) answered \(last)") }
            } catch let error as Eventually.TimedOut {
                throw error
            } catch {
                last = "\(error)"
            }
            counters.withLock { $0.retries += 1 }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Eventually.TimedOut(what: "\(method) \(path): \(last)")
    }
}

/// SIGKILLs a random service every `every` and restarts it at once (without waiting for it to be
/// ready, so a service may be killed again while it is still catching up); every fifth time it
/// pauses one with SIGSTOP for up to a second and a half instead, and every seventh it stops one
/// gracefully with SIGTERM. A service is not killed again within `cooldown` of its last restart.
/// Each restart's time to `/ready` 200 is measured on the side.
final class ChaosDriver: Sendable {
    let cluster: ServiceCluster
    let every: Duration
    let cooldown: TimeInterval
    private let state = Mutex<(stop: Bool, kills: Int, pauses: Int, terms: Int, duringJourney: Int?, recoveries: [Double])>((false, 0, 0, 0, nil, []))
    /// Each service's restart count, so a restart killed again before it is ready stops being
    /// measured (the next restart is measured instead), and the slowest recovery with its reason.
    private let generations = Mutex<[String: Int]>([:])
    private let slowest = Mutex<(seconds: Double, service: String, reasons: String)>((0, "", ""))
    /// When each service's current outage began: its first kill not yet followed by `/ready` 200.
    private let outages = Mutex<(started: [String: Date], longest: Double, service: String)>(([:], 0, ""))

    /// The longest outage: from the first of several kills in a row to `/ready` 200.
    var longestOutage: (seconds: Double, service: String) { outages.withLock { ($0.longest, $0.service) } }

    init(cluster: ServiceCluster, every: Duration, cooldown: TimeInterval) {
        self.cluster = cluster
        self.every = every
        self.cooldown = cooldown
    }

    var kills: Int { state.withLock { $0.kills } }
    var pauses: Int { state.withLock { $0.pauses } }
    var terms: Int { state.withLock { $0.terms } }
    /// Kills made before `journeysDone()`.
    var killsDuringJourneys: Int { state.withLock { $0.duringJourney ?? $0.kills } }
    func journeysDone() { state.withLock { $0.duringJourney = $0.kills } }
    func stop() { state.withLock { $0.stop = true } }

    private func recorded(_ seconds: Double) { state.withLock { $0.recoveries.append(seconds) } }

    /// The slowest recovery, the service, and what its `/ready` said while it waited.
    var slowestRecovery: (seconds: Double, service: String, reasons: String) { slowest.withLock { $0 } }

    func report() -> (median: String, max: String) {
        let sorted = state.withLock { $0.recoveries }.sorted()
        guard !sorted.isEmpty else { return ("-", "-") }
        return (String(format: "%.2f s", sorted[sorted.count / 2]), String(format: "%.2f s", sorted.last!))
    }

    func run() async {
        var round = 0
        var lastRestart: [String: Date] = [:]
        while true {
            if state.withLock({ $0.stop }) { break }
            try? await Task.sleep(for: every)
            round += 1
            // A service restarted less than `cooldown` ago is left to make progress: killed
            // faster than it can finish one large request, nothing could ever complete.
            let now = Date()
            let candidates = cluster.members.filter { now.timeIntervalSince(lastRestart[$0] ?? .distantPast) >= cooldown }
            guard let name = candidates.randomElement(), let process = cluster.processes[name] else { continue }
            if round % 5 == 0 {
                process.send(SIGSTOP)
                try? await Task.sleep(for: .milliseconds(Int.random(in: 300...1500)))
                process.send(SIGCONT)
                state.withLock { $0.pauses += 1 }
                continue
            }
            if round % 7 == 0 {
                process.send(SIGTERM)
                _ = await process.waitForExit(timeout: 10)
                state.withLock { $0.terms += 1 }
            } else {
                await process.kill9()
                state.withLock { $0.kills += 1 }
            }
            let started = Date()
            lastRestart[name] = started
            outages.withLock { if $0.started[name] == nil { $0.started[name] = started } }
            let generation = generations.withLock { map -> Int in
                map[name, default: 0] += 1
                return map[name]!
            }
            guard (try? cluster.start(name)) != nil else { continue }
            let port = cluster.httpPorts[name]!
            Task {
                // Time from the kill to /ready 200; a restart killed again before it is ready
                // is no longer measured (its successor is).
                let http = TestHTTP(base: "http://127.0.0.1:\(port)")
                var reasons = ""
                while Date().timeIntervalSince(started) < 120 {
                    guard self.generations.withLock({ $0[name] }) == generation else { return }
                    if let reply = try? await http.get("/ready") {
                        if reply.status == 200 {
                            let seconds = Date().timeIntervalSince(started)
                            guard self.generations.withLock({ $0[name] }) == generation else { return }
                            self.recorded(seconds)
                            self.slowest.withLock { if seconds > $0.seconds { $0 = (seconds, name, reasons) } }
                            self.outages.withLock { state in
                                let outage = Date().timeIntervalSince(state.started[name] ?? started)
                                if outage > state.longest { (state.longest, state.service) = (outage, name) }
                                state.started[name] = nil
                            }
                            return
                        }
                        reasons = String(reply.text.prefix(400))
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }
}
