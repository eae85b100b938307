import Foundation
import ServiceSupport

/// The configuration of `web`, read once from the environment (`../spec/web.md`).
struct Configuration: Sendable {
    /// The variables every service reads.
    var common: ServiceConfiguration
    /// `CLAIMS_INTAKE_URL`, `PAYMENTS_URL`, `AUDIT_SAMPLING_URL`, `NOTIFICATIONS_URL`: the
    /// services' HTTP APIs.
    var services: ServiceURLs
    /// `OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`, `OIDC_SCOPES`: the identity
    /// provider; nil means the development sign-in.
    var oidc: OIDCSettings?
    /// `SESSION_IDLE_MINUTES`: a session with no request for this long ends.
    var sessionIdleMinutes: Int
    /// `WEB_SIGNING_KEY_FILE`'s ES256 private key (PEM); nil signs with `AUTH_JWT_SECRET`.
    var signingKeyPEM: String?
    /// `SUPPORT_EMAIL_DOMAINS`: the domains a support user's email may have.
    var supportEmailDomains: [String]
    /// `WEB_BOOTSTRAP_SUPPORT_EMAILS`: support users created at start when missing.
    var bootstrapSupportEmails: [String]

    /// Every variable web reads (`../spec/web.md`).
    static let variableNames =
        ServiceConfiguration.variableNames + [
            "CLAIMS_INTAKE_URL", "PAYMENTS_URL", "AUDIT_SAMPLING_URL", "NOTIFICATIONS_URL", "OIDC_ISSUER", "OIDC_CLIENT_ID",
            "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "SESSION_IDLE_MINUTES", "WEB_SIGNING_KEY_FILE", "SUPPORT_EMAIL_DOMAINS",
            "WEB_BOOTSTRAP_SUPPORT_EMAILS",
        ]

    /// Whether pages are served over https, so the session cookie is `Secure`.
    var secureCookies: Bool { common.publicBaseURL.lowercased().hasPrefix("https://") }

    /// Reads and checks every variable; a bad value stops the service naming the variable.
    static func load(from env: EnvironmentReader = EnvironmentReader()) throws -> Configuration {
        try env.checkNoneBlank(variableNames)
        let common = try ServiceConfiguration.load(for: .web, from: env)
        func url(_ name: String, _ service: ServiceName) throws -> URL {
            let text = env.string(name, default: "http://127.0.0.1:\(service.defaultHTTPPort)")
            guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text),
                url.scheme == "http" || url.scheme == "https", url.host != nil
            else { throw ConfigurationError(variable: name, message: "'\(text)' is not an http(s) URL") }
            return url
        }
        let services = ServiceURLs(
            claimsIntake: try url("CLAIMS_INTAKE_URL", .claimsIntake),
            payments: try url("PAYMENTS_URL", .payments),
            auditSampling: try url("AUDIT_SAMPLING_URL", .auditSampling),
            notifications: try url("NOTIFICATIONS_URL", .notifications)
        )
        let oidc = try oidcSettings(env, httpHost: common.httpHost)
        let signingKey = try signingKeyPEM(env, common: common)
        let domains = env.list("SUPPORT_EMAIL_DOMAINS", default: ["education.gov.uk"]).map { $0.lowercased() }
        for domain in domains where domain.isEmpty || domain.contains("@") || !domain.contains(".") {
            throw ConfigurationError(variable: "SUPPORT_EMAIL_DOMAINS", message: "'\(domain)' is not a domain such as education.gov.uk")
        }
        let bootstrap = try env.emails("WEB_BOOTSTRAP_SUPPORT_EMAILS", default: [])
        for email in bootstrap where !SupportDomains(domains).allows(email) {
            throw ConfigurationError(
                variable: "WEB_BOOTSTRAP_SUPPORT_EMAILS",
                message: "\(email) is not in SUPPORT_EMAIL_DOMAINS (\(domains.joined(separator: ", ")))"
            )
        }
        return Configuration(
            common: common,
            services: services,
            oidc: oidc,
            sessionIdleMinutes: try env.int("SESSION_IDLE_MINUTES", default: 20, in: 1...720),
            signingKeyPEM: signingKey,
            supportEmailDomains: domains,
            bootstrapSupportEmails: bootstrap.map { $0.lowercased() }
        )
    }

    /// `OIDC_*`: the identity provider, or nil for the development sign-in (loopback only).
    static func oidcSettings(_ env: EnvironmentReader, httpHost: String) throws -> OIDCSettings? {
        if let issuer = env.raw("OIDC_ISSUER") {
            guard let issuerURL = URL(string: issuer), issuerURL.scheme == "https" || issuerURL.scheme == "http", issuerURL.host != nil else {
                throw ConfigurationError(variable: "OIDC_ISSUER", message: "'\(issuer)' is not an http(s) URL")
            }
            if issuerURL.scheme == "http", !ServiceConfiguration.isLoopback(issuerURL.host ?? "") {
                throw ConfigurationError(variable: "OIDC_ISSUER", message: "must be https unless the identity provider is on this machine")
            }
            guard let clientID = env.raw("OIDC_CLIENT_ID") else {
                throw ConfigurationError(variable: "OIDC_CLIENT_ID", message: "required when OIDC_ISSUER is set")
            }
            let scopes = env.string("OIDC_SCOPES", default: "openid email profile").split(separator: " ").map(String.init)
            guard scopes.contains("openid") else {
                throw ConfigurationError(variable: "OIDC_SCOPES", message: "must include openid")
            }
            return OIDCSettings(
                issuer: issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer,
                clientID: clientID,
                clientSecret: env.raw("OIDC_CLIENT_SECRET"),
                scopes: scopes
            )
        } else {
            for name in ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] where env.raw(name) != nil {
                throw ConfigurationError(variable: "OIDC_ISSUER", message: "must be set when \(name) is")
            }
            // The development sign-in lets anyone be anyone: never beyond this machine.
            guard ServiceConfiguration.isLoopback(httpHost) else {
                throw ConfigurationError(
                    variable: "OIDC_ISSUER",
                    message:
                        "required when HTTP_HOST (\(httpHost)) is not a loopback address: the development sign-in is for this machine only"
                )
            }
        }
        return nil
    }

    /// `WEB_SIGNING_KEY_FILE`: the ES256 private key, required when services verify with public keys.
    static func signingKeyPEM(_ env: EnvironmentReader, common: ServiceConfiguration) throws -> String? {
        if let file = env.raw("WEB_SIGNING_KEY_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), text.contains("PRIVATE KEY") else {
                throw ConfigurationError(variable: "WEB_SIGNING_KEY_FILE", message: "cannot read a PEM private key from \(file)")
            }
            return text
        } else if case .publicKeys = common.auth.keys {
            throw ConfigurationError(
                variable: "WEB_SIGNING_KEY_FILE",
                message: "required when AUTH_JWT_PUBLIC_KEYS_FILE is set: web signs with the matching private key"
            )
        }
        return nil
    }

}

/// Where the four services' APIs are.
struct ServiceURLs: Sendable {
    var claimsIntake: URL
    var payments: URL
    var auditSampling: URL
    var notifications: URL
}

/// The identity provider web signs people in with.
struct OIDCSettings: Sendable {
    var issuer: String
    var clientID: String
    var clientSecret: String?
    var scopes: [String]
}

/// `SUPPORT_EMAIL_DOMAINS` as a rule.
struct SupportDomains: Sendable {
    let domains: [String]
    init(_ domains: [String]) { self.domains = domains }
    func allows(_ email: String) -> Bool {
        let lowered = email.lowercased()
        return domains.contains { lowered.hasSuffix("@\($0)") }
    }
}
