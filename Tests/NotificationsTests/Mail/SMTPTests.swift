import Foundation
import GRDB
import Messages
import Messaging
import ServiceSupport
import TestSupport
import Testing

@testable import Notifications

/// The SMTP client against a real SMTP server (aiosmtpd in its own process).
@Suite(.serialized) struct SMTPTransportTests {
    static func email(
        _ id: String,
        to: String = "office@school.example",
        subject: String = "Claim 12345678 submitted: £857.60",
        body: String
    ) -> Email {
        Email(
            messageID: "\(id)@mentor-claims.notifications",
            from: "Claim funding for mentor training <no-reply@example.invalid>",
            to: to,
            subject: subject,
            body: body,
            date: Date()
        )
    }

    @Test func startTLSAndAuthThenNonASCIIAndLeadingDotsArriveIntact() async throws {
        let folder = try TemporaryFolder("smtp")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let (certificate, key) = try SMTPTestServer.makeCertificate(in: folder)
        let server = try await SMTPTestServer(folder: folder, options: ["--tls", certificate, key, "--auth", "mailer:s3cret pass"])
        let transport = try SMTPMailTransport(
            settings: SMTPSettings(
                host: "localhost",
                port: server.port,
                username: "mailer",
                password: "s3cret pass",
                startTLS: true,
                certificateAuthorityFile: certificate
            )
        )
        let body = """
            Your claim for Ysgol Gymraeg Llundain – Déjà Vu has been submitted.
            .This line starts with a dot
            ..and this one with two
            .
            \(String(repeating: "A long line of text that must be wrapped by the encoder. ", count: 5))
            Amount claimed: £857.60
            """
        try await transport.send(
            Self.email("first", subject: "Cais Ysgol Gymraeg Llundain – Déjà Vu: £857.60 (a long subject that folds)", body: body)
        )
        // The same connection carries the next email.
        try await transport.send(Self.email("second", to: "head@school.example", body: "Second"))
        await transport.close()
        let received = try await server.waitFor(2)
        #expect(received[0].subject == "Cais Ysgol Gymraeg Llundain – Déjà Vu: £857.60 (a long subject that folds)")
        #expect(received[0].body.trimmingCharacters(in: .newlines) == body)
        #expect(received[0].messageID == "<first@mentor-claims.notifications>")
        #expect(received[0].recipients == ["office@school.example"])
        #expect(received[0].mailFrom == "no-reply@example.invalid")
        #expect(received[0].tls && received[0].authenticated)
        #expect(received[0].longestLine <= 78)
        #expect(received[1].recipients == ["head@school.example"])
    }

    @Test func startTLSIsRequiredWhenConfiguredAndTheServerDoesNotOfferIt() async throws {
        let folder = try TemporaryFolder("smtp")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let server = try await SMTPTestServer(folder: folder)
        let transport = try SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, startTLS: true))
        await #expect(throws: SMTPError.self) { try await transport.send(Self.email("x", body: "x")) }
        do {
            try await transport.send(Self.email("x", body: "x"))
        } catch let error as SMTPError {
            #expect(error.isPermanent)
            #expect(error.description.contains("STARTTLS"))
        }
        #expect(server.received().isEmpty)
    }

    @Test func aReplyInjectedBeforeSTARTTLSIsDiscardedAfterIt() async throws {
        let folder = try TemporaryFolder("smtp")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let (certificate, key) = try SMTPTestServer.makeCertificate(in: folder)
        let port = FreePorts.one()
        let script = BuiltProducts.packageRoot.appendingPathComponent("Tests/Scripts/smtp_injector.py").path
        let server = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: ["python3", script, "--port", "\(port)", "--cert", certificate, "--key", key],
            directory: folder.url,
            logName: "injector"
        )
        try await Eventually.wait("the hostile server to listen", timeout: 20) { server.output.contains("ready") }
        let transport = try SMTPMailTransport(
            settings: SMTPSettings(
                host: "localhost",
                port: port,
                username: "mailer",
                password: "secret",
                startTLS: true,
                certificateAuthorityFile: certificate
            )
        )
        // Read as the answer to EHLO after TLS, the injected 554 would fail this email.
        try await transport.send(Self.email("injected", body: "Sent through TLS only"))
        await transport.close()
        try await Eventually.wait("the email delivered over TLS", timeout: 10) { server.output.contains("\"delivered\": true, \"tls\": true") }
    }

    @Test func aPasswordIsNeverSentInClearUnlessStartTLSWasTurnedOff() async throws {
        let folder = try TemporaryFolder("smtp")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let server = try await SMTPTestServer(folder: folder, options: ["--auth", "mailer:s3cret"])
        // SMTP_STARTTLS=false, chosen explicitly: AUTH in clear is allowed (and warned of at start).
        let chosen = try SMTPMailTransport(
            settings: SMTPSettings(host: "127.0.0.1", port: server.port, username: "mailer", password: "s3cret", startTLS: false)
        )
        try await chosen.send(Self.email("clear", body: "x"))
        await chosen.close()
        #expect(try await server.waitFor(1).first?.authenticated == true)
        // With STARTTLS on, a server that does not offer it never gets the password.
        let strict = try SMTPMailTransport(
            settings: SMTPSettings(host: "127.0.0.1", port: server.port, username: "mailer", password: "s3cret", startTLS: true)
        )
        await #expect(throws: SMTPError.self) { try await strict.send(Self.email("strict", body: "x")) }
        #expect(server.received().count == 1)
    }

    @Test func authLoginIsUsedWhenItIsTheOnlyMechanismOffered() async throws {
        let folder = try TemporaryFolder("smtp")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let (certificate, key) = try SMTPTestServer.makeCertificate(in: folder)
        let server = try await SMTPTestServer(folder: folder, options: ["--tls", certificate, key, "--auth", "mailer:pässword", "--auth-login-only"])
        let transport = try SMTPMailTransport(
            settings: SMTPSettings(
                host: "localhost",
                port: server.port,
                username: "mailer",
                password: "pässword",
                startTLS: true,
                certificateAuthorityFile: certificate
            )
        )
        try await transport.send(Self.email("login", body: "Sent after AUTH LOGIN"))
        await transport.close()
        let received = try await server.waitFor(1)
        #expect(received[0].authenticated && received[0].tls)
        #expect(received[0].body.contains("Sent after AUTH LOGIN"))
    }

    @Test func aWrongPasswordSendsNothing() async throws {
        let folder = try TemporaryFolder("smtp")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let server = try await SMTPTestServer(folder: folder, options: ["--auth", "mailer:right"])
        let transport = try SMTPMailTransport(
            settings: SMTPSettings(
                host: "127.0.0.1",
                port: server.port,
                username: "mailer",
                password: "wrong",
                startTLS: false,
                timeout: .seconds(5)
            )
        )
        // This server drops the connection on a bad password rather than answering 535; either
        // way the email is not sent and the error names the step.
        await #expect(throws: SMTPError.self) { try await transport.send(Self.email("x", body: "x")) }
        #expect(server.received().isEmpty)
    }

    @Test func aServerThatIsDownIsATemporaryFailure() async throws {
        let transport = try SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: FreePorts.one(), startTLS: false))
        do {
            try await transport.send(Self.email("x", body: "x"))
            Issue.record("sent to nobody")
        } catch let error as SMTPError {
            #expect(!error.isPermanent)
        }
    }

    @Test func dotStuffingDoublesLeadingDotsAndEndsTheData() {
        #expect(SMTPMailTransport.dotStuffed("a\r\n.b\r\n..c\r\n.\r\n") == "a\r\n..b\r\n...c\r\n..\r\n.\r\n")
        #expect(SMTPMailTransport.address("Claim funding <no-reply@example.invalid>") == "no-reply@example.invalid")
    }
}

/// The sender's retries and failures, through the real SMTP client and server.
@Suite(.serialized) struct SendingTests {
    @Test func a4xxIsRetriedWithBackoffThenSucceedsAndA5xxFailsAtOnceAndSupportCanRetryIt() async throws {
        let harness = try await NotificationsHarness()
        defer {
            ProcessLauncher.killAll(in: harness.folder.url)
            harness.folder.remove()
        }
        let server = try await SMTPTestServer(
            folder: harness.folder,
            options: ["--temporary", "head@school.example=2", "--permanent", "office@school.example"]
        )
        try harness.deliver(NotificationsHarness.claim("12345678"))
        let sender = harness.sender(try SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, startTLS: false)))
        try await harness.sendAll(sender)

        let rows = try await harness.emails()
        let head = try #require(rows.first { $0["recipient"] == "head@school.example" })
        let office = try #require(rows.first { $0["recipient"] == "office@school.example" })
        #expect(head["status"] as String == "sent")
        #expect(head["attempts"] as Int == 3)  // 451, 451, then accepted
        #expect(office["status"] as String == "failed")
        #expect(office["attempts"] as Int == 1)  // 550: no point trying again
        #expect((office["last_error"] as String).contains("550"))
        let received = server.received()
        #expect(received.map(\.recipients) == [["head@school.example"]])
        let facts = try await harness.service.database.read { try String.fetchAll($0, sql: "SELECT type FROM bus_outbox ORDER BY sequence") }
        #expect(facts.sorted() == ["notification.failed", "notification.sent"])

        // Support sees the failure in the log and sends it again; it fails again (the mailbox
        // still does not exist) and the log shows both attempts.
        let token = try await harness.token()
        let log = try await harness.http.send(.get, "/api/v1/notifications?status=failed&to=office@school.example", token: token)
        let item = try #require((log.json?["items"] as? [[String: Any]])?.first)
        #expect(item["status"] as? String == "failed")
        #expect((item["last_error"] as? String)?.contains("550") == true)
        let id = try #require(item["id"] as? Int)
        #expect(try await harness.http.send(.post, "/api/v1/notifications/\(id)/retry", token: try await harness.token(.school)).status == 403)
        #expect(try await harness.http.send(.post, "/api/v1/notifications/\(id)/retry", token: token).status == 202)
        #expect(try await harness.http.send(.post, "/api/v1/notifications/\(id)/retry", token: token).status == 409)  // already queued
        let sentID = try #require(head["id"] as Int64?)
        #expect(try await harness.http.send(.post, "/api/v1/notifications/\(sentID)/retry", token: token).status == 409)
        #expect(try await harness.http.send(.post, "/api/v1/notifications/999999/retry", token: token).status == 404)
        try await harness.sendAll(sender)
        let again = try await harness.service.database.read {
            try Row.fetchOne($0, sql: "SELECT * FROM emails WHERE recipient = 'office@school.example'")
        }
        #expect(again?["status"] as String? == "failed")
        #expect(again?["attempts"] as Int? == 2)
    }

    @Test func afterTheLastTryATemporaryRefusalMarksTheEmailFailed() async throws {
        let harness = try await NotificationsHarness()
        defer {
            ProcessLauncher.killAll(in: harness.folder.url)
            harness.folder.remove()
        }
        let server = try await SMTPTestServer(folder: harness.folder, options: ["--temporary", "office@school.example=100"])
        try harness.deliver(NotificationsHarness.claim("12345678"))
        let sender = harness.sender(
            try SMTPMailTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, startTLS: false)),
            policy: SendingPolicy(ratePerSecond: 1000, maxAttempts: 3, retryBase: 0.02)
        )
        try await harness.sendAll(sender)
        let office = try await harness.service.database.read {
            try Row.fetchOne($0, sql: "SELECT * FROM emails WHERE recipient = 'office@school.example'")
        }
        #expect(office?["status"] as String? == "failed")
        #expect(office?["attempts"] as Int? == 3)
        #expect((office?["last_error"] as String?)?.contains("451") == true)
    }

    @Test func backoffGrowsExponentiallyWithJitterUpToAnHour() {
        let policy = SendingPolicy(ratePerSecond: 10, maxAttempts: 6, retryBase: 30)
        for _ in 0..<50 {
            #expect((24...36).contains(policy.backoff(afterAttempt: 1)))
            #expect((48...72).contains(policy.backoff(afterAttempt: 2)))
            #expect((2880...4320).contains(policy.backoff(afterAttempt: 20)))
        }
    }

    @Test func theSenderKeepsASteadyPace() async throws {
        let harness = try await NotificationsHarness()
        defer { harness.folder.remove() }
        for n in 0..<10 {
            try harness.deliver(NotificationsHarness.claim(String(format: "%08d", 10_000_000 + n)))
        }
        // 20 emails (two recipients each) at 50 a second take at least 19 intervals of 20 ms.
        let sender = harness.sender(
            FileMailTransport(directory: harness.folder.path("mail")),
            policy: SendingPolicy(ratePerSecond: 50, maxAttempts: 6, retryBase: 1)
        )
        let start = ContinuousClock.now
        #expect(try await sender.sendDue() == 20)
        #expect(ContinuousClock.now - start >= .milliseconds(380))
    }
}
