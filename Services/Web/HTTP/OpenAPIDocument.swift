import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`: web serves HTML pages for people, listed
/// here so that an operator's proxy and the route test know every path.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "web",
        description: "The front door for people: GOV.UK-style pages, sign-in, users and memberships. Every page answers text/html.",
        paths: pages.map { path, methods in
            "  \(path):\n"
                + methods.map { "    \($0):\n      summary: HTML page\n      responses:\n        \"200\": {description: The page}\n" }.joined()
        }.joined()
    )

    static let pages: [(String, [String])] = [
        ("/", ["get"]), ("/accessibility", ["get"]), ("/cookies", ["get"]), ("/privacy", ["get"]), ("/assets/{file}", ["get"]),
        ("/sign-in", ["get", "post"]), ("/auth/callback", ["get"]), ("/sign-out", ["get"]), ("/organisations", ["get"]),
        ("/claims/{reference}", ["get"]),
        ("/schools/{urn}", ["get"]), ("/schools/{urn}/grant-conditions", ["get", "post"]), ("/schools/{urn}/mentors", ["get", "post"]),
        ("/schools/{urn}/mentors/{trn}/remove", ["get", "post"]), ("/schools/{urn}/claims/new", ["get", "post"]),
        ("/schools/{urn}/claims/new/mentors", ["get", "post"]), ("/schools/{urn}/claims/new/hours/{trn}", ["get", "post"]),
        ("/schools/{urn}/claims/new/check", ["get", "post"]), ("/schools/{urn}/claims/new/confirmation/{reference}", ["get"]),
        ("/schools/{urn}/claims/new/edit/{reference}", ["get"]), ("/schools/{urn}/claims/{reference}", ["get"]),
        ("/schools/{urn}/claims/{reference}/remove", ["get", "post"]), ("/schools/{urn}/funding", ["get"]),
        ("/schools/{urn}/users", ["get"]), ("/schools/{urn}/users/new", ["get", "post"]), ("/schools/{urn}/users/{id}/remove", ["get", "post"]),
        ("/trusts/{uid}", ["get"]), ("/support/users", ["get", "post"]), ("/support/users/{id}", ["get"]),
        ("/support/users/{id}/memberships", ["post"]), ("/support/users/{id}/memberships/remove", ["post"]),
        ("/support/memberships/new", ["get", "post"]), ("/support/claims", ["get"]), ("/support/claims.csv", ["get"]),
        ("/support/claims/{reference}", ["get"]), ("/support/claims/{reference}/delete", ["post"]),
        ("/support/claims/{reference}/information-sent", ["post"]), ("/support/claims/{reference}/paid", ["post"]),
        ("/support/claims/{reference}/reject", ["post"]), ("/support/claims/{reference}/approve", ["post"]),
        ("/support/claims/{reference}/school-response", ["post"]), ("/support/claims/{reference}/clawback", ["get", "post"]),
        ("/support/claims/{reference}/clawback/check", ["post"]), ("/support/claims/{reference}/clawback/decision", ["post"]),
        ("/support/payments", ["get"]), ("/support/payments/check", ["get"]), ("/support/payments/clawback-check", ["get"]),
        ("/support/payments/runs", ["post"]), ("/support/payments/clawback-runs", ["post"]), ("/support/payments/ledger", ["get"]),
        ("/support/payments/runs/{id}", ["get"]), ("/support/payments/runs/{id}/file", ["get"]), ("/support/payments/runs/{id}/resend", ["post"]),
        ("/support/payments/runs/{id}/response", ["post"]), ("/support/payments/clawback-runs/{id}", ["get"]),
        ("/support/payments/clawback-runs/{id}/file", ["get"]), ("/support/payments/clawback-runs/{id}/resend", ["post"]),
        ("/support/payments/clawback-runs/{id}/response", ["post"]),
        ("/support/audit", ["get"]), ("/support/audit/samples", ["post"]), ("/support/audit/samples/{id}", ["get"]),
        ("/support/audit/provider-requests/{id}/file", ["get"]), ("/support/audit/provider-requests/{id}/resend", ["post"]),
        ("/support/audit/provider-requests/{id}/response", ["post"]),
        ("/support/schools", ["get"]), ("/support/schools/import", ["post"]), ("/support/schools/new", ["get", "post"]),
        ("/support/schools/{urn}", ["get"]), ("/support/schools/{urn}/edit", ["get", "post"]), ("/support/schools/{urn}/eligibility", ["post"]),
        ("/support/providers", ["get", "post"]), ("/support/claim-windows", ["get", "post"]), ("/support/claim-windows/{id}/remove", ["post"]),
        ("/support/funding-rates", ["get", "post"]), ("/support/notifications", ["get"]), ("/support/notifications/{id}/retry", ["post"]),
        ("/support/notifications/new", ["get", "post"]),
        ("/providers/{code}", ["get"]), ("/providers/{code}/requests/{id}/file", ["get"]), ("/providers/{code}/requests/{id}/response", ["post"]),
    ]
}
