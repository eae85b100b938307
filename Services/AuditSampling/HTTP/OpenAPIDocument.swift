import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test holds it to exactly the routes served.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "audit-sampling",
        description:
            "Audit sampling: flags risky claims, samples paid claims for audit, collects responses, requests clawbacks with four-eyes approval.",
        paths: paths
    )

    private static let errors = """
                "401": {description: No valid bearer token}
                "403": {description: This role may never take this action}
                "404": {description: Not found, or outside the user's providers}
                "409": {description: The claim is not in a state that allows this}
                "422": {description: Validation failed; errors name each field or row}
        """

    private static let id = "  - {name: id, in: path, required: true, schema: {type: integer}}"
    private static let reference = "  - {name: reference, in: path, required: true, schema: {type: string}}"

    static let paths = """
          /api/v1/audit/flags:
            get:
              summary: Flagged claims with reasons (support)
              parameters:
                - {name: academic_year, in: query, schema: {type: integer, minimum: 2000, maximum: 2100}}
              responses:
                "200": {description: The flagged claims}
        \(errors)
          /api/v1/audit/samples:
            post:
              summary: Sample paid claims, by the service's selection (JSON) or from a list (CSV)
              parameters: [{name: Idempotency-Key, in: header, schema: {type: string}, description: "A repeat with the same key and body gets the first response; another body gets 409"}]
              requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {academic_year: {type: integer}, share: {type: number}, seed: {type: integer}}}}, text/csv: {schema: {type: string}}}}
              responses:
                "201": {description: "{id, seed, claim_count, sampled_pence, paid_pence, providers}"}
        \(errors)
            get:
              summary: Every sample, newest first, with each provider's progress (support)
              responses:
                "200": {description: The samples}
        \(errors)
          /api/v1/audit/samples/{id}:
            parameters:
            \(id)
            get:
              summary: The sample and its per-provider progress
              responses:
                "200": {description: The sample}
        \(errors)
          /api/v1/audit/provider-requests:
            get:
              summary: Open provider requests (a provider user sees its own)
              parameters:
                - {name: provider_code, in: query, schema: {type: string}}
              responses:
                "200": {description: The requests}
        \(errors)
          /api/v1/audit/provider-requests/{id}/csv:
            parameters:
            \(id)
            get:
              summary: The request's file for a signed-in provider user of that provider, or support; no emailed link is used up
              responses:
                "200": {description: "text/csv; the provider file of files.md"}
        \(errors)
          /api/v1/audit/claims:
            get:
              summary: A provider's sampled claims and where each now stands (a provider user sees its own)
              parameters:
                - {name: provider_code, in: query, schema: {type: string}}
              responses:
                "200": {description: The claims}
        \(errors)
          /api/v1/audit/provider-requests/{id}/file:
            parameters:
            \(id)
              - {name: token, in: query, required: true, schema: {type: string}}
            get:
              summary: A page naming the provider's file with a Download button and the due date (no bearer token); opening it uses nothing up
              security: []
              responses:
                "200": {description: "text/html; the page, whose form POSTs the token to the same path"}
                "404": {description: Unknown or altered link}
                "410": {description: Used, replaced or expired link}
            post:
              summary: The Download button - the provider's CSV, once; the single-use, 7-day link is then used up
              security: []
              requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: object, properties: {token: {type: string}}}}}}
              responses:
                "200": {description: "text/csv; provider file of files.md"}
                "404": {description: Unknown or altered link}
                "410": {description: Used, replaced or expired link}
          /api/v1/audit/provider-requests/{id}/resend:
            parameters:
            \(id)
            post:
              summary: New links (to other addresses if given); old ones stop working
              responses:
                "204": {description: Sent}
        \(errors)
          /api/v1/audit/provider-requests/{id}/response:
            parameters:
            \(id)
            post:
              summary: The provider's response CSV (support, or a provider user of that provider)
              requestBody: {required: true, content: {text/csv: {schema: {type: string}}}}
              responses:
                "200": {description: "{accepted_claims, not_approved_claims, unanswered_claims, already_applied}: a partial file answers only its claims; the same file again is already_applied"}
        \(errors)
          /api/v1/audit/claims/{reference}:
            parameters:
            \(reference)
            get:
              summary: "Audit's view of the claim: flags, samples with each mentor's provider verdict, school response, clawback request and decision; its ETag is the If-Match of support's actions"
              responses:
                "200": {description: "{reference, status, flags, samples, school_response, clawback, version}", headers: {ETag: {schema: {type: string}}}}
        \(errors)
          /api/v1/audit/claims/{reference}/approve:
            parameters:
            \(reference)
            post:
              summary: Support approves a sampled claim → paid
              parameters: [{name: If-Match, in: header, schema: {type: string}, description: "The ETag of audit's view of the claim; a stale one is 412 and changes nothing"}]
              responses:
                "200": {description: The new status}
                "412": {description: Changed by someone else since it was loaded}
        \(errors)
          /api/v1/audit/claims/{reference}/school-response:
            parameters:
            \(reference)
            post:
              summary: Record the school's response → sampling_not_approved
              parameters: [{name: If-Match, in: header, schema: {type: string}, description: "The ETag of audit's view of the claim; a stale one is 412 and changes nothing"}]
              responses:
                "200": {description: The new status}
                "412": {description: Changed by someone else since it was loaded}
        \(errors)
          /api/v1/audit/claims/{reference}/clawback:
            parameters:
            \(reference)
            post:
              summary: Hours really trained per mentor → clawback_requires_approval, or paid when nothing is clawed back
              parameters: [{name: If-Match, in: header, schema: {type: string}, description: "The ETag of audit's view of the claim; a stale one is 412 and changes nothing"}]
              responses:
                "200": {description: The new status}
                "412": {description: Changed by someone else since it was loaded}
        \(errors)
          /api/v1/audit/claims/{reference}/clawback/decision:
            parameters:
            \(reference)
            post:
              summary: A support user other than the requester approves or rejects (else 403)
              parameters: [{name: If-Match, in: header, schema: {type: string}, description: "The ETag of audit's view of the claim; a stale one is 412 and changes nothing"}]
              responses:
                "200": {description: The new status}
                "412": {description: Changed by someone else since it was loaded}
        \(errors)
        """
}
