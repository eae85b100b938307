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
            sub: "p1",
            email: "q@provider.example",
            role: "provider",
            exp: .init(value: Date().addingTimeInterval(600)),
            iat: .init(value: Date())
        )
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
            sub: "x",
            email: "a@b.example",
            role: "support",
            exp: .init(value: Date().addingTimeInterval(600)),
            nbf: .init(value: Date().addingTimeInterval(300))
        )
        let v = try await verifier(.sharedSecret(secret, isDevelopmentDefault: false))
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await keys.sign(early)) }
    }
}

extension AuthenticationTests {
    /// A 2048-bit RSA key made by openssl, as an identity provider holds it.
    static func rsaKey() throws -> Insecure.RSA.PrivateKey {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["genrsa", "-out", path, "2048"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return try Insecure.RSA.PrivateKey(pem: try String(contentsOfFile: path, encoding: .utf8))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func jwk(_ key: Insecure.RSA.PrivateKey, kid: String, alg: String? = nil) throws -> String {
        let (n, e) = try key.publicKey.getKeyPrimitives()
        return
            "{\"kty\": \"RSA\", \"kid\": \"\(kid)\", \"use\": \"sig\", \"n\": \"\(base64URL(n))\", \"e\": \"\(base64URL(e))\"\(alg.map { ", \"alg\": \"\($0)\"" } ?? "")}"
    }

    func claims(lifetime: TimeInterval = 600, issuedAgo: TimeInterval = 0) -> IdentityClaims {
        IdentityClaims(
            sub: "s1",
            email: "head@school.example",
            role: "school",
            urns: [100001],
            exp: .init(value: Date().addingTimeInterval(lifetime - issuedAgo)),
            iat: .init(value: Date().addingTimeInterval(-issuedAgo))
        )
    }

    @Test func aJWKSKeyWithoutAlgIsPinnedToRS256SoABogusPS512TokenCannotRepinIt() async throws {
        let key = try Self.rsaKey()
        let v = try await verifier(.publicKeys("{\"keys\": [\(try Self.jwk(key, kid: "idp-1"))]}"))
        // A token that names PS512 for the same key id is refused before any signature check.
        let bogusSigner = JWTKeyCollection()
        await bogusSigner.add(pss: key, digestAlgorithm: .sha512, kid: "idp-1")
        let bogus = try await bogusSigner.sign(claims())
        var header = String(bogus.split(separator: ".")[0]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while header.count % 4 != 0 { header += "=" }
        #expect(String(decoding: Data(base64Encoded: header) ?? Data(), as: UTF8.self).contains("PS512"))
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(bogus) }
        // The genuine RS256 token still works after it.
        let signer = JWTKeyCollection()
        await signer.add(rsa: key, digestAlgorithm: .sha256, kid: "idp-1")
        let genuine = try await signer.sign(claims())
        #expect(try await v.verify(genuine).urns == [100001])
        // An HS256 token "signed" with the public modulus as a secret is refused too.
        let (n, _) = try key.publicKey.getKeyPrimitives()
        let confused = JWTKeyCollection()
        await confused.add(hmac: HMACKey(from: Self.base64URL(n)), digestAlgorithm: .sha256, kid: "idp-1")
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await confused.sign(claims())) }
    }

    @Test func keysOfOtherTypesOrWithPrivatePartsAreRefusedAtStart() async throws {
        let key = try Self.rsaKey()
        let documents = [
            "{\"keys\": [\(try Self.jwk(key, kid: "a", alg: "PS256"))]}",
            "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}",
            "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-384\", \"x\": \"AA\", \"y\": \"AA\"}]}",
            "{\"keys\": [{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\": \"AA\"}]}",
            try Self.jwk(key, kid: "b").replacingOccurrences(of: "{", with: "{\"keys\": [{").replacingOccurrences(
                of: "}",
                with: ", \"d\": \"AA\"}]}"
            ),
            "{\"keys\": []}",
        ]
        for document in documents {
            await #expect(throws: ConfigurationError.self, "\(document.prefix(60))") { _ = try await verifier(.publicKeys(document)) }
        }
    }

    @Test func expiryAndNotBeforeAllowThirtySecondsAndNoTokenLivesPastTwelveHours() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let v = try await verifier(.sharedSecret(secret, isDevelopmentDefault: false))
        func token(exp: TimeInterval, nbf: TimeInterval? = nil, iat: TimeInterval? = 0) async throws -> String {
            try await keys.sign(
                IdentityClaims(
                    sub: "x",
                    email: "a@b.example",
                    role: "support",
                    exp: .init(value: Date().addingTimeInterval(exp)),
                    nbf: nbf.map { .init(value: Date().addingTimeInterval($0)) },
                    iat: iat.map { .init(value: Date().addingTimeInterval($0)) }
                )
            )
        }
        #expect(try await v.verify(try await token(exp: -20, iat: -600)).role == .support)  // expired 20 s ago: within leeway
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await token(exp: -45, iat: -600)) }
        #expect(try await v.verify(try await token(exp: 600, nbf: 20)).role == .support)
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await token(exp: 600, nbf: 45)) }
        #expect(try await v.verify(try await token(exp: 12 * 3600 - 60)).role == .support)
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await token(exp: 13 * 3600)) }
        await #expect(throws: AuthenticationFailure.self) { try await v.verify(try await token(exp: 13 * 3600, iat: nil)) }
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
        #expect(configuration.logLevel == .info && configuration.logFormat == .text)
        #expect(configuration.publicBaseURL == "http://127.0.0.1:8081")
        if case .sharedSecret(_, let isDefault) = configuration.auth.keys { #expect(isDefault) } else { Issue.record("no secret") }
    }

    @Test(arguments: [
        ("HTTP_PORT", "70000"), ("BUS_PUBLISH", "udp://x"), ("BUS_PEERS", "a=tcp://h:1,a=tcp://h:2"), ("BUS_MAX_MESSAGE_BYTES", "-1"),
        ("AUTH_JWT_SECRET", "too-short"), ("PUBLIC_BASE_URL", "ftp://x"), ("LOG_FORMAT", "xml"), ("LOG_LEVEL", "loud"),
        ("BUS_OUTBOX_RETENTION_DAYS", "7"),
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

    @Test func theDevelopmentSecretIsOnlyForLoopback() throws {
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
            let configuration = try ServiceConfiguration.load(for: .payments, from: EnvironmentReader(["HTTP_HOST": host]))
            if case .sharedSecret(_, let isDefault) = configuration.auth.keys { #expect(isDefault) } else { Issue.record("no secret") }
        }
        for host in ["0.0.0.0", "10.0.0.5", "payments.internal", "::"] {
            #expect(throws: ConfigurationError.self) {
                try ServiceConfiguration.load(for: .payments, from: EnvironmentReader(["HTTP_HOST": host]))
            }
            do {
                _ = try ServiceConfiguration.load(for: .payments, from: EnvironmentReader(["HTTP_HOST": host]))
            } catch let error as ConfigurationError {
                #expect(error.variable == "AUTH_JWT_SECRET")
            }
            let configured = try ServiceConfiguration.load(
                for: .payments,
                from: EnvironmentReader(["HTTP_HOST": host, "AUTH_JWT_SECRET": String(repeating: "s", count: 40)])
            )
            #expect(configured.httpHost == host)
        }
    }

    @Test(arguments: ["AUTH_JWT_SECRET", "AUTH_JWT_PUBLIC_KEYS_FILE", "HTTP_HOST", "BUS_PEERS"])
    func aVariableSetToABlankValueIsAnErrorNeverUnset(variable: String) {
        for blank in ["", "   ", "\n"] {
            do {
                _ = try ServiceConfiguration.load(for: .notifications, from: EnvironmentReader([variable: blank]))
                Issue.record("\(variable) blank was accepted")
            } catch let error as ConfigurationError {
                #expect(error.variable == variable)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func curveKeysWithoutTheSecretKeyFileAreAnErrorAndAnOpenBusBeyondLoopbackIsFlagged() throws {
        let key = String(repeating: "A", count: 40)
        for (name, value) in [("BUS_CURVE_ALLOWED_KEYS", key), ("BUS_PEER_KEYS", "payments=\(key)")] {
            #expect(throws: ConfigurationError.self) { try ServiceConfiguration.load(for: .claimsIntake, from: EnvironmentReader([name: value])) }
            do {
                _ = try ServiceConfiguration.load(for: .claimsIntake, from: EnvironmentReader([name: value]))
            } catch let error as ConfigurationError {
                #expect(error.variable == "BUS_CURVE_SECRET_KEY_FILE")
                #expect(error.message.contains(name))
            }
        }
        let open = try ServiceConfiguration.load(for: .claimsIntake, from: EnvironmentReader(["BUS_PUBLISH": "tcp://0.0.0.0:5551"]))
        #expect(open.busIsExposedWithoutCurve)
        #expect(!(try ServiceConfiguration.load(for: .claimsIntake, from: EnvironmentReader([:]))).busIsExposedWithoutCurve)
    }
}
