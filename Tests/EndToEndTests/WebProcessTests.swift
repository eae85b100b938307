import Foundation
import TestSupport
import Testing

/// The web executable on its own: its error pages and headers, its sessions surviving a restart,
/// the support-user command, and refusing the development sign-in beyond loopback.
@Suite(.serialized)
struct WebProcessTests {
    static func environment(_ folder: TemporaryFolder, port: Int) -> [String: String] {
        [
            "HTTP_PORT": "\(port)", "DATABASE_PATH": folder.path("web.sqlite"), "BUS_PUBLISH": "tcp://127.0.0.1:\(FreePorts.pair())",
            "BUS_PEERS": "none", "AUTH_JWT_SECRET": ServiceCluster.secret,
            // Nothing listens there: every call to claims-intake fails.
            "CLAIMS_INTAKE_URL": "http://127.0.0.1:\(FreePorts.one())",
            "WEB_BOOTSTRAP_SUPPORT_EMAILS": "pat.lee@education.gov.uk", "PUBLIC_BASE_URL": "http://127.0.0.1:\(port)",
        ]
    }

    @Test func errorPagesHeadersAndSessionsThatSurviveARestart() async throws {
        let folder = try TemporaryFolder("web-process")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let port = FreePorts.one()
        let env = Self.environment(folder, port: port)
        var web = try ProcessLauncher.start(BuiltProducts.path("web"), environment: env, directory: folder.url)
        let http = TestHTTP(base: "http://127.0.0.1:\(port)")
        try await Eventually.wait("web to be ready", timeout: 30, interval: .milliseconds(100)) { (try? await http.get("/ready").status) == 200 }

        // Every page carries the security headers; an unknown page is the "Page not found" page.
        let missing = try await http.get("/no/such/page")
        #expect(missing.status == 404 && missing.text.contains("Page not found") && missing.text.contains("govuk-footer"))
        let start = try await http.get("/")
        // The start page still answers while claims-intake does not, and says what it cannot show.
        #expect(start.status == 200)
        #expect(start.text.contains("We cannot show this year"), "\(start.text.prefix(300))")
        #expect(!start.text.contains("No claim window is open"))
        // The session cookie: HttpOnly, SameSite=Lax, and not Secure over plain http.
        let cookie = start.headers["set-cookie"] ?? ""
        #expect(
            cookie.hasPrefix("mentor_claims_session=") && cookie.contains("Path=/; HttpOnly; SameSite=Lax") && !cookie.contains("Secure"),
            "\(cookie)"
        )
        // A wrong method on a page web serves is web's own page too, 405 with the methods it takes.
        let wrongMethod = try await http.send("DELETE", "/sign-in")
        #expect(wrongMethod.status == 405 && wrongMethod.headers["allow"] == "GET, POST", "\(wrongMethod.status)")
        #expect(wrongMethod.text.contains("This page cannot be opened that way") && wrongMethod.text.contains("govuk-footer"))
        for reply in [missing, start, wrongMethod] {
            #expect(reply.headers["content-security-policy"]?.hasPrefix("default-src 'self'; frame-ancestors 'none'; form-action 'self'") == true)
            #expect(reply.headers["x-content-type-options"] == "nosniff")
            #expect(reply.headers["referrer-policy"] == "same-origin")
            #expect(reply.headers["cache-control"] == "no-store")
            #expect(reply.headers["content-type"] == "text/html; charset=utf-8")
        }
        // A form without its token, or from another site, changes nothing.
        let forged = try await http.send(
            "POST",
            "/sign-in",
            body: Data("email=pat.lee%40education.gov.uk".utf8),
            contentType: "application/x-www-form-urlencoded"
        )
        #expect(forged.status == 403 && forged.text.contains("You do not have access"))

        // Signed in; the session lives in web's database.
        let pat = WebSession(base: http.base)
        try await pat.signIn(email: "pat.lee@education.gov.uk")
        #expect(try await pat.get("/support/users").contains("Pat Lee"))
        // An unknown email is refused beside the field.
        let stranger = WebSession(base: http.base)
        do {
            try await stranger.signIn(email: "nobody@education.gov.uk")
            Issue.record("an unknown email signed in")
        } catch let refused as WebSession.Refused {
            #expect(refused.status == 422)
        }

        // A service that does not answer: "Sorry, the service is unavailable", nothing stored.
        do {
            try await pat.submit("/support/memberships/new", ["organisation": "1TX", "first_name": "A", "last_name": "B", "email": "a@b.example"])
            Issue.record("a page needing claims-intake answered while it is down")
        } catch let refused as WebSession.Refused {
            #expect(refused.status == 503 && refused.text.contains("Sorry, the service is unavailable"), "\(refused)")
        }

        // The command adds support users, only in SUPPORT_EMAIL_DOMAINS.
        let refused = try ProcessLauncher.run(
            BuiltProducts.path("web"),
            arguments: ["users", "add-support", "kim@school.example", "--first-name", "Kim", "--last-name", "Doe"],
            environment: env
        )
        #expect(refused.status != 0 && refused.output.contains("SUPPORT_EMAIL_DOMAINS"), "\(refused.output)")
        let added = try ProcessLauncher.run(
            BuiltProducts.path("web"),
            arguments: ["users", "add-support", "Jo.Smith@education.gov.uk", "--first-name", "Jo", "--last-name", "Smith"],
            environment: env
        )
        #expect(added.status == 0 && added.output.contains("jo.smith@education.gov.uk is now a support user"), "\(added.output)")

        // web restarts; Pat is still signed in, and sees Jo.
        await web.stop()
        #expect(web.exitStatus == 0)
        web = try ProcessLauncher.start(BuiltProducts.path("web"), environment: env, directory: folder.url)
        try await Eventually.wait("web to be ready again", timeout: 30, interval: .milliseconds(100)) {
            (try? await http.get("/ready").status) == 200
        }
        let after = try await pat.get("/support/users")
        #expect(after.contains("Pat Lee") && after.contains("Jo Smith"), "\(after.prefix(500))")
        await web.stop()
    }

    @Test func theDevelopmentSignInRefusesToStartBeyondLoopback() async throws {
        let folder = try TemporaryFolder("web-exposed")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        var env = Self.environment(folder, port: FreePorts.one())
        env["HTTP_HOST"] = "0.0.0.0"
        let run = try ProcessLauncher.run(BuiltProducts.path("web"), arguments: [], environment: env)
        #expect(run.status == 78)
        #expect(run.output.contains("OIDC_ISSUER") && run.output.contains("development sign-in"), "\(run.output)")
    }
}
