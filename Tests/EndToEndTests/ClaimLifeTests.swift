import Foundation
import TestSupport
import Testing

/// The whole life of claims across the four real services, driven through HTTP only, with a real
/// SMTP server: at each step the claim's status in claims-intake, the ledger in payments and the
/// emails received.
@Suite(.serialized) struct ClaimLifeTests {
    @Test func aTrustClaimsForTwoSchoolsAndEveryStepToTheClawbackIsPaidRecordedAndEmailed() async throws {
        let folder = try TemporaryFolder("claim-life")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let smtp = try await SMTPTestServer(folder: folder)
        let cluster = try ServiceCluster(environment: [
            "PAYER_EMAIL_ADDRESSES": "payer@esfa.example", "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "\(smtp.port)",
            "SMTP_STARTTLS": "false", "MAIL_RATE_PER_SECOND": "200",
        ])
        defer { cluster.killAll() }
        try cluster.startAll()
        try await cluster.waitAllReady()
        let j = try Journey(cluster: cluster, smtp: smtp)
        let support = j.support
        let mat = try cluster.token(["--role", "school", "--urn", "100001", "--urn", "100002", "--email", "mat@trust.example", "--sub", "mat-user"])
        let provider = try cluster.token(["--role", "provider", "--provider-code", "1AB", "--email", "quality@best.example"])
        let second = try cluster.token(["--role", "support", "--email", "second@education.example", "--sub", "second-support"])

        // Reference data, as support.
        let trust: [String: Any] = ["uid": "T1", "name": "Bright Futures Trust"]
        try await j.expect(
            201,
            j.intake,
            "PUT",
            "/api/v1/schools/100001",
            support,
            [
                "name": "Ysgol Gymraeg Llundain – Déjà Vu", "postcode": "N1 1AA", "local_authority": "Islington", "type_of_establishment": "Academy",
                "group": "Academies", "region": "inner_london", "trust": trust, "contact_emails": ["office@a.example"],
            ]
        )
        try await j.expect(
            201,
            j.intake,
            "PUT",
            "/api/v1/schools/100002",
            support,
            [
                "name": "Hillside Primary", "postcode": "HA1 1AA", "local_authority": "Harrow", "type_of_establishment": "Academy",
                "group": "Academies", "region": "outer_london", "trust": trust, "contact_emails": ["office@b.example"],
            ]
        )
        try await j.expect(
            201,
            j.intake,
            "PUT",
            "/api/v1/providers/1AB",
            support,
            [
                "name": "Best Training Partnership", "ukprn": "10012345", "accredited": true, "email_addresses": ["quality@best.example"],
            ]
        )
        try await j.openWindow()
        for urn in [100001, 100002] {
            try await j.expect(201, j.intake, "POST", "/api/v1/schools/\(urn)/eligibility", support, ["academic_year": j.year])
            try await j.expect(201, j.intake, "POST", "/api/v1/schools/\(urn)/grant-conditions", mat, [:])
        }
        for (urn, trn, first, last) in [
            (100001, "1111111", "Ada", "Lovelace"), (100001, "2222222", "Grace", "Hopper"), (100002, "3333333", "Alan", "Turing"),
        ] {
            try await j.expect(201, j.intake, "POST", "/api/v1/schools/\(urn)/mentors", mat, ["trn": trn, "first_name": first, "last_name": last])
        }

        // The trust's user claims for both schools.
        let a1 = try await j.submit(mat, urn: 100001, mentors: [["trn": "1111111", "hours": 10], ["trn": "2222222", "hours": 6]])
        let b1 = try await j.submit(mat, urn: 100002, mentors: [["trn": "3333333", "hours": 12]])
        let a2 = try await j.submit(mat, urn: 100001, mentors: [["trn": "1111111", "hours": 6]])
        #expect(try await j.claim(a1)["amount_pence"] as? Int == 85_760)  // 16 h × £53.60
        #expect(try await j.claim(b1)["amount_pence"] as? Int == 57_900)  // 12 h × £48.25
        #expect(try await j.claim(a2)["amount_pence"] as? Int == 32_160)
        let submitted = try await j.email("claim_submitted", to: "office@a.example", about: a1)
        #expect(submitted.subject == "Claim \(a1) submitted: £857.60")
        #expect(try await j.email("claim_submitted", to: "mat@trust.example", about: b1).subject == "Claim \(b1) submitted: £579.00")
        #expect(try await j.email("claim_submitted", to: "office@b.example", about: b1).body.contains("Hillside Primary"))

        // Support sends a payment run; the payer downloads it through the emailed link.
        // (With an Idempotency-Key, as a client that may retry after a lost reply sends it.)
        var created: TestHTTP.Reply?
        try await Eventually.wait("a payment run", timeout: 30, interval: .milliseconds(100)) {
            created = try await j.send(j.payments, "POST", "/api/v1/payments/runs", support, [:], headers: ["Idempotency-Key": "run-1"])
            return created?.status == 201
        }
        let run = try #require(created)
        #expect(run.json?["claim_count"] as? Int == 3)
        let repeated = try await j.send(j.payments, "POST", "/api/v1/payments/runs", support, [:], headers: ["Idempotency-Key": "run-1"])
        #expect(repeated.status == 201 && repeated.json?["id"] as? Int == run.json?["id"] as? Int)
        #expect(
            try await j.send(j.payments, "POST", "/api/v1/payments/runs", support, ["claim_window_id": 99], headers: ["Idempotency-Key": "run-1"])
                .status == 409
        )
        #expect(run.json?["total_pence"] as? Int == 85_760 + 57_900 + 32_160)
        let runID = try #require(run.json?["id"] as? Int)
        for reference in [a1, b1, a2] { try await j.statusBecomes(reference, "payment_in_progress") }
        let ready = try await j.email("payment_run_ready", to: "payer@esfa.example")
        #expect(ready.body.contains("Total: £1,758.20"))
        #expect(!ready.body.contains("Ysgol") && !ready.body.contains("Lovelace"))
        let link = try #require(Journey.link(in: ready.body))
        let file = try await j.download(link)
        #expect(file.status == 200)
        #expect(file.headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(file.text.hasPrefix("claim_reference,school_urn,school_name,school_local_authority,provider_name,claim_amount,"))
        #expect(file.text.contains("\(a1),100001,Ysgol Gymraeg Llundain – Déjà Vu,Islington,Best Training Partnership,857.60,"))
        #expect(file.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 4)
        #expect(try await j.download(link).status == 410)  // single use

        // The payer's response: one paid, two unpaid.
        let response =
            "claim_reference,claim_status,claim_unpaid_reason\r\n\(a1),paid,\r\n\(b1),unpaid,Bank details do not match\r\n\(a2),unpaid,No evidence of training\r\n"
        let applied = try await j.csv(j.payments, "/api/v1/payments/runs/\(runID)/response", support, response)
        #expect(applied.status == 200, "\(applied.text)")
        try await j.statusBecomes(a1, "paid")
        try await j.statusBecomes(b1, "payment_information_requested")
        try await j.statusBecomes(a2, "payment_information_requested")
        #expect(try await j.email("claim_paid", to: "office@a.example", about: a1).subject == "Claim \(a1) paid: £857.60")
        #expect(try await j.email("payment_information_requested", to: "office@b.example", about: b1).body.contains("Bank details do not match"))

        // The information loop: one is paid after all, one is not approved.
        try await j.expect(200, j.payments, "POST", "/api/v1/payments/claims/\(b1)/information-sent", support, [:])
        try await j.statusBecomes(b1, "payment_information_sent")
        try await j.expect(200, j.payments, "POST", "/api/v1/payments/claims/\(b1)/paid", support, [:])
        try await j.statusBecomes(b1, "paid")
        try await j.expect(
            200,
            j.payments,
            "POST",
            "/api/v1/payments/claims/\(a2)/reject",
            support,
            ["reason": "The school could not show the training"]
        )
        try await j.statusBecomes(a2, "payment_not_approved")
        #expect(try await j.email("claim_paid", to: "mat@trust.example", about: b1).subject == "Claim \(b1) paid: £579.00")
        let notApproved = try await j.email("payment_not_approved", to: "office@a.example", about: a2)
        #expect(notApproved.body.contains("£321.60") && notApproved.body.contains("The school could not show the training"))
        var ledger = try await j.ledgerTotals()
        #expect(ledger["paid_pence"] == 85_760 + 57_900)
        #expect(ledger["clawed_back_pence"] == 0)

        // A sample of the first claim; the provider downloads its file through its own link and
        // does not accept one mentor.
        let sampleCSV = "claim_reference,sample_reason\r\n\(a1),Random check\r\n"
        let sample = try await j.retryUntil(
            201,
            j.audit,
            "POST",
            "/api/v1/audit/samples",
            support,
            csv: sampleCSV,
            headers: ["Idempotency-Key": "sample-1"]
        )
        let again = try await j.audit.send(
            "POST",
            "/api/v1/audit/samples",
            token: support,
            body: Data(sampleCSV.utf8),
            contentType: "text/csv",
            headers: ["Idempotency-Key": "sample-1"]
        )
        #expect(again.status == 201 && again.json?["id"] as? Int == sample.json?["id"] as? Int)
        let requestID = try #require((sample.json?["providers"] as? [[String: Any]])?.first?["request_id"] as? Int)
        try await j.statusBecomes(a1, "sampling_in_progress")
        let request = try await j.email("sampling_request", to: "quality@best.example")
        let providerFile = try await j.download(try #require(Journey.link(in: request.body)))
        #expect(providerFile.status == 200)
        #expect(providerFile.text.contains("\(a1),100001,") && providerFile.text.contains("2222222,Grace Hopper,6"))
        let rejected = try await j.csv(
            j.audit,
            "/api/v1/audit/provider-requests/\(requestID)/response",
            provider,
            "claim_reference,mentor_trn,claim_accepted,rejection_reason\r\n\(a1),1111111,yes,\r\n\(a1),2222222,no,No record of her training\r\n"
        )
        #expect(rejected.status == 200, "\(rejected.text)")
        try await j.statusBecomes(a1, "sampling_provider_not_approved")
        let action = try await j.email("sampling_provider_not_approved", to: "office@a.example", about: a1)
        #expect(action.body.contains("- Grace Hopper (TRN 2222222): No record of her training"))

        // The school's response, then a clawback approved by a second support user.
        try await j.expect(
            200,
            j.audit,
            "POST",
            "/api/v1/audit/claims/\(a1)/school-response",
            support,
            ["mentors": [["trn": "2222222", "reason": "Sessions were not recorded"]]]
        )
        try await j.statusBecomes(a1, "sampling_not_approved")
        #expect(
            try await j.email("school_response_recorded", to: "office@a.example", about: a1).subject == "Claim \(a1): your response has been recorded"
        )
        try await j.expect(
            200,
            j.audit,
            "POST",
            "/api/v1/audit/claims/\(a1)/clawback",
            support,
            ["mentors": [["trn": "2222222", "hours_trained": 2, "notes": "Two sessions evidenced"]]]
        )
        try await j.statusBecomes(a1, "clawback_requires_approval")
        try await j.expect(403, j.audit, "POST", "/api/v1/audit/claims/\(a1)/clawback/decision", support, ["approved": true])
        try await j.expect(200, j.audit, "POST", "/api/v1/audit/claims/\(a1)/clawback/decision", second, ["approved": true])
        try await j.statusBecomes(a1, "clawback_requested")
        let clawbackEmail = try await j.email("clawback_requested", to: "office@a.example", about: a1)
        #expect(clawbackEmail.subject == "Claim \(a1): £214.40 will be recovered")  // 4 h × £53.60

        // The clawback run, downloaded by the payer, and the payer's response.
        let clawbackRun = try await j.retryUntil(201, j.payments, "POST", "/api/v1/payments/clawback-runs", support, [:])
        let clawbackID = try #require(clawbackRun.json?["id"] as? Int)
        try await j.statusBecomes(a1, "clawback_in_progress")
        let clawbackReady = try await j.email("clawback_run_ready", to: "payer@esfa.example")
        let clawbackFile = try await j.download(try #require(Journey.link(in: clawbackReady.body)))
        #expect(clawbackFile.text.contains("\(a1),100001,") && clawbackFile.text.contains(",857.60,214.40,"))
        let complete = try await j.csv(
            j.payments,
            "/api/v1/payments/clawback-runs/\(clawbackID)/response",
            support,
            "claim_reference,claim_status\r\n\(a1),clawback_complete\r\n"
        )
        #expect(complete.status == 200, "\(complete.text)")
        try await j.statusBecomes(a1, "clawback_complete")
        #expect(try await j.email("clawback_complete", to: "office@a.example", about: a1).body.contains("Amount recovered: £214.40"))
        ledger = try await j.ledgerTotals()
        #expect(ledger["paid_pence"] == 85_760 + 57_900)
        #expect(ledger["clawed_back_pence"] == 21_440)
        #expect(ledger["net_pence"] == 85_760 + 57_900 - 21_440)

        // What the trust's user sees, and the claim's story.
        let summary = try await j.intake.get("/api/v1/trusts/T1/summary", token: mat)
        #expect(summary.status == 200, "\(summary.text)")
        let claim = try await j.claim(a1)
        #expect(claim["clawback_amount_pence"] as? Int == 21_440)
        let activity = try await j.intake.get("/api/v1/claims/\(a1)/activity", token: mat)
        let items = activity.json?["items"] as? [[String: Any]] ?? []
        #expect(
            items.compactMap { $0["to"] as? String } == [
                "draft", "submitted", "payment_in_progress", "paid", "sampling_in_progress", "sampling_provider_not_approved",
                "sampling_not_approved", "clawback_requires_approval", "clawback_requested", "clawback_in_progress", "clawback_complete",
            ]
        )
        try await Eventually.wait("every email to the school in the claim's activity log", timeout: 30) {
            let log = try await j.intake.get("/api/v1/claims/\(a1)/activity", token: mat)
            // submitted, paid, provider not approved, response recorded, clawback requested,
            // clawback complete: to the school's contact and to the trust's user.
            return log.text.components(separatedBy: "email_sent").count - 1 == 12
        }
        // No email was sent twice and none is waiting or failed.
        let received = smtp.received()
        #expect(Set(received.map(\.messageID)).count == received.count)
        let queued = try await j.notifications.get("/api/v1/notifications?status=queued", token: support)
        let failed = try await j.notifications.get("/api/v1/notifications?status=failed", token: support)
        #expect(queued.json?["total"] as? Int == 0 && failed.json?["total"] as? Int == 0)
        await cluster.tearDown()
    }
}
