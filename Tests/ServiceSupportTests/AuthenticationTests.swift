import Foundation
import JWTKit
import ServiceSupport
import Testing

/// The claims an identity provider writes, for signing test tokens with other keys.
struct IdentityClaims: JWTPayload {
    var sub: SubjectClaim
    var email: String
    var role: String
    var urns: [Int]?
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite struct AuthenticationTests {
    let secret = "a-shared-secret-of-at-least-thirty-two-characters"
    let user = AuthenticatedUser(id: "u1", email: "head@school.example", name: "Head", role: .school, urns: [100001, 100002])

    func verifier(_ keys: AuthConfiguration.Keys, issuer: String? = nil, audience: String? = nil) async throws -> TokenVerifier {
        try await TokenVerifier(configuration: AuthConfiguration(keys: keys, issuer: issuer, audience: audience))
    }

    @Test func aDevelopmentTokenVerifiesIntoTheSameUser() async throws {
        let token = try await DevelopmentToken.make(user: user, secret: secret)
        let verified = try await verifier(.sharedSecret(secret, isDevelopmentDefault: false)).verify(token)
        #expect(verified == user)
    }

    @Test func anExpiredTokenIsRefused() async throws {
        let token = try await DevelopmentToken.make(user: user, secret: secret, lifetime: 60, now: Date().addingTimeInterval(-120))
        await #expect(throws: AuthenticationFailure.self) {
            try await verifier(.sharedSecret(secret, isDevelopmentDefault: false)).verify(token)
        }
    }

    @Test func aTokenSignedWithAnotherSecretIsRefused() async throws {
        let token = try await DevelopmentToken.make(user: user, secret: secret + "x")
        await #expect(throws: AuthenticationFailure.self) {
            try await verifier(.sharedSecret(secret, isDevelopmentDefault: false)).verify(token)
        }
    }

    @Test func aTamperedTokenIsRefused() async throws {
        let token = try await DevelopmentToken.make(user: user, secret: secret)
        var parts = token.split(separator: ".").map(String.init)
        let support = #"{"sub":"u1","email":"x@x.example","role":"support","exp":9999999999}"#
        parts[1] = Data(support.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        await #expect(throws: AuthenticationFailure.self) {
            try await verifier(.sharedSecret(secret, isDevelopmentDefault: false)).verify(parts.joined(separator: "."))
        }
    }

    @Test func issuerAndAudienceAreCheckedWhenConfigured() async throws {
        let good = try await DevelopmentToken.make(user: user, secret: secret, issuer: "https://signin.example", audience: "claims")
        let wrongIssuer = try await DevelopmentToken.make(user: user, secret: secret, issuer: "https://evil.example", audience: "claims")
        let noAudience = try await DevelopmentToken.make(user: user, secret: secret, issuer: "https://signin.example")
        let v = try await verifier(.sharedSecret(secret, isDevelopmentDefault: false), issuer: "https://signin.example", audience: "claims")
        #expect(try await v.verify(good).id == "u1")
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(wrongIssuer) }
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(noAudience) }
    }

    @Test func anES256TokenVerifiesAgainstAPEMPublicKey() async throws {
        let key = ES256PrivateKey()
        let signer = JWTKeyCollection()
        await signer.add(ecdsa: key)
        let claims = IdentityClaims(
            sub: "p1", email: "q@provider.example", role: "provider", exp: .init(value: Date().addingTimeInterval(600)),
            iat: .init(value: Date()))
        let token = try await signer.sign(claims)
        let v = try await verifier(.publicKeys(key.publicKey.pemRepresentation))
        let verified = try await v.verify(token)
        #expect(verified.role == .provider)
        // A different key pair is refused.
        let other = try await verifier(.publicKeys(ES256PrivateKey().publicKey.pemRepresentation))
        await #expect(throws: AuthenticationFailure.self) { try await other.verify(token) }
    }

    @Test func aTokenWithoutExpiryOrWithAnUnknownRoleIsRefused() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        struct NoExpiry: JWTPayload {
            var sub: SubjectClaim
            var role: String
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let v = try await verifier(.sharedSecret(secret, isDevelopmentDefault: false))
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await keys.sign(NoExpiry(sub: "x", role: "support"))) }
        let admin = IdentityClaims(sub: "x", email: "a@b.example", role: "admin", exp: .init(value: Date().addingTimeInterval(60)))
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await keys.sign(admin)) }
    }

    @Test func aTokenNotYetValidIsRefused() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let early = IdentityClaims(
            sub: "x", email: "a@b.example", role: "support", exp: .init(value: Date().addingTimeInterval(600)),
            nbf: .init(value: Date().addingTimeInterval(300)))
        let v = try await verifier(.sharedSecret(secret, isDevelopmentDefault: false))
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await keys.sign(early)) }
    }
}

@Suite struct ConfigurationTests {
    @Test func theDefaultsAreThoseOfMakeRun() throws {
        let configuration = try ServiceConfiguration.load(for: .payments, from: EnvironmentReader([:]))
        #expect(configuration.httpHost == "127.0.0.1")
        #expect(configuration.httpPort == 8081)
        #expect(configuration.databasePath == "./.data/payments.sqlite")
        #expect(configuration.busPublish == "tcp://127.0.0.1:5553")
        #expect(configuration.busPeers.map(\.name) == ["claims-intake", "audit-sampling", "notifications"])
        #expect(configuration.mail.transport == "file")
        #expect(configuration.payerEmailAddresses == ["payer@example.invalid"])
        #expect(configuration.publicBaseURL == "http://127.0.0.1:8081")
        if case .sharedSecret(_, let isDefault) = configuration.auth.keys { #expect(isDefault) } else { Issue.record("no secret") }
    }

    @Test(arguments: [
        ("HTTP_PORT", "70000"), ("BUS_PUBLISH", "udp://x"), ("BUS_PEERS", "a=tcp://h:1,a=tcp://h:2"), ("BUS_MAX_MESSAGE_BYTES", "-1"),
        ("AUTH_JWT_SECRET", "too-short"), ("PUBLIC_BASE_URL", "ftp://x"), ("PAYER_EMAIL_ADDRESSES", "not-an-email"),
        ("MAIL_TRANSPORT", "pigeon"), ("SMTP_STARTTLS", "maybe"), ("LOG_LEVEL", "loud"), ("BUS_OUTBOX_RETENTION_DAYS", "7"),
        ("AUTH_JWT_PUBLIC_KEYS_FILE", "/nonexistent/keys.pem"), ("BUS_CURVE_SECRET_KEY_FILE", "/nonexistent/key"),
    ])
    func aBadValueIsRefusedNamingTheVariable(variable: String, value: String) {
        do {
            _ = try ServiceConfiguration.load(for: .claimsIntake, from: EnvironmentReader([variable: value]))
            Issue.record("\(variable)=\(value) was accepted")
        } catch let error as ConfigurationError {
            #expect(error.variable == variable)
            #expect(!error.message.isEmpty)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func smtpNeedsAHost() {
        #expect(throws: ConfigurationError(variable: "SMTP_HOST", message: "required when MAIL_TRANSPORT is smtp")) {
            try ServiceConfiguration.load(for: .notifications, from: EnvironmentReader(["MAIL_TRANSPORT": "smtp"]))
        }
    }
}
