import Foundation
import Hummingbird
import Messages
import ServiceSupport

/// Support adding and removing memberships, and inviting people to an organisation.
extension UserRoutes {
    static func kindWords(_ kind: OrganisationKind) -> String {
        switch kind {
        case .school: return "School"
        case .provider: return "Accredited provider"
        case .support: return "DfE support"
        }
    }

    /// `urn:100001`-style or a bare URN / provider code: the organisation to add.
    func organisation(_ text: String, as user: User) async throws -> Membership? {
        let value = text.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty, value.count <= 20 else { return nil }
        if value.count == 6, let urn = Int(value) {
            // No such school is the person's mistake; claims-intake not answering is not (503).
            do {
                let school = try await site.client.school(urn, as: Actors.support(user))
                return Membership(kind: .school, organisationID: String(urn), organisationName: school.name)
            } catch ServiceCallError.notFound {
                return nil
            }
        }
        let providers = try await site.client.providers(matching: value, as: Actors.support(user))
        guard let provider = providers.first(where: { $0.code.lowercased() == value.lowercased() }) else { return nil }
        return Membership(kind: .provider, organisationID: provider.code, organisationName: provider.name)
    }

    func addMembership(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        guard let id = request.parameter("id"), let member = try await site.users.database.read({ try UserStore.user($0, id: id) }) else {
            throw PageError.notFound
        }
        var errors = PageErrors()
        guard let text = request.form["organisation"], let membership = try await organisation(text, as: user) else {
            errors.add("organisation", "Enter a school's 6-digit URN or an accredited provider's code that the service knows")
            return try await supportUser(request, errors: errors)
        }
        let (_, added) = try await site.users.addMembership(
            email: member.email,
            firstName: member.firstName,
            lastName: member.lastName,
            membership: membership,
            by: Self.actor(user)
        )
        try await site.sessions.setFlash(
            request.session,
            added
                ? "\(member.name) has been added to \(membership.organisationName)"
                : "\(member.name) is already a user of \(membership.organisationName)"
        )
        return .redirect("/support/users/\(member.id)")
    }

    func removeMembership(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        guard let id = request.parameter("id"), let value = request.form["membership"] else { throw PageError.notFound }
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = OrganisationKind(rawValue: parts[0]) else { throw PageError.badRequest("Choose a membership to remove.") }
        if kind == .support && id == user.id { throw PageError.forbidden }  // never themselves
        guard
            try await site.users.removeMembership(
                userID: id,
                membership: Membership(kind: kind, organisationID: parts[1], organisationName: ""),
                by: Self.actor(user)
            )
        else { throw PageError.notFound }
        try await site.sessions.setFlash(request.session, "The membership has been removed")
        return .redirect("/support/users/\(id)")
    }

    /// Support adds a person (new or known) to a school or provider in one step.
    func newMembershipPage(_ request: PageRequest, errors: PageErrors) async throws -> PageResult {
        _ = try request.supportUser
        var values: [String: Any] = [
            "title": (errors.isEmpty ? "" : "Error: ") + "Add a user to a school or provider",
            "entered": [
                "email": request.form["email"] ?? "", "first_name": request.form["first_name"] ?? "", "last_name": request.form["last_name"] ?? "",
                "organisation": request.form["organisation"] ?? request.query("organisation") ?? "",
            ],
        ]
        values.merge(errors.context) { $1 }
        return .page("support-membership-new", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func inviteToOrganisation(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        var errors = PageErrors()
        let membership = try await request.form["organisation"].asyncMap { try await organisation($0, as: user) } ?? nil
        if membership == nil { errors.add("organisation", "Enter a school's 6-digit URN or an accredited provider's code that the service knows") }
        let person = Self.person(request.form, &errors)
        guard let person, let membership, errors.isEmpty else { return try await newMembershipPage(request, errors: errors) }
        let (member, added) = try await site.users.addMembership(
            email: person.email,
            firstName: person.firstName,
            lastName: person.lastName,
            membership: membership,
            by: Self.actor(user)
        )
        try await site.sessions.setFlash(
            request.session,
            added
                ? "\(member.name) has been added to \(membership.organisationName)"
                : "\(member.name) is already a user of \(membership.organisationName)"
        )
        return .redirect("/support/users/\(member.id)")
    }
}
