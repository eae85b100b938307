import Foundation
import JWTKit

/// How bearer tokens are verified.
public struct AuthConfiguration: Sendable {
    /// Where the verification keys come from.
    public enum Keys: Sendable, Equatable {
        /// HS256 with a shared secret (`AUTH_JWT_SECRET`).
        case sharedSecret(String, isDevelopmentDefault: Bool)
        /// RS256/ES256 public keys, as PEM or JWKS text (`AUTH_JWT_PUBLIC_KEYS_FILE`).
        case publicKeys(String)
    }
    /// The keys.
    public var keys: Keys
    /// `AUTH_JWT_ISSUER`: the required `iss`, when set.
    public var issuer: String?
    /// `AUTH_JWT_AUDIENCE`: the required `aud`, when set.
    public var audience: String?

    /// Creates a configuration.
    public init(keys: Keys, issuer: String? = nil, audience: String? = nil) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
    }

    static func load(from env: EnvironmentReader, httpHost: String) throws -> AuthConfiguration {
        let keys: Keys
        if let file = env.raw("AUTH_JWT_PUBLIC_KEYS_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), !text.isEmpty else {
                throw ConfigurationError(variable: "AUTH_JWT_PUBLIC_KEYS_FILE", message: "cannot read \(file)")
            }
            keys = .publicKeys(text)
        } else if let secret = env.raw("AUTH_JWT_SECRET") {
            guard secret.utf8.count >= 32 else {
                throw ConfigurationError(variable: "AUTH_JWT_SECRET", message: "use at least 32 characters")
            }
            keys = .sharedSecret(secret, isDevelopmentDefault: false)
        } else if ServiceConfiguration.isLoopback(httpHost) {
            keys = .sharedSecret(developmentJWTSecret, isDevelopmentDefault: true)
        } else {
            throw ConfigurationError(
                variable: "AUTH_JWT_SECRET",
                message: "required when HTTP_HOST (\(httpHost)) is not a loopback address; or set AUTH_JWT_PUBLIC_KEYS_FILE"
            )
        }
        return AuthConfiguration(keys: keys, issuer: env.raw("AUTH_JWT_ISSUER"), audience: env.raw("AUTH_JWT_AUDIENCE"))
    }
}

/// The kinds of user (`role` claim).
public enum Role: String, Sendable, Codable, CaseIterable {
    /// A school administrator or mentor; a MAT user has several URNs.
    case school
    /// An accredited ITT provider's user.
    case provider
    /// A DfE support user.
    case support
}

/// Who is asking, from a verified token.
public struct AuthenticatedUser: Sendable, Equatable {
    /// `sub`: the user's id at the identity provider.
    public var id: String
    /// `email`.
    public var email: String
    /// `name`.
    public var name: String
    /// `role`.
    public var role: Role
    /// `urns`: the schools of a school user.
    public var urns: Set<Int>
    /// `provider_codes`: the providers of a provider user.
    public var providerCodes: Set<String>

    /// Creates a user.
    public init(id: String, email: String, name: String, role: Role, urns: Set<Int> = [], providerCodes: Set<String> = []) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.urns = urns
        self.providerCodes = providerCodes
    }
}

/// The token's claims as the identity provider writes them.
struct UserClaims: JWTPayload {
    var sub: SubjectClaim
    var email: String?
    var name: String?
    var role: String
    var urns: [Int]?
    var providerCodes: [String]?
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?

    enum CodingKeys: String, CodingKey {
        case sub, email, name, role, urns, exp, nbf, iat, iss, aud
        case providerCodes = "provider_codes"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        let now = Date()
        let leeway = TimeInterval(TokenVerifier.clockLeeway)
        try exp.verifyNotExpired(currentDate: now.addingTimeInterval(-leeway))
        try nbf?.verifyNotBefore(currentDate: now.addingTimeInterval(leeway))
        // A token issued in the future is forged or from a broken clock.
        if let iat, iat.value > now.addingTimeInterval(leeway) {
            throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future")
        }
        // A stolen long-lived token would be good for too long: none may live past 12 hours.
        let start = iat?.value ?? now
        if exp.value.timeIntervalSince(start) > TimeInterval(TokenVerifier.maximumLifetime) + leeway {
            throw JWTError.claimVerificationFailure(failedClaim: exp, reason: "lives longer than 12 hours")
        }
    }
}

/// Why a token was refused (always answered with 401; the reason goes to the log only).
public struct AuthenticationFailure: Error, CustomStringConvertible, Equatable {
    /// What was wrong.
    public var reason: String
    public var description: String { reason }
}

/// Verifies bearer tokens into ``AuthenticatedUser`` values.
///
/// Every key is pinned to one algorithm (HS256 for the shared secret, RS256 for RSA, ES256 for
/// P-256), and a token whose header names another algorithm is refused before any signature
/// check, so no token can choose how it is verified.
public struct TokenVerifier: Sendable {
    /// Seconds of clock difference allowed on `exp`, `nbf` and `iat`.
    public static let clockLeeway = 30
    /// The longest a token may live, from `iat` (or now) to `exp`: 12 hours.
    public static let maximumLifetime = 12 * 3600

    private let keys: JWTKeyCollection
    private let issuer: String?
    private let audience: String?
    /// The algorithm of each key with an id.
    private let algorithmByKeyID: [String: String]
    /// The algorithms of all keys.
    private let algorithms: Set<String>

    /// Builds the key collection from `configuration`.
    public init(configuration: AuthConfiguration) async throws {
        let keys = JWTKeyCollection()
        var pinned: [String: String] = [:]
        switch configuration.keys {
        case .sharedSecret(let secret, _):
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            algorithms = ["HS256"]
        case .publicKeys(let text):
            pinned = try await Self.addPublicKeys(text, to: keys)
            algorithms = Set(pinned.values)
        }
        self.keys = keys
        self.algorithmByKeyID = pinned
        self.issuer = configuration.issuer
        self.audience = configuration.audience
    }

    /// One key of a JWKS document, as far as we read it.
    private struct JWKEntry: Decodable {
        var kty: String?
        var kid: String?
        var alg: String?
        var use: String?
        var crv: String?
        var n: String?
        var e: String?
        var x: String?
        var y: String?
        var d: String?
        var p: String?
        var q: String?
        var dp: String?
        var dq: String?
        var qi: String?
        var k: String?
    }

    /// Adds each key pinned to its one algorithm; returns the algorithm by key id.
    private static func addPublicKeys(_ text: String, to keys: JWTKeyCollection) async throws -> [String: String] {
        func refuse(_ message: String) -> ConfigurationError {
            ConfigurationError(variable: "AUTH_JWT_PUBLIC_KEYS_FILE", message: message)
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var pinned: [String: String] = [:]
        if trimmed.hasPrefix("{") {
            struct Document: Decodable { var keys: [JWKEntry] }
            guard let document = try? JSONDecoder().decode(Document.self, from: Data(trimmed.utf8)), !document.keys.isEmpty else {
                throw refuse("not a valid JWKS document: it needs a \"keys\" list of public keys")
            }
            for (index, key) in document.keys.enumerated() {
                let name = "key \(index + 1)\(key.kid.map { " (\($0))" } ?? "")"
                guard [key.d, key.p, key.q, key.dp, key.dq, key.qi, key.k].allSatisfy({ $0 == nil }) else {
                    throw refuse("\(name) holds private key material: publish only the public key")
                }
                if let use = key.use, use != "sig" { continue }  // encryption keys never verify tokens
                let kid = key.kid ?? "jwks-\(index)"
                switch (key.kty, key.crv) {
                case ("RSA", nil):
                    guard key.alg == nil || key.alg == "RS256" else { throw refuse("\(name) is RSA with alg \(key.alg!): only RS256 is accepted") }
                    guard let n = key.n, let e = key.e, let rsa = try? Insecure.RSA.PublicKey(modulus: n, exponent: e) else {
                        throw refuse("\(name) is not a valid RSA (2048+ bits) public key")
                    }
                    await keys.add(rsa: rsa, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
                    pinned[kid] = "RS256"
                case ("EC", "P-256"):
                    guard key.alg == nil || key.alg == "ES256" else { throw refuse("\(name) is P-256 with alg \(key.alg!): only ES256 is accepted") }
                    guard let x = key.x, let y = key.y, let ec = try? ES256PublicKey(parameters: (x: x, y: y)) else {
                        throw refuse("\(name) is not a valid P-256 public key")
                    }
                    await keys.add(ecdsa: ec, kid: JWKIdentifier(string: kid))
                    pinned[kid] = "ES256"
                default:
                    throw refuse("\(name) is \(key.kty ?? "of no type")\(key.crv.map { " \($0)" } ?? ""): only RSA and EC P-256 keys are accepted")
                }
            }
            guard !pinned.isEmpty else { throw refuse("holds no signing key") }
            return pinned
        }
        // One or more PEM public keys, RSA or P-256.
        let blocks = trimmed.components(separatedBy: "-----END PUBLIC KEY-----")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { $0 + "\n-----END PUBLIC KEY-----\n" }
        guard !blocks.isEmpty else {
            throw ConfigurationError(variable: "AUTH_JWT_PUBLIC_KEYS_FILE", message: "holds no PEM public key or JWKS")
        }
        for (index, pem) in blocks.enumerated() {
            let kid = JWKIdentifier(string: "key-\(index)")
            if let rsa = try? Insecure.RSA.PublicKey(pem: pem) {
                await keys.add(rsa: rsa, digestAlgorithm: .sha256, kid: kid)
                pinned[kid.string] = "RS256"
            } else if let ec = try? ES256PublicKey(pem: pem) {
                await keys.add(ecdsa: ec, kid: kid)
                pinned[kid.string] = "ES256"
            } else {
                throw ConfigurationError(
                    variable: "AUTH_JWT_PUBLIC_KEYS_FILE",
                    message: "key \(index + 1) is neither an RSA (2048+ bits) nor a P-256 public key"
                )
            }
        }
        return pinned
    }

    /// The token's header `alg` and `kid`, read without trusting anything else in it.
    private static func header(of token: String) -> (alg: String, kid: String?)? {
        guard token.utf8.count <= 16_384, let first = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var base64 = first.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        struct Header: Decodable {
            var alg: String
            var kid: String?
        }
        guard let data = Data(base64Encoded: base64), let header = try? JSONDecoder().decode(Header.self, from: data) else { return nil }
        return (header.alg, header.kid)
    }

    /// Verifies `token` (signature, `exp`, `nbf`, `iat`, and `iss`/`aud` when configured).
    public func verify(_ token: String) async throws -> AuthenticatedUser {
        guard let header = Self.header(of: token) else { throw AuthenticationFailure(reason: "token header unreadable") }
        let expected = header.kid.flatMap { algorithmByKeyID[$0] }
        guard expected.map({ $0 == header.alg }) ?? algorithms.contains(header.alg) else {
            throw AuthenticationFailure(reason: "token algorithm \(header.alg.prefix(20)) is not the one expected")
        }
        let claims: UserClaims
        do {
            claims = try await keys.verify(token, as: UserClaims.self, iteratingKeys: true)
        } catch {
            throw AuthenticationFailure(reason: "token refused: \(error)")
        }
        if let issuer, claims.iss?.value != issuer {
            throw AuthenticationFailure(reason: "token issuer is not \(issuer)")
        }
        if let audience {
            guard let aud = claims.aud, aud.value.contains(audience) else {
                throw AuthenticationFailure(reason: "token audience does not include \(audience)")
            }
        }
        guard let role = Role(rawValue: claims.role) else {
            throw AuthenticationFailure(reason: "unknown role \(claims.role)")
        }
        return AuthenticatedUser(
            id: claims.sub.value,
            email: claims.email ?? "",
            name: claims.name ?? "",
            role: role,
            urns: Set(claims.urns ?? []),
            providerCodes: Set(claims.providerCodes ?? [])
        )
    }
}

/// Signs development tokens with the HS256 secret (the `token` subcommand and tests).
public enum DevelopmentToken {
    /// A signed token for `user` that expires after `lifetime` seconds.
    public static func make(
        user: AuthenticatedUser,
        secret: String,
        lifetime: TimeInterval = 8 * 3600,
        now: Date = Date(),
        issuer: String? = nil,
        audience: String? = nil
    ) async throws -> String {
        try await TokenSigner(key: .sharedSecret(secret), issuer: issuer, audience: audience)
            .sign(user, lifetime: lifetime, now: now)
    }
}
