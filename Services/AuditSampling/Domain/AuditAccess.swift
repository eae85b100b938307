import ServiceSupport

/// Who may see and answer a provider's sampling request: the policy, as a pure function.
enum AuditAccess {
    enum Decision: Equatable, Sendable {
        case allowed
        /// Not this user's provider: answered as if there were no such request.
        case hidden
        /// School users never see providers' requests.
        case refused
    }

    static func request(ofProvider code: String, for user: AuthenticatedUser) -> Decision {
        switch user.role {
        case .support: return .allowed
        case .provider: return user.providerCodes.contains(code) ? .allowed : .hidden
        case .school: return .refused
        }
    }
}
