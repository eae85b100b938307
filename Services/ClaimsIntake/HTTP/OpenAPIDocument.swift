import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`; a test holds it to exactly the routes served.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "claims-intake",
        description: "Claims intake: schools, trusts and support create, submit, find and track claims.",
        paths: paths,
        schemas: schemas
    )

    private static let errors = """
                "401": {description: No valid bearer token}
                "403": {description: This role may never take this action}
                "404": {description: Not found, or outside the user's organisations}
                "422": {description: Validation failed; errors name each field}
        """

    static let paths = """
          /api/v1/schools/import:
            post:
              summary: Import schools from the GIAS-style CSV (support); any bad row changes nothing
              requestBody: {required: true, content: {text/csv: {schema: {type: string}}}}
              responses:
                "200": {description: "{created, updated, unchanged, rejected: []}"}
                "413": {description: Over 20 MiB}
        \(errors)
          /api/v1/schools:
            get:
              summary: Schools matching URN, name, postcode or local authority, by name, paginated (support)
              parameters:
                - {name: q, in: query, schema: {type: string}}
                - {name: page, in: query, schema: {type: integer}}
                - {name: per_page, in: query, schema: {type: integer}}
              responses:
                "200": {description: "{items, page, per_page, total}"}
        \(errors)
          /api/v1/schools/{urn}:
            parameters:
              - {name: urn, in: path, required: true, schema: {type: integer}}
            put:
              summary: Create or update a school (support)
              requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/SchoolInput"}}}}
              responses:
                "200": {description: Updated}
                "201": {description: Created}
        \(errors)
            get:
              summary: A school with its region, this year's hourly rate, eligibility and grant conditions
              responses:
                "200": {description: The school}
        \(errors)
          /api/v1/schools/{urn}/eligibility:
            parameters:
              - {name: urn, in: path, required: true, schema: {type: integer}}
            post:
              summary: Make the school eligible for an academic year (support)
              requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {academic_year: {type: integer}}}}}}
              responses:
                "201": {description: Eligible}
        \(errors)
          /api/v1/schools/{urn}/grant-conditions:
            parameters:
              - {name: urn, in: path, required: true, schema: {type: integer}}
            post:
              summary: Accept the grant conditions (a school user of that school)
              responses:
                "201": {description: Accepted, with accepted_at and accepted_by}
        \(errors)
          /api/v1/providers/{code}:
            parameters:
              - {name: code, in: path, required: true, schema: {type: string}}
            put:
              summary: Create or update a provider (support)
              requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {name: {type: string}, ukprn: {type: string}, accredited: {type: boolean}, email_addresses: {type: array, items: {type: string}}}}}}}
              responses:
                "200": {description: Updated}
                "201": {description: Created}
        \(errors)
          /api/v1/providers:
            get:
              summary: Accredited providers matching name, code or UKPRN
              parameters:
                - {name: q, in: query, schema: {type: string}}
                - {name: all, in: query, schema: {type: boolean}, description: "Support only: include providers that are not accredited"}
              responses:
                "200": {description: The providers}
        \(errors)
          /api/v1/funding-rates/{academic_year}:
            parameters:
              - {name: academic_year, in: path, required: true, schema: {type: integer}}
            put:
              summary: Set the hourly rates in pence (support)
              requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {inner_london_pence: {type: integer}, outer_london_pence: {type: integer}, fringe_pence: {type: integer}, rest_of_england_pence: {type: integer}}}}}}
              responses:
                "200": {description: The rates}
        \(errors)
            get:
              summary: The rates and the most a mentor can earn
              responses:
                "200": {description: The rates}
        \(errors)
          /api/v1/claim-windows:
            post:
              summary: Create a claim window (support)
              requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {academic_year: {type: integer}, opens_on: {type: string, format: date}, closes_on: {type: string, format: date}}}}}}
              responses:
                "201": {description: The window}
        \(errors)
            get:
              summary: Every window with its state (past, current, upcoming)
              responses:
                "200": {description: The windows}
        \(errors)
          /api/v1/claim-windows/current:
            get:
              summary: The open window with closes_at and days_left
              responses:
                "200": {description: The window}
        \(errors)
          /api/v1/claim-windows/{id}:
            parameters:
              - {name: id, in: path, required: true, schema: {type: integer}}
            delete:
              summary: Remove a window without claims that is not past (support)
              responses:
                "204": {description: Removed}
                "409": {description: The window has claims or is past}
        \(errors)
          /api/v1/schools/{urn}/mentors:
            parameters:
              - {name: urn, in: path, required: true, schema: {type: integer}}
            post:
              summary: Add a mentor to the school's list (TRN spaces removed)
              requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {trn: {type: string}, first_name: {type: string}, last_name: {type: string}}}}}}
              responses:
                "201": {description: Added}
                "409": {description: Already on the list}
        \(errors)
            get:
              summary: The school's mentors
              responses:
                "200": {description: The list}
        \(errors)
          /api/v1/schools/{urn}/mentors/{trn}:
            parameters:
              - {name: urn, in: path, required: true, schema: {type: integer}}
              - {name: trn, in: path, required: true, schema: {type: string}}
            delete:
              summary: Remove a mentor who is on no draft or submitted claim
              responses:
                "204": {description: Removed}
                "409": {description: On a draft or submitted claim}
        \(errors)
          /api/v1/schools/{urn}/mentors/{trn}/allowance:
            parameters:
              - {name: urn, in: path, required: true, schema: {type: integer}}
              - {name: trn, in: path, required: true, schema: {type: string}}
            get:
              summary: Hours claimed and remaining with a provider in the current window's year
              parameters:
                - {name: provider, in: query, required: true, schema: {type: string}}
              responses:
                "200": {description: academic_year, training_type, total_hours, used_hours, remaining_hours}
        \(errors)
          /api/v1/schools/{urn}/claims:
            parameters:
              - {name: urn, in: path, required: true, schema: {type: integer}}
            post:
              summary: Create a draft claim (accepts Idempotency-Key)
              requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/ClaimInput"}}}}
              responses:
                "201": {description: The claim, status draft}
                "409": {description: Idempotency-Key reused with another body}
        \(errors)
          /api/v1/claims/{reference}:
            parameters:
              - {name: reference, in: path, required: true, schema: {type: string}}
            get:
              summary: The claim, with its version as ETag
              responses:
                "200": {description: The claim}
        \(errors)
            patch:
              summary: Change a draft claim (If-Match accepted)
              requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/ClaimInput"}}}}
              responses:
                "200": {description: The claim}
                "409": {description: Not a draft}
                "412": {description: Stale If-Match}
        \(errors)
            delete:
              summary: Delete a draft (school or support) or a submitted claim not yet sent to the payer (support)
              responses:
                "204": {description: Deleted}
                "409": {description: Can no longer be deleted}
                "412": {description: Stale If-Match}
        \(errors)
          /api/v1/claims/{reference}/submit:
            parameters:
              - {name: reference, in: path, required: true, schema: {type: string}}
            post:
              summary: Submit with the declaration (a school user of that school only); amount and rate frozen
              requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {declaration_accepted: {type: boolean}}}}}}
              responses:
                "200": {description: The claim, status submitted}
                "409": {description: Already submitted}
        \(errors)
          /api/v1/claims/{reference}/activity:
            parameters:
              - {name: reference, in: path, required: true, schema: {type: string}}
            get:
              summary: The claim's activity log, oldest first
              responses:
                "200": {description: The entries}
        \(errors)
          /api/v1/claims:
            get:
              summary: Claims the user may see, filtered, sorted and paginated
              parameters:
                - {name: status, in: query, schema: {type: array, items: {type: string}}, explode: true}
                - {name: school_urn, in: query, schema: {type: integer, minimum: 1, maximum: 9999999}}
                - {name: provider_code, in: query, schema: {type: string}}
                - {name: academic_year, in: query, schema: {type: integer, minimum: 2000, maximum: 2100}}
                - {name: claim_window_id, in: query, schema: {type: integer}}
                - {name: submitted_after, in: query, schema: {type: string, format: date}}
                - {name: submitted_before, in: query, schema: {type: string, format: date}}
                - {name: mentor_trn, in: query, schema: {type: string}}
                - {name: q, in: query, schema: {type: string}}
                - {name: flagged, in: query, schema: {type: boolean}}
                - {name: sort, in: query, schema: {type: string, enum: [submitted_at, -submitted_at, amount, -amount, reference, school_name]}}
                - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 10000}}
                - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
              responses:
                "200": {description: "{items, page, per_page, total}; each item has reference, status, school {urn, name}, provider_code, provider {code, name}, academic_year, claim_window_id, total_hours, amount_pence, submitted_at, flags and next_step"}
        \(errors)
          /api/v1/claims/export.csv:
            get:
              summary: The same filters as CSV (support)
              responses:
                "200": {description: "text/csv; claims export columns of files.md"}
        \(errors)
          /api/v1/schools/{urn}/summary:
            parameters:
              - {name: urn, in: path, required: true, schema: {type: integer}}
            get:
              summary: Per academic year, claims by status, amounts claimed, paid and clawed back
              responses:
                "200": {description: The summary}
        \(errors)
          /api/v1/trusts/{uid}/summary:
            parameters:
              - {name: uid, in: path, required: true, schema: {type: string}}
            get:
              summary: The same across a MAT user's schools in the trust
              responses:
                "200": {description: The summary}
        \(errors)
        """

    static let schemas = """
            SchoolInput:
              type: object
              required: [name, postcode, local_authority, type_of_establishment, group, region, contact_emails]
              properties:
                name: {type: string}
                postcode: {type: string}
                local_authority: {type: string}
                type_of_establishment: {type: string}
                group: {type: string}
                region: {type: string, enum: [inner_london, outer_london, fringe, rest_of_england]}
                trust: {type: object, properties: {uid: {type: string}, name: {type: string}}}
                contact_emails: {type: array, items: {type: string}}
            ClaimInput:
              type: object
              required: [provider_code, mentors]
              properties:
                provider_code: {type: string}
                mentors:
                  type: array
                  items: {type: object, properties: {trn: {type: string}, hours: {type: integer}}}
        """
}
