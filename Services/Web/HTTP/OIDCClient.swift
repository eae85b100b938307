import Foundation
import JWTKit

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why signing in with the identity provider failed; the person is asked to try again.
struct SignInFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// The ID token's claims we read (OpenID Connect Core, section 2).
struct IDTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim?
    var nonce: String?
    var email: String?
    var givenName: String?
    var familyName: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, email
        case givenName = "given_name"
        case familyName = "family_name"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired(currentDate: Date().addingTimeInterval(-30))
    }
}

/// The authorization code flow with PKCE (S256), `state` and `nonce`, against `OIDC_ISSUER`.
actor OIDCClient {
    struct Discovery: Decodable {
        var issuer: String
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var jwksUri: String
        var endSessionEndpoint: String?
    }

    let settings: OIDCSettings
    let redirectURI: String
    private let session: URLSession
    private var discovery: Discovery?
    private var keys: JWTKeyCollection?
    private var keysFetchedAt: Date?

    init(settings: OIDCSettings, redirectURI: String) {
        self.settings = settings
        self.redirectURI = redirectURI
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        session = URLSession(configuration: configuration)
    }

    private func fetch(_ request: URLRequest) async throws -> Data {
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await session.data(for: request) } catch {
            throw SignInFailure(reason: "the identity provider did not answer: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            throw SignInFailure(reason: "the identity provider answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return data
    }

    /// The provider's endpoints, read once from `/.well-known/openid-configuration`.
    func endpoints() async throws -> Discovery {
        if let discovery { return discovery }
        guard let url = URL(string: "\(settings.issuer)/.well-known/openid-configuration") else {
            throw SignInFailure(reason: "OIDC_ISSUER makes no discovery URL")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let found: Discovery
        do { found = try decoder.decode(Discovery.self, from: try await fetch(URLRequest(url: url))) } catch let failure as SignInFailure {
            throw failure
        } catch {
            throw SignInFailure(reason: "the discovery document is not readable: \(error)")
        }
        guard
            found.issuer.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                == settings.issuer.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        else {
            throw SignInFailure(reason: "the discovery document names issuer \(found.issuer), not \(settings.issuer)")
        }
        discovery = found
        return found
    }

    /// Where to send the person to sign in.
    func authorizationURL(state: String, nonce: String, challenge: String) async throws -> String {
        let endpoint = try await endpoints().authorizationEndpoint
        var components = URLComponents(string: endpoint)
        var items = components?.queryItems ?? []
        items += [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: settings.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "scope", value: settings.scopes.joined(separator: " ")),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: challenge),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        components?.queryItems = items
        guard let url = components?.url else { throw SignInFailure(reason: "the authorization endpoint is not a URL") }
        return url.absoluteString
    }

    /// Exchanges `code` for tokens and verifies the ID token (signature from the JWKS, `iss`,
    /// `aud`, `exp`, `nonce`).
    func exchange(code: String, verifier: String, nonce: String) async throws -> (idToken: String, claims: IDTokenClaims) {
        let endpoints = try await endpoints()
        guard let url = URL(string: endpoints.tokenEndpoint) else { throw SignInFailure(reason: "the token endpoint is not a URL") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        var fields = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier),
            ("client_id", settings.clientID),
        ]
        if let secret = settings.clientSecret { fields.append(("client_secret", secret)) }
        request.httpBody = Data(fields.map { "\($0.0)=\(queryValue($0.1))" }.joined(separator: "&").utf8)
        struct TokenAnswer: Decodable { var id_token: String? }
        guard let idToken = (try? JSONDecoder().decode(TokenAnswer.self, from: try await fetch(request)))?.id_token else {
            throw SignInFailure(reason: "the token endpoint gave no ID token")
        }
        let claims = try await verify(idToken)
        guard
            claims.iss.value.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                == endpoints.issuer.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        else {
            throw SignInFailure(reason: "the ID token's issuer is \(claims.iss.value)")
        }
        guard claims.aud.value.contains(settings.clientID) else { throw SignInFailure(reason: "the ID token is not for this service") }
        guard let tokenNonce = claims.nonce, tokenNonce == nonce else { throw SignInFailure(reason: "the ID token's nonce does not match") }
        return (idToken, claims)
    }

    private func verify(_ token: String) async throws -> IDTokenClaims {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { throw SignInFailure(reason: "the ID token is not a JWT") }
        var header64 = String(parts[0]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while header64.count % 4 != 0 { header64 += "=" }
        struct Header: Decodable { var alg: String }
        guard let data = Data(base64Encoded: header64), let header = try? JSONDecoder().decode(Header.self, from: data),
            ["RS256", "ES256", "PS256"].contains(header.alg)
        else { throw SignInFailure(reason: "the ID token is not signed with RS256, PS256 or ES256") }
        for attempt in 0..<2 {
            let keys = try await signingKeys(refresh: attempt == 1)
            do { return try await keys.verify(token, as: IDTokenClaims.self) } catch {
                // A key the provider has rotated in: read the JWKS again, once.
                if attempt == 1 { throw SignInFailure(reason: "the ID token is not valid: \(error)") }
            }
        }
        throw SignInFailure(reason: "the ID token is not valid")
    }

    private func signingKeys(refresh: Bool) async throws -> JWTKeyCollection {
        if let keys, !refresh || (keysFetchedAt.map { Date().timeIntervalSince($0) < 60 } ?? false) { return keys }
        guard let url = URL(string: try await endpoints().jwksUri) else { throw SignInFailure(reason: "the JWKS address is not a URL") }
        let json = String(decoding: try await fetch(URLRequest(url: url)), as: UTF8.self)
        let collection = JWTKeyCollection()
        do { try await collection.add(jwksJSON: json) } catch { throw SignInFailure(reason: "the JWKS is not readable: \(error)") }
        keys = collection
        keysFetchedAt = Date()
        return collection
    }

    /// Where to end the identity provider's session too, when it offers that.
    func endSessionURL(idToken: String?, returnTo: String) async -> String? {
        guard let endpoint = try? await endpoints().endSessionEndpoint, var components = URLComponents(string: endpoint) else { return nil }
        var items = components.queryItems ?? []
        if let idToken { items.append(URLQueryItem(name: "id_token_hint", value: idToken)) }
        items.append(URLQueryItem(name: "post_logout_redirect_uri", value: returnTo))
        items.append(URLQueryItem(name: "client_id", value: settings.clientID))
        components.queryItems = items
        return components.url?.absoluteString
    }
}
